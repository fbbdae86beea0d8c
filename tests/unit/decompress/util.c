// SPDX-License-Identifier: MIT
// Helpers of the decompressor tests, and the xmalloc the decompressors call, over malloc.
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <tern/xmalloc.h>

static long allocs;

void *xmalloc_bytes(size_t size)
{
    void *p = calloc(1, size ? size : 1);
    if (p)
        allocs++;
    return p;
}

void xfree(void *p)
{
    if (p) {
        allocs--;
        free(p);
    }
}

long live_allocs(void)
{
    return allocs;
}

uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, f);
        if (r == 0)
            break;
        n += r;
    }
    fclose(f);
    *len = n;
    return buf;
}

uint8_t *run_filter(const char *cmd, const void *data, size_t len, size_t *outlen)
{
    char tmp[] = "/tmp/tern-decompress-XXXXXX";
    int fd = mkstemp(tmp);
    if (fd < 0)
        return NULL;
    FILE *f = fdopen(fd, "wb");
    fwrite(data, 1, len, f);
    fclose(f);
    char line[512];
    snprintf(line, sizeof(line), "%s < %s", cmd, tmp);
    FILE *p = popen(line, "r");
    if (!p) {
        unlink(tmp);
        return NULL;
    }
    size_t cap = 1 << 20, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (n == cap)
            buf = realloc(buf, cap *= 2);
        size_t r = fread(buf + n, 1, cap - n, p);
        if (r == 0)
            break;
        n += r;
    }
    int st = pclose(p);
    unlink(tmp);
    if (st != 0) {
        free(buf);
        return NULL;
    }
    *outlen = n;
    return buf;
}

uint32_t rng_next(uint32_t *s)
{
    uint32_t x = *s ? *s : 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

uint8_t *make_pattern(size_t len, uint32_t seed)
{
    static const char *words[] = { "tern ", "hypervisor ", "decompress ", "vmlinux ",
                                   "\x00\x00\x00\x00", "\xe8\x10\x20\x00\x00", "kernel ",
                                   "\x48\x89\xe5", "page_alloc " };
    uint8_t *b = malloc(len ? len : 1);
    size_t i = 0;
    while (i < len) {
        uint32_t r = rng_next(&seed);
        size_t run = 1 + (r >> 8) % 3000;
        if (run > len - i)
            run = len - i;
        switch (r & 3) {
        case 0: /* incompressible */
            for (size_t k = 0; k < run; k++)
                b[i + k] = (uint8_t)rng_next(&seed);
            break;
        case 1: /* one byte repeated */
            memset(b + i, (int)(r >> 16), run);
            break;
        case 2: /* words: a text-like, compressible stretch */
            for (size_t k = 0; k < run;) {
                const char *w = words[rng_next(&seed) % 9];
                size_t wl = w[0] ? strlen(w) : 4;
                for (size_t j = 0; j < wl && k < run; j++)
                    b[i + k++] = (uint8_t)w[j];
            }
            break;
        default: /* a copy of earlier data, near or far */
            if (i == 0) {
                memset(b, 0x5a, run);
            } else {
                size_t from = rng_next(&seed) % i;
                for (size_t k = 0; k < run; k++)
                    b[i + k] = b[from + k % (i - from)];
            }
            break;
        }
        i += run;
    }
    return b;
}

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "FAIL decompress/watchdog: a test ran too long (hang?)\n";
    if (write(1, msg, sizeof(msg) - 1) < 0) {
    }
    _exit(2);
}

void watchdog(unsigned int seconds)
{
    signal(SIGALRM, on_alarm);
    alarm(seconds);
}
