/* SPDX-License-Identifier: MIT */
/* Freestanding C library subset (hv/lib) and the logging interface. */
#ifndef TERN_LIB_H
#define TERN_LIB_H

#include <tern/types.h>

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
char *strchr(const char *s, int c);
char *strstr(const char *haystack, const char *needle);
size_t strlcpy(char *dst, const char *src, size_t size);
unsigned long long simple_strtoull(const char *s, const char **end, unsigned int base);
long long simple_strtoll(const char *s, const char **end, unsigned int base);

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);
int snprintf(char *buf, size_t size, const char *fmt, ...) __printf(3, 4);

/*
 * printk: Xen-style log levels as a prefix string, e.g. printk(XENLOG_WARNING "x\n").
 * Messages below the console threshold (loglvl=) go only to the ring buffer.
 */
#define XENLOG_ERR "<0>"
#define XENLOG_WARNING "<1>"
#define XENLOG_INFO "<2>"
#define XENLOG_DEBUG "<3>"
int printk(const char *fmt, ...) __printf(1, 2);
int vprintk(const char *fmt, va_list ap);

#endif
