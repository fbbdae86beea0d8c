/* SPDX-License-Identifier: MIT */
/*
 * XENMEM_acquire_resource's arithmetic, kept apart from the frames it hands out so it can be
 * tested on the host: how big each resource is, and which requests Xen 4.17 refuses before
 * looking at the resource.
 */
#ifndef TERN_RESOURCE_H
#define TERN_RESOURCE_H

#include <public/memory.h>
#include <tern/types.h>

/*
 * Xen's resource_max_frames for a domain with gnttab_max grant frames and max_vcpus vCPUs:
 * 0 means "no such resource" (the caller says -EINVAL). An unknown type gives
 * (unsigned int)-EOPNOTSUPP, as Xen's does: a size query reports that number, and an
 * acquire then fails with -EOPNOTSUPP.
 */
unsigned int resource_max_frames(unsigned int type, uint32_t id, unsigned int gnttab_max,
                                 unsigned int max_vcpus);

/*
 * The checks Xen makes on the request itself: pad 0, frame and frame + nr_frames within 32
 * bits (-EINVAL). With a frame list, also start (the continuation's extent) inside nr_frames,
 * and nr_frames small enough for a continuation to encode (-EINVAL). 0 when fine.
 */
int resource_request_check(const struct xen_mem_acquire_resource *x);
int resource_list_check(const struct xen_mem_acquire_resource *x, unsigned long start);

#endif
