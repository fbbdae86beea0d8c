// SPDX-License-Identifier: MIT
/*
 * The FIFO event-channel ABI (Xen 4.17's EVTCHNOP_init_control, expand_array, set_priority):
 * one 32-bit event word per port in guest pages (PENDING, MASKED, LINKED, BUSY and a 17-bit
 * LINK to the next port), per vCPU a control block with 16 priority queues (a READY bit and a
 * HEAD port each). Raising a port links its word onto the tail of its queue; the guest
 * consumes from the head. See event_private.h for the locking rules.
 */
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>
#include <tern/xmalloc.h>
#include "event_private.h"

#define WORDS_PER_PAGE (PAGE_SIZE / sizeof(event_word_t))
#define MAX_ARRAY_PAGES (EVTCHN_FIFO_NR_CHANNELS / WORDS_PER_PAGE)
#define P_BIT (1u << EVTCHN_FIFO_PENDING)
#define M_BIT (1u << EVTCHN_FIFO_MASKED)
#define L_BIT (1u << EVTCHN_FIFO_LINKED)
#define B_BIT (1u << EVTCHN_FIFO_BUSY)

struct fifo_queue {
    uint32_t *head; /* HEAD of this priority in the vCPU's control block */
    uint32_t tail;  /* last port linked, 0 when empty as far as Tern knows */
    uint8_t priority;
    spinlock_t lock;
};

struct fifo_vcpu {
    struct evtchn_fifo_control_block *cb; /* NULL until the guest registers it */
    struct page_info *cb_page;            /* referenced while registered */
    struct fifo_queue q[EVTCHN_FIFO_MAX_QUEUES];
};

struct evtchn_fifo {
    unsigned int nr_vcpus;
    struct fifo_vcpu *vcpu;
    unsigned int num_words; /* ports with an event word: pages * WORDS_PER_PAGE */
    event_word_t *array[MAX_ARRAY_PAGES];
    struct page_info *array_page[MAX_ARRAY_PAGES];
};

static event_word_t *word_of(struct evtchn_fifo *f, evtchn_port_t port)
{
    /* Pages are published before the count that covers them (expand_array). */
    unsigned int n = __atomic_load_n(&f->num_words, __ATOMIC_ACQUIRE);

    if (port >= n)
        return NULL;
    port = array_index_nospec(port, n);
    return f->array[port / WORDS_PER_PAGE] + port % WORDS_PER_PAGE;
}

static uint32_t word_load(const event_word_t *w)
{
    return __atomic_load_n(w, __ATOMIC_ACQUIRE);
}

/* A frame of d's own RAM for Tern to keep using, with its reference (Xen's map_guest_page). */
static void *map_guest_frame(struct domain *d, uint64_t gfn, struct page_info **pg)
{
    enum p2m_type t;

    *pg = p2m_get_page(d, gfn, &t);
    if (!*pg)
        return NULL;
    if (t != p2m_ram_rw || (*pg)->owner != d) {
        put_page(*pg);
        *pg = NULL;
        return NULL;
    }
    return page_to_virt(*pg);
}

/* ---- queues ----------------------------------------------------------------------------- */

/* Both queues locked, in address order (one lock when they are the same). */
static unsigned long lock_queues(struct fifo_queue *a, struct fifo_queue *b)
{
    unsigned long flags = local_irq_save();

    if (a == b) {
        spin_lock(&a->lock);
    } else {
        spin_lock(&(a < b ? a : b)->lock);
        spin_lock(&(a < b ? b : a)->lock);
    }
    return flags;
}

static void unlock_queues(struct fifo_queue *a, struct fifo_queue *b, unsigned long flags)
{
    spin_unlock(&a->lock);
    if (a != b)
        spin_unlock(&b->lock);
    local_irq_restore(flags);
}

/* Set the tail's LINK to port if the tail is still LINKED: 1 done, 0 not linked, -1 the
 * guest changed the word meanwhile (w is then its new value). */
static int try_link(event_word_t *word, uint32_t *w, uint32_t port)
{
    uint32_t new;

    if (!(*w & L_BIT))
        return 0;
    new = (*w & ~(B_BIT | EVTCHN_FIFO_LINK_MASK)) | port;
    return __atomic_compare_exchange_n(word, w, new, false, __ATOMIC_ACQ_REL,
                                       __ATOMIC_ACQUIRE) ? 1 : -1;
}

/*
 * Link port after the queue's tail. While the tail is LINKED the guest may only set or clear
 * MASKED, clear PENDING, or unlink it; BUSY stops it from unmasking (which would race the
 * link), so after BUSY is set the compare-and-swap can fail only a few more times.
 */
static bool link_after(event_word_t *tail, uint32_t port)
{
    uint32_t w = word_load(tail);
    int r = try_link(tail, &w, port);

    if (r >= 0)
        return r;
    __atomic_fetch_or(tail, B_BIT, __ATOMIC_ACQ_REL);
    w = word_load(tail);
    for (int tries = 0; tries < 4; tries++) {
        r = try_link(tail, &w, port);
        if (r >= 0) {
            if (!r)
                __atomic_fetch_and(tail, ~B_BIT, __ATOMIC_ACQ_REL);
            return r;
        }
    }
    /* A guest flipping the word on purpose: give up on linking; the event stays pending. */
    __atomic_fetch_and(tail, ~B_BIT, __ATOMIC_ACQ_REL);
    return true;
}

void evtchn_fifo_set_pending(struct domain *d, struct evtchn_fifo *f, struct vcpu *v,
                             struct evtchn *chn, evtchn_port_t port)
{
    event_word_t *word = word_of(f, port);
    struct fifo_queue *q = NULL, *old = NULL;
    struct fifo_vcpu *fv;
    unsigned long flags = 0;
    bool linked = true, newly_pending = false;
    int tries;

    if (!word) {
        /* No page for this word yet: raised again when expand_array adds it. */
        __atomic_store_n(&chn->fifo_saved, 1, __ATOMIC_RELEASE);
        return;
    }
    if (!v || v->vcpu_id >= f->nr_vcpus)
        return;
    fv = &f->vcpu[v->vcpu_id];

    /* Lock the queue it goes on and the one it was last linked on, which may differ after a
     * priority change or bind_vcpu; both may move again while we wait: retry a few times. */
    for (tries = 0; tries < 3; tries++) {
        uint16_t lv = __atomic_load_n(&chn->last_vcpu, __ATOMIC_ACQUIRE);
        uint8_t lp = __atomic_load_n(&chn->last_priority, __ATOMIC_ACQUIRE);
        uint8_t pr = __atomic_load_n(&chn->priority, __ATOMIC_ACQUIRE);

        q = &fv->q[pr % EVTCHN_FIFO_MAX_QUEUES];
        old = &f->vcpu[lv < f->nr_vcpus ? lv : 0].q[lp % EVTCHN_FIFO_MAX_QUEUES];
        flags = lock_queues(q, old);
        if (lv == chn->last_vcpu && lp == chn->last_priority && pr == chn->priority)
            break;
        unlock_queues(q, old, flags);
    }
    if (tries == 3) {
        printk(XENLOG_WARNING "d%u: event on port %u lost (its queue kept changing)\n",
               d->domain_id, port);
        return;
    }
    /* The guest must not unmask before its control block exists: drop the event. */
    if (!fv->cb)
        goto unlock;

    newly_pending = !(__atomic_fetch_or(word, P_BIT, __ATOMIC_ACQ_REL) & P_BIT);
    if (!(word_load(word) & M_BIT) &&
        !(__atomic_fetch_or(word, L_BIT, __ATOMIC_ACQ_REL) & L_BIT)) {
        /* Was it the tail of its previous queue? Then that queue is empty now. */
        if (old->tail == port)
            old->tail = 0;
        if (old != q) {
            __atomic_store_n(&chn->last_vcpu, (uint16_t)v->vcpu_id, __ATOMIC_RELEASE);
            __atomic_store_n(&chn->last_priority, q->priority, __ATOMIC_RELEASE);
            spin_unlock(&old->lock);
            old = q;
        }
        linked = false;
        if (q->tail) {
            event_word_t *tail = word_of(f, q->tail);
            linked = tail && link_after(tail, port);
        }
        if (!linked)
            __atomic_store_n(q->head, port, __ATOMIC_RELEASE);
        q->tail = port;
    }
unlock:
    unlock_queues(q, old, flags);
    /* An empty queue got its first event: tell the vCPU it has work at this priority. */
    if (!linked && !(__atomic_fetch_or(&fv->cb->ready, 1u << q->priority, __ATOMIC_ACQ_REL) &
                     (1u << q->priority)))
        evtchn_mark_upcall_pending(v);
    if (newly_pending)
        evtchn_wake_pollers(d, port);
}

void evtchn_fifo_clear_pending(struct evtchn_fifo *f, evtchn_port_t port)
{
    event_word_t *word = word_of(f, port);

    /* Only the PENDING bit: the guest unlinks non-pending events it finds itself. */
    if (word)
        __atomic_fetch_and(word, ~P_BIT, __ATOMIC_ACQ_REL);
}

void evtchn_fifo_unmask(struct domain *d, struct evtchn_fifo *f, struct evtchn *chn,
                        evtchn_port_t port)
{
    event_word_t *word = word_of(f, port);

    if (!word)
        return;
    __atomic_fetch_and(word, ~M_BIT, __ATOMIC_ACQ_REL);
    /* A pending event that could not be linked while masked is linked now. */
    if (word_load(word) & P_BIT)
        evtchn_fifo_set_pending(d, f, evtchn_vcpu_of(d, chn->notify_vcpu), chn, port);
}

bool evtchn_fifo_is_pending(struct evtchn_fifo *f, evtchn_port_t port)
{
    event_word_t *word = word_of(f, port);
    return word && (word_load(word) & P_BIT);
}

bool evtchn_fifo_is_masked(struct evtchn_fifo *f, evtchn_port_t port)
{
    event_word_t *word = word_of(f, port);
    return !word || (word_load(word) & M_BIT);
}

bool evtchn_fifo_is_busy(struct evtchn_fifo *f, evtchn_port_t port)
{
    event_word_t *word = word_of(f, port);
    return word && (word_load(word) & L_BIT);
}

/* ---- set-up and teardown ------------------------------------------------------------------ */

static struct evtchn_fifo *fifo_alloc(struct domain *d)
{
    struct evtchn_fifo *f = xmalloc(struct evtchn_fifo);

    if (!f)
        return NULL;
    f->nr_vcpus = d->max_vcpus;
    f->vcpu = xmalloc_array(struct fifo_vcpu, f->nr_vcpus);
    if (!f->vcpu) {
        xfree(f);
        return NULL;
    }
    for (unsigned int i = 0; i < f->nr_vcpus; i++)
        for (unsigned int p = 0; p < EVTCHN_FIFO_MAX_QUEUES; p++) {
            spin_lock_init(&f->vcpu[i].q[p].lock);
            f->vcpu[i].q[p].priority = (uint8_t)p;
        }
    return f;
}

static void fifo_free(struct evtchn_fifo *f)
{
    for (unsigned int i = 0; i < f->nr_vcpus; i++)
        if (f->vcpu[i].cb_page)
            put_page(f->vcpu[i].cb_page);
    for (unsigned int i = 0; i < MAX_ARRAY_PAGES; i++)
        if (f->array_page[i])
            put_page(f->array_page[i]);
    xfree(f->vcpu);
    xfree(f);
}

void evtchn_fifo_destroy(struct domain *d)
{
    struct evtchn_fifo *f = d->evtchn->fifo;

    if (!f)
        return;
    __atomic_store_n(&d->evtchn->fifo, NULL, __ATOMIC_RELEASE);
    fifo_free(f);
}

int evtchn_fifo_init_control(struct domain *d, struct evtchn_init_control *ic)
{
    struct evtchn_domain *e = d->evtchn;
    struct evtchn_fifo *f, *fresh = NULL;
    struct page_info *pg;
    struct vcpu *v;
    unsigned long flags;
    uint8_t *frame;
    int rc = 0;

    ic->link_bits = EVTCHN_FIFO_LINK_BITS;
    if (!(v = evtchn_vcpu_of(d, ic->vcpu)))
        return -ENOENT;
    /* Inside one page, 8-byte aligned (Xen's checks, in Xen's order). */
    if (ic->offset > PAGE_SIZE - sizeof(struct evtchn_fifo_control_block) || (ic->offset & 7))
        return -EINVAL;
    if (!e->fifo && !(fresh = fifo_alloc(d)))
        return -ENOMEM;
    frame = map_guest_frame(d, ic->control_gfn, &pg);

    flags = local_irq_save();
    spin_lock(&e->lock);
    f = e->fifo ? e->fifo : fresh;
    if (!frame) {
        rc = -EINVAL;
    } else if (e->dying) {
        rc = -EINVAL;
    } else if (f->vcpu[v->vcpu_id].cb) {
        rc = -EINVAL; /* once per vCPU */
    } else {
        struct fifo_vcpu *fv = &f->vcpu[v->vcpu_id];
        struct evtchn_fifo_control_block *cb = (void *)(frame + ic->offset);

        for (unsigned int p = 0; p < EVTCHN_FIFO_MAX_QUEUES; p++)
            fv->q[p].head = &cb->head[p];
        fv->cb_page = pg;
        __atomic_store_n(&fv->cb, cb, __ATOMIC_RELEASE);
        pg = NULL; /* the reference now belongs to the control block */
    }
    if (!rc && f == fresh) {
        /* The switch: what the 2-level bits say is pending is raised again once its event
         * word exists; every port starts at the default priority. */
        for (evtchn_port_t port = 1; port < e->valid; port++) {
            struct evtchn *chn = evtchn_port_chn(d, port);
            chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
            chn->last_priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
            chn->last_vcpu = 0;
            chn->fifo_saved = d->shared_info &&
                              (__atomic_load_n(&d->shared_info->evtchn_pending[port / 64],
                                               __ATOMIC_ACQUIRE) & (1ULL << (port % 64)));
        }
        __atomic_store_n(&e->fifo, f, __ATOMIC_RELEASE);
        fresh = NULL;
    }
    spin_unlock(&e->lock);
    local_irq_restore(flags);
    if (pg)
        put_page(pg);
    if (fresh)
        fifo_free(fresh);
    return rc;
}

int evtchn_fifo_expand_array(struct domain *d, uint64_t gfn)
{
    struct evtchn_domain *e = d->evtchn;
    struct page_info *pg = NULL;
    struct evtchn_fifo *f;
    unsigned long flags;
    unsigned int first, slot;
    int rc = 0;

    flags = local_irq_save();
    spin_lock(&e->lock);
    f = e->fifo;
    if (!f) {
        rc = -EOPNOTSUPP;
        goto out;
    }
    first = f->num_words;
    slot = first / WORDS_PER_PAGE;
    if (slot >= MAX_ARRAY_PAGES) {
        rc = -ENOSPC;
        goto out;
    }
    event_word_t *array = map_guest_frame(d, gfn, &pg);
    if (!array) {
        rc = -EINVAL;
        goto out;
    }
    f->array[slot] = array;
    f->array_page[slot] = pg;
    pg = NULL;
    __atomic_store_n(&f->num_words, first + WORDS_PER_PAGE, __ATOMIC_RELEASE);
    /* Events raised while these words had no page are raised now. */
    for (evtchn_port_t port = first; port < first + WORDS_PER_PAGE && port < e->valid; port++) {
        struct evtchn *chn = evtchn_port_chn(d, port);
        if (chn->state != ECS_FREE && __atomic_exchange_n(&chn->fifo_saved, 0, __ATOMIC_ACQ_REL))
            evtchn_fifo_set_pending(d, f, evtchn_vcpu_of(d, chn->notify_vcpu), chn, port);
    }
out:
    spin_unlock(&e->lock);
    local_irq_restore(flags);
    return rc;
}
