/* SPDX-License-Identifier: MIT */
/* The PV clock (vcpu_time_info) and the wallclock in shared_info, kept by Tern for guests. */
#ifndef TERN_PVCLOCK_H
#define TERN_PVCLOCK_H

#include <tern/types.h>

struct vcpu;
struct domain;

/* Read the machine's RTC once at boot: the UTC time at system time 0. */
void wallclock_init(void);
/* The wallclock at system time 0 (arch/x86/rtc.c): set from the RTC at boot, and by dom0
 * (XENPF_settime: it was secs.nsecs at system_time); read for guests' shared_info. */
void wallclock_set(uint64_t secs, uint32_t nsecs, uint64_t system_time);
void wallclock_get(uint64_t *secs, uint32_t *nsecs);
/* Fill d's shared_info wallclock (wc_sec, wc_nsec, wc_sec_hi) with the version protocol. */
void pvclock_init_wallclock(struct domain *d);
/* Refresh v's vcpu_time_info (and its registered copies): TSC and system time now. */
void pvclock_update(struct vcpu *v);

#endif
