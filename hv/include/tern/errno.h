/* SPDX-License-Identifier: MIT */
/* Internal error numbers: the guest-visible list in public/errno.h, used everywhere as -E... */
#ifndef TERN_ERRNO_H
#define TERN_ERRNO_H

#include <public/errno.h>

#endif
