// SPDX-License-Identifier: MIT
/* The Xen PV clock: vcpu_time_info from the TSC, kept with the version (seqlock) protocol. */
#include <asm/processor.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/pvclock.h>
#include <tern/time.h>

/* tsc_to_system_mul and tsc_shift with ns = ((tsc_delta << shift) * mul) >> 32. */
static uint32_t scale_mul;
static int8_t scale_shift;

static void compute_scale(void)
{
    uint64_t scale = (1000000000ULL << 32) / (tsc_khz() * 1000);
    int shift = 0;
    while (scale >= (1ULL << 32)) {
        scale >>= 1;
        shift++;
    }
    while (scale < (1ULL << 31)) {
        scale <<= 1;
        shift--;
    }
    scale_mul = (uint32_t)scale;
    scale_shift = (int8_t)shift;
}

static void fill(struct vcpu_time_info *t, uint64_t tsc, s_time_t now)
{
    t->version++; /* odd: update in progress */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->tsc_timestamp = tsc; /* guests run with a zero TSC offset */
    t->system_time = now;
    t->tsc_to_system_mul = scale_mul;
    t->tsc_shift = scale_shift;
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->version++;
}

void pvclock_update(struct vcpu *v)
{
    if (!scale_mul)
        compute_scale();
    if (!v->vcpu_info)
        return;
    /* A matching pair: the TSC and the system time derived from that same TSC value. */
    uint64_t tsc = rdtsc_ordered();
    fill(&v->vcpu_info->time, tsc, tsc_to_stime(tsc));
}

void pvclock_init_wallclock(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    uint64_t sec = wallclock_boot_seconds();

    s->wc_version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_sec = (uint32_t)sec;
    s->wc_sec_hi = (uint32_t)(sec >> 32);
    s->wc_nsec = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_version++;
}
