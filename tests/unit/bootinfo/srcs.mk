SRCS_bootinfo := hv/arch/x86/boot/bootinfo.c
