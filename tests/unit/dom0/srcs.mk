# SPDX-License-Identifier: MIT
# Dom0's sizing options (dom0_mem=, dom0_max_vcpus=) through the real command-line parser.
SRCS_dom0 := hv/common/dom0_params.c hv/common/cmdline.c
