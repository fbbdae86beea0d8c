// SPDX-License-Identifier: MIT
/*
 * Nested page faults: guest accesses to memory that is not plain RAM (unbacked, read-only or
 * the vLAPIC page) completed by the instruction emulator; and the guest's execution mode and
 * instruction fetch that the exit handlers share.
 */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/p2m.h>
#include "hvm_private.h"
#include "insn_decode.h"
#include "x86_emulate.h"

#define NPF_PRESENT (1ULL << 0)
#define NPF_WRITE (1ULL << 1)
#define NPF_FETCH (1ULL << 4)     /* an instruction fetch */
#define NPF_IN_WALK (1ULL << 33)  /* while walking the guest's page tables */

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

/*
 * A guest access that nested paging refused. Unbacked memory, read-only mappings and the
 * vLAPIC's xAPIC page are completed by emulating the instruction (emulate.c); RAM that is
 * mapped, instruction fetches, the guest's own page tables outside its RAM and faults while
 * delivering an event are not something a PVH guest without a device model can do on Xen
 * either: the domain crashes with the reason logged.
 */
void hvm_nested_page_fault(struct vcpu *v, uint64_t gpa, uint64_t error_code)
{
    struct domain *d = v->domain;
    struct hvm_emul_result res;
    struct insn_info insn;
    bool vlapic = hvm_vlapic_mmio_range(v, gpa);
    const char *why = NULL;
    enum p2m_type t = p2m_invalid;
    mfn_t mfn;

    if (!vlapic) {
        bool write = error_code & NPF_WRITE;

        t = p2m_lookup(d, gpa >> PAGE_SHIFT, &mfn);
        /* Another vCPU changed the mapping between the fault and now (populated the gfn,
         * say): the access is allowed as things stand, so the guest just retries it. */
        if (t == p2m_ram_rw || t == p2m_grant_rw || t == p2m_xen_shared ||
            t == p2m_map_foreign ||
            (!write && (t == p2m_ram_ro || t == p2m_grant_ro)))
            return;
    }
    if (!vlapic && t != p2m_invalid && t != p2m_ram_ro && t != p2m_grant_ro)
        why = "not its memory";
    else if (error_code & NPF_IN_WALK)
        why = "its page tables point there";
    else if (error_code & NPF_FETCH)
        why = "instruction fetch";
    else if (hvm_funcs->event_pending(v))
        why = "while delivering an event";
    if (why) {
        printk(XENLOG_WARNING "d%u v%u: access to guest-physical %#llx (%s, %s): %s\n",
               d->domain_id, v->vcpu_id, (unsigned long long)gpa,
               error_code & NPF_WRITE ? "write" : "read",
               error_code & NPF_PRESENT ? "protection" : "not present", why);
        domain_crash(d, "access to guest-physical memory it does not own");
        return;
    }
    if (hvm_emulate_one(v, &res) != X86EMUL_UNHANDLEABLE)
        return;
    /*
     * What the emulator does not know (SSE, x87 and other stores) may still be a store whose
     * only effect is the write: discarding it is exactly what the hardware would do with
     * nothing there. Anything else (and anything aimed at the vLAPIC) crashes the domain, as
     * Xen's X86EMUL_UNHANDLEABLE does.
     */
    if (!vlapic && (error_code & NPF_WRITE) && res.len &&
        !insn_decode(res.insn, res.len, hvm_guest_mode(v), &insn) && insn.plain_store &&
        !insn.is_string && !insn.implicit_mem) {
        hvm_funcs->set_reg(v, HVM_RIP, res.rip + insn.length);
        hvm_funcs->set_reg(v, HVM_INTR_SHADOW, 0);
        return;
    }
    hvm_emulate_crash(v, &res, "access to unbacked or emulated memory");
}
