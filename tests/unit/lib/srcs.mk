# SPDX-License-Identifier: MIT
# The freestanding C library (hv/lib): strings, number parsing, formatted output.
SRCS_lib := hv/lib/string.c hv/lib/strtoul.c hv/lib/vsnprintf.c
