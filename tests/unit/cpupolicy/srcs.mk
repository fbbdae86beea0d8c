# SPDX-License-Identifier: MIT
# CPU policies in Xen 4.17's shape: reading a CPU, (de)serialising leaves and MSRs, auditing.
SRCS_cpupolicy := hv/arch/x86/hvm/cpu_policy.c
