/* SPDX-License-Identifier: MIT */
/* Per-domain VM-exit profile (count and handling time by reason) and memory overhead. */
#ifndef TERN_STATS_H
#define TERN_STATS_H

#include <tern/types.h>

struct domain;

void exit_stats_print(struct domain *d);
/* The domain's hypercalls by number, with the time spent in them (common/hypercall.c). */
void hypercall_profile_print(struct domain *d);
/* Tern's own memory for d: structures, vCPU control blocks, nested page tables. */
uint64_t domain_overhead_bytes(struct domain *d);

#endif
