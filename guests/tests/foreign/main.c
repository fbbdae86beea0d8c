/* SPDX-License-Identifier: MIT */
/* Foreign mappings (privcmd's XENMEM_add_to_physmap_batch) and XENMEM_acquire_resource. */
#include "lib.h"
#include <public/domctl.h>
#include <public/sysctl.h>

const char test_title[] = "foreign mappings and acquire_resource from dom0";

/*
 * One ELF, two roles (command line role=dom0 / role=domu):
 *   dom0  boot module run as dom0 (tests/integration/foreign.sh); peer=<domid>, default 1.
 *   domu  the boot-time domU beside it (foreign-domu.cfg).
 * Both load the same image at the same addresses, so dom0 finds the domU's mailbox at the
 * gfn its own mbox_page has (the fixed-gfn convention); the mailbox lists the gfns of the
 * pattern pages. Steps:
 *   domU: fills NR_DATA pattern pages, grants data page 0 to dom0 in entry GREF_DOMU, checks
 *         every foreign/acquire call is refused to it, then publishes the mailbox.
 *   dom0: foreign-maps the mailbox and the pages (per-entry errors for bad requests),
 *         reads the patterns, writes a reply, acquires the domU's grant table, reads
 *         GREF_DOMU and seeds entries 0 and 1 as libxenguest does     -> dom0_state 1
 *   domU: checks the reply and the seeded entries, powers off          -> domu_state 1
 *   dom0: keeps two pages mapped while Tern destroys the domU, still reads them, unmaps
 *         them and sees exactly those frames return to Tern's free count.
 */

#define NR_DATA 4
#define MBOX_MAGIC 0x6e67726fU /* "orgn" */
#define GREF_DOMU 5            /* granted by the domU, read by dom0 */
#define REPLY_OFF 2048         /* dom0's reply in data page 0 */
#define REPLY_LEN 16
#define CONSOLE_GFN 0xfefffU   /* what libxenguest seeds entries 0 and 1 with */
#define STORE_GFN 0xfeffcU
#define UNPOPULATED_GFN 0x80000ULL /* 2 GiB: beyond a 32 MiB domU's RAM */
#define STEP_TIMEOUT SEC(60)
#define SCR(n) (GUEST_SCRATCH_GPA + (uint64_t)(n) * PAGE_SIZE)
#define SCR_GFN(n) (SCR(n) >> PAGE_SHIFT)

struct mailbox {
    uint32_t magic;
    uint32_t nr;
    uint64_t gfns[NR_DATA];
    volatile uint32_t dom0_state;
    volatile uint32_t domu_state;
    uint64_t churn_gfn;             /* the page the domU gives back and repopulates */
    volatile uint32_t churn_go;     /* dom0: start churning */
    volatile uint32_t churn_stop;   /* dom0: stop, leave it populated */
    volatile uint32_t churn_rounds; /* domU: stopped after this many */
};

static uint8_t data_pages[NR_DATA][PAGE_SIZE] __page_aligned;
static uint8_t mbox_page[PAGE_SIZE] __page_aligned;
static uint8_t victim_page[PAGE_SIZE] __page_aligned;
static uint8_t churn_page[PAGE_SIZE] __page_aligned;

#define CHURN_BYTE 0xc5    /* what the domU writes into each fresh churn frame */
#define CHURN_CHECK 64     /* bytes of it dom0 looks at */
#define RACE_ROUNDS 2000

static uint8_t pattern(unsigned int i, unsigned int page)
{
    return (uint8_t)(i * 13 + page * 31 + 7);
}

static uint8_t reply(unsigned int i) { return (uint8_t)(0xc0 + i); }

/* ---- hypercall helpers --------------------------------------------------------------------- */

/* One batch of n foreign frames of dom; rc of the call, per-entry results in errs. */
static long map_batch(domid_t dom, const uint64_t *idxs, const uint64_t *gpfns, int32_t *errs,
                      unsigned int n)
{
    struct xen_add_to_physmap_batch b = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_foreign, .size = (uint16_t)n,
        .u.foreign_domid = dom, .idxs_gva = (uintptr_t)idxs, .gpfns_gva = (uintptr_t)gpfns,
        .errs_gva = (uintptr_t)errs,
    };
    for (unsigned int i = 0; i < n; i++)
        errs[i] = 0x5a5a;
    return HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b);
}

/* Map frame gfn of dom at gpfn: the per-entry result, or the call's error. */
static long map_one(domid_t dom, uint64_t gfn, uint64_t gpfn)
{
    int32_t err;
    long rc = map_batch(dom, &gfn, &gpfn, &err, 1);
    return rc ? rc : err;
}

static long unmap(uint64_t gpfn)
{
    struct xen_remove_from_physmap r = { .domid = DOMID_SELF, .gpfn = gpfn };
    return HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &r);
}

static long acquire(domid_t dom, uint16_t type, uint32_t id, uint64_t frame, uint32_t nr,
                    uint64_t *list, uint32_t *nr_out)
{
    struct xen_mem_acquire_resource x = { .domid = dom, .type = type, .id = id,
                                          .nr_frames = nr, .frame = frame,
                                          .frame_list_gva = (uintptr_t)list };
    long rc = HYPERVISOR_memory_op(XENMEM_acquire_resource, &x);
    if (nr_out)
        *nr_out = x.nr_frames;
    return rc;
}

static long sysctl(struct xen_sysctl *op)
{
    op->interface_version = XEN_SYSCTL_INTERFACE_VERSION;
    return hypercall1(__HYPERVISOR_sysctl, HC_PTR(op));
}

static uint64_t free_pages(void)
{
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_physinfo };
    long rc = sysctl(&op);
    check_rc(rc, 0, "sysctl physinfo");
    return rc ? 0 : op.u.physinfo.free_pages;
}

/* Whether domain dom is still listed (getdomaininfolist from dom, one entry). */
static bool domain_listed(domid_t dom)
{
    struct xen_domctl_getdomaininfo info;
    struct xen_sysctl op = { .cmd = XEN_SYSCTL_getdomaininfolist };
    op.u.getdomaininfolist.first_domain = dom;
    op.u.getdomaininfolist.max_domains = 1;
    op.u.getdomaininfolist.buffer = (uintptr_t)&info;
    if (sysctl(&op))
        return true;
    return op.u.getdomaininfolist.num_domains == 1 && info.domain == dom;
}

/* Give the churn page back and populate it again (decrease_reservation, populate_physmap). */
static bool churn_once(void)
{
    uint64_t gfn = virt_to_gfn(churn_page);
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF,
                                        .extent_start_gva = (uintptr_t)&gfn };

    if (!check_rc(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 1,
                  "domU: give back the churn page") ||
        !check_rc(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 1,
                  "domU: repopulate the churn page"))
        return false;
    memset(churn_page, CHURN_BYTE, CHURN_CHECK);
    return true;
}

static long reservation(void)
{
    domid_t self = DOMID_SELF;
    return HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
}

/* ---- the unprivileged domU ---------------------------------------------------------------- */

/* Every foreign and acquire call is refused to a domU, as Xen refuses it, and changes nothing. */
static void domu_refused(void)
{
    uint64_t idx = 0x100, gpfn = SCR_GFN(10), list = SCR_GFN(11);
    int32_t err;
    uint32_t nr;

    /* Into itself: the batch runs, each entry fails arch_acquire_resource_check. */
    check_rc(map_batch(0, &idx, &gpfn, &err, 1), 0, "domU: foreign batch of dom0's gfn");
    check_rc(err, -EPERM, "domU: foreign batch entry (not the hardware domain)");
    check_rc(unmap(gpfn), -ENOENT, "domU: remove_from_physmap where the refused map was");
    /* Into another domain: refused by policy before any entry. */
    struct xen_add_to_physmap_batch b = {
        .domid = 0, .space = XENMAPSPACE_gmfn_foreign, .size = 1, .u.foreign_domid = 0,
        .idxs_gva = (uintptr_t)&idx, .gpfns_gva = (uintptr_t)&gpfn, .errs_gva = (uintptr_t)&err,
    };
    err = 0x5a5a;
    check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), -EPERM,
             "domU: foreign batch into dom0's physmap");
    check(err == 0x5a5a, "domU: refused batch wrote errs[0] = %d", err);
    struct xen_remove_from_physmap r = { .domid = 0, .gpfn = 0x100 };
    check_rc(HYPERVISOR_memory_op(XENMEM_remove_from_physmap, &r), -EPERM,
             "domU: remove_from_physmap in dom0");
    /* Xen: arch_acquire_resource_check fails for a translated non-hardware domain. */
    check_rc(acquire(0, XENMEM_resource_grant_table, 0, 0, 0, NULL, &nr), -EACCES,
             "domU: acquire_resource size query of dom0's grant table");
    check_rc(acquire(0, XENMEM_resource_grant_table, 0, 0, 1, &list, NULL), -EACCES,
             "domU: acquire_resource of dom0's grant table");
    check_rc(unmap(list), -ENOENT, "domU: remove_from_physmap where acquire would have mapped");
}

static void domu(void)
{
    volatile struct grant_entry_v1 *gt = (void *)SCR(0);
    struct mailbox *mb = (struct mailbox *)mbox_page;
    struct xen_add_to_physmap xatp = { .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table,
                                       .idx = 0, .gpfn = SCR_GFN(0) };

    if (!check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), 0,
                  "domU: map grant table frame 0"))
        return;
    for (unsigned int p = 0; p < NR_DATA; p++) {
        for (unsigned int i = 0; i < PAGE_SIZE; i++)
            data_pages[p][i] = pattern(i, p);
        mb->gfns[p] = virt_to_gfn(data_pages[p]);
    }
    gt[GREF_DOMU].domid = 0;
    gt[GREF_DOMU].frame = (uint32_t)virt_to_gfn(data_pages[0]);
    smp_wmb();
    gt[GREF_DOMU].flags = GTF_permit_access;
    domu_refused();
    /* Once before dom0 counts free pages: the p2m has its 4 KiB table for it from now on. */
    churn_once();
    mb->churn_gfn = virt_to_gfn(churn_page);

    mb->nr = NR_DATA;
    smp_wmb();
    mb->magic = MBOX_MAGIC;
    printk("domU: %u pattern pages from gfn %#lx published\n", NR_DATA,
           (unsigned long)mb->gfns[0]);
    /* The churn while dom0 maps the page (dom0_race): Tern must never let dom0 see a frame
     * that is neither the domU's nor fresh. */
    /* wait=<s>: how long dom0 may take to come (a Linux dom0 boots for a while first). */
    uint64_t first_wait = SEC(cmdline_get_int("wait", 60));
    if (check(wait_until(mb->churn_go, first_wait), "domU: dom0 did not start the race")) {
        uint32_t rounds = 0;
        while (!mb->churn_stop && churn_once())
            rounds++;
        smp_wmb();
        mb->churn_rounds = rounds ? rounds : 1;
    }
    if (!check(wait_until(mb->dom0_state >= 1, STEP_TIMEOUT),
               "domU: dom0 did not answer within 60 s"))
        return;
    for (unsigned int i = 0; i < REPLY_LEN; i++)
        if (!check(data_pages[0][REPLY_OFF + i] == reply(i),
                   "domU: reply byte %u written through dom0's foreign mapping: %#x, "
                   "expected %#x", i, data_pages[0][REPLY_OFF + i], reply(i)))
            break;
    check(gt[0].flags == GTF_permit_access && gt[0].domid == 0 && gt[0].frame == CONSOLE_GFN,
          "domU: grant entry 0 seeded by dom0: flags %#x domid %u frame %#x, expected %#x 0 "
          "%#x", gt[0].flags, gt[0].domid, gt[0].frame, GTF_permit_access, CONSOLE_GFN);
    check(gt[1].flags == GTF_permit_access && gt[1].domid == 0 && gt[1].frame == STORE_GFN,
          "domU: grant entry 1 seeded by dom0: flags %#x domid %u frame %#x, expected %#x 0 "
          "%#x", gt[1].flags, gt[1].domid, gt[1].frame, GTF_permit_access, STORE_GFN);
    mb->domu_state = 1;
    /* Powering off now: Tern destroys this domain while dom0 still maps two of its pages. */
}

/* ---- dom0 --------------------------------------------------------------------------------- */

static domid_t peer;

static bool page_is(const volatile uint8_t *p, unsigned int page, const char *what)
{
    for (unsigned int i = 0; i < PAGE_SIZE; i++) {
        if (i >= REPLY_OFF && i < REPLY_OFF + REPLY_LEN && !page)
            continue; /* dom0's reply area */
        if (!check(p[i] == pattern(i, page), "dom0: %s: byte %u is %#x, expected %#x", what,
                   i, p[i], pattern(i, page)))
            return false;
    }
    return true;
}

/* Bad requests: per-entry errors in errs[] with rc 0, or the whole call refused. */
static void dom0_errors(const struct mailbox *mb)
{
    uint64_t idxs[3] = { mb->gfns[0], UNPOPULATED_GFN, mb->gfns[1] };
    uint64_t gpfns[3] = { SCR_GFN(1), SCR_GFN(2), SCR_GFN(3) };
    int32_t errs[3];

    /* A mixed batch: the good entries map, the unpopulated one says -EINVAL (never -ENOENT,
     * which privcmd would retry forever). SCR 1 and 3 stay mapped for what follows. */
    if (check_rc(map_batch(peer, idxs, gpfns, errs, 3), 0, "dom0: mixed batch"))
        check(errs[0] == 0 && errs[1] == -EINVAL && errs[2] == 0,
              "dom0: mixed batch errs {%d, %d, %d}, expected {0, -22 (EINVAL), 0}", errs[0],
              errs[1], errs[2]);
    check_rc(unmap(SCR_GFN(2)), -ENOENT, "dom0: remove_from_physmap of the failed entry");
    check_rc(map_one(peer, 1ULL << 40, SCR_GFN(2)), -EINVAL, "dom0: idx beyond any gfn");
    check_rc(map_one(0, 0x100, SCR_GFN(2)), -EPERM, "dom0: foreign_domid = itself");
    check_rc(map_one(DOMID_SELF, 0x100, SCR_GFN(2)), -ESRCH, "dom0: foreign_domid DOMID_SELF");
    check_rc(map_one(77, 0x100, SCR_GFN(2)), -ESRCH, "dom0: foreign_domid 77 (no domain)");
    check_rc(map_one(peer, mb->gfns[2], SCR_GFN(1)), -ENXIO,
             "dom0: mapping over an existing foreign mapping");
    check_rc(map_one(peer, virt_to_gfn(data_pages[2]), ~0ULL), -EINVAL,
             "dom0: gpfn INVALID_GFN (whole call)");

    struct xen_add_to_physmap_batch b = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_gmfn_range, .size = 1,
        .idxs_gva = (uintptr_t)idxs, .gpfns_gva = (uintptr_t)gpfns, .errs_gva = (uintptr_t)errs,
    };
    check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), -EOPNOTSUPP,
             "dom0: batch of XENMAPSPACE_gmfn_range");
    b.space = XENMAPSPACE_gmfn_foreign;
    b.u.foreign_domid = peer;
    check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch | (2 << MEMOP_EXTENT_SHIFT), &b),
             -EILSEQ, "dom0: batch continued past its size");
    b.size = 2;
    check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch | (2 << MEMOP_EXTENT_SHIFT), &b),
             -EILSEQ, "dom0: batch continued at its size");
    b.size = 0;
    check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), 0, "dom0: empty batch");
    b.domid = 77;
    check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap_batch, &b), -ESRCH,
             "dom0: batch into domain 77");
}

/* Over dom0's own RAM: Xen frees the page that was there; populate brings RAM back. */
static void dom0_over_ram(const struct mailbox *mb)
{
    uint64_t gfn = virt_to_gfn(victim_page);
    long before = reservation();
    struct xen_memory_reservation r = { .nr_extents = 1, .domid = DOMID_SELF };

    victim_page[0] = 0x77;
    if (!check_rc(map_one(peer, mb->gfns[2], gfn), 0, "dom0: foreign map over its own RAM"))
        return;
    page_is(victim_page, 2, "page 2 mapped over dom0's RAM");
    check_rc(reservation(), before - 1, "dom0: pages after its RAM page was replaced");
    check_rc(unmap(gfn), 0, "dom0: remove_from_physmap of the foreign page");
    check_rc(unmap(gfn), -ENOENT, "dom0: remove_from_physmap again");
    r.extent_start_gva = (uintptr_t)&gfn;
    check_rc(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 1, "dom0: repopulate");
    check_rc(reservation(), before, "dom0: pages after repopulating");
    check(victim_page[0] == 0, "dom0: repopulated page reads %#x, expected 0", victim_page[0]);
}

/* The domU's grant table through XENMEM_acquire_resource, as xc_dom_gnttab_seed uses it. */
static void dom0_grant_table(void)
{
    struct gnttab_query_size q = { .dom = peer };
    uint64_t list[2] = { SCR_GFN(8), SCR_GFN(9) };
    uint32_t nr = 0;

    if (!check_rc(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1), 0,
                  "dom0: query_size of the domU"))
        return;
    if (check_rc(acquire(peer, XENMEM_resource_grant_table, 0, 0, 0, NULL, &nr), 0,
                 "dom0: acquire_resource size query"))
        check(nr == q.max_nr_frames, "dom0: size query says %u frames, query_size max %u",
              nr, q.max_nr_frames);
    /* Xen has grant v2 built in: status frames have a size, but a v1 table has none. */
    if (check_rc(acquire(peer, XENMEM_resource_grant_table, 1, 0, 0, NULL, &nr), 0,
                 "dom0: status frames size query"))
        check(nr == (q.max_nr_frames * 256 + 2047) / 2048,
              "dom0: status frames size %u, expected %u", nr,
              (q.max_nr_frames * 256 + 2047) / 2048);
    check_rc(acquire(peer, XENMEM_resource_grant_table, 1, 0, 1, list, NULL), -EINVAL,
             "dom0: acquire status frames of a v1 table");
    check_rc(acquire(peer, XENMEM_resource_grant_table, 2, 0, 1, list, NULL), -EINVAL,
             "dom0: acquire grant table id 2");
    check_rc(acquire(peer, 7, 0, 0, 1, list, NULL), -EOPNOTSUPP, "dom0: acquire of type 7");
    check_rc(acquire(peer, XENMEM_resource_vmtrace_buf, 0, 0, 1, list, NULL), -EINVAL,
             "dom0: acquire of a vmtrace buffer the domain lacks");
    check_rc(acquire(peer, XENMEM_resource_grant_table, 0, q.max_nr_frames, 1, list, NULL),
             -EINVAL, "dom0: acquire grant frame %u (beyond the limit)", q.max_nr_frames);
    check_rc(acquire(0, XENMEM_resource_grant_table, 0, 0, 1, list, NULL), -EPERM,
             "dom0: acquire its own grant table");
    check_rc(acquire(77, XENMEM_resource_grant_table, 0, 0, 1, list, NULL), -ESRCH,
             "dom0: acquire from domain 77");
    check_rc(acquire(peer, XENMEM_resource_grant_table, 0, 0, 0, list, NULL), -EINVAL,
             "dom0: acquire 0 frames with a list");

    if (!check_rc(acquire(peer, XENMEM_resource_grant_table, 0, 0, 1, list, NULL), 0,
                  "dom0: acquire grant frame 0"))
        return;
    volatile struct grant_entry_v1 *gt = (void *)SCR(8);
    check(gt[GREF_DOMU].flags == GTF_permit_access && gt[GREF_DOMU].domid == 0,
          "dom0: the domU's entry %u reads flags %#x domid %u", GREF_DOMU,
          gt[GREF_DOMU].flags, gt[GREF_DOMU].domid);
    /* xc_dom_gnttab_seed: console in entry 0, xenstore in entry 1, both for dom0. */
    gt[0].domid = 0;
    gt[0].frame = CONSOLE_GFN;
    gt[1].domid = 0;
    gt[1].frame = STORE_GFN;
    smp_wmb();
    gt[0].flags = GTF_permit_access;
    gt[1].flags = GTF_permit_access;
    check_rc(acquire(peer, XENMEM_resource_grant_table, 0, 0, 1, list, NULL), 0,
             "dom0: acquire grant frame 0 again at the same gfn (Xen: no change)");
    check_rc(unmap(SCR_GFN(8)), 0, "dom0: remove_from_physmap of the grant frame");
    check_rc(unmap(SCR_GFN(8)), -ENOENT, "dom0: remove_from_physmap of it again");
}

static volatile bool race_stop, race_done;
static volatile uint32_t race_removed;

/* vCPU1: unmaps the race gfn over and over while vCPU0 maps there. */
static void remover(unsigned int id, void *arg)
{
    uint32_t removed = 0;
    while (!race_stop) {
        long rc = unmap(SCR_GFN(6));
        if (rc == 0)
            removed++;
        else if (rc != -ENOENT)
            check_rc(rc, 0, "dom0 vCPU1: remove_from_physmap in the race");
    }
    race_removed = removed;
    smp_wmb();
    race_done = true;
}

/* What dom0 reads of the churn page is the domU's fresh frame (zero) or what it wrote. */
static void check_churn_frame(const volatile uint8_t *p, unsigned int round)
{
    for (unsigned int i = 0; i < CHURN_CHECK; i++)
        if (p[i] != 0 && p[i] != CHURN_BYTE) {
            check(false, "dom0: round %u: churn page byte %u is %#x, expected 0 or %#x",
                  round, i, p[i], CHURN_BYTE);
            return;
        }
}

/*
 * Races (every check under a lock, references before use): the domU gives its churn page
 * back and repopulates it nonstop while dom0 maps it, reads it and unmaps it; then, with a
 * second vCPU, dom0 also unmaps the gfn from vCPU1 while vCPU0 maps it there. Afterwards
 * nothing is mapped and Tern's free page count is what it was before.
 */
static void dom0_race(volatile struct mailbox *mb, unsigned int vcpus)
{
    uint64_t gfn = mb->churn_gfn, f0, f1;
    unsigned int mapped = 0, refused = 0;
    long rc;

    /* Dom0's p2m table for the race gfns exists before counting. */
    check_rc(map_one(peer, mb->gfns[0], SCR_GFN(6)), 0, "dom0: race gfn warm-up map");
    check_rc(unmap(SCR_GFN(6)), 0, "dom0: race gfn warm-up unmap");
    delay_ns(SEC(1) / 10);
    f0 = free_pages();
    mb->churn_go = 1;
    for (unsigned int r = 0; r < RACE_ROUNDS; r++) {
        rc = map_one(peer, gfn, SCR_GFN(6));
        if (rc == -EINVAL) { /* given back at that instant */
            refused++;
            continue;
        }
        if (!check_rc(rc, 0, "dom0: round %u: map the churn page", r))
            break;
        mapped++;
        check_churn_frame((const volatile uint8_t *)SCR(6), r);
        if (!check_rc(unmap(SCR_GFN(6)), 0, "dom0: round %u: unmap the churn page", r))
            break;
    }
    printk("dom0: churn race: %u maps, %u refused (page given back)\n", mapped, refused);
    if (vcpus >= 2 && check_rc(vcpu_start(1, remover, NULL), 0, "dom0: start vCPU1")) {
        unsigned int ok = 0, busy = 0;
        for (unsigned int r = 0; r < RACE_ROUNDS; r++) {
            rc = map_one(peer, gfn, SCR_GFN(6));
            /* -ENXIO: the last map is still there (vCPU1 has not removed it yet); -EINVAL:
             * the domU had given the page back at that instant. */
            if (rc == 0)
                ok++;
            else if (rc == -ENXIO)
                busy++;
            else if (rc != -EINVAL && !check_rc(rc, 0, "dom0: round %u: map vs unmap", r))
                break;
        }
        race_stop = true;
        check(wait_until(race_done, SEC(10)), "dom0: vCPU1 did not stop");
        smp_rmb();
        printk("dom0: map/unmap race: %u maps, %u over the last one, %u unmapped by vCPU1\n",
               ok, busy, race_removed);
        check(race_removed <= ok, "dom0: vCPU1 removed %u mappings of %u made", race_removed,
              ok);
    }
    race_stop = true;
    rc = unmap(SCR_GFN(6));
    check(rc == 0 || rc == -ENOENT, "dom0: final unmap of the race gfn: %ld", rc);
    mb->churn_stop = 1;
    if (!check(wait_until(mb->churn_rounds != 0, STEP_TIMEOUT), "dom0: the churn did not stop"))
        return;
    delay_ns(SEC(1) / 10);
    f1 = free_pages();
    check(f1 == f0, "dom0: free pages %llu after the races, %llu before",
          (unsigned long long)f1, (unsigned long long)f0);
    printk("dom0: races done, domU churned %u times; free pages %llu before and after\n",
           mb->churn_rounds, (unsigned long long)f1);
}

static void dom0(void)
{
    uint64_t mbox_gfn = virt_to_gfn(mbox_page);
    const struct mailbox *mb = (const void *)SCR(0);
    long rc = -ESRCH;

    peer = (domid_t)cmdline_get_int("peer", 1);
    check(xen_domid() == 0, "dom0: runs as domain %u", xen_domid());
    /* The domU is built beside dom0 at boot; give it a moment to exist. */
    wait_until((rc = map_one(peer, mbox_gfn, SCR_GFN(0))) != -ESRCH, STEP_TIMEOUT);
    if (!check_rc(rc, 0, "dom0: foreign map of the domU's mailbox (gfn %#lx)",
                  (unsigned long)mbox_gfn))
        return;
    if (!check(wait_until(((volatile struct mailbox *)mb)->magic == MBOX_MAGIC, STEP_TIMEOUT),
               "dom0: the domU's mailbox magic did not appear within 60 s"))
        return;
    smp_rmb();
    check_rc(mb->nr, NR_DATA, "dom0: pages the mailbox lists");

    dom0_race((volatile struct mailbox *)mb, (unsigned int)cmdline_get_int("vcpus", 1));
    dom0_errors(mb);
    dom0_over_ram(mb);
    if (!check_rc(map_one(peer, mb->gfns[3], SCR_GFN(4)), 0, "dom0: map page 3"))
        return;
    page_is((void *)SCR(1), 0, "page 0");
    page_is((void *)SCR(3), 1, "page 1");
    page_is((void *)SCR(4), 3, "page 3");
    for (unsigned int i = 0; i < REPLY_LEN; i++)
        ((volatile uint8_t *)SCR(1))[REPLY_OFF + i] = reply(i);
    dom0_grant_table();
    check_rc(unmap(SCR_GFN(4)), 0, "dom0: unmap page 3");

    /* Pages 0 and 1 stay mapped while the domU powers off and Tern destroys it. With keep=0
     * (the run foreign.sh compares the final free count with) nothing is mapped any more
     * by the time the domU may finish. */
    bool keep = cmdline_get_int("keep", 1) != 0;
    if (!keep) {
        check_rc(unmap(SCR_GFN(1)), 0, "dom0: unmap page 0");
        check_rc(unmap(SCR_GFN(3)), 0, "dom0: unmap page 1");
    }
    smp_wmb();
    ((volatile struct mailbox *)mb)->dom0_state = 1;
    if (keep)
        check(wait_until(((volatile struct mailbox *)mb)->domu_state >= 1, STEP_TIMEOUT),
              "dom0: the domU did not finish within 60 s");
    uint64_t gfn2 = mb->gfns[2]; /* the mailbox goes now */
    check_rc(unmap(SCR_GFN(0)), 0, "dom0: unmap the mailbox");
    /* Map, read and unmap page 2 nonstop while Tern destroys the domU (on another CPU when
     * there are two): each map either succeeds with the domU's page or fails with -ESRCH
     * (the domain is dying) or -EINVAL (its memory is going); never another frame. Not with
     * keep=0, whose domU must end with nothing mapped. */
    unsigned int during = 0, r = 0, einval = 0;
    uint64_t deadline = now_ns() + STEP_TIMEOUT;
    while (keep && domain_listed(peer) && now_ns() < deadline) {
        long rc = map_one(peer, gfn2, SCR_GFN(7));
        if (rc == -EINVAL)
            einval++;
        if (rc == -ESRCH || rc == -EINVAL)
            continue;
        if (!check_rc(rc, 0, "dom0: map %u during the domU's end", r++))
            break;
        during++;
        page_is((void *)SCR(7), 2, "page 2 mapped during the domU's end");
        check_rc(unmap(SCR_GFN(7)), 0, "dom0: unmap page 2 during the domU's end");
    }
    printk("dom0: mapped page 2 %u times while the domU ended (%u refused with -EINVAL)\n",
           during, einval);
    if (!check(wait_until(!domain_listed(peer), STEP_TIMEOUT),
               "dom0: domain %u still listed 60 s after it finished", peer))
        return;
    /* Tern unlists a domain before its last struct references go (the teardown's own
     * printing takes milliseconds): let that finish before counting. */
    delay_ns(SEC(1));
    uint64_t f1 = free_pages(), f2 = f1;
    if (keep) {
        page_is((void *)SCR(1), 0, "page 0 after its owner was destroyed");
        page_is((void *)SCR(3), 1, "page 1 after its owner was destroyed");
        for (unsigned int i = 0; i < REPLY_LEN; i++)
            check(((volatile uint8_t *)SCR(1))[REPLY_OFF + i] == reply(i),
                  "dom0: reply byte %u lost after the destroy", i);
        check_rc(map_one(peer, mbox_gfn, SCR_GFN(5)), -ESRCH,
                 "dom0: map from the destroyed domU");
        check_rc(unmap(SCR_GFN(1)), 0, "dom0: unmap page 0");
        check_rc(unmap(SCR_GFN(3)), 0, "dom0: unmap page 1");
        check_rc(unmap(SCR_GFN(1)), -ENOENT, "dom0: unmap page 0 again");
        f2 = free_pages();
        /* The two frames, and the dead domain's own structures freed with the last one. */
        check(f2 >= f1 + 2, "dom0: unmapping the destroyed domU's last 2 pages freed %lld "
              "pages, expected at least 2", (long long)(f2 - f1));
        printk("dom0: free pages %llu with 2 frames of the destroyed domU mapped, %llu after "
               "unmapping them\n", (unsigned long long)f1, (unsigned long long)f2);
    }
    printk("dom0: free pages at the end: %llu (keep=%u)\n", (unsigned long long)f2, keep);
}

void test_main(void)
{
    char role[8];

    if (!cmdline_get("role", role, sizeof(role)))
        xtf_fatal("no role= on the command line");
    if (!strcmp(role, "dom0"))
        dom0();
    else if (!strcmp(role, "domu"))
        domu();
    else
        xtf_fatal("unknown role %s", role);
    xtf_success();
}
