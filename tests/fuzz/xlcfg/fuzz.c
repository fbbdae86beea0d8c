// SPDX-License-Identifier: MIT
/*
 * xlcfg_parse on arbitrary text (hv/common/xlcfg.c). The text is an exact-size heap block
 * with no NUL after it. A successful parse must give NUL-terminated strings inside their
 * buffers and values inside the documented limits; a failed one -EINVAL with a printable
 * message. The same text parsed with a small error buffer and with none must give the same
 * answer, the message cut short but still terminated.
 */
#include "fuzz.h"

#include <tern/errno.h>
#include <tern/xlcfg.h>

static void check_config(const struct xl_config *c)
{
    FUZZ_CHECK(fuzz_terminated(c->name, sizeof(c->name)), "name not terminated");
    FUZZ_CHECK(fuzz_terminated(c->kernel, sizeof(c->kernel)), "kernel not terminated");
    FUZZ_CHECK(fuzz_terminated(c->ramdisk, sizeof(c->ramdisk)), "ramdisk not terminated");
    FUZZ_CHECK(fuzz_terminated(c->cmdline, sizeof(c->cmdline)), "cmdline not terminated");
    FUZZ_CHECK(c->name[0] && c->kernel[0], "name \"%s\" and kernel \"%s\" are required",
               c->name, c->kernel);
    for (const char *p = c->name; *p; p++)
        FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f, "control character in the name");
    FUZZ_CHECK((unsigned int)c->type <= XL_TYPE_PV, "type %d", c->type);
    FUZZ_CHECK(c->memory_mib >= 1 && c->memory_mib <= XL_MAX_MEMORY_MIB, "memory %llu",
               (unsigned long long)c->memory_mib);
    FUZZ_CHECK(c->maxmem_mib >= c->memory_mib && c->maxmem_mib <= XL_MAX_MEMORY_MIB,
               "maxmem %llu, memory %llu", (unsigned long long)c->maxmem_mib,
               (unsigned long long)c->memory_mib);
    FUZZ_CHECK(c->vcpus >= 1 && c->vcpus <= XL_MAX_VCPUS, "vcpus %u", c->vcpus);
    FUZZ_CHECK(c->maxvcpus >= c->vcpus && c->maxvcpus <= XL_MAX_VCPUS,
               "maxvcpus %u, vcpus %u", c->maxvcpus, c->vcpus);
    const enum xl_action actions[] = { c->on_poweroff, c->on_reboot, c->on_crash,
                                       c->on_watchdog, c->on_soft_reset };
    for (unsigned int i = 0; i < sizeof(actions) / sizeof(actions[0]); i++)
        FUZZ_CHECK((unsigned int)actions[i] <= XL_ACTION_SOFT_RESET, "action %d",
                   actions[i]);
    FUZZ_CHECK(c->cpu_affinity != 0, "an empty CPU affinity");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct xl_config cfg, again;
    uint8_t *block;
    const char *text = (const char *)fuzz_copy(data, size, &block);
    /* Error buffers of exact size too, so that a message written past them is caught. */
    char *err = malloc(256);

    memset(err, 0x5a, 256);
    harness_log_clear();
    int rc = xlcfg_parse(text, size, &cfg, err, 256);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL, "rc %d", rc);
    FUZZ_CHECK_LOG();
    if (rc == 0) {
        FUZZ_CHECK(err[0] == 0, "success with a message \"%.256s\"", err);
        check_config(&cfg);
    } else {
        FUZZ_CHECK_MESSAGE(err, 256);
    }

    /* A 12-byte error buffer: the same answer, the message truncated inside it. */
    char *small = malloc(12);
    memset(small, 0x5a, 12);
    int rc2 = xlcfg_parse(text, size, &again, small, 12);
    FUZZ_CHECK(rc2 == rc, "rc %d with a 12-byte error buffer, %d with 256 bytes", rc2, rc);
    FUZZ_CHECK(fuzz_terminated(small, 12), "12-byte message not terminated");
    if (rc)
        FUZZ_CHECK(!strncmp(small, err, 11), "truncated message \"%s\" differs from \"%s\"",
                   small, err);
    else
        FUZZ_CHECK(!memcmp(&cfg, &again, sizeof(cfg)), "two parses gave different results");
    rc2 = xlcfg_parse(text, size, &again, NULL, 0);
    FUZZ_CHECK(rc2 == rc, "rc %d without an error buffer, %d with one", rc2, rc);

    free(small);
    free(err);
    free(block);
    return 0;
}
