/* SPDX-License-Identifier: MIT */
/*
 * The physical-to-machine map of a domain: guest frame (gfn) -> machine frame (mfn) with
 * permissions, held in nested page tables (AMD NPT; Intel EPT later uses the same calls).
 * Only the owner's RAM and frames explicitly granted or shared with it are ever mapped.
 */
#ifndef TERN_P2M_H
#define TERN_P2M_H

#include <tern/types.h>

struct domain;

enum p2m_type {
    p2m_invalid = 0,
    p2m_ram_rw,      /* the domain's own RAM */
    p2m_ram_ro,
    p2m_grant_rw,    /* another domain's frame mapped through a grant */
    p2m_grant_ro,
    p2m_xen_shared,  /* Tern-owned shared frame (shared_info, grant table frames) */
};

int p2m_init(struct domain *d);
/* Free every table page; the frames mapped are not freed here (their owner frees them). */
void p2m_teardown(struct domain *d);
/* Map 2^order frames (order 0 or 9) at gfn; replaces what was there. 0 or -ENOMEM/-EINVAL. */
int p2m_set_entry(struct domain *d, uint64_t gfn, mfn_t mfn, unsigned int order,
                  enum p2m_type t);
/* Unmap one frame (splitting a 2 MiB mapping if needed). */
int p2m_remove_entry(struct domain *d, uint64_t gfn);
/* Look up one frame: its mfn and type; p2m_invalid if unmapped. */
enum p2m_type p2m_lookup(struct domain *d, uint64_t gfn, mfn_t *mfn);
/* Root table (for the VMCB's nCR3). */
paddr_t p2m_root(struct domain *d);
/* Bytes of page-table memory the p2m uses (for the per-domain overhead report). */
uint64_t p2m_table_bytes(struct domain *d);

#endif
