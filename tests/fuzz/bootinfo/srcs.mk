# SPDX-License-Identifier: MIT
# The Multiboot and Multiboot2 boot information parser.
FUZZ_SRCS_bootinfo := hv/arch/x86/boot/bootinfo.c $(FUZZ_LIB)
