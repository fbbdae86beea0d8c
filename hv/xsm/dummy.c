// SPDX-License-Identifier: MIT
/*
 * The default policy, Xen's "dummy" XSM rules: a domain acts on itself, the privileged domain
 * on anyone; an interdomain event channel or a grant needs the peer's own offer (checked by
 * the subsystems: the unbound port's remote_dom, the grant entry's domid). The FLASK-like
 * engine replaces this file.
 */
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/xsm.h>

static int self_or_privileged(struct domain *d, struct domain *target)
{
    return (d == target || d->is_privileged) ? 0 : -EPERM;
}

int xsm_evtchn_interdomain(struct domain *d, struct domain *peer)
{
    return 0; /* the peer reserved its port for d: that is its consent */
}

int xsm_evtchn_unbound(struct domain *d, struct domain *owner, struct domain *remote)
{
    return self_or_privileged(d, owner);
}

int xsm_grant_mapref(struct domain *d, struct domain *granter, bool readonly)
{
    return 0; /* the grant entry names d: that is the granter's consent */
}

int xsm_grant_copy(struct domain *d, struct domain *src, struct domain *dst)
{
    return 0;
}

int xsm_grant_query_size(struct domain *d, struct domain *target)
{
    return self_or_privileged(d, target);
}

int xsm_memory_op(struct domain *d, struct domain *target)
{
    return self_or_privileged(d, target);
}

int xsm_memory_priv(struct domain *d, struct domain *target)
{
    return d->is_privileged ? 0 : -EPERM; /* Xen's XSM_PRIV: even on itself */
}

int xsm_hvm_param(struct domain *d, struct domain *target, bool write)
{
    return self_or_privileged(d, target);
}

int xsm_console_io(struct domain *d, int cmd)
{
    /* As Xen's release build (Debian's): only the privileged domain uses the hypervisor
     * console; a domU's console is its ring (Xen's debug builds let domUs write too). */
    return d->is_privileged ? 0 : -EPERM;
}

int xsm_sysctl(struct domain *d)
{
    return d->is_privileged ? 0 : -EPERM; /* Xen's XSM_PRIV */
}

int xsm_domctl(struct domain *d, struct domain *target)
{
    return d->is_privileged ? 0 : -EPERM; /* XSM_PRIV: even on itself */
}

int xsm_getdomaininfo(struct domain *d, struct domain *target)
{
    return d->is_privileged ? 0 : -EPERM; /* XSM_XS_PRIV; Tern has no xenstore domain yet */
}
