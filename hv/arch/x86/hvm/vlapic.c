// SPDX-License-Identifier: MIT
/*
 * The emulated local APIC in x2APIC mode (Intel SDM vol. 3, chapter 10): registers as MSRs
 * 0x800-0x8ff, IPIs among the domain's vCPUs (fixed, lowest priority, NMI, INIT, SIPI), the
 * LVT timer (one-shot, periodic, TSC-deadline) and interrupt priorities. vCPUs start with
 * IA32_APIC_BASE.EXTD = 1, so the guest never needs the xAPIC MMIO page (not emulated).
 *
 * Locking: each vlapic has a spinlock taken with interrupts off, because its timer callback
 * runs in interrupt context on the pCPU the timer was bound to, which need not be where the
 * vCPU runs, and other vCPUs deliver IPIs into it. A lock is never held while another vlapic's
 * lock is taken, while kicking a vCPU, or while waiting for a vCPU to stop.
 */
#include <asm/hvm.h>
#include <asm/processor.h>
#include <tern/domain.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/nospec.h>
#include <tern/sched.h>
#include <tern/spinlock.h>
#include <tern/time.h>
#include <tern/timer.h>
#include <tern/xmalloc.h>
#include "hvm_private.h"
#include "vlapic.h"

#define MSR_X2APIC_FIRST 0x800
#define MSR_X2APIC_LAST 0x8ff

/* IA32_APIC_BASE (SDM 10.4.4 and 10.12.1) */
#define APIC_BASE_BSP (1u << 8)
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)
#define APIC_BASE_ADDR 0xfee00000u

/* x2APIC registers: MSR index - 0x800 (SDM 10.12.1.2, table 10-6) */
enum {
    REG_ID = 0x02,
    REG_VERSION = 0x03,
    REG_TPR = 0x08,
    REG_PPR = 0x0a,
    REG_EOI = 0x0b,
    REG_LDR = 0x0d,
    REG_SVR = 0x0f,
    REG_ISR = 0x10, /* 8 registers of 32 vectors each */
    REG_TMR = 0x18,
    REG_IRR = 0x20,
    REG_ESR = 0x28,
    REG_LVT_CMCI = 0x2f,
    REG_ICR = 0x30,
    REG_LVT_TIMER = 0x32, /* REG_LVT_TIMER..REG_LVT_ERROR are consecutive */
    REG_LVT_ERROR = 0x37,
    REG_TMICT = 0x38,
    REG_TMCCT = 0x39,
    REG_TDCR = 0x3e,
    REG_SELF_IPI = 0x3f,
};

/* Version 0x14 (integrated APIC), max LVT entry 5 (six LVTs: CMCI is not counted, so Linux
 * leaves it alone), bit 24 clear: no EOI-broadcast suppression (SDM 10.4.8). */
#define APIC_VERSION 0x00050014u

/* Local vector table entries (SDM 10.5.1, figure 10-8), in the order of their registers
 * 0x832-0x837, then CMCI (0x82f). */
enum { LVT_TIMER, LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1, LVT_ERROR, LVT_CMCI, NR_LVT };
#define LVT_VECTOR 0xffu
#define LVT_DM (7u << 8)
#define LVT_STATUS (1u << 12) /* delivery status: read-only, always idle here */
#define LVT_POLARITY (1u << 13)
#define LVT_REMOTE_IRR (1u << 14) /* read-only: no level-triggered LINT source exists */
#define LVT_LEVEL (1u << 15)
#define LVT_MASKED (1u << 16)
#define LVT_TIMER_MODE (3u << 17)
#define TIMER_ONESHOT 0u
#define TIMER_PERIODIC 1u
#define TIMER_TSC_DEADLINE 2u

/* Bits each LVT keeps, and the delivery modes each accepts (bit n = mode n): SMI, NMI and
 * ExtINT entries are stored for the guest to read back but have no source here. */
static const uint32_t lvt_writable[NR_LVT] = {
    [LVT_TIMER] = LVT_VECTOR | LVT_MASKED | LVT_TIMER_MODE,
    [LVT_THERMAL] = LVT_VECTOR | LVT_DM | LVT_MASKED,
    [LVT_PERF] = LVT_VECTOR | LVT_DM | LVT_MASKED,
    [LVT_LINT0] = LVT_VECTOR | LVT_DM | LVT_POLARITY | LVT_LEVEL | LVT_MASKED,
    [LVT_LINT1] = LVT_VECTOR | LVT_DM | LVT_POLARITY | LVT_LEVEL | LVT_MASKED,
    [LVT_ERROR] = LVT_VECTOR | LVT_MASKED,
    [LVT_CMCI] = LVT_VECTOR | LVT_DM | LVT_MASKED,
};
/* Fixed, SMI, NMI for all; INIT and ExtINT only on LINT0/1 (SDM 10.5.1, "Delivery Mode"). */
#define LVT_MODES_BASIC ((1u << 0) | (1u << 2) | (1u << 4))
#define LVT_MODES_LINT (LVT_MODES_BASIC | (1u << 5) | (1u << 7))

/* Interrupt command register in x2APIC mode (SDM 10.12.9, figure 10-28) */
#define ICR_LOGICAL (1u << 11)
#define ICR_ASSERT (1u << 14)
#define ICR_LEVEL (1u << 15)
#define ICR_RESERVED 0xfff33000u /* bits 12, 13, 16, 17, 20-31 */
enum { DM_FIXED = 0, DM_LOWEST = 1, DM_SMI = 2, DM_NMI = 4, DM_INIT = 5, DM_SIPI = 6 };
enum { SH_NONE = 0, SH_SELF = 1, SH_ALL = 2, SH_OTHERS = 3 };
#define DEST_BROADCAST 0xffffffffu

/* Error status register bits (SDM 10.5.3); the others report xAPIC bus or MMIO errors. */
#define ESR_SEND_ILLEGAL (1u << 5)
#define ESR_RECV_ILLEGAL (1u << 6)

#define SVR_ENABLED (1u << 8)
#define SVR_WRITABLE 0x3ffu /* vector, enable, focus check; not EOI-broadcast suppression */
#define TDCR_WRITABLE 0xbu

/* The x2APIC timer counts bus clocks divided by TDCR (SDM 10.5.4). The bus clock is ours to
 * choose: 1 GHz, so one count is `divisor` ns. */
#define BUS_NS_PER_TICK 1
/* A periodic timer fires at most this often, so a guest cannot keep a pCPU busy with timer
 * interrupts; the current count still follows the programmed period. */
#define MIN_PERIOD_NS MICROSECS(100)
/* Longest delay armed for a TSC deadline: NOW() + this cannot overflow. */
#define MAX_DELAY_NS (1LL << 62)

struct vlapic {
    spinlock_t lock;
    struct vcpu *v;
    uint64_t apic_base;
    uint32_t id; /* x2APIC ID, read-only in x2APIC mode */
    uint32_t tpr;
    uint32_t svr;
    uint32_t esr;         /* what the guest reads, latched by its last ESR write */
    uint32_t esr_pending; /* errors since that write */
    uint64_t icr;
    uint32_t lvt[NR_LVT];
    uint32_t isr[8]; /* 256 vectors, laid out like the ISR0-7 registers */
    uint32_t irr[8];
    /* The timer. Registers, then the Tern timer state behind them. */
    uint32_t timer_initial;
    uint32_t tdcr;
    uint64_t tsc_deadline;
    s_time_t timer_start;   /* when the initial count was loaded */
    s_time_t timer_expires; /* next expiry, meaningful when timer_armed */
    bool timer_armed;
    struct timer timer;
    /* Delivery state */
    int offered; /* vector put in V_IRQ for the current entry, -1: none */
    bool nmi_pending;
    bool wait_sipi; /* after INIT (or power-up for APs): a SIPI starts the vCPU */
    int sipi_vector; /* a SIPI accepted, applied by the vCPU at its next entry; -1: none */
};

/* ---- 256-bit vector maps ---- */

static void vec_set(uint32_t *map, unsigned int vec)
{
    map[vec / 32] |= 1u << (vec % 32);
}

static void vec_clear(uint32_t *map, unsigned int vec)
{
    map[vec / 32] &= ~(1u << (vec % 32));
}

static bool vec_test(const uint32_t *map, unsigned int vec)
{
    return map[vec / 32] & (1u << (vec % 32));
}

static int vec_highest(const uint32_t *map)
{
    for (int i = 7; i >= 0; i--)
        if (map[i])
            return i * 32 + 31 - __builtin_clz(map[i]);
    return -1;
}

/* ---- priorities and delivery (lock held) ---- */

static bool sw_enabled(const struct vlapic *vl)
{
    return vl->svr & SVR_ENABLED;
}

/* SDM 10.8.3.1: PPR is the TPR, or the class of the highest in-service vector if higher. */
static uint32_t ppr(const struct vlapic *vl)
{
    int isrv = vec_highest(vl->isr);
    uint32_t isr_class = isrv < 0 ? 0 : (uint32_t)isrv & 0xf0;

    return (vl->tpr & 0xf0) >= isr_class ? vl->tpr : isr_class;
}

/* The vector the processor would take now (its class above PPR[7:4]), or -1. */
static int deliverable(const struct vlapic *vl)
{
    int irrv = vec_highest(vl->irr);

    if (!sw_enabled(vl) || irrv < 0 || ((uint32_t)irrv & 0xf0) <= (ppr(vl) & 0xf0))
        return -1;
    return irrv;
}

/* Record an error (SDM 10.5.3) and raise the LVT error interrupt; true if IRR changed. */
static bool raise_error(struct vlapic *vl, uint32_t esr_bit)
{
    uint32_t lvt = vl->lvt[LVT_ERROR];

    vl->esr_pending |= esr_bit;
    if (!sw_enabled(vl) || (lvt & LVT_MASKED))
        return false;
    if ((lvt & LVT_VECTOR) < 16) {
        vl->esr_pending |= ESR_RECV_ILLEGAL;
        return false;
    }
    vec_set(vl->irr, lvt & LVT_VECTOR);
    return true;
}

/* A fixed interrupt arriving; a software-disabled APIC accepts none (SDM 10.4.7.2). */
static bool accept_fixed(struct vlapic *vl, unsigned int vec)
{
    if (!sw_enabled(vl))
        return false;
    vec_set(vl->irr, vec);
    return true;
}

/* An LVT entry firing; vectors 0-15 are illegal and only set ESR (SDM 10.5.2, 10.5.3). */
static bool deliver_lvt(struct vlapic *vl, unsigned int idx)
{
    uint32_t lvt = vl->lvt[idx];

    if (!sw_enabled(vl) || (lvt & LVT_MASKED))
        return false;
    if ((lvt & LVT_VECTOR) < 16)
        return raise_error(vl, ESR_RECV_ILLEGAL);
    vec_set(vl->irr, lvt & LVT_VECTOR);
    return true;
}

/* ---- the timer (SDM 10.5.4) ---- */

static unsigned int timer_mode(const struct vlapic *vl)
{
    return (vl->lvt[LVT_TIMER] & LVT_TIMER_MODE) >> 17;
}

/* TDCR bits 3,1,0: 000 = /2 ... 110 = /128, 111 = /1 (SDM figure 10-10). */
static unsigned int timer_divisor(const struct vlapic *vl)
{
    unsigned int code = ((vl->tdcr >> 1) & 4) | (vl->tdcr & 3);

    return code == 7 ? 1 : 2u << code;
}

static s_time_t timer_period(const struct vlapic *vl)
{
    return (s_time_t)vl->timer_initial * timer_divisor(vl) * BUS_NS_PER_TICK;
}

static void timer_arm(struct vlapic *vl, s_time_t expires)
{
    vl->timer_expires = expires;
    vl->timer_armed = true;
    set_timer(&vl->timer, expires);
}

static void timer_disarm(struct vlapic *vl)
{
    vl->timer_armed = false;
    stop_timer(&vl->timer);
}

static uint32_t timer_current_count(const struct vlapic *vl)
{
    if (timer_mode(vl) == TIMER_TSC_DEADLINE || !vl->timer_armed || !vl->timer_initial)
        return 0;
    s_time_t elapsed = MAX(NOW() - vl->timer_start, 0);
    uint64_t ticks = (uint64_t)elapsed / BUS_NS_PER_TICK / timer_divisor(vl);
    if (timer_mode(vl) == TIMER_PERIODIC)
        return vl->timer_initial - (uint32_t)(ticks % vl->timer_initial);
    return ticks >= vl->timer_initial ? 0 : vl->timer_initial - (uint32_t)ticks;
}

/* System time at which the guest's TSC reaches `deadline`; now if it already has. */
static s_time_t deadline_to_stime(const struct vlapic *vl, uint64_t deadline)
{
    uint64_t tsc_now = rdtsc_ordered() + vl->v->domain->arch.tsc_offset;
    uint64_t khz = tsc_khz() ? tsc_khz() : 1000000;
    s_time_t now = NOW();

    if (deadline <= tsc_now)
        return now;
    uint64_t delta = deadline - tsc_now, q = delta / khz;
    if (q >= (uint64_t)MAX_DELAY_NS / 1000000)
        return now + MAX_DELAY_NS;
    return now + (s_time_t)(q * 1000000 + (delta % khz) * 1000000 / khz);
}

/* Interrupt context, on the timer's pCPU. Stale firings (the timer was re-programmed or
 * stopped after this one was dequeued) find a later or no expiry and do nothing. */
static void timer_fn(void *data)
{
    struct vlapic *vl = data;
    s_time_t now = NOW();
    unsigned long flags;
    bool kick = false;

    spin_lock_irqsave(&vl->lock, flags);
    if (vl->timer_armed && vl->timer_expires <= now) {
        if (timer_mode(vl) == TIMER_PERIODIC) {
            s_time_t step = MAX(timer_period(vl), MIN_PERIOD_NS);
            s_time_t next = vl->timer_expires + step;
            /* Behind by more than a period (vCPU descheduled): one interrupt, no burst. */
            timer_arm(vl, next > now ? next : now + step);
        } else {
            /* One-shot ends; a TSC deadline also clears the MSR when it fires. */
            if (timer_mode(vl) == TIMER_TSC_DEADLINE)
                vl->tsc_deadline = 0;
            vl->timer_armed = false;
        }
        kick = deliver_lvt(vl, LVT_TIMER);
    }
    spin_unlock_irqrestore(&vl->lock, flags);
    if (kick)
        vcpu_kick(vl->v);
}

/* ---- reset ---- */

/* Power-up and INIT state (SDM 10.4.7.1, 10.4.7.3): everything but the APIC ID and
 * IA32_APIC_BASE; x2APIC mode survives INIT (SDM 10.12.5.1). */
static void reset_regs(struct vlapic *vl)
{
    vl->tpr = 0;
    vl->svr = 0xff;
    vl->esr = vl->esr_pending = 0;
    vl->icr = 0;
    for (unsigned int i = 0; i < NR_LVT; i++)
        vl->lvt[i] = LVT_MASKED;
    memset(vl->isr, 0, sizeof(vl->isr));
    memset(vl->irr, 0, sizeof(vl->irr));
    vl->timer_initial = 0;
    vl->tdcr = 0;
    vl->tsc_deadline = 0;
    timer_disarm(vl);
    vl->offered = -1;
    vl->nmi_pending = false;
    vl->sipi_vector = -1;
}

int vlapic_init(struct vcpu *v)
{
    struct vlapic *vl;

    if (v->arch.vlapic)
        return -EEXIST;
    vl = xmalloc(struct vlapic);
    if (!vl)
        return -ENOMEM;
    spin_lock_init(&vl->lock);
    vl->v = v;
    vl->id = v->vcpu_id * 2;
    vl->apic_base =
        APIC_BASE_ADDR | APIC_BASE_EN | APIC_BASE_EXTD | (v->vcpu_id == 0 ? APIC_BASE_BSP : 0);
    init_timer(&vl->timer, timer_fn, vl, v->processor);
    reset_regs(vl);
    vl->wait_sipi = v->vcpu_id != 0;
    v->arch.vlapic = vl;
    return 0;
}

void vlapic_destroy(struct vcpu *v)
{
    struct vlapic *vl = v->arch.vlapic;

    if (!vl)
        return;
    kill_timer(&vl->timer);
    v->arch.vlapic = NULL;
    xfree(vl);
}

/* ---- IPIs (SDM 10.6) ---- */

/* x2APIC logical ID (SDM 10.12.10.2): cluster = ID[19:4] in bits 31:16, one bit of 16. */
static uint32_t ldr(const struct vlapic *vl)
{
    return ((vl->id >> 4) << 16) | (1u << (vl->id & 15));
}

static bool icr_targets(struct vcpu *src, struct vcpu *t, unsigned int shorthand, bool logical,
                        uint32_t dest)
{
    const struct vlapic *tl = t->arch.vlapic;

    switch (shorthand) {
    case SH_SELF:
        return t == src;
    case SH_ALL:
        return true;
    case SH_OTHERS:
        return t != src;
    default:
        if (dest == DEST_BROADCAST)
            return true;
        if (!logical)
            return tl->id == dest;
        return (ldr(tl) >> 16) == (dest >> 16) && (ldr(tl) & dest & 0xffff);
    }
}

/*
 * SIPI: only a vCPU waiting for it (INIT'd) starts, in real mode at vector << 12 (SDM 8.4 and
 * 10.6.1); others ignore it, as Linux's second SIPI expects. Nobody waits for the target to
 * leave its pCPU: the start state is loaded by the target itself, at its next entry
 * (vlapic_take_sipi), so the sender never spins on another vCPU and never writes a control
 * block that may be in use.
 */
static void start_vcpu(struct vcpu *t, uint8_t vector)
{
    struct vlapic *tl = t->arch.vlapic;
    struct domain *d = t->domain;
    unsigned long flags;
    bool start;

    spin_lock(&d->lock); /* is_initialised, against VCPUOP_initialise */
    spin_lock_irqsave(&tl->lock, flags);
    start = tl->wait_sipi && (t->pause_flags & VPF_down);
    if (start) {
        tl->wait_sipi = false;
        tl->sipi_vector = vector;
        t->is_initialised = true;
    }
    spin_unlock_irqrestore(&tl->lock, flags);
    spin_unlock(&d->lock);
    if (start)
        vcpu_pause_flags_clear(t, VPF_down);
}

bool vlapic_take_sipi(struct vcpu *v, uint8_t *vector)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned long flags;
    bool taken = false;

    if (!vl || __atomic_load_n(&vl->sipi_vector, __ATOMIC_RELAXED) < 0)
        return false;
    spin_lock_irqsave(&vl->lock, flags);
    if (vl->sipi_vector >= 0) {
        *vector = (uint8_t)vl->sipi_vector;
        vl->sipi_vector = -1;
        taken = true;
    }
    spin_unlock_irqrestore(&vl->lock, flags);
    return taken;
}

static void deliver_ipi(struct vcpu *src, struct vcpu *t, unsigned int mode, uint8_t vector)
{
    struct vlapic *tl = t->arch.vlapic;
    unsigned long flags;
    bool kick = false;

    switch (mode) {
    case DM_FIXED:
    case DM_LOWEST:
        spin_lock_irqsave(&tl->lock, flags);
        kick = accept_fixed(tl, vector);
        spin_unlock_irqrestore(&tl->lock, flags);
        break;
    case DM_NMI: /* accepted even when software-disabled (SDM 10.4.7.2) */
        spin_lock_irqsave(&tl->lock, flags);
        tl->nmi_pending = true;
        spin_unlock_irqrestore(&tl->lock, flags);
        kick = true;
        break;
    case DM_INIT:
        /* Down first, so whoever sees wait_sipi also sees VPF_down; the kick makes a vCPU
         * running elsewhere leave guest mode and stop. */
        vcpu_pause_flags_set(t, VPF_down);
        spin_lock_irqsave(&tl->lock, flags);
        reset_regs(tl);
        tl->wait_sipi = true;
        spin_unlock_irqrestore(&tl->lock, flags);
        kick = true;
        break;
    case DM_SIPI:
        start_vcpu(t, vector);
        break;
    default:
        break;
    }
    /* The sender itself re-evaluates its interrupts before its next entry anyway. */
    if (kick && t != src)
        vcpu_kick(t);
}

/* A write of the ICR: check it, then deliver to the matching vCPUs of the domain. */
static bool icr_write(struct vlapic *vl, uint64_t icr)
{
    struct vcpu *v = vl->v;
    struct domain *d = v->domain;
    uint32_t lo = (uint32_t)icr, dest = (uint32_t)(icr >> 32);
    unsigned int mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    uint8_t vector = lo & 0xff;
    unsigned long flags;

    if ((lo & ICR_RESERVED) || mode == 3 || mode == 7)
        return false; /* reserved bits and delivery modes: #GP in x2APIC mode */

    spin_lock_irqsave(&vl->lock, flags);
    vl->icr = icr;
    bool illegal = (mode == DM_FIXED || mode == DM_LOWEST) && vector < 16;
    if (illegal)
        raise_error(vl, ESR_SEND_ILLEGAL); /* and nothing is sent */
    spin_unlock_irqrestore(&vl->lock, flags);

    if (illegal || mode == DM_SMI) /* no SMM in guests */
        return true;
    /* INIT level de-assert (level 0, level-triggered) only resynchronises arbitration IDs
     * on old APIC buses (SDM 10.6.1); Linux still sends it after INIT. */
    if (mode == DM_INIT && !(lo & ICR_ASSERT) && (lo & ICR_LEVEL))
        return true;
    /* The self shorthand is valid with fixed delivery only (SDM 10.6.1, table 10-3). */
    if (shorthand == SH_SELF && mode != DM_FIXED)
        return true;
    /* A sender already INIT'd is stopping: its SIPIs are dropped, which also means two
     * vCPUs can never wait for each other in start_vcpu(). */
    if (mode == DM_SIPI && (v->pause_flags & VPF_down))
        return true;

    for (unsigned int i = 0; i < MIN(d->max_vcpus, (unsigned int)MAX_VIRT_CPUS); i++) {
        struct vcpu *t = d->vcpu[i];
        if (!t || !t->arch.vlapic || !icr_targets(v, t, shorthand, lo & ICR_LOGICAL, dest))
            continue;
        deliver_ipi(v, t, mode, vector);
        /* Lowest priority: any one of the targets may take it (SDM 10.6.2.4); the first. */
        if (mode == DM_LOWEST)
            break;
    }
    return true;
}

/* ---- register access (lock held) ---- */

/* Callers checked is_lvt(reg); the clamp keeps a mispredicted check inside lvt[]. */
static unsigned int lvt_index(unsigned int reg)
{
    return array_index_nospec(reg == REG_LVT_CMCI ? LVT_CMCI : reg - REG_LVT_TIMER, NR_LVT);
}

static bool is_lvt(unsigned int reg)
{
    return reg == REG_LVT_CMCI || (reg >= REG_LVT_TIMER && reg <= REG_LVT_ERROR);
}

static bool reg_read(struct vlapic *vl, unsigned int reg, uint64_t *val)
{
    if (is_lvt(reg)) {
        *val = vl->lvt[lvt_index(reg)];
        return true;
    }
    if (reg >= REG_ISR && reg < REG_ISR + 8) {
        *val = vl->isr[array_index_nospec(reg - REG_ISR, 8u)];
        return true;
    }
    if (reg >= REG_TMR && reg < REG_TMR + 8) {
        *val = 0; /* only edge-triggered interrupts exist: IPIs and the LVTs, no IO-APIC */
        return true;
    }
    if (reg >= REG_IRR && reg < REG_IRR + 8) {
        *val = vl->irr[array_index_nospec(reg - REG_IRR, 8u)];
        return true;
    }
    switch (reg) {
    case REG_ID:
        *val = vl->id;
        return true;
    case REG_VERSION:
        *val = APIC_VERSION;
        return true;
    case REG_TPR:
        *val = vl->tpr;
        return true;
    case REG_PPR:
        *val = ppr(vl);
        return true;
    case REG_LDR:
        *val = ldr(vl);
        return true;
    case REG_SVR:
        *val = vl->svr;
        return true;
    case REG_ESR:
        *val = vl->esr;
        return true;
    case REG_ICR:
        *val = vl->icr; /* no delivery-status bit in x2APIC mode */
        return true;
    case REG_TMICT:
        *val = vl->timer_initial;
        return true;
    case REG_TMCCT:
        *val = timer_current_count(vl);
        return true;
    case REG_TDCR:
        *val = vl->tdcr;
        return true;
    default:
        return false; /* write-only (EOI, SELF IPI) or no such register: #GP */
    }
}

static bool lvt_write(struct vlapic *vl, unsigned int idx, uint32_t val)
{
    uint32_t ignored = LVT_STATUS | (idx == LVT_LINT0 || idx == LVT_LINT1 ? LVT_REMOTE_IRR : 0);
    uint32_t modes = idx == LVT_LINT0 || idx == LVT_LINT1 ? LVT_MODES_LINT : LVT_MODES_BASIC;

    if (val & ~(lvt_writable[idx] | ignored))
        return false;
    if ((lvt_writable[idx] & LVT_DM) && !(modes & (1u << ((val & LVT_DM) >> 8))))
        return false;
    val &= lvt_writable[idx];
    if (idx == LVT_TIMER && ((val & LVT_TIMER_MODE) >> 17) == 3)
        return false; /* reserved timer mode */
    /* A software-disabled APIC keeps every LVT masked (SDM 10.4.7.2). */
    if (!sw_enabled(vl))
        val |= LVT_MASKED;
    if (idx == LVT_TIMER) {
        unsigned int old = timer_mode(vl), new = (val & LVT_TIMER_MODE) >> 17;
        /* Entering or leaving TSC-deadline mode disarms the timer (SDM 10.5.4.1). */
        if (old != new && (old == TIMER_TSC_DEADLINE || new == TIMER_TSC_DEADLINE)) {
            vl->timer_initial = 0;
            vl->tsc_deadline = 0;
            timer_disarm(vl);
        }
    }
    vl->lvt[idx] = val;
    return true;
}

static bool svr_write(struct vlapic *vl, uint32_t val)
{
    if (val & ~SVR_WRITABLE)
        return false;
    /* Software disable masks every LVT; re-enabling leaves them masked (SDM 10.4.7.2).
     * IRR and ISR are kept, but nothing is delivered meanwhile. */
    if (!(val & SVR_ENABLED))
        for (unsigned int i = 0; i < NR_LVT; i++)
            vl->lvt[i] |= LVT_MASKED;
    vl->svr = val;
    return true;
}

/* Everything but the ICR, whose delivery takes other vCPUs' locks. */
static bool reg_write(struct vlapic *vl, unsigned int reg, uint64_t val64)
{
    uint32_t val = (uint32_t)val64;
    int isrv;

    if (val64 >> 32)
        return false; /* bits 63:32 are reserved in every register but the ICR */
    if (is_lvt(reg))
        return lvt_write(vl, lvt_index(reg), val);
    switch (reg) {
    case REG_TPR:
        if (val > 0xff)
            return false;
        vl->tpr = val;
        return true;
    case REG_EOI:
        if (val)
            return false; /* x2APIC: only 0 may be written (SDM 10.12.1.2) */
        /* The highest in-service vector is the one being completed (SDM 10.8.5). No IO-APIC
         * listens for level-triggered EOIs. The next entry re-evaluates IRR. */
        isrv = vec_highest(vl->isr);
        if (isrv >= 0)
            vec_clear(vl->isr, isrv);
        return true;
    case REG_SVR:
        return svr_write(vl, val);
    case REG_ESR:
        if (val)
            return false; /* x2APIC: only 0 may be written */
        /* The write latches the errors seen since the previous one (SDM 10.5.3). */
        vl->esr = vl->esr_pending;
        vl->esr_pending = 0;
        return true;
    case REG_TMICT:
        if (timer_mode(vl) == TIMER_TSC_DEADLINE)
            return true; /* ignored in TSC-deadline mode (SDM 10.5.4.1) */
        vl->timer_initial = val;
        if (!val) {
            timer_disarm(vl); /* a count of 0 stops the timer */
            return true;
        }
        vl->timer_start = NOW();
        timer_arm(vl, vl->timer_start + timer_period(vl));
        return true;
    case REG_TDCR:
        if (val & ~TDCR_WRITABLE)
            return false;
        vl->tdcr = val;
        return true;
    case REG_SELF_IPI:
        if (val & ~0xffu)
            return false;
        /* Same checks as a fixed self IPI (SDM 10.12.11); the caller is this vCPU, so no
         * kick: its next entry sees the new IRR bit. */
        if (val < 16)
            raise_error(vl, ESR_SEND_ILLEGAL);
        else
            accept_fixed(vl, val);
        return true;
    default:
        return false; /* read-only (ID, version, PPR, LDR, ISR, TMR, IRR, current count) or
                       * no such register */
    }
}

static bool tsc_deadline_access(struct vlapic *vl, bool write, uint64_t *val)
{
    /* Outside TSC-deadline mode the MSR reads 0 and ignores writes (SDM 10.5.4.1). */
    if (!write) {
        *val = timer_mode(vl) == TIMER_TSC_DEADLINE ? vl->tsc_deadline : 0;
        return true;
    }
    if (timer_mode(vl) != TIMER_TSC_DEADLINE)
        return true;
    vl->tsc_deadline = *val;
    if (*val)
        timer_arm(vl, deadline_to_stime(vl, *val));
    else
        timer_disarm(vl);
    return true;
}

/*
 * IA32_APIC_BASE writes may only keep the current value (the BSP flag is read-only here).
 * Leaving x2APIC mode would need the xAPIC MMIO page, which is not emulated, and
 * x2APIC -> xAPIC directly is invalid anyway (SDM 10.12.5, figure 10-27); disabling the
 * APIC or moving its base is refused for the same reason.
 */
static bool apic_base_write(struct vlapic *vl, uint64_t val)
{
    if ((val & ~(uint64_t)APIC_BASE_BSP) == (vl->apic_base & ~(uint64_t)APIC_BASE_BSP))
        return true;
    printk(XENLOG_WARNING "d%u v%u: IA32_APIC_BASE %#llx -> %#llx refused: only x2APIC mode "
                          "is emulated\n",
           vl->v->domain->domain_id, vl->v->vcpu_id, (unsigned long long)vl->apic_base,
           (unsigned long long)val);
    return false;
}

/* ---- hooks (hvm_private.h) ---- */

bool hvm_vcpu_has_x2apic(struct vcpu *v)
{
    return v->arch.vlapic != NULL;
}

bool hvm_vlapic_portio_hook(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                            uint32_t *val)
{
    return false; /* no port of the LAPIC's */
}

bool hvm_vlapic_mmio(struct vcpu *v, uint64_t gpa, uint64_t error_code)
{
    return false; /* xAPIC MMIO is not emulated: guests run in x2APIC mode */
}

bool hvm_vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned long flags;
    bool ok;

    if (!vl)
        return false;
    if (msr == MSR_APIC_BASE) {
        if (write)
            return apic_base_write(vl, *val);
        *val = vl->apic_base;
        return true;
    }
    if (msr != MSR_TSC_DEADLINE && (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST))
        return false;
    if (write && msr == MSR_X2APIC_FIRST + REG_ICR)
        return icr_write(vl, *val);

    spin_lock_irqsave(&vl->lock, flags);
    if (msr == MSR_TSC_DEADLINE)
        ok = tsc_deadline_access(vl, write, val);
    else if (write)
        ok = reg_write(vl, msr - MSR_X2APIC_FIRST, *val);
    else
        ok = reg_read(vl, msr - MSR_X2APIC_FIRST, val);
    spin_unlock_irqrestore(&vl->lock, flags);
    return ok;
}

bool hvm_vlapic_has_pending(struct vcpu *v)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned long flags;
    bool pending;

    if (!vl)
        return false;
    spin_lock_irqsave(&vl->lock, flags);
    pending = vl->nmi_pending || deliverable(vl) >= 0;
    spin_unlock_irqrestore(&vl->lock, flags);
    return pending;
}

bool hvm_vlapic_inject(struct vcpu *v)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned long flags;
    int vec;

    if (!vl)
        return false;
    spin_lock_irqsave(&vl->lock, flags);
    vec = deliverable(vl);
    vl->offered = vec;
    spin_unlock_irqrestore(&vl->lock, flags);
    if (vec < 0)
        return false;
    hvm_funcs->set_virtual_irq(v, true, (uint8_t)vec);
    return true;
}

void vlapic_after_exit(struct vcpu *v, bool still_pending)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned long flags;

    if (!vl)
        return;
    spin_lock_irqsave(&vl->lock, flags);
    /* The offer is for one entry only: if the upcall was injected instead, inject() was not
     * called and offered is already -1. A vector cleared meanwhile (INIT) stays cleared. */
    int vec = vl->offered;
    vl->offered = -1;
    if (!still_pending && vec >= 0 && vec_test(vl->irr, vec)) {
        vec_clear(vl->irr, vec);
        vec_set(vl->isr, vec);
    }
    spin_unlock_irqrestore(&vl->lock, flags);
}

void vlapic_send_nmi(struct vcpu *v)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned long flags;

    if (!vl)
        return;
    spin_lock_irqsave(&vl->lock, flags);
    vl->nmi_pending = true;
    spin_unlock_irqrestore(&vl->lock, flags);
}

bool vlapic_take_nmi(struct vcpu *v)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned long flags;
    bool nmi;

    if (!vl)
        return false;
    spin_lock_irqsave(&vl->lock, flags);
    nmi = vl->nmi_pending;
    vl->nmi_pending = false;
    spin_unlock_irqrestore(&vl->lock, flags);
    return nmi;
}
