/* SPDX-License-Identifier: MIT */
/*
 * Guest consoles on Tern's serial line: every line a domain prints (console_io, the console
 * ring, port 0xE9) appears as "[name] text". Serial input goes to one domain at a time;
 * Ctrl-A three times moves the focus (Tern -> first domain -> next ... -> Tern), as in Xen.
 * With the focus on Tern, single keys are debug keys ('h' lists them).
 */
#ifndef TERN_DOMAIN_CONSOLE_H
#define TERN_DOMAIN_CONSOLE_H

#include <tern/types.h>

struct domain;

/* Set up d's console ring at gfn (a page d owns) with a Tern-side event channel. */
int domain_console_init(struct domain *d, uint64_t ring_gfn);
void domain_console_destroy(struct domain *d);
void domain_console_write(struct domain *d, const char *buf, size_t len);
/* Take up to len bytes of serial input queued for d (dom0, which has no console ring). */
size_t domain_console_read(struct domain *d, char *buf, size_t len);
/* Start the input poller (after SMP bring-up). */
void console_input_init(void);
/* Serial input and ring draining, flagged every 20 ms and done by CPU 0's scheduler. */
extern volatile bool console_work_pending;
void console_poll_work(void);

#endif
