// SPDX-License-Identifier: MIT
/* Host unit-test harness: test registry, runner, and the printk the tested code calls. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>

static struct unit_test *tests, **tests_tail = &tests;
static jmp_buf fail_jump;
static char log_buf[1 << 16];
static size_t log_len;

void harness_register(struct unit_test *t)
{
    *tests_tail = t;
    tests_tail = &t->next;
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stdout, "%s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stdout, fmt, ap);
    va_end(ap);
    fputc('\n', stdout);
    longjmp(fail_jump, 1);
}

/* The hypervisor's printk: strip the "<n>" level prefix and keep the text for tests. */
int vprintk(const char *fmt, va_list ap)
{
    char buf[1024];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    const char *s = buf;
    if (s[0] == '<' && s[1] >= '0' && s[1] <= '9' && s[2] == '>')
        s += 3;
    size_t len = strlen(s);
    if (log_len + len < sizeof(log_buf)) {
        memcpy(log_buf + log_len, s, len + 1);
        log_len += len;
    }
    if (getenv("UNIT_VERBOSE"))
        fputs(s, stderr);
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}

const char *harness_log(void)
{
    return log_buf;
}

void harness_log_clear(void)
{
    log_len = 0;
    log_buf[0] = 0;
}

/* Fuzz targets (tests/fuzz) reuse the printk above; libFuzzer brings its own main. */
#ifndef HARNESS_NO_MAIN
static const char *suite_name = "unit";

int main(int argc, char **argv)
{
    static int passed, failed; /* static: they live across longjmp */
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    suite_name = slash ? slash + 1 : (argc > 0 ? argv[0] : "unit");
    static struct unit_test *t; /* static: it lives across longjmp */
    for (t = tests; t; t = t->next) {
        harness_log_clear();
        if (setjmp(fail_jump) == 0) {
            t->fn();
            printf("PASS %s/%s\n", suite_name, t->name);
            passed++;
        } else {
            printf("FAIL %s/%s (see the line above)\n", suite_name, t->name);
            failed++;
        }
        fflush(stdout);
    }
    fprintf(stderr, "%s: %d passed, %d failed\n", suite_name, passed, failed);
    return failed ? 1 : 0;
}
#endif
