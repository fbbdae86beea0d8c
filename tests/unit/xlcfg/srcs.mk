SRCS_xlcfg := hv/common/xlcfg.c
