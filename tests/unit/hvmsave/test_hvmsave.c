// SPDX-License-Identifier: MIT
/* HVM context records: writing, reading with Xen's strict and zero-extending rules, hostile
 * descriptors, libxenguest's record lookup, and which CPU records may be loaded. */
#include <string.h>

#include "harness.h"

#include <tern/errno.h>
#include "../../../hv/arch/x86/hvm/cr_rules.h"
#include "../../../hv/arch/x86/hvm/save_stream.h"

static uint8_t buf[4096];

static struct hvm_stream stream(uint32_t size)
{
    return (struct hvm_stream){ .data = buf, .size = size, .cur = 0 };
}

static void put_desc(uint32_t off, uint16_t type, uint16_t inst, uint32_t len)
{
    struct hvm_save_descriptor d = { type, inst, len };
    memcpy(buf + off, &d, sizeof(d));
}

TEST(put_then_get_round_trip)
{
    struct hvm_save_header hdr = { HVM_FILE_MAGIC, HVM_FILE_VERSION, ~0ULL, 0x830f10, 2000000 };
    struct hvm_save_header back;
    struct hvm_hw_mtrr m = { .msr_mtrr_def_type = 0x806 }, mb;
    struct hvm_stream h = stream(sizeof(buf));

    CHECK_EQ(hvm_stream_put(&h, HVM_SAVE_CODE_HEADER, 0, &hdr, sizeof(hdr)), 0);
    CHECK_EQ(hvm_stream_put(&h, HVM_SAVE_CODE_MTRR, 1, &m, sizeof(m)), 0);
    CHECK_EQ(hvm_stream_put(&h, HVM_SAVE_CODE_END, 0, NULL, 0), 0);
    CHECK_EQ(h.cur, 8 + 24 + 8 + 240 + 8);
    h.size = h.cur; /* read back exactly what was written */
    h.cur = 0;
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_HEADER, &back, sizeof(back), true), 0);
    CHECK(!memcmp(&back, &hdr, sizeof(hdr)), "the header came back changed");
    struct hvm_save_descriptor d;
    CHECK_EQ(hvm_stream_peek(&h, &d), 0);
    CHECK_EQ(d.typecode, HVM_SAVE_CODE_MTRR);
    CHECK_EQ(d.instance, 1);
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_MTRR, &mb, sizeof(mb), true), 0);
    CHECK_EQ(mb.msr_mtrr_def_type, 0x806);
    CHECK_EQ(hvm_stream_peek(&h, &d), 0);
    CHECK_EQ(d.typecode, HVM_SAVE_CODE_END);
    h.cur += 8;
    CHECK_EQ(hvm_stream_peek(&h, &d), -ENODATA);
}

TEST(put_refuses_what_does_not_fit_and_writes_nothing)
{
    struct hvm_hw_cpu c;
    struct hvm_stream h = stream(8 + 1031);

    memset(buf, 0xaa, sizeof(buf));
    memset(&c, 0, sizeof(c));
    CHECK_EQ(hvm_stream_put(&h, HVM_SAVE_CODE_CPU, 0, &c, sizeof(c)), -ENOSPC);
    CHECK_EQ(h.cur, 0);
    CHECK_EQ(buf[0], 0xaa);
    h = stream(7);
    CHECK_EQ(hvm_stream_put(&h, HVM_SAVE_CODE_END, 0, NULL, 0), -ENOSPC);
    h = stream(8);
    CHECK_EQ(hvm_stream_put(&h, HVM_SAVE_CODE_END, 0, NULL, 0), 0);
    /* A huge length cannot wrap the room check. */
    h = stream(64);
    CHECK_EQ(hvm_stream_put(&h, HVM_SAVE_CODE_CPU, 0, &c, 0xfffffffcu), -ENOSPC);
}

TEST(get_strict_and_zero_extended_lengths)
{
    struct hvm_hw_cpu c;
    struct hvm_save_header hdr;
    struct hvm_stream h;

    /* A HEADER one byte short: strict refuses it. */
    put_desc(0, HVM_SAVE_CODE_HEADER, 0, 23);
    h = stream(8 + 23);
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_HEADER, &hdr, sizeof(hdr), true), -EINVAL);
    CHECK_EQ(h.cur, 0);
    /* A shorter CPU record (an older Xen's) is zero-extended. */
    put_desc(0, HVM_SAVE_CODE_CPU, 0, 16);
    memset(buf + 8, 0x11, 16);
    memset(&c, 0xff, sizeof(c));
    h = stream(8 + 16);
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_CPU, &c, sizeof(c), false), 0);
    CHECK_EQ(c.fpu_regs[15], 0x11);
    CHECK_EQ(c.fpu_regs[16], 0);
    CHECK_EQ(c.pad0, 0);
    CHECK_EQ(h.cur, 24);
    /* A longer one is refused either way. */
    put_desc(0, HVM_SAVE_CODE_CPU, 0, sizeof(c) + 1);
    h = stream(sizeof(buf));
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_CPU, &c, sizeof(c), false), -EINVAL);
    /* The wrong type is refused. */
    put_desc(0, HVM_SAVE_CODE_MTRR, 0, 24);
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_HEADER, &hdr, sizeof(hdr), true), -EINVAL);
}

TEST(truncated_and_hostile_descriptors)
{
    struct hvm_save_header hdr;
    struct hvm_stream h;
    struct hvm_save_descriptor d;

    /* Body past the end of the buffer. */
    put_desc(0, HVM_SAVE_CODE_HEADER, 0, 24);
    h = stream(8 + 20);
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_HEADER, &hdr, sizeof(hdr), true), -EINVAL);
    /* Fewer bytes than a descriptor. */
    h = stream(5);
    CHECK_EQ(hvm_stream_peek(&h, &d), -ENODATA);
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_HEADER, &hdr, sizeof(hdr), true), -EINVAL);
    /* A length that would wrap 32 bits. */
    put_desc(0, HVM_SAVE_CODE_CPU, 0, 0xfffffff8u);
    h = stream(64);
    struct hvm_hw_cpu c;
    CHECK_EQ(hvm_stream_get(&h, HVM_SAVE_CODE_CPU, &c, sizeof(c), false), -EINVAL);
    /* Unaligned descriptors are read (the guest's buffer has no alignment). */
    put_desc(3, HVM_SAVE_CODE_END, 0, 0);
    h = (struct hvm_stream){ .data = buf + 3, .size = 8 };
    CHECK_EQ(hvm_stream_peek(&h, &d), 0);
    CHECK_EQ(d.typecode, 0);
}

TEST(find_as_libxenguest_does)
{
    struct hvm_hw_mtrr m = { .msr_pat_cr = 0x0007040600070406ULL };
    struct hvm_stream h = stream(sizeof(buf));
    uint32_t len = 0;

    hvm_stream_put(&h, HVM_SAVE_CODE_HEADER, 0, buf + 2048, 24);
    hvm_stream_put(&h, HVM_SAVE_CODE_MTRR, 0, &m, sizeof(m));
    m.msr_pat_cr = 6;
    hvm_stream_put(&h, HVM_SAVE_CODE_MTRR, 1, &m, sizeof(m));
    hvm_stream_put(&h, HVM_SAVE_CODE_END, 0, NULL, 0);
    const struct hvm_hw_mtrr *r = hvm_stream_find(buf, h.cur, HVM_SAVE_CODE_MTRR, 1, &len);
    CHECK(r, "MTRR instance 1 not found");
    CHECK_EQ(len, 240);
    CHECK_EQ(r->msr_pat_cr, 6);
    CHECK(!hvm_stream_find(buf, h.cur, HVM_SAVE_CODE_MTRR, 2, &len), "no instance 2");
    CHECK(!hvm_stream_find(buf, h.cur, HVM_SAVE_CODE_CPU, 0, &len), "no CPU record");
    /* A stream cut inside the second record: only what fits is found. */
    CHECK(hvm_stream_find(buf, 8 + 24 + 8 + 240, HVM_SAVE_CODE_MTRR, 0, &len), "instance 0");
    CHECK(!hvm_stream_find(buf, 8 + 24 + 8 + 240 + 8 + 100, HVM_SAVE_CODE_MTRR, 1, &len),
          "a truncated record was returned");
}

/* The guest's CPUID as Tern offers it: long mode, NX, SYSCALL, 40 address bits. */
static struct cr_caps caps;

static void make_caps(void)
{
    uint32_t l1[4] = { 0, 0, 0, (1u << 3) | (1u << 4) | (1u << 6) | (1u << 7) |
                                (1u << 13) | (1u << 24) | (1u << 25) };
    uint32_t l7[4] = { 0 }, e1[4] = { 0, 0, 0, (1u << 11) | (1u << 20) | (1u << 29) };
    uint32_t e8[4] = { 40, 0, 0, 0 };

    cr_caps_from_cpuid(&caps, l1, l7, e1, e8);
}

/* The CPU record libxenguest's vcpu_hvm loads for a PVH guest's vCPU 0. */
static void pvh_record(struct hvm_hw_cpu *c)
{
    memset(c, 0, sizeof(*c));
    c->cs_limit = c->ds_limit = c->es_limit = c->ss_limit = ~0u;
    c->tr_limit = 0x67;
    c->cs_arbytes = 0xc9b;
    c->ds_arbytes = c->es_arbytes = c->ss_arbytes = 0xc93;
    c->tr_arbytes = 0x8b;
    c->cr0 = CR0_PE | CR0_ET;
    c->rip = 0x1000000;
    c->rbx = 0x2000000;
    c->dr6 = 0xffff0ff0;
    c->dr7 = 0x400;
}

TEST(libxenguest_pvh_record_is_accepted)
{
    struct hvm_hw_cpu c;

    make_caps();
    pvh_record(&c);
    const char *why = hvm_cpu_record_check(&caps, &c);
    CHECK(!why, "refused: %s", why);
    /* A 64-bit state with paging is fine too. */
    c.cr0 = CR0_PE | CR0_ET | CR0_PG;
    c.cr4 = CR4_PAE;
    c.cr3 = 0x1000;
    c.msr_efer = EFER_LME | EFER_LMA | EFER_NXE | EFER_SCE;
    c.cs_arbytes = 0xa9b;
    c.flags = XEN_X86_FPU_INITIALISED;
    why = hvm_cpu_record_check(&caps, &c);
    CHECK(!why, "64-bit refused: %s", why);
}

TEST(cpu_record_refusals_in_xen_order)
{
    struct hvm_hw_cpu c;
    const char *why;

    make_caps();
#define REFUSED(field, value, what)                                                        \
    do {                                                                                   \
        pvh_record(&c);                                                                    \
        c.field = (value);                                                                 \
        why = hvm_cpu_record_check(&caps, &c);                                             \
        CHECK(why && strstr(why, what), "%s = %#llx: expected '%s', got '%s'", #field,      \
              (unsigned long long)(value), what, why ? why : "accepted");                  \
    } while (0)
    REFUSED(pad0, 1, "pad0");
    REFUSED(cr0, CR0_PE, "CR0");                 /* ET clear */
    REFUSED(cr0, CR0_ET | CR0_PG, "CR0");        /* PG without PE */
    REFUSED(cr0, CR0_PE | CR0_ET | (1u << 7), "CR0"); /* a reserved low bit */
    REFUSED(cr0, CR0_PE | CR0_ET | (1ULL << 32), "CR0 bits 63:32");
    REFUSED(cr0, CR0_PE | CR0_ET | CR0_NW, "NW");
    REFUSED(cr4, CR4_PKE, "CR4");
    REFUSED(cr4, CR4_VMXE, "CR4");
    REFUSED(msr_efer, EFER_LMA | EFER_LME, "EFER");  /* LMA without PG */
    REFUSED(msr_efer, EFER_SVME, "SVME");
    REFUSED(msr_efer, 1ULL << 20, "EFER");
    REFUSED(cr3, 1ULL << 40, "CR3");
    REFUSED(flags, 2, "flags");
    REFUSED(msr_tsc_aux, 1ULL << 32, "TSC_AUX");
    REFUSED(dr6, 1ULL << 32, "DR6/DR7");
    REFUSED(dr7, 1ULL << 40, "DR6/DR7");
    REFUSED(rflags, 1ULL << 22, "RFLAGS");
    REFUSED(rflags, 1ULL << 3, "RFLAGS");
    REFUSED(pending_event, 0x80000000u | 14, "pending");
    /* Long mode with CS.L and CS.D both set: VMRUN would refuse it. */
    pvh_record(&c);
    c.cr0 = CR0_PE | CR0_ET | CR0_PG;
    c.cr4 = CR4_PAE;
    c.msr_efer = EFER_LME;
    c.cs_arbytes = 0xe9b;
    why = hvm_cpu_record_check(&caps, &c);
    CHECK(why && strstr(why, "CS.L"), "got '%s'", why ? why : "accepted");
    /* Long mode without PAE. */
    c.cs_arbytes = 0xa9b;
    c.cr4 = 0;
    why = hvm_cpu_record_check(&caps, &c);
    CHECK(why && strstr(why, "PAE"), "got '%s'", why ? why : "accepted");
    /* Without the feature, LME is refused. */
    struct cr_caps bare = { .cr4_valid = CR4_PCE, .maxphysaddr = 36 };
    pvh_record(&c);
    c.msr_efer = EFER_LME;
    why = hvm_cpu_record_check(&bare, &c);
    CHECK(why && strstr(why, "long mode"), "got '%s'", why ? why : "accepted");
#undef REFUSED
}

TEST(unfold_arbytes_as_xen)
{
    CHECK_EQ(hvm_unfold_arbytes(0xc09b), 0xc9b); /* a raw VMCS form: G and D/B moved down */
    CHECK_EQ(hvm_unfold_arbytes(0xc9b), 0xc9b);  /* already packed */
    CHECK_EQ(hvm_unfold_arbytes(0xa09b), 0xa9b);
    CHECK_EQ(hvm_unfold_arbytes(0), 0);
}
