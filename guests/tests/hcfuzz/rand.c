/* SPDX-License-Identifier: MIT */
/* The fuzzer's random values: numbers, ids, ports, frame classes and address classes. */
#include "fuzz.h"

uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

unsigned int pick(struct fz *f, const uint8_t *weights, unsigned int n)
{
    unsigned int total = 0, r;

    for (unsigned int i = 0; i < n; i++)
        total += weights[i];
    r = (unsigned int)below(f, total);
    for (unsigned int i = 0; i < n; i++) {
        if (r < weights[i])
            return i;
        r -= weights[i];
    }
    return n - 1;
}

uint64_t fz_interesting(struct fz *f)
{
    static const uint64_t v[] = {
        0, 1, 2, 7, 8, 0x7f, 0x80, 0xff, 0x100, 0xfff, 0x1000, 0x7fff, 0x8000, 0xffff, 0x10000,
        0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff, 0x100000000ULL, 0x7fffffffffffffffULL,
        0x8000000000000000ULL, 0xfffffffffffffffeULL, 0xffffffffffffffffULL,
        0x00007ffffffff000ULL, 0x0000800000000000ULL, 0xffff800000000000ULL,
    };
    uint64_t x = v[below(f, ARRAY_SIZE(v))];

    /* Sometimes one off a boundary, sometimes a power of two. */
    switch (below(f, 6)) {
    case 0:
        return x - 1;
    case 1:
        return x + 1;
    case 2:
        return 1ULL << below(f, 64);
    default:
        return x;
    }
}

uint64_t fz_u64(struct fz *f)
{
    switch (below(f, 4)) {
    case 0:
        return rnd(f);
    case 1:
        return below(f, 256);
    default:
        return fz_interesting(f);
    }
}

uint32_t fz_u32(struct fz *f)
{
    return (uint32_t)fz_u64(f);
}

void fz_fill(struct fz *f, void *p, size_t n)
{
    uint8_t *b = p;

    while (n >= 8) {
        uint64_t x = rnd(f);

        memcpy(b, &x, 8);
        b += 8;
        n -= 8;
    }
    while (n--)
        *b++ = (uint8_t)rnd(f);
}

bool fz_is_self(domid_t d)
{
    return d == DOMID_SELF || d == cfg.self;
}

domid_t fz_domid(struct fz *f)
{
    static const domid_t reserved[] = { DOMID_IO, DOMID_XEN, DOMID_COW, DOMID_INVALID,
                                        DOMID_IDLE, 0x7ff5, 0x7ffe, 0xffff, 0x8000 };

    switch (PICK(f, 30, 10, 25, 10, 5, 15)) {
    case 0:
        return DOMID_SELF;
    case 1:
        return cfg.self;
    case 2:
        return cfg.nr_others ? cfg.others[below(f, cfg.nr_others)] : DOMID_SELF;
    case 3:
        return reserved[below(f, ARRAY_SIZE(reserved))];
    case 4:
        return 0; /* dom0: there is none */
    default:
        return (domid_t)rnd(f);
    }
}

uint32_t fz_vcpu_id(struct fz *f)
{
    switch (PICK(f, 70, 10, 10, 10)) {
    case 0:
        return (uint32_t)below(f, cfg.nr_vcpus);
    case 1:
        return cfg.nr_vcpus + (uint32_t)below(f, 3);
    case 2:
        return (uint32_t)fz_interesting(f);
    default:
        return (uint32_t)rnd(f);
    }
}

uint32_t fz_port(struct fz *f)
{
    static const uint32_t edge[] = { 63, 64, 65, 127, 128, 4095, 4096, 4097, 0x7fffffff,
                                     0x80000000, 0xffffffff };

    switch (PICK(f, 5, 45, 20, 10, 10, 10)) {
    case 0:
        return 0;
    case 1:
        return 1 + (uint32_t)below(f, 31);
    case 2:
        return 32 + (uint32_t)below(f, 96);
    case 3:
        return edge[below(f, ARRAY_SIZE(edge))];
    case 4:
        return (uint32_t)below(f, 4096);
    default:
        return (uint32_t)rnd(f);
    }
}

uint32_t fz_gref(struct fz *f)
{
    static const uint32_t edge[] = { 511, 512, 513, 2047, 2048, 32767, 32768, 0x7fffffff,
                                     0xffffffff };

    switch (PICK(f, 5, 50, 15, 10, 10, 10)) {
    case 0:
        return (uint32_t)below(f, FZ_GREF_LO);
    case 1:
        return FZ_GREF_LO + (uint32_t)below(f, 64);
    case 2:
        return FZ_GREF_LO + (uint32_t)below(f, FZ_GREF_HI - FZ_GREF_LO);
    case 3:
        return (uint32_t)below(f, 64 * 512);
    case 4:
        return edge[below(f, ARRAY_SIZE(edge))];
    default:
        return (uint32_t)rnd(f);
    }
}

uint32_t fz_unknown_op(struct fz *f, uint32_t first)
{
    uint32_t op = one_in(f, 2) ? first + (uint32_t)below(f, 50) : fz_u32(f);

    return op < first ? op + first : op;
}

uint64_t fz_now_plus(struct fz *f, uint64_t max_ns)
{
    return now_ns() + below(f, max_ns + 1);
}

/* ---- Frames -------------------------------------------------------------------------- */

enum gfn_class { C_ARENA, C_POOL, C_LOW, C_SPECIAL, C_OUTSIDE, C_SCRATCH, C_HIGH, C_MMIO,
                 C_HUGE, NR_CLASSES };

/* Weights of each class per use; see fuzz.h for what each use may touch. */
static const uint8_t class_weights[][NR_CLASSES] = {
    /*               arena pool low spec out scr high mmio huge */
    [GFN_RELEASE] =  { 45,  5,   5,  3,   8,  12,  5,  4,   13 },
    [GFN_XENMAP] =   { 0,   0,   5,  3,   15, 45,  10, 7,   15 },
    [GFN_POPULATE] = { 45,  3,   3,  3,   10, 15,  8,  5,   8 },
    [GFN_MAPAT] =    { 35,  3,   3,  3,   10, 25,  8,  5,   8 },
    [GFN_DATA] =     { 35,  30,  5,  0,   8,  8,   4,  2,   8 },
    [GFN_GRANT] =    { 20,  60,  3,  0,   5,  4,   2,  2,   4 },
};

static uint64_t arena_pages(void)
{
    return cfg.arena_hi - FZ_ARENA_GFN;
}

/* A page of one of f's own arena slices. */
static uint64_t own_arena_gfn(struct fz *f)
{
    uint64_t slices = arena_pages() / FZ_SLICE_PAGES;
    uint64_t mine = (slices + cfg.nr_fz - 1 - f->id) / cfg.nr_fz; /* slices s = id mod n */
    uint64_t s = f->id + cfg.nr_fz * below(f, mine ? mine : 1);

    return FZ_ARENA_GFN + s * FZ_SLICE_PAGES + below(f, FZ_SLICE_PAGES);
}

static uint64_t class_gfn(struct fz *f, enum gfn_class c)
{
    static const uint64_t huge[] = { (1ULL << 36) - 1, 1ULL << 36, 1ULL << 40, 1ULL << 52,
                                     ~0ULL, ~0ULL >> 12, 0x7fffffff, 0x80000000, 0xffffffff };
    static const uint64_t mmio[] = { 0xf0000, 0xfbfff, 0xfec00, 0xfed00, 0xfee00, 0xfeff8,
                                     0xfeffe, 0xfffff };

    switch (c) {
    case C_ARENA:
        return FZ_ARENA_GFN + below(f, arena_pages());
    case C_POOL:
        return FZ_POOL_GFN + below(f, FZ_POOL_PAGES);
    case C_LOW:
        return below(f, FZ_PROTECT_LO);
    case C_SPECIAL:
        return one_in(f, 2) ? FZ_CONSOLE_GFN : FZ_ACPI_GFN + below(f, 4);
    case C_OUTSIDE:
        return cfg.ram_top_gfn + below(f, 16);
    case C_SCRATCH:
        return FZ_SCRATCH_FUZZ_LO + below(f, FZ_SCRATCH_FUZZ_HI - FZ_SCRATCH_FUZZ_LO);
    case C_HIGH:
        return 0x100000 + below(f, 4096);
    case C_MMIO:
        return mmio[below(f, ARRAY_SIZE(mmio))];
    default:
        return one_in(f, 3) ? rnd(f) : huge[below(f, ARRAY_SIZE(huge))];
    }
}

uint64_t fz_gfn(struct fz *f, enum fz_gfn_use use)
{
    uint8_t w[NR_CLASSES];
    uint64_t gfn;

    memcpy(w, class_weights[use], sizeof(w));
    /*
     * avoid_known: the pool's frames are granted, and a grant map racing the release of
     * the granted frame was a Tern bug (fixed in issue 7); arena frames are not granted
     * then (GFN_GRANT).
     */
    if (cfg.avoid_known) {
        if (use == GFN_RELEASE)
            w[C_POOL] = 0;
        if (use == GFN_GRANT)
            w[C_ARENA] = 0;
    }
    if (use == GFN_MAPAT)
        return pct(f, 90) ? FZ_MAPWIN_GFN + below(f, FZ_MAPWIN_PAGES)
                          : (one_in(f, 2) ? 1ULL << 52 : ~0ULL >> 12); /* refused */
    for (int tries = 0; tries < 8; tries++) {
        gfn = class_gfn(f, (enum gfn_class)pick(f, w, NR_CLASSES));
        if (gfn >= FZ_MAPWIN_GFN && gfn < FZ_MAPWIN_GFN + FZ_MAPWIN_PAGES)
            continue;
        /* Never the runtime's own frames; only the owner frees a frame (avoid_known). */
        if (gfn_is_protected(gfn))
            continue;
        if (use == GFN_RELEASE || use == GFN_XENMAP) {
            if (!gfn_owned(f, gfn))
                continue;
        }
        return gfn;
    }
    return own_arena_gfn(f);
}

/* Whether every frame of [gfn, gfn + 2^order) may be used as use asks. */
static bool extent_ok(struct fz *f, enum fz_gfn_use use, uint64_t gfn, unsigned int order)
{
    uint64_t n = 1ULL << order;

    if (gfn + n < gfn)
        return true; /* wraps: no such frames */
    if (use != GFN_MAPAT && gfn < FZ_MAPWIN_GFN + FZ_MAPWIN_PAGES && gfn + n > FZ_MAPWIN_GFN)
        return false;
    if (gfn < FZ_ARENA_GFN && gfn + n > FZ_PROTECT_LO && !(gfn >= FZ_POOL_GFN &&
                                                           gfn + n <= FZ_POOL_GFN +
                                                           FZ_POOL_PAGES))
        return false;
    if (gfn < FZ_SCRATCH_FUZZ_LO && gfn + n > FZ_SCRATCH_GFN)
        return false;
    if (gfn <= FZ_CONSOLE_GFN && gfn + n > FZ_CONSOLE_GFN)
        return false;
    if (gfn <= cfg.shinfo_gfn && gfn + n > cfg.shinfo_gfn)
        return false;
    /* An extent within one slice has one owner; a larger one has several. */
    if (use == GFN_RELEASE || use == GFN_XENMAP)
        return gfn_owned(f, gfn) && (!cfg.avoid_known || order <= 9);
    return true;
}

uint64_t fz_gfn_order(struct fz *f, enum fz_gfn_use use, unsigned int order)
{
    uint64_t gfn = fz_gfn(f, use);

    if (order >= 64)
        return gfn;
    if (order && pct(f, 85))
        gfn &= ~((1ULL << order) - 1);
    /* The whole extent counts (e.g. an order-9 extent at frame 0 covers the runtime). */
    if (!extent_ok(f, use, gfn, order))
        gfn = order <= 9 ? own_arena_gfn(f) & ~((1ULL << order) - 1)
                         : ~0ULL << order; /* huge: nothing there */
    return gfn;
}

/* ---- Addresses ----------------------------------------------------------------------- */

/*
 * Never readable: unmapped by our page tables, non-canonical, or guest-physical ranges no
 * frame class ever populates (0xc0000000, 0xe0000000). Frames just past RAM are not here:
 * the fuzzer populates them now and then (fz_ptr_out()).
 */
uint64_t fz_bad_ptr(struct fz *f)
{
    /* Pages that stay unmapped whatever offset into them is added. */
    static const uint64_t pages[] = {
        0, 0xdead0000000ULL, 0x00007ffffffff000ULL, 0x0000800000000000ULL,
        0x8000000000000000ULL, 0xffff800000000000ULL, 0xfffffffffffff000ULL,
        0xc0000000UL, 0xe0000000UL,
    };
    uint64_t off = below(f, PAGE_SIZE);
    uint64_t p;

    switch (PICK(f, 40, 15, 15, 15, 15)) {
    case 0:
        return pages[below(f, ARRAY_SIZE(pages))] + (one_in(f, 2) ? 0 : off);
    case 1: /* the unmapped page after a lane */
        return (uint64_t)(uintptr_t)f->lane[below(f, FZ_LANES)] + FZ_LANE_BYTES + off;
    case 2: /* mapped by the guest, no RAM behind it */
        return 0xc0000000UL + below(f, 0x10000000);
    case 3: /* our lane window, where nothing is mapped */
        return FZ_LANE_VA + 0x100000 + below(f, 0x100000);
    default:
        /* Random, but not where our identity map could reach RAM. */
        p = rnd(f);
        return p < (1ULL << 32) ? p | 0x8000000000000000ULL : p;
    }
}

static uint64_t lane_range(struct fz *f, unsigned int lane, size_t len)
{
    uint64_t base = (uint64_t)(uintptr_t)f->lane[lane];

    if (len >= FZ_LANE_BYTES || one_in(f, 8))
        /* Running off the end into the unmapped page. */
        return base + FZ_LANE_BYTES - below(f, MIN(len, (size_t)FZ_LANE_BYTES) + 1);
    return base + (below(f, FZ_LANE_BYTES - len + 1) & (one_in(f, 8) ? ~0ULL : ~7ULL));
}

uint64_t fz_ptr_out(struct fz *f, size_t len)
{
    switch (PICK(f, 35, 20, 15, 5, 25)) {
    case 0: /* lane 1: lane 0 holds the struct being passed */
        return lane_range(f, 1, len);
    case 1:
        return FZ_SINK_GFN * PAGE_SIZE + below(f, FZ_SINK_PAGES * PAGE_SIZE - MIN(len,
                                                    (size_t)PAGE_SIZE));
    case 2:
        return class_gfn(f, C_ARENA) * PAGE_SIZE + below(f, PAGE_SIZE);
    case 3: /* the end of RAM, and past it, where frames come and go */
        return cfg.ram_top_gfn * PAGE_SIZE - PAGE_SIZE + below(f, 17 * PAGE_SIZE);
    default:
        return fz_bad_ptr(f);
    }
}

extern const char _start_image[], __bss_start[];

uint64_t fz_ptr_ro(struct fz *f, size_t len)
{
    uint64_t image = (uint64_t)(uintptr_t)_start_image;

    switch (PICK(f, 60, 15, 10, 10, 5)) {
    case 0:
        return fz_ptr_out(f, len);
    case 1: /* our code, rodata and data */
        return image + below(f, (uint64_t)(uintptr_t)__bss_start - image);
    case 2: /* our page tables */
        return (read_cr3() & ~0xfffULL) + below(f, PAGE_SIZE);
    case 3:
        return (uint64_t)(uintptr_t)start_info + below(f, 64);
    default:
        return cfg.shinfo_gfn * PAGE_SIZE + below(f, PAGE_SIZE);
    }
}

bool fz_in_lane(const struct fz *f, unsigned int lane, uint64_t addr, size_t len)
{
    uint64_t base = (uint64_t)(uintptr_t)f->lane[lane];

    return addr >= base && len <= FZ_LANE_BYTES && addr - base <= FZ_LANE_BYTES - len;
}

void *fz_lane_struct(struct fz *f, size_t len)
{
    /* The first page of lane 0: arrays passed with the struct live in the second. */
    uint64_t off = below(f, PAGE_SIZE - len + 1);
    uint8_t *p;

    if (!one_in(f, 16))
        off &= ~7ULL;
    p = f->lane[0] + off;
    memset(p, 0, len);
    return p;
}

void *fz_lane_tail(struct fz *f, unsigned int lane, size_t len)
{
    uint8_t *p;

    if (len > PAGE_SIZE)
        xtf_fatal("hcfuzz: an array of %zu bytes does not fit a lane page", len);
    p = f->lane[lane] + FZ_LANE_BYTES - len;

    memset(p, 0, len);
    return p;
}

uint64_t fz_pass(struct fz *f, struct fz_call *c, void *p, size_t len, unsigned int n)
{
    uint8_t *q = p;
    size_t keep = len;

    if (n && one_in(f, n)) {
        if (!one_in(f, 4)) {
            c->arg = fz_bad_ptr(f);
            c->arg_len = 0;
            return c->arg;
        }
        /* Straddle: the struct's first bytes readable, the rest in the unmapped page. */
        keep = 1 + (size_t)below(f, MIN(len, (size_t)16));
        if (keep >= len)
            keep = len - 1;
        q = f->lane[0] + FZ_LANE_BYTES - keep;
        memmove(q, p, keep);
    }
    c->arg = (uint64_t)(uintptr_t)q;
    c->arg_len = (uint32_t)MIN(keep, sizeof(c->bytes));
    memcpy(c->bytes, q, c->arg_len);
    return c->arg;
}
