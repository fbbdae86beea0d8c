# SPDX-License-Identifier: MIT
# The instruction decoder for nested-paging faults.
FUZZ_SRCS_insn := hv/arch/x86/hvm/insn_decode.c $(FUZZ_LIB)
