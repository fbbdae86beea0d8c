/* SPDX-License-Identifier: MIT */
/* console_io refused to a domU (Xen's release build), and the PV console ring (pvh-abi.md §6). */
#include "lib.h"

#include <public/io/console.h>

const char test_title[] = "console_io refused to a domU, and the PV console ring";

static char big[4096 + 1024];

/* Fill buf with 64-byte lines "console: <tag> line NN ....\n" (the last may be short). */
static void fill_lines(char *buf, size_t len, const char *tag)
{
    for (size_t off = 0, line = 0; off < len; off += 64, line++) {
        char l[65];
        size_t n = len - off < 64 ? len - off : 64;
        int k = snprintf(l, sizeof(l), "console: %s line %02zu ", tag, line);

        memset(l + k, '.', sizeof(l) - k);
        l[63] = '\n';
        memcpy(buf + off, l, n);
    }
}

/*
 * Xen's release build (Debian's) refuses console_io to a domU before looking at anything else
 * (XSM_PRIV in the dummy policy): -EPERM for writes of any length, bad buffers, reads and
 * unknown sub-ops alike. A domU's console is its ring (below).
 */
static void check_console_io(void)
{
    static const char line[] = "console: a short line through CONSOLEIO_write\n";

    check_rc(HYPERVISOR_console_io(CONSOLEIO_write, 0, line), -EPERM,
             "CONSOLEIO_write of 0 bytes from a domU");
    check_rc(HYPERVISOR_console_io(CONSOLEIO_write, sizeof(line) - 1, line), -EPERM,
             "CONSOLEIO_write of %zu bytes from a domU", sizeof(line) - 1);
    fill_lines(big, 4097, "4097-byte write");
    check_rc(HYPERVISOR_console_io(CONSOLEIO_write, 4097, big), -EPERM,
             "CONSOLEIO_write of 4097 bytes from a domU");
    check_rc(HYPERVISOR_console_io(CONSOLEIO_write, 16, (void *)0xdead0000000UL), -EPERM,
             "CONSOLEIO_write from unmapped address 0xdead0000000 (XSM comes first)");
    check_rc(HYPERVISOR_console_io(CONSOLEIO_read, sizeof(big), big), -EPERM,
             "CONSOLEIO_read from a domU");
    check_rc(HYPERVISOR_console_io(2, 0, NULL), -EPERM, "console_io sub-op 2 from a domU");
}

static bool in_ram(uint64_t addr)
{
    const struct hvm_memmap_table_entry *e;

    if (!start_info || start_info->version < 1)
        return false;
    e = (const void *)(uintptr_t)start_info->memmap_paddr;
    for (unsigned int i = 0; i < start_info->memmap_entries; i++)
        if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && addr >= e[i].addr &&
            addr < e[i].addr + e[i].size)
            return true;
    return false;
}

/* Queue all of buf, notifying as we go; false if the backend stops consuming for 5 s. */
static bool ring_write_all(struct xencons_ring *r, const char *buf, size_t len)
{
    volatile struct xencons_interface *intf = r->intf;

    while (len) {
        size_t n = xencons_ring_write(r, buf, len);

        buf += n, len -= n;
        if (len && !wait_until(intf->out_prod - intf->out_cons < sizeof(intf->out), SEC(5)))
            return false;
    }
    return wait_until(intf->out_cons == intf->out_prod, SEC(5));
}

static void check_ring(void)
{
    static const char hello[] = "console: hello through the PV console ring\n";
    struct xencons_ring ring;
    struct evtchn_status st;
    volatile struct xencons_interface *intf;
    uint32_t cons0;
    long rc;

    rc = xencons_ring_init(&ring);
    if (rc == -ENODEV) {
        xtf_failure("HVM_PARAM_CONSOLE_PFN or _EVTCHN is 0: no PV console (Linux needs both)");
        return;
    }
    if (!check_rc(rc, 0, "HVMOP_get_param(CONSOLE_PFN / CONSOLE_EVTCHN)"))
        return;
    intf = ring.intf;
    printk("console ring at gfn %#lx, port %u\n", virt_to_gfn(ring.intf), ring.port);
    check(!in_ram((uintptr_t)ring.intf),
          "console page %#lx lies in a RAM entry of the memory map; Xen marks it reserved",
          (uintptr_t)ring.intf);

    rc = evtchn_status(DOMID_SELF, ring.port, &st);
    if (check_rc(rc, 0, "EVTCHNOP_status(console port %u)", ring.port))
        check(st.status == EVTCHNSTAT_interdomain,
              "console port %u: status %u, expected %u (interdomain, bound to the backend)",
              ring.port, st.status, EVTCHNSTAT_interdomain);

    check(intf->out_prod - intf->out_cons <= sizeof(intf->out),
          "console ring out indexes inconsistent: prod %u cons %u", intf->out_prod,
          intf->out_cons);
    cons0 = intf->out_cons;
    if (!check(ring_write_all(&ring, hello, sizeof(hello) - 1),
               "console backend did not consume %zu bytes within 5 s (out_cons %u, out_prod %u)",
               sizeof(hello) - 1, intf->out_cons, intf->out_prod))
        return;
    check(intf->out_cons - cons0 == sizeof(hello) - 1,
          "out_cons advanced by %u, expected %zu", intf->out_cons - cons0, sizeof(hello) - 1);

    /* More than the ring holds: the indexes wrap around the 2048-byte buffer. */
    fill_lines(big, 4096 + 1024, "ring");
    check(ring_write_all(&ring, big, 4096 + 1024),
          "console backend stopped consuming a 5120-byte stream (out_cons %u, out_prod %u)",
          intf->out_cons, intf->out_prod);
}

void test_main(void)
{
    if (events_init())
        xtf_failure("HVM_PARAM_CALLBACK_IRQ (vector %#x) was refused", UPCALL_VECTOR);
    check_console_io();
    check_ring();
    xtf_success();
}
