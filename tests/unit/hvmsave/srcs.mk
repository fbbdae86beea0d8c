# SPDX-License-Identifier: MIT
# The HVM context stream (records, Xen's length checks, libxenguest's lookup) and the checks
# of a CPU record before it is loaded.
SRCS_hvmsave := hv/arch/x86/hvm/save_stream.c hv/arch/x86/hvm/save_check.c \
    hv/arch/x86/hvm/cr_rules.c
