/* SPDX-License-Identifier: MIT */
/*
 * Security policy hooks (Xen Security Modules style). Every privileged inter-domain decision
 * asks one of these before changing state; each returns 0 to allow or -EPERM. The default
 * policy (xsm/dummy.c): a domain acts on itself; the privileged domain may act on any other;
 * interdomain event channels and grants need the peer to have offered them. The FLASK-like
 * engine later replaces the implementation without touching any caller.
 */
#ifndef TERN_XSM_H
#define TERN_XSM_H

#include <tern/types.h>

struct domain;

/* d binds/allocates an event channel whose remote end is peer. */
int xsm_evtchn_interdomain(struct domain *d, struct domain *peer);
int xsm_evtchn_unbound(struct domain *d, struct domain *owner, struct domain *remote);
/* d maps or copies a frame that granter granted. */
int xsm_grant_mapref(struct domain *d, struct domain *granter, bool readonly);
int xsm_grant_copy(struct domain *d, struct domain *src, struct domain *dst);
/* d uses a grant-table or memory op on target (DOMID_SELF or another domain). */
int xsm_grant_query_size(struct domain *d, struct domain *target);
int xsm_memory_op(struct domain *d, struct domain *target);
/* d acts on target's memory as only its controller may (claims, PoD target): XSM_PRIV. */
int xsm_memory_priv(struct domain *d, struct domain *target);
/* d reads or writes an HVM parameter of target. */
int xsm_hvm_param(struct domain *d, struct domain *target, bool write);
/* d writes to the hypervisor console. */
int xsm_console_io(struct domain *d, int cmd);
/* d uses sysctl; domctl on target; reads target's getdomaininfo (domctl or sysctl). */
int xsm_sysctl(struct domain *d);
int xsm_domctl(struct domain *d, struct domain *target);
int xsm_getdomaininfo(struct domain *d, struct domain *target);

#endif
