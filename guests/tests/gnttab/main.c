/* SPDX-License-Identifier: MIT */
/* Grant tables v1 between two domains (pvh-abi.md §8): grant, map, copy, unmap, revoke. */
#include "lib.h"

const char test_title[] = "grant tables v1 between two domains";

/*
 * Two domains run this guest: granter.cfg (extra = "role=granter") and grantee.cfg
 * ("role=grantee"). The peer's domid is peer=<domid>, else own + 1 (granter) / own - 1
 * (grantee): start the granter first. Grant references are fixed:
 *   REF_DATA  read-write, a page with a known pattern;
 *   REF_RO    read-only, another pattern;
 *   REF_MBOX  read-write, the mailbox both sides use to step through the test;
 *   REF_OTHER granted to a third domain (the grantee may not use it).
 * The grantee retries mapping REF_MBOX until the granter has published it (GNTST_bad_domain,
 * _bad_gntref and _general_error mean "not yet"). Then, through the mailbox:
 *   grantee: maps, reads, writes, copies, checks errors        -> client_state 1
 *   granter: sees GTF_reading/writing and the grantee's writes -> server_state 2
 *   grantee: unmaps DATA                                       -> client_state 2
 *   granter: sees the in-use flags cleared, revokes DATA       -> server_state 3
 *   grantee: mapping or copying DATA now fails                 -> client_state 3
 *   grantee: writes to its read-only mapping of RO (Xen discards the write), unmaps RO and
 *            MBOX; the granter revokes each once the hypervisor has cleared its in-use bits.
 * The write to the read-only mapping comes last: a hypervisor that kills the grantee for it
 * leaves the granter's verdict intact, and must still clear the dead grantee's mappings.
 */

#define REF_DATA 8
#define REF_RO 9
#define REF_MBOX 10
#define REF_OTHER 11
#define MBOX_MAGIC 0x676e7474U /* "ttng" */
#define CONNECT_TIMEOUT SEC(60)
#define STEP_TIMEOUT SEC(30)
#define CLIENT_MARK_OFF 2048 /* grantee writes 16 bytes here through its mapping */
#define CLIENT_COPY_OFF 3072 /* and copies 64 bytes here with GNTTABOP_copy */

struct mailbox {
    uint32_t magic;
    volatile uint32_t server_state;
    volatile uint32_t client_state;
};

static uint8_t data_page[PAGE_SIZE] __page_aligned;
static uint8_t ro_page[PAGE_SIZE] __page_aligned;
static uint8_t mbox_page[PAGE_SIZE] __page_aligned;
static uint8_t local_page[PAGE_SIZE] __page_aligned;
static domid_t self, peer;

static uint8_t pattern(unsigned int i, unsigned int seed) { return (uint8_t)(i * 7 + seed); }

static long query_size(domid_t dom, struct gnttab_query_size *q)
{
    *q = (struct gnttab_query_size){ .dom = dom };
    return HYPERVISOR_grant_table_op(GNTTABOP_query_size, q, 1);
}

static void check_common(void)
{
    struct gnttab_set_version sv = { .version = 1 };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct gnttab_query_size q;

    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), 0,
             "GNTTABOP_set_version(1)");
    check(sv.version == 1, "GNTTABOP_set_version(1) reports version %u", sv.version);
    sv.version = 3;
    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_set_version, &sv, 1), -EINVAL,
             "GNTTABOP_set_version(3)");
    if (check_rc(HYPERVISOR_grant_table_op(GNTTABOP_get_version, &gv, 1), 0,
                 "GNTTABOP_get_version"))
        check(gv.version == 1, "GNTTABOP_get_version: %u, expected 1", gv.version);

    if (check_rc(query_size(DOMID_SELF, &q), 0, "GNTTABOP_query_size(DOMID_SELF)") &&
        check(q.status == GNTST_okay, "GNTTABOP_query_size: status %d", q.status)) {
        printk("grant table: %u frames, at most %u\n", q.nr_frames, q.max_nr_frames);
        check(q.nr_frames >= 1 && q.max_nr_frames >= q.nr_frames,
              "GNTTABOP_query_size: %u frames of at most %u", q.nr_frames, q.max_nr_frames);
    }
    /* Errors come back in status, with rc 0. */
    if (check_rc(query_size(12345, &q), 0, "GNTTABOP_query_size(dom 12345)"))
        check(q.status == GNTST_bad_domain, "GNTTABOP_query_size(dom 12345): status %d, "
              "expected %d (bad_domain)", q.status, GNTST_bad_domain);
    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 2), -EINVAL,
             "GNTTABOP_query_size with count 2");
}

/* ---- Granter -------------------------------------------------------------------------- */

static void grant(volatile struct grant_entry_v1 *gt, grant_ref_t ref, domid_t dom, void *page,
                  uint16_t flags)
{
    gt[ref].domid = dom;
    gt[ref].frame = (uint32_t)virt_to_gfn(page);
    smp_wmb(); /* frame and domid before the flags that make the entry valid */
    gt[ref].flags = GTF_permit_access | flags;
}

/* Revoke ref once the grantee's mappings are gone (unmapped, or torn down with it). */
static void revoke(volatile struct grant_entry_v1 *gt, grant_ref_t ref, uint16_t flags)
{
    check(wait_until(cmpxchg(&gt[ref].flags, flags, (uint16_t)0) == flags, STEP_TIMEOUT),
          "granter: ref %u still in use 30 s after the grantee finished (flags %#x): its "
          "mapping was neither unmapped nor torn down", ref, gt[ref].flags);
}

static void granter(void)
{
    volatile struct grant_entry_v1 *gt = (void *)GUEST_SCRATCH_GPA;
    struct mailbox *mb = (struct mailbox *)mbox_page;
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF, .space = XENMAPSPACE_grant_table, .idx = 0,
        .gpfn = GUEST_SCRATCH_GPA >> PAGE_SHIFT,
    };
    struct gnttab_query_size q;
    uint16_t old;

    if (!check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), 0,
                  "XENMEM_add_to_physmap(grant_table frame 0 at gfn %#lx)", xatp.gpfn))
        return;
    if (query_size(DOMID_SELF, &q) == 0 && q.status == GNTST_okay) {
        xatp.idx = q.max_nr_frames;
        xatp.gpfn++;
        check_rc(HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp), -EINVAL,
                 "XENMEM_add_to_physmap(grant_table frame %u, beyond max_nr_frames)",
                 q.max_nr_frames);
    }

    for (unsigned int i = 0; i < PAGE_SIZE; i++) {
        data_page[i] = pattern(i, 3);
        ro_page[i] = pattern(i, 101);
    }
    mb->magic = MBOX_MAGIC;
    mb->server_state = 1;
    grant(gt, REF_DATA, peer, data_page, 0);
    grant(gt, REF_RO, peer, ro_page, GTF_readonly);
    grant(gt, REF_OTHER, (domid_t)(peer + 100), ro_page, 0);
    grant(gt, REF_MBOX, peer, mbox_page, 0);
    printk("granter: refs %u (rw), %u (ro), %u (mailbox) granted to d%u\n", REF_DATA, REF_RO,
           REF_MBOX, peer);

    if (!check(wait_until(mb->client_state >= 1, CONNECT_TIMEOUT),
               "granter: grantee d%u did not report within 60 s", peer))
        return;
    check((gt[REF_DATA].flags & (GTF_reading | GTF_writing)) == (GTF_reading | GTF_writing),
          "granter: ref %u mapped read-write: flags %#x, expected GTF_reading|GTF_writing set",
          REF_DATA, gt[REF_DATA].flags);
    check((gt[REF_RO].flags & (GTF_reading | GTF_writing)) == GTF_reading,
          "granter: ref %u mapped read-only: flags %#x, expected GTF_reading only", REF_RO,
          gt[REF_RO].flags);
    for (unsigned int i = 0; i < 16; i++)
        if (!check(data_page[CLIENT_MARK_OFF + i] == pattern(i, 55),
                   "granter: byte %u written through the grantee's mapping: %#x, expected %#x",
                   CLIENT_MARK_OFF + i, data_page[CLIENT_MARK_OFF + i], pattern(i, 55)))
            break;
    for (unsigned int i = 0; i < 64; i++)
        if (!check(data_page[CLIENT_COPY_OFF + i] == pattern(i, 77),
                   "granter: byte %u written by the grantee's GNTTABOP_copy: %#x, expected %#x",
                   CLIENT_COPY_OFF + i, data_page[CLIENT_COPY_OFF + i], pattern(i, 77)))
            break;
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        if (!check(ro_page[i] == pattern(i, 101), "granter: read-only page byte %u changed to "
                   "%#x", i, ro_page[i]))
            break;
    mb->server_state = 2;

    if (!check(wait_until(mb->client_state >= 2, STEP_TIMEOUT),
               "granter: grantee did not unmap within 30 s"))
        return;
    check(!(gt[REF_DATA].flags & (GTF_reading | GTF_writing)),
          "granter: after the unmap, flags of ref %u are %#x: in-use bits still set",
          REF_DATA, gt[REF_DATA].flags);
    /* Revoke as Linux does: cmpxchg the flags to 0, which fails while the page is in use. */
    old = cmpxchg(&gt[REF_DATA].flags, (uint16_t)GTF_permit_access, (uint16_t)0);
    check(old == GTF_permit_access, "granter: revoking ref %u: flags were %#x", REF_DATA, old);
    mb->server_state = 3;

    if (!check(wait_until(mb->client_state >= 3, STEP_TIMEOUT),
               "granter: grantee did not finish within 30 s"))
        return;
    revoke(gt, REF_RO, GTF_permit_access | GTF_readonly);
    revoke(gt, REF_MBOX, GTF_permit_access);
    gt[REF_OTHER].flags = 0;
}

/* ---- Grantee -------------------------------------------------------------------------- */

#define SCRATCH(n) (GUEST_SCRATCH_GPA + (n) * PAGE_SIZE)

static int16_t map(grant_ref_t ref, domid_t dom, uint32_t flags, uint64_t gpa,
                   grant_handle_t *handle)
{
    struct gnttab_map_grant_ref op = { .host_addr = gpa, .flags = flags, .ref = ref,
                                       .dom = dom };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &op, 1);

    if (rc) {
        xtf_failure("GNTTABOP_map_grant_ref(ref %u of d%u): rc %ld (%s), expected 0 and a "
                    "status", ref, dom, rc, errno_name(rc));
        return GNTST_general_error;
    }
    if (handle)
        *handle = op.handle;
    return op.status;
}

static int16_t unmap(uint64_t gpa, grant_handle_t handle)
{
    struct gnttab_unmap_grant_ref op = { .host_addr = gpa, .handle = handle };
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, &op, 1);

    if (rc) {
        xtf_failure("GNTTABOP_unmap_grant_ref(handle %u): rc %ld (%s)", handle, rc,
                    errno_name(rc));
        return GNTST_general_error;
    }
    return op.status;
}

static int16_t copy(struct gnttab_copy *op)
{
    long rc = HYPERVISOR_grant_table_op(GNTTABOP_copy, op, 1);

    if (rc) {
        xtf_failure("GNTTABOP_copy: rc %ld (%s)", rc, errno_name(rc));
        return GNTST_general_error;
    }
    return op->status;
}

static bool check_st(int16_t got, int16_t want, const char *what)
{
    return check(got == want, "%s: status %d, expected %d", what, got, want);
}

/* Copy between ref of the granter and a local page (to_peer: local -> granted page). */
static struct gnttab_copy copy_op(grant_ref_t ref, domid_t dom, uint16_t ref_off, void *local,
                                  uint16_t local_off, uint16_t len, bool to_peer)
{
    struct gnttab_copy_ptr remote = { .u.ref = ref, .domid = dom, .offset = ref_off };
    struct gnttab_copy_ptr mine = { .u.gmfn = virt_to_gfn(local), .domid = DOMID_SELF,
                                    .offset = local_off };

    return (struct gnttab_copy){
        .source = to_peer ? mine : remote,
        .dest = to_peer ? remote : mine,
        .len = len,
        .flags = to_peer ? GNTCOPY_dest_gref : GNTCOPY_source_gref,
    };
}

/* Returns the handle of the read-only mapping of REF_RO at SCRATCH(2), or ~0. */
static grant_handle_t grantee_mapped_checks(void)
{
    volatile uint8_t *data = (void *)SCRATCH(1), *ro = (void *)SCRATCH(2);
    grant_handle_t h_data, h_ro, h;
    struct gnttab_copy op;

    if (!check_st(map(REF_DATA, peer, GNTMAP_host_map, SCRATCH(1), &h_data), GNTST_okay,
                  "map ref DATA read-write"))
        return ~0U;
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        if (!check(data[i] == pattern(i, 3), "mapped ref %u byte %u: %#x, expected %#x",
                   REF_DATA, i, data[i], pattern(i, 3)))
            break;
    for (unsigned int i = 0; i < 16; i++)
        data[CLIENT_MARK_OFF + i] = pattern(i, 55);

    if (check_st(map(REF_RO, peer, GNTMAP_host_map | GNTMAP_readonly, SCRATCH(2), &h_ro),
                 GNTST_okay, "map ref RO with GNTMAP_readonly")) {
        for (unsigned int i = 0; i < PAGE_SIZE; i++)
            if (!check(ro[i] == pattern(i, 101), "mapped ref %u byte %u: %#x, expected %#x",
                       REF_RO, i, ro[i], pattern(i, 101)))
                break;
    } else {
        h_ro = ~0U;
    }

    /* Refusals: status codes as Xen 4.17 sets them. */
    check_st(map(REF_RO, peer, GNTMAP_host_map, SCRATCH(3), &h), GNTST_general_error,
             "map read-only ref RO without GNTMAP_readonly");
    check_st(map(REF_OTHER, peer, GNTMAP_host_map, SCRATCH(3), &h), GNTST_general_error,
             "map ref OTHER, granted to another domain");
    check_st(map(100000, peer, GNTMAP_host_map, SCRATCH(3), &h), GNTST_bad_gntref,
             "map ref 100000, beyond the granter's table");
    check_st(map(REF_DATA, 12345, GNTMAP_host_map, SCRATCH(3), &h), GNTST_bad_domain,
             "map a ref of dom 12345");
    check_st(map(REF_DATA, DOMID_SELF, GNTMAP_host_map, SCRATCH(3), &h), GNTST_bad_domain,
             "map with dom DOMID_SELF (map takes a real domid)");
    check_st(map(REF_DATA, peer, 0, SCRATCH(3), &h), GNTST_bad_gntref,
             "map with neither GNTMAP_host_map nor GNTMAP_device_map");
    check_st(map(REF_DATA, peer, GNTMAP_host_map | GNTMAP_device_map, SCRATCH(3), &h),
             GNTST_general_error, "map with GNTMAP_device_map from a PVH guest");

    /* GNTTABOP_copy both ways. */
    memset(local_page, 0, sizeof(local_page));
    op = copy_op(REF_DATA, peer, 0, local_page, 0, 2048, false);
    if (check_st(copy(&op), GNTST_okay, "GNTTABOP_copy 2048 bytes from ref DATA"))
        for (unsigned int i = 0; i < 2048; i++)
            if (!check(local_page[i] == pattern(i, 3), "GNTTABOP_copy from ref %u: byte %u is "
                       "%#x, expected %#x", REF_DATA, i, local_page[i], pattern(i, 3)))
                break;
    for (unsigned int i = 0; i < 64; i++)
        local_page[i] = pattern(i, 77);
    op = copy_op(REF_DATA, peer, CLIENT_COPY_OFF, local_page, 0, 64, true);
    check_st(copy(&op), GNTST_okay, "GNTTABOP_copy 64 bytes into ref DATA");
    op = copy_op(REF_RO, peer, 0, local_page, 0, 64, true);
    check_st(copy(&op), GNTST_general_error, "GNTTABOP_copy into read-only ref RO");
    op = copy_op(REF_DATA, peer, 4000, local_page, 0, 200, false);
    check_st(copy(&op), GNTST_bad_copy_arg, "GNTTABOP_copy across the end of the page");
    op = copy_op(REF_DATA, 12345, 0, local_page, 0, 64, false);
    check_st(copy(&op), GNTST_bad_domain, "GNTTABOP_copy from a ref of dom 12345");
    op = copy_op(REF_DATA, peer, 0, local_page, 0, 64, false);
    op.flags = 0; /* source is then a frame of the peer: only DOMID_SELF may name frames */
    op.source.u.gmfn = 0x100;
    check_st(copy(&op), GNTST_permission_denied, "GNTTABOP_copy from a frame of another domain");

    ((struct mailbox *)SCRATCH(0))->client_state = 1;

    if (!check(wait_until(((struct mailbox *)SCRATCH(0))->server_state >= 2, STEP_TIMEOUT),
               "grantee: granter did not check our writes within 30 s"))
        return h_ro;
    check_st(unmap(SCRATCH(1), h_data), GNTST_okay, "unmap ref DATA");
    check_st(unmap(SCRATCH(1), h_data), GNTST_bad_handle, "unmap ref DATA's handle twice");
    check_st(unmap(SCRATCH(3), 0xffffffffU), GNTST_bad_handle, "unmap handle 0xffffffff");
    return h_ro;
}

static void grantee(void)
{
    struct mailbox *mb = (struct mailbox *)SCRATCH(0);
    grant_handle_t h_mbox = 0, h_ro;
    uint64_t end = now_ns() + CONNECT_TIMEOUT;
    int16_t st = GNTST_general_error;
    struct gnttab_copy op;

    /* The mailbox appears once the granter is up and has published its grants. */
    while (now_ns() < end) {
        st = map(REF_MBOX, peer, GNTMAP_host_map, SCRATCH(0), &h_mbox);
        if (st == GNTST_okay || (st != GNTST_bad_domain && st != GNTST_bad_gntref &&
                                 st != GNTST_general_error))
            break;
        delay_ns(MS(20));
    }
    if (!check_st(st, GNTST_okay, "map the mailbox ref (retried for 60 s)"))
        return;
    if (!check(mb->magic == MBOX_MAGIC && mb->server_state >= 1,
               "mailbox through the grant mapping: magic %#x state %u", mb->magic,
               mb->server_state))
        return;
    printk("grantee: mailbox of d%u mapped\n", peer);

    h_ro = grantee_mapped_checks();
    mb->client_state = 2;

    if (check(wait_until(mb->server_state >= 3, STEP_TIMEOUT),
              "grantee: granter did not revoke within 30 s")) {
        grant_handle_t h;

        check_st(map(REF_DATA, peer, GNTMAP_host_map, SCRATCH(1), &h), GNTST_general_error,
                 "map ref DATA after the granter revoked it");
        op = copy_op(REF_DATA, peer, 0, local_page, 0, 64, false);
        check_st(copy(&op), GNTST_general_error, "GNTTABOP_copy from revoked ref DATA");
    }
    mb->client_state = 3;

    /* Xen discards writes to a read-only grant mapping (p2m_grant_map_ro): no fault. */
    if (h_ro != ~0U) {
        volatile uint8_t *ro = (void *)SCRATCH(2);

        printk("grantee: writing to the read-only mapping (Xen discards the write)\n");
        ro[0] = (uint8_t)~pattern(0, 101);
        check(ro[0] == pattern(0, 101), "write to a read-only grant mapping took effect");
        check_st(unmap(SCRATCH(2), h_ro), GNTST_okay, "unmap ref RO");
    }
    check_st(unmap(SCRATCH(0), h_mbox), GNTST_okay, "unmap the mailbox");
}

void test_main(void)
{
    char role[16] = "";
    bool is_granter;

    if (!cmdline_get("role", role, sizeof(role)) ||
        (strcmp(role, "granter") && strcmp(role, "grantee")))
        xtf_fatal("need role=granter or role=grantee on the command line (got \"%s\")",
                  cmdline());
    is_granter = !strcmp(role, "granter");
    self = xen_domid();
    if (self == DOMID_INVALID)
        xtf_fatal("CPUID leaf %#x does not give our domid", xen_cpuid_base + 4);
    peer = (domid_t)cmdline_get_int("peer", is_granter ? self + 1 : self - 1);
    printk("%s: d%u, peer d%u\n", role, self, peer);
    check_common();
    if (is_granter)
        granter();
    else
        grantee();
    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, local_page, 0xffffffffU),
             -EINVAL, "GNTTABOP_map_grant_ref with count 0xffffffff");
    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_transfer, local_page, 1), -ENOSYS,
             "GNTTABOP_transfer from a PVH guest");
    check_rc(HYPERVISOR_grant_table_op(63, local_page, 1), -ENOSYS, "grant_table_op 63");
    xtf_success();
}
