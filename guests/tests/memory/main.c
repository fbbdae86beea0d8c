/* SPDX-License-Identifier: MIT */
/* memory_op (hypercall 12): memory map, reservations, decrease/populate, shared_info. */
#include "lib.h"

const char test_title[] = "memory_op: memory map, reservations and the physmap";

static uint8_t victim[PAGE_SIZE] __page_aligned;
static uint8_t shinfo_a[PAGE_SIZE] __page_aligned;
static uint8_t shinfo_b[PAGE_SIZE] __page_aligned;
static struct xen_e820_entry e820[64];

static uint64_t ram_pages, ram_top;

static long memmap(uint32_t nr, void *buf, uint32_t *out)
{
    struct xen_memory_map m = { .nr_entries = nr, .buffer_gva = HC_PTR(buf) };
    long rc = HYPERVISOR_memory_op(XENMEM_memory_map, &m);

    *out = m.nr_entries;
    return rc;
}

static void check_memory_map(void)
{
    const struct hvm_memmap_table_entry *si;
    uint32_t nr;
    long rc;

    rc = memmap(ARRAY_SIZE(e820), e820, &nr);
    if (!check_rc(rc, 0, "XENMEM_memory_map"))
        return;
    printk("XENMEM_memory_map: %u entries\n", nr);
    for (uint32_t i = 0; i < nr && i < ARRAY_SIZE(e820); i++) {
        printk("  %#012lx-%#012lx type %u\n", e820[i].addr, e820[i].addr + e820[i].size - 1,
               e820[i].type);
        if (e820[i].type == XEN_HVM_MEMMAP_TYPE_RAM) {
            ram_pages += e820[i].size >> PAGE_SHIFT;
            if (e820[i].addr + e820[i].size > ram_top)
                ram_top = e820[i].addr + e820[i].size;
        }
    }
    check(ram_pages > 0, "XENMEM_memory_map has no RAM entry");

    /* PVH: the toolstack's map and start_info's are the same map. */
    if (start_info && start_info->version >= 1 && start_info->memmap_entries) {
        si = (const void *)(uintptr_t)start_info->memmap_paddr;
        if (check(nr == start_info->memmap_entries,
                  "XENMEM_memory_map gave %u entries, start_info has %u", nr,
                  start_info->memmap_entries))
            for (uint32_t i = 0; i < nr; i++)
                check(e820[i].addr == si[i].addr && e820[i].size == si[i].size &&
                      e820[i].type == si[i].type,
                      "memory map entry %u: XENMEM_memory_map %#lx+%#lx type %u, start_info "
                      "%#lx+%#lx type %u", i, e820[i].addr, e820[i].size, e820[i].type,
                      si[i].addr, si[i].size, si[i].type);
    }

    /* A smaller buffer gets the first entries (Xen copies min(nr, entries)). */
    if (nr > 1) {
        struct xen_e820_entry one[2];

        memset(one, 0xa5, sizeof(one));
        rc = memmap(1, one, &nr);
        if (check_rc(rc, 0, "XENMEM_memory_map with room for 1 entry"))
            check(nr == 1 && !memcmp(&one[0], &e820[0], sizeof(one[0])) && one[1].type ==
                  0xa5a5a5a5U, "XENMEM_memory_map with room for 1: nr_entries %u, or it "
                  "wrote beyond the first entry", nr);
    }
    check_rc(memmap(4, (void *)0xdead0000000UL, &nr), -EFAULT,
             "XENMEM_memory_map into 0xdead0000000");
    check_rc(HYPERVISOR_memory_op(XENMEM_memory_map, (void *)0xdead0000000UL), -EFAULT,
             "XENMEM_memory_map with its argument at 0xdead0000000");
}

static long reservation_of(unsigned int op, domid_t dom)
{
    domid_t d = dom;

    return HYPERVISOR_memory_op(op, &d);
}

static long resv(unsigned int op, uint64_t *gfns, uint64_t nr, unsigned int order)
{
    struct xen_memory_reservation r = {
        .extent_start_gva = HC_PTR(gfns), .nr_extents = nr, .extent_order = order,
        .domid = DOMID_SELF,
    };

    return HYPERVISOR_memory_op(op, &r);
}

static void check_reservations(void)
{
    long cur = reservation_of(XENMEM_current_reservation, DOMID_SELF);
    long max = reservation_of(XENMEM_maximum_reservation, DOMID_SELF);
    long gpfn = reservation_of(XENMEM_maximum_gpfn, DOMID_SELF);
    uint64_t gfn = virt_to_gfn(victim);
    long rc, after;

    printk("current_reservation %ld pages, maximum_reservation %ld, maximum_gpfn %#lx; "
           "memory map RAM %lu pages\n", cur, max, gpfn, ram_pages);
    if (!check(cur > 0, "XENMEM_current_reservation: %ld (%s)", cur, errno_name(cur)))
        return;
    check(max >= cur, "XENMEM_maximum_reservation %ld below current_reservation %ld", max, cur);
    /* Populated pages: the map's RAM, plus a few special pages, minus replaced ones. */
    check(cur + 512 > (long)ram_pages && cur < (long)ram_pages + 512,
          "XENMEM_current_reservation %ld pages, but the memory map has %lu pages of RAM", cur,
          ram_pages);
    check(gpfn > 0 && (uint64_t)gpfn >= (ram_top >> PAGE_SHIFT) - 1,
          "XENMEM_maximum_gpfn %#lx below the last RAM frame %#lx", gpfn,
          (ram_top >> PAGE_SHIFT) - 1);
    check_rc(reservation_of(XENMEM_current_reservation, 12345), -ESRCH,
             "XENMEM_current_reservation(dom 12345)");
    check_rc(HYPERVISOR_memory_op(XENMEM_current_reservation, (void *)0xdead0000000UL), -EFAULT,
             "XENMEM_current_reservation with its argument at 0xdead0000000");

    /* Give one page back, then get a fresh (zeroed) one at the same GFN. */
    memset(victim, 0x5a, sizeof(victim));
    rc = resv(XENMEM_decrease_reservation, &gfn, 1, 0);
    if (!check_rc(rc, 1, "XENMEM_decrease_reservation(gfn %#lx)", gfn))
        return;
    after = reservation_of(XENMEM_current_reservation, DOMID_SELF);
    check(after == cur - 1, "current_reservation %ld after giving back 1 page of %ld", after,
          cur);
    /* The GFN is empty now: giving it back again does nothing. */
    check_rc(resv(XENMEM_decrease_reservation, &gfn, 1, 0), 0,
             "XENMEM_decrease_reservation(gfn %#lx) again, already empty", gfn);

    rc = resv(XENMEM_populate_physmap, &gfn, 1, 0);
    if (!check_rc(rc, 1, "XENMEM_populate_physmap(gfn %#lx)", gfn))
        xtf_exit(); /* the runtime's bss has a hole: touching it would fault */
    after = reservation_of(XENMEM_current_reservation, DOMID_SELF);
    check(after == cur, "current_reservation %ld after populating the page again, was %ld",
          after, cur);
    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        if (!check(victim[i] == 0, "populated page at gfn %#lx: byte %u is %#x, expected a "
                   "zeroed page", gfn, i, victim[i]))
            break;
    victim[0] = 1; /* writable */

    /* Requests Xen refuses as a whole: nothing done. */
    check_rc(resv(XENMEM_populate_physmap, &gfn, 1, 31), 0,
             "XENMEM_populate_physmap with extent_order 31");
    check_rc(resv(XENMEM_decrease_reservation, (uint64_t *)0xdead0000000UL, 1, 0), 0,
             "XENMEM_decrease_reservation with extents at 0xdead0000000");
    check_rc(HYPERVISOR_memory_op(XENMEM_populate_physmap, (void *)0xdead0000000UL), 0,
             "XENMEM_populate_physmap with its argument at 0xdead0000000");
}

static long add_to_physmap(domid_t dom, unsigned int space, uint64_t idx, uint64_t gfn)
{
    struct xen_add_to_physmap x = { .domid = dom, .space = space, .idx = idx, .gpfn = gfn };

    return HYPERVISOR_memory_op(XENMEM_add_to_physmap, &x);
}

static void check_shared_info(void)
{
    volatile struct shared_info *s;
    long rc;
    uint32_t mul;

    rc = xen_map_shared_info(shinfo_a);
    if (!check_rc(rc, 0, "XENMEM_add_to_physmap(shared_info, gfn %#lx)", virt_to_gfn(shinfo_a)))
        xtf_exit();
    s = (volatile struct shared_info *)shinfo_a;
    mul = s->vcpu_info[0].time.tsc_to_system_mul;
    check(mul != 0, "freshly mapped shared_info: vcpu_info[0].time.tsc_to_system_mul is 0");

    /* Mapping it again elsewhere moves it; both views are the same page contents. */
    rc = xen_map_shared_info(shinfo_b);
    if (!check_rc(rc, 0, "XENMEM_add_to_physmap(shared_info, second gfn %#lx)",
                  virt_to_gfn(shinfo_b)))
        xtf_exit();
    s = (volatile struct shared_info *)shinfo_b;
    check(s->vcpu_info[0].time.tsc_to_system_mul == mul,
          "shared_info at its new gfn: tsc_to_system_mul %u, was %u",
          s->vcpu_info[0].time.tsc_to_system_mul, mul);
    check(wallclock_sec(NULL) > 1577836800UL, "shared_info at its new gfn: wallclock %lu",
          wallclock_sec(NULL));

    check_rc(add_to_physmap(DOMID_SELF, XENMAPSPACE_shared_info, 1, virt_to_gfn(shinfo_a)),
             -EINVAL, "XENMEM_add_to_physmap(shared_info, idx 1)");
    check_rc(add_to_physmap(DOMID_SELF, 99, 0, virt_to_gfn(shinfo_a)), -EINVAL,
             "XENMEM_add_to_physmap(space 99)");
    check_rc(add_to_physmap(DOMID_SELF, XENMAPSPACE_gmfn_foreign, 0, virt_to_gfn(shinfo_a)),
             -ENOSYS, "XENMEM_add_to_physmap(gmfn_foreign): only add_to_physmap_batch takes it");
    check_rc(add_to_physmap(12345, XENMAPSPACE_shared_info, 0, virt_to_gfn(shinfo_a)), -ESRCH,
             "XENMEM_add_to_physmap(dom 12345)");
}

void test_main(void)
{
    check_memory_map();
    check_reservations();
    check_shared_info();
    check_rc(HYPERVISOR_memory_op(XENMEM_machine_memory_map, e820), -ENOSYS,
             "XENMEM_machine_memory_map from a PVH guest");
    check_rc(HYPERVISOR_memory_op(63, NULL), -ENOSYS, "memory_op 63");
    xtf_success();
}
