SRCS_elf := hv/common/elf_loader.c
