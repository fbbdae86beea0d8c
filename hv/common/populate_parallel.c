// SPDX-License-Identifier: MIT
/*
 * A boot domain's RAM populated by every idle CPU at once: allocating is cheap, zeroing the
 * frames is not (about 2.7 s per GiB under TCG), and before the schedulers start the other
 * CPUs have nothing to do. The boot CPU starts the job, does its own work (unpacking the
 * kernel), then joins in and waits. Chunks are handed out by one atomic counter.
 */
#include <tern/lib.h>
#include <tern/memory.h>
#include <tern/smp.h>

#define CHUNK_PAGES (MB(32) >> PAGE_SHIFT) /* a multiple of 2 MiB: superpages stay whole */

static uint64_t chunk_count(const struct populate_job *j)
{
    uint64_t n = 0;

    for (unsigned int i = 0; i < j->nr_ranges; i++)
        n += ((j->range[i].nr + CHUNK_PAGES - 1) / CHUNK_PAGES);
    return n;
}

/* Chunk idx as (gfn, nr): false past the last one. */
static bool chunk_at(const struct populate_job *j, uint64_t idx, uint64_t *gfn, uint64_t *nr)
{
    for (unsigned int i = 0; i < j->nr_ranges; i++) {
        uint64_t here = ((j->range[i].nr + CHUNK_PAGES - 1) / CHUNK_PAGES);
        if (idx < here) {
            *gfn = j->range[i].gfn + idx * CHUNK_PAGES;
            *nr = MIN(CHUNK_PAGES, j->range[i].nr - idx * CHUNK_PAGES);
            return true;
        }
        idx -= here;
    }
    return false;
}

static void populate_worker(void *arg)
{
    struct populate_job *j = arg;
    uint64_t gfn, nr;

    for (;;) {
        uint64_t idx = __atomic_fetch_add(&j->next, 1, __ATOMIC_RELAXED);
        if (__atomic_load_n(&j->rc, __ATOMIC_RELAXED) || !chunk_at(j, idx, &gfn, &nr))
            return;
        int rc = domain_populate(j->d, gfn, nr);
        if (rc)
            __atomic_store_n(&j->rc, rc, __ATOMIC_RELAXED);
    }
}

void populate_job_start(struct populate_job *j)
{
    j->next = 0;
    j->rc = 0;
    j->chunks = chunk_count(j);
    j->helpers = j->chunks > 1 ? smp_boot_work(populate_worker, j) : 0;
}

int populate_job_finish(struct populate_job *j)
{
    populate_worker(j);
    if (j->helpers)
        smp_boot_work_wait(); /* every chunk taken is finished before d is used or freed */
    j->helpers = 0;
    return j->rc;
}
