/* SPDX-License-Identifier: MIT */
/*
 * Tern's heap: small objects from power-of-two size classes carved out of single pages,
 * large objects (over half a page) straight from the page allocator. Every allocation is
 * returned zeroed.
 */
#ifndef TERN_XMALLOC_H
#define TERN_XMALLOC_H

#include <tern/types.h>

void *xmalloc_bytes(size_t size);           /* zeroed, 16-byte aligned; NULL on failure */
void *xmalloc_aligned(size_t size, size_t align); /* align <= PAGE_SIZE */
void xfree(void *p);                        /* NULL is fine */
#define xmalloc(type) ((type *)xmalloc_bytes(sizeof(type)))
#define xmalloc_array(type, n) ((type *)xmalloc_array_bytes(sizeof(type), (n)))
void *xmalloc_array_bytes(size_t elem, size_t n); /* NULL on overflow */

/* Bytes currently allocated (requested sizes rounded to their class) and pages held. */
size_t xmalloc_used_bytes(void);
size_t xmalloc_pages_held(void);
/* Invariant check (free lists consistent, counts match); 0 or negative errno. */
int xmalloc_check(void);

#endif
