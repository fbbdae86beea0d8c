/* SPDX-License-Identifier: MIT */
/*
 * The hypervisor console: printk output goes to the serial line (when its level passes the
 * loglvl= threshold) and, at every level, to a ring buffer kept for later retrieval by dom0.
 * Each line is prefixed with "(TERN) [cN] " where N is the CPU that printed it.
 */
#ifndef TERN_CONSOLE_H
#define TERN_CONSOLE_H

#include <tern/types.h>

/* Before anything else: serial port at its default settings. */
void console_init_early(void);
/* After the command line: apply com1=, console=, loglvl=. */
void console_init_cmdline(void);
/* A fatal path may run with the console lock held by a dead CPU: take it over, write out
 * what is buffered, and write synchronously from then on. */
void console_force_unlock(void);
/* Write buffered output to the serial line (printk and guest output do it themselves; the
 * console poller calls it for what was left while interrupts were off). */
void console_flush(void);
/* Log how much guest output was dropped because the serial line could not keep up. */
void console_report_drops(void);
/* Copy up to len bytes of the ring buffer, oldest first, starting at offset *pos (0 = oldest).
 * Returns bytes copied; *pos advances. */
size_t console_ring_read(char *buf, size_t len, size_t *pos);
size_t console_ring_size(void);
/* XEN_SYSCTL_readconsole (sysctl.c): Xen's 32-bit ring indices, c readable from, p written to. */
void console_ring_bounds(uint32_t *c, uint32_t *p);
size_t console_ring_fetch(uint32_t c, char *buf, size_t len);
void console_ring_clear(uint32_t c);
/*
 * Guest console output, at any loglvl: prefix + text, ending the line or not. A later call
 * for the same owner continues an unfinished line without repeating the prefix, unless
 * something else was printed in between. The text is buffered: the caller calls
 * console_flush() once it holds no lock.
 */
void console_write_guest(const void *owner, const char *prefix, const char *text, size_t len,
                         bool end_line);

/* Serial driver interface (drivers/char/ns16550.c). */
struct serial_cfg {
    uint16_t io_base;
    uint32_t baud;
    uint8_t data_bits, stop_bits;
    char parity; /* 'n', 'o', 'e' */
};
void serial_init(const struct serial_cfg *cfg);
void serial_putc(char c);
int serial_getc(void); /* -1 when nothing is waiting */
int parse_serial_cfg(const char *s, struct serial_cfg *cfg);

#endif
