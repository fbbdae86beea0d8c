/* SPDX-License-Identifier: MIT */
/*
 * Boot-time domains: each boot module that is an xl.cfg file (a name ending in ".cfg", or a
 * module command line containing "guest-config") describes a PVH guest whose kernel and
 * ramdisk are other modules, matched by path or file name. Domains get ids from 1 in module
 * order. A bad config or image is refused with a message naming the domain and the problem;
 * the other domains still boot. Shutdowns follow on_poweroff/on_reboot/on_crash.
 */
#ifndef TERN_DOMAIN_BUILD_H
#define TERN_DOMAIN_BUILD_H

#include <tern/types.h>

/* Build and start every boot-time domain; returns how many were configured. */
unsigned int boot_domains_start(void);

#endif
