/* SPDX-License-Identifier: MIT */
/* What memory.c shares with the other memory_op files (memory_foreign.c, acquire_resource.c). */
#ifndef TERN_MEMORY_PRIVATE_H
#define TERN_MEMORY_PRIVATE_H

#include <public/xen.h>
#include <tern/p2m.h>
#include <tern/types.h>

struct domain;
struct page_info;

/* DOMID_SELF, or another domain when policy allows (-ESRCH, -EPERM). A reference is taken. */
struct domain *memop_target(domid_t domid, int *rc);
/*
 * Give up the reference a replaced p2m entry of d at gfn held (old may be NULL). With
 * free_ram, RAM d owned is freed, as Xen frees "normal domain memory" it maps over; a
 * replaced shared_info frame is unhooked.
 */
void physmap_drop_replaced(struct domain *d, uint64_t gfn, struct page_info *old,
                           enum p2m_type ot, bool free_ram);
/* One XENMEM_add_to_physmap of a single-frame space other than gmfn_foreign into d. */
int physmap_add_one(struct domain *d, unsigned int space, uint64_t idx, uint64_t gpfn);

/* XENMEM_add_to_physmap_batch (memory_foreign.c) and XENMEM_acquire_resource
 * (acquire_resource.c); start is the continuation's extent from cmd's upper bits. */
long memory_add_to_physmap_batch(unsigned long start, uint64_t arg);
long memory_acquire_resource(unsigned long start, uint64_t arg);
/*
 * Map frame pg of foreign domain fd at d's gpfn as p2m_map_foreign, replacing what Xen's
 * p2m_add_foreign replaces (RAM of d is freed, a shared Tern frame unhooked; a grant or
 * foreign mapping there: -ENXIO). The entry takes its own reference on pg. 0 or -errno.
 */
int foreign_map_frame(struct domain *d, uint64_t gpfn, struct page_info *pg);

#endif
