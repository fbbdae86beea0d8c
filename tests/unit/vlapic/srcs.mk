# SPDX-License-Identifier: MIT
# The emulated x2APIC: registers, IPIs, INIT/SIPI, priorities, injection and the LVT timer,
# over fake vCPUs, scheduler, timers and clock (fake_env.c).
SRCS_vlapic := hv/arch/x86/hvm/vlapic.c
