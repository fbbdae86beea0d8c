// SPDX-License-Identifier: MIT
/*
 * Toolstack input as dom0 can send it. Byte 0 even: the rest is a sethvmcontext stream,
 * walked as save.c's load() does (HEADER strict, CPU zero-extended and checked, MTRR strict,
 * END); every read stays inside the buffer, cur moves by exactly descriptor + length, and
 * re-writing the accepted records needs exactly the bytes read (one fewer: -ENOSPC). Byte 0
 * odd: the rest is CPU policy leaves (24 bytes each) merged into a policy; on success the
 * error fields stay ~0 and the result serialises within Xen's 120 entries, on failure they
 * name an entry of the input (or ~0 for -E2BIG).
 */
#include "fuzz.h"

#include <tern/errno.h>
#include "../../../hv/arch/x86/hvm/cpu_policy.h"
#include "../../../hv/arch/x86/hvm/cr_rules.h"
#include "../../../hv/arch/x86/hvm/save_stream.h"

static void made_up_cpu(uint32_t leaf, uint32_t sub, struct cpuid_leaf_regs *r, void *arg)
{
    (void)arg;
    *r = (struct cpuid_leaf_regs){ leaf == 0 ? 0xd : leaf == 0x80000000 ? 0x80000008 : leaf,
                                   sub, leaf * 3, ~leaf };
}

static void stream(const uint8_t *data, size_t size)
{
    static uint8_t out[1 << 16];
    struct hvm_stream h = { (uint8_t *)data, (uint32_t)size, 0 };
    struct hvm_stream w = { out, sizeof(out), 0 };
    struct hvm_save_descriptor d;
    struct hvm_save_header hdr;
    struct hvm_hw_cpu cpu;
    struct hvm_hw_mtrr mtrr;
    struct cr_caps caps = { .cr4_valid = 0x3f7ff, .lm = true, .nx = true, .syscall = true,
                            .maxphysaddr = 40 };
    uint32_t expect;

    if (hvm_stream_peek(&h, &d) ||
        hvm_stream_get(&h, HVM_SAVE_CODE_HEADER, &hdr, sizeof(hdr), true))
        return;
    FUZZ_CHECK(h.cur == 8 + sizeof(hdr), "header read to %u", h.cur);
    hvm_stream_put(&w, HVM_SAVE_CODE_HEADER, d.instance, &hdr, sizeof(hdr));
    for (;;) {
        if (hvm_stream_peek(&h, &d)) {
            FUZZ_CHECK(h.size - h.cur < 8, "peek refused with %u bytes left", h.size - h.cur);
            break;
        }
        expect = h.cur + 8 + d.length;
        if (d.typecode == HVM_SAVE_CODE_END)
            break;
        if (d.typecode == HVM_SAVE_CODE_CPU) {
            if (hvm_stream_get(&h, HVM_SAVE_CODE_CPU, &cpu, sizeof(cpu), false))
                break;
            FUZZ_CHECK(d.length <= sizeof(cpu), "a CPU record of %u bytes", d.length);
            const char *why = hvm_cpu_record_check(&caps, &cpu);
            FUZZ_CHECK(!why || why[0], "an empty reason");
            FUZZ_CHECK(why || (cpu.cr0 & 0x10), "a record without CR0.ET accepted");
            FUZZ_CHECK(why || !(cpu.dr7 >> 32), "DR7 63:32 accepted");
            FUZZ_CHECK(hvm_stream_put(&w, d.typecode, d.instance, &cpu, d.length) == 0,
                       "room");
        } else if (d.typecode == HVM_SAVE_CODE_MTRR) {
            if (hvm_stream_get(&h, HVM_SAVE_CODE_MTRR, &mtrr, sizeof(mtrr), true))
                break;
            FUZZ_CHECK(hvm_stream_put(&w, d.typecode, d.instance, &mtrr, sizeof(mtrr)) == 0,
                       "room");
        } else {
            break; /* load() refuses other types */
        }
        FUZZ_CHECK(h.cur == expect && h.cur <= h.size, "cur %u, expected %u of %u", h.cur,
                   expect, h.size);
    }
    /* What was accepted, written again, takes exactly the bytes it took to read. */
    FUZZ_CHECK(!memcmp(out, data, w.cur), "records changed when written back");
    uint8_t *tight = malloc(w.cur);
    struct hvm_stream t = { tight, w.cur - 1, 0 };
    struct hvm_stream r = { out, w.cur, 0 };
    int last = 0;
    while (r.cur < r.size && !hvm_stream_peek(&r, &d)) {
        uint32_t len = d.length;
        last = hvm_stream_put(&t, d.typecode, d.instance, out + r.cur + 8, len);
        if (last)
            break;
        r.cur += 8 + len;
    }
    FUZZ_CHECK(last == -ENOSPC, "the records fit in one byte less (%d)", last);
    free(tight);
    uint32_t len;
    const uint8_t *found = hvm_stream_find(data, (uint32_t)size, HVM_SAVE_CODE_MTRR, 0, &len);
    FUZZ_CHECK(!found || (found >= data && found + len <= data + size), "find out of range");
}

static void policy(const uint8_t *data, size_t size)
{
    static struct tern_cpu_policy p;
    static struct xen_cpuid_leaf out[CPUID_MAX_SERIALISED_LEAVES];
    uint32_t nr = (uint32_t)(size / sizeof(struct xen_cpuid_leaf)), el, es, n;
    struct xen_cpuid_leaf *in = malloc(nr ? nr * sizeof(*in) : 1);

    memcpy(in, data, nr * sizeof(*in));
    cpu_policy_fill(&p, made_up_cpu, NULL);
    int rc = cpu_policy_leaves_from_buffer(&p, in, nr, &el, &es);
    FUZZ_CHECK(rc == 0 || rc == -E2BIG || rc == -ERANGE, "rc %d", rc);
    if (rc == 0) {
        FUZZ_CHECK(el == ~0u && es == ~0u, "error fields set on success");
        cpu_policy_clear_out_of_range(&p);
        n = CPUID_MAX_SERIALISED_LEAVES;
        FUZZ_CHECK(cpu_policy_leaves_to_buffer(&p, out, &n) == 0 &&
                   n <= CPUID_MAX_SERIALISED_LEAVES, "serialised into %u", n);
    } else if (rc == -ERANGE) {
        bool named = false;
        for (uint32_t i = 0; i < nr && !named; i++)
            named = in[i].leaf == el && in[i].subleaf == es;
        FUZZ_CHECK(named, "err %#x/%#x names no entry", el, es);
    } else {
        FUZZ_CHECK(nr > CPUID_MAX_SERIALISED_LEAVES, "-E2BIG for %u entries", nr);
    }
    free(in);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *block;

    if (!size)
        return 0;
    const uint8_t *copy = fuzz_copy(data + 1, size - 1, &block);
    if (data[0] & 1)
        policy(copy, size - 1);
    else
        stream(copy, size - 1);
    free(block);
    return 0;
}
