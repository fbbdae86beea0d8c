// SPDX-License-Identifier: MIT
// Boot-time memory: sorted page-aligned range sets of RAM and of what is still free in it.
#include <tern/bootmem.h>
#include <tern/lib.h>

struct range {
    paddr_t start, end; /* [start, end), page aligned, start < end */
};

/* Sorted, non-overlapping and non-adjacent (adjacent ranges are merged). */
struct range_set {
    unsigned int nr;
    struct range r[BOOTMEM_MAX_RANGES];
};

/*
 * RAM is remembered apart from the free set so that RAM added again later does not undo a
 * reservation or an allocation: only bytes that were not RAM before become free.
 */
static struct range_set ram, free_mem;
static mfn_t max_mfn;

static void set_remove_at(struct range_set *s, unsigned int i)
{
    for (; i + 1 < s->nr; i++)
        s->r[i] = s->r[i + 1];
    s->nr--;
}

static bool set_insert_at(struct range_set *s, unsigned int i, paddr_t start, paddr_t end)
{
    if (s->nr == BOOTMEM_MAX_RANGES)
        return false;
    for (unsigned int j = s->nr; j > i; j--)
        s->r[j] = s->r[j - 1];
    s->r[i].start = start;
    s->r[i].end = end;
    s->nr++;
    return true;
}

/* Union [start, end) into s, merging every range it overlaps or touches. */
static void set_add(struct range_set *s, paddr_t start, paddr_t end)
{
    unsigned int i = 0;

    if (start >= end)
        return;
    while (i < s->nr && s->r[i].end < start)
        i++;
    /* r[i] is the first range that overlaps or touches [start, end), if any. */
    while (i < s->nr && s->r[i].start <= end) {
        start = MIN(start, s->r[i].start);
        end = MAX(end, s->r[i].end);
        set_remove_at(s, i);
    }
    if (!set_insert_at(s, i, start, end))
        printk(XENLOG_ERR "bootmem: more than %u ranges, dropped %#llx-%#llx\n",
               BOOTMEM_MAX_RANGES, (unsigned long long)start, (unsigned long long)end);
}

/* Take [start, end) out of s; ranges overlapping it shrink, vanish or split in two. */
static void set_remove(struct range_set *s, paddr_t start, paddr_t end)
{
    if (start >= end)
        return;
    for (unsigned int i = 0; i < s->nr;) {
        struct range *r = &s->r[i];

        if (r->end <= start || r->start >= end) {
            i++;
        } else if (r->start >= start && r->end <= end) {
            set_remove_at(s, i); /* entirely covered */
        } else if (r->start < start && r->end > end) {
            /* A hole in the middle: needs a second slot. */
            paddr_t hi_start = end, hi_end = r->end;

            r->end = start;
            if (!set_insert_at(s, i + 1, hi_start, hi_end)) {
                /* Never hand out the reserved part; lose the smaller piece of free memory. */
                if (hi_end - hi_start > r->end - r->start) {
                    r->start = hi_start;
                    r->end = hi_end;
                }
                printk(XENLOG_ERR "bootmem: more than %u ranges, lost free memory near "
                       "%#llx\n", BOOTMEM_MAX_RANGES, (unsigned long long)start);
            }
            return; /* ranges are disjoint: nothing else can overlap */
        } else if (r->start < start) {
            r->end = start; /* overlaps the head of [start, end) */
            i++;
        } else {
            r->start = end; /* overlaps the tail */
            i++;
        }
    }
}

static uint64_t set_bytes(const struct range_set *s)
{
    uint64_t sum = 0;

    for (unsigned int i = 0; i < s->nr; i++)
        sum += s->r[i].end - s->r[i].start;
    return sum;
}

void bootmem_add_ram(paddr_t start, paddr_t end)
{
    paddr_t pos;

    if (start > ROUNDDOWN(~(paddr_t)0, PAGE_SIZE))
        return; /* would round up past the top */
    start = ROUNDUP(start, PAGE_SIZE);
    end = ROUNDDOWN(end, PAGE_SIZE);
    if (start >= end)
        return;

    /* The parts of [start, end) that are not RAM yet become free. */
    pos = start;
    for (unsigned int i = 0; i < ram.nr && pos < end; i++) {
        if (ram.r[i].end <= pos)
            continue;
        if (ram.r[i].start >= end)
            break;
        if (ram.r[i].start > pos)
            set_add(&free_mem, pos, ram.r[i].start);
        pos = ram.r[i].end;
    }
    if (pos < end)
        set_add(&free_mem, pos, end);

    set_add(&ram, start, end);
    if (PFN_DOWN(end) > max_mfn)
        max_mfn = PFN_DOWN(end);
}

void bootmem_reserve(paddr_t start, paddr_t end)
{
    /* Partly used pages are used. */
    start = ROUNDDOWN(start, PAGE_SIZE);
    end = end > ROUNDDOWN(~(paddr_t)0, PAGE_SIZE) ? ROUNDDOWN(~(paddr_t)0, PAGE_SIZE)
                                                    : ROUNDUP(end, PAGE_SIZE);
    set_remove(&free_mem, start, end);
}

paddr_t bootmem_alloc(uint64_t nr_pages, uint64_t align, paddr_t limit)
{
    uint64_t size;

    if (!nr_pages || nr_pages > (~(uint64_t)0 >> PAGE_SHIFT) || (align & (align - 1)))
        return 0;
    if (align < PAGE_SIZE)
        align = PAGE_SIZE;
    size = nr_pages << PAGE_SHIFT;

    /* Highest first: low memory is scarce and some users need it (e.g. AP start-up code). */
    for (unsigned int i = free_mem.nr; i-- > 0;) {
        paddr_t top = MIN(free_mem.r[i].end, limit), at;

        if (top < size || top - size < free_mem.r[i].start)
            continue;
        at = ROUNDDOWN(top - size, align);
        if (at < free_mem.r[i].start || at == 0)
            continue; /* 0 means failure, so never hand out address 0 */
        set_remove(&free_mem, at, at + size);
        return at;
    }
    return 0;
}

mfn_t bootmem_max_mfn(void)
{
    return max_mfn;
}

uint64_t bootmem_total_bytes(void)
{
    return set_bytes(&ram);
}

uint64_t bootmem_free_bytes(void)
{
    return set_bytes(&free_mem);
}

void bootmem_for_each_free(void (*fn)(paddr_t start, paddr_t end, void *arg), void *arg)
{
    /* fn must not change bootmem: it is called for the ranges as they are now. */
    for (unsigned int i = 0; i < free_mem.nr; i++)
        fn(free_mem.r[i].start, free_mem.r[i].end, arg);
}

void bootmem_reset(void)
{
    ram.nr = 0;
    free_mem.nr = 0;
    max_mfn = 0;
}
