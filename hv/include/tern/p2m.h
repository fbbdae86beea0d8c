/* SPDX-License-Identifier: MIT */
/*
 * The physical-to-machine map of a domain: guest frame (gfn) -> machine frame (mfn) with
 * permissions, held in nested page tables (AMD NPT; Intel EPT later uses the same calls).
 * Only the owner's RAM and frames explicitly granted or shared with it are ever mapped.
 *
 * References (tern/page_ref.h): every entry holds one reference on the frame it maps, taken
 * when the entry is made and given up only after the entry is gone from every vCPU's view.
 * A change that removes or replaces access returns only once it is complete: every vCPU of
 * the domain that was in guest mode has left it, and its next entry uses a fresh TLB tag
 * (p2m_flush_sync). So a frame whose last reference drops is unreachable through any p2m.
 *
 * Table pages are only freed by p2m_teardown(), when no vCPU of the domain can run.
 * Locking: one lock per p2m, taken with interrupts off; nothing here waits under it.
 */
#ifndef TERN_P2M_H
#define TERN_P2M_H

#include <tern/types.h>

struct domain;
struct page_info;

enum p2m_type {
    p2m_invalid = 0,
    p2m_ram_rw,      /* the domain's own RAM */
    p2m_ram_ro,
    p2m_grant_rw,    /* another domain's frame mapped through a grant */
    p2m_grant_ro,
    p2m_xen_shared,  /* Tern-owned shared frame (shared_info, grant table frames) */
    p2m_map_foreign, /* another domain's frame mapped by a privileged domain (privcmd) */
};

/* Sets of types, for the calls that act only on some. */
#define P2M_BIT(t) (1u << (t))
#define P2M_EMPTY P2M_BIT(p2m_invalid)
#define P2M_RAM (P2M_BIT(p2m_ram_rw) | P2M_BIT(p2m_ram_ro))
#define P2M_GRANT (P2M_BIT(p2m_grant_rw) | P2M_BIT(p2m_grant_ro))
#define P2M_ANY_MFN (~0ULL)

int p2m_init(struct domain *d);
/*
 * Drop every entry's reference and free every table page. No vCPU of d may run. The tables
 * are detached under the lock first, so a concurrent lookup from another domain (a foreign
 * map of d's RAM) either takes its reference before or finds nothing.
 */
void p2m_teardown(struct domain *d);

/*
 * Map 2^order frames (order 0 or 9) at gfn, only where nothing is mapped yet: 0, -EEXIST when
 * any of the gfns is mapped, -EINVAL for bad arguments or a frame nobody holds (count 0),
 * -ENOMEM for a table page. Each frame gains the entry's reference.
 */
int p2m_add_entry(struct domain *d, uint64_t gfn, mfn_t mfn, unsigned int order,
                  enum p2m_type t);
/*
 * Remove the 4 KiB entry at gfn if its type is in `types` and (unless expect is P2M_ANY_MFN)
 * it maps expect: 0, -ENOENT (nothing there), -EINVAL (another type or frame), -ENOMEM
 * (splitting a 2 MiB entry). Complete on return (see above). With pg, the entry's reference
 * passes to the caller (who must put_page it); without, it is dropped.
 */
int p2m_remove_entry(struct domain *d, uint64_t gfn, unsigned int types, mfn_t expect,
                     struct page_info **pg);
/*
 * The same without the flush, for a batch of removals that is flushed once: until the
 * caller's p2m_flush(d), vCPUs of d on other CPUs may still reach the old frame, so the
 * caller must hold the reference (pg is required) and anything else the entry stood for (a
 * grant's pin) until then, and must flush before d's vCPU returns to the guest.
 */
int p2m_remove_entry_deferred(struct domain *d, uint64_t gfn, unsigned int types, mfn_t expect,
                              struct page_info **pg);
/* Make removals done so far complete: no vCPU of d can use a translation of them. */
void p2m_flush(struct domain *d);
/*
 * Make gfn map mfn as type t, in one step, when what is there now has a type in `types`
 * (P2M_EMPTY for nothing): 0, -EBUSY (a type outside `types`), -EINVAL, -ENOMEM. The old
 * entry's reference passes to *old (NULL when there was none), or is dropped when old is
 * NULL; *old_t (if given) says what was there. Complete on return.
 */
int p2m_replace_entry(struct domain *d, uint64_t gfn, mfn_t mfn, enum p2m_type t,
                      unsigned int types, struct page_info **old, enum p2m_type *old_t);
/*
 * The frame mapped at gfn with a reference for the caller (put_page when done), and its type;
 * NULL (and p2m_invalid) when nothing is mapped. Lookup and reference are one step, so the
 * frame cannot be released in between.
 */
struct page_info *p2m_get_page(struct domain *d, uint64_t gfn, enum p2m_type *t);
/* Look up one frame: its mfn and type; p2m_invalid if unmapped. Informational only: without a
 * reference, the answer may be stale by the time the caller acts on it. */
enum p2m_type p2m_lookup(struct domain *d, uint64_t gfn, mfn_t *mfn);

/* Root table (for the VMCB's nCR3). */
paddr_t p2m_root(struct domain *d);
/* Bytes of page-table memory the p2m uses (for the per-domain overhead report). */
uint64_t p2m_table_bytes(struct domain *d);

#endif
