// SPDX-License-Identifier: MIT
// Unit tests of dom0_mem= and dom0_max_vcpus= (hv/common/dom0_params.c), read as Xen 4.17.
#include "harness.h"

#include <tern/dom0.h>
#include <tern/param.h>
#include <tern/types.h>

/* Parse opts from the defaults; size and max in MiB out of avail_mib free. */
static int mem(const char *opts, uint64_t avail_mib, uint64_t *size_mib, uint64_t *max_mib)
{
    uint64_t size, max;
    dom0_params_reset();
    int problems = cmdline_parse(opts);
    dom0_mem_compute(MB(avail_mib), &size, &max);
    *size_mib = size >> 20;
    *max_mib = max >> 20;
    return problems;
}

#define CHECK_MEM(opts, avail, want_size, want_max)                                        \
    do {                                                                                   \
        uint64_t s_, m_;                                                                   \
        int p_ = mem(opts, avail, &s_, &m_);                                               \
        CHECK(p_ == 0 && s_ == (want_size) && m_ == (want_max),                            \
              "'%s' of %u MiB: expected %u MiB max %u, got %llu max %llu (%d problems)",   \
              opts, (unsigned)(avail), (unsigned)(want_size), (unsigned)(want_max),        \
              (unsigned long long)s_, (unsigned long long)m_, p_);                         \
    } while (0)

TEST(dom0_mem_sizes)
{
    CHECK_MEM("dom0_mem=512M,max:512M", 1000, 512, 512);
    CHECK_MEM("dom0_mem=1024M,max:1024M dom0_max_vcpus=2", 2000, 1024, 1024);
    CHECK_MEM("dom0_mem=512M", 1000, 512, 512);
    CHECK_MEM("dom0_mem=max:1024M,512M", 2000, 512, 1024); /* parts in any order */
    CHECK_MEM("dom0_mem=1G", 4096, 1024, 1024);
    CHECK_MEM("dom0_mem=2G", 1000, 1000, 1000); /* never more than is free */
}

TEST(dom0_mem_default_keeps_xens_reserve)
{
    CHECK_MEM("", 1024, 960, 960);   /* 1/16 kept back */
    CHECK_MEM("", 4096, 3968, 3968); /* at most 128 MiB */
}

TEST(dom0_mem_relative_amounts)
{
    CHECK_MEM("dom0_mem=-256M", 1024, 768, 768); /* all but */
    CHECK_MEM("dom0_mem=50%", 1000, 500, 500);
    CHECK_MEM("dom0_mem=-25%", 1000, 750, 750);
}

TEST(dom0_mem_min_and_max_bound_it)
{
    CHECK_MEM("dom0_mem=min:600M,300M", 1000, 600, 600);
    CHECK_MEM("dom0_mem=max:300M", 1000, 300, 300); /* max alone caps the default */
    CHECK_MEM("dom0_mem=700M,max:300M", 1000, 300, 300);
}

TEST(dom0_mem_bad_values_are_reported)
{
    static const char *const bad[] = { "dom0_mem=foo", "dom0_mem=150%", "dom0_mem=512M,junk",
                                       "dom0_mem=512M;", "dom0_mem", "dom0_mem=max:" };
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        dom0_params_reset();
        int p = cmdline_parse(bad[i]);
        CHECK(p == 1, "'%s': expected 1 problem reported, got %d", bad[i], p);
    }
}

static unsigned int vcpus(const char *opts, unsigned int pcpus)
{
    dom0_params_reset();
    int p = cmdline_parse(opts);
    return p ? 9999 : dom0_vcpus_compute(pcpus, 128);
}

TEST(dom0_max_vcpus)
{
    CHECK_EQ(vcpus("", 2), 2u);                     /* one per host CPU */
    CHECK_EQ(vcpus("dom0_max_vcpus=4", 2), 2u);     /* a maximum, not a request */
    CHECK_EQ(vcpus("dom0_max_vcpus=1", 4), 1u);
    CHECK_EQ(vcpus("dom0_max_vcpus=3-8", 2), 3u);   /* the minimum may exceed the CPUs */
    CHECK_EQ(vcpus("dom0_max_vcpus=3-", 2), 3u);
    CHECK_EQ(vcpus("dom0_max_vcpus=-1", 4), 1u);
    CHECK_EQ(vcpus("dom0_max_vcpus=8-4", 2), 4u);   /* Xen's order: raise, then cap */
    CHECK_EQ(vcpus("dom0_max_vcpus=300", 512), 128u); /* never past the limit */
    CHECK_EQ(vcpus("dom0_max_vcpus=x", 2), 9999u);  /* reported as a bad value */
    CHECK_EQ(vcpus("dom0_max_vcpus=2-x", 2), 9999u);
}

TEST(dom0_vcpus_pin_is_a_boolean)
{
    dom0_params_reset();
    CHECK_EQ(cmdline_parse("dom0_vcpus_pin"), 0);
    CHECK(opt_dom0_vcpus_pin, "expected dom0_vcpus_pin to set the option");
    dom0_params_reset();
    CHECK_EQ(cmdline_parse("dom0_vcpus_pin=0"), 0);
    CHECK(!opt_dom0_vcpus_pin, "expected dom0_vcpus_pin=0 to clear the option");
}
