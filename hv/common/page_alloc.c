// SPDX-License-Identifier: MIT
// Machine-frame allocator: binary buddy system kept entirely in the frame table.
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/page_alloc.h>
#include <tern/spinlock.h>

/*
 * Frame states, as seen in page_info.flags:
 *   PGF_FREE      head of a free 2^order block, on free_lists[order]
 *   PGF_ALLOCATED head of an allocated 2^order block
 *   PGF_RESERVED  a single frame never handed to the allocator
 *   none of these a non-head frame of a free or allocated block
 * Every frame below max_mfn is in exactly one of these, which is what the checker verifies.
 */
#define PGF_STATE (PGF_FREE | PGF_ALLOCATED | PGF_RESERVED)

static DEFINE_SPINLOCK(heap_lock);
static struct page_info *frame_table;
static mfn_t max_mfn;
static struct page_list free_lists[MAX_ORDER + 1]; /* circular, the array entry is the sentinel */
static uint64_t free_frames;
static uint64_t total_frames;

static struct page_info *list_page(struct page_list *node)
{
    return container_of(node, struct page_info, list);
}

static mfn_t pg_mfn(const struct page_info *pg)
{
    return (mfn_t)(pg - frame_table);
}

/* Compared as integers: the pointer may come from anywhere. */
static bool pg_valid(const struct page_info *pg)
{
    uintptr_t p = (uintptr_t)pg, base = (uintptr_t)frame_table;

    return p >= base && p < base + max_mfn * sizeof(*pg) &&
           (p - base) % sizeof(*pg) == 0;
}

/* Put the free block [mfn, mfn + 2^order) on its list, merging with free buddies first. */
static void free_block(mfn_t mfn, unsigned int order)
{
    while (order < MAX_ORDER) {
        mfn_t buddy = mfn ^ (1ULL << order);
        struct page_info *bp;

        if (buddy >= max_mfn)
            break;
        bp = &frame_table[buddy];
        if (!(bp->flags & PGF_FREE) || bp->order != order)
            break;
        page_list_del(&bp->list);
        bp->flags &= ~PGF_FREE; /* it becomes a non-head frame of the merged block */
        bp->order = 0;
        mfn &= ~(1ULL << order);
        order++;
    }
    frame_table[mfn].flags = (frame_table[mfn].flags & ~PGF_STATE) | PGF_FREE;
    frame_table[mfn].order = (uint8_t)order;
    page_list_add(&frame_table[mfn].list, &free_lists[order]);
}

/* Take the free block pg (of order `have`) off its list and return its first 2^want frames,
 * giving the upper halves back as smaller free blocks. */
static struct page_info *take_block(struct page_info *pg, unsigned int have, unsigned int want)
{
    mfn_t mfn = pg_mfn(pg);

    page_list_del(&pg->list);
    while (have > want) {
        struct page_info *upper;

        have--;
        upper = &frame_table[mfn + (1ULL << have)];
        upper->flags = (upper->flags & ~PGF_STATE) | PGF_FREE;
        upper->order = (uint8_t)have;
        page_list_add(&upper->list, &free_lists[have]);
    }
    pg->flags = (pg->flags & ~PGF_STATE) | PGF_ALLOCATED;
    pg->order = (uint8_t)want;
    pg->owner = NULL; /* also clears the heap fields */
    pg->count_info = 0;
    free_frames -= 1ULL << want;
    return pg;
}

size_t page_alloc_frame_table_size(mfn_t max)
{
    return (size_t)max * sizeof(struct page_info);
}

void page_alloc_init(struct page_info *ft, mfn_t max)
{
    unsigned long flags;

    spin_lock_irqsave(&heap_lock, flags);
    frame_table = ft;
    max_mfn = max;
    memset(ft, 0, page_alloc_frame_table_size(max));
    for (mfn_t m = 0; m < max; m++)
        ft[m].flags = PGF_RESERVED;
    for (unsigned int o = 0; o <= MAX_ORDER; o++)
        page_list_init(&free_lists[o]);
    free_frames = total_frames = 0;
    spin_unlock_irqrestore(&heap_lock, flags);
}

/* Largest order of an aligned block starting at mfn that fits in nr frames. */
static unsigned int max_block_order(mfn_t mfn, uint64_t nr)
{
    unsigned int order = 0;

    while (order < MAX_ORDER && !(mfn & (1ULL << order)) && (2ULL << order) <= nr)
        order++;
    return order;
}

/* Hand the reserved frames [start, end) in as free, as maximal aligned blocks. */
static void add_run(mfn_t start, mfn_t end)
{
    for (mfn_t m = start; m < end; m++)
        frame_table[m].flags &= ~PGF_RESERVED;
    free_frames += end - start;
    total_frames += end - start;
    while (start < end) {
        unsigned int order = max_block_order(start, end - start);

        free_block(start, order);
        start += 1ULL << order;
    }
}

void page_alloc_add_free(mfn_t start, uint64_t nr)
{
    unsigned long flags;
    mfn_t end = start + nr, run = start, first_skipped = 0;
    uint64_t skipped = 0;

    if (end < start || end > max_mfn) {
        printk(XENLOG_WARNING "page_alloc: frames %#llx+%#llx beyond the frame table (%#llx)\n",
               (unsigned long long)start, (unsigned long long)nr, (unsigned long long)max_mfn);
        if (start >= max_mfn)
            return;
        end = max_mfn;
    }

    spin_lock_irqsave(&heap_lock, flags);
    /* Only reserved frames can become free; anything else would be handed out twice. */
    for (mfn_t m = start; m < end; m++) {
        if (frame_table[m].flags & PGF_RESERVED)
            continue;
        if (!skipped++)
            first_skipped = m;
        add_run(run, m);
        run = m + 1;
    }
    add_run(run, end);
    spin_unlock_irqrestore(&heap_lock, flags);
    if (skipped)
        printk(XENLOG_ERR "page_alloc: %llu frames from %#llx added twice, skipped\n",
               (unsigned long long)skipped, (unsigned long long)first_skipped);
}

struct page_info *alloc_pages(unsigned int order)
{
    return alloc_pages_below(order, max_mfn);
}

struct page_info *alloc_pages_below(unsigned int order, mfn_t limit_mfn)
{
    unsigned long flags;
    struct page_info *found = NULL;
    unsigned int o;

    if (order > MAX_ORDER)
        return NULL;

    spin_lock_irqsave(&heap_lock, flags);
    /* Smallest block first, so large blocks stay whole. Splitting keeps the lowest part, so a
     * block qualifies when its first 2^order frames are below the limit. */
    for (o = order; o <= MAX_ORDER && !found; o++) {
        for (struct page_list *n = free_lists[o].next; n != &free_lists[o]; n = n->next) {
            struct page_info *pg = list_page(n);

            if (pg_mfn(pg) + (1ULL << order) <= limit_mfn) {
                found = take_block(pg, o, order);
                break;
            }
        }
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return found;
}

void free_pages(struct page_info *pg, unsigned int order)
{
    unsigned long flags;
    mfn_t mfn;

    if (!pg)
        return;

    spin_lock_irqsave(&heap_lock, flags);
    if (!pg_valid(pg)) {
        printk(XENLOG_ERR "page_alloc: free of %p, which is not in the frame table\n",
               (const void *)pg);
        spin_unlock_irqrestore(&heap_lock, flags);
        return;
    }
    mfn = pg_mfn(pg);
    if (order > MAX_ORDER || !(pg->flags & PGF_ALLOCATED) || pg->order != order ||
        (mfn & ((1ULL << order) - 1))) {
        printk(XENLOG_ERR "page_alloc: bad free of frame %#llx order %u (flags %#x order %u)\n",
               (unsigned long long)mfn, order, pg->flags, pg->order);
        spin_unlock_irqrestore(&heap_lock, flags);
        return;
    }
    /* A referenced frame is still reachable by someone: leaking it is the safe mistake. */
    for (uint64_t i = 0; i < (1ULL << order); i++) {
        if (__atomic_load_n(&pg[i].count_info, __ATOMIC_ACQUIRE)) {
            printk(XENLOG_ERR "page_alloc: free of frame %#llx, which still has references "
                   "(count_info %#x): kept\n", (unsigned long long)(mfn + i),
                   pg[i].count_info);
            spin_unlock_irqrestore(&heap_lock, flags);
            return;
        }
    }
    pg->flags &= ~(PGF_ALLOCATED | PGF_HEAP);
    pg->owner = NULL;
    free_frames += 1ULL << order;
    free_block(mfn, order);
    spin_unlock_irqrestore(&heap_lock, flags);
}

struct page_info *mfn_to_page(mfn_t mfn)
{
    return mfn < max_mfn ? &frame_table[mfn] : NULL;
}

mfn_t page_to_mfn(const struct page_info *pg)
{
    return pg_mfn(pg);
}

uint64_t page_alloc_free_count(void)
{
    return __atomic_load_n(&free_frames, __ATOMIC_RELAXED);
}

uint64_t page_alloc_total_count(void)
{
    return __atomic_load_n(&total_frames, __ATOMIC_RELAXED);
}

/* The free lists: heads, orders, alignment, links; adds up the frames on them. */
static int check_lists(uint64_t *frames, uint64_t *blocks)
{
    *frames = *blocks = 0;
    for (unsigned int o = 0; o <= MAX_ORDER; o++) {
        struct page_list *head = &free_lists[o], *n;
        uint64_t steps = 0;

        for (n = head->next; n != head; n = n->next) {
            struct page_info *pg = list_page(n);
            mfn_t mfn;

            if (++steps > max_mfn) {
                printk(XENLOG_ERR "page_alloc: free list %u does not end\n", o);
                return -EFAULT;
            }
            if (!pg_valid(pg)) {
                printk(XENLOG_ERR "page_alloc: free list %u holds a foreign node\n", o);
                return -EFAULT;
            }
            mfn = pg_mfn(pg);
            if (!n->next || !n->prev || n->next->prev != n || n->prev->next != n) {
                printk(XENLOG_ERR "page_alloc: free list %u broken at frame %#llx\n", o,
                       (unsigned long long)mfn);
                return -EFAULT;
            }
            if ((pg->flags & PGF_STATE) != PGF_FREE || pg->order != o) {
                printk(XENLOG_ERR "page_alloc: frame %#llx on free list %u has flags %#x "
                       "order %u\n", (unsigned long long)mfn, o, pg->flags, pg->order);
                return -EINVAL;
            }
            if ((mfn & ((1ULL << o) - 1)) || mfn + (1ULL << o) > max_mfn) {
                printk(XENLOG_ERR "page_alloc: free block %#llx order %u misaligned or past "
                       "the end\n", (unsigned long long)mfn, o);
                return -EINVAL;
            }
            *frames += 1ULL << o;
            (*blocks)++;
        }
    }
    return 0;
}

/* Walk the frame table block by block: every frame must belong to exactly one block. */
static int check_frames(uint64_t *free_sum, uint64_t *alloc_sum, uint64_t *free_heads)
{
    *free_sum = *alloc_sum = *free_heads = 0;
    for (mfn_t m = 0; m < max_mfn;) {
        const struct page_info *pg = &frame_table[m];
        uint32_t state = pg->flags & PGF_STATE;
        uint64_t size;

        if (state == PGF_RESERVED) {
            m++;
            continue;
        }
        if (state != PGF_FREE && state != PGF_ALLOCATED) {
            printk(XENLOG_ERR "page_alloc: frame %#llx has state %#x outside any block\n",
                   (unsigned long long)m, state);
            return -EINVAL;
        }
        size = 1ULL << pg->order;
        if (pg->order > MAX_ORDER || (m & (size - 1)) || m + size > max_mfn) {
            printk(XENLOG_ERR "page_alloc: block %#llx has bad order %u\n",
                   (unsigned long long)m, pg->order);
            return -EINVAL;
        }
        for (mfn_t t = m + 1; t < m + size; t++) {
            if (frame_table[t].flags & PGF_STATE) {
                printk(XENLOG_ERR "page_alloc: frame %#llx inside block %#llx order %u has "
                       "flags %#x\n", (unsigned long long)t, (unsigned long long)m,
                       pg->order, frame_table[t].flags);
                return -EINVAL;
            }
        }
        if (state == PGF_FREE) {
            mfn_t buddy = m ^ size;

            if (pg->order < MAX_ORDER && buddy < max_mfn &&
                (frame_table[buddy].flags & PGF_FREE) && frame_table[buddy].order == pg->order) {
                printk(XENLOG_ERR "page_alloc: free buddies %#llx and %#llx (order %u) not "
                       "merged\n", (unsigned long long)m, (unsigned long long)buddy,
                       pg->order);
                return -EINVAL;
            }
            *free_sum += size;
            (*free_heads)++;
        } else {
            *alloc_sum += size;
        }
        m += size;
    }
    return 0;
}

int page_alloc_check(void)
{
    unsigned long flags;
    uint64_t list_frames, list_blocks, free_sum, alloc_sum, free_heads;
    int rc;

    spin_lock_irqsave(&heap_lock, flags);
    rc = check_lists(&list_frames, &list_blocks);
    if (!rc)
        rc = check_frames(&free_sum, &alloc_sum, &free_heads);
    if (!rc && (list_frames != free_frames || free_sum != free_frames ||
                list_blocks != free_heads)) {
        printk(XENLOG_ERR "page_alloc: free count %llu, lists hold %llu frames in %llu blocks, "
               "frame table %llu frames in %llu blocks\n", (unsigned long long)free_frames,
               (unsigned long long)list_frames, (unsigned long long)list_blocks,
               (unsigned long long)free_sum, (unsigned long long)free_heads);
        rc = -EINVAL;
    }
    if (!rc && free_sum + alloc_sum != total_frames) {
        printk(XENLOG_ERR "page_alloc: %llu free + %llu allocated frames, but %llu added\n",
               (unsigned long long)free_sum, (unsigned long long)alloc_sum,
               (unsigned long long)total_frames);
        rc = -EINVAL;
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return rc;
}

/*
 * Turn an allocated 2^order block into 2^order allocated single frames, so that its frames
 * can then be freed one by one (a guest giving back one page of a 2 MiB extent).
 */
int split_allocated_block(struct page_info *pg, unsigned int order)
{
    unsigned long flags;
    int rc = 0;

    spin_lock_irqsave(&heap_lock, flags);
    if (!pg_valid(pg) || !(pg->flags & PGF_ALLOCATED) || pg->order != order ||
        order > MAX_ORDER) {
        rc = -EINVAL;
    } else {
        for (uint64_t i = 0; i < (1ULL << order); i++) {
            pg[i].flags = (pg[i].flags & ~PGF_STATE) | PGF_ALLOCATED;
            pg[i].order = 0;
            pg[i].owner = NULL;
            pg[i].count_info = 0;
        }
    }
    spin_unlock_irqrestore(&heap_lock, flags);
    return rc;
}
