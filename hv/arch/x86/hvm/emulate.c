// SPDX-License-Identifier: MIT
/*
 * The instruction emulator (x86_emulate.c) on a vCPU: its registers in and out, linear
 * addresses through its own page tables (pagewalk.c, with the #PF the guest would get), and
 * guest-physical accesses by what is there, as Xen treats a PVH guest without a device model:
 *   RAM and read-write grants   read and written;
 *   read-only RAM and grants    read; writes discarded;
 *   the vLAPIC's xAPIC page     the access goes to vlapic.c;
 *   nothing                     reads all-ones, writes discarded.
 */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include "hvm_private.h"
#include "x86_emulate.h"

#define TRAP_GP 13
#define TRAP_PF 14

struct hvm_emul {
    struct x86_emul_ctxt c; /* first: the operations get &c */
    struct x86_emul_state s;
    struct vcpu *v;
};

static struct hvm_emul *emul_of(struct x86_emul_ctxt *c)
{
    return (struct hvm_emul *)c;
}

/* ---- registers ---- */

static void load_state(struct vcpu *v, struct x86_emul_state *s)
{
    const struct guest_gprs *g = &v->arch.gprs;

    s->gpr[0] = hvm_funcs->get_reg(v, HVM_RAX);
    s->gpr[1] = g->rcx;
    s->gpr[2] = g->rdx;
    s->gpr[3] = g->rbx;
    s->gpr[4] = hvm_funcs->get_reg(v, HVM_RSP);
    s->gpr[5] = g->rbp;
    s->gpr[6] = g->rsi;
    s->gpr[7] = g->rdi;
    s->gpr[8] = g->r8;
    s->gpr[9] = g->r9;
    s->gpr[10] = g->r10;
    s->gpr[11] = g->r11;
    s->gpr[12] = g->r12;
    s->gpr[13] = g->r13;
    s->gpr[14] = g->r14;
    s->gpr[15] = g->r15;
    s->rip = hvm_funcs->get_reg(v, HVM_RIP);
    s->rflags = hvm_funcs->get_reg(v, HVM_RFLAGS);
    for (unsigned int i = 0; i < X86_NR_SEGS; i++)
        hvm_funcs->get_seg(v, i, &s->seg[i]);
    s->cr0 = hvm_funcs->get_reg(v, HVM_CR0);
    s->cr4 = hvm_funcs->get_reg(v, HVM_CR4);
    s->efer = hvm_funcs->get_reg(v, HVM_EFER);
    s->cpl = (unsigned int)hvm_funcs->get_reg(v, HVM_CPL);
}

static void commit_state(struct vcpu *v, const struct x86_emul_state *s)
{
    struct guest_gprs *g = &v->arch.gprs;

    hvm_funcs->set_reg(v, HVM_RAX, s->gpr[0]);
    g->rcx = s->gpr[1];
    g->rdx = s->gpr[2];
    g->rbx = s->gpr[3];
    hvm_funcs->set_reg(v, HVM_RSP, s->gpr[4]);
    g->rbp = s->gpr[5];
    g->rsi = s->gpr[6];
    g->rdi = s->gpr[7];
    g->r8 = s->gpr[8];
    g->r9 = s->gpr[9];
    g->r10 = s->gpr[10];
    g->r11 = s->gpr[11];
    g->r12 = s->gpr[12];
    g->r13 = s->gpr[13];
    g->r14 = s->gpr[14];
    g->r15 = s->gpr[15];
    if (s->rip != hvm_funcs->get_reg(v, HVM_RIP)) {
        hvm_funcs->set_reg(v, HVM_RIP, s->rip);
        hvm_funcs->set_reg(v, HVM_INTR_SHADOW, 0); /* a completed STI/MOV SS shadow is over */
    }
    hvm_funcs->set_reg(v, HVM_RFLAGS, s->rflags);
}

/* ---- guest-physical accesses (within one page) ---- */

static void log_refused(struct vcpu *v, uint64_t gpa, bool write, bool read_only)
{
    struct domain *d = v->domain;

    if (d->unbacked_access_logged)
        return;
    d->unbacked_access_logged = true;
    printk(XENLOG_WARNING "d%u v%u: %s guest-physical %#llx %s (reported once)\n",
           d->domain_id, v->vcpu_id, write ? "write to" : "read of", (unsigned long long)gpa,
           read_only ? "through a read-only mapping: discarded"
           : write   ? "with nothing behind it: discarded"
                     : "with nothing behind it: reads as all-ones");
}

/* A RAM-like frame the domain may access (for writes: writably), or NULL. */
static uint8_t *frame_of(struct domain *d, uint64_t gpa, bool write, enum p2m_type *type)
{
    mfn_t mfn;
    enum p2m_type t = p2m_lookup(d, gpa >> PAGE_SHIFT, &mfn);

    *type = t;
    switch (t) {
    case p2m_ram_rw:
    case p2m_grant_rw:
    case p2m_xen_shared:
    case p2m_map_foreign:
        break;
    case p2m_ram_ro:
    case p2m_grant_ro:
        if (write)
            return NULL;
        break;
    default:
        return NULL;
    }
    return (uint8_t *)maddr_to_virt(mfn << PAGE_SHIFT) + (gpa & (PAGE_SIZE - 1));
}

static void gpa_access(struct vcpu *v, uint64_t gpa, void *buf, unsigned int len, bool write)
{
    enum p2m_type t;
    uint8_t *p;

    if (hvm_vlapic_mmio_range(v, gpa)) {
        uint64_t val = 0;
        if (write) {
            memcpy(&val, buf, MIN(len, 8u));
            hvm_vlapic_mmio_write(v, gpa, len, val);
        } else {
            hvm_vlapic_mmio_read(v, gpa, len, &val);
            memset(buf, 0, len);
            memcpy(buf, &val, MIN(len, 8u));
        }
        return;
    }
    p = frame_of(v->domain, gpa, write, &t);
    if (p) {
        if (write)
            memcpy(p, buf, len);
        else
            memcpy(buf, p, len);
        return;
    }
    log_refused(v, gpa, write, t == p2m_ram_ro || t == p2m_grant_ro);
    if (!write)
        memset(buf, 0xff, len);
}

/* ---- linear accesses ---- */

static int translate(struct hvm_emul *h, uint64_t lin, bool write, uint64_t *gpa)
{
    uint32_t pfec = (write ? PFEC_WRITE : 0) | (h->s.cpl == 3 ? PFEC_USER : 0), fault = 0;
    int rc = hvm_guest_walk(h->v, lin, pfec, gpa, &fault);

    if (rc == -EFAULT) {
        h->c.exn = (struct x86_emul_exception){ .vector = TRAP_PF, .has_error = true,
                                                .error = fault, .cr2 = lin };
        return X86EMUL_EXCEPTION;
    }
    if (rc) {
        h->c.why = "the guest's page tables are not in its RAM";
        return X86EMUL_UNHANDLEABLE;
    }
    return X86EMUL_OKAY;
}

/* An access of up to 16 bytes, on one page or two: both translated before either is used,
 * so a fault on the second page leaves no half-done write behind. */
static int split(struct hvm_emul *h, uint64_t lin, unsigned int len, bool write, uint64_t gpa[2],
                 unsigned int *first)
{
    int rc;

    *first = MIN(len, (unsigned int)(PAGE_SIZE - (lin & (PAGE_SIZE - 1))));
    rc = translate(h, lin, write, &gpa[0]);
    if (rc == X86EMUL_OKAY && *first < len)
        rc = translate(h, lin + *first, write, &gpa[1]);
    return rc;
}

static int linear_access(struct x86_emul_ctxt *c, uint64_t lin, void *buf, unsigned int len,
                         bool write)
{
    struct hvm_emul *h = emul_of(c);
    uint64_t gpa[2];
    unsigned int first;
    int rc = split(h, lin, len, write, gpa, &first);

    if (rc != X86EMUL_OKAY)
        return rc;
    gpa_access(h->v, gpa[0], buf, first, write);
    if (first < len)
        gpa_access(h->v, gpa[1], (uint8_t *)buf + first, len - first, write);
    return X86EMUL_OKAY;
}

static int op_read(struct x86_emul_ctxt *c, uint64_t lin, void *buf, unsigned int len)
{
    return linear_access(c, lin, buf, len, false);
}

static int op_write(struct x86_emul_ctxt *c, uint64_t lin, const void *buf, unsigned int len)
{
    return linear_access(c, lin, (void *)buf, len, true);
}

/* A locked compare-exchange on RAM, of a size the processor can do atomically. */
static bool ram_cmpxchg(uint8_t *p, void *old, const void *new, unsigned int len)
{
    switch (len) {
    case 1:
        return __atomic_compare_exchange_n(p, (uint8_t *)old, *(const uint8_t *)new, false,
                                           __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    case 2:
        return __atomic_compare_exchange_n((uint16_t *)p, (uint16_t *)old,
                                           *(const uint16_t *)new, false, __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST);
    case 4:
        return __atomic_compare_exchange_n((uint32_t *)p, (uint32_t *)old,
                                           *(const uint32_t *)new, false, __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST);
    case 8:
        return __atomic_compare_exchange_n((uint64_t *)p, (uint64_t *)old,
                                           *(const uint64_t *)new, false, __ATOMIC_SEQ_CST,
                                           __ATOMIC_SEQ_CST);
    default: { /* 16 (CMPXCHG16B, 16-byte aligned by the emulator) */
        uint64_t *o = old;
        const uint64_t *n = new;
        bool ok;
        asm volatile("lock cmpxchg16b %1"
                     : "=@ccz"(ok), "+m"(*(uint64_t(*)[2])p), "+a"(o[0]), "+d"(o[1])
                     : "b"(n[0]), "c"(n[1])
                     : "memory");
        return ok;
    }
    }
}

static int op_cmpxchg(struct x86_emul_ctxt *c, uint64_t lin, void *old, const void *new,
                      unsigned int len, bool *ok)
{
    struct hvm_emul *h = emul_of(c);
    uint64_t gpa[2];
    unsigned int first;
    enum p2m_type t;
    int rc = split(h, lin, len, true, gpa, &first);

    if (rc != X86EMUL_OKAY)
        return rc;
    if (first == len && !hvm_vlapic_mmio_range(h->v, gpa[0])) {
        uint8_t *p = frame_of(h->v->domain, gpa[0], true, &t);
        if (p) {
            *ok = ram_cmpxchg(p, old, new, len);
            return X86EMUL_OKAY;
        }
    }
    /*
     * Unbacked, read-only or emulated memory (or a split access): the value was read once
     * already, and reading again could differ (a running LAPIC timer count) and retry the
     * instruction for ever. Nobody else writes these: store, as Xen does for MMIO.
     */
    *ok = true;
    return linear_access(c, lin, (void *)new, len, true);
}

/* ---- control registers ---- */

static int op_read_cr(struct x86_emul_ctxt *c, unsigned int cr, uint64_t *val)
{
    struct hvm_emul *h = emul_of(c);

    if (cr != 0) {
        c->why = "read of a control register other than CR0";
        return X86EMUL_UNHANDLEABLE;
    }
    *val = hvm_funcs->get_reg(h->v, HVM_CR0);
    return X86EMUL_OKAY;
}

static int op_write_cr(struct x86_emul_ctxt *c, unsigned int cr, uint64_t val)
{
    struct hvm_emul *h = emul_of(c);
    bool ok;

    if (cr == 0)
        ok = hvm_set_cr0(h->v, val);
    else if (cr == 4)
        ok = hvm_set_cr4(h->v, val);
    else {
        c->why = "MOV to CR2/CR3 (not intercepted)";
        return X86EMUL_UNHANDLEABLE;
    }
    if (ok)
        return X86EMUL_OKAY;
    c->exn = (struct x86_emul_exception){ .vector = TRAP_GP, .has_error = true };
    return X86EMUL_EXCEPTION;
}

static const struct x86_emul_ops hvm_emul_ops = {
    .read = op_read,
    .write = op_write,
    .cmpxchg = op_cmpxchg,
    .read_cr = op_read_cr,
    .write_cr = op_write_cr,
};

/* ---- entry ---- */

int hvm_emulate_one(struct vcpu *v, struct hvm_emul_result *res)
{
    struct hvm_emul h = { .v = v };
    uint64_t lin;

    load_state(v, &h.s);
    lin = h.s.rip + h.s.seg[x86_seg_cs].base;
    if (x86_emul_mode(&h.s) != 64)
        lin &= 0xffffffffULL;
    res->rip = h.s.rip;
    res->why = NULL;
    /* The instruction may end before an unmapped page: fetch less. The processor just ran
     * it, so an empty fetch means the page tables changed since: let the guest retry. */
    res->len = sizeof(res->insn);
    while (res->len && copy_from_guest_vcpu(v, res->insn, lin, res->len))
        res->len--;
    if (!res->len)
        return res->rc = X86EMUL_RETRY;

    h.c = (struct x86_emul_ctxt){ .ops = &hvm_emul_ops, .state = &h.s, .insn = res->insn,
                                  .insn_avail = res->len };
    res->rc = x86_emulate(&h.c);
    switch (res->rc) {
    case X86EMUL_OKAY:
        commit_state(v, &h.s);
        break;
    case X86EMUL_EXCEPTION:
        commit_state(v, &h.s); /* unchanged, or a REP's completed iterations */
        if (h.c.exn.vector == TRAP_PF)
            hvm_funcs->set_reg(v, HVM_CR2, h.c.exn.cr2);
        hvm_funcs->inject_exception(v, h.c.exn.vector, h.c.exn.has_error, h.c.exn.error);
        break;
    case X86EMUL_UNHANDLEABLE:
        res->why = h.c.why ? h.c.why : "unknown";
        if (h.c.insn_len)
            res->len = MIN(res->len, h.c.insn_len);
        break;
    default: /* X86EMUL_RETRY: the guest runs the instruction again */
        break;
    }
    return res->rc;
}

void hvm_emulate_crash(struct vcpu *v, const struct hvm_emul_result *res, const char *context)
{
    char bytes[3 * sizeof(res->insn) + 1];
    unsigned int p = 0;

    for (unsigned int i = 0; i < res->len; i++)
        p += (unsigned int)snprintf(bytes + p, sizeof(bytes) - p, "%s%02x", i ? " " : "",
                                    res->insn[i]);
    bytes[p] = 0;
    printk(XENLOG_ERR "d%u v%u: %s: cannot emulate the instruction at rip %#llx (bytes %s): "
                      "%s\n",
           v->domain->domain_id, v->vcpu_id, context, (unsigned long long)res->rip, bytes,
           res->why ? res->why : "unknown");
    domain_crash(v->domain, "instruction the emulator cannot handle");
}

void hvm_cr_write_intercept(struct vcpu *v)
{
    struct hvm_emul_result res;

    /* No decode assists: the instruction (MOV to CR0/CR4, LMSW, CLTS) is decoded here. A
     * refused value comes back as the #GP the processor would raise. */
    if (hvm_emulate_one(v, &res) == X86EMUL_UNHANDLEABLE)
        hvm_emulate_crash(v, &res, "control-register write");
}
