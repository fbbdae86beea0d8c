/* SPDX-License-Identifier: MIT */
/* memory_op arguments: reservations, physmap changes, queries, and ops Tern leaves out. */
#include "fuzz.h"

/* A frame list of n entries at the end of lane `lane` (n = 0: the lane's end). */
static uint64_t *gfn_list(struct fz *f, unsigned int lane, unsigned int n,
                          enum fz_gfn_use use, unsigned int order)
{
    uint64_t *list = fz_lane_tail(f, lane, n * sizeof(uint64_t));

    for (unsigned int i = 0; i < n; i++) {
        /*
         * Orders Tern (and Xen for a domU) refuses never name a frame that is not ours to
         * free: should Tern ever accept them, the extent could reach into a slice another
         * vCPU owns, or into the runtime.
         */
        if (use == GFN_RELEASE && order > 9)
            list[i] = ~0ULL - below(f, 1ULL << 20);
        else
            list[i] = fz_gfn_order(f, use, order);
    }
    return list;
}

static unsigned int list_len(struct fz *f)
{
    switch (PICK(f, 10, 40, 30, 20)) {
    case 0:
        return 0;
    case 1:
        return 1;
    case 2:
        return 2 + (unsigned int)below(f, 7);
    default:
        return 9 + (unsigned int)below(f, 56);
    }
}

static uint64_t count_for(struct fz *f, unsigned int n)
{
    static const uint64_t huge[] = { 1ULL << 32, ~0ULL, ~0ULL >> MEMOP_EXTENT_SHIFT,
                                     (~0ULL >> MEMOP_EXTENT_SHIFT) + 1, 0x7fffffff, 257, 1024 };

    switch (PICK(f, 55, 10, 10, 10, 15)) {
    case 0:
        return n;
    case 1: /* one more than the list: the last is read from the unmapped page */
        return n + 1;
    case 2:
        return 0;
    case 3:
        return below(f, n + 1);
    default:
        return huge[below(f, ARRAY_SIZE(huge))];
    }
}

static unsigned int order_for(struct fz *f)
{
    switch (PICK(f, 60, 25, 10, 5)) {
    case 0:
        return 0;
    case 1:
        return 9;
    case 2:
        return 1 + (unsigned int)below(f, 20);
    default:
        return fz_u32(f);
    }
}

static void gen_reservation(struct fz *f, struct fz_call *c, unsigned int op)
{
    static const char *const names[] = {
        [XENMEM_increase_reservation] = "memory_op/increase_reservation",
        [XENMEM_decrease_reservation] = "memory_op/decrease_reservation",
        [XENMEM_populate_physmap] = "memory_op/populate_physmap",
    };
    enum fz_gfn_use use = op == XENMEM_decrease_reservation ? GFN_RELEASE : GFN_POPULATE;
    unsigned int order = order_for(f), n = list_len(f);
    uint64_t *list = gfn_list(f, 0, n, use, order);
    struct xen_memory_reservation *r = fz_lane_struct(f, sizeof(*r));
    uint64_t start = 0;

    switch (PICK(f, 75, 10, 15)) {
    case 0:
        r->extent_start_gva = (uintptr_t)list;
        break;
    case 1:
        r->extent_start_gva = fz_bad_ptr(f);
        break;
    default:
        /*
         * A list read from the arena, whatever it holds: only for increase_reservation,
         * which reads no frame numbers. Populating at random frames would, as on Xen,
         * replace our own RAM (the runtime's IDT, say) with fresh zeroed frames.
         */
        r->extent_start_gva = op != XENMEM_increase_reservation ? fz_bad_ptr(f)
                              : (FZ_ARENA_GFN + below(f, cfg.arena_hi - FZ_ARENA_GFN)) *
                                    PAGE_SIZE + (below(f, PAGE_SIZE) & ~7ULL);
        break;
    }
    r->nr_extents = count_for(f, n);
    r->extent_order = order;
    r->mem_flags = pct(f, 70) ? 0 : fz_u32(f);
    r->domid = fz_domid(f);
    if (one_in(f, 8))
        fz_fill(f, r->pad, sizeof(r->pad));
    /*
     * The continuation's start extent, which the guest is not meant to set itself. A large
     * one makes Tern read the list at extent_start + start * 8, anywhere: for a decrease,
     * only past nr_extents (nothing is read) or within our list.
     */
    if (one_in(f, 10)) {
        start = one_in(f, 2) ? below(f, n + 2) : fz_u64(f) >> MEMOP_EXTENT_SHIFT;
        if (use == GFN_RELEASE && start > n + 1 && start < r->nr_extents)
            start = r->nr_extents + below(f, 4);
    }
    c->nr = __HYPERVISOR_memory_op;
    c->name = names[op];
    c->removes = use == GFN_RELEASE;
    c->a[0] = op | (start << MEMOP_EXTENT_SHIFT);
    c->a[1] = fz_pass(f, c, r, sizeof(*r), 16);
    /* Extents done so far: never more than asked (or the start, returned as it is). */
    c->max_rc = (int64_t)MIN(MAX(r->nr_extents, start), (uint64_t)INT64_MAX);
}

static void gen_add_to_physmap(struct fz *f, struct fz_call *c)
{
    struct xen_add_to_physmap *x = fz_lane_struct(f, sizeof(*x));

    x->domid = fz_domid(f);
    x->size = (uint16_t)fz_u32(f);
    x->space = PICK(f, 15, 50, 10, 5, 5, 5, 10);
    if (x->space > XENMAPSPACE_dev_mmio)
        x->space = fz_u32(f);
    switch (x->space) {
    case XENMAPSPACE_shared_info:
        x->idx = pct(f, 80) ? 0 : fz_u64(f);
        break;
    case XENMAPSPACE_grant_table:
        x->idx = pct(f, 60) ? below(f, 70) : pct(f, 25) ? below(f, 70) |
                 XENMAPIDX_grant_table_status : fz_u64(f);
        break;
    case XENMAPSPACE_gmfn:
    case XENMAPSPACE_gmfn_range:
        /* The source frame(s) would move away: only frames that are ours to lose. */
        x->idx = fz_gfn(f, GFN_RELEASE);
        x->size = (uint16_t)below(f, 4);
        break;
    default:
        x->idx = fz_u64(f);
        break;
    }
    /*
     * Moving shared_info away from the frame the runtime reads it at would blind the
     * runtime (events, time): for our own domain it only goes back where it is. Elsewhere,
     * whatever was at gpfn is released, so gpfn is one of the frames we may lose.
     */
    if (x->space == XENMAPSPACE_shared_info && fz_is_self(x->domid) && x->idx == 0)
        x->gpfn = cfg.shinfo_gfn;
    else if (x->space <= XENMAPSPACE_grant_table)
        x->gpfn = fz_gfn(f, GFN_XENMAP);
    else
        x->gpfn = fz_gfn(f, GFN_RELEASE);
    c->nr = __HYPERVISOR_memory_op;
    c->name = "memory_op/add_to_physmap";
    c->removes = true;
    c->a[0] = XENMEM_add_to_physmap;
    c->a[1] = fz_pass(f, c, x, sizeof(*x), 16);
}

static void gen_remove_from_physmap(struct fz *f, struct fz_call *c)
{
    struct xen_remove_from_physmap *x = fz_lane_struct(f, sizeof(*x));

    x->domid = fz_domid(f);
    x->gpfn = fz_gfn(f, GFN_RELEASE);
    if (one_in(f, 8))
        fz_fill(f, x->pad, sizeof(x->pad));
    c->nr = __HYPERVISOR_memory_op;
    c->name = "memory_op/remove_from_physmap";
    c->removes = true;
    c->a[0] = XENMEM_remove_from_physmap;
    c->a[1] = fz_pass(f, c, x, sizeof(*x), 16);
}

/* The map Tern returns is the one start_info gave us (when it landed in our own lane). */
static void check_memory_map(struct fz_call *c, long rc)
{
    const struct xen_memory_map *m = (const void *)(uintptr_t)c->note[0];
    const struct xen_e820_entry *e = (const void *)(uintptr_t)c->note[1];
    const struct hvm_memmap_table_entry *si =
        (const void *)(uintptr_t)start_info->memmap_paddr;
    uint32_t want = (uint32_t)MIN((uint64_t)c->note[2], (uint64_t)start_info->memmap_entries);

    if (rc || c->arg != (uintptr_t)m || c->nr != __HYPERVISOR_memory_op ||
        c->a[0] != XENMEM_memory_map)
        return;
    if (m->nr_entries != want) {
        fz_fail(c, rc, "XENMEM_memory_map reported %u entries for a buffer of %lu, expected "
                "%u", m->nr_entries, c->note[2], want);
        return;
    }
    if (!c->note[3])
        return; /* the buffer was not wholly in our lane */
    for (uint32_t i = 0; i < want; i++)
        if (e[i].addr != si[i].addr || e[i].size != si[i].size || e[i].type != si[i].type)
            fz_fail(c, rc, "XENMEM_memory_map entry %u is %#lx+%#lx type %u, start_info says "
                    "%#lx+%#lx type %u", i, e[i].addr, e[i].size, e[i].type, si[i].addr,
                    si[i].size, si[i].type);
}

static void gen_memory_map(struct fz *f, struct fz_call *c)
{
    struct xen_memory_map *m = fz_lane_struct(f, sizeof(*m));
    unsigned int op = one_in(f, 4) ? XENMEM_machine_memory_map : XENMEM_memory_map;

    switch (PICK(f, 50, 30, 20)) {
    case 0:
        m->nr_entries = (uint32_t)below(f, 8);
        break;
    case 1:
        m->nr_entries = start_info->memmap_entries;
        break;
    default:
        m->nr_entries = fz_u32(f);
        break;
    }
    m->buffer_gva = fz_ptr_out(f, sizeof(struct xen_e820_entry) * MIN(m->nr_entries, 8U));
    c->nr = __HYPERVISOR_memory_op;
    c->name = op == XENMEM_memory_map ? "memory_op/memory_map" : "memory_op/machine_memory_map";
    c->a[0] = op;
    c->a[1] = fz_pass(f, c, m, sizeof(*m), 16);
    c->verify = check_memory_map;
    c->note[0] = (uintptr_t)m;
    c->note[1] = m->buffer_gva;
    c->note[2] = m->nr_entries;
    c->note[3] = fz_in_lane(f, 1, m->buffer_gva, sizeof(struct xen_e820_entry) *
                            MIN(m->nr_entries, start_info->memmap_entries));
}

/* Our own reservation stays within the limit the domain was built with. */
static void check_domid_query(struct fz_call *c, long rc)
{
    if (rc < 0 || !c->note[0])
        return;
    if (c->note[1] != XENMEM_maximum_gpfn && (rc == 0 || (uint64_t)rc > c->note[2]))
        fz_fail(c, rc, "our own %s is %ld, expected 1..%lu (the maximum reservation)",
                c->note[1] == XENMEM_current_reservation ? "current reservation"
                                                         : "maximum reservation",
                rc, c->note[2]);
}

extern uint64_t fz_max_pages;

static void gen_domid_query(struct fz *f, struct fz_call *c)
{
    static const unsigned int ops[] = { XENMEM_current_reservation,
                                        XENMEM_maximum_reservation, XENMEM_maximum_gpfn };
    unsigned int op = ops[below(f, ARRAY_SIZE(ops))];
    domid_t *d = fz_lane_struct(f, sizeof(*d));

    *d = fz_domid(f);
    c->nr = __HYPERVISOR_memory_op;
    c->name = op == XENMEM_current_reservation ? "memory_op/current_reservation"
              : op == XENMEM_maximum_reservation ? "memory_op/maximum_reservation"
                                                 : "memory_op/maximum_gpfn";
    c->a[0] = op;
    if (one_in(f, 6)) {
        c->a[1] = fz_ptr_ro(f, sizeof(*d)); /* reads two bytes of whatever is there */
    } else {
        c->a[1] = fz_pass(f, c, d, sizeof(*d), 16);
        c->note[0] = c->a[1] == (uintptr_t)d && fz_is_self(*d);
    }
    c->note[1] = op;
    c->note[2] = fz_max_pages;
    c->max_rc = 1LL << 40;
    c->verify = check_domid_query;
}

static void gen_exchange(struct fz *f, struct fz_call *c)
{
    struct xen_memory_exchange *x = fz_lane_struct(f, sizeof(*x));
    unsigned int n_in = list_len(f), n_out = list_len(f);

    x->in.extent_order = order_for(f);
    x->out.extent_order = order_for(f);
    x->in.extent_start_gva = (uintptr_t)gfn_list(f, 0, n_in, GFN_RELEASE, x->in.extent_order);
    x->out.extent_start_gva = (uintptr_t)gfn_list(f, 1, n_out, GFN_POPULATE,
                                                  x->out.extent_order);
    x->in.nr_extents = count_for(f, n_in);
    x->out.nr_extents = count_for(f, n_out);
    x->in.domid = fz_domid(f);
    x->out.domid = one_in(f, 2) ? x->in.domid : fz_domid(f);
    x->nr_exchanged = pct(f, 80) ? 0 : fz_u64(f);
    c->nr = __HYPERVISOR_memory_op;
    c->name = "memory_op/exchange";
    c->removes = true;
    c->a[0] = XENMEM_exchange;
    c->a[1] = fz_pass(f, c, x, sizeof(*x), 16);
}

static void gen_add_to_physmap_batch(struct fz *f, struct fz_call *c)
{
    struct xen_add_to_physmap_batch *b = fz_lane_struct(f, sizeof(*b));
    unsigned int n = list_len(f);
    uint64_t *idxs = fz_lane_tail(f, 0, n * sizeof(uint64_t));

    b->domid = fz_domid(f);
    b->space = (uint16_t)(pct(f, 80) ? below(f, 6) : fz_u32(f));
    b->size = (uint16_t)count_for(f, n);
    b->u.foreign_domid = fz_domid(f);
    for (unsigned int i = 0; i < n; i++)
        idxs[i] = b->space == XENMAPSPACE_grant_table ? below(f, 70) : fz_gfn(f, GFN_RELEASE);
    b->idxs_gva = (uintptr_t)idxs;
    b->gpfns_gva = (uintptr_t)gfn_list(f, 1, n, b->space <= XENMAPSPACE_grant_table ?
                                       GFN_XENMAP : GFN_RELEASE, 0);
    /*
     * As in gen_add_to_physmap: our shared_info moved elsewhere leaves a hole where the
     * runtime reads it (Xen unmaps its previous gfn too). For us it only goes back home.
     */
    if (b->space == XENMAPSPACE_shared_info && fz_is_self(b->domid))
        for (unsigned int i = 0; i < n; i++)
            ((uint64_t *)(uintptr_t)b->gpfns_gva)[i] = cfg.shinfo_gfn;
    /* Errors are written while the lists are read: never into a lane. */
    b->errs_gva = one_in(f, 2) ? fz_bad_ptr(f) : FZ_SINK_GFN * PAGE_SIZE +
                  (below(f, FZ_SINK_PAGES * PAGE_SIZE - 256) & ~3ULL);
    c->nr = __HYPERVISOR_memory_op;
    c->name = "memory_op/add_to_physmap_batch";
    c->removes = true;
    c->a[0] = XENMEM_add_to_physmap_batch;
    c->a[1] = fz_pass(f, c, b, sizeof(*b), 16);
}

static void gen_acquire_resource(struct fz *f, struct fz_call *c)
{
    struct xen_mem_acquire_resource *r = fz_lane_struct(f, sizeof(*r));
    unsigned int n = list_len(f);

    r->domid = fz_domid(f);
    r->type = (uint16_t)(pct(f, 80) ? below(f, 4) : fz_u32(f));
    r->id = pct(f, 80) ? (uint32_t)below(f, 3) : fz_u32(f);
    r->nr_frames = (uint32_t)count_for(f, n);
    r->pad = pct(f, 80) ? 0 : fz_u32(f);
    r->frame = pct(f, 70) ? below(f, 64) : fz_u64(f);
    r->frame_list_gva = (uintptr_t)gfn_list(f, 0, n, GFN_XENMAP, 0);
    c->nr = __HYPERVISOR_memory_op;
    c->name = "memory_op/acquire_resource";
    c->a[0] = XENMEM_acquire_resource;
    c->a[1] = fz_pass(f, c, r, sizeof(*r), 16);
}

/*
 * Ops Tern does not implement (PV, toolstack, paging, sharing...). Their struct holds only
 * bad addresses and boundary numbers: should one be implemented one day, nothing in it
 * points at memory the fuzzer needs.
 */
static void gen_other(struct fz *f, struct fz_call *c)
{
    static const unsigned int ops[] = { XENMEM_machphys_mfn_list, 8, XENMEM_machphys_mapping,
                                        XENMEM_set_memory_map, 16, 17, 18, 19, 20, 21, 22,
                                        XENMEM_claim_pages, 25, 26, 27, 29, 30, 63 };
    uint64_t *s = fz_lane_struct(f, 64);

    for (unsigned int i = 0; i < 8; i++)
        s[i] = one_in(f, 2) ? fz_bad_ptr(f) : below(f, 256);
    c->nr = __HYPERVISOR_memory_op;
    c->name = "memory_op/other";
    /* Sometimes with continuation bits above the op (Tern must not read them as one). */
    c->a[0] = ops[below(f, ARRAY_SIZE(ops))];
    if (one_in(f, 4))
        c->a[0] |= fz_u64(f) & ~(uint64_t)MEMOP_CMD_MASK;
    c->a[1] = one_in(f, 4) ? fz_bad_ptr(f) : fz_pass(f, c, s, 64, 0);
    c->max_rc = 0;
}

static void check_max_ram_page(struct fz_call *c, long rc)
{
    if (rc <= 0)
        fz_fail(c, rc, "XENMEM_maximum_ram_page must name a frame");
}

void gen_memory_op(struct fz *f, struct fz_call *c)
{
    switch (PICK(f, 8, 20, 20, 2, 8, 12, 10, 6, 3, 3, 2, 6)) {
    case 0:
        gen_reservation(f, c, XENMEM_increase_reservation);
        break;
    case 1:
        gen_reservation(f, c, XENMEM_decrease_reservation);
        break;
    case 2:
        gen_reservation(f, c, XENMEM_populate_physmap);
        break;
    case 3:
        c->nr = __HYPERVISOR_memory_op;
        c->name = "memory_op/maximum_ram_page";
        c->a[0] = XENMEM_maximum_ram_page;
        c->a[1] = fz_u64(f);
        c->max_rc = 1LL << 40;
        c->verify = check_max_ram_page;
        break;
    case 4:
        gen_domid_query(f, c);
        break;
    case 5:
        gen_add_to_physmap(f, c);
        break;
    case 6:
        gen_remove_from_physmap(f, c);
        break;
    case 7:
        gen_memory_map(f, c);
        break;
    case 8:
        gen_exchange(f, c);
        break;
    case 9:
        gen_add_to_physmap_batch(f, c);
        break;
    case 10:
        gen_acquire_resource(f, c);
        break;
    default:
        gen_other(f, c);
        break;
    }
}
