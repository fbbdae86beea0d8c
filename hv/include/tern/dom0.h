/* SPDX-License-Identifier: MIT */
/*
 * Dom0, the initial domain: its sizing options (dom0_mem=, dom0_max_vcpus=, dom0_vcpus_pin,
 * read as Xen 4.17 reads them) and the boot-module convention that picks its kernel.
 */
#ifndef TERN_DOM0_H
#define TERN_DOM0_H

#include <tern/types.h>

extern bool opt_dom0_vcpus_pin;

/* Dom0's initial memory and its ceiling, in bytes, out of avail bytes free for it. */
void dom0_mem_compute(uint64_t avail, uint64_t *size, uint64_t *max);
/* Dom0's vCPU count on a host of nr_pcpus CPUs, never above limit. */
unsigned int dom0_vcpus_compute(unsigned int nr_pcpus, unsigned int limit);
/* Back to the defaults, as if no dom0 option were given (for the unit tests). */
void dom0_params_reset(void);

#endif
