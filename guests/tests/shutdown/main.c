/* SPDX-License-Identifier: MIT */
/* SCHEDOP_shutdown with the reason named on the command line; the rig checks the outcome. */
#include "lib.h"

const char test_title[] = "SCHEDOP_shutdown reasons (the rig checks the domain's reason)";

static const char *const reasons[] = {
    [SHUTDOWN_poweroff] = "poweroff", [SHUTDOWN_reboot] = "reboot",
    [SHUTDOWN_suspend] = "suspend",   [SHUTDOWN_crash] = "crash",
    [SHUTDOWN_watchdog] = "watchdog", [SHUTDOWN_soft_reset] = "soft_reset",
};

/* "reason=<name>" -> SHUTDOWN_*, or -1. */
static int parse(const char *key)
{
    char buf[16];

    if (!cmdline_get(key, buf, sizeof(buf)))
        return -1;
    for (unsigned int i = 0; i < ARRAY_SIZE(reasons); i++)
        if (!strcmp(buf, reasons[i]))
            return (int)i;
    xtf_fatal("%s=%s: not a shutdown reason", key, buf);
}

/*
 * Each config (guests/tests/shutdown/<reason>.cfg) passes reason=<name>; code.cfg also passes
 * code=<name>, recorded first with SCHEDOP_shutdown_code: Xen then reports that code whatever
 * reason the later SCHEDOP_shutdown gives. The result line says SUCCESS when the calls were
 * accepted; whether the domain ended the right way is for the rig to see.
 */
void test_main(void)
{
    int reason = parse("reason"), code = parse("code");

    if (reason < 0)
        xtf_fatal("no reason=<poweroff|reboot|suspend|crash|watchdog|soft_reset> on the "
                  "command line");
    if (code >= 0) {
        struct sched_shutdown sc = { .reason = (uint32_t)code };

        check_rc(HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &sc), 0,
                 "SCHEDOP_shutdown_code(%s)", reasons[code]);
        printk("shutdown code %s recorded; the domain must end as %s\n", reasons[code],
               reasons[code]);
    } else {
        printk("the domain must end as %s\n", reasons[reason]);
    }
    xtf_set_shutdown_reason((unsigned int)reason);
    xtf_success();
}
