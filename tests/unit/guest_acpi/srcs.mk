# SPDX-License-Identifier: MIT
# Guest ACPI table builder, checked by parsing its output back with the host ACPI parser.
SRCS_guest_acpi := hv/common/guest_acpi.c hv/arch/x86/acpi/tables.c
