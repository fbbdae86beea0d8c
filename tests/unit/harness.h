/* SPDX-License-Identifier: MIT */
/*
 * Host unit-test harness: the hypervisor's sources are compiled unchanged on the host with
 * -DUNIT_TEST (which turns irq and lock primitives into no-ops) and linked with this.
 *
 *   TEST(name) { ... CHECK(cond, "what was expected: %d", x); ... }
 *
 * Each test prints "PASS <suite>/<name>" or "FAIL <suite>/<name>: <file>:<line>: <message>";
 * the test runner counts those lines. A test stops at its first failed CHECK.
 */
#ifndef TERN_UNIT_HARNESS_H
#define TERN_UNIT_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>

struct unit_test {
    const char *name;
    void (*fn)(void);
    struct unit_test *next;
};

void harness_register(struct unit_test *t);
void harness_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

#define TEST(name)                                                                         \
    static void test_##name(void);                                                         \
    static struct unit_test unit_test_##name = { #name, test_##name, NULL };              \
    __attribute__((constructor)) static void register_##name(void)                        \
    {                                                                                      \
        harness_register(&unit_test_##name);                                               \
    }                                                                                      \
    static void test_##name(void)

/* The message is a printf format with its arguments; the condition's text is printed too. */
#define CHECK(cond, ...)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            printf("check '%s' failed: ", #cond);                                          \
            harness_fail(__FILE__, __LINE__, __VA_ARGS__);                                 \
        }                                                                                  \
    } while (0)

#define CHECK_EQ(a, b)                                                                     \
    do {                                                                                   \
        long long _a = (long long)(a), _b = (long long)(b);                                \
        if (_a != _b)                                                                      \
            harness_fail(__FILE__, __LINE__,                                               \
                         "expected %s == %s, got %lld (0x%llx) vs %lld (0x%llx)", #a, #b,  \
                         _a, (unsigned long long)_a, _b, (unsigned long long)_b);          \
    } while (0)

/* Everything the hypervisor's printk printed since the last call, for tests on warnings. */
const char *harness_log(void);
void harness_log_clear(void);

#endif
