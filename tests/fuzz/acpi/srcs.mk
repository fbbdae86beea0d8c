# SPDX-License-Identifier: MIT
# The ACPI static tables: RSDP search, RSDT/XSDT, MADT, FADT, HPET and the DSDT's \_S5.
FUZZ_SRCS_acpi := hv/arch/x86/acpi/tables.c $(FUZZ_LIB)
