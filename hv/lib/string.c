// SPDX-License-Identifier: MIT
// Freestanding memory and string functions (the subset of <string.h> the hypervisor uses).
#include <tern/lib.h>

/*
 * GCC recognises byte loops as memset/memcpy idioms and replaces them with calls to those
 * very functions, which would recurse forever here. Clang does not do that for functions
 * built with -fno-builtin (and does not know this attribute).
 */
#if defined(__GNUC__) && !defined(__clang__)
#define NO_LOOP_IDIOMS __attribute__((optimize("no-tree-loop-distribute-patterns")))
#else
#define NO_LOOP_IDIOMS
#endif

/*
 * The hypervisor copies with the string instructions (fast on every CPU with ERMS). Host
 * unit tests use plain loops instead so that the address sanitizer sees every access.
 */
#if defined(UNIT_TEST) || !defined(__x86_64__)
#define USE_C_LOOPS 1
#else
#define USE_C_LOOPS 0
#endif

NO_LOOP_IDIOMS void *memcpy(void *dst, const void *src, size_t n)
{
    void *ret = dst;
#if USE_C_LOOPS
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--)
        *d++ = *s++;
#else
    /* Whole quadwords first: one iteration moves 8 bytes, which matters where string
     * instructions are emulated an iteration at a time (QEMU TCG) and costs nothing on
     * hardware with fast strings. */
    size_t q = n >> 3, r = n & 7;
    asm volatile("rep movsq" : "+D"(dst), "+S"(src), "+c"(q) : : "memory");
    asm volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(r) : : "memory");
#endif
    return ret;
}

NO_LOOP_IDIOMS void *memmove(void *dst, const void *src, size_t n)
{
    unsigned char *d = dst;
    const unsigned char *s = src;

    /* Forward copying is safe unless dst starts inside [src, src + n). */
    if ((uintptr_t)d - (uintptr_t)s >= n)
        return memcpy(dst, src, n);
    while (n--)
        d[n] = s[n];
    return dst;
}

NO_LOOP_IDIOMS void *memset(void *dst, int c, size_t n)
{
    void *ret = dst;
#if USE_C_LOOPS
    unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
#else
    /* Quadwords first, for the same reason as memcpy. */
    uint64_t pattern = 0x0101010101010101ULL * (unsigned char)c;
    size_t q = n >> 3, r = n & 7;
    asm volatile("rep stosq" : "+D"(dst), "+c"(q) : "a"(pattern) : "memory");
    asm volatile("rep stosb" : "+D"(dst), "+c"(r) : "a"(pattern) : "memory");
#endif
    return ret;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    }
    return 0;
}

size_t strlen(const char *s)
{
    const char *p = s;
    while (*p)
        p++;
    return (size_t)(p - s);
}

size_t strnlen(const char *s, size_t max)
{
    size_t n = 0;
    while (n < max && s[n])
        n++;
    return n;
}

int strcmp(const char *a, const char *b)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    while (*x && *x == *y) {
        x++;
        y++;
    }
    return *x == *y ? 0 : (*x < *y ? -1 : 1);
}

int strncmp(const char *a, const char *b, size_t n)
{
    const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)b;
    for (size_t i = 0; i < n; i++) {
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
        if (!x[i])
            break;
    }
    return 0;
}

char *strchr(const char *s, int c)
{
    char ch = (char)c;
    for (;; s++) {
        if (*s == ch)
            return (char *)s;
        if (!*s)
            return NULL;
    }
}

size_t strlcpy(char *dst, const char *src, size_t size)
{
    size_t len = strlen(src);
    if (size) {
        size_t n = len < size - 1 ? len : size - 1;
        memcpy(dst, src, n);
        dst[n] = '\0';
    }
    return len;
}

char *strstr(const char *haystack, const char *needle)
{
    size_t n = strlen(needle);
    for (; *haystack; haystack++)
        if (!strncmp(haystack, needle, n))
            return (char *)haystack;
    return n ? NULL : (char *)haystack;
}
