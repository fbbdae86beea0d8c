// SPDX-License-Identifier: MIT
/*
 * Guest accesses that nested paging refuses: a write to a read-only mapping (a read-only
 * grant) is discarded, and an access to guest-physical memory with nothing behind it reads
 * as all-ones and writes nowhere, as on Xen for a guest without a device model. Only
 * instructions whose whole effect is that one access are completed this way (decoded with
 * insn_decode.c); anything else crashes the domain with the reason logged.
 */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/p2m.h>
#include "hvm_private.h"
#include "insn_decode.h"

#define NPF_PRESENT (1ULL << 0)
#define NPF_WRITE (1ULL << 1)

int hvm_guest_mode(struct vcpu *v)
{
    uint64_t attr = hvm_funcs->get_reg(v, HVM_CS_ATTR);
    if (!(hvm_funcs->get_reg(v, HVM_CR0) & X86_CR0_PE))
        return 16;
    if ((hvm_funcs->get_reg(v, HVM_EFER) & EFER_LMA) && (attr & (1u << 9)))
        return 64;
    return (attr & (1u << 10)) ? 32 : 16;
}

int hvm_decode_current(struct vcpu *v, struct insn_info *insn)
{
    uint8_t bytes[15];
    int mode = hvm_guest_mode(v);
    uint64_t rip = hvm_funcs->get_reg(v, HVM_RIP) + hvm_vcpu_cs_base(v);
    unsigned int avail = sizeof(bytes);

    if (mode != 64)
        rip &= 0xffffffffULL;
    /* The instruction may end before a page boundary that is not mapped: fetch less. */
    while (avail && copy_from_guest_vcpu(v, bytes, rip, avail))
        avail--;
    if (!avail)
        return -1;
    return insn_decode(bytes, avail, mode, insn);
}

static void set_gpr(struct vcpu *v, int reg, uint64_t val, unsigned int size)
{
    struct guest_gprs *g = &v->arch.gprs;
    uint64_t *slot;
    uint64_t tmp;

    switch (reg) {
    case 0: tmp = hvm_funcs->get_reg(v, HVM_RAX); slot = &tmp; break;
    case 1: slot = &g->rcx; break;
    case 2: slot = &g->rdx; break;
    case 3: slot = &g->rbx; break;
    case 4: tmp = hvm_funcs->get_reg(v, HVM_RSP); slot = &tmp; break;
    case 5: slot = &g->rbp; break;
    case 6: slot = &g->rsi; break;
    case 7: slot = &g->rdi; break;
    case 8: slot = &g->r8; break;
    case 9: slot = &g->r9; break;
    case 10: slot = &g->r10; break;
    case 11: slot = &g->r11; break;
    case 12: slot = &g->r12; break;
    case 13: slot = &g->r13; break;
    case 14: slot = &g->r14; break;
    default: slot = &g->r15; break;
    }
    /* x86 register-write rules: 32-bit writes zero the upper half, 8/16-bit keep it. */
    if (size == 8 || size == 4)
        *slot = size == 4 ? (uint32_t)val : val;
    else
        *slot = (*slot & ~((1ULL << (size * 8)) - 1)) | (val & ((1ULL << (size * 8)) - 1));
    if (reg == 0)
        hvm_funcs->set_reg(v, HVM_RAX, tmp);
    else if (reg == 4)
        hvm_funcs->set_reg(v, HVM_RSP, tmp);
}

bool hvm_emulate_unbacked_access(struct vcpu *v, uint64_t gpa, uint64_t error_code,
                                 bool read_only_mapping)
{
    struct insn_info insn;
    struct domain *d = v->domain;
    bool write = error_code & NPF_WRITE;

    if (hvm_decode_current(v, &insn) || insn.is_string || insn.implicit_mem)
        return false;
    if (write) {
        if (!insn.plain_store)
            return false;
    } else {
        if (read_only_mapping || insn.reg_dest < 0 || insn.is_write)
            return false;
        uint64_t ones = ~0ULL;
        if (insn.sign_extend || insn.src_size == insn.op_size || insn.src_size == 0)
            set_gpr(v, insn.reg_dest, ones, insn.op_size);
        else /* zero-extended load of src_size all-ones bytes */
            set_gpr(v, insn.reg_dest, (1ULL << (insn.src_size * 8)) - 1, insn.op_size);
    }
    if (!d->unbacked_access_logged) {
        d->unbacked_access_logged = true;
        printk(XENLOG_WARNING "d%u v%u: %s guest-physical %#llx %s (reported once)\n",
               d->domain_id, v->vcpu_id, write ? "write to" : "read of",
               (unsigned long long)gpa,
               read_only_mapping ? "through a read-only mapping: discarded"
               : write ? "with nothing behind it: discarded"
                       : "with nothing behind it: reads as all-ones");
    }
    hvm_funcs->set_reg(v, HVM_RIP, hvm_funcs->get_reg(v, HVM_RIP) + insn.length);
    return true;
}
