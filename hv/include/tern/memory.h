/* SPDX-License-Identifier: MIT */
/* A domain's RAM: populating and freeing guest frames, its e820 map, and memory_op. */
#ifndef TERN_MEMORY_H
#define TERN_MEMORY_H

#include <tern/types.h>

struct domain;

#define DOMAIN_MAX_E820 1024 /* Xen's E820MAX */

struct domain_e820 {
    uint64_t addr, size;
    uint32_t type;
};

/* Give d RAM at guest frames [gfn, gfn + nr): 2 MiB extents where aligned. 0 or -ENOMEM. */
int domain_populate(struct domain *d, uint64_t gfn, uint64_t nr);
/*
 * Populating several ranges of d on every CPU that is idle during boot (domain_populate on
 * each, in 32 MiB chunks): start the job, do other work, then finish it, which works along
 * and returns once every chunk is done: 0 or the first error. After the schedulers start
 * (a restart), finish does it all on the calling CPU.
 */
struct populate_job {
    struct domain *d;
    struct { uint64_t gfn, nr; } range[4];
    unsigned int nr_ranges;
    /* Private to populate_parallel.c. */
    uint64_t next, chunks;
    unsigned int helpers;
    int rc;
};
void populate_job_start(struct populate_job *j);
int populate_job_finish(struct populate_job *j);
/* Free every frame d owns (domain destruction; the p2m goes separately). */
void domain_free_memory(struct domain *d);
/* The map XENMEM_memory_map returns (set by the domain builder). */
int domain_set_e820(struct domain *d, const struct domain_e820 *map, unsigned int n);

#endif
