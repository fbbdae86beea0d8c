// SPDX-License-Identifier: MIT
/* The Xen PV clock: vcpu_time_info from the TSC, kept with the version (seqlock) protocol. */
#include <asm/processor.h>
#include <public/xen.h>
#include <tern/domain.h>
#include <tern/guest_access.h>
#include <tern/lib.h>
#include <tern/pvclock.h>
#include <tern/time.h>

static void fill(struct vcpu_time_info *t, uint64_t tsc, s_time_t now)
{
    uint32_t mul;
    int8_t shift;

    time_scale(&mul, &shift); /* system time's own scale: see time.c */
    t->version++; /* odd: update in progress */
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->tsc_timestamp = tsc; /* guests run with a zero TSC offset */
    t->system_time = now;
    t->tsc_to_system_mul = mul;
    t->tsc_shift = shift;
    t->flags = XEN_PVCLOCK_TSC_STABLE_BIT;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    t->version++;
}

/*
 * The copy at VCPUOP_register_vcpu_time_memory_area (Linux's vDSO clock), with the same
 * version protocol: an odd version first, then the fields, then the even version. Only into
 * the current vCPU's own address space: its page tables are the ones loaded.
 */
static void publish_time_area(struct vcpu *v, const struct vcpu_time_info *t)
{
    struct vcpu_time_info u = *t;
    uint64_t gva = v->time_area_gva;

    if (!gva || v != current)
        return;
    u.version |= 1;
    if (copy_to_guest_vcpu(v, gva, &u.version, sizeof(u.version)))
        return;
    __atomic_thread_fence(__ATOMIC_RELEASE);
    copy_to_guest_vcpu(v, gva, &u, sizeof(u));
    __atomic_thread_fence(__ATOMIC_RELEASE);
    u.version++;
    copy_to_guest_vcpu(v, gva, &u.version, sizeof(u.version));
}

void pvclock_update(struct vcpu *v)
{
    struct vcpu_info *vi = __atomic_load_n(&v->vcpu_info, __ATOMIC_ACQUIRE);

    if (!vi)
        return;
    /* A matching pair: the TSC and the system time derived from that same TSC value. */
    uint64_t tsc = rdtsc_ordered();
    fill(&vi->time, tsc, tsc_to_stime(tsc));
    publish_time_area(v, &vi->time);
}

void pvclock_init_wallclock(struct domain *d)
{
    struct shared_info *s = d->shared_info;
    uint64_t sec;
    uint32_t nsec;

    wallclock_get(&sec, &nsec);
    s->wc_version++;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_sec = (uint32_t)sec;
    s->wc_sec_hi = (uint32_t)(sec >> 32);
    s->wc_nsec = nsec;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    s->wc_version++;
}
