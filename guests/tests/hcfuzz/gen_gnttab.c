/* SPDX-License-Identifier: MIT */
/* grant_table_op arguments, and the grant entries the fuzzer writes into its own table. */
#include "fuzz.h"

#define STATUS_UNSET 0x7777 /* written before the call: an element Tern did not reach */
#define MAX_ELEMS 32

/* ---- Our own grant entries ------------------------------------------------------------ */

static domid_t grantee(struct fz *f)
{
    switch (PICK(f, 60, 15, 5, 10, 10)) {
    case 0:
        return cfg.self;
    case 1:
        return cfg.nr_others ? cfg.others[below(f, cfg.nr_others)] : cfg.self;
    case 2:
        return DOMID_SELF;
    case 3:
        return 0;
    default:
        return (domid_t)rnd(f);
    }
}

/*
 * Entries as a granter writes them (frame and domid, a barrier, then flags), sometimes
 * rewriting one Tern has in use. The frames are never the runtime's: a writable mapping of
 * a granted frame lands where outputs go, and copies write into granted frames.
 */
void gen_grant_entries(struct fz *f)
{
    unsigned int n = 1 + (unsigned int)below(f, 8);

    /* Should Tern move a table frame when it is mapped elsewhere (as Xen does), put it
     * back where we write entries. */
    if (one_in(f, 8)) {
        struct xen_add_to_physmap x = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                        .idx = below(f, FZ_VIEW_FRAMES) };

        struct fz_call c = { .nr = __HYPERVISOR_memory_op,
                             .name = "memory_op/add_to_physmap (our grant view)",
                             .a = { XENMEM_add_to_physmap, (uintptr_t)&x },
                             .removes = true };

        x.gpfn = FZ_SCRATCH_GFN + x.idx;
        fz_issue(f, &c);
    }
    for (unsigned int i = 0; i < n; i++) {
        uint32_t ref = pct(f, 80) ? FZ_GREF_LO + (uint32_t)below(f, 64)
                                  : FZ_GREF_LO + (uint32_t)below(f, FZ_GREF_HI - FZ_GREF_LO);
        volatile struct grant_entry_v1 *e = &fz_grant_view[ref];
        uint32_t frame = (uint32_t)fz_gfn(f, GFN_GRANT);
        uint16_t flags;

        /* The entry's frame is 32 bits: a truncated huge number must not become ours. */
        if (gfn_is_protected(frame))
            frame = FZ_POOL_GFN;
        switch (PICK(f, 50, 25, 10, 15)) {
        case 0:
            flags = GTF_permit_access;
            break;
        case 1:
            flags = GTF_permit_access | GTF_readonly;
            break;
        case 2:
            flags = 0;
            break;
        default:
            flags = (uint16_t)rnd(f);
            break;
        }
        e->frame = frame;
        e->domid = grantee(f);
        smp_wmb();
        e->flags = flags;
    }
}

/* ---- Elements ------------------------------------------------------------------------- */

static domid_t granter(struct fz *f)
{
    switch (PICK(f, 50, 10, 40)) {
    case 0:
        return cfg.self;
    case 1:
        return DOMID_SELF;
    default:
        return fz_domid(f);
    }
}

static uint64_t map_addr(struct fz *f)
{
    switch (PICK(f, 80, 5, 5, 10)) {
    case 0:
        return fz_gfn(f, GFN_MAPAT) << PAGE_SHIFT;
    case 1:
        return (fz_gfn(f, GFN_MAPAT) << PAGE_SHIFT) + 1 + below(f, PAGE_SIZE - 1);
    case 2:
        return 0;
    default:
        return rnd(f) | (1ULL << 63); /* beyond any guest-physical address: refused */
    }
}

static void fill_map(struct fz *f, struct gnttab_map_grant_ref *m)
{
    m->host_addr = map_addr(f);
    switch (PICK(f, 50, 25, 5, 5, 15)) {
    case 0:
        m->flags = GNTMAP_host_map;
        break;
    case 1:
        m->flags = GNTMAP_host_map | GNTMAP_readonly;
        break;
    case 2:
        m->flags = GNTMAP_device_map;
        break;
    case 3:
        m->flags = GNTMAP_host_map | GNTMAP_device_map;
        break;
    default:
        m->flags = fz_u32(f);
        break;
    }
    m->ref = fz_gref(f);
    m->dom = granter(f);
    m->status = STATUS_UNSET;
    m->handle = fz_u32(f);
    m->dev_bus_addr = rnd(f);
}

static void fill_unmap(struct fz *f, struct gnttab_unmap_grant_ref *u)
{
    if (f->nr_maps && pct(f, 60)) {
        /* One we mapped (it goes from the list whether or not Tern agrees). */
        unsigned int i = (unsigned int)below(f, f->nr_maps);

        u->host_addr = f->maps[i].host_addr;
        u->handle = f->maps[i].handle;
        f->maps[i] = f->maps[--f->nr_maps];
        if (one_in(f, 8))
            u->host_addr = 0; /* the mapping stays: Xen's device-only unmap */
    } else {
        u->host_addr = map_addr(f);
        u->handle = pct(f, 70) ? (uint32_t)below(f, 64) : fz_u32(f);
    }
    u->dev_bus_addr = pct(f, 85) ? 0 : fz_u64(f);
    u->status = STATUS_UNSET;
    u->pad = (uint16_t)rnd(f);
}

static void fill_copy_ptr(struct fz *f, struct gnttab_copy_ptr *p, bool gref)
{
    if (gref) {
        p->u.gmfn = rnd(f) << 32; /* the union's upper half is not part of the ref */
        p->u.ref = fz_gref(f);
        p->domid = granter(f);
    } else {
        p->u.gmfn = fz_gfn(f, GFN_DATA);
        p->domid = pct(f, 80) ? DOMID_SELF : fz_domid(f);
    }
    p->offset = (uint16_t)(pct(f, 80) ? below(f, PAGE_SIZE) : rnd(f));
    p->pad = (uint32_t)rnd(f);
}

static void fill_copy(struct fz *f, struct gnttab_copy *c)
{
    c->flags = (uint16_t)(pct(f, 85) ? below(f, 4) : rnd(f));
    fill_copy_ptr(f, &c->source, c->flags & GNTCOPY_source_gref);
    fill_copy_ptr(f, &c->dest, c->flags & GNTCOPY_dest_gref);
    if (pct(f, 80)) {
        unsigned int room = PAGE_SIZE - MAX(c->source.offset & 0xfff, c->dest.offset & 0xfff);

        c->len = (uint16_t)below(f, room + 1);
    } else {
        c->len = (uint16_t)rnd(f);
    }
    c->status = STATUS_UNSET;
}

/* ---- Checks -------------------------------------------------------------------------- */

static bool status_ok(int16_t st)
{
    return st == STATUS_UNSET || (st <= GNTST_okay && st >= GNTST_no_space);
}

/* note[0]: the element array (in our lane), note[1]: elements built, note[2]: size. */
static void check_statuses(struct fz_call *c, long rc)
{
    const uint8_t *base = (const void *)(uintptr_t)c->note[0];
    unsigned int cmd = (unsigned int)c->a[0];
    struct fz *f = fz_self();

    if (c->a[1] != c->note[0] || rc == -ENOSYS)
        return;
    for (unsigned int i = 0; i < c->note[1]; i++) {
        const uint8_t *e = base + i * c->note[2];
        int16_t st;

        if (cmd == GNTTABOP_map_grant_ref) {
            const struct gnttab_map_grant_ref *m = (const void *)e;

            st = m->status;
            if (st == GNTST_okay && m->dev_bus_addr)
                fz_fail(c, rc, "grant map element %u: dev_bus_addr %#lx; Tern keeps host "
                        "addresses to itself (0)", i, m->dev_bus_addr);
            if (st == GNTST_okay && f->nr_maps < ARRAY_SIZE(f->maps))
                f->maps[f->nr_maps++] = (struct fz_map){ m->host_addr, m->handle };
        } else if (cmd == GNTTABOP_unmap_grant_ref) {
            st = ((const struct gnttab_unmap_grant_ref *)e)->status;
        } else if (cmd == GNTTABOP_copy) {
            st = ((const struct gnttab_copy *)e)->status;
        } else {
            return;
        }
        if (!status_ok(st))
            fz_fail(c, rc, "element %u: status %d is no GNTST_* code", i, st);
    }
}

static void check_query_size(struct fz_call *c, long rc)
{
    const struct gnttab_query_size *q = (const void *)(uintptr_t)c->note[0];

    if (rc || c->a[1] != c->note[0])
        return;
    if (!status_ok(q->status))
        fz_fail(c, rc, "query_size status %d is no GNTST_* code", q->status);
    else if (q->status == GNTST_okay && (q->nr_frames > q->max_nr_frames ||
                                         q->max_nr_frames > 4096))
        fz_fail(c, rc, "query_size: %u frames of at most %u", q->nr_frames, q->max_nr_frames);
}

/* ---- Calls -------------------------------------------------------------------------- */

static uint32_t count_for(struct fz *f, unsigned int n)
{
    static const uint32_t huge[] = { 0x7fffffff, 0x80000000, 0xffffffff, 257, 4096 };

    switch (PICK(f, 60, 10, 10, 5, 15)) {
    case 0:
        return n;
    case 1:
        return n + 1; /* the last element is read from the unmapped page */
    case 2:
        return 0;
    case 3:
        return 1;
    default:
        return huge[below(f, ARRAY_SIZE(huge))];
    }
}

/* map, unmap, copy: an array at the end of lane 0. */
static void gen_batch(struct fz *f, struct fz_call *c, unsigned int cmd)
{
    size_t size = cmd == GNTTABOP_map_grant_ref ? sizeof(struct gnttab_map_grant_ref)
                  : cmd == GNTTABOP_unmap_grant_ref ? sizeof(struct gnttab_unmap_grant_ref)
                                                    : sizeof(struct gnttab_copy);
    unsigned int n = pct(f, 50) ? 1 : (unsigned int)below(f, MAX_ELEMS + 1);
    uint8_t *a = fz_lane_tail(f, 0, n * size);

    for (unsigned int i = 0; i < n; i++) {
        if (cmd == GNTTABOP_map_grant_ref)
            fill_map(f, (void *)(a + i * size));
        else if (cmd == GNTTABOP_unmap_grant_ref)
            fill_unmap(f, (void *)(a + i * size));
        else
            fill_copy(f, (void *)(a + i * size));
    }
    c->name = cmd == GNTTABOP_map_grant_ref ? "grant_table_op/map_grant_ref"
              : cmd == GNTTABOP_unmap_grant_ref ? "grant_table_op/unmap_grant_ref"
                                                : "grant_table_op/copy";
    c->a[0] = cmd;
    c->removes = cmd == GNTTABOP_unmap_grant_ref;
    c->a[1] = one_in(f, 16) ? fz_bad_ptr(f) : (uintptr_t)a;
    c->a[2] = count_for(f, n);
    if (c->a[1] == (uintptr_t)a)
        fz_pass(f, c, a, MIN(n * size, sizeof(c->bytes)), 0);
    c->verify = check_statuses;
    c->note[0] = (uintptr_t)a;
    c->note[1] = MIN((uint64_t)n, (uint64_t)c->a[2]);
    c->note[2] = size;
}

static void gen_single(struct fz *f, struct fz_call *c, unsigned int cmd)
{
    void *p;
    size_t len;

    switch (cmd) {
    case GNTTABOP_setup_table: {
        struct gnttab_setup_table *s = fz_lane_struct(f, sizeof(*s));

        s->dom = fz_domid(f);
        s->nr_frames = pct(f, 80) ? (uint32_t)below(f, 70) : fz_u32(f);
        s->status = STATUS_UNSET;
        s->frame_list_gva = fz_ptr_out(f, MIN(s->nr_frames, 70U) * sizeof(uint64_t));
        c->name = "grant_table_op/setup_table";
        p = s;
        len = sizeof(*s);
        break;
    }
    case GNTTABOP_query_size: {
        struct gnttab_query_size *q = fz_lane_struct(f, sizeof(*q));

        q->dom = fz_domid(f);
        q->nr_frames = fz_u32(f);
        q->max_nr_frames = fz_u32(f);
        q->status = STATUS_UNSET;
        c->name = "grant_table_op/query_size";
        c->verify = check_query_size;
        c->note[0] = (uintptr_t)q;
        p = q;
        len = sizeof(*q);
        break;
    }
    case GNTTABOP_set_version: {
        struct gnttab_set_version *v = fz_lane_struct(f, sizeof(*v));

        v->version = pct(f, 70) ? (uint32_t)below(f, 4) : fz_u32(f);
        c->name = "grant_table_op/set_version";
        p = v;
        len = sizeof(*v);
        break;
    }
    default: {
        struct gnttab_get_version *v = fz_lane_struct(f, sizeof(*v));

        v->dom = fz_domid(f);
        v->pad = (uint16_t)rnd(f);
        v->version = fz_u32(f);
        c->name = "grant_table_op/get_version";
        p = v;
        len = sizeof(*v);
        break;
    }
    }
    c->a[0] = cmd;
    c->a[1] = fz_pass(f, c, p, len, 16);
    c->a[2] = pct(f, 80) ? 1 : count_for(f, 1);
}

/*
 * Ops Tern leaves out (dump_table, transfer, get_status_frames, swap_grant_ref, cache_flush,
 * unknown), and unmap_and_replace: elements of bad addresses and huge numbers, so that an
 * implementation one day finds nothing of ours in them (transfer gives a frame away,
 * get_status_frames writes where it is told), and random handles for unmap_and_replace.
 */
static void gen_other(struct fz *f, struct fz_call *c)
{
    static const unsigned int cmds[] = { GNTTABOP_dump_table, GNTTABOP_transfer,
                                         GNTTABOP_unmap_and_replace,
                                         GNTTABOP_get_status_frames, GNTTABOP_swap_grant_ref,
                                         GNTTABOP_cache_flush, 13, 0xfff };
    unsigned int n = (unsigned int)below(f, 8);
    uint64_t *a = fz_lane_tail(f, 0, n * 32);

    for (unsigned int i = 0; i < n * 4; i++)
        a[i] = one_in(f, 2) ? fz_bad_ptr(f) : rnd(f) | (1ULL << 47);
    c->name = "grant_table_op/other";
    c->a[0] = cmds[below(f, ARRAY_SIZE(cmds))];
    c->a[1] = (uintptr_t)a;
    c->a[2] = count_for(f, n);
}

void gen_grant_table_op(struct fz *f, struct fz_call *c)
{
    static const unsigned int singles[] = { GNTTABOP_setup_table, GNTTABOP_query_size,
                                            GNTTABOP_set_version, GNTTABOP_get_version };

    c->nr = __HYPERVISOR_grant_table_op;
    switch (PICK(f, 30, 20, 25, 15, 10)) {
    case 0:
        gen_batch(f, c, GNTTABOP_map_grant_ref);
        break;
    case 1:
        gen_batch(f, c, GNTTABOP_unmap_grant_ref);
        break;
    case 2:
        gen_batch(f, c, GNTTABOP_copy);
        break;
    case 3:
        gen_single(f, c, singles[below(f, ARRAY_SIZE(singles))]);
        break;
    default:
        gen_other(f, c);
        break;
    }
    /* Bits above the command are continuation state: Xen refuses them (-EINVAL). */
    if (one_in(f, 16))
        c->a[0] |= (uint64_t)fz_u32(f) << 12;
}
