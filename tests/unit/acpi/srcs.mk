SRCS_acpi := hv/arch/x86/acpi/tables.c
