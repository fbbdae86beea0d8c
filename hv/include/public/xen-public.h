/* SPDX-License-Identifier: MIT */
/* Umbrella header: the whole guest ABI in one include (errno.h stays separate). */
#ifndef TERN_PUBLIC_XEN_PUBLIC_H
#define TERN_PUBLIC_XEN_PUBLIC_H

#include <public/xen.h>
#include <public/arch-x86/cpuid.h>
#include <public/features.h>
#include <public/version.h>
#include <public/elfnote.h>
#include <public/event_channel.h>
#include <public/grant_table.h>
#include <public/memory.h>
#include <public/vcpu.h>
#include <public/sched.h>
#include <public/hvm/hvm_op.h>
#include <public/hvm/params.h>
#include <public/hvm/start_info.h>
#include <public/io/console.h>
#include <public/io/ring.h>
#include <public/io/xs_wire.h>

#endif /* TERN_PUBLIC_XEN_PUBLIC_H */
