# SPDX-License-Identifier: MIT
# The instruction emulator: every supported form run natively on the host and by
# x86_emulate() from the same registers and memory, compared register by register, on the
# defined flags and byte by byte; plus the modes, faults and limits the host cannot show.
SRCS_emulate := hv/arch/x86/hvm/x86_emulate.c hv/arch/x86/hvm/emulate_alu.c \
	hv/arch/x86/hvm/insn_decode.c
