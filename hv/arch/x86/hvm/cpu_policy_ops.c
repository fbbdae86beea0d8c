// SPDX-License-Identifier: MIT
/*
 * The toolstack's CPU policies: sysctl get_cpu_policy / get_cpu_featureset (the host's and
 * Tern's HVM policy, which is both hvm_max and hvm_default: Tern has one guest CPUID), and
 * domctl get/set_cpu_policy. A set merges the toolstack's leaves and MSRs into the domain's
 * policy, audits them against Tern's (Xen's checks and errors, err_leaf/subleaf/msr) and,
 * accepted, is what the domain's CPUID answers (hvm.c apply_policy) from its first run on.
 * No PV policies: those indices are -EOPNOTSUPP, as a Xen built without PV answers.
 */
#include <asm/processor.h>
#include <public/domctl.h>
#include <public/sysctl.h>
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/errno.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/xmalloc.h>
#include "cpu_policy.h"
#include "hvm_private.h"

#define POLICY_RAW 0
#define POLICY_HOST 1
/* sysctl indices of Tern's HVM policy: featureset hvm 3 / hvm_max 5, policy 3 / 5. */
#define IS_PV_INDEX_FEATURESET(i) ((i) == 2 || (i) == 4)
#define IS_PV_INDEX_POLICY(i) ((i) == 2 || (i) == 4)
#define NR_SYSTEM_POLICIES 6

static void host_cpuid(uint32_t leaf, uint32_t sub, struct cpuid_leaf_regs *r, void *arg)
{
    struct cpuid_regs c;

    (void)arg;
    cpuid_count(leaf, sub, &c);
    *r = (struct cpuid_leaf_regs){ c.eax, c.ebx, c.ecx, c.edx };
}

static void tern_cpuid(uint32_t leaf, uint32_t sub, struct cpuid_leaf_regs *r, void *arg)
{
    uint32_t out[4];

    (void)arg;
    hvm_cpuid_default(leaf, sub, out);
    *r = (struct cpuid_leaf_regs){ out[0], out[1], out[2], out[3] };
}

/* A fresh policy: the host's (raw = host: Tern does not level CPUs) or Tern's HVM one. */
static struct tern_cpu_policy *system_policy(bool host)
{
    struct tern_cpu_policy *p = xmalloc(struct tern_cpu_policy);

    if (p)
        cpu_policy_fill(p, host ? host_cpuid : tern_cpuid, NULL);
    return p;
}

/* Serialise p into the guest's arrays (NULL handles: the maximum counts). */
static long policy_to_guest(const struct tern_cpu_policy *p, uint64_t leaves_gva,
                            uint32_t *nr_leaves, uint64_t msrs_gva, uint32_t *nr_msrs)
{
    struct xen_cpuid_leaf *l;
    struct xen_msr_entry m[MSR_MAX_SERIALISED_ENTRIES];
    uint32_t room;
    long rc = 0;

    if (!leaves_gva) {
        *nr_leaves = CPUID_MAX_SERIALISED_LEAVES;
    } else {
        if (!(l = xmalloc_array(struct xen_cpuid_leaf, CPUID_MAX_SERIALISED_LEAVES)))
            return -ENOMEM;
        room = MIN(*nr_leaves, (uint32_t)CPUID_MAX_SERIALISED_LEAVES);
        rc = cpu_policy_leaves_to_buffer(p, l, &room);
        if (!rc && copy_to_guest(leaves_gva, l, room * sizeof(*l)))
            rc = -EFAULT;
        xfree(l);
        if (rc)
            return rc;
        *nr_leaves = room;
    }
    if (!msrs_gva) {
        *nr_msrs = MSR_MAX_SERIALISED_ENTRIES;
    } else {
        room = *nr_msrs;
        if ((rc = cpu_policy_msrs_to_buffer(p, m, &room)))
            return rc;
        if (copy_to_guest(msrs_gva, m, room * sizeof(*m)))
            return -EFAULT;
        *nr_msrs = room;
    }
    return 0;
}

static long get_featureset(struct xen_sysctl_cpu_featureset *f)
{
    uint32_t fs[FEATURESET_NR_ENTRIES], nr;
    struct tern_cpu_policy *p;
    long rc;

    if (!f->features) {
        f->nr_features = FEATURESET_NR_ENTRIES;
        return 0;
    }
    nr = MIN(f->nr_features, (uint32_t)FEATURESET_NR_ENTRIES);
    if (f->index >= NR_SYSTEM_POLICIES)
        return -EINVAL;
    if (IS_PV_INDEX_FEATURESET(f->index))
        return -EOPNOTSUPP;
    if (!(p = system_policy(f->index <= POLICY_HOST)))
        return -ENOMEM;
    cpu_policy_to_featureset(p, fs);
    xfree(p);
    if (copy_to_guest(f->features, fs, nr * sizeof(fs[0])))
        return -EFAULT;
    f->nr_features = nr;
    rc = nr < FEATURESET_NR_ENTRIES ? -ENOBUFS : 0; /* more there: the caller is told */
    return rc;
}

/* physinfo's hw_cap: Xen copies its first 8 capability words, the featureset's order. */
void physinfo_hw_cap(uint32_t cap[8])
{
    uint32_t fs[FEATURESET_NR_ENTRIES];
    struct tern_cpu_policy *p = system_policy(true);

    BUILD_BUG_ON(FEATURESET_NR_ENTRIES < 8);
    memset(cap, 0, 8 * sizeof(cap[0]));
    if (!p)
        return;
    cpu_policy_to_featureset(p, fs);
    xfree(p);
    memcpy(cap, fs, 8 * sizeof(cap[0]));
}

long sysctl_cpu_policy(struct xen_sysctl *op, uint64_t arg)
{
    long rc;

    if (op->cmd == XEN_SYSCTL_get_cpu_featureset) {
        rc = get_featureset(&op->u.cpu_featureset);
        /* Xen writes nr_features back on success and on -ENOBUFS. */
        if ((!rc || rc == -ENOBUFS) && copy_to_guest(arg, op, sizeof(*op)))
            rc = -EFAULT;
        return rc;
    }

    struct xen_sysctl_cpu_policy *c = &op->u.cpu_policy;
    struct tern_cpu_policy *p;

    if (c->_rsvd || c->index >= NR_SYSTEM_POLICIES)
        return -EINVAL;
    if (IS_PV_INDEX_POLICY(c->index))
        return -EOPNOTSUPP;
    if (!(p = system_policy(c->index <= POLICY_HOST)))
        return -ENOMEM;
    rc = policy_to_guest(p, c->leaves, &c->nr_leaves, c->msrs, &c->nr_msrs);
    xfree(p);
    if (!rc && copy_to_guest(arg, op, sizeof(*op)))
        rc = -EFAULT;
    return rc;
}

/* The domain's policy as it stands: its own, or a fresh copy of Tern's. */
static struct tern_cpu_policy *domain_policy_copy(struct domain *d)
{
    struct tern_cpu_policy *p;

    if (!d->arch.cpu_policy)
        return system_policy(false);
    if ((p = xmalloc(struct tern_cpu_policy)))
        *p = *d->arch.cpu_policy;
    return p;
}

static long set_policy(struct domain *d, struct xen_domctl_cpu_policy *c)
{
    struct tern_cpu_policy *p = NULL, *max = NULL, *old = NULL;
    struct xen_cpuid_leaf *l = NULL;
    struct xen_msr_entry m[MSR_MAX_SERIALISED_ENTRIES];
    uint32_t el = ~0u, es = ~0u, em = ~0u;
    long rc = -ENOMEM;

    /* Xen's limits come first (-E2BIG), before anything is read. */
    if (c->nr_leaves > CPUID_MAX_SERIALISED_LEAVES || c->nr_msrs > MSR_MAX_SERIALISED_ENTRIES) {
        rc = -E2BIG;
        goto out;
    }
    if (!(l = xmalloc_array(struct xen_cpuid_leaf, c->nr_leaves ? c->nr_leaves : 1)) ||
        !(max = system_policy(false)))
        goto out;
    rc = -EFAULT;
    if (copy_from_guest(l, c->leaves, c->nr_leaves * sizeof(*l)) ||
        copy_from_guest(m, c->msrs, c->nr_msrs * sizeof(*m)))
        goto out;
    spin_lock(&d->lock);
    rc = -ENOMEM;
    if ((p = domain_policy_copy(d)) &&
        !(rc = cpu_policy_leaves_from_buffer(p, l, c->nr_leaves, &el, &es)) &&
        !(rc = cpu_policy_msrs_from_buffer(p, m, c->nr_msrs, &em))) {
        cpu_policy_clear_out_of_range(p);
        if (!(rc = cpu_policy_compatible(max, p, &el, &es, &em))) {
            old = d->arch.cpu_policy;
            d->arch.cpu_policy = p;
            p = NULL;
        }
    }
    spin_unlock(&d->lock);
out:
    if (rc) {
        c->err_leaf = el;
        c->err_subleaf = es;
        c->err_msr = em;
    }
    xfree(old);
    xfree(p);
    xfree(max);
    xfree(l);
    return rc;
}

long domctl_cpu_policy(struct domain *caller, struct domain *d, struct xen_domctl *op,
                       uint64_t arg)
{
    struct xen_domctl_cpu_policy *c = &op->u.cpu_policy;
    struct tern_cpu_policy *p;
    long rc;

    if (op->cmd == XEN_DOMCTL_get_cpu_policy) {
        spin_lock(&d->lock);
        p = domain_policy_copy(d);
        spin_unlock(&d->lock);
        if (!p)
            return -ENOMEM;
        rc = policy_to_guest(p, c->leaves, &c->nr_leaves, c->msrs, &c->nr_msrs);
        xfree(p);
        if (!rc && copy_to_guest(arg, op, sizeof(*op)))
            rc = -EFAULT;
        return rc;
    }
    if (d == caller)
        return -EINVAL; /* Xen: no domain_pause() of oneself */
    /* Only before the domain first ran: a boot-time domain has run already. */
    if (!d->controller_created || __atomic_load_n(&d->creation_finished, __ATOMIC_ACQUIRE))
        return -EEXIST;
    rc = set_policy(d, c);
    if (rc && copy_to_guest(arg, op, sizeof(*op))) /* err_* go back on failure only */
        rc = -EFAULT;
    return rc;
}
