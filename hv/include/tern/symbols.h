/* SPDX-License-Identifier: MIT */
/* Symbol lookup for backtraces, from the table the build embeds (scripts/gensyms.sh). */
#ifndef TERN_SYMBOLS_H
#define TERN_SYMBOLS_H

#include <tern/types.h>

/* "name+0xoff/0xsize", or "0x<addr>" when the address is outside Tern's text. */
void symbol_format(uint64_t addr, char *buf, size_t len);
/* Print one backtrace line: "   [<addr>] name+0xoff/0xsize". */
void print_symbol_line(uint64_t addr);

#endif
