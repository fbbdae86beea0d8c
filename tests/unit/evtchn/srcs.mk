# SPDX-License-Identifier: MIT
# Event channels: the real state machine and 2-level delivery over fake domains (fake_env.c).
SRCS_evtchn := hv/common/event_channel.c
