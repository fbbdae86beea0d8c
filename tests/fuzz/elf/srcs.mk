# SPDX-License-Identifier: MIT
# The ELF kernel loader: headers, PT_LOAD segments, Xen notes (PVH entry), elf_load.
FUZZ_SRCS_elf := hv/common/elf_loader.c $(FUZZ_LIB)
