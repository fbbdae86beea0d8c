/* SPDX-License-Identifier: MIT */
/*
 * Hostile races between vCPUs of one domain, thousands of rounds each (issue 7): what an
 * attacker with several vCPUs tries against frame lifetimes and cross-vCPU waits. The mode
 * comes from the command line (race=<mode> rounds=<n>):
 *   release-release  two vCPUs give back the same gfn at once: exactly one wins
 *   release-grant    one gives back a frame while the other maps a grant of it
 *   release-vcpuinfo one registers a vcpu_info in a frame the other gives back
 *   down-up          two vCPUs take each other down and up; vCPU0 keeps watch
 *   p2m-access       a sibling reads and writes memory while vCPU0 releases, repopulates
 *                    and maps grants under it
 *   timers           every vCPU arms timers, then the domain reboots while they fire
 *   unmap-batch      a sibling writes through a grant mapping while vCPU0 unmaps it in a
 *                    batch, revokes the grant and gives the frame back
 *   evtchn-limit     two vCPUs allocate ports up to max_event_channels, then close them
 * After each round the guest checks that nothing it can see was ever host memory or another
 * domain's: a frame given back and populated again is zero, a mapping of a frame that was
 * released meanwhile still holds what was written to it, and a sibling only ever reads its
 * own pattern, zero (a fresh frame) or all-ones (nothing mapped).
 */
#include "lib.h"

const char test_title[] = "hostile multi-vCPU races on frames, grants, vcpu_info, vCPUs";

#define PATTERN 0x5a17c3e9d2b4f681ULL
#define ARENA_SIZE (8UL << 20) /* the last 8 MiB of RAM are given back and refilled */
#define ROUND_TIMEOUT SEC(20)
#define SELF_REF 8

static uint64_t arena_gfn, arena_frames;
static domid_t self;
static unsigned long rounds;

/* ---- rounds: vCPU0 starts each one, the racers run it at once ---------------------------- */

static volatile unsigned long round_go;
static volatile unsigned long round_done[MAX_VCPUS];
static volatile long result[MAX_VCPUS];
static volatile bool stop;
static long (*race_op)(unsigned int id, unsigned long round);

static void racer(unsigned int id, void *arg)
{
    unsigned long seen = 0;

    for (;;) {
        unsigned int spins = 0;
        while (round_go == seen && !stop)
            if (++spins % 4096 == 0)
                HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
            else
                cpu_relax();
        if (stop)
            return;
        seen = round_go;
        result[id] = race_op(id, seen);
        smp_mb();
        round_done[id] = seen;
    }
}

/* Start round r on racers 1..n-1, run vCPU0's part, wait for the others. */
static bool run_round(unsigned long r, unsigned int n)
{
    smp_mb();
    round_go = r;
    result[0] = race_op(0, r);
    for (unsigned int id = 1; id < n; id++)
        if (!wait_until(round_done[id] == r, ROUND_TIMEOUT)) {
            xtf_failure("round %lu: vCPU%u did not finish within 20 s", r, id);
            return false;
        }
    smp_mb();
    return true;
}

static void start_racers(unsigned int n)
{
    stop = false;
    round_go = 0;
    for (unsigned int id = 1; id < n; id++) {
        round_done[id] = 0;
        if (vcpu_start(id, racer, NULL))
            xtf_fatal("cannot start vCPU%u", id);
    }
}

static void stop_racers(unsigned int n)
{
    stop = true;
    for (unsigned int id = 1; id < n; id++)
        if (!wait_until(percpu[id].done, SEC(10)))
            xtf_failure("vCPU%u did not stop", id);
}

/* vCPUs the domain has: VCPUOP_is_up answers -ENOENT past the last one. */
static unsigned int nr_vcpus(void)
{
    unsigned int n = 1;
    while (n < 4096 && vcpu_is_up(n) != -ENOENT)
        n++;
    return n;
}

/* ---- memory helpers ------------------------------------------------------------------------ */

static long memop_one(unsigned int op, uint64_t gfn)
{
    xen_pfn_t g = gfn;
    struct xen_memory_reservation r = { .extent_start_gva = HC_PTR(&g), .nr_extents = 1,
                                         .extent_order = 0, .domid = DOMID_SELF };
    return HYPERVISOR_memory_op(op, &r);
}

static long give_back(uint64_t gfn)
{
    return memop_one(XENMEM_decrease_reservation, gfn);
}

static long populate(uint64_t gfn)
{
    return memop_one(XENMEM_populate_physmap, gfn);
}

static volatile uint64_t *frame(uint64_t gfn)
{
    return (volatile uint64_t *)(uintptr_t)(gfn << PAGE_SHIFT);
}

/* A frame just populated must be all zero: anything else came from its previous user. */
static bool check_zero(uint64_t gfn, const char *when)
{
    volatile uint64_t *p = frame(gfn);
    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
        if (p[i] != 0)
            return check(false, "%s: fresh frame at gfn %#lx holds %#lx at offset %#x (not "
                         "scrubbed: earlier contents reached the guest)", when, gfn, p[i],
                         i * 8);
    return true;
}

static void fill(uint64_t gfn, uint64_t v)
{
    volatile uint64_t *p = frame(gfn);
    for (unsigned int i = 0; i < PAGE_SIZE / 8; i++)
        p[i] = v;
}

/* ---- release-release -------------------------------------------------------------------- */

static uint64_t rr_gfn(unsigned long r)
{
    return arena_gfn + (r % arena_frames);
}

static long rr_op(unsigned int id, unsigned long r)
{
    return give_back(rr_gfn(r));
}

static void race_release_release(void)
{
    unsigned long both = 0;

    race_op = rr_op;
    start_racers(2);
    for (unsigned long r = 1; r <= rounds && !xtf_has_failed(); r++) {
        uint64_t gfn = rr_gfn(r);
        fill(gfn, PATTERN ^ r);
        if (!run_round(r, 2))
            break;
        /* Xen's decrease_reservation: extents done; the p2m decides one winner. */
        check(result[0] + result[1] == 1 && result[0] >= 0 && result[1] >= 0,
              "round %lu: both vCPUs gave back gfn %#lx: results %ld and %ld, expected "
              "exactly one 1", r, gfn, result[0], result[1]);
        both += result[0] == result[1];
        if (check_rc(populate(gfn), 1, "round %lu: populate gfn %#lx again", r, gfn))
            check_zero(gfn, "release-release");
    }
    stop_racers(2);
    printk("release-release: %lu rounds\n", rounds);
}

/* ---- release-grant ---------------------------------------------------------------------- */

static volatile struct grant_entry_v1 *gtab = (void *)GUEST_SCRATCH_GPA;
#define MAP_GPA (GUEST_SCRATCH_GPA + PAGE_SIZE)

static struct gnttab_map_grant_ref rg_map;

static long rg_op(unsigned int id, unsigned long r)
{
    if (id == 0)
        return give_back(rr_gfn(r));
    rg_map = (struct gnttab_map_grant_ref){ .host_addr = MAP_GPA, .flags = GNTMAP_host_map,
                                            .ref = SELF_REF, .dom = self };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &rg_map, 1);
    return rc ? rc : rg_map.status;
}

static void grant_self(uint64_t gfn)
{
    gtab[SELF_REF].domid = self;
    gtab[SELF_REF].frame = (uint32_t)gfn;
    smp_wmb();
    gtab[SELF_REF].flags = GTF_permit_access;
}

static void race_release_grant(void)
{
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                       .idx = 0, .gpfn = GUEST_SCRATCH_GPA >> PAGE_SHIFT };
    unsigned long mapped = 0;

    if (!check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), 0,
                  "map our grant table frame"))
        return;
    race_op = rg_op;
    start_racers(2);
    for (unsigned long r = 1; r <= rounds && !xtf_has_failed(); r++) {
        uint64_t gfn = rr_gfn(r), v = PATTERN ^ (r << 8);
        fill(gfn, v);
        grant_self(gfn);
        if (!run_round(r, 2))
            break;
        check_rc(result[0], 1, "round %lu: give back granted gfn %#lx", r, gfn);
        if (result[1] == GNTST_okay) {
            /* The map won: the frame must stay alive and intact behind it. */
            volatile uint64_t *m = (volatile uint64_t *)MAP_GPA;
            for (unsigned int i = 0; i < PAGE_SIZE / 8; i += 61)
                if (!check(m[i] == v, "round %lu: mapped grant of a released frame reads "
                           "%#lx at offset %#x, expected %#lx (the frame was freed and "
                           "reused under the mapping)", r, m[i], i * 8, v))
                    break;
            struct gnttab_unmap_grant_ref u = { .host_addr = MAP_GPA,
                                                .handle = rg_map.handle };
            if (check_rc(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1), 0,
                         "round %lu: unmap", r))
                check(u.status == GNTST_okay, "round %lu: unmap status %d", r, u.status);
            mapped++;
        } else {
            check(result[1] == GNTST_bad_page, "round %lu: map of a grant whose frame is "
                  "being released: status %ld, expected okay or bad_page (%d)", r, result[1],
                  GNTST_bad_page);
        }
        check(gtab[SELF_REF].flags == GTF_permit_access, "round %lu: grant flags %#x after "
              "the unmap", r, gtab[SELF_REF].flags);
        if (check_rc(populate(gfn), 1, "round %lu: populate gfn %#lx again", r, gfn))
            check_zero(gfn, "release-grant");
    }
    stop_racers(2);
    gtab[SELF_REF].flags = 0;
    printk("release-grant: %lu rounds, the map won %lu\n", rounds, mapped);
}

/* ---- release-vcpuinfo -------------------------------------------------------------------- */

static long rv_op(unsigned int id, unsigned long r)
{
    uint64_t gfn = rr_gfn(r);
    if (id == 1)
        return give_back(gfn);
    struct vcpu_register_vcpu_info info = { .mfn = gfn, .offset = 64 };
    return HYPERVISOR_vcpu_op(VCPUOP_register_vcpu_info, (unsigned int)(r + 1), &info);
}

static void race_release_vcpuinfo(void)
{
    unsigned int nr = nr_vcpus();
    unsigned long won = 0, r;
    evtchn_port_t port;

    if (nr < 8)
        xtf_fatal("race=release-vcpuinfo needs at least 8 vCPUs, has %u", nr);
    race_op = rv_op;
    start_racers(2);
    /* vCPUs 2..nr-1 are down: each can be given a vcpu_info once. */
    for (r = 1; r + 1 < nr && !xtf_has_failed(); r++) {
        uint64_t gfn = rr_gfn(r);
        fill(gfn, 0);
        if (!run_round(r, 2))
            break;
        check_rc(result[1], 1, "round %lu: give back gfn %#lx", r, gfn);
        check(result[0] == 0 || result[0] == -EINVAL, "round %lu: register_vcpu_info for "
              "vCPU%lu: %ld, expected 0 or -EINVAL", r, r + 1, result[0]);
        if (result[0] == 0) {
            /* As on Xen, the frame Tern holds still counts in our reservation until the vCPU
             * goes: give back a spare one so that the repopulation below fits. */
            won++;
            check_rc(give_back(arena_gfn + arena_frames - won), 1, "give back a spare");
        }
        /* Make Tern write to that vcpu_info: events for the down vCPU. */
        if (check_rc(evtchn_bind_ipi((uint32_t)(r + 1), &port), 0, "bind IPI to vCPU%lu",
                     r + 1)) {
            for (unsigned int k = 0; k < 4; k++)
                evtchn_send(port);
            evtchn_close(port);
        }
        /* The released frame is held by Tern while it is a vcpu_info: a fresh one here
         * must not be it. */
        if (check_rc(populate(gfn), 1, "round %lu: populate gfn %#lx again", r, gfn))
            check_zero(gfn, "release-vcpuinfo");
    }
    stop_racers(2);
    printk("release-vcpuinfo: %lu rounds, registration won %lu\n", r - 1, won);
}

/* ---- down-up ------------------------------------------------------------------------------ */

static volatile unsigned long du_count[MAX_VCPUS];
static volatile bool du_go;

static void down_upper(unsigned int id, void *arg)
{
    unsigned int other = id == 1 ? 2 : 1;
    while (!du_go)
        cpu_relax(); /* both vCPUs are initialised before either acts on the other */
    while (!stop) {
        long a = vcpu_down(other), b = vcpu_up(other);
        if (a || b)
            xtf_failure("vCPU%u: down/up of vCPU%u gave %ld/%ld", id, other, a, b);
        du_count[id]++;
    }
}

static void race_down_up(void)
{
    unsigned long rescues = 0;
    uint64_t deadline = now_ns() + SEC(120);

    stop = false;
    for (unsigned int id = 1; id <= 2; id++)
        if (vcpu_start(id, down_upper, NULL))
            xtf_fatal("cannot start vCPU%u", id);
    du_go = true;
    while (du_count[1] + du_count[2] < rounds && !xtf_has_failed()) {
        unsigned long before = du_count[1] + du_count[2];
        if (now_ns() > deadline) {
            xtf_failure("down-up: only %lu of %lu rounds in 120 s", before, rounds);
            break;
        }
        delay_ns(MS(5));
        /* Both took the other down at once: that is the guest's own livelock, not Tern's;
         * bring them back as its watchdog would. */
        if (du_count[1] + du_count[2] == before && vcpu_is_up(1) == 0 && vcpu_is_up(2) == 0) {
            rescues++;
            vcpu_up(1);
            vcpu_up(2);
        }
    }
    stop = true;
    for (unsigned int id = 1; id <= 2; id++) {
        uint64_t end = now_ns() + SEC(10);
        /* The other may take it down again until it has seen stop: keep bringing it up. */
        while (!percpu[id].done && now_ns() < end) {
            vcpu_up(id);
            delay_ns(MS(1));
        }
        check(percpu[id].done, "vCPU%u did not stop", id);
    }
    printk("down-up: %lu + %lu rounds, %lu rescues of a mutual down\n", du_count[1],
           du_count[2], rescues);
}

/* ---- p2m-access ----------------------------------------------------------------------------- */

#define PA_PAGES 64 /* a 2 MiB-aligned group of frames at the start of the arena */

static volatile unsigned long pa_reads;

static void sibling(unsigned int id, void *arg)
{
    uint64_t seed = 0x9e3779b97f4a7c15ULL;

    while (!stop) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        unsigned int page = (unsigned int)(seed >> 33) % PA_PAGES;
        unsigned int word = (unsigned int)(seed >> 20) % (PAGE_SIZE / 8);
        volatile uint64_t *p = frame(arena_gfn + page) + word;
        uint64_t v = *p;
        if (v != 0 && v != PATTERN && v != ~0ULL) {
            xtf_failure("sibling: gfn %#lx offset %#x read %#lx: neither our pattern, zero "
                        "nor all-ones (host or foreign memory reached the guest)",
                        arena_gfn + page, word * 8, v);
            return;
        }
        *p = PATTERN;
        pa_reads++;
    }
}

static void race_p2m_access(void)
{
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                       .idx = 0, .gpfn = GUEST_SCRATCH_GPA >> PAGE_SHIFT };
    uint64_t seed = 12345;
    unsigned long grant_maps = 0;

    if (arena_gfn & 511)
        xtf_fatal("arena not 2 MiB aligned");
    check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), 0, "grant table frame");
    stop = false;
    if (vcpu_start(1, sibling, NULL))
        xtf_fatal("cannot start vCPU1");
    for (unsigned long r = 1; r <= rounds && !xtf_has_failed(); r++) {
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        uint64_t gfn = arena_gfn + (seed >> 40) % PA_PAGES;
        uint64_t src = arena_gfn + PA_PAGES + (seed >> 20) % 16;
        if ((r & 3) != 3) {
            give_back(gfn);
            populate(gfn);
            continue;
        }
        /* A grant of one of our frames mapped where the sibling is looking. */
        fill(src, (r & 4) ? PATTERN : 0);
        grant_self(src);
        if (give_back(gfn) != 1)
            continue;
        struct gnttab_map_grant_ref m = { .host_addr = gfn << PAGE_SHIFT,
                                          .flags = GNTMAP_host_map, .ref = SELF_REF,
                                          .dom = self };
        if (HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &m, 1) == 0 &&
            m.status == GNTST_okay) {
            grant_maps++;
            delay_ns(20000);
            struct gnttab_unmap_grant_ref u = { .host_addr = gfn << PAGE_SHIFT,
                                                .handle = m.handle };
            HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &u, 1);
            check(u.status == GNTST_okay, "round %lu: unmap status %d", r, u.status);
        }
        populate(gfn);
    }
    stop = true;
    if (!wait_until(percpu[1].done, SEC(10)))
        xtf_failure("sibling did not stop");
    printk("p2m-access: %lu rounds, %lu grant maps, sibling made %lu accesses\n", rounds,
           grant_maps, pa_reads);
    check(pa_reads > rounds, "sibling made only %lu accesses in %lu rounds", pa_reads, rounds);
}

/* ---- unmap-batch ------------------------------------------------------------------------ */

/*
 * Grant unmaps are batched (hv/common/grant_table.c): the p2m entries go at once, the flush
 * comes once per 32 unmaps and at the end of the hypercall, and until then each unmap keeps
 * its grant pin and frame reference. vCPU1 writes through M, one of UB_MAPS mappings of a
 * grant of our own frame S, while vCPU0 unmaps them all in one call (M at a different place
 * each round, before and after the flush at 32), revokes the grant, gives S back and
 * populates it again: S must then read zero however long vCPU1 goes on writing at M. Half
 * the rounds give S back before the unmap, so that the unmap frees the frame: only then
 * does a late flush let vCPU1's writes reach the frame populate hands back.
 */
#define UB_MAPS 36

static uint64_t ub_m; /* M: the first of UB_MAPS spare gfns, given back at the start */
static volatile unsigned long ub_writes, ub_hits;

/* vCPU1: writes our pattern through M and reads it back, nonstop. A write to M while nothing
 * is mapped there is discarded and a read gives all-ones (hvm/emulate.c), as on Xen; zero is
 * a fresh frame met through M in the next round. */
static void ub_writer(unsigned int id, void *arg)
{
    unsigned long n = 0;

    while (!stop) {
        unsigned int word = (unsigned int)(n * 61) % (PAGE_SIZE / 8);
        volatile uint64_t *p = frame(ub_m) + word;
        *p = PATTERN;
        uint64_t v = *p;
        if (v == PATTERN) {
            ub_hits++;
        } else if (v != ~0ULL && v != 0) {
            xtf_failure("writer: M (gfn %#lx) offset %#x read %#lx after writing %#llx: "
                        "neither that, all-ones nor zero", ub_m, word * 8, v, PATTERN);
            return;
        }
        ub_writes = ++n;
    }
}

/* Unmap the UB_MAPS mappings in one call, M (handle h[0]) at position pos. */
static bool ub_unmap(unsigned long r, const grant_handle_t *h, unsigned int pos)
{
    static struct gnttab_unmap_grant_ref u[UB_MAPS];
    static struct gnttab_unmap_and_replace ur[UB_MAPS];
    bool replace = r & 1; /* unmap_and_replace with new_addr 0 is the same unmap */
    long rc;

    for (unsigned int i = 0; i < UB_MAPS; i++) {
        /* Slot i holds mapping k: M at pos, the others in order around it. */
        unsigned int k = i == pos ? 0 : i < pos ? i + 1 : i;
        u[i] = (struct gnttab_unmap_grant_ref){ .host_addr = (ub_m + k) << PAGE_SHIFT,
                                                .handle = h[k] };
        ur[i] = (struct gnttab_unmap_and_replace){ .host_addr = u[i].host_addr,
                                                   .handle = h[k] };
    }
    rc = replace ? HYPERVISOR_grant_table_op(GNTTABOP_unmap_and_replace, ur, UB_MAPS)
                 : HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, u, UB_MAPS);
    if (!check_rc(rc, 0, "round %lu: %s of %u mappings", r,
                  replace ? "unmap_and_replace" : "unmap_grant_ref", UB_MAPS))
        return false;
    for (unsigned int i = 0; i < UB_MAPS; i++) {
        int16_t st = replace ? ur[i].status : u[i].status;
        if (!check(st == GNTST_okay, "round %lu: unmap %u of %u: status %d", r, i, UB_MAPS,
                   st))
            return false;
    }
    return true;
}

static void race_unmap_batch(void)
{
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                       .idx = 0, .gpfn = GUEST_SCRATCH_GPA >> PAGE_SHIFT };
    static struct gnttab_map_grant_ref m[UB_MAPS];
    grant_handle_t h[UB_MAPS];
    uint64_t slots = arena_frames - UB_MAPS;
    unsigned long r, checks = 0;
    uint64_t t0 = now_ns();

    if (!check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), 0,
                  "map our grant table frame"))
        return;
    ub_m = arena_gfn + slots;
    for (unsigned int k = 0; k < UB_MAPS; k++)
        if (!check_rc(give_back(ub_m + k), 1, "give back spare gfn %#lx", ub_m + k))
            return;
    stop = false;
    if (vcpu_start(1, ub_writer, NULL))
        xtf_fatal("cannot start vCPU1");
    /* Each round waits on vCPU1 (its first write through M, its writes after the repopulate,
     * and each flush waits for its pCPU to leave the guest), which a loaded host delays
     * many times over: seconds= bounds the time, and a tenth of the rounds must fit. */
    uint64_t deadline = t0 + SEC(cmdline_get_int("seconds", 600));
    for (r = 1; r <= rounds && !xtf_has_failed() && now_ns() < deadline; r++) {
        uint64_t s = arena_gfn + r % slots;
        unsigned long hits;

        grant_self(s);
        for (unsigned int k = 0; k < UB_MAPS; k++)
            m[k] = (struct gnttab_map_grant_ref){ .host_addr = (ub_m + k) << PAGE_SHIFT,
                                                  .flags = GNTMAP_host_map, .ref = SELF_REF,
                                                  .dom = self };
        hits = ub_hits;
        if (!check_rc(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, m, UB_MAPS), 0,
                      "round %lu: map %u times", r, UB_MAPS))
            break;
        for (unsigned int k = 0; k < UB_MAPS; k++) {
            check(m[k].status == GNTST_okay, "round %lu: map %u: status %d", r, k,
                  m[k].status);
            h[k] = m[k].handle;
        }
        if (xtf_has_failed())
            break;
        /* vCPU1 reached S through M at least once: the mapping is in use. */
        if (!check(wait_until(ub_hits != hits, ROUND_TIMEOUT), "round %lu: the writer never "
                   "read back its pattern through M in 20 s", r))
            break;
        /* Every other pair of rounds S goes first: the mappings then hold the frame's last
         * references, dropped by the unmap call only after its flush; populating S is
         * likely to get that very frame back. */
        bool early = r & 2;
        if (early && !check_rc(give_back(s), 1, "round %lu: give back mapped gfn %#lx", r, s))
            break;
        if (!ub_unmap(r, h, (unsigned int)(r % UB_MAPS)))
            break;
        /* Every pin went when the unmap call returned: the revoke must succeed at once. */
        uint16_t was = cmpxchg(&gtab[SELF_REF].flags, (uint16_t)GTF_permit_access, 0);
        if (!check(was == GTF_permit_access, "round %lu: revoking the grant found flags %#x, "
                   "expected %#x (a pin outlived its unmap)", r, was, GTF_permit_access))
            break;
        if ((!early && !check_rc(give_back(s), 1, "round %lu: give back gfn %#lx", r, s)) ||
            !check_rc(populate(s), 1, "round %lu: populate gfn %#lx again", r, s))
            break;
        /* The writer goes on at M: none of it may reach the fresh frame. */
        unsigned long w = ub_writes;
        uint64_t end = now_ns() + ROUND_TIMEOUT;
        do {
            if (!check_zero(s, "unmap-batch (vCPU1 writes our pattern at M)"))
                break;
            checks++;
        } while (ub_writes < w + 4 && now_ns() < end);
        check(ub_writes >= w + 4, "round %lu: the writer stopped (%lu writes in 20 s)", r,
              ub_writes - w);
    }
    stop = true;
    if (!wait_until(percpu[1].done, SEC(10)))
        xtf_failure("writer did not stop");
    check(r - 1 >= rounds / 10, "unmap-batch: only %lu of %lu rounds in the time given",
          r - 1, rounds);
    printk("unmap-batch: %lu rounds of %u unmaps in %lu ms, writer %lu writes (%lu read back "
           "through M), %lu zero checks\n", r - 1, UB_MAPS, (now_ns() - t0) / MS(1), ub_writes,
           ub_hits, checks);
}

/* ---- evtchn-limit ------------------------------------------------------------------------- */

/*
 * createdomain's max_evtchn_port (xl.cfg max_event_channels = limit=): both vCPUs allocate
 * unbound ports at once until each gets -ENOSPC, as Xen's get_free_port (ports 1..limit;
 * port 0 is reserved), then both close every port at once: exactly one close of each wins.
 */
#define EL_MAX 1024

static unsigned int el_limit;
static bool el_preset[EL_MAX + 1]; /* ports in use before the race (the console's) */
static unsigned int el_npreset;     /* how many */
static evtchn_port_t el_port[2][EL_MAX + 1];
static unsigned int el_nr[2];
static evtchn_port_t el_all[EL_MAX + 1];
static unsigned int el_nall;
static long el_close[2][EL_MAX + 1];

static long el_op(unsigned int id, unsigned long r)
{
    if (r & 1) {
        evtchn_port_t port;
        long rc;
        el_nr[id] = 0;
        while ((rc = evtchn_alloc_unbound(self, &port)) == 0 && el_nr[id] <= el_limit)
            el_port[id][el_nr[id]++] = port;
        return rc;
    }
    /* vCPU0 closes upwards, vCPU1 downwards: they meet in the middle, then cross. */
    for (unsigned int i = 0; i < el_nall; i++) {
        unsigned int j = id ? el_nall - 1 - i : i;
        el_close[id][j] = evtchn_close(el_all[j]);
    }
    return 0;
}

static bool el_check_alloc(unsigned long r)
{
    static bool seen[EL_MAX + 1];

    memset(seen, 0, sizeof(seen));
    el_nall = 0;
    for (unsigned int id = 0; id < 2; id++) {
        if (!check(result[id] == -ENOSPC, "round %lu: vCPU%u's allocations ended with %ld "
                   "after %u ports, expected -ENOSPC (%d)", r, id, result[id], el_nr[id],
                   -ENOSPC))
            return false;
        for (unsigned int i = 0; i < el_nr[id]; i++) {
            evtchn_port_t p = el_port[id][i];
            if (!check(p >= 1 && p <= el_limit, "round %lu: vCPU%u was given port %u, "
                       "outside 1..%u (max_event_channels)", r, id, p, el_limit) ||
                !check(!seen[p] && !el_preset[p], "round %lu: port %u handed out twice",
                       r, p))
                return false;
            seen[p] = true;
            el_all[el_nall++] = p;
        }
    }
    return check(el_nall + el_npreset == el_limit, "round %lu: %u + %u ports allocated, %u "
                 "already in use: expected %u in all", r, el_nr[0], el_nr[1], el_npreset,
                 el_limit);
}

static bool el_check_close(unsigned long r)
{
    for (unsigned int i = 0; i < el_nall; i++) {
        long a = el_close[0][i], b = el_close[1][i];
        if (!check((a == 0 && b == -EINVAL) || (a == -EINVAL && b == 0), "round %lu: both "
                   "vCPUs closed port %u: %ld and %ld, expected one 0 and one -EINVAL", r,
                   el_all[i], a, b))
            return false;
    }
    return true;
}

static void race_evtchn_limit(void)
{
    unsigned long r, split = 0;
    struct evtchn_status st;
    uint64_t t0 = now_ns();

    el_limit = (unsigned int)cmdline_get_int("limit", 0);
    if (el_limit < 2 || el_limit > EL_MAX)
        xtf_fatal("race=evtchn-limit needs limit=<2..%u> (the cfg's max_event_channels)",
                  EL_MAX);
    for (unsigned int p = 1; p <= el_limit; p++) {
        el_preset[p] = evtchn_status(DOMID_SELF, p, &st) == 0 &&
                       st.status != EVTCHNSTAT_closed;
        el_npreset += el_preset[p];
    }
    /* Nothing beyond the limit, even for a port the table already has. */
    check(evtchn_status(DOMID_SELF, el_limit + 1, &st) != 0 ||
          st.status == EVTCHNSTAT_closed, "port %u above the limit is in use", el_limit + 1);
    race_op = el_op;
    start_racers(2);
    for (r = 1; r <= 2 * rounds && !xtf_has_failed(); r += 2) {
        if (!run_round(r, 2) || !el_check_alloc(r))
            break;
        split += el_nr[0] && el_nr[1];
        if (!run_round(r + 1, 2) || !el_check_close(r))
            break;
    }
    stop_racers(2);
    printk("evtchn-limit: %lu rounds of %u ports (%u in use before) in %lu ms, both vCPUs "
           "got some in %lu\n", r / 2, el_limit, el_npreset, (now_ns() - t0) / MS(1), split);
}

/* ---- timers ----------------------------------------------------------------------------- */

static void arm_timers(unsigned int id, void *arg)
{
    struct vcpu_set_periodic_timer p = { .period_ns = MS(1) };
    struct vcpu_set_singleshot_timer s = { .timeout_abs_ns = now_ns() + 300000 * (id + 1) };
    evtchn_port_t port;

    HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, id, &p);
    HYPERVISOR_vcpu_op(VCPUOP_set_singleshot_timer, id, &s);
    if (evtchn_bind_virq(VIRQ_TIMER, id, &port) == 0) {
        struct sched_poll poll = { .ports_gva = HC_PTR(&port), .nr_ports = 1,
                                   .timeout = now_ns() + MS(2) };
        while (!stop)
            HYPERVISOR_sched_op(SCHEDOP_poll, &poll);
    }
}

static void race_timers(void)
{
    unsigned int nr = nr_vcpus();

    stop = false;
    for (unsigned int id = 1; id < nr && id < MAX_VCPUS; id++)
        if (vcpu_start(id, arm_timers, NULL))
            xtf_fatal("cannot start vCPU%u", id);
    struct vcpu_set_periodic_timer p = { .period_ns = MS(1) };
    HYPERVISOR_vcpu_op(VCPUOP_set_periodic_timer, 0, &p);
    delay_ns(MS(5 + (rdtsc() % 20)));
    printk("timers: armed on %u vCPUs; rebooting while they fire\n", nr);
    /* The domain goes (on_reboot decides whether it comes back) with every timer live. */
    xtf_set_shutdown_reason(SHUTDOWN_reboot);
}

/* ---- main ----------------------------------------------------------------------------------- */

void test_main(void)
{
    char mode[32];
    const struct hvm_memmap_table_entry *e;
    uint64_t top = 0;

    if (!cmdline_get("race", mode, sizeof(mode)))
        xtf_fatal("no race=<mode> on the command line");
    rounds = cmdline_get_int("rounds", 2000);
    self = xen_domid();
    events_init();
    e = (const void *)(uintptr_t)start_info->memmap_paddr;
    for (unsigned int i = 0; i < start_info->memmap_entries; i++)
        if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && e[i].addr == 0)
            top = e[i].size;
    if (top < 2 * ARENA_SIZE)
        xtf_fatal("needs at least %lu MiB of RAM", 2 * ARENA_SIZE >> 20);
    arena_gfn = (top - ARENA_SIZE) >> PAGE_SHIFT;
    arena_frames = ARENA_SIZE >> PAGE_SHIFT;
    printk("race %s, %lu rounds, arena gfns %#lx-%#lx\n", mode, rounds, arena_gfn,
           arena_gfn + arena_frames - 1);

    if (!strcmp(mode, "release-release"))
        race_release_release();
    else if (!strcmp(mode, "release-grant"))
        race_release_grant();
    else if (!strcmp(mode, "release-vcpuinfo"))
        race_release_vcpuinfo();
    else if (!strcmp(mode, "down-up"))
        race_down_up();
    else if (!strcmp(mode, "p2m-access"))
        race_p2m_access();
    else if (!strcmp(mode, "unmap-batch"))
        race_unmap_batch();
    else if (!strcmp(mode, "evtchn-limit"))
        race_evtchn_limit();
    else if (!strcmp(mode, "timers"))
        race_timers();
    else
        xtf_fatal("unknown race mode '%s'", mode);
    /* again=1: end by rebooting, so that a domain built again (on_reboot = "restart") runs
     * another set of rounds (release-vcpuinfo has one round per down vCPU per boot). */
    if (cmdline_get_int("again", 0))
        xtf_set_shutdown_reason(SHUTDOWN_reboot);
    xtf_success();
}
