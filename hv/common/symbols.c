// SPDX-License-Identifier: MIT
/* Address-to-symbol lookup over the sorted table generated at link time. */
#include <tern/lib.h>
#include <tern/symbols.h>

struct sym_entry {
    uint64_t addr;
    const char *name;
};

/* Layout emitted by scripts/gensyms.sh: a count, then count entries sorted by address. */
extern const struct {
    uint64_t count;
    struct sym_entry entries[];
} tern_syms;
extern const char __text_start[], __text_end[];

void symbol_format(uint64_t addr, char *buf, size_t len)
{
    uint64_t lo = 0, hi = tern_syms.count;

    if (addr < (uint64_t)__text_start || addr >= (uint64_t)__text_end || !hi) {
        snprintf(buf, len, "%#llx", (unsigned long long)addr);
        return;
    }
    /* Largest entry with entry.addr <= addr. */
    while (hi - lo > 1) {
        uint64_t mid = (lo + hi) / 2;
        if (tern_syms.entries[mid].addr <= addr)
            lo = mid;
        else
            hi = mid;
    }
    const struct sym_entry *e = &tern_syms.entries[lo];
    if (e->addr > addr) {
        snprintf(buf, len, "%#llx", (unsigned long long)addr);
        return;
    }
    uint64_t end = lo + 1 < tern_syms.count ? tern_syms.entries[lo + 1].addr
                                              : (uint64_t)__text_end;
    snprintf(buf, len, "%s+%#llx/%#llx", e->name, (unsigned long long)(addr - e->addr),
             (unsigned long long)(end - e->addr));
}

void print_symbol_line(uint64_t addr)
{
    char buf[96];
    symbol_format(addr, buf, sizeof(buf));
    printk("   [<%016llx>] %s\n", (unsigned long long)addr, buf);
}
