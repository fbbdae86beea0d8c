# SPDX-License-Identifier: MIT
# Event channels: the real state machine, 2-level and FIFO delivery over fake domains.
SRCS_evtchn := hv/common/event_channel.c hv/common/event_fifo.c
