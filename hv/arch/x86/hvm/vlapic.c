// SPDX-License-Identifier: MIT
/*
 * The emulated local APIC (Intel SDM vol. 3, chapter 10) in both of its modes, as Xen 4.17
 * offers it to HVM and PVH guests: vCPUs start in xAPIC mode with the registers in the MMIO
 * page at 0xfee00000 (reached through nested page faults and the instruction emulator,
 * hvm_vlapic_mmio_*), and the guest may switch to x2APIC mode, registers as MSRs
 * 0x800-0x8ff, through IA32_APIC_BASE. IPIs among the domain's vCPUs (fixed, lowest priority,
 * NMI, INIT, SIPI; physical and logical flat/cluster destinations), the LVT timer (one-shot,
 * periodic, TSC-deadline) and interrupt priorities work the same in both modes.
 *
 * The modes differ as on hardware and Xen: xAPIC accesses never fault (accesses that do not
 * fit in one 32-bit register read 0 and are dropped, reserved bits are masked, the ID is
 * writable, LDR/DFR are the guest's, ICR is written as ICR2 then ICR), x2APIC accesses #GP on
 * reserved bits and read-only registers and the ID and LDR follow from the vCPU number.
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
#define APIC_BASE_ADDR_MASK 0x000ffffffffff000ULL /* Xen's mask */

/* x2APIC registers: MSR index - 0x800 (SDM 10.12.1.2, table 10-6) */
enum {
    REG_ID = 0x02,
    REG_VERSION = 0x03,
    REG_TPR = 0x08,
    REG_PPR = 0x0a,
    REG_EOI = 0x0b,
    REG_LDR = 0x0d,
    REG_DFR = 0x0e, /* xAPIC only */
    REG_SVR = 0x0f,
    REG_ISR = 0x10, /* 8 registers of 32 vectors each */
    REG_TMR = 0x18,
    REG_IRR = 0x20,
    REG_ESR = 0x28,
    REG_LVT_CMCI = 0x2f,
    REG_ICR = 0x30,
    REG_ICR2 = 0x31, /* xAPIC only: the destination, bits 31:24 */
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

/* xAPIC: the writable bits of LDR and ICR2, and DFR's fixed bits (SDM 10.6.2.2) */
#define XAPIC_LDR_MASK 0xff000000u
#define XAPIC_ICR2_MASK 0xff000000u
#define XAPIC_DFR_FIXED 0x0fffffffu
#define DFR_FLAT 0xfu
#define DFR_CLUSTER 0x0u
#define ICR_STATUS (1u << 12) /* delivery status: always idle here */
/* The last register of the MMIO page (TDCR at 0x3e0): past it, nothing (Xen's bound). */
#define XAPIC_LAST_OFFSET 0x3e0u

#define SVR_ENABLED (1u << 8)
#define SVR_WRITABLE 0x3ffu /* vector, enable, focus check; not EOI-broadcast suppression */
#define TDCR_WRITABLE 0xbu

/* The timer counts bus clocks divided by TDCR (SDM 10.5.4). The bus runs at Xen's 100 MHz
 * (APIC_BUS_CYCLE_NS), so one count is 10 * divisor ns. */
#define BUS_NS_PER_TICK 10
/* A periodic timer fires at most this often, so a guest cannot keep a pCPU busy with timer
 * interrupts; the current count still follows the programmed period. */
#define MIN_PERIOD_NS MICROSECS(100)
/* Longest delay armed for a TSC deadline: NOW() + this cannot overflow. */
#define MAX_DELAY_NS (1LL << 62)

struct vlapic {
    spinlock_t lock;
    struct vcpu *v;
    uint64_t apic_base;
    /* The ID register: xAPIC mode bits 31:24 (writable, as on Xen); x2APIC the 32-bit ID */
    uint32_t id;
    uint32_t ldr; /* xAPIC: the guest's; x2APIC: derived from the ID on the switch */
    uint32_t dfr; /* xAPIC only */
    uint32_t tpr;
    uint32_t svr;
    uint32_t esr;         /* what the guest reads, latched by its last ESR write */
    uint32_t esr_pending; /* errors since that write */
    uint64_t icr; /* x2APIC: the 64-bit ICR; xAPIC: ICR2 in bits 63:32, ICR in 31:0 */
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

static bool hw_enabled(const struct vlapic *vl)
{
    return vl->apic_base & APIC_BASE_EN;
}

static bool x2apic_mode(const struct vlapic *vl)
{
    return (vl->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == (APIC_BASE_EN | APIC_BASE_EXTD);
}

static bool xapic_mode(const struct vlapic *vl)
{
    return (vl->apic_base & (APIC_BASE_EN | APIC_BASE_EXTD)) == APIC_BASE_EN;
}

/* Accepting interrupts: globally (IA32_APIC_BASE.EN) and software (SVR) enabled. */
static bool enabled(const struct vlapic *vl)
{
    return hw_enabled(vl) && sw_enabled(vl);
}

/* The APIC ID as destinations compare it: 8 bits in xAPIC mode, 32 in x2APIC mode. */
static uint32_t apic_id(const struct vlapic *vl)
{
    return x2apic_mode(vl) ? vl->id : vl->id >> 24;
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

    if (!enabled(vl) || irrv < 0 || ((uint32_t)irrv & 0xf0) <= (ppr(vl) & 0xf0))
        return -1;
    return irrv;
}

/* Record an error (SDM 10.5.3) and raise the LVT error interrupt; true if IRR changed. */
static bool raise_error(struct vlapic *vl, uint32_t esr_bit)
{
    uint32_t lvt = vl->lvt[LVT_ERROR];

    vl->esr_pending |= esr_bit;
    if (!enabled(vl) || (lvt & LVT_MASKED))
        return false;
    if ((lvt & LVT_VECTOR) < 16) {
        vl->esr_pending |= ESR_RECV_ILLEGAL;
        return false;
    }
    vec_set(vl->irr, lvt & LVT_VECTOR);
    return true;
}

/* A fixed interrupt arriving; a disabled APIC accepts none (SDM 10.4.3, 10.4.7.2). */
static bool accept_fixed(struct vlapic *vl, unsigned int vec)
{
    if (!enabled(vl))
        return false;
    vec_set(vl->irr, vec);
    return true;
}

/* An LVT entry firing; vectors 0-15 are illegal and only set ESR (SDM 10.5.2, 10.5.3). */
static bool deliver_lvt(struct vlapic *vl, unsigned int idx)
{
    uint32_t lvt = vl->lvt[idx];

    if (!enabled(vl) || (lvt & LVT_MASKED))
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

/* One-shot and periodic count TMICT down; TSC-deadline and the reserved mode 3 (which an
 * xAPIC write can store, as on Xen) do not. */
static bool timer_counts(const struct vlapic *vl)
{
    return timer_mode(vl) == TIMER_ONESHOT || timer_mode(vl) == TIMER_PERIODIC;
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
    if (!timer_counts(vl) || !vl->timer_armed || !vl->timer_initial)
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
 * IA32_APIC_BASE; x2APIC mode survives INIT (SDM 10.12.5.1), and with it the LDR, which is
 * read-only there. */
static void reset_regs(struct vlapic *vl)
{
    if (!x2apic_mode(vl))
        vl->ldr = 0;
    vl->dfr = 0xffffffffu;
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

/* The xAPIC ID after reset: libxl's numbering (2 * vCPU), which the guest's MADT uses. */
static uint32_t xapic_reset_id(const struct vcpu *v)
{
    return (v->vcpu_id * 2) << 24;
}

/* x2APIC logical ID (SDM 10.12.10.2): cluster = ID[19:4] in bits 31:16, one bit of 16. */
static uint32_t x2apic_ldr(uint32_t id)
{
    return ((id >> 4) << 16) | (1u << (id & 15));
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
    vl->id = xapic_reset_id(v);
    vl->apic_base = APIC_BASE_ADDR | APIC_BASE_EN | (v->vcpu_id == 0 ? APIC_BASE_BSP : 0);
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

/*
 * A logical destination against a target's LDR, in the target's mode (SDM 10.6.2.2 and
 * 10.12.10.2): x2APIC clusters of 16; xAPIC flat (a bit per APIC in the 8-bit logical ID) or
 * cluster (4-bit cluster, 4 bits of members), as its DFR says.
 */
static bool match_logical(const struct vlapic *tl, uint32_t mda)
{
    uint32_t id;

    if (x2apic_mode(tl))
        return (tl->ldr >> 16) == (mda >> 16) && (tl->ldr & mda & 0xffff);
    id = tl->ldr >> 24;
    mda &= 0xff;
    switch (tl->dfr >> 28) {
    case DFR_FLAT:
        return id & mda;
    case DFR_CLUSTER:
        return (id >> 4) == (mda >> 4) && (id & mda & 0xf);
    default:
        return false; /* a model the SDM does not define */
    }
}

/*
 * Does an IPI from src reach t? dest is already in the sender's format (8 bits from ICR2 in
 * xAPIC mode, 32 in x2APIC mode); the target's ID, broadcast ID and LDR are in its own.
 */
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
        if (dest == (x2apic_mode(tl) ? DEST_BROADCAST : 0xffu))
            return true;
        if (!logical)
            return apic_id(tl) == dest;
        return match_logical(tl, dest);
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

/*
 * Deliver the IPI an ICR write describes (already stored): lo is the ICR's low half, dest the
 * destination in the sender's format. Takes the targets' locks: call it with none held.
 */
static void icr_send(struct vlapic *vl, uint32_t lo, uint32_t dest)
{
    struct vcpu *v = vl->v;
    struct domain *d = v->domain;
    unsigned int mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    uint8_t vector = lo & 0xff;
    unsigned long flags;

    /* Remote read and ExtINT (only an xAPIC write can store them): nothing is sent, as Xen
     * ignores delivery mode 3. */
    if (mode == 3 || mode == 7)
        return;
    bool illegal = (mode == DM_FIXED || mode == DM_LOWEST) && vector < 16;
    if (illegal) {
        spin_lock_irqsave(&vl->lock, flags);
        raise_error(vl, ESR_SEND_ILLEGAL); /* and nothing is sent */
        spin_unlock_irqrestore(&vl->lock, flags);
    }
    if (illegal || mode == DM_SMI) /* no SMM in guests */
        return;
    /* INIT level de-assert (level 0, level-triggered) only resynchronises arbitration IDs
     * on old APIC buses (SDM 10.6.1); Linux still sends it after INIT. */
    if (mode == DM_INIT && !(lo & ICR_ASSERT) && (lo & ICR_LEVEL))
        return;
    /* The self shorthand is valid with fixed delivery only (SDM 10.6.1, table 10-3). */
    if (shorthand == SH_SELF && mode != DM_FIXED)
        return;
    /* A sender already INIT'd is stopping: its SIPIs are dropped, which also means two
     * vCPUs can never wait for each other in start_vcpu(). */
    if (mode == DM_SIPI && (v->pause_flags & VPF_down))
        return;

    for (unsigned int i = 0; i < MIN(d->max_vcpus, (unsigned int)MAX_VIRT_CPUS); i++) {
        struct vcpu *t = d->vcpu[i];
        if (!t || !t->arch.vlapic || !icr_targets(v, t, shorthand, lo & ICR_LOGICAL, dest))
            continue;
        deliver_ipi(v, t, mode, vector);
        /* Lowest priority: any one of the targets may take it (SDM 10.6.2.4); the first. */
        if (mode == DM_LOWEST)
            break;
    }
}

/* x2APIC: a write of the ICR MSR. Reserved bits and delivery modes #GP. */
static bool icr_write(struct vlapic *vl, uint64_t icr)
{
    uint32_t lo = (uint32_t)icr;
    unsigned int mode = (lo >> 8) & 7;
    unsigned long flags;

    if ((lo & ICR_RESERVED) || mode == 3 || mode == 7)
        return false;
    spin_lock_irqsave(&vl->lock, flags);
    vl->icr = icr;
    spin_unlock_irqrestore(&vl->lock, flags);
    icr_send(vl, lo, (uint32_t)(icr >> 32));
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
        *val = vl->ldr;
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

/* Store an LVT entry (only its writable bits). */
static void lvt_store(struct vlapic *vl, unsigned int idx, uint32_t val)
{
    val &= lvt_writable[idx];
    /* A software-disabled APIC keeps every LVT masked (SDM 10.4.7.2). */
    if (!sw_enabled(vl))
        val |= LVT_MASKED;
    if (idx == LVT_TIMER) {
        unsigned int old = timer_mode(vl), new = (val & LVT_TIMER_MODE) >> 17;
        /* Entering or leaving TSC-deadline mode disarms the timer (SDM 10.5.4.1); so does
         * the reserved mode 3, which counts nothing. One-shot <-> periodic keeps going. */
        if (old != new && (old > TIMER_PERIODIC || new > TIMER_PERIODIC)) {
            vl->timer_initial = 0;
            vl->tsc_deadline = 0;
            timer_disarm(vl);
        }
    }
    vl->lvt[idx] = val;
}

/* x2APIC: reserved bits, delivery modes an entry cannot take and timer mode 3 #GP. */
static bool lvt_write(struct vlapic *vl, unsigned int idx, uint32_t val)
{
    uint32_t ignored = LVT_STATUS | (idx == LVT_LINT0 || idx == LVT_LINT1 ? LVT_REMOTE_IRR : 0);
    uint32_t modes = idx == LVT_LINT0 || idx == LVT_LINT1 ? LVT_MODES_LINT : LVT_MODES_BASIC;

    if (val & ~(lvt_writable[idx] | ignored))
        return false;
    if ((lvt_writable[idx] & LVT_DM) && !(modes & (1u << ((val & LVT_DM) >> 8))))
        return false;
    if (idx == LVT_TIMER && ((val & LVT_TIMER_MODE) >> 17) == 3)
        return false; /* reserved timer mode */
    lvt_store(vl, idx, val);
    return true;
}

/* The end of an interrupt: the highest in-service vector is the one completed (SDM 10.8.5).
 * No IO-APIC listens for level-triggered EOIs. The next entry re-evaluates IRR. */
static void eoi(struct vlapic *vl)
{
    int isrv = vec_highest(vl->isr);

    if (isrv >= 0)
        vec_clear(vl->isr, isrv);
}

/* An ESR write latches the errors seen since the previous one (SDM 10.5.3). */
static void esr_latch(struct vlapic *vl)
{
    vl->esr = vl->esr_pending;
    vl->esr_pending = 0;
}

static void tmict_write(struct vlapic *vl, uint32_t val)
{
    if (!timer_counts(vl))
        return; /* ignored in TSC-deadline mode (SDM 10.5.4.1) and mode 3 */
    vl->timer_initial = val;
    if (!val) {
        timer_disarm(vl); /* a count of 0 stops the timer */
        return;
    }
    vl->timer_start = NOW();
    timer_arm(vl, vl->timer_start + timer_period(vl));
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

/* x2APIC: everything but the ICR, whose delivery takes other vCPUs' locks. */
static bool reg_write(struct vlapic *vl, unsigned int reg, uint64_t val64)
{
    uint32_t val = (uint32_t)val64;

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
        eoi(vl);
        return true;
    case REG_SVR:
        return svr_write(vl, val);
    case REG_ESR:
        if (val)
            return false; /* x2APIC: only 0 may be written */
        esr_latch(vl);
        return true;
    case REG_TMICT:
        tmict_write(vl, val);
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
    if (timer_mode(vl) != TIMER_TSC_DEADLINE || !hw_enabled(vl))
        return true;
    vl->tsc_deadline = *val;
    if (*val)
        timer_arm(vl, deadline_to_stime(vl, *val));
    else
        timer_disarm(vl);
    return true;
}

/* ---- xAPIC registers in the MMIO page (lock held) ---- */

/* The 32-bit register at a 16-byte aligned offset. Write-only and absent ones read 0. */
static uint32_t xapic_read(struct vlapic *vl, unsigned int offset)
{
    unsigned int reg = offset >> 4;
    uint64_t val;

    switch (reg) {
    case REG_DFR:
        return vl->dfr;
    case REG_ICR:
        return (uint32_t)vl->icr; /* stored with the delivery status idle */
    case REG_ICR2:
        return (uint32_t)(vl->icr >> 32);
    case REG_TMICT:
        /* Only one-shot and periodic mode have an initial count (as Xen reads it) */
        return timer_counts(vl) ? vl->timer_initial : 0;
    case REG_SELF_IPI:
        return 0; /* x2APIC only */
    default:
        return reg_read(vl, reg, &val) ? (uint32_t)val : 0;
    }
}

/*
 * A 32-bit write at a 16-byte aligned offset, as Xen's vlapic_reg_write treats it: reserved
 * bits are dropped, read-only and absent registers ignore it, nothing faults. An ICR write is
 * only stored here; *send asks the caller to deliver it once the lock is dropped.
 */
static void xapic_write(struct vlapic *vl, unsigned int offset, uint32_t val, bool *send)
{
    unsigned int reg = offset >> 4;

    *send = false;
    if (is_lvt(reg)) {
        lvt_store(vl, lvt_index(reg), val);
        return;
    }
    switch (reg) {
    case REG_ID:
        vl->id = val; /* writable in xAPIC mode (Xen keeps all 32 bits) */
        break;
    case REG_TPR:
        vl->tpr = val & 0xff;
        break;
    case REG_EOI:
        eoi(vl);
        break;
    case REG_LDR:
        vl->ldr = val & XAPIC_LDR_MASK;
        break;
    case REG_DFR:
        vl->dfr = val | XAPIC_DFR_FIXED;
        break;
    case REG_SVR:
        svr_write(vl, val & SVR_WRITABLE);
        break;
    case REG_ESR:
        esr_latch(vl);
        break;
    case REG_ICR:
        vl->icr = (vl->icr & ~0xffffffffULL) | (val & ~ICR_STATUS);
        *send = true;
        break;
    case REG_ICR2:
        vl->icr = (uint32_t)vl->icr | ((uint64_t)(val & XAPIC_ICR2_MASK) << 32);
        break;
    case REG_TMICT:
        tmict_write(vl, val);
        break;
    case REG_TDCR:
        vl->tdcr = val & TDCR_WRITABLE;
        break;
    default:
        break; /* read-only (version, PPR, ISR, TMR, IRR, current count) or nothing there */
    }
}

/*
 * IA32_APIC_BASE with Xen's rules (guest_wrmsr_apic_base): no reserved bits; in xAPIC mode
 * the window stays at 0xfee00000; enabling needs EXTD clear (disabled -> x2APIC directly is
 * invalid, SDM 10.12.5 figure 10-27) and resets the APIC; EXTD may change only from xAPIC
 * mode (so x2APIC -> xAPIC needs a pass through disabled). Entering x2APIC mode sets the ID
 * and LDR from the vCPU number. The BSP flag is stored as written, as Xen does.
 */
static const char *apic_base_write(struct vlapic *vl, uint64_t val)
{
    uint64_t old = vl->apic_base;
    const char *why = NULL;

    if (val & ~(APIC_BASE_ADDR_MASK | APIC_BASE_EN | APIC_BASE_BSP | APIC_BASE_EXTD))
        why = "reserved bits";
    else if ((val & (APIC_BASE_EXTD | APIC_BASE_EN)) == APIC_BASE_EN &&
             (val & APIC_BASE_ADDR_MASK) != APIC_BASE_ADDR)
        why = "the xAPIC window cannot move";
    else if (((old ^ val) & APIC_BASE_EN) && (val & APIC_BASE_EXTD))
        why = "enabling or disabling with EXTD set";
    else if (!((old ^ val) & APIC_BASE_EN) && ((old ^ val) & APIC_BASE_EXTD) &&
             !xapic_mode(vl))
        why = "EXTD changes only from xAPIC mode";
    if (why)
        return why;
    if ((old ^ val) & APIC_BASE_EN) {
        vl->apic_base = val;
        if (val & APIC_BASE_EN) { /* disabled -> xAPIC: a reset, with the xAPIC ID */
            vl->id = xapic_reset_id(vl->v);
            reset_regs(vl);
        }
        /* Disabling keeps the registers; nothing is accepted or delivered meanwhile. */
        return NULL;
    }
    vl->apic_base = val;
    if (x2apic_mode(vl) && !(old & APIC_BASE_EXTD)) {
        vl->id = vl->v->vcpu_id * 2;
        vl->ldr = x2apic_ldr(vl->id);
    }
    return NULL;
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

bool hvm_vlapic_hw_disabled(struct vcpu *v)
{
    struct vlapic *vl = v->arch.vlapic;

    return vl && !hw_enabled(vl);
}

/* Only v itself changes its IA32_APIC_BASE, so the answer holds for its own accesses. */
bool hvm_vlapic_mmio_range(struct vcpu *v, uint64_t gpa)
{
    struct vlapic *vl = v->arch.vlapic;

    return vl && xapic_mode(vl) && (gpa & ~(uint64_t)(PAGE_SIZE - 1)) ==
                                       (vl->apic_base & APIC_BASE_ADDR_MASK);
}

/*
 * An access fits when it lies inside one 32-bit register (the 4 bytes at a 16-byte boundary)
 * up to TDCR; Xen allows the smaller ones some processors support, and so do we. Anything
 * else reads 0 and writes nowhere.
 */
static bool mmio_fits(unsigned int offset, unsigned int len)
{
    return len && (offset & 0xf) + len <= 4 && (offset & ~0xfu) <= XAPIC_LAST_OFFSET;
}

void hvm_vlapic_mmio_read(struct vcpu *v, uint64_t gpa, unsigned int len, uint64_t *val)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned int offset = gpa & (PAGE_SIZE - 1);
    unsigned long flags;
    uint32_t reg;

    *val = 0;
    if (!vl || !mmio_fits(offset, len))
        return;
    spin_lock_irqsave(&vl->lock, flags);
    reg = xapic_read(vl, offset & ~0xfu);
    spin_unlock_irqrestore(&vl->lock, flags);
    *val = (reg >> ((offset & 3) * 8)) & (len == 4 ? 0xffffffffu : (1u << (len * 8)) - 1);
}

void hvm_vlapic_mmio_write(struct vcpu *v, uint64_t gpa, unsigned int len, uint64_t val)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned int offset = gpa & (PAGE_SIZE - 1), shift = (offset & 3) * 8;
    unsigned long flags;
    uint32_t reg, icr_lo = 0, dest = 0;
    bool send;

    if (!vl || !mmio_fits(offset, len))
        return;
    spin_lock_irqsave(&vl->lock, flags);
    if (len < 4) {
        /* A partial write merges into the register's current value, as on Xen. */
        uint32_t mask = ((1u << (len * 8)) - 1) << shift;
        reg = (xapic_read(vl, offset & ~0xfu) & ~mask) | (((uint32_t)val << shift) & mask);
    } else {
        reg = (uint32_t)val;
    }
    xapic_write(vl, offset & ~0xfu, reg, &send);
    if (send) {
        icr_lo = (uint32_t)vl->icr;
        dest = (uint32_t)(vl->icr >> 56); /* ICR2[31:24] */
    }
    spin_unlock_irqrestore(&vl->lock, flags);
    if (send)
        icr_send(vl, icr_lo, dest);
}

bool hvm_vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
    struct vlapic *vl = v->arch.vlapic;
    unsigned long flags;
    const char *why;
    uint64_t old;
    bool ok;

    if (!vl)
        return false;
    if (msr == MSR_APIC_BASE) {
        if (!write) {
            *val = vl->apic_base;
            return true;
        }
        spin_lock_irqsave(&vl->lock, flags);
        old = vl->apic_base;
        why = apic_base_write(vl, *val);
        spin_unlock_irqrestore(&vl->lock, flags);
        if (why)
            printk(XENLOG_WARNING "d%u v%u: IA32_APIC_BASE %#llx -> %#llx refused (#GP): "
                                  "%s\n",
                   v->domain->domain_id, v->vcpu_id, (unsigned long long)old,
                   (unsigned long long)*val, why);
        return !why;
    }
    if (msr != MSR_TSC_DEADLINE && (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST))
        return false;
    /* The x2APIC MSRs exist in x2APIC mode only (SDM 10.12.1.2): #GP otherwise. */
    if (msr != MSR_TSC_DEADLINE && !x2apic_mode(vl))
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
