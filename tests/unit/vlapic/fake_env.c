// SPDX-License-Identifier: MIT
/* Fake vCPUs, hvm_funcs, scheduler, timers, clock and heap for the vlapic tests. */
#include "fake_env.h"
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <asm/hvm.h>
#include <tern/sched.h>
#include <tern/time.h>
#include <tern/xmalloc.h>

struct fake_domain {
    struct domain d;
    struct vcpu vcpus[FAKE_MAX_VCPUS];
    struct fake_log logs[FAKE_MAX_VCPUS];
};

static struct fake_domain *dom;
s_time_t fake_now;
long fake_heap_live;

/* ---- Heap ---- */

void *xmalloc_bytes(size_t size)
{
    void *p = calloc(1, size);
    if (p)
        fake_heap_live++;
    return p;
}

void xfree(void *p)
{
    if (p)
        fake_heap_live--;
    free(p);
}

/* ---- Clock and timers: every initialised timer is in a registry, fired by hand ---- */

#define MAX_TIMERS 64
static struct timer *timers[MAX_TIMERS];

s_time_t NOW(void)
{
    return fake_now;
}

uint64_t tsc_khz(void)
{
    return FAKE_TSC_KHZ;
}

void init_timer(struct timer *t, void (*fn)(void *), void *data, unsigned int cpu)
{
    memset(t, 0, sizeof(*t));
    t->fn = fn;
    t->data = data;
    t->cpu = cpu;
    for (unsigned int i = 0; i < MAX_TIMERS; i++) {
        if (!timers[i]) {
            timers[i] = t;
            return;
        }
    }
    CHECK(0, "fake timer registry full");
}

void set_timer(struct timer *t, s_time_t expires)
{
    t->expires = expires;
    t->active = true;
}

void stop_timer(struct timer *t)
{
    t->active = false;
}

void kill_timer(struct timer *t)
{
    t->active = false;
    t->fn = NULL;
    for (unsigned int i = 0; i < MAX_TIMERS; i++)
        if (timers[i] == t)
            timers[i] = NULL;
}

bool timer_is_active(const struct timer *t)
{
    return t->active;
}

/* Like timer_softirq: dequeue the earliest due timer, then run its callback. */
static bool fire_one(void)
{
    struct timer *next = NULL;
    for (unsigned int i = 0; i < MAX_TIMERS; i++) {
        struct timer *t = timers[i];
        if (t && t->active && t->expires <= fake_now && (!next || t->expires < next->expires))
            next = t;
    }
    if (!next)
        return false;
    next->active = false;
    if (next->fn)
        next->fn(next->data);
    return true;
}

void fake_advance(s_time_t ns)
{
    s_time_t end = fake_now + ns;
    for (;;) {
        /* Step to the earliest expiry on the way so callbacks see their own time. */
        s_time_t step = end;
        for (unsigned int i = 0; i < MAX_TIMERS; i++)
            if (timers[i] && timers[i]->active && timers[i]->expires < step &&
                timers[i]->expires > fake_now)
                step = timers[i]->expires;
        fake_now = step;
        while (fire_one())
            ;
        if (fake_now >= end)
            break;
    }
}

struct timer *fake_timer_of(const struct vcpu *v)
{
    for (unsigned int i = 0; i < MAX_TIMERS; i++)
        if (timers[i] && timers[i]->data == v->arch.vlapic)
            return timers[i];
    CHECK(0, "no timer for vCPU %u", v->vcpu_id);
    return NULL;
}

/* ---- Scheduler ---- */

struct fake_log *fake_log(const struct vcpu *v)
{
    CHECK(dom && v->vcpu_id < FAKE_MAX_VCPUS, "vCPU %u has no log", v->vcpu_id);
    return &dom->logs[v->vcpu_id];
}

void vcpu_kick(struct vcpu *v)
{
    fake_log(v)->kicks++;
}

void vcpu_pause_flags_set(struct vcpu *v, uint32_t f)
{
    v->pause_flags |= f;
}

void vcpu_pause_flags_clear(struct vcpu *v, uint32_t f)
{
    v->pause_flags &= ~f;
}

void vcpu_sleep_sync(struct vcpu *v)
{
    fake_log(v)->sleep_syncs++;
}

/* ---- hvm_funcs ---- */

static void fake_set_virtual_irq(struct vcpu *v, bool pending, uint8_t vector)
{
    struct fake_log *l = fake_log(v);
    l->virq_calls++;
    l->virq_pending = pending;
    l->virq_vector = vector;
}

static void fake_set_sipi_state(struct vcpu *v, uint8_t vector)
{
    struct fake_log *l = fake_log(v);
    l->sipis++;
    l->sipi_vector = vector;
}

static const struct hvm_function_table fake_hvm = {
    .name = "fake",
    .set_sipi_state = fake_set_sipi_state,
    .set_virtual_irq = fake_set_virtual_irq,
};
const struct hvm_function_table *hvm_funcs = &fake_hvm;

/* ---- Domain ---- */

static struct domain *make_domain(unsigned int nr, bool x2apic);

struct domain *fake_domain(unsigned int nr)
{
    return make_domain(nr, true);
}

struct domain *fake_domain_xapic(unsigned int nr)
{
    return make_domain(nr, false);
}

static struct domain *make_domain(unsigned int nr, bool x2apic)
{
    if (dom) {
        for (unsigned int i = 0; i < FAKE_MAX_VCPUS; i++) {
            vlapic_destroy(&dom->vcpus[i]);
            CHECK(!dom->vcpus[i].arch.vlapic, "vlapic_destroy leaves the pointer NULL");
        }
        free(dom);
        dom = NULL;
    }
    CHECK(fake_heap_live == 0, "heap blocks leaked by the previous test: %ld", fake_heap_live);
    for (unsigned int i = 0; i < MAX_TIMERS; i++)
        CHECK(!timers[i], "timer %u not killed", i);
    CHECK(nr <= FAKE_MAX_VCPUS, "at most %d vCPUs", FAKE_MAX_VCPUS);

    dom = calloc(1, sizeof(*dom));
    CHECK(dom, "out of memory");
    fake_now = 1000000;
    dom->d.domain_id = 1;
    dom->d.max_vcpus = nr;
    for (unsigned int i = 0; i < nr; i++) {
        struct vcpu *v = &dom->vcpus[i];
        v->vcpu_id = i;
        v->domain = &dom->d;
        v->processor = i % 4;
        v->pause_flags = i ? VPF_down : 0;
        v->is_initialised = i == 0;
        dom->d.vcpu[i] = v;
        CHECK(vlapic_init(v) == 0, "vlapic_init(v%u)", i);
        /* vCPUs start in xAPIC mode, as on Xen; most tests switch to x2APIC as Linux does */
        CHECK((rd(v, X_APIC_BASE) & 0xc00) == 0x800, "v%u starts in xAPIC mode", i);
        if (x2apic)
            wr(v, X_APIC_BASE, rd(v, X_APIC_BASE) | 0x400);
    }
    return &dom->d;
}

/* ---- Register helpers ---- */

bool msr_rd(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    *val = 0xdeadbeef;
    return hvm_vlapic_msr(v, msr, false, val);
}

bool msr_wr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    return hvm_vlapic_msr(v, msr, true, &val);
}

uint64_t rd(struct vcpu *v, uint32_t msr)
{
    uint64_t val;
    CHECK(msr_rd(v, msr, &val), "read of MSR %#x by v%u refused", msr, v->vcpu_id);
    return val;
}

void wr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    CHECK(msr_wr(v, msr, val), "write of %#llx to MSR %#x by v%u refused",
          (unsigned long long)val, msr, v->vcpu_id);
}

void fake_enable(struct vcpu *v)
{
    wr(v, X_SVR, 0x1ff);
    wr(v, X_TPR, 0);
}

bool in_irr(struct vcpu *v, unsigned int vec)
{
    return rd(v, X_IRR + vec / 32) & (1u << (vec % 32));
}

bool in_isr(struct vcpu *v, unsigned int vec)
{
    return rd(v, X_ISR + vec / 32) & (1u << (vec % 32));
}

int fake_entry(struct vcpu *v, bool taken)
{
    struct fake_log *l = fake_log(v);
    unsigned int calls = l->virq_calls;
    int vec = -1;

    if (hvm_vlapic_inject(v)) {
        CHECK(l->virq_calls == calls + 1 && l->virq_pending, "inject must set V_IRQ once");
        vec = l->virq_vector;
    } else {
        CHECK(l->virq_calls == calls, "no V_IRQ when inject returns false");
    }
    vlapic_after_exit(v, !taken);
    return vec;
}

/* ---- xAPIC MMIO helpers ---- */

uint64_t mmio_rd_len(struct vcpu *v, unsigned int offset, unsigned int len)
{
    uint64_t val = 0xdeadbeefdeadbeefULL;

    CHECK(hvm_vlapic_mmio_range(v, XAPIC_BASE + offset), "v%u: 0xfee00000 + %#x is not the "
          "vLAPIC page", v->vcpu_id, offset);
    hvm_vlapic_mmio_read(v, XAPIC_BASE + offset, len, &val);
    return val;
}

void mmio_wr_len(struct vcpu *v, unsigned int offset, unsigned int len, uint64_t val)
{
    CHECK(hvm_vlapic_mmio_range(v, XAPIC_BASE + offset), "v%u: 0xfee00000 + %#x is not the "
          "vLAPIC page", v->vcpu_id, offset);
    hvm_vlapic_mmio_write(v, XAPIC_BASE + offset, len, val);
}

uint32_t mmio_rd(struct vcpu *v, unsigned int offset)
{
    return (uint32_t)mmio_rd_len(v, offset, 4);
}

void mmio_wr(struct vcpu *v, unsigned int offset, uint32_t val)
{
    mmio_wr_len(v, offset, 4, val);
}
