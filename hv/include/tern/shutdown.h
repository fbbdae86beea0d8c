/* SPDX-License-Identifier: MIT */
/* Machine power-off and restart, and panic(). */
#ifndef TERN_SHUTDOWN_H
#define TERN_SHUTDOWN_H

#include <tern/types.h>

/* ACPI S5; falls back to halting every CPU with a message if S5 is unavailable. */
void machine_poweroff(void) __noreturn;
/* reboot= method (acpi, kbd, triple; default: ACPI reset register, then kbd, then triple). */
void machine_restart(void) __noreturn;

/* A broken invariant in Tern itself: report with registers and backtrace, stop all CPUs. */
void panic(const char *fmt, ...) __noreturn __printf(1, 2);

#endif
