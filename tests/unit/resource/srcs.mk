# SPDX-License-Identifier: MIT
# XENMEM_acquire_resource's arithmetic: resource sizes and the request checks Xen makes.
SRCS_resource := hv/common/resource.c
