SRCS_cmdline := hv/common/cmdline.c
