// SPDX-License-Identifier: MIT
/* Fake guest frames for the FIFO tests: host pages standing for a domain's RAM at a gfn,
 * with the reference counts p2m_get_page()/put_page() keep on real frames. */
#include "fake_env.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>

#define MAX_FRAMES 64

static struct {
    struct domain *d;
    uint64_t gfn;
    void *va;
    struct page_info pi;
} frames[MAX_FRAMES];
static unsigned int nr_frames;

void *fake_guest_frame(struct domain *d, uint64_t gfn)
{
    CHECK(nr_frames < MAX_FRAMES, "out of fake frames");
    frames[nr_frames].d = d;
    frames[nr_frames].gfn = gfn;
    frames[nr_frames].va = aligned_alloc(PAGE_SIZE, PAGE_SIZE);
    memset(frames[nr_frames].va, 0, PAGE_SIZE);
    frames[nr_frames].pi.owner = d;
    frames[nr_frames].pi.count_info = PGC_allocated | 2; /* allocation and p2m entry */
    return frames[nr_frames++].va;
}

unsigned int fake_frame_refs(const void *va)
{
    for (unsigned int i = 0; i < nr_frames; i++)
        if (frames[i].va == va)
            return frames[i].pi.count_info & PGC_count_mask;
    return 0;
}

void fake_frames_release(void)
{
    for (unsigned int i = 0; i < nr_frames; i++) {
        CHECK((frames[i].pi.count_info & PGC_count_mask) == 2, "frame of gfn %#llx still has "
              "%u references beyond its owner's", (unsigned long long)frames[i].gfn,
              (frames[i].pi.count_info & PGC_count_mask) - 2);
        free(frames[i].va);
    }
    nr_frames = 0;
}

void fake_frames_forget(void)
{
    for (unsigned int i = 0; i < nr_frames; i++)
        free(frames[i].va);
    nr_frames = 0;
}

struct page_info *p2m_get_page(struct domain *d, uint64_t gfn, enum p2m_type *t)
{
    for (unsigned int i = 0; i < nr_frames; i++) {
        if (frames[i].d == d && frames[i].gfn == gfn) {
            frames[i].pi.count_info++;
            if (t)
                *t = p2m_ram_rw;
            return &frames[i].pi;
        }
    }
    if (t)
        *t = p2m_invalid;
    return NULL;
}

void put_page(struct page_info *pg)
{
    CHECK((pg->count_info & PGC_count_mask) > 2, "put_page below the owner's references");
    pg->count_info--;
}

void *page_to_virt(const struct page_info *pg)
{
    for (unsigned int i = 0; i < nr_frames; i++)
        if (&frames[i].pi == pg)
            return frames[i].va;
    CHECK(false, "page_to_virt of an unknown frame");
    return NULL;
}
