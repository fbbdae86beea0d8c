/* SPDX-License-Identifier: MIT */
/* The toolstack's control hypercalls, domctl (domctl.c) and sysctl (sysctl.c), Xen 4.17's ABI. */
#ifndef TERN_DOMCTL_H
#define TERN_DOMCTL_H

#include <public/domctl.h>
#include <tern/types.h>

struct domain;

/* Hypercalls 36 and 35: arg is the guest address of struct xen_domctl / xen_sysctl. */
long do_domctl(uint64_t arg);
long do_sysctl(uint64_t arg);

/* What XEN_DOMCTL_getdomaininfo and XEN_SYSCTL_getdomaininfolist report about d. */
void domain_getinfo(struct domain *d, struct xen_domctl_getdomaininfo *info);

/* domctl_domain.c: a domain's life as the toolstack drives it. */
long domctl_createdomain(struct xen_domctl *op);
long domctl_max_vcpus(struct domain *caller, struct domain *d, uint32_t max);
long domctl_max_mem(struct domain *d, uint64_t max_memkb);
/* -ERESTART until Tern's context tore d down (domain_build.c's deferred work). */
long domctl_destroydomain(struct domain *caller, struct domain *d);
/* For a domain no longer listed: 0 if its destroy finished, -ERESTART, or -ESRCH. */
long domctl_destroy_pending(domid_t id);
/* Raise VIRQ_DOM_EXC for dom0: a domain shut down or died. */
void domain_send_dom_exc(void);

#endif
