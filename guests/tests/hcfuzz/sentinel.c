/* SPDX-License-Identifier: MIT */
/* Sentinels: the entries that map our IDT, code and page tables, checked after every call. */
#include "fuzz.h"

/*
 * A call that takes away the mapping of our IDT (or of the page tables on the way to it)
 * does not fail on its own: the domain triple-faults at its next interrupt, and the log
 * says nothing of the call. So each vCPU checks these words right after its call, while
 * interrupts are still as the call left them, and a change is named with the call.
 */
#define PTE_P 0x1ULL
#define PTE_PS 0x80ULL
/* The CPU sets Accessed and Dirty as it walks: not a change anybody made. */
#define PTE_AD 0x60ULL
#define PTE_ADDR 0x000ffffffffff000ULL
#define MAX_SENTINELS 40

struct sentinel {
    volatile uint64_t *where;
    uint64_t value;
    uint64_t ignore;    /* bits the CPU may change */
    uint64_t va;        /* what the entry maps (for a gate: the IDT address) */
    unsigned int level; /* 4 PML4 .. 1 PT; 0 for an IDT gate word */
};

static struct sentinel sent[MAX_SENTINELS];
static unsigned int nr_sent;
static volatile int repairing;

static void add(volatile uint64_t *where, uint64_t va, unsigned int level)
{
    uint64_t ignore = level ? PTE_AD : 0;

    for (unsigned int i = 0; i < nr_sent; i++)
        if (sent[i].where == where)
            return;
    if (nr_sent == MAX_SENTINELS)
        xtf_fatal("hcfuzz: more than %d sentinels", MAX_SENTINELS);
    sent[nr_sent++] = (struct sentinel){ where, *where, ignore, va, level };
}

/* The entries of each level on the way to va (identity map: tables at their own address). */
static void add_walk(uint64_t va)
{
    uint64_t table = read_cr3() & PTE_ADDR;

    for (unsigned int level = 4; level >= 1; level--) {
        volatile uint64_t *e = (volatile uint64_t *)(uintptr_t)table +
                               ((va >> (12 + 9 * (level - 1))) & 511);

        add(e, va, level);
        if (!(*e & PTE_P))
            xtf_fatal("hcfuzz: %#lx is not mapped (level %u entry %#lx)", va, level, *e);
        if (level > 1 && level < 4 && (*e & PTE_PS))
            return;
        table = *e & PTE_ADDR;
    }
}

extern char fz_issue_text[] asm("fz_issue");

void sentinel_init(void)
{
    struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) idtr;
    uint64_t cr3 = read_cr3() & PTE_ADDR;

    asm volatile("sidt %0" : "=m"(idtr));
    add_walk(idtr.base);
    add_walk(idtr.base + idtr.limit);
    add_walk((uintptr_t)fz_issue_text);
    add_walk((uintptr_t)&sent[0]);
    add_walk((uintptr_t)fz_state);
    /* The page tables themselves, down the identity map. */
    add_walk(cr3);
    for (unsigned int level = 4; level > 1; level--) {
        uint64_t e = *(uint64_t *)(uintptr_t)cr3;

        if (!(e & PTE_P) || (level < 4 && (e & PTE_PS)))
            break;
        cr3 = e & PTE_ADDR;
        add_walk(cr3);
    }
    /* The gates of #DF, #GP and #PF, and the upcall's. */
    static const unsigned int vectors[] = { 8, 13, 14, UPCALL_VECTOR };
    for (unsigned int i = 0; i < ARRAY_SIZE(vectors); i++)
        for (unsigned int w = 0; w < 2; w++)
            add((volatile uint64_t *)(uintptr_t)(idtr.base + vectors[i] * 16 + w * 8),
                idtr.base + vectors[i] * 16, 0);
}

static void describe(char *buf, size_t size, const struct sentinel *s, uint64_t now)
{
    if (s->level)
        snprintf(buf, size, "the level-%u page-table entry at %p that maps %#lx changed from "
                 "%#lx to %#lx", s->level, (void *)s->where, s->va, s->value, now);
    else
        snprintf(buf, size, "the IDT gate word at %p changed from %#lx to %#lx",
                 (void *)s->where, s->value, now);
}

/*
 * After a call: every sentinel as it was, or each changed one reported and put back (one
 * vCPU repairs; the others wait for it). Returns how many had changed.
 */
unsigned int sentinel_check(const struct fz_call *c, long rc)
{
    unsigned int bad = 0;
    char what[200];

    for (unsigned int i = 0; i < nr_sent; i++)
        if ((sent[i].where[0] ^ sent[i].value) & ~sent[i].ignore)
            bad++;
    if (!bad)
        return 0;
    if (xchg(&repairing, 1)) {
        while (ACCESS_ONCE(repairing))
            cpu_relax();
        return bad;
    }
    for (unsigned int i = 0; i < nr_sent; i++) {
        uint64_t now = sent[i].where[0];

        if (!((now ^ sent[i].value) & ~sent[i].ignore))
            continue;
        sent[i].where[0] = sent[i].value;
        describe(what, sizeof(what), &sent[i], now);
        fz_fail(c, rc, "after this call, %s (put back)", what);
    }
    asm volatile("mov %0, %%cr3" ::"r"(read_cr3()) : "memory");
    fz_report_in_flight();
    __atomic_store_n(&repairing, 0, __ATOMIC_RELEASE);
    return bad;
}
