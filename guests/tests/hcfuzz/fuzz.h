/* SPDX-License-Identifier: MIT */
/* The hypercall fuzzer's shared state: configuration, per-vCPU streams, value generators. */
#ifndef HCFUZZ_FUZZ_H
#define HCFUZZ_FUZZ_H

#include "lib.h"

/* Each argument evaluated once: they are often random draws. */
#define MIN(a, b)                                                                          \
    ({                                                                                     \
        __typeof__(a) a_ = (a);                                                            \
        __typeof__(b) b_ = (b);                                                            \
        a_ < b_ ? a_ : b_;                                                                 \
    })
#define MAX(a, b)                                                                          \
    ({                                                                                     \
        __typeof__(a) a_ = (a);                                                            \
        __typeof__(b) b_ = (b);                                                            \
        a_ > b_ ? a_ : b_;                                                                 \
    })

/*
 * How the fuzzer stays alive while it throws random arguments at Tern
 * ------------------------------------------------------------------
 * Tern must refuse or survive everything; the fuzzer itself must not be destroyed by calls
 * that legitimately work. Every address and frame number it hands to Tern therefore comes
 * from a class below, never from the memory the runtime lives in:
 *
 *  - lanes: per-vCPU scratch pages where argument structs and arrays are built. They are
 *    mapped at a high virtual address with a page the guest leaves unmapped after each
 *    lane, and arrays are placed at the very end of a lane: a count larger than the array
 *    makes Tern read into the unmapped page (-EFAULT), never into the runtime's memory.
 *  - the arena: the top of RAM, which memory ops may free, repopulate and map over. It is
 *    split in 2 MiB slices; with avoid_known=1 only the slice's owner vCPU frees in it.
 *  - the grant pool: RAM pages the fuzzer's own grant entries grant.
 *  - the sink: RAM pages Tern may write runstate areas and other outputs into.
 *  - frames outside RAM, in the scratch window, above 4 GiB, huge numbers, and the
 *    special pages Tern gave the domain (console ring, ACPI tables).
 *  - bad addresses: NULL, unmapped, non-canonical, the kernel half, no RAM behind, and
 *    ranges that straddle a page boundary into unmapped memory.
 * Code and page tables are only named where the call reads and cannot write or act on
 * what it reads (fz_ptr_ro()).
 */

#define FZ_LANES 2
#define FZ_LANE_PAGES 2
#define FZ_LANE_BYTES (FZ_LANE_PAGES * PAGE_SIZE)
/* Virtual window of the lanes (PDPT slot 4 of the runtime's page tables: 4 GiB). */
#define FZ_LANE_VA 0x100000000UL
#define FZ_LANE_VA_STRIDE 0x10000UL /* per vCPU: lane 0, guard, lane 1, guard */

/* Guest frame layout (memory >= 40 MiB; see layout.c). */
#define FZ_PROTECT_LO 0x100UL   /* the image at 1 MiB, start_info after it */
#define FZ_POOL_GFN 0x1000UL    /* 16 MiB: grant pool */
#define FZ_POOL_PAGES 64
#define FZ_SINK_GFN 0x1040UL    /* output sink */
#define FZ_SINK_PAGES 16
#define FZ_SPARE_VI_GFN 0x1050UL /* the spare vCPU's vcpu_info with avoid_known=1 */
#define FZ_ARENA_GFN 0x2000UL   /* 32 MiB to the top of RAM */
#define FZ_SLICE_PAGES 512UL
/*
 * Grant mappings go only here (or to addresses Tern refuses): populating a gfn over one of
 * the domain's own grant mappings crashes the domain, on Xen 4.17 as on Tern (p2m_add_page),
 * so no other use ever picks a gfn in this window.
 */
#define FZ_MAPWIN_GFN 0x200000UL
#define FZ_MAPWIN_PAGES 4096UL
/* Scratch window: frames 0..FZ_VIEW_FRAMES-1 show our own grant table; the rest is fuzzed. */
#define FZ_SCRATCH_GFN (GUEST_SCRATCH_GPA >> PAGE_SHIFT)
#define FZ_VIEW_FRAMES 4
#define FZ_SCRATCH_FUZZ_LO (FZ_SCRATCH_GFN + 16)
#define FZ_SCRATCH_FUZZ_HI (FZ_SCRATCH_GFN + GUEST_SCRATCH_PAGES)
/* Xen's special pages and the guest's ACPI tables, as Tern's domain builder places them. */
#define FZ_CONSOLE_GFN 0xfefffUL
#define FZ_ACPI_GFN 0xfc000UL

/* Refs the fuzzer writes entries for (the first FZ_VIEW_FRAMES frames of its table). */
#define FZ_GREF_LO 8
#define FZ_GREF_HI (FZ_VIEW_FRAMES * (PAGE_SIZE / 8))

struct fz_config {
    uint64_t seed;
    uint64_t iterations;      /* total hypercalls over all vCPUs */
    bool avoid_known;         /* steer around races that were Tern bugs before issue 7 */
    unsigned int nr_vcpus;    /* vCPUs the domain has */
    unsigned int nr_fz;       /* vCPUs 0..nr_fz-1 fuzz */
    int spare;                /* a vCPU never started, for VCPUOP_initialise; -1: none */
    domid_t self;
    domid_t others[8];
    unsigned int nr_others;
    uint64_t ram_top_gfn;     /* first frame past the RAM below 4 GiB */
    uint64_t arena_hi;        /* end of the arena (frames) */
    uint64_t shinfo_gfn;      /* where the runtime keeps shared_info */
    uint64_t callback_irq;    /* HVM_PARAM_CALLBACK_IRQ the runtime set */
    uint64_t only;            /* bit n: fuzz hypercall n (n < 64); 0: all */
    uint64_t stall_ns;        /* a vCPU this long without progress is a FAILURE */
    uint64_t progress_every;
    uint64_t trace_from;      /* print every call from this per-vCPU call number on */
};
extern struct fz_config cfg;

/* One call as issued: what the stall report and the trace print. */
struct fz_call {
    uint64_t nr;
    uint64_t a[5];
    const char *name;         /* e.g. "memory_op/decrease_reservation" */
    uint64_t arg;             /* address of the struct argument, if any */
    uint32_t arg_len;         /* bytes of it captured in bytes[] */
    uint8_t bytes[64];
    bool via_page;            /* through the hypercall page rather than VMMCALL */
    bool irqs_off;
    bool stay_irqs_off;       /* leave interrupts off after the call (see gen_sched.c) */
    bool removes;             /* may remove p2m entries (see fz_issue()) */
    /* Print nothing after it (1) or at all (2): another vCPU may be down holding the
     * console lock (gen_vcpu.c). */
    uint8_t quiet;
    int64_t max_rc;           /* largest plausible result (0: errors and 0 only) */
    /* Optional plausibility check of the result, with the generator's notes. */
    void (*verify)(struct fz_call *c, long rc);
    uint64_t note[4];
};

struct fz_map {
    uint64_t host_addr;
    uint32_t handle;
};

struct fz {
    unsigned int id;
    uint64_t seed;
    uint64_t rng;
    uint8_t *lane[FZ_LANES];  /* virtual address of each lane; the next page is unmapped */
    volatile uint64_t calls;
    volatile uint64_t in_flight_seq; /* odd while cur is being rewritten */
    struct fz_call cur;
    volatile uint64_t started_ns;    /* when cur was issued */
    volatile int running;            /* inside fuzz_vcpu() */
    /* Recent successful grant maps, so that unmaps sometimes name real handles. */
    struct fz_map maps[16];
    unsigned int nr_maps;
    /* Per-hypercall counters. */
    uint64_t per_nr[64];
    uint64_t failures;
};
extern struct fz fz_state[MAX_VCPUS];

static inline struct fz *fz_self(void)
{
    return &fz_state[smp_id()];
}

/* ---- PRNG (xorshift64*, seeded through splitmix64) ---------------------------------- */

uint64_t splitmix64(uint64_t *x);

static inline uint64_t rnd(struct fz *f)
{
    uint64_t x = f->rng;

    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    f->rng = x;
    return x * 0x2545f4914f6cdd1dULL;
}

static inline uint64_t below(struct fz *f, uint64_t n)
{
    return n ? rnd(f) % n : 0;
}

static inline bool one_in(struct fz *f, unsigned int n)
{
    return below(f, n) == 0;
}

static inline bool pct(struct fz *f, unsigned int p)
{
    return below(f, 100) < p;
}

/* Index chosen with the given weights. */
unsigned int pick(struct fz *f, const uint8_t *weights, unsigned int n);
#define PICK(f, ...)                                                                       \
    ({                                                                                     \
        static const uint8_t w_[] = { __VA_ARGS__ };                                       \
        pick((f), w_, sizeof(w_));                                                         \
    })

/* ---- Values --------------------------------------------------------------------------- */

uint64_t fz_interesting(struct fz *f);     /* boundaries: 0, 1, -1, 2^31, 2^32, ... */
uint64_t fz_u64(struct fz *f);             /* half random, half interesting */
uint32_t fz_u32(struct fz *f);
void fz_fill(struct fz *f, void *p, size_t n); /* random bytes */
domid_t fz_domid(struct fz *f);            /* DOMID_SELF, ours, other domains, reserved */
bool fz_is_self(domid_t d);                /* DOMID_SELF or our own id */
uint32_t fz_vcpu_id(struct fz *f);
uint32_t fz_port(struct fz *f);
uint32_t fz_gref(struct fz *f);
uint64_t fz_now_plus(struct fz *f, uint64_t max_ns); /* now + [0, max_ns] */
/* A sub-op number from first on (first = the lowest one the family does not define). */
uint32_t fz_unknown_op(struct fz *f, uint32_t first);
/* Whether [addr, addr + len) lies wholly in lane i. */
bool fz_in_lane(const struct fz *f, unsigned int lane, uint64_t addr, size_t len);

/* Frame numbers, by what Tern will do with them (see layout.c for the classes). */
enum fz_gfn_use {
    GFN_RELEASE,  /* Tern may free or replace the RAM there: decrease, remove, add_to */
    GFN_XENMAP,   /* Tern maps one of its own pages there (grant-table frames) */
    GFN_POPULATE, /* Tern may allocate RAM there */
    GFN_MAPAT,    /* a grant mapping goes there */
    GFN_DATA,     /* Tern reads or writes the page's contents (grant copies) */
    GFN_GRANT,    /* the frame one of our grant entries grants */
};
uint64_t fz_gfn(struct fz *f, enum fz_gfn_use use);
/* An extent start for order (aligned most of the time). */
uint64_t fz_gfn_order(struct fz *f, enum fz_gfn_use use, unsigned int order);

/* Addresses. */
uint64_t fz_bad_ptr(struct fz *f);                  /* never backed by readable RAM */
uint64_t fz_ptr_out(struct fz *f, size_t len);      /* Tern may write len bytes there */
uint64_t fz_ptr_ro(struct fz *f, size_t len);       /* only read: code and tables allowed */
/*
 * A zeroed struct of len bytes in the first page of lane 0. Arrays go at the end of a lane
 * (fz_lane_tail(), at most a page), where they end at the unmapped page: lane 0 for the
 * array a call reads, lane 1 for a second one. Outputs (fz_ptr_out()) may land anywhere in
 * lane 1, so a second array there is only used by calls that write nothing else to lanes.
 */
void *fz_lane_struct(struct fz *f, size_t len);
void *fz_lane_tail(struct fz *f, unsigned int lane, size_t len);
/*
 * The address to pass for the struct of len bytes built at p, recorded in c for reports:
 * p itself, or (1 in n) a bad pointer or a copy of the struct's first bytes that runs into
 * the unmapped page after lane 0.
 */
uint64_t fz_pass(struct fz *f, struct fz_call *c, void *p, size_t len, unsigned int n);

/* ---- Layout (layout.c) ---------------------------------------------------------------- */

void layout_init(void);
/* The mappings of our IDT, code and page tables, checked after each call (sentinel.c). */
void sentinel_init(void);
unsigned int sentinel_check(const struct fz_call *c, long rc);
void fz_report_in_flight(void);
void layout_map_lanes(unsigned int id);
bool gfn_is_protected(uint64_t gfn);
bool gfn_owned(const struct fz *f, uint64_t gfn); /* may f free it (avoid_known)? */
extern volatile struct grant_entry_v1 *fz_grant_view;
void grant_view_init(void);

/* ---- Generators: fill c for hypercall family X (gen_*.c) ------------------------------- */

void gen_memory_op(struct fz *f, struct fz_call *c);
void gen_grant_table_op(struct fz *f, struct fz_call *c);
void gen_grant_entries(struct fz *f);
void gen_event_channel_op(struct fz *f, struct fz_call *c);
void gen_vcpu_op(struct fz *f, struct fz_call *c);
void gen_sched_op(struct fz *f, struct fz_call *c);
void gen_set_timer_op(struct fz *f, struct fz_call *c);
void gen_xen_version(struct fz *f, struct fz_call *c);
void gen_console_io(struct fz *f, struct fz_call *c);
void gen_hvm_op(struct fz *f, struct fz_call *c);
void gen_vm_assist(struct fz *f, struct fz_call *c);
void gen_unknown(struct fz *f, struct fz_call *c);
void gen_multicall(struct fz *f, struct fz_call *c);

/* ---- The run (run.c) ------------------------------------------------------------------ */

/* Issue c now (recording it as in flight), count it, run its check; returns the result. */
long fz_issue(struct fz *f, struct fz_call *c);
/* Issue a helper call the generator needs (e.g. arming a timer before SCHEDOP_block). */
long fz_issue_simple(struct fz *f, const char *name, uint64_t nr, uint64_t a1, uint64_t a2,
                     uint64_t a3);
void fz_vcpu_main(unsigned int id, void *arg);
/* A failed plausibility check: printed with the call, counted, the run goes on. */
void fz_fail(const struct fz_call *c, long rc, const char *fmt, ...) __printf(3, 4);
/* The vCPUs a VCPUOP_down made go away: vCPU0 brings them back (run.c). */
void fz_note_down(unsigned int vcpu);
bool fz_spare_startable(void);
void fz_spare_initialised(bool good);

/* Timer ports the runtime bound (VIRQ_TIMER of each fuzzing vCPU): never closed. */
extern evtchn_port_t fz_timer_port[MAX_VCPUS];
bool fz_port_reserved(uint32_t port);

/* A vCPU context the spare vCPU could really run (it parks itself at once). */
void fz_spare_context(struct vcpu_hvm_context *ctx);

#endif /* HCFUZZ_FUZZ_H */
