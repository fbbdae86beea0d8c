// SPDX-License-Identifier: MIT
/* Grant tables: map/unmap, copy, revocation, references, growth, teardown, hostile input. */
#include <stdlib.h>
#include <string.h>

#include "fake_env.h"
#include "harness.h"
#include <public/grant_table.h>
#include <tern/errno.h>
#include <tern/grant_table.h>
#include <tern/hypercall.h>
#include <tern/mm.h>
#include <tern/page_ref.h>

#define GRANTER 1
#define MAPPER 2
#define OTHER 3
#define RAM_GFN 0x100ULL    /* the granter's granted page */
#define MAP_GFN 0x80000ULL  /* where the mapper maps it (outside its RAM) */
#define REF 8             /* first ref not reserved for the toolstack */

/* The guest-visible entry ref of d, through the frame Tern would map for the guest. */
static struct grant_entry_v1 *entry(struct domain *d, grant_ref_t ref)
{
    mfn_t mfn;
    CHECK(grant_table_get_frame(d, ref / 512, &mfn) == 0, "frame of ref %u", ref);
    return (struct grant_entry_v1 *)fake_mfn_to_virt(mfn) + ref % 512;
}

/* The granter's side of the protocol: frame and domid, barrier, then flags. */
static void grant(struct domain *d, grant_ref_t ref, domid_t grantee, uint32_t gfn, bool ro)
{
    struct grant_entry_v1 *e = entry(d, ref);
    e->frame = gfn;
    e->domid = grantee;
    __atomic_store_n(&e->flags, (uint16_t)(GTF_permit_access | (ro ? GTF_readonly : 0)),
                     __ATOMIC_RELEASE);
}

/* Linux's gnttab_end_foreign_access_ref_v1: cmpxchg flags to 0 unless in use. */
static bool revoke(struct domain *d, grant_ref_t ref)
{
    uint16_t *flags = &entry(d, ref)->flags;
    uint16_t old = __atomic_load_n(flags, __ATOMIC_ACQUIRE);
    do {
        if (old & (GTF_reading | GTF_writing))
            return false;
    } while (!__atomic_compare_exchange_n(flags, &old, 0, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return true;
}

static long op(unsigned int cmd, void *arg, unsigned int count)
{
    return do_grant_table_op(cmd, (uint64_t)(uintptr_t)arg, count);
}

static struct gnttab_map_grant_ref map_op(domid_t dom, grant_ref_t ref, uint64_t gfn,
                                          uint32_t flags)
{
    struct gnttab_map_grant_ref m = { .host_addr = gfn << PAGE_SHIFT, .flags = flags,
                                      .ref = ref, .dom = dom, .status = 99,
                                      .handle = 0xdeadbeef, .dev_bus_addr = 0x1234 };
    return m;
}

/* Map as the current domain; returns the status and the handle. */
static int16_t do_map(domid_t dom, grant_ref_t ref, uint64_t gfn, uint32_t flags,
                      grant_handle_t *handle)
{
    struct gnttab_map_grant_ref m = map_op(dom, ref, gfn, flags);
    CHECK_EQ(op(GNTTABOP_map_grant_ref, &m, 1), 0);
    if (handle)
        *handle = m.handle;
    return m.status;
}

static int16_t do_unmap(grant_handle_t handle, uint64_t gfn)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = gfn << PAGE_SHIFT, .handle = handle,
                                        .status = 99 };
    CHECK_EQ(op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    return u.status;
}

/* Granter d1 with one RAM page granted at REF to d2; current is d2. */
struct pair {
    struct domain *g, *m;
    uint8_t *page;
};

static struct pair setup_pair(bool ro)
{
    struct pair p;
    fake_start();
    p.g = fake_domain_create(GRANTER);
    p.m = fake_domain_create(MAPPER);
    p.page = fake_ram(p.g, RAM_GFN, p2m_ram_rw);
    grant(p.g, REF, MAPPER, RAM_GFN, ro);
    fake_set_current(p.m);
    return p;
}

/* ---- map / unmap ------------------------------------------------------------------------- */

TEST(init_one_frame_max_64)
{
    struct pair p = setup_pair(false);
    CHECK_EQ(grant_table_nr_frames(p.g), 1);
    struct gnttab_query_size q = { .dom = DOMID_SELF, .status = 99 };
    CHECK_EQ(op(GNTTABOP_query_size, &q, 1), 0);
    CHECK_EQ(q.status, GNTST_okay);
    CHECK_EQ(q.nr_frames, 1);
    CHECK_EQ(q.max_nr_frames, 64);
    CHECK_EQ(grant_table_init(p.g), -EEXIST);
    fake_check_clean();
}

TEST(map_writable_sets_p2m_and_in_use_bits)
{
    struct pair p = setup_pair(false);
    struct gnttab_map_grant_ref m = map_op(GRANTER, REF, MAP_GFN, GNTMAP_host_map);
    CHECK_EQ(op(GNTTABOP_map_grant_ref, &m, 1), 0);
    CHECK_EQ(m.status, GNTST_okay);
    CHECK_EQ(m.dev_bus_addr, 0); /* no host-physical address handed out */
    mfn_t mfn = 0;
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, &mfn), p2m_grant_rw);
    CHECK(fake_mfn_to_virt(mfn) == p.page, "mapped the granted page, got mfn %#llx",
          (unsigned long long)mfn);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    /* The granter's allocation and p2m entry, the pin, and the mapper's p2m entry. */
    CHECK_EQ(fake_page_count(p.page), 4);
    CHECK_EQ(do_unmap(m.handle, MAP_GFN), GNTST_okay);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, NULL), p2m_invalid);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access);
    CHECK_EQ(fake_page_count(p.page), 2);
    fake_check_clean();
}

/* An unmap batch flushes the mapper's p2m once per 32 unmaps (not once per unmap), and every
 * pin outlives the flush that makes its removal complete: the granter cannot revoke before. */
#define NBATCH 40
static struct domain *batch_granter;
static int inuse_at_flush[4], nr_flush_seen;

static void count_inuse_at_flush(void)
{
    int n = 0;
    for (int i = 0; i < NBATCH; i++)
        n += !!(entry(batch_granter, REF + i)->flags & GTF_reading);
    if (nr_flush_seen < 4)
        inuse_at_flush[nr_flush_seen++] = n;
}

TEST(unmap_batch_flushes_once_per_32_and_unpins_after)
{
    struct pair p = setup_pair(false);
    struct gnttab_unmap_grant_ref u[NBATCH + 1];
    for (int i = 0; i < NBATCH; i++) {
        grant_handle_t h;
        grant(p.g, REF + i, MAPPER, RAM_GFN, false);
        CHECK_EQ(do_map(GRANTER, REF + i, MAP_GFN + i, GNTMAP_host_map, &h), GNTST_okay);
        u[i] = (struct gnttab_unmap_grant_ref){ .host_addr = (MAP_GFN + i) << PAGE_SHIFT,
                                                .handle = h, .status = 99 };
    }
    /* One bad handle in the middle changes nothing for the others. */
    u[NBATCH] = u[NBATCH / 2];
    u[NBATCH / 2] = (struct gnttab_unmap_grant_ref){ .host_addr = MAP_GFN << PAGE_SHIFT,
                                                     .handle = 0xffff, .status = 99 };
    batch_granter = p.g;
    nr_flush_seen = 0;
    fake_p2m_flush_hook = count_inuse_at_flush;
    CHECK_EQ(op(GNTTABOP_unmap_grant_ref, u, NBATCH + 1), 0);
    CHECK_EQ(u[NBATCH / 2].status, GNTST_bad_handle);
    for (int i = 0; i <= NBATCH; i++) {
        if (i != NBATCH / 2)
            CHECK_EQ(u[i].status, GNTST_okay);
        if (i < NBATCH)
            CHECK_EQ(entry(p.g, REF + i)->flags, GTF_permit_access);
    }
    CHECK_EQ(fake_p2m_flushes, 2);
    CHECK_EQ(nr_flush_seen, 2);
    CHECK_EQ(inuse_at_flush[0], NBATCH); /* 32 removed, none unpinned yet */
    CHECK_EQ(inuse_at_flush[1], NBATCH - 32);
    CHECK_EQ(fake_page_count(p.page), 2);
    for (int i = 0; i < NBATCH; i++)
        CHECK(revoke(p.g, REF + i), "ref %d revocable after the unmap", REF + i);
    fake_check_clean();
}

TEST(map_readonly_sets_reading_only)
{
    struct pair p = setup_pair(true);
    grant_handle_t h;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly, &h), 0);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, NULL), p2m_grant_ro);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_readonly | GTF_reading);
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_okay);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_readonly);
    fake_check_clean();
}

/* Xen: "Attempt to write-pin a r/o grant entry" is GNTST_general_error. */
TEST(writable_map_of_readonly_grant_refused_without_trace)
{
    struct pair p = setup_pair(true);
    grant_handle_t h;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, &h), GNTST_general_error);
    CHECK_EQ(h, 0xdeadbeef);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, NULL), p2m_invalid);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_readonly);
    /* The handle reserved during the attempt went back: the next map gets handle 0. */
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly, &h), 0);
    CHECK_EQ(h, 0);
    fake_check_clean();
}

TEST(map_by_non_grantee_refused)
{
    struct pair p = setup_pair(false);
    struct domain *o = fake_domain_create(OTHER);
    fake_set_current(o);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access);
    /* Nor may another grantee pile onto an entry that the right grantee has pinned. */
    fake_set_current(p.m);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_okay);
    fake_set_current(o);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN + 1, GNTMAP_host_map, NULL), GNTST_general_error);
    fake_check_clean();
}

TEST(revoke_fails_while_mapped_succeeds_after_unmap)
{
    struct pair p = setup_pair(false);
    grant_handle_t h;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, &h), GNTST_okay);
    CHECK(!revoke(p.g, REF), "revoke must fail while mapped");
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_okay);
    CHECK(revoke(p.g, REF), "revoke succeeds after unmap");
    CHECK_EQ(entry(p.g, REF)->flags, 0);
    /* A revoked entry cannot be mapped. */
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_general_error);
    fake_check_clean();
}

TEST(two_maps_of_one_grant_drop_bits_in_order)
{
    struct pair p = setup_pair(false);
    grant_handle_t hw, hr;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly, &hr), 0);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_reading);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN + 1, GNTMAP_host_map, &hw), 0);
    CHECK(hw != hr, "distinct handles");
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_reading | GTF_writing);
    CHECK_EQ(do_unmap(hw, MAP_GFN + 1), GNTST_okay);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_reading);
    CHECK(!revoke(p.g, REF), "still read-mapped");
    CHECK_EQ(do_unmap(hr, MAP_GFN), GNTST_okay);
    CHECK(revoke(p.g, REF), "revocable at last");
    fake_check_clean();
}

TEST(unmap_bad_handle_and_mismatched_addresses)
{
    struct pair p = setup_pair(false);
    grant_handle_t h;
    CHECK_EQ(do_unmap(0, MAP_GFN), GNTST_bad_handle); /* nothing mapped yet */
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, &h), GNTST_okay);
    CHECK_EQ(do_unmap(12345, MAP_GFN), GNTST_bad_handle);
    CHECK_EQ(do_unmap(0xffffffff, MAP_GFN), GNTST_bad_handle);
    CHECK_EQ(do_unmap(h + 1, MAP_GFN), GNTST_bad_handle);
    CHECK_EQ(do_unmap(h, MAP_GFN + 1), GNTST_general_error);
    struct gnttab_unmap_grant_ref u = { .host_addr = (MAP_GFN << PAGE_SHIFT) | 8,
                                        .handle = h };
    CHECK_EQ(op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    CHECK_EQ(u.status, GNTST_general_error);
    u = (struct gnttab_unmap_grant_ref){ .host_addr = MAP_GFN << PAGE_SHIFT,
                                         .dev_bus_addr = 0x5000, .handle = h };
    CHECK_EQ(op(GNTTABOP_unmap_grant_ref, &u, 1), 0);
    CHECK_EQ(u.status, GNTST_general_error);
    /* As Xen: host_addr 0 asks for nothing; the mapping and handle stay. */
    CHECK_EQ(do_unmap(h, 0), GNTST_okay);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, NULL), p2m_grant_rw);
    CHECK(!revoke(p.g, REF), "still mapped after the refused unmaps");
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_okay);
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_bad_handle);
    fake_check_clean();
}

static int16_t do_replace(grant_handle_t handle, uint64_t gfn, uint64_t new_addr)
{
    struct gnttab_unmap_and_replace r = { .host_addr = gfn << PAGE_SHIFT,
                                          .new_addr = new_addr, .handle = handle,
                                          .status = 99 };
    CHECK_EQ(op(GNTTABOP_unmap_and_replace, &r, 1), 0);
    return r.status;
}

/* Xen 4.17 for a PVH/HVM caller (replace_grant_p2m_mapping): an unmap when new_addr is 0,
 * refused with the mapping kept otherwise; the handle is checked first. */
TEST(unmap_and_replace_as_xen_for_hvm)
{
    struct pair p = setup_pair(false);
    grant_handle_t h;
    CHECK_EQ(do_replace(0, MAP_GFN, 0), GNTST_bad_handle);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, &h), GNTST_okay);
    CHECK_EQ(do_replace(h + 1, MAP_GFN, 0x7000), GNTST_bad_handle);
    CHECK_EQ(do_replace(h, MAP_GFN, 0x7000), GNTST_general_error);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, NULL), p2m_grant_rw);
    CHECK(!revoke(p.g, REF), "still mapped after the refused replace");
    CHECK_EQ(do_replace(h, MAP_GFN + 1, 0), GNTST_general_error);
    CHECK_EQ(do_replace(h, MAP_GFN, 0), GNTST_okay);
    CHECK(fake_p2m(p.m, MAP_GFN, NULL) != p2m_grant_rw, "the p2m entry went");
    CHECK(revoke(p.g, REF), "revocable after the replace unmapped it");
    CHECK_EQ(do_replace(h, MAP_GFN, 0), GNTST_bad_handle);
    fake_check_clean();
}

TEST(map_flags_checked_as_xen_does_for_hvm)
{
    struct pair p = setup_pair(false);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, 0, NULL), GNTST_bad_gntref);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_readonly, NULL), GNTST_bad_gntref);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_device_map, NULL), GNTST_general_error);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_device_map | GNTMAP_host_map, NULL),
             GNTST_general_error);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map | GNTMAP_contains_pte, NULL),
             GNTST_general_error);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map | GNTMAP_application_map, NULL),
             GNTST_general_error);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access);
    fake_check_clean();
}

TEST(map_host_addr_checked)
{
    struct pair p = setup_pair(false);
    fake_ram(p.m, 0x10, p2m_ram_rw);
    struct gnttab_map_grant_ref m = map_op(GRANTER, REF, MAP_GFN, GNTMAP_host_map);
    m.host_addr |= 0x10; /* not page aligned */
    CHECK_EQ(op(GNTTABOP_map_grant_ref, &m, 1), 0);
    CHECK_EQ(m.status, GNTST_general_error);
    CHECK_EQ(do_map(GRANTER, REF, 0, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(do_map(GRANTER, REF, 1ULL << 36, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(do_map(GRANTER, REF, ~0ULL >> 12, GNTMAP_host_map, NULL), GNTST_general_error);
    /* Never over the mapper's RAM or over another grant mapping. */
    CHECK_EQ(do_map(GRANTER, REF, 0x10, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_okay);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_general_error);
    CHECK_EQ(fake_p2m(p.m, 0x10, NULL), p2m_ram_rw);
    fake_check_clean();
}

TEST(hostile_refs_and_domids)
{
    struct pair p = setup_pair(false);
    CHECK_EQ(do_map(GRANTER, 512, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    CHECK_EQ(do_map(GRANTER, 0xffffffff, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    CHECK_EQ(do_map(GRANTER, 0x80000000, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_gntref);
    CHECK_EQ(do_map(0x7ff5, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_domain);
    CHECK_EQ(do_map(0xffff, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_domain);
    CHECK_EQ(do_map(77, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_domain);
    /* As Xen's rcu_lock_domain_by_id(): map does not take DOMID_SELF. */
    CHECK_EQ(do_map(DOMID_SELF, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_domain);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, NULL), p2m_invalid);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access);
    fake_check_clean();
}

TEST(map_of_non_ram_frame_is_bad_page_and_leaves_no_bits)
{
    struct pair p = setup_pair(false);
    grant(p.g, REF + 1, MAPPER, 0x9999, false); /* nothing at that gfn */
    fake_ram(p.g, 0x200, p2m_xen_shared);
    grant(p.g, REF + 2, MAPPER, 0x200, false);  /* not the granter's own RAM */
    fake_ram(p.g, 0x201, p2m_ram_ro);
    grant(p.g, REF + 3, MAPPER, 0x201, false);
    CHECK_EQ(do_map(GRANTER, REF + 1, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_page);
    CHECK_EQ(do_map(GRANTER, REF + 2, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_page);
    CHECK_EQ(do_map(GRANTER, REF + 3, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_page);
    CHECK_EQ(do_map(GRANTER, REF + 3, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly, NULL),
             GNTST_okay);
    for (grant_ref_t r = REF + 1; r <= REF + 2; r++)
        CHECK(revoke(p.g, r), "ref %u left revocable", r);
    fake_check_clean();
}

TEST(p2m_failure_rolls_back)
{
    struct pair p = setup_pair(false);
    fake_p2m_set_fail = 1;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_general_error);
    fake_p2m_set_fail = 0;
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access);
    CHECK(revoke(p.g, REF), "no pin left behind");
    fake_check_clean();
}

TEST(xsm_denials)
{
    struct pair p = setup_pair(false);
    fake_xsm_map_rc = -EPERM;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_permission_denied);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access);
    fake_xsm_map_rc = 0;
    fake_xsm_copy_rc = -EPERM;
    struct gnttab_copy c = { .source = { .u.ref = REF, .domid = GRANTER },
                             .dest = { .u.gmfn = 0x10, .domid = DOMID_SELF },
                             .len = 8, .flags = GNTCOPY_source_gref };
    fake_ram(p.m, 0x10, p2m_ram_rw);
    CHECK_EQ(op(GNTTABOP_copy, &c, 1), 0);
    CHECK_EQ(c.status, GNTST_permission_denied);
    fake_check_clean();
}

TEST(self_map_and_maptrack_growth)
{
    struct pair p = setup_pair(false);
    /* A domain may map its own grant (Xen allows ld == rd). */
    grant(p.m, REF, MAPPER, 0x30, false);
    fake_ram(p.m, 0x30, p2m_ram_rw);
    CHECK_EQ(do_map(MAPPER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_okay);
    /* 600 read-only maps of one grant: three maptrack chunks, all handles distinct. */
    static grant_handle_t hs[600];
    for (unsigned int i = 0; i < 600; i++) {
        CHECK_EQ(do_map(GRANTER, REF, MAP_GFN + 1 + i, GNTMAP_host_map | GNTMAP_readonly,
                        &hs[i]), GNTST_okay);
        CHECK(hs[i] == i + 1, "handle %u is %u", i + 1, hs[i]);
    }
    for (unsigned int i = 0; i < 600; i += 2)
        CHECK_EQ(do_unmap(hs[i], MAP_GFN + 1 + i), GNTST_okay);
    CHECK(!revoke(p.g, REF), "still mapped 300 times");
    fake_check_clean();
}

TEST(maptrack_limit_gives_no_device_space)
{
    struct pair p = setup_pair(false);
    CHECK_EQ(grant_table_set_limits(p.m, 64, 1), 0);
    for (unsigned int i = 0; i < 256; i++)
        CHECK_EQ(do_map(GRANTER, REF, MAP_GFN + i, GNTMAP_host_map | GNTMAP_readonly, NULL),
                 GNTST_okay);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN + 256, GNTMAP_host_map | GNTMAP_readonly, NULL),
             GNTST_no_device_space);
    CHECK_EQ(grant_table_set_limits(p.m, 64, 0), -EBUSY);
    CHECK_EQ(grant_table_set_limits(p.m, 65, 1), -EINVAL);
    CHECK_EQ(grant_table_set_limits(p.m, 64, 1025), -EINVAL);
    fake_check_clean();
}

/* ---- copy -------------------------------------------------------------------------------- */

static int16_t do_copy(struct gnttab_copy_ptr src, struct gnttab_copy_ptr dst, uint16_t len,
                       uint16_t flags)
{
    struct gnttab_copy c = { .source = src, .dest = dst, .len = len, .flags = flags,
                             .status = 99 };
    CHECK_EQ(op(GNTTABOP_copy, &c, 1), 0);
    return c.status;
}

static struct gnttab_copy_ptr gref_ptr(domid_t d, grant_ref_t ref, uint16_t off)
{
    struct gnttab_copy_ptr p = { .u.ref = ref, .domid = d, .offset = off };
    return p;
}

static struct gnttab_copy_ptr gfn_ptr(uint64_t gfn, uint16_t off)
{
    struct gnttab_copy_ptr p = { .u.gmfn = gfn, .domid = DOMID_SELF, .offset = off };
    return p;
}

TEST(copy_all_four_combinations)
{
    struct pair p = setup_pair(true); /* source grant of d1, read-only */
    struct domain *b = fake_domain_create(OTHER);
    uint8_t *bpage = fake_ram(b, 0x40, p2m_ram_rw);
    grant(b, REF, MAPPER, 0x40, false); /* destination grant of d3 */
    uint8_t *own1 = fake_ram(p.m, 0x10, p2m_ram_rw);
    uint8_t *own2 = fake_ram(p.m, 0x11, p2m_ram_rw);
    memcpy(p.page + 100, "granted-source", 14);
    memcpy(own1 + 7, "own-source", 10);

    CHECK_EQ(do_copy(gref_ptr(GRANTER, REF, 100), gref_ptr(OTHER, REF, 4000), 14,
                     GNTCOPY_source_gref | GNTCOPY_dest_gref), GNTST_okay);
    CHECK(!memcmp(bpage + 4000, "granted-source", 14), "gref -> gref data");
    CHECK_EQ(do_copy(gref_ptr(GRANTER, REF, 100), gfn_ptr(0x11, 0), 14,
                     GNTCOPY_source_gref), GNTST_okay);
    CHECK(!memcmp(own2, "granted-source", 14), "gref -> gfn data");
    CHECK_EQ(do_copy(gfn_ptr(0x10, 7), gref_ptr(OTHER, REF, 0), 10, GNTCOPY_dest_gref),
             GNTST_okay);
    CHECK(!memcmp(bpage, "own-source", 10), "gfn -> gref data");
    CHECK_EQ(do_copy(gfn_ptr(0x10, 7), gfn_ptr(0x11, 2048), 10, 0), GNTST_okay);
    CHECK(!memcmp(own2 + 2048, "own-source", 10), "gfn -> gfn data");
    /* A whole page, and overlapping within one frame. */
    memset(own1, 0x5a, PAGE_SIZE);
    CHECK_EQ(do_copy(gfn_ptr(0x10, 0), gref_ptr(OTHER, REF, 0), PAGE_SIZE, GNTCOPY_dest_gref),
             GNTST_okay);
    CHECK(bpage[0] == 0x5a && bpage[4095] == 0x5a, "whole page copied");
    CHECK_EQ(do_copy(gfn_ptr(0x10, 0), gfn_ptr(0x10, 1), 100, 0), GNTST_okay);
    /* Copies leave no in-use bits behind. */
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_readonly);
    CHECK_EQ(entry(b, REF)->flags, GTF_permit_access);
    CHECK(revoke(p.g, REF) && revoke(b, REF), "both revocable after the copies");
    fake_check_clean();
}

TEST(copy_bounds_and_permissions)
{
    struct pair p = setup_pair(true);
    fake_ram(p.m, 0x10, p2m_ram_rw);
    fake_ram(p.m, 0x11, p2m_ram_ro);
    CHECK_EQ(do_copy(gref_ptr(GRANTER, REF, 4000), gfn_ptr(0x10, 0), 97, GNTCOPY_source_gref),
             GNTST_bad_copy_arg);
    CHECK_EQ(do_copy(gref_ptr(GRANTER, REF, 0), gfn_ptr(0x10, 4095), 2, GNTCOPY_source_gref),
             GNTST_bad_copy_arg);
    CHECK_EQ(do_copy(gref_ptr(GRANTER, REF, 0xffff), gfn_ptr(0x10, 0), 0xffff,
                     GNTCOPY_source_gref), GNTST_bad_copy_arg);
    CHECK_EQ(do_copy(gref_ptr(GRANTER, REF, 4096), gfn_ptr(0x10, 0), 0, GNTCOPY_source_gref),
             GNTST_okay);
    /* Into a read-only grant: Xen's write-pin of a r/o entry is a general error. */
    CHECK_EQ(do_copy(gfn_ptr(0x10, 0), gref_ptr(GRANTER, REF, 0), 8, GNTCOPY_dest_gref),
             GNTST_general_error);
    /* Into the caller's own read-only frame, or from a GFN that is not its RAM. */
    CHECK_EQ(do_copy(gref_ptr(GRANTER, REF, 0), gfn_ptr(0x11, 0), 8, GNTCOPY_source_gref),
             GNTST_bad_page);
    CHECK_EQ(do_copy(gfn_ptr(0x999, 0), gfn_ptr(0x10, 0), 8, 0), GNTST_bad_page);
    CHECK_EQ(do_copy(gfn_ptr(1ULL << 40, 0), gfn_ptr(0x10, 0), 8, 0), GNTST_bad_page);
    /* A GFN of another domain: only DOMID_SELF may be named by frame. */
    struct gnttab_copy_ptr foreign = { .u.gmfn = RAM_GFN, .domid = GRANTER };
    CHECK_EQ(do_copy(foreign, gfn_ptr(0x10, 0), 8, 0), GNTST_permission_denied);
    CHECK_EQ(do_copy(gref_ptr(0x7ff5, REF, 0), gfn_ptr(0x10, 0), 8, GNTCOPY_source_gref),
             GNTST_bad_domain);
    CHECK_EQ(do_copy(gref_ptr(GRANTER, 0xffffffff, 0), gfn_ptr(0x10, 0), 8,
                     GNTCOPY_source_gref), GNTST_bad_gntref);
    /* A grant to somebody else. */
    struct domain *o = fake_domain_create(OTHER);
    fake_ram(o, 0x10, p2m_ram_rw);
    fake_set_current(o);
    CHECK_EQ(do_copy(gref_ptr(GRANTER, REF, 0), gfn_ptr(0x10, 0), 8, GNTCOPY_source_gref),
             GNTST_general_error);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_readonly);
    fake_check_clean();
}

TEST(copy_into_mapped_grant_keeps_map_bits)
{
    struct pair p = setup_pair(false);
    grant_handle_t h;
    uint8_t *own = fake_ram(p.m, 0x10, p2m_ram_rw);
    memcpy(own, "xyz", 3);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map | GNTMAP_readonly, &h), 0);
    CHECK_EQ(do_copy(gfn_ptr(0x10, 0), gref_ptr(GRANTER, REF, 0), 3, GNTCOPY_dest_gref),
             GNTST_okay);
    CHECK(!memcmp(p.page, "xyz", 3), "copied into the mapped page");
    /* The copy's write pin is gone, the map's read pin stays. */
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access | GTF_reading);
    CHECK(!revoke(p.g, REF), "still mapped");
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_okay);
    CHECK(revoke(p.g, REF), "revocable");
    fake_check_clean();
}

/* ---- size, version, growth ---------------------------------------------------------------- */

TEST(query_size_rules)
{
    struct pair p = setup_pair(false);
    struct gnttab_query_size q = { .dom = GRANTER };
    CHECK_EQ(grant_table_get_frame(p.g, 2, &(mfn_t){ 0 }), 0);
    CHECK_EQ(op(GNTTABOP_query_size, &q, 1), 0);
    CHECK_EQ(q.status, GNTST_okay);
    CHECK_EQ(q.nr_frames, 3);
    fake_xsm_query_rc = -EPERM;
    q = (struct gnttab_query_size){ .dom = GRANTER };
    CHECK_EQ(op(GNTTABOP_query_size, &q, 1), 0);
    CHECK_EQ(q.status, GNTST_permission_denied);
    q = (struct gnttab_query_size){ .dom = 0x7ff5 };
    CHECK_EQ(op(GNTTABOP_query_size, &q, 1), 0);
    CHECK_EQ(q.status, GNTST_bad_domain);
    CHECK_EQ(op(GNTTABOP_query_size, &q, 2), -EINVAL);
    CHECK_EQ(op(GNTTABOP_query_size, &q, 0), -EINVAL);
    CHECK_EQ(op(GNTTABOP_query_size, (void *)BAD_GVA, 1), -EFAULT);
    fake_check_clean();
}

TEST(set_and_get_version)
{
    setup_pair(false);
    struct gnttab_set_version sv = { 1 };
    CHECK_EQ(op(GNTTABOP_set_version, &sv, 1), 0);
    CHECK_EQ(sv.version, 1);
    sv.version = 2; /* as Xen with gnttab=max-ver:1 */
    CHECK_EQ(op(GNTTABOP_set_version, &sv, 1), -ENOSYS);
    CHECK_EQ(sv.version, 1);
    sv.version = 0;
    CHECK_EQ(op(GNTTABOP_set_version, &sv, 1), -EINVAL);
    CHECK_EQ(sv.version, 1);
    sv.version = 3;
    CHECK_EQ(op(GNTTABOP_set_version, &sv, 0), -EINVAL);
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    CHECK_EQ(op(GNTTABOP_get_version, &gv, 1), 0);
    CHECK_EQ(gv.version, 1);
    gv = (struct gnttab_get_version){ .dom = 0x7ff5, .version = 77 };
    CHECK_EQ(op(GNTTABOP_get_version, &gv, 1), -ESRCH);
    CHECK_EQ(gv.version, 77);
    fake_xsm_query_rc = -EPERM;
    gv = (struct gnttab_get_version){ .dom = GRANTER };
    CHECK_EQ(op(GNTTABOP_get_version, &gv, 1), -EPERM);
    CHECK_EQ(op(GNTTABOP_set_version, (void *)BAD_GVA, 1), -EFAULT);
    fake_check_clean();
}

TEST(table_grows_to_max_and_no_further)
{
    struct pair p = setup_pair(false);
    mfn_t mfn, mfn5;
    CHECK_EQ(grant_table_get_frame(p.g, 5, &mfn5), 0);
    CHECK_EQ(grant_table_nr_frames(p.g), 6);
    /* Entries in the new frames work. */
    uint8_t *page2 = fake_ram(p.g, 0x300, p2m_ram_rw);
    grant_ref_t far = 5 * 512 + 3;
    grant(p.g, far, MAPPER, 0x300, false);
    CHECK((struct grant_entry_v1 *)fake_mfn_to_virt(mfn5) + 3 == entry(p.g, far),
          "frame 5 holds ref %u", far);
    CHECK_EQ(do_map(GRANTER, far, MAP_GFN, GNTMAP_host_map, NULL), GNTST_okay);
    mfn_t m;
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, &m), p2m_grant_rw);
    CHECK(fake_mfn_to_virt(m) == page2, "mapped the far grant's page");
    CHECK_EQ(grant_table_get_frame(p.g, 63, &mfn), 0);
    CHECK_EQ(grant_table_nr_frames(p.g), 64);
    CHECK_EQ(grant_table_get_frame(p.g, 64, &mfn), -EINVAL);
    CHECK_EQ(grant_table_get_frame(p.g, 0xffffffff, &mfn), -EINVAL);
    CHECK_EQ(grant_table_nr_frames(p.g), 64);
    CHECK_EQ(grant_table_set_limits(p.g, 10, 1024), -EBUSY);
    fake_check_clean();
}

TEST(growth_failure_changes_nothing)
{
    struct pair p = setup_pair(false);
    mfn_t mfn;
    fake_alloc_fail_after = 3; /* frames 1 and half of 2 */
    CHECK_EQ(grant_table_get_frame(p.g, 3, &mfn), -ENOMEM);
    fake_alloc_fail_after = -1;
    CHECK_EQ(grant_table_nr_frames(p.g), 1);
    CHECK_EQ(grant_table_set_limits(p.g, 2, 1024), 0);
    CHECK_EQ(grant_table_get_frame(p.g, 2, &mfn), -EINVAL);
    CHECK_EQ(grant_table_get_frame(p.g, 1, &mfn), 0);
    fake_check_clean();
}

TEST(setup_table_grows_and_reports_frames)
{
    struct pair p = setup_pair(false);
    uint64_t frames[10];
    memset(frames, 0, sizeof(frames));
    struct gnttab_setup_table s = { .dom = DOMID_SELF, .nr_frames = 10,
                                    .frame_list_gva = (uintptr_t)frames, .status = 99 };
    CHECK_EQ(op(GNTTABOP_setup_table, &s, 1), 0);
    CHECK_EQ(s.status, GNTST_okay);
    CHECK_EQ(grant_table_nr_frames(p.m), 10);
    CHECK(frames[9] == ~0ULL, "PVH frame numbers read as invalid");
    s.nr_frames = 65;
    CHECK_EQ(op(GNTTABOP_setup_table, &s, 1), 0);
    CHECK_EQ(s.status, GNTST_general_error);
    s = (struct gnttab_setup_table){ .dom = DOMID_SELF, .nr_frames = 2,
                                     .frame_list_gva = BAD_GVA };
    CHECK_EQ(op(GNTTABOP_setup_table, &s, 1), 0);
    CHECK_EQ(s.status, GNTST_bad_virt_addr);
    CHECK_EQ(op(GNTTABOP_setup_table, &s, 2), -EINVAL);
    fake_check_clean();
}

TEST(builder_fills_reserved_entries)
{
    struct pair p = setup_pair(false);
    fake_ram(p.g, 0x500, p2m_ram_rw);
    CHECK_EQ(gnttab_grant_access_builder(p.g, GNTTAB_RESERVED_XENSTORE, MAPPER, 0x500, false),
             0);
    struct grant_entry_v1 *e = entry(p.g, GNTTAB_RESERVED_XENSTORE);
    CHECK_EQ(e->flags, GTF_permit_access);
    CHECK_EQ(e->domid, MAPPER);
    CHECK_EQ(e->frame, 0x500);
    CHECK_EQ(do_map(GRANTER, GNTTAB_RESERVED_XENSTORE, MAP_GFN, GNTMAP_host_map, NULL), 0);
    CHECK_EQ(gnttab_grant_access_builder(p.g, GNTTAB_RESERVED_XENSTORE, MAPPER, 0x501, true),
             -EBUSY);
    CHECK_EQ(gnttab_grant_access_builder(p.g, 512, MAPPER, 0x500, false), -EINVAL);
    CHECK_EQ(gnttab_grant_access_builder(p.g, 0, DOMID_SELF, 0x500, false), -EINVAL);
    CHECK_EQ(gnttab_grant_access_builder(p.g, 0, MAPPER, 1ULL << 32, false), -EINVAL);
    CHECK_EQ(gnttab_grant_access_builder(p.g, 0, MAPPER, 0x500, true), 0);
    CHECK_EQ(entry(p.g, 0)->flags, GTF_permit_access | GTF_readonly);
    fake_check_clean();
}

/* ---- teardown ----------------------------------------------------------------------------- */

TEST(destroying_granter_keeps_foreign_maps_until_unmapped)
{
    struct pair p = setup_pair(false);
    grant_handle_t h, h2;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, &h), GNTST_okay);
    memset(p.page, 0x5a, PAGE_SIZE);
    /* The mapper's own unrelated mapping of a third domain. */
    struct domain *o = fake_domain_create(OTHER);
    fake_ram(o, 0x60, p2m_ram_rw);
    grant(o, REF, MAPPER, 0x60, false);
    CHECK_EQ(do_map(OTHER, REF, MAP_GFN + 1, GNTMAP_host_map, &h2), GNTST_okay);

    /* As Xen: the granter's frame outlives it, held by the mapper's p2m entry alone. */
    fake_domain_destroy(p.g);
    CHECK(strstr(harness_log(), "1 grants still mapped") != NULL, "teardown logged: %s",
          harness_log());
    mfn_t mfn = 0;
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, &mfn), p2m_grant_rw);
    CHECK(fake_mfn_to_virt(mfn) == p.page, "still the same frame");
    CHECK_EQ(fake_page_count(p.page), 1);
    CHECK_EQ(p.page[100], 0x5a);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN + 1, NULL), p2m_grant_rw);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN + 2, GNTMAP_host_map, NULL), GNTST_bad_domain);
    /* The unmap finds the granter gone, removes the entry, and the frame is freed. */
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_okay);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, NULL), p2m_invalid);
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_bad_handle);
    /* A new domain with the recycled id is not confused with the old one. */
    struct domain *g2 = fake_domain_create(GRANTER);
    fake_ram(g2, RAM_GFN, p2m_ram_rw);
    grant(g2, REF, MAPPER, RAM_GFN, false);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, &h), GNTST_okay);
    CHECK_EQ(do_unmap(h2, MAP_GFN + 1), GNTST_okay);
    CHECK(revoke(o, REF), "third domain's grant released");
    fake_check_clean();
}

TEST(granter_releasing_a_mapped_frame_cannot_free_it)
{
    struct pair p = setup_pair(false);
    grant_handle_t h;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, &h), GNTST_okay);
    memset(p.page, 0x33, PAGE_SIZE);
    /* decrease_reservation of the granted frame while it is mapped: the granter loses it,
     * the mapper keeps a live frame (pin and entry hold it), and nothing is freed. */
    CHECK(fake_release_ram(p.g, RAM_GFN), "granter released its frame");
    CHECK_EQ(fake_p2m(p.g, RAM_GFN, NULL), p2m_invalid);
    CHECK_EQ(fake_page_count(p.page), 2);
    CHECK_EQ(p.page[4095], 0x33);
    /* A copy through the still-pinned grant works on the same frame. */
    uint8_t *own = fake_ram(p.m, 0x10, p2m_ram_rw);
    own[0] = 0x77;
    struct gnttab_copy c = { .source = { .u.gmfn = 0x10, .domid = DOMID_SELF },
                             .dest = { .u.ref = REF, .domid = GRANTER },
                             .len = 1, .flags = GNTCOPY_dest_gref, .status = 99 };
    CHECK_EQ(op(GNTTABOP_copy, &c, 1), 0);
    CHECK_EQ(c.status, GNTST_okay);
    CHECK_EQ(p.page[0], 0x77);
    /* The last user goes: the frame is freed (fake_check_clean sees it freed). */
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_okay);
    CHECK_EQ(fake_page_count(p.page), 0);
    /* A new map of the grant now finds no frame at the granted gfn. */
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_page);
    fake_check_clean();
}

TEST(destroying_mapper_releases_granter_bits)
{
    struct pair p = setup_pair(false);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_okay);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN + 1, GNTMAP_host_map | GNTMAP_readonly, NULL), 0);
    CHECK(!revoke(p.g, REF), "mapped");
    fake_domain_destroy(p.m);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access);
    CHECK(revoke(p.g, REF), "revocable once the mapper is gone");
    grant_table_destroy(p.g);
    grant_table_destroy(p.g); /* twice is harmless */
    CHECK_EQ(grant_table_nr_frames(p.g), 0);
    fake_set_current(p.g);
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, NULL), GNTST_bad_domain);
    fake_check_clean();
}

TEST(mapper_unmaps_while_granter_table_detached)
{
    struct pair p = setup_pair(false);
    grant_handle_t h;
    CHECK_EQ(do_map(GRANTER, REF, MAP_GFN, GNTMAP_host_map, &h), GNTST_okay);
    /* Simulate the window in which the granter's table is detached but not yet swept:
     * the mapper's unmap still removes its p2m entry and frees the handle. */
    struct grant_table *saved = p.g->grant_table;
    p.g->grant_table = NULL;
    CHECK_EQ(do_unmap(h, MAP_GFN), GNTST_okay);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN, NULL), p2m_invalid);
    p.g->grant_table = saved;
    fake_check_clean();
}

/* ---- the hypercall's own checks ---------------------------------------------------------- */

TEST(large_count_continues_in_batches)
{
    struct pair p = setup_pair(false);
    enum { N = 600 };
    uint8_t *own = fake_ram(p.m, 0x10, p2m_ram_rw);
    fake_ram(p.m, 0x11, p2m_ram_rw);
    struct gnttab_copy *cs = calloc(N, sizeof(*cs));
    for (unsigned int i = 0; i < N; i++)
        cs[i] = (struct gnttab_copy){ .source = gfn_ptr(0x10, i % 4096),
                                      .dest = gfn_ptr(0x11, 0), .len = 1, .status = 99 };
    own[0] = 1;
    unsigned int cmd = GNTTABOP_copy, count = N, calls = 0;
    uint64_t uop = (uintptr_t)cs;
    long rc;
    while ((rc = do_grant_table_op(cmd, uop, count)) == -ERESTART) {
        calls++;
        CHECK_EQ(fake_cont_calls, calls);
        CHECK_EQ(fake_cont_args[0], GNTTABOP_copy);
        CHECK_EQ(fake_cont_args[1], uop + 256 * sizeof(*cs));
        CHECK_EQ(fake_cont_args[2], count - 256);
        /* Everything before the continuation point is done, nothing after it. */
        unsigned int done = (fake_cont_args[1] - (uintptr_t)cs) / sizeof(*cs);
        CHECK_EQ(cs[done - 1].status, GNTST_okay);
        CHECK_EQ(cs[done].status, 99);
        cmd = fake_cont_args[0];
        uop = fake_cont_args[1];
        count = fake_cont_args[2];
    }
    CHECK_EQ(rc, 0);
    CHECK_EQ(calls, 2);
    for (unsigned int i = 0; i < N; i++)
        CHECK(cs[i].status == GNTST_okay, "element %u status %d", i, cs[i].status);
    free(cs);
    fake_check_clean();
}

TEST(hostile_hypercall_arguments)
{
    struct pair p = setup_pair(false);
    struct gnttab_map_grant_ref m = map_op(GRANTER, REF, MAP_GFN, GNTMAP_host_map);
    CHECK_EQ(op(GNTTABOP_map_grant_ref, &m, 0), 0);
    CHECK_EQ(m.status, 99);
    CHECK_EQ(op(GNTTABOP_map_grant_ref, &m, 0x80000000u), -EINVAL);
    CHECK_EQ(op(GNTTABOP_map_grant_ref, &m, 0xffffffffu), -EINVAL);
    CHECK_EQ(op(GNTTABOP_map_grant_ref, (void *)BAD_GVA, 1), -EFAULT);
    CHECK_EQ(op(GNTTABOP_unmap_grant_ref, (void *)BAD_GVA, 0x7fffffff), -EFAULT);
    CHECK_EQ(op(GNTTABOP_copy, (void *)BAD_GVA, 3), -EFAULT);
    CHECK_EQ(op(GNTTABOP_map_grant_ref | (1u << 12), &m, 1), -EINVAL);
    CHECK_EQ(op(GNTTABOP_cache_flush | (1u << 12), &m, 1), -EINVAL);
    CHECK_EQ(op(GNTTABOP_unmap_and_replace, (void *)BAD_GVA, 2), -EFAULT);
    unsigned int unknown[] = { GNTTABOP_dump_table, GNTTABOP_transfer,
                               GNTTABOP_get_status_frames, GNTTABOP_swap_grant_ref,
                               GNTTABOP_cache_flush, 13, 99, 0xfff };
    for (unsigned int i = 0; i < ARRAY_SIZE(unknown); i++)
        CHECK(op(unknown[i], &m, 1) == -ENOSYS, "cmd %u is -ENOSYS", unknown[i]);
    CHECK_EQ(m.status, 99);
    /* A huge count over real memory still returns after one batch. */
    enum { N = 100000 };
    struct gnttab_unmap_grant_ref *us = calloc(N, sizeof(*us));
    for (unsigned int i = 0; i < N; i++)
        us[i].handle = 0xffffffff - i;
    CHECK_EQ(op(GNTTABOP_unmap_grant_ref, us, N), -ERESTART);
    CHECK_EQ(fake_cont_args[2], N - 256);
    CHECK_EQ(us[255].status, GNTST_bad_handle);
    CHECK_EQ(us[256].status, 0);
    free(us);
    CHECK_EQ(entry(p.g, REF)->flags, GTF_permit_access);
    /* No current vCPU (Tern's own context). */
    fake_set_current(NULL);
    CHECK_EQ(op(GNTTABOP_map_grant_ref, &m, 1), -EPERM);
    fake_check_clean();
}

TEST(fault_mid_array_stops_there)
{
    struct pair p = setup_pair(false);
    struct gnttab_map_grant_ref ms[4];
    for (unsigned int i = 0; i < 4; i++)
        ms[i] = map_op(GRANTER, REF, MAP_GFN + i, GNTMAP_host_map | GNTMAP_readonly);
    fake_fault_lo = (uintptr_t)&ms[2];
    fake_fault_hi = fake_fault_lo + 1;
    CHECK_EQ(op(GNTTABOP_map_grant_ref, ms, 4), -EFAULT);
    CHECK_EQ(ms[0].status, GNTST_okay);
    CHECK_EQ(ms[1].status, GNTST_okay);
    CHECK_EQ(ms[2].status, 99);
    CHECK_EQ(ms[3].status, 99);
    CHECK_EQ(fake_p2m(p.m, MAP_GFN + 2, NULL), p2m_invalid);
    /* The status write-back of an unmap faulting still leaves the elements before done. */
    fake_fault_lo = fake_fault_hi = 0;
    fake_check_clean();
}

/* ---- XENMEM_acquire_resource's access to the frames -------------------------------------- */

TEST(acquire_frame_ref_grows_and_holds_the_frame_past_destroy)
{
    struct pair p = setup_pair(false);
    struct page_info *pg = NULL;

    CHECK_EQ(grant_table_max_frames(p.g), 64);
    CHECK_EQ(grant_table_get_frame_ref(p.g, 64, &pg), -EINVAL);
    CHECK(pg == NULL, "no frame handed out beyond the limit");
    /* Frame 2 grows the table as Xen's gnttab_acquire_resource does. */
    CHECK_EQ(grant_table_get_frame_ref(p.g, 2, &pg), 0);
    CHECK_EQ(grant_table_nr_frames(p.g), 3);
    void *va = page_to_virt(pg);
    uint32_t held = fake_page_count(va);
    CHECK(held >= 2, "the table's own reference and the caller's: %u", held);
    memset(va, 0x3c, 64);
    /* The owner goes: its table frames are given up, the caller's reference keeps this one. */
    grant_table_destroy(p.g);
    CHECK_EQ(grant_table_max_frames(p.g), 0);
    CHECK_EQ(grant_table_get_frame_ref(p.g, 0, &pg), -EINVAL);
    CHECK_EQ(fake_page_count(va), held - 1);
    CHECK_EQ(((uint8_t *)va)[10], 0x3c);
    put_page(virt_to_page(va));
    CHECK_EQ(fake_page_count(va), 0);
    fake_domain_destroy(p.g);
    fake_domain_destroy(p.m);
    fake_check_clean();
}
