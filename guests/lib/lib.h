/* SPDX-License-Identifier: MIT */
/* The test-guest runtime's interface: everything a guests/tests/<name>/main.c may use. */
#ifndef GUEST_LIB_H
#define GUEST_LIB_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <public/errno.h>
#include <public/event_channel.h>
#include <public/features.h>
#include <public/grant_table.h>
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <public/hvm/start_info.h>
#include <public/memory.h>
#include <public/sched.h>
#include <public/vcpu.h>
#include <public/version.h>
#include <public/xen.h>
#include <public/arch-x86/cpuid.h>

#include "arch.h"
#include "hypercall.h"

/* ---- The test ---------------------------------------------------------------------------- */

/* Defined by each test's main.c. */
extern const char test_title[];
void test_main(void);

/* The test's name: guests.mk compiles main.c with -DGUEST_TEST_NAME='"<name>"'. */
extern const char test_name[];
#ifdef GUEST_TEST_NAME
const char test_name[] = GUEST_TEST_NAME;
#endif

/*
 * Outcomes, from best to worst. The final result is the worst outcome reported; the
 * message shown on the result line is the first one reported at that level.
 *   success: the test ran and saw nothing wrong (call xtf_success() at the end);
 *   skip:    the test cannot run here (a feature is absent, as Xen allows);
 *   error:   the test itself broke (a bug in the test or runtime, a bad configuration);
 *   failure: the hypervisor broke Xen's ABI. May be reported many times.
 * A test that returns without reporting anything ends as ERROR.
 */
void xtf_success(void);
void xtf_skip(const char *fmt, ...) __printf(1, 2);
void xtf_error(const char *fmt, ...) __printf(1, 2);
void xtf_failure(const char *fmt, ...) __printf(1, 2);
bool xtf_has_failed(void);
/* Print the result line now and shut down; never returns. */
__noreturn void xtf_exit(void);
/* Report an error and exit at once (the test cannot go on). */
__noreturn void xtf_fatal(const char *fmt, ...) __printf(1, 2);
/* Shutdown reason used after the result line (default SHUTDOWN_poweroff). */
void xtf_set_shutdown_reason(unsigned int reason);
/* Print the result line without shutting down (for tests that end in a deliberate crash). */
void xtf_report_result(void);

/* check(cond, fmt, ...): if cond is false, report a failure with the message. */
#define check(cond, fmt, ...)                                                              \
    ({                                                                                     \
        bool ok_ = (cond);                                                                 \
        if (!ok_)                                                                          \
            xtf_failure(fmt, ##__VA_ARGS__);                                               \
        ok_;                                                                               \
    })

/*
 * check_rc(got, want, fmt, ...): a hypercall's return value. On mismatch the failure reads
 * "<what>: expected -22 (EINVAL), got 0".
 */
bool check_rc(long got, long want, const char *fmt, ...) __printf(3, 4);
/* "EINVAL" for -22 (or 22); "0" style numbers for non-errors. */
const char *errno_name(long rc);

/* ---- Exceptions ---------------------------------------------------------------------- */

/* The frame built by entry.S for an exception or interrupt, lowest address first. */
struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector, error_code;
    uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* A test's own handler for exception vector (0-31): it may change the frame (RIP, RFLAGS,
 * ...) and returns true when it handled the exception; false falls back to the runtime
 * (expected-fault recovery, else the fatal report). NULL removes it. */
typedef bool (*trap_handler_t)(struct cpu_regs *r);
void trap_set_handler(unsigned int vector, trap_handler_t fn);

/* ---- Output ---------------------------------------------------------------------------- */

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);
/* printf-like: %d %i %u %x %X %lx %llx %p %s %c %%, flags '-' '0', width, precision (.N). */
void printk(const char *fmt, ...) __printf(1, 2);
void vprintk(const char *fmt, va_list ap);
/* Raw bytes to console_io(CONSOLEIO_write), or to port 0xE9 when Xen is absent. */
void console_write(const char *s, size_t len);

/* The PV console ring (HVM_PARAM_CONSOLE_PFN / _EVTCHN). */
struct xencons_interface;
struct xencons_ring {
    struct xencons_interface *intf;
    evtchn_port_t port;
};
/* 0, or a negative errno from get_param; -ENODEV if either parameter is 0. */
long xencons_ring_init(struct xencons_ring *r);
/* Copy up to len bytes into the out ring and notify; returns bytes queued. */
size_t xencons_ring_write(struct xencons_ring *r, const char *s, size_t len);

/* ---- Strings ------------------------------------------------------------------------- */

void *memset(void *s, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strstr(const char *hay, const char *needle);
unsigned long strtoul(const char *s, const char **end, int base);

/* ---- Xen -------------------------------------------------------------------------------- */

/* Base of the Xen CPUID leaves (0x40000000 + 0x100*k), or 0 when not running on Xen. */
extern uint32_t xen_cpuid_base;
uint32_t xen_find_cpuid_base(void);
/* Our domain id from CPUID base+4 ECX (DOMID_PRESENT), or DOMID_INVALID. */
domid_t xen_domid(void);

extern const struct hvm_start_info *start_info;
/* The command line from start_info ("" if none). */
const char *cmdline(void);
/* "key=value" words of the command line: copies value (or "" for a bare key). */
bool cmdline_get(const char *key, char *buf, size_t size);
long cmdline_get_int(const char *key, long dflt);

/*
 * shared_info: mapped on first use with XENMEM_add_to_physmap(XENMAPSPACE_shared_info) at
 * a page of the runtime's bss. A failure to map is reported as a FAILURE and ends the test.
 */
struct shared_info *shared_info(void);
/* Map shared_info at the GFN of page (4 KiB aligned) and use it from now on. */
long xen_map_shared_info(void *page);
/* Write page's GPA to the MSR named by CPUID base+2 and remember it as xen_hypercall_page. */
int xen_install_hypercall_page(void *page);

long hvm_get_param(uint32_t index, uint64_t *value);
long hvm_set_param(uint32_t index, uint64_t value);

/* Guest-physical addresses the runtime never backs with RAM: a window for mapping foreign
 * frames (grant mappings, grant-table frames). Identity-mapped by head.S like all of 4 GiB. */
#define GUEST_SCRATCH_GPA 0xd0000000UL
#define GUEST_SCRATCH_PAGES 256

/* GFN of a runtime (identity-mapped) virtual address. */
static inline uint64_t virt_to_gfn(const void *p) { return (uintptr_t)p >> PAGE_SHIFT; }

/* ---- Time ------------------------------------------------------------------------------ */

/* pvclock: ns of system time from a vcpu_time_info, with the version protocol. */
uint64_t pvclock_read(const volatile struct vcpu_time_info *t);
uint64_t pvclock_read_tsc(const volatile struct vcpu_time_info *t, uint64_t *tsc_out);
/* System time (ns) from this vCPU's vcpu_info. */
uint64_t now_ns(void);
/* Busy-wait ns nanoseconds with interrupts enabled (events are delivered meanwhile). */
void delay_ns(uint64_t ns);
/* Wall-clock seconds from shared_info (wc_sec_hi:wc_sec), with wc_version. */
uint64_t wallclock_sec(uint32_t *nsec);

#define MS(x) ((uint64_t)(x) * 1000000UL)
#define SEC(x) ((uint64_t)(x) * 1000000000UL)

/* ---- Events ---------------------------------------------------------------------------- */

#define UPCALL_VECTOR 0xf3

/* Map shared_info if needed and register the upcall vector with HVM_PARAM_CALLBACK_IRQ. */
long events_init(void);

/*
 * Per-port bookkeeping kept by the upcall handler: how many times the port fired and on
 * which vCPU it was last seen. A handler may be attached; it runs in interrupt context.
 * A port is served only on the vCPU it was registered for (as Linux does), so an event that
 * Xen raises on the wrong vCPU shows up as a timeout.
 */
typedef void (*evtchn_handler_t)(evtchn_port_t port, void *arg);
void evtchn_register(evtchn_port_t port, unsigned int vcpu, evtchn_handler_t fn, void *arg);
void evtchn_unregister(evtchn_port_t port);
uint64_t evtchn_count(evtchn_port_t port);
int evtchn_last_vcpu(evtchn_port_t port);
/* Events seen on ports nobody registered (e.g. the console backend's notifications). */
extern volatile uint64_t evtchn_stray_count;

/* Thin wrappers: return the hypercall's result; OUT values through the pointers. */
long evtchn_bind_virq(uint32_t virq, uint32_t vcpu, evtchn_port_t *port);
long evtchn_bind_ipi(uint32_t vcpu, evtchn_port_t *port);
long evtchn_alloc_unbound(domid_t remote, evtchn_port_t *port);
long evtchn_bind_interdomain(domid_t remote, evtchn_port_t rport, evtchn_port_t *port);
long evtchn_send(evtchn_port_t port);
long evtchn_close(evtchn_port_t port);
long evtchn_unmask(evtchn_port_t port);
long evtchn_bind_vcpu(evtchn_port_t port, uint32_t vcpu);
long evtchn_status(domid_t dom, evtchn_port_t port, struct evtchn_status *st);
/* Direct bitmap access in shared_info. */
void evtchn_mask(evtchn_port_t port);
bool evtchn_is_pending(evtchn_port_t port);
bool evtchn_is_masked(evtchn_port_t port);
void evtchn_clear_pending(evtchn_port_t port);

/* The upcall entry point (called from the interrupt stub). */
void evtchn_upcall(void);

/*
 * Wait until cond is true or timeout_ns passes, with interrupts enabled and yielding the
 * CPU to other vCPUs and domains. Returns cond's final value.
 */
void wait_step(void);
#define wait_until(cond, timeout_ns)                                                       \
    ({                                                                                     \
        uint64_t wu_end_ = now_ns() + (timeout_ns);                                        \
        bool wu_ok_;                                                                       \
        for (;;) {                                                                         \
            if ((wu_ok_ = (cond)))                                                         \
                break;                                                                     \
            if (now_ns() > wu_end_) {                                                      \
                wu_ok_ = (cond);                                                           \
                break;                                                                     \
            }                                                                              \
            wait_step();                                                                   \
        }                                                                                  \
        wu_ok_;                                                                            \
    })

/* ---- vCPUs ------------------------------------------------------------------------------- */

#define MAX_VCPUS 8
#define VCPU_STACK_SIZE 16384

typedef void (*vcpu_fn_t)(unsigned int id, void *arg);

struct percpu {
    struct percpu *self;           /* %gs:0 */
    uint64_t recover_rip;          /* %gs:8: resume here after an expected fault */
    int64_t fault_vector;          /* %gs:16: vector of that fault, -1 if none */
    unsigned int id;               /* vCPU id */
    volatile int online;           /* set by the vCPU when it runs C code */
    struct vcpu_info *vcpu_info;   /* this vCPU's vcpu_info (shared_info or registered) */
    vcpu_fn_t fn;                  /* what a secondary vCPU runs */
    void *arg;
    volatile int done;             /* fn returned */
};

extern struct percpu percpu[MAX_VCPUS];

static inline struct percpu *this_cpu(void)
{
    struct percpu *p;

    asm volatile("movq %%gs:0, %0" : "=r"(p));
    return p;
}

static inline unsigned int smp_id(void) { return this_cpu()->id; }
struct vcpu_info *this_vcpu_info(void);
struct vcpu_info *vcpu_info_of(unsigned int id);

/* VCPUOP_initialise (64-bit vcpu_hvm_context: our page tables, its own stack, fn(id, arg)). */
long vcpu_initialise(unsigned int id, vcpu_fn_t fn, void *arg);
long vcpu_up(unsigned int id);
long vcpu_down(unsigned int id);
long vcpu_is_up(unsigned int id);
/* initialise + up; then waits (5 s) until the vCPU runs. 0 or the failing call's error. */
long vcpu_start(unsigned int id, vcpu_fn_t fn, void *arg);
/* VCPUOP_register_vcpu_info for vCPU id, at the runtime's per-vCPU area. */
long vcpu_register_vcpu_info(unsigned int id);

/* ---- Faults ------------------------------------------------------------------------------ */

/* -1 if the access completed, else the vector of the fault it raised. */
int wrmsr_safe(uint32_t idx, uint64_t val);
int rdmsr_safe(uint32_t idx, uint64_t *val);

/* A handler for interrupt vector 32..255 (not the upcall's), run with interrupts off on
 * whichever vCPU takes the vector. NULL removes it; an interrupt without one is fatal. */
typedef void (*irq_handler_t)(unsigned int vector);
void irq_register(unsigned int vector, irq_handler_t fn);

/* Install the IDT on this CPU. */
void traps_init(void);
void traps_load(void);

/* Runtime internals shared between files. */
void runtime_console_lock(void);
void runtime_console_unlock(void);
__noreturn void xen_shutdown(unsigned int reason);

#endif /* GUEST_LIB_H */
