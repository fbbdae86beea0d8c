/* SPDX-License-Identifier: MIT */
/* The PV clock (vcpu_time_info) and the wallclock in shared_info, kept by Tern for guests. */
#ifndef TERN_PVCLOCK_H
#define TERN_PVCLOCK_H

#include <tern/types.h>

struct vcpu;
struct domain;

/* Read the machine's RTC once at boot: the UTC time at system time 0. */
void wallclock_init(void);
uint64_t wallclock_boot_seconds(void);
/* Fill d's shared_info wallclock (wc_sec, wc_nsec, wc_sec_hi) with the version protocol. */
void pvclock_init_wallclock(struct domain *d);
/* Refresh v's vcpu_time_info (and its registered copies): TSC and system time now. */
void pvclock_update(struct vcpu *v);

#endif
