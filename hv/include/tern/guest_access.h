/* SPDX-License-Identifier: MIT */
/*
 * Copying to and from the current guest: every guest pointer is a guest-virtual address that
 * is translated through the guest's own page tables and then its p2m, page by page, and
 * refused (-EFAULT) unless every byte lands in RAM the domain owns. Nothing dereferences a
 * guest pointer directly.
 */
#ifndef TERN_GUEST_ACCESS_H
#define TERN_GUEST_ACCESS_H

#include <tern/types.h>

struct vcpu;
struct domain;

/* From/to the current vCPU's address space. 0 or -EFAULT (nothing partial is reported). */
int copy_from_guest(void *dst, uint64_t gva, size_t len);
int copy_to_guest(uint64_t gva, const void *src, size_t len);
/* Same for a given vCPU (its paging mode and page tables). */
int copy_from_guest_vcpu(struct vcpu *v, void *dst, uint64_t gva, size_t len);
int copy_to_guest_vcpu(struct vcpu *v, uint64_t gva, const void *src, size_t len);
/* Guest-physical accesses (the domain builder, shared pages). */
int copy_from_gpa(struct domain *d, void *dst, uint64_t gpa, size_t len);
int copy_to_gpa(struct domain *d, uint64_t gpa, const void *src, size_t len);
int clear_gpa(struct domain *d, uint64_t gpa, size_t len);
/* Translate a guest-virtual address of v to guest-physical; 0 or -EFAULT. */
int guest_virt_to_phys(struct vcpu *v, uint64_t gva, bool write, uint64_t *gpa);

#endif
