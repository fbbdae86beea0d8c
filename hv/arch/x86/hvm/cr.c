// SPDX-License-Identifier: MIT
/*
 * A vCPU's writes of CR0, CR4 (intercepted MOV CR, LMSW, CLTS, decoded by the emulator) and
 * EFER (WRMSR), and the control registers of a VCPUOP_initialise context: the rules of
 * cr_rules.c against the guest's own CPUID, applied through hvm_funcs. A refused write is the
 * guest's #GP, never a VMRUN that fails on an invalid state.
 */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include "cr_rules.h"
#include "hvm_private.h"

#define CS_ATTR_L (1u << 9)

void hvm_cr_caps(struct vcpu *v, struct cr_caps *caps)
{
    uint32_t l1[4], l7[4], e1[4], e8[4];

    hvm_cpuid(v, 1, 0, l1);
    hvm_cpuid(v, 7, 0, l7);
    hvm_cpuid(v, 0x80000001, 0, e1);
    hvm_cpuid(v, 0x80000008, 0, e8);
    cr_caps_from_cpuid(caps, l1, l7, e1, e8);
}

static void state_of(struct vcpu *v, struct cr_state *s)
{
    s->cr0 = hvm_funcs->get_reg(v, HVM_CR0);
    s->cr3 = hvm_funcs->get_reg(v, HVM_CR3);
    s->cr4 = hvm_funcs->get_reg(v, HVM_CR4);
    s->efer = hvm_funcs->get_reg(v, HVM_EFER);
    s->cs_l = hvm_funcs->get_reg(v, HVM_CS_ATTR) & CS_ATTR_L;
}

/* Load what changed. The TLB is flushed when the change alters translations, as the
 * processor's own MOV CR would (SDM vol. 3 4.10.4.1). */
static void apply(struct vcpu *v, const struct cr_state *old, const struct cr_state *next)
{
    if (next->cr0 != old->cr0)
        hvm_funcs->set_reg(v, HVM_CR0, next->cr0);
    if (next->cr4 != old->cr4)
        hvm_funcs->set_reg(v, HVM_CR4, next->cr4);
    if (next->efer != old->efer)
        hvm_funcs->set_reg(v, HVM_EFER, next->efer);
    if (next->cs_l != old->cs_l)
        hvm_funcs->set_reg(v, HVM_CS_ATTR, hvm_funcs->get_reg(v, HVM_CS_ATTR) & ~CS_ATTR_L);
    if (((old->cr0 ^ next->cr0) & (CR0_PG | CR0_WP | CR0_CD)) ||
        ((old->cr4 ^ next->cr4) & (CR4_PSE | CR4_PAE | CR4_PGE | CR4_SMEP | CR4_SMAP |
                                   CR4_PCIDE | CR4_PKE)) ||
        ((old->efer ^ next->efer) & (EFER_LMA | EFER_NXE)))
        v->arch.flush_tlb = true;
}

static bool write_reg(struct vcpu *v, const char *name, uint64_t val,
                      const char *(*rule)(const struct cr_caps *, const struct cr_state *,
                                          uint64_t, struct cr_state *))
{
    struct cr_caps caps;
    struct cr_state cur, next;
    const char *why;

    hvm_cr_caps(v, &caps);
    state_of(v, &cur);
    why = rule(&caps, &cur, val, &next);
    if (why) {
        printk(XENLOG_DEBUG "d%u v%u: %s <- %#llx refused (#GP): %s\n", v->domain->domain_id,
               v->vcpu_id, name, (unsigned long long)val, why);
        return false;
    }
    apply(v, &cur, &next);
    return true;
}

bool hvm_set_cr0(struct vcpu *v, uint64_t val)
{
    return write_reg(v, "CR0", val, cr0_write);
}

bool hvm_set_cr4(struct vcpu *v, uint64_t val)
{
    return write_reg(v, "CR4", val, cr4_write);
}

bool hvm_set_efer(struct vcpu *v, uint64_t val)
{
    return write_reg(v, "EFER", val, efer_write);
}

int hvm_check_initial_state(struct vcpu *v, uint64_t cr0, uint64_t cr3, uint64_t cr4,
                            uint64_t efer)
{
    struct cr_caps caps;
    struct cr_state s = { .cr0 = cr0, .cr3 = cr3, .cr4 = cr4, .efer = efer };
    const char *why;

    hvm_cr_caps(v, &caps);
    why = cr_state_check(&caps, &s);
    if (!why)
        return 0;
    printk(XENLOG_WARNING "d%u v%u: VCPUOP_initialise refused (-EINVAL): %s (cr0 %#llx "
                          "cr3 %#llx cr4 %#llx efer %#llx)\n",
           v->domain->domain_id, v->vcpu_id, why, (unsigned long long)cr0,
           (unsigned long long)cr3, (unsigned long long)cr4, (unsigned long long)efer);
    return -EINVAL;
}
