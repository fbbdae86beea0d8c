# SPDX-License-Identifier: MIT
# domctl and sysctl: interface versions, the policy, and each sub-op over fake domains.
SRCS_domctl := hv/common/domctl.c hv/common/domctl_domain.c hv/common/sysctl.c hv/common/sysctl_topo.c \
    hv/common/domctl_vcpu.c hv/xsm/dummy.c
