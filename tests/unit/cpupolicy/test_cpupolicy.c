// SPDX-License-Identifier: MIT
/* CPU policies: what a CPU serialises to (Xen's order and limits), what comes back from the
 * toolstack (Xen's -E2BIG/-ERANGE/-EINVAL/-EOVERFLOW with the offending leaf or MSR), the
 * audit against Tern's policy, out-of-range trimming and the featureset words. */
#include <string.h>

#include "harness.h"

#include <tern/errno.h>
#include "../../../hv/arch/x86/hvm/cpu_policy.h"

#define NA XEN_CPUID_NO_SUBLEAF

/* A made-up CPU: basic leaves to 0xd, leaf 4 with three caches, leaf 7 with subleaf 1,
 * x87/SSE/AVX in XCR0 (so 0xd subleaf 2 is serialised), extended leaves to 0x80000008. */
static void fake_cpu(uint32_t leaf, uint32_t sub, struct cpuid_leaf_regs *r, void *arg)
{
    (void)arg;
    *r = (struct cpuid_leaf_regs){ leaf ^ 0x1000, sub, leaf + sub, 0xffffffff };
    switch (leaf) {
    case 0:
        r->a = 0xd;
        break;
    case 4:
        r->a = sub < 3 ? (sub + 1) : 0; /* cache types 1, 2, 3, then none */
        break;
    case 7:
        if (sub == 0)
            r->a = 1;
        break;
    case 0xb:
        r->c = sub == 0 ? 0x100 : 0;  /* one level, then type 0 */
        break;
    case 0xd:
        if (sub == 0) {
            r->a = 0x7;
            r->d = 0;
        } else if (sub == 1) {
            r->c = r->d = 0;
        }
        break;
    case 0x80000000:
        r->a = 0x80000008;
        break;
    default:
        break;
    }
}

static struct tern_cpu_policy pol, other;
static struct xen_cpuid_leaf buf[CPUID_MAX_SERIALISED_LEAVES + 4];

/* 14 basic leaves, less 4/7/0xb/0xd, plus 4 caches, 2 of 7, 1 of 0xb (type 0 after the
 * first is the second), 3 of 0xd, 2 hypervisor limits, 9 extended. */
#define EXPECTED_LEAVES (10 + 4 + 2 + 2 + 3 + 2 + 9)

TEST(serialise_in_xen_order_and_limits)
{
    uint32_t nr = CPUID_MAX_SERIALISED_LEAVES;

    cpu_policy_fill(&pol, fake_cpu, NULL);
    CHECK_EQ(cpu_policy_leaves_to_buffer(&pol, buf, &nr), 0);
    CHECK_EQ(nr, EXPECTED_LEAVES);
    CHECK(buf[0].leaf == 0 && buf[0].subleaf == NA && buf[0].a == 0xd, "leaf 0 first");
    CHECK(buf[4].leaf == 4 && buf[4].subleaf == 0, "leaf 4 subleaf 0 fifth");
    CHECK(buf[7].leaf == 4 && buf[7].subleaf == 3 && buf[7].a == 0, "type 0 ends leaf 4");
    CHECK(buf[8].leaf == 5 && buf[8].subleaf == NA, "then leaf 5");
    unsigned int hv = 0, xs = 0;
    for (unsigned int i = 0; i < nr; i++) {
        hv += buf[i].leaf == 0x40000000 || buf[i].leaf == 0x40000100;
        xs += buf[i].leaf == 0xd;
        if (i)
            CHECK(buf[i].leaf > buf[i - 1].leaf ||
                  (buf[i].leaf == buf[i - 1].leaf && buf[i].subleaf == buf[i - 1].subleaf + 1),
                  "entry %u (%#x/%#x) out of order", i, buf[i].leaf, buf[i].subleaf);
    }
    CHECK_EQ(hv, 2);
    CHECK_EQ(xs, 3);
    CHECK_EQ(buf[nr - 1].leaf, 0x80000008);
    /* One entry short: -ENOBUFS. */
    nr = EXPECTED_LEAVES - 1;
    CHECK_EQ(cpu_policy_leaves_to_buffer(&pol, buf, &nr), -ENOBUFS);
    /* MSRs: both or -ENOBUFS. */
    struct xen_msr_entry m[2];
    nr = 1;
    CHECK_EQ(cpu_policy_msrs_to_buffer(&pol, m, &nr), -ENOBUFS);
    nr = 2;
    CHECK_EQ(cpu_policy_msrs_to_buffer(&pol, m, &nr), 0);
    CHECK(m[0].idx == MSR_INTEL_PLATFORM_INFO && m[1].idx == MSR_ARCH_CAPABILITIES, "MSRs");
}

TEST(round_trip_and_what_libxenguest_sends_back)
{
    uint32_t nr = CPUID_MAX_SERIALISED_LEAVES, el, es;

    cpu_policy_fill(&pol, fake_cpu, NULL);
    CHECK_EQ(cpu_policy_leaves_to_buffer(&pol, buf, &nr), 0);
    memset(&other, 0, sizeof(other));
    CHECK_EQ(cpu_policy_leaves_from_buffer(&other, buf, nr, &el, &es), 0);
    CHECK(el == ~0u && es == ~0u, "error fields reset");
    CHECK(!memcmp(other.basic, pol.basic, sizeof(pol.basic)) &&
          !memcmp(other.feat, pol.feat, sizeof(pol.feat)) &&
          !memcmp(other.extd, pol.extd, sizeof(pol.extd)), "round trip changed the policy");
    /* xc_cpuid_apply_policy for HVM: lppp doubled, a feature dropped. */
    for (uint32_t i = 0; i < nr; i++)
        if (buf[i].leaf == 1) {
            buf[i].b |= 2u << 16;
            buf[i].c &= ~(1u << 3);
        }
    other = pol;
    CHECK_EQ(cpu_policy_leaves_from_buffer(&other, buf, nr, &el, &es), 0);
    cpu_policy_clear_out_of_range(&other);
    uint32_t em;
    CHECK_EQ(cpu_policy_compatible(&pol, &other, &el, &es, &em), 0);
    CHECK_EQ(other.basic[1].c & (1u << 3), 0);
}

TEST(hostile_leaves_get_xen_errors)
{
    struct xen_cpuid_leaf l = { 0 };
    uint32_t el, es;
    static const struct { uint32_t leaf, sub; } bad[] = {
        { 4, 6 }, { 7, 3 }, { 0xb, 2 }, { 0xd, 63 }, { 1, 0 }, { 0, 1 }, { 0xe, NA },
        { 0x80000022, NA }, { 0x80000001, 0 }, { 0x40000001, NA }, { 0x40000000, 0 },
        { 0x3fffffff, NA }, { 0xffffffff, NA },
    };

    cpu_policy_fill(&pol, fake_cpu, NULL);
    CHECK_EQ(cpu_policy_leaves_from_buffer(&pol, buf, CPUID_MAX_SERIALISED_LEAVES + 1, &el,
                                           &es), -E2BIG);
    for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        other = pol;
        l.leaf = bad[i].leaf;
        l.subleaf = bad[i].sub;
        CHECK_EQ(cpu_policy_leaves_from_buffer(&other, &l, 1, &el, &es), -ERANGE);
        CHECK(el == bad[i].leaf && es == bad[i].sub, "err %#x/%#x for %#x/%#x", el, es,
              bad[i].leaf, bad[i].sub);
    }
    /* The last valid slots are accepted. */
    static const struct { uint32_t leaf, sub; } good[] = {
        { 4, 5 }, { 7, 2 }, { 0xb, 1 }, { 0xd, 62 }, { 0xc, NA }, { 0x80000021, NA },
        { 0x40000000, NA }, { 0x40000100, NA },
    };
    for (unsigned int i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        l.leaf = good[i].leaf;
        l.subleaf = good[i].sub;
        l.a = 0x55;
        CHECK_EQ(cpu_policy_leaves_from_buffer(&other, &l, 1, &el, &es), 0);
    }
    CHECK_EQ(other.hv_limit, 0x55);
    CHECK_EQ(other.xstate[62].a, 0x55);
}

TEST(hostile_msrs_get_xen_errors)
{
    struct xen_msr_entry m[3] = { { MSR_INTEL_PLATFORM_INFO, 0, 1 },
                                  { MSR_ARCH_CAPABILITIES, 0, 1ULL << 40 }, { 0x10, 0, 0 } };
    uint32_t em;

    memset(&pol, 0, sizeof(pol));
    CHECK_EQ(cpu_policy_msrs_from_buffer(&pol, m, 3, &em), -E2BIG);
    CHECK_EQ(cpu_policy_msrs_from_buffer(&pol, m, 2, &em), 0);
    CHECK(pol.platform_info == 1 && pol.arch_caps == 1ULL << 40 && em == ~0u, "values kept");
    m[0].flags = 1;
    CHECK_EQ(cpu_policy_msrs_from_buffer(&pol, m, 1, &em), -EINVAL);
    CHECK_EQ(em, MSR_INTEL_PLATFORM_INFO);
    m[0].flags = 0;
    m[0].val = 1ULL << 32;
    CHECK_EQ(cpu_policy_msrs_from_buffer(&pol, m, 1, &em), -EOVERFLOW);
    CHECK_EQ(cpu_policy_msrs_from_buffer(&pol, &m[2], 1, &em), -ERANGE);
    CHECK_EQ(em, 0x10);
}

TEST(audit_against_the_maximum)
{
    uint32_t el, es, em;

    cpu_policy_fill(&pol, fake_cpu, NULL);
    other = pol;
    CHECK_EQ(cpu_policy_compatible(&pol, &other, &el, &es, &em), 0);
    other.basic[0].a = 0xe;
    CHECK_EQ(cpu_policy_compatible(&pol, &other, &el, &es, &em), -EINVAL);
    CHECK(el == 0 && es == NA && em == ~0u, "err %#x/%#x/%#x", el, es, em);
    other = pol;
    other.feat[0].a = 2;
    CHECK_EQ(cpu_policy_compatible(&pol, &other, &el, &es, &em), -EINVAL);
    CHECK(el == 7 && es == 0, "err %#x/%#x", el, es);
    other = pol;
    other.extd[0].a = 0x80000021;
    CHECK_EQ(cpu_policy_compatible(&pol, &other, &el, &es, &em), -EINVAL);
    CHECK(el == 0x80000000 && es == NA, "err %#x/%#x", el, es);
    other = pol;
    other.platform_info = 1;
    CHECK_EQ(cpu_policy_compatible(&pol, &other, &el, &es, &em), -EINVAL);
    CHECK(em == MSR_INTEL_PLATFORM_INFO && el == ~0u, "err msr %#x", em);
    other = pol;
    other.basic[0].a = 6; /* lower limits are fine */
    CHECK_EQ(cpu_policy_compatible(&pol, &other, &el, &es, &em), 0);
}

TEST(out_of_range_leaves_are_cleared)
{
    cpu_policy_fill(&pol, fake_cpu, NULL);
    pol.basic[0].a = 6;
    pol.extd[0].a = 0x80000001;
    cpu_policy_clear_out_of_range(&pol);
    CHECK(pol.basic[7].a == 0 && pol.basic[13].d == 0, "basic leaves above 6");
    CHECK(pol.feat[0].d == 0 && pol.topo[0].c == 0 && pol.xstate[0].a == 0, "sub-leaves");
    CHECK(pol.cache[0].a != 0, "leaf 4 stays (6 >= 4)");
    CHECK(pol.extd[1].d != 0 && pol.extd[2].d == 0 && pol.extd[8].d == 0, "extended");
    /* Leaf 7's subleaves above its own limit; 0xd's above the highest xstate. */
    cpu_policy_fill(&pol, fake_cpu, NULL);
    pol.feat[0].a = 0;
    pol.xstate[5].a = 9;
    cpu_policy_clear_out_of_range(&pol);
    CHECK(pol.feat[1].d == 0 && pol.feat[0].d != 0, "leaf 7 subleaf 1");
    CHECK(pol.xstate[2].d != 0 && pol.xstate[3].d == 0 && pol.xstate[5].a == 0, "xstate");
}

TEST(featureset_words)
{
    uint32_t fs[FEATURESET_NR_ENTRIES];

    cpu_policy_fill(&pol, fake_cpu, NULL);
    pol.basic[1].c = 0x11;
    pol.basic[1].d = 0x22;
    pol.feat[0].b = 0x33;
    pol.extd[1].c = 0x44;
    pol.arch_caps = 0x5500000066ULL;
    pol.extd[0x21].c = 0x77;
    cpu_policy_to_featureset(&pol, fs);
    CHECK(fs[0] == 0x22 && fs[1] == 0x11 && fs[3] == 0x44 && fs[5] == 0x33, "words 0-5");
    CHECK(fs[16] == 0x66 && fs[17] == 0x55 && fs[18] == 0x77, "words 16-18");
}
