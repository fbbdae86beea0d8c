# SPDX-License-Identifier: MIT
# CR0/CR4/EFER writes and VCPUOP_initialise states against Xen 4.17's rules (cr_rules.c).
SRCS_cr := hv/arch/x86/hvm/cr_rules.c
