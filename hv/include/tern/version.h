/* SPDX-License-Identifier: MIT */
/* Tern's version, and the Xen interface version it implements (see design.md). */
#ifndef TERN_VERSION_H
#define TERN_VERSION_H

#define TERN_VERSION "0.1"
#define XEN_COMPAT_MAJOR 4
#define XEN_COMPAT_MINOR 17
#ifdef __clang__
#define TERN_BUILD_INFO "clang " __clang_version__
#else
#define TERN_BUILD_INFO "gcc " __VERSION__
/* Tern's own command line (without the loader's image name). */
const char *tern_cmdline(void);

#endif

/* Tern's own command line (without the loader's image name). */
const char *tern_cmdline(void);

#endif
