/* SPDX-License-Identifier: MIT */
/*
 * Grant tables (common/grant_table.c): each domain's v1 grant entries live in Tern-owned
 * frames that the guest maps with XENMEM_add_to_physmap(XENMAPSPACE_grant_table); other
 * domains map or copy the granted frames through grant_table_op.
 *
 * Life cycle: grant_table_init(d) in domain_create() (1 frame, growing on demand up to the
 * limit), optionally grant_table_set_limits() from the domain's configuration, then
 * grant_table_destroy(d) in domain_destroy() once d's vCPUs no longer run and before d's RAM
 * is released. grant_table_destroy() drops the pins of the maps d holds on others. Maps that
 * other domains hold on d's grants are not revoked (as in Xen): each holds its frame by a
 * reference in that domain's p2m, so the frame (and d, as a zombie) lives until it is
 * unmapped; the unmap then finds d's table gone and just removes the entry.
 *
 * References (tern/page_ref.h): a pinned active entry holds one on its frame, each grant
 * mapping's p2m entry another, each copy one on either side while it copies.
 *
 * Locking: the caller must not hold a p2m lock or the domain-list lock when calling any of
 * these (they take grant-table locks, then p2m and page locks).
 */
#ifndef TERN_GRANT_TABLE_H
#define TERN_GRANT_TABLE_H

#include <public/grant_table.h>
#include <tern/types.h>

struct domain;
struct page_info;

/* Xen 4.17's defaults (gnttab_max_frames=64, gnttab_max_maptrack_frames=1024), also the caps. */
#define GNTTAB_DEFAULT_MAX_FRAMES 64
#define GNTTAB_DEFAULT_MAX_MAPTRACK_FRAMES 1024

/* Create d's table with one zeroed frame. 0, -ENOMEM, or -EEXIST if d already has one. */
int grant_table_init(struct domain *d);
/* Per-domain limits (xl's max_grant_frames / max_maptrack_frames): frames of 512 entries,
 * maptrack frames of 256 handles. -EINVAL above the caps, -EBUSY below what is in use. */
int grant_table_set_limits(struct domain *d, unsigned int max_frames,
                           unsigned int max_maptrack_frames);
/* Tear down d's table; see above. Safe to call twice or without a table. */
void grant_table_destroy(struct domain *d);

/*
 * XENMEM_add_to_physmap(XENMAPSPACE_grant_table, idx): grow d's table to idx + 1 frames if
 * needed and return frame idx, which the caller maps with p2m_set_entry(..., p2m_xen_shared).
 * -EINVAL if idx is at or beyond d's limit (as Xen), -ENOMEM if the table cannot grow.
 */
int grant_table_get_frame(struct domain *d, unsigned int idx, mfn_t *mfn);
/* The same for XENMEM_acquire_resource, with a reference on the frame for the caller
 * (put_page), taken under the table's lock; the limit on frames (0 once torn down). */
int grant_table_get_frame_ref(struct domain *d, unsigned int idx, struct page_info **pg);
unsigned int grant_table_max_frames(struct domain *d);
unsigned int grant_table_nr_frames(struct domain *d);

/* The domain builder fills a reserved entry (ref 0 console, ref 1 xenstore) as the
 * toolstack does: 0, or -EINVAL (bad ref, grantee or gfn), -EBUSY (entry in use). */
int gnttab_grant_access_builder(struct domain *d, grant_ref_t ref, domid_t grantee,
                                uint64_t gfn, bool ro);


#endif
