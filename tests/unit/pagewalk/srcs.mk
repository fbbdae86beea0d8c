# SPDX-License-Identifier: MIT
# The emulator's guest page walk: every paging mode, the #PF error codes, A/D bits.
SRCS_pagewalk := hv/arch/x86/hvm/pagewalk.c
