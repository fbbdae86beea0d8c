/* SPDX-License-Identifier: MIT */
/*
 * Machine-frame allocator: a binary buddy system over the frame table.
 *
 * Every machine frame below max_mfn has a struct page_info in the frame table. The allocator
 * keeps all of its state in the frame table and its free lists; it never reads or writes the
 * frames themselves, which is what lets the host unit tests run it on a fake frame space.
 *
 * Call order: page_alloc_init() once with the frame table, then page_alloc_add_free() for each
 * free RAM range (from the boot allocator), then alloc_pages()/free_pages() from any CPU.
 */
#ifndef TERN_PAGE_ALLOC_H
#define TERN_PAGE_ALLOC_H

#include <tern/types.h>

#define MAX_ORDER 20 /* largest block: 2^20 frames = 4 GiB */

/* page_info.flags: the allocator's view of a frame, changed under its lock. */
#define PGF_FREE (1u << 0)     /* on a free list, as the head of a 2^order block */
#define PGF_RESERVED (1u << 1) /* never handed to the allocator (firmware, image, holes) */
#define PGF_ALLOCATED (1u << 2) /* head of an allocated block */
#define PGF_HEAP (1u << 3)      /* allocated block owned by xmalloc (see heap_* fields) */

struct page_list {
    struct page_list *next, *prev;
};

/* Circular doubly-linked lists of frames (free lists, a domain's pages). */
static inline void page_list_init(struct page_list *head)
{
    head->next = head->prev = head;
}

static inline void page_list_add(struct page_list *node, struct page_list *head)
{
    node->next = head->next;
    node->prev = head;
    head->next->prev = node;
    head->next = node;
}

static inline void page_list_del(struct page_list *node)
{
    node->prev->next = node->next;
    node->next->prev = node->prev;
    node->next = node->prev = NULL;
}

struct domain;

/*
 * One per machine frame. The allocator owns list (while free), flags and order; xmalloc owns
 * heap_class/heap_inuse of its pages; a frame given to a domain has an owner and a reference
 * count in count_info (tern/page_ref.h), which the allocator only checks is zero.
 */
struct page_info {
    struct page_list list; /* free list, or the owning domain's page list */
    union {
        struct domain *owner; /* a domain's frame, or a Tern frame shared with it */
        struct {
            uint8_t heap_class;  /* PGF_HEAP: xmalloc size class, or its large-block mark */
            uint8_t heap_pad;
            uint16_t heap_inuse; /* PGF_HEAP: objects in use on a size-class page */
        };
    };
    uint32_t count_info; /* PGC_* flags and reference count (tern/page_ref.h); atomic */
    uint16_t flags;      /* PGF_* */
    uint8_t order;       /* valid on the head frame of a free or allocated block */
    uint8_t pad;
};
/* The frame table costs this much per 4 KiB of RAM; keep it small. */
_Static_assert(sizeof(struct page_info) <= 32, "struct page_info must stay within 32 bytes");

/* Size the frame table for frames [0, max_mfn): bytes the caller must provide. */
size_t page_alloc_frame_table_size(mfn_t max_mfn);

/* Take ownership of the frame table (zeroed by this call); all frames start reserved. */
void page_alloc_init(struct page_info *frame_table, mfn_t max_mfn);

/* Hand frames [start, start+nr) to the allocator as free; merges with free neighbours. */
void page_alloc_add_free(mfn_t start, uint64_t nr);

/* Allocate 2^order contiguous, naturally aligned frames; NULL when none is available. */
struct page_info *alloc_pages(unsigned int order);
/* Same, but only frames below limit_mfn (e.g. for memory that 32-bit code must reach). */
struct page_info *alloc_pages_below(unsigned int order, mfn_t limit_mfn);
/* Give back a block from alloc_pages(); order must be the one it was allocated with. */
void free_pages(struct page_info *pg, unsigned int order);

/* Make each frame of an allocated 2^order block its own order-0 allocation. 0 or -EINVAL. */
int split_allocated_block(struct page_info *pg, unsigned int order);

struct page_info *mfn_to_page(mfn_t mfn);
mfn_t page_to_mfn(const struct page_info *pg);

/* Counters, in frames. */
uint64_t page_alloc_free_count(void);
uint64_t page_alloc_total_count(void); /* frames ever handed in with page_alloc_add_free() */

/* Self-check of all invariants (lists, flags, counts, no overlapping or unmerged buddies).
 * Returns 0 or a negative errno and describes the first violation through the print hook. */
int page_alloc_check(void);

#endif
