# SPDX-License-Identifier: MIT
# The instruction decoder for nested-paging faults: lengths checked against the host's GNU as
# and objdump, the memory-operand use of the MOV forms, and a random-bytes fuzz under ASan.
SRCS_insn := hv/arch/x86/hvm/insn_decode.c
