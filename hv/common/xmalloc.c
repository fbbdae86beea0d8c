// SPDX-License-Identifier: MIT
// Tern's heap: power-of-two size classes carved from single pages, large blocks from alloc_pages.
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/spinlock.h>
#include <tern/xmalloc.h>

/*
 * A heap page is an allocated block with PGF_HEAP set in its page_info, which also says what
 * it holds: heap_class is a size class (object size 16 << class) or HEAP_LARGE for a block of
 * 2^order pages holding one object. A size-class page counts its live objects in heap_inuse and
 * sits on its class's page list through page_info.list. Free objects of a class, from all of
 * its pages, form one doubly linked list through the objects themselves, so that a page that
 * becomes empty can unlink its objects in constant time each and go back to alloc_pages.
 */
#define MIN_SHIFT 4
#define NR_CLASSES (PAGE_SHIFT - MIN_SHIFT) /* 16 .. 2048 bytes */
#define MAX_SMALL (PAGE_SIZE / 2)
#define HEAP_LARGE 0xff
#define FREE_MAGIC 0x46524545d0d0cafeULL /* in word 2 of a free object of 32 bytes or more */

struct free_obj {
    struct free_obj *next, *prev;
    uint64_t magic; /* only present in classes of 32 bytes and up */
};

struct size_class {
    struct free_obj free;    /* sentinel of the circular free-object list */
    struct page_list pages;  /* this class's pages */
    size_t nr_pages;
    size_t nr_free;
};

static DEFINE_SPINLOCK(xmalloc_lock); /* taken before the page allocator's, never after */
static struct size_class classes[NR_CLASSES];
static struct page_list large_blocks;
static bool initialised;
static size_t used_bytes;
static size_t pages_held;

static size_t class_size(unsigned int c)
{
    return (size_t)1 << (c + MIN_SHIFT);
}

static size_t objs_per_page(unsigned int c)
{
    return PAGE_SIZE / class_size(c);
}

static void obj_push(struct size_class *sc, struct free_obj *o, unsigned int c)
{
    o->next = sc->free.next;
    o->prev = &sc->free;
    sc->free.next->prev = o;
    sc->free.next = o;
    if (class_size(c) >= sizeof(struct free_obj))
        o->magic = FREE_MAGIC;
    sc->nr_free++;
}

static void obj_unlink(struct size_class *sc, struct free_obj *o)
{
    o->prev->next = o->next;
    o->next->prev = o->prev;
    sc->nr_free--;
}

/* The lists are static; set them up on first use instead of needing an init call. */
static void init_once(void)
{
    if (initialised)
        return;
    for (unsigned int c = 0; c < NR_CLASSES; c++) {
        classes[c].free.next = classes[c].free.prev = &classes[c].free;
        page_list_init(&classes[c].pages);
    }
    page_list_init(&large_blocks);
    initialised = true;
}

static unsigned int size_to_class(size_t size)
{
    unsigned int c = 0;

    while (class_size(c) < size)
        c++;
    return c;
}

/* Give a size class one more page, carved into free objects. Called with the lock held. */
static bool class_grow(unsigned int c)
{
    struct size_class *sc = &classes[c];
    struct page_info *pg = alloc_pages(0);
    char *va;

    if (!pg)
        return false;
    pg->flags |= PGF_HEAP;
    pg->heap_class = (uint8_t)c;
    pg->heap_inuse = 0;
    page_list_add(&pg->list, &sc->pages);
    sc->nr_pages++;
    pages_held++;
    va = page_to_virt(pg);
    /* Backwards, so that objects are handed out in address order. */
    for (size_t i = objs_per_page(c); i-- > 0;)
        obj_push(sc, (struct free_obj *)(va + i * class_size(c)), c);
    return true;
}

static void *alloc_small(size_t size)
{
    unsigned int c = size_to_class(size);
    struct size_class *sc = &classes[c];
    struct free_obj *o = NULL;
    unsigned long flags;

    spin_lock_irqsave(&xmalloc_lock, flags);
    init_once();
    if (sc->free.next != &sc->free || class_grow(c)) {
        o = sc->free.next;
        obj_unlink(sc, o);
        virt_to_page(o)->heap_inuse++;
        used_bytes += class_size(c);
    }
    spin_unlock_irqrestore(&xmalloc_lock, flags);
    if (o)
        memset(o, 0, class_size(c));
    return o;
}

static void *alloc_large(size_t size)
{
    unsigned int order = 0;
    struct page_info *pg;
    unsigned long flags;
    void *va;

    while (order < MAX_ORDER && (PAGE_SIZE << order) < size)
        order++;
    if ((PAGE_SIZE << order) < size)
        return NULL;

    spin_lock_irqsave(&xmalloc_lock, flags);
    init_once();
    pg = alloc_pages(order);
    if (pg) {
        pg->flags |= PGF_HEAP;
        pg->heap_class = HEAP_LARGE;
        page_list_add(&pg->list, &large_blocks);
        used_bytes += PAGE_SIZE << order;
        pages_held += (size_t)1 << order;
    }
    spin_unlock_irqrestore(&xmalloc_lock, flags);
    if (!pg)
        return NULL;
    va = page_to_virt(pg);
    memset(va, 0, PAGE_SIZE << order);
    return va;
}

void *xmalloc_bytes(size_t size)
{
    if (!size)
        size = 1; /* a distinct, freeable object, so callers need no special case */
    return size <= MAX_SMALL ? alloc_small(size) : alloc_large(size);
}

void *xmalloc_aligned(size_t size, size_t align)
{
    if (!align)
        align = 1;
    if ((align & (align - 1)) || align > PAGE_SIZE)
        return NULL;
    /* Objects are aligned to their power-of-two class size, large blocks to a page. */
    return xmalloc_bytes(MAX(size, align));
}

void *xmalloc_array_bytes(size_t elem, size_t n)
{
    if (elem && n > SIZE_MAX / elem)
        return NULL;
    return xmalloc_bytes(elem * n);
}

static bool on_free_list(const struct size_class *sc, const struct free_obj *o)
{
    for (const struct free_obj *f = sc->free.next; f != &sc->free; f = f->next)
        if (f == o)
            return true;
    return false;
}

/* Put an object back; an empty page goes back to the page allocator. Lock held. */
static void free_small(struct page_info *pg, char *p, size_t off)
{
    unsigned int c = pg->heap_class;
    struct size_class *sc = &classes[c];
    char *va;

    if (off % class_size(c) || !pg->heap_inuse) {
        printk(XENLOG_ERR "xfree: %p is not an object of the %zu-byte class\n", (void *)p,
               class_size(c));
        return;
    }
    /* The magic can also be live data, so only the list decides that it is a double free. */
    if (class_size(c) >= sizeof(struct free_obj) && ((struct free_obj *)p)->magic == FREE_MAGIC &&
        on_free_list(sc, (struct free_obj *)p)) {
        printk(XENLOG_ERR "xfree: double free of %p\n", (void *)p);
        return;
    }
    obj_push(sc, (struct free_obj *)p, c);
    used_bytes -= class_size(c);
    if (--pg->heap_inuse)
        return;

    va = p - off;
    for (size_t i = 0; i < objs_per_page(c); i++)
        obj_unlink(sc, (struct free_obj *)(va + i * class_size(c)));
    page_list_del(&pg->list);
    sc->nr_pages--;
    pages_held--;
    free_pages(pg, 0);
}

void xfree(void *p)
{
    struct page_info *pg;
    unsigned long flags;
    size_t off;

    if (!p)
        return;
    pg = virt_to_page(p);
    spin_lock_irqsave(&xmalloc_lock, flags);
    if (!pg || (pg->flags & (PGF_ALLOCATED | PGF_HEAP)) != (PGF_ALLOCATED | PGF_HEAP) ||
        (pg->heap_class != HEAP_LARGE && pg->heap_class >= NR_CLASSES)) {
        printk(XENLOG_ERR "xfree: %p is not from xmalloc\n", p);
        goto out;
    }
    off = (size_t)((char *)p - (char *)page_to_virt(pg));
    if (pg->heap_class != HEAP_LARGE) {
        free_small(pg, p, off);
        goto out;
    }
    if (off) {
        printk(XENLOG_ERR "xfree: %p is inside a large block, not its start\n", p);
        goto out;
    }
    page_list_del(&pg->list);
    used_bytes -= PAGE_SIZE << pg->order;
    pages_held -= (size_t)1 << pg->order;
    free_pages(pg, pg->order);
out:
    spin_unlock_irqrestore(&xmalloc_lock, flags);
}

size_t xmalloc_used_bytes(void)
{
    return __atomic_load_n(&used_bytes, __ATOMIC_RELAXED);
}

size_t xmalloc_pages_held(void)
{
    return __atomic_load_n(&pages_held, __ATOMIC_RELAXED);
}

/* One class: its pages, its free objects, and that together they account for every object. */
static int check_class(unsigned int c, size_t *used, size_t *pages)
{
    struct size_class *sc = &classes[c];
    size_t nr_pages = 0, inuse = 0, nr_free = 0;

    for (struct page_list *n = sc->pages.next; n != &sc->pages; n = n->next) {
        struct page_info *pg = container_of(n, struct page_info, list);

        if (++nr_pages > sc->nr_pages || n->next->prev != n) {
            printk(XENLOG_ERR "xmalloc: page list of class %zu broken\n", class_size(c));
            return -EFAULT;
        }
        if (!(pg->flags & PGF_ALLOCATED) || !(pg->flags & PGF_HEAP) || pg->order ||
            pg->heap_class != c || !pg->heap_inuse || pg->heap_inuse > objs_per_page(c)) {
            printk(XENLOG_ERR "xmalloc: class %zu page has flags %#x order %u class %u "
                   "inuse %u\n", class_size(c), pg->flags, pg->order, pg->heap_class,
                   pg->heap_inuse);
            return -EINVAL;
        }
        inuse += pg->heap_inuse;
    }
    for (struct free_obj *o = sc->free.next; o != &sc->free; o = o->next) {
        struct page_info *pg = virt_to_page(o);
        size_t off;

        /* Where the object is first, then its links: they are read from it. */
        if (!pg || !(pg->flags & PGF_HEAP) || pg->heap_class != c) {
            printk(XENLOG_ERR "xmalloc: free object %p of class %zu is not on one of its "
                   "pages\n", (void *)o, class_size(c));
            return -EINVAL;
        }
        if (++nr_free > sc->nr_free || o->next->prev != o) {
            printk(XENLOG_ERR "xmalloc: free list of class %zu broken\n", class_size(c));
            return -EFAULT;
        }
        off = (size_t)((char *)o - (char *)page_to_virt(pg));
        if (off % class_size(c) ||
            (class_size(c) >= sizeof(*o) && o->magic != FREE_MAGIC)) {
            printk(XENLOG_ERR "xmalloc: free object %p of class %zu misplaced or "
                   "overwritten\n", (void *)o, class_size(c));
            return -EINVAL;
        }
    }
    if (nr_pages != sc->nr_pages || nr_free != sc->nr_free ||
        inuse + nr_free != nr_pages * objs_per_page(c)) {
        printk(XENLOG_ERR "xmalloc: class %zu: %zu pages (counted %zu), %zu in use + %zu free "
               "(counted %zu)\n", class_size(c), nr_pages, sc->nr_pages, inuse, nr_free,
               sc->nr_free);
        return -EINVAL;
    }
    *used += inuse * class_size(c);
    *pages += nr_pages;
    return 0;
}

static int check_large(size_t *used, size_t *pages)
{
    size_t limit = pages_held;

    for (struct page_list *n = large_blocks.next; n != &large_blocks; n = n->next) {
        struct page_info *pg = container_of(n, struct page_info, list);

        if (!limit-- || n->next->prev != n) {
            printk(XENLOG_ERR "xmalloc: list of large blocks broken\n");
            return -EFAULT;
        }
        if (!(pg->flags & PGF_ALLOCATED) || !(pg->flags & PGF_HEAP) ||
            pg->heap_class != HEAP_LARGE) {
            printk(XENLOG_ERR "xmalloc: large block has flags %#x class %u\n", pg->flags,
                   pg->heap_class);
            return -EINVAL;
        }
        *used += PAGE_SIZE << pg->order;
        *pages += (size_t)1 << pg->order;
    }
    return 0;
}

int xmalloc_check(void)
{
    size_t used = 0, pages = 0;
    unsigned long flags;
    int rc = 0;

    spin_lock_irqsave(&xmalloc_lock, flags);
    init_once();
    for (unsigned int c = 0; c < NR_CLASSES && !rc; c++)
        rc = check_class(c, &used, &pages);
    if (!rc)
        rc = check_large(&used, &pages);
    if (!rc && (used != used_bytes || pages != pages_held)) {
        printk(XENLOG_ERR "xmalloc: counters say %zu bytes in %zu pages, found %zu in %zu\n",
               used_bytes, pages_held, used, pages);
        rc = -EINVAL;
    }
    spin_unlock_irqrestore(&xmalloc_lock, flags);
    return rc;
}
