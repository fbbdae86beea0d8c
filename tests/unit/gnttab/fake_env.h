/* SPDX-License-Identifier: MIT */
/* Fakes of everything grant_table.c calls: domains, current vCPU, guest copies, p2m, pages. */
#ifndef GNTTAB_FAKE_ENV_H
#define GNTTAB_FAKE_ENV_H

#include <tern/domain.h>
#include <tern/p2m.h>

/* Guest pointers are host pointers, except this range, which always faults. */
#define BAD_GVA 0xdead0000ULL

struct domain *fake_domain_create(domid_t id);
/* grant_table_destroy() then forget the domain and free its fake RAM. */
void fake_domain_destroy(struct domain *d);
/* Run as a vCPU of d (current). */
void fake_set_current(struct domain *d);
/* A zeroed host page mapped as d's RAM at gfn (allocation and entry references); returns
 * Tern's (= the host's) pointer. */
void *fake_ram(struct domain *d, uint64_t gfn, enum p2m_type t);
/* The granter gives the frame at gfn back (decrease_reservation): false if none was there. */
bool fake_release_ram(struct domain *d, uint64_t gfn);
/* References a fake frame holds now (0 once freed). */
uint32_t fake_page_count(void *va);
/* Fake p2m lookup without going through the code under test. */
enum p2m_type fake_p2m(struct domain *d, uint64_t gfn, mfn_t *mfn);
void *fake_mfn_to_virt(mfn_t mfn);
/* Destroy every domain left and check that pages, heap and references are all returned, and
 * every frame was freed. */
void fake_check_clean(void);
/* Start a test from nothing, whatever a failed test before it left behind. */
void fake_start(void);

/* Knobs, reset by fake_reset(). */
extern int fake_xsm_map_rc, fake_xsm_copy_rc, fake_xsm_query_rc;
extern int fake_p2m_set_fail;      /* p2m_set_entry fails with -ENOMEM while set */
extern int fake_p2m_unflushed, fake_p2m_flushes; /* deferred p2m removals */
extern void (*fake_p2m_flush_hook)(void);        /* called at each p2m_flush() */
extern long fake_alloc_fail_after; /* page/heap allocations left before failures; -1 off */
extern uint64_t fake_fault_lo, fake_fault_hi; /* an extra faulting guest range */
extern int fake_cont_calls;
extern uint64_t fake_cont_args[3];
void fake_reset(void);

#endif
