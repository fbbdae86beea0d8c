/* SPDX-License-Identifier: MIT */
/* The test framework: outcomes, the one result line, and the C entry point guest_start(). */
#include "lib.h"

/* Ordered from best to worst: the final result is the maximum. */
enum outcome { OUTCOME_NONE, OUTCOME_SUCCESS, OUTCOME_SKIP, OUTCOME_ERROR, OUTCOME_FAILURE };

static const char *const outcome_names[] = {
    [OUTCOME_NONE] = "NONE", [OUTCOME_SUCCESS] = "SUCCESS", [OUTCOME_SKIP] = "SKIP",
    [OUTCOME_ERROR] = "ERROR", [OUTCOME_FAILURE] = "FAILURE",
};

static enum outcome outcome;
static char outcome_msg[200];
static unsigned int nr_failures;
static unsigned int shutdown_reason = SHUTDOWN_poweroff;
static volatile int result_printed;

static void report_msg(enum outcome o, char *msg)
{
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' '; /* the result line must stay one line */
    runtime_console_lock();
    if (o != OUTCOME_SUCCESS)
        printk("%s: %s\n", outcome_names[o], msg);
    if (o == OUTCOME_FAILURE)
        nr_failures++;
    if (o > outcome) {
        outcome = o;
        snprintf(outcome_msg, sizeof(outcome_msg), "%s", msg);
    }
    runtime_console_unlock();
}

static void report(enum outcome o, const char *fmt, va_list ap)
{
    char msg[sizeof(outcome_msg)];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    report_msg(o, msg);
}

void xtf_success(void)
{
    char none[1] = "";

    report_msg(OUTCOME_SUCCESS, none);
}

#define DEFINE_OUTCOME(fn, o)                                                              \
    void fn(const char *fmt, ...)                                                          \
    {                                                                                      \
        va_list ap;                                                                        \
        va_start(ap, fmt);                                                                 \
        report(o, fmt, ap);                                                                \
        va_end(ap);                                                                        \
    }
DEFINE_OUTCOME(xtf_skip, OUTCOME_SKIP)
DEFINE_OUTCOME(xtf_error, OUTCOME_ERROR)
DEFINE_OUTCOME(xtf_failure, OUTCOME_FAILURE)

bool xtf_has_failed(void)
{
    return outcome == OUTCOME_FAILURE;
}

void xtf_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    report(OUTCOME_ERROR, fmt, ap);
    va_end(ap);
    xtf_exit();
}

void xtf_set_shutdown_reason(unsigned int reason)
{
    shutdown_reason = reason;
}

/*
 * The fixed final line the rig reads (guests/README.md):
 *   Test result: SUCCESS | SKIP: <msg> | ERROR: <msg> | FAILURE: <msg>[ (+N more failures)]
 * Printed once, whatever path ends the test.
 */
void xtf_report_result(void)
{
    if (xchg(&result_printed, 1))
        return;
    switch (outcome) {
    case OUTCOME_NONE:
        printk("Test result: ERROR: test_main returned without reporting a result\n");
        break;
    case OUTCOME_SUCCESS:
        printk("Test result: SUCCESS\n");
        break;
    case OUTCOME_FAILURE:
        if (nr_failures > 1) {
            printk("Test result: FAILURE: %s (+%u more failures)\n", outcome_msg,
                   nr_failures - 1);
            break;
        }
        /* fall through */
    default:
        printk("Test result: %s: %s\n", outcome_names[outcome], outcome_msg);
        break;
    }
}

void xtf_exit(void)
{
    xtf_report_result();
    xen_shutdown(shutdown_reason);
}

/* ---- Return codes ---------------------------------------------------------------------- */

const char *errno_name(long rc)
{
    static const struct {
        int nr;
        const char *name;
    } names[] = {
        { EPERM, "EPERM" },     { ENOENT, "ENOENT" },   { ESRCH, "ESRCH" },
        { EINTR, "EINTR" },     { EIO, "EIO" },         { ENXIO, "ENXIO" },
        { E2BIG, "E2BIG" },     { EBADF, "EBADF" },     { EAGAIN, "EAGAIN" },
        { ENOMEM, "ENOMEM" },   { EACCES, "EACCES" },   { EFAULT, "EFAULT" },
        { EBUSY, "EBUSY" },     { EEXIST, "EEXIST" },   { EXDEV, "EXDEV" },
        { ENODEV, "ENODEV" },   { EINVAL, "EINVAL" },   { ENFILE, "ENFILE" },
        { EMFILE, "EMFILE" },   { ENOSPC, "ENOSPC" },   { EROFS, "EROFS" },
        { EDOM, "EDOM" },       { ERANGE, "ERANGE" },   { ENOSYS, "ENOSYS" },
        { ENODATA, "ENODATA" }, { ETIME, "ETIME" },     { EOVERFLOW, "EOVERFLOW" },
        { EILSEQ, "EILSEQ" },   { ERESTART, "ERESTART" }, { EOPNOTSUPP, "EOPNOTSUPP" },
        { ENOBUFS, "ENOBUFS" }, { ETIMEDOUT, "ETIMEDOUT" },
    };

    if (rc == 0)
        return "success";
    if (rc > 0)
        return "positive";
    for (unsigned int i = 0; i < ARRAY_SIZE(names); i++)
        if (names[i].nr == -rc)
            return names[i].name;
    return "unknown errno";
}

bool check_rc(long got, long want, const char *fmt, ...)
{
    char what[160];
    va_list ap;

    if (got == want)
        return true;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    xtf_failure("%s: expected %ld (%s), got %ld (%s)", what, want, errno_name(want), got,
                errno_name(got));
    return false;
}

/* ---- Entry ------------------------------------------------------------------------------- */

void percpu_setup(struct percpu *pc);

/* Read *p; -1 if that worked, else the vector of the fault (the %gs:8 recovery path). */
static int read_safe(const volatile uint64_t *p)
{
    struct percpu *pc = this_cpu();

    pc->fault_vector = -1;
    asm volatile("leaq 1f(%%rip), %%r11\n\t"
                 "movq %%r11, %%gs:8\n\t"
                 "movq (%0), %%r11\n"
                 "1:\tmovq $0, %%gs:8"
                 :
                 : "r"(p)
                 : "r11", "memory");
    return (int)pc->fault_vector;
}

/* Booted without Xen (e.g. QEMU's own PVH loader): check what can be checked, then stop. */
static __noreturn void no_xen(uint64_t start_info_pa)
{
    const struct hvm_start_info *si = (const void *)(uintptr_t)start_info_pa;
    int vec = read_safe(NULL);
    uint64_t cr2 = read_cr2();
    char buf[64];

    printk("--- %s: %s ---\n", test_name, test_title);
    printk("runtime: long mode, start_info at %#lx (magic %#x, version %u, %u memmap "
           "entries)\n", start_info_pa, si->magic, si->version, si->memmap_entries);
    printk("runtime: reading address 0 raised vector %d with cr2 %#lx (expected 14, 0) and "
           "resumed\n", vec, cr2);
    snprintf(buf, sizeof(buf), "[%5d|%-5d|%05x|%#x|%s|%c|%lld]", -42, 7, 0xbeef, 255U, "ok",
             'c', -(1LL << 40));
    printk("runtime: printk self-check %s (expected [  -42|7    |0beef|0xff|ok|c|"
           "-1099511627776])\n", buf);
    printk("no Xen: stopping\n");
    outb(0xf4, 0);        /* QEMU isa-debug-exit, if present */
    outw(0x604, 0x2000);  /* QEMU ACPI PM1a_CNT: S5 */
    for (;;)
        asm volatile("cli; hlt");
}

void guest_start(uint64_t start_info_pa);
void guest_start(uint64_t start_info_pa)
{
    percpu[0].id = 0;
    percpu_setup(&percpu[0]);
    traps_init();

    xen_cpuid_base = xen_find_cpuid_base();
    if (!xen_cpuid_base)
        no_xen(start_info_pa);

    printk("--- %s: %s ---\n", test_name, test_title);
    start_info = (const void *)(uintptr_t)start_info_pa;
    if (!start_info_pa || start_info->magic != XEN_HVM_START_MAGIC_VALUE) {
        xtf_failure("start_info at %#lx (EBX at entry): magic %#x, expected %#x",
                    start_info_pa, start_info_pa ? start_info->magic : 0,
                    XEN_HVM_START_MAGIC_VALUE);
        start_info = NULL;
    } else if (cmdline()[0]) {
        printk("cmdline: %s\n", cmdline());
    }

    test_main();
    xtf_exit();
}
