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

#endif
