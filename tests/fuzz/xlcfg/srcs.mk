# SPDX-License-Identifier: MIT
# The xl.cfg parser, with the hypervisor's own string and formatting functions.
FUZZ_SRCS_xlcfg := hv/common/xlcfg.c $(FUZZ_LIB)
