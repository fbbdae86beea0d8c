// SPDX-License-Identifier: MIT
/*
 * XEN_DOMCTL_gethvmcontext / sethvmcontext: a domain's vCPU state as Xen 4.17's record
 * stream (HEADER, CPU per vCPU that is up, MTRR per vCPU, END), the way libxenguest reads
 * the header and MTRR record and loads vCPU 0's start state for a new PVH domain.
 *
 * The domain is paused and no vCPU of it is on a CPU while its records are read or written
 * (otherwise the call is re-executed until that holds). d->lock is held throughout: it orders
 * two toolstack calls against each other and against VCPUOP_initialise. do_domctl holds
 * domain_vcpus_get() around the call, so the vCPUs are never freed under this code (a dying
 * domain never gets here: -ESRCH).
 *
 * Tern's limits: no LAPIC/LAPIC_REGS records yet (refused on load as an unknown type); the
 * MTRRs are Tern's fixed view (write-back, what msr.c answers), so of a loaded MTRR record
 * only the PAT takes effect; the TSC is the domain's (one offset), so a CPU record's tsc is
 * not loaded.
 */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <public/arch-x86/hvm/save.h>
#include <public/domctl.h>
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/sched.h>
#include <tern/time.h>
#include <tern/xmalloc.h>
#include "cr_rules.h"
#include "hvm_private.h"
#include "save_stream.h"

#define DESC_LEN sizeof(struct hvm_save_descriptor)
/* Larger contexts than any Tern domain has are refused as Xen's failed allocation is. */
#define HVM_CONTEXT_MAX (1u << 20)
/* Tern's MTRR view (msr.c): enabled, default type write-back, no ranges. */
#define MTRR_DEF_TYPE_TERN ((1u << 11) | 6)

/* Xen's hvm_save_size: HEADER, END and every record each vCPU can have. */
static uint32_t save_size(const struct domain *d)
{
    uint32_t sz = 2 * DESC_LEN + sizeof(struct hvm_save_header);

    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            sz += DESC_LEN + sizeof(struct hvm_hw_cpu) + DESC_LEN + sizeof(struct hvm_hw_mtrr);
    return sz;
}

/* Pause d and make sure none of its vCPUs is on a CPU; -ERESTART (unpaused) while one is. */
static int quiesce(struct domain *d)
{
    domain_pause_nosync(d);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && __atomic_load_n(&d->vcpu[i]->is_running, __ATOMIC_ACQUIRE)) {
            domain_unpause(d);
            return -ERESTART;
        }
    return 0;
}

static bool pat_valid(uint64_t pat)
{
    for (unsigned int i = 0; i < 8; i++) {
        uint8_t t = (uint8_t)(pat >> (8 * i));
        if (t == 2 || t == 3 || t > 7)
            return false;
    }
    return true;
}

static int save(struct domain *d, struct hvm_stream *h)
{
    struct hvm_save_header hdr = {
        .magic = HVM_FILE_MAGIC, .version = HVM_FILE_VERSION, .changeset = ~0ULL,
        .cpuid = cpuid_eax(1), .gtsc_khz = (uint32_t)tsc_khz(),
    };
    int rc = hvm_stream_put(h, HVM_SAVE_CODE_HEADER, 0, &hdr, sizeof(hdr));

    /* Xen saves no CPU record of a vCPU that is down: a load leaves it down. */
    for (unsigned int i = 0; i < d->max_vcpus && !rc; i++) {
        struct vcpu *v = d->vcpu[i];
        struct hvm_hw_cpu *c;

        if (!v || (__atomic_load_n(&v->pause_flags, __ATOMIC_ACQUIRE) & VPF_down))
            continue;
        if (!(c = xmalloc(struct hvm_hw_cpu)))
            return -ENOMEM;
        hvm_funcs->save_cpu(v, c);
        rc = hvm_stream_put(h, HVM_SAVE_CODE_CPU, (uint16_t)i, c, sizeof(*c));
        xfree(c);
    }
    for (unsigned int i = 0; i < d->max_vcpus && !rc; i++) {
        struct hvm_hw_mtrr m = { .msr_mtrr_def_type = MTRR_DEF_TYPE_TERN };

        if (!d->vcpu[i])
            continue;
        m.msr_pat_cr = hvm_funcs->get_reg(d->vcpu[i], HVM_PAT);
        rc = hvm_stream_put(h, HVM_SAVE_CODE_MTRR, (uint16_t)i, &m, sizeof(m));
    }
    if (!rc)
        rc = hvm_stream_put(h, HVM_SAVE_CODE_END, 0, NULL, 0);
    return rc ? -ENODATA : 0; /* the buffer was sized by save_size(): not expected */
}

static struct vcpu *record_vcpu(struct domain *d, uint16_t instance)
{
    return instance < d->max_vcpus ? d->vcpu[instance] : NULL;
}

static int load_cpu(struct domain *d, struct hvm_stream *h, uint16_t instance,
                    uint64_t *loaded)
{
    struct vcpu *v = record_vcpu(d, instance);
    struct hvm_hw_cpu *c;
    struct cr_caps caps;
    const char *why;
    int rc = -EINVAL;

    if (!v) {
        printk(XENLOG_WARNING "d%u: HVM context: no vCPU %u\n", d->domain_id, instance);
        return -EINVAL;
    }
    if (!(c = xmalloc(struct hvm_hw_cpu)))
        return -ENOMEM;
    if (hvm_stream_get(h, HVM_SAVE_CODE_CPU, c, sizeof(*c), false))
        goto out;
    hvm_cr_caps(v, &caps);
    if ((why = hvm_cpu_record_check(&caps, c))) {
        printk(XENLOG_WARNING "d%u v%u: HVM context CPU record refused (-EINVAL): %s\n",
               d->domain_id, v->vcpu_id, why);
        goto out;
    }
    hvm_funcs->load_cpu(v, c);
    v->is_initialised = true;
    loaded[instance / 64] |= 1ULL << (instance % 64);
    rc = 0;
out:
    xfree(c);
    return rc;
}

static int load_mtrr(struct domain *d, struct hvm_stream *h, uint16_t instance)
{
    struct vcpu *v = record_vcpu(d, instance);
    struct hvm_hw_mtrr m;

    if (!v)
        return -EINVAL;
    if (hvm_stream_get(h, HVM_SAVE_CODE_MTRR, &m, sizeof(m), true))
        return -EINVAL;
    if ((m.msr_mtrr_cap & 0xff) > MTRR_VCNT)
        return -EINVAL;
    /* As Xen's hvm_set_guest_pat: an invalid PAT is ignored, not an error. */
    if (pat_valid(m.msr_pat_cr))
        hvm_funcs->set_reg(v, HVM_PAT, m.msr_pat_cr);
    return 0;
}

/* Xen's hvm_load. loaded: the vCPUs whose CPU record was loaded (they come up). */
static int load(struct domain *d, struct hvm_stream *h, uint64_t *loaded)
{
    struct hvm_save_header hdr;
    struct hvm_save_descriptor desc;
    int rc;

    if (hvm_stream_get(h, HVM_SAVE_CODE_HEADER, &hdr, sizeof(hdr), true))
        return -ENODATA;
    if (hdr.magic != HVM_FILE_MAGIC || hdr.version != HVM_FILE_VERSION)
        return -EINVAL;
    /* Guests run on the host's TSC: another frequency cannot be honoured (settscinfo). */
    if (hdr.gtsc_khz && hdr.gtsc_khz != (uint32_t)tsc_khz())
        return -EOPNOTSUPP;
    for (;;) {
        if (hvm_stream_peek(h, &desc))
            return -ENODATA; /* no END */
        switch (desc.typecode) {
        case HVM_SAVE_CODE_END:
            return 0;
        case HVM_SAVE_CODE_CPU:
            rc = load_cpu(d, h, desc.instance, loaded);
            break;
        case HVM_SAVE_CODE_MTRR:
            rc = load_mtrr(d, h, desc.instance);
            break;
        default:
            printk(XENLOG_WARNING "d%u: HVM context: record type %u not loadable\n",
                   d->domain_id, desc.typecode);
            rc = -EINVAL;
        }
        if (rc)
            return rc;
    }
}

static long gethvmcontext(struct domain *d, struct xen_domctl *op, uint64_t arg)
{
    struct xen_domctl_hvmcontext *hc = &op->u.hvmcontext;
    struct hvm_stream h = { 0 };
    long rc;

    spin_lock(&d->lock);
    if ((rc = quiesce(d))) {
        spin_unlock(&d->lock);
        return rc;
    }
    h.size = save_size(d);
    if (!hc->buffer) {
        hc->size = h.size; /* the size query */
    } else if (hc->size < h.size) {
        rc = -ENOSPC;
    } else if (!(h.data = xmalloc_bytes(h.size))) {
        rc = -ENOMEM;
    } else {
        rc = save(d, &h);
        hc->size = h.cur;
    }
    domain_unpause(d);
    spin_unlock(&d->lock);
    if (!rc && h.data && copy_to_guest(hc->buffer, h.data, h.cur))
        rc = -EFAULT;
    xfree(h.data);
    /* As Xen: the structure goes back whatever the outcome. */
    if (copy_to_guest(arg, op, sizeof(*op)))
        rc = -EFAULT;
    return rc;
}

static long sethvmcontext(struct domain *d, const struct xen_domctl *op)
{
    const struct xen_domctl_hvmcontext *hc = &op->u.hvmcontext;
    struct hvm_stream h = { .size = hc->size };
    uint64_t loaded[(MAX_VIRT_CPUS + 63) / 64] = { 0 };
    long rc;

    if (hc->size > HVM_CONTEXT_MAX || !(h.data = xmalloc_bytes(hc->size ? hc->size : 1)))
        return -ENOMEM;
    if (copy_from_guest(h.data, hc->buffer, hc->size)) {
        xfree(h.data);
        return -EFAULT;
    }
    spin_lock(&d->lock);
    rc = quiesce(d);
    if (rc) {
        spin_unlock(&d->lock);
        xfree(h.data);
        return rc;
    }
    /* As Xen: every vCPU goes down; those with a CPU record come up again. */
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i])
            vcpu_pause_flags_set(d->vcpu[i], VPF_down);
    rc = load(d, &h, loaded);
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && (loaded[i / 64] & (1ULL << (i % 64))))
            vcpu_pause_flags_clear(d->vcpu[i], VPF_down);
    domain_unpause(d);
    spin_unlock(&d->lock);
    xfree(h.data);
    return rc;
}

long domctl_hvmcontext(struct domain *caller, struct domain *d, struct xen_domctl *op,
                       uint64_t arg)
{
    /* The caller's own domain cannot be paused under it (a dying one: -EINVAL below). */
    if (d == caller) {
        if (op->cmd == XEN_DOMCTL_gethvmcontext && copy_to_guest(arg, op, sizeof(*op)))
            return -EFAULT;
        return -EINVAL;
    }
    return op->cmd == XEN_DOMCTL_gethvmcontext ? gethvmcontext(d, op, arg)
                                               : sethvmcontext(d, op);
}
