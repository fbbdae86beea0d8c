# SPDX-License-Identifier: MIT
# What the toolstack hands the hypervisor to parse: HVM context streams and CPU policies.
FUZZ_SRCS_toolstack := hv/arch/x86/hvm/save_stream.c hv/arch/x86/hvm/save_check.c \
    hv/arch/x86/hvm/cr_rules.c hv/arch/x86/hvm/cpu_policy.c $(FUZZ_LIB)
