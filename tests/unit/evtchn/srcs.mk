# SPDX-License-Identifier: MIT
# Event channels: the real state machine, 2-level and FIFO delivery over fake domains; and
# hvm_op.c, whose STORE_PFN setting raises a late-xenstore domain's store port.
SRCS_evtchn := hv/common/event_channel.c hv/common/event_fifo.c hv/arch/x86/hvm/hvm_op.c
