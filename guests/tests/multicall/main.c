/* SPDX-License-Identifier: MIT */
/* multicall (hypercall 13): batches, results, continuations inside an entry, and refusals. */
#include "lib.h"

const char test_title[] = "batches, sub-call results and continuations";

#define SCRATCH_PAGES 2600 /* more than one continuation's worth of memory_op work (2048) */

static uint8_t scratch[SCRATCH_PAGES * PAGE_SIZE] __attribute__((aligned(PAGE_SIZE)));
static uint64_t gfns[SCRATCH_PAGES];
static struct multicall_entry calls[48];

static long multicall(struct multicall_entry *list, uint32_t nr)
{
    return hypercall2(__HYPERVISOR_multicall, HC_PTR(list), nr);
}

static void set_call(struct multicall_entry *c, uint64_t op, uint64_t a0, uint64_t a1)
{
    memset(c, 0, sizeof(*c));
    c->op = op;
    c->args[0] = a0;
    c->args[1] = a1;
    c->result = 0xdeadbeefULL;
}

/* More entries than one invocation runs (32): every result is written, in order. */
static void check_batches(void)
{
    long want = HYPERVISOR_xen_version(XENVER_version, NULL);

    for (unsigned int i = 0; i < ARRAY_SIZE(calls); i++)
        set_call(&calls[i], __HYPERVISOR_xen_version, i % 2 ? XENVER_version : XENVER_pagesize,
                 0);
    check_rc(multicall(calls, ARRAY_SIZE(calls)), 0, "multicall of %zu xen_version entries",
             ARRAY_SIZE(calls));
    for (unsigned int i = 0; i < ARRAY_SIZE(calls); i++) {
        long exp = i % 2 ? want : (long)PAGE_SIZE;
        if (!check((long)calls[i].result == exp, "entry %u: result %#lx, expected %#lx", i,
                   (unsigned long)calls[i].result, (unsigned long)exp))
            break;
    }
    check_rc(multicall(calls, 0), 0, "multicall of no entries");
}

/* What a sub-call cannot do shows in its result; the multicall itself succeeds. */
static void check_refusals(void)
{
    set_call(&calls[0], __HYPERVISOR_multicall, HC_PTR(&calls[2]), 1);
    set_call(&calls[1], 60, 0, 0);
    set_call(&calls[2], 1ULL << 40, 0, 0);
    set_call(&calls[3], __HYPERVISOR_memory_op, XENMEM_current_reservation, 0xdead0000000UL);
    check_rc(multicall(calls, 4), 0, "multicall of refused entries");
    check_rc((long)calls[0].result, -EINVAL, "a multicall inside a multicall");
    check_rc((long)calls[1].result, -ENOSYS, "hypercall 60 in a multicall");
    check_rc((long)calls[2].result, -ENOSYS, "hypercall 2^40 in a multicall");
    check_rc((long)calls[3].result, -EFAULT, "memory_op with a bad pointer in a multicall");
    check_rc(multicall((void *)0xdead0000000UL, 2), -EFAULT, "multicall of an unmapped list");
}

/*
 * memory_op as libxenctrl issues it, one entry per call: giving back and repopulating 2600
 * pages needs a continuation, which must resume inside the same entry, not restart it.
 */
static void check_continuation(void)
{
    struct xen_memory_reservation r = {
        .extent_start_gva = HC_PTR(gfns), .nr_extents = SCRATCH_PAGES, .domid = DOMID_SELF,
    };
    domid_t self = DOMID_SELF;
    long before = HYPERVISOR_memory_op(XENMEM_current_reservation, &self), after;

    memset(scratch, 0x77, sizeof(scratch));
    for (unsigned int i = 0; i < SCRATCH_PAGES; i++)
        gfns[i] = virt_to_gfn(scratch + i * PAGE_SIZE);
    set_call(&calls[0], __HYPERVISOR_memory_op, XENMEM_decrease_reservation, HC_PTR(&r));
    if (!check_rc(multicall(calls, 1), 0, "multicall of decrease_reservation") ||
        !check((long)calls[0].result == SCRATCH_PAGES, "decrease_reservation of %u pages in a "
               "multicall: result %ld", SCRATCH_PAGES, (long)calls[0].result))
        xtf_exit(); /* scratch is partly gone: touching it would fault */
    after = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    check(after == before - SCRATCH_PAGES, "current_reservation %ld after giving back %u of %ld",
          after, SCRATCH_PAGES, before);

    set_call(&calls[0], __HYPERVISOR_memory_op, XENMEM_populate_physmap, HC_PTR(&r));
    if (!check_rc(multicall(calls, 1), 0, "multicall of populate_physmap") ||
        !check((long)calls[0].result == SCRATCH_PAGES, "populate_physmap of %u pages in a "
               "multicall: result %ld", SCRATCH_PAGES, (long)calls[0].result))
        xtf_exit();
    after = HYPERVISOR_memory_op(XENMEM_current_reservation, &self);
    check(after == before, "current_reservation %ld after populating again, was %ld", after,
          before);
    for (unsigned int i = 0; i < sizeof(scratch); i += 512)
        if (!check(scratch[i] == 0, "repopulated scratch byte %u is %#x, expected 0", i,
                   scratch[i]))
            break;
}

void test_main(void)
{
    check_batches();
    check_refusals();
    check_continuation();
    xtf_success();
}
