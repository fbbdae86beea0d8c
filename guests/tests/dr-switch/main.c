/* SPDX-License-Identifier: MIT */
/*
 * Test guest "dr-switch": each vCPU's debug registers are its own. Two vCPUs load different
 * DR0-DR3 and keep reading them back across many yields (on one physical CPU every yield is
 * a switch to the other vCPU); a write breakpoint armed by vCPU0 fires for vCPU0's writes
 * only, never for vCPU1 writing the same word.
 */
#include "lib.h"

const char test_title[] = "DR0-DR3 are switched between vCPUs; breakpoints stay in their vCPU";

#define ROUNDS 300
#define DR7_RESET 0x400UL

static volatile uint32_t shared_word;
static volatile unsigned int db_count[2], mismatches[2], rounds_done[2];
static volatile int go;

#define DEFINE_DR(n)                                                                       \
    static inline uint64_t read_dr##n(void)                                                \
    {                                                                                      \
        uint64_t v;                                                                        \
        asm volatile("mov %%dr" #n ", %0" : "=r"(v));                                      \
        return v;                                                                          \
    }                                                                                      \
    static inline void write_dr##n(uint64_t v)                                             \
    {                                                                                      \
        asm volatile("mov %0, %%dr" #n ::"r"(v) : "memory");                               \
    }
DEFINE_DR(0)
DEFINE_DR(1)
DEFINE_DR(2)
DEFINE_DR(3)
DEFINE_DR(6)
DEFINE_DR(7)

static bool on_db(struct cpu_regs *r)
{
    unsigned int id = this_cpu()->id;
    if (id < 2)
        db_count[id]++;
    write_dr6(0xffff0ff0);
    return true;
}

/* What vCPU id keeps in DR0-DR3 (vCPU0's DR0 is the watched word, set separately). */
static uint64_t pattern(unsigned int id, unsigned int n)
{
    return 0x100000UL * (id + 1) + 0x1000UL * n + 8 * id;
}

static void load(unsigned int id)
{
    write_dr0(id == 0 ? (uint64_t)&shared_word : pattern(id, 0));
    write_dr1(pattern(id, 1));
    write_dr2(pattern(id, 2));
    write_dr3(pattern(id, 3));
    if (id == 0) /* L0, RW0 = 01 (writes), LEN0 = 11 (4 bytes) */
        write_dr7(DR7_RESET | 1 | (1UL << 16) | (3UL << 18));
}

static bool same(unsigned int id)
{
    uint64_t want0 = id == 0 ? (uint64_t)&shared_word : pattern(id, 0);
    return read_dr0() == want0 && read_dr1() == pattern(id, 1) &&
           read_dr2() == pattern(id, 2) && read_dr3() == pattern(id, 3);
}

static void worker(unsigned int id, void *arg)
{
    (void)arg;
    while (!go)
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
    load(id);
    for (unsigned int i = 0; i < ROUNDS; i++) {
        if (id == 1)
            shared_word = i; /* vCPU0's breakpoint address: must not fire here */
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        if (!same(id)) {
            mismatches[id]++;
            load(id);
        }
        rounds_done[id] = i + 1;
    }
    write_dr7(DR7_RESET);
}

void test_main(void)
{
    trap_set_handler(1, on_db);
    if (vcpu_start(1, worker, NULL))
        xtf_fatal("vCPU1 did not start");
    go = 1;
    worker(0, NULL);
    check(wait_until(rounds_done[1] == ROUNDS, SEC(30)), "vCPU1 finished %u of %u rounds",
          rounds_done[1], ROUNDS);

    check(mismatches[0] == 0, "vCPU0 found its DR0-DR3 changed after %u of %u yields",
          mismatches[0], ROUNDS);
    check(mismatches[1] == 0, "vCPU1 found its DR0-DR3 changed after %u of %u yields",
          mismatches[1], ROUNDS);
    check(db_count[1] == 0, "vCPU1 took %u #DB writing the word only vCPU0 watches: expected "
          "none", db_count[1]);

    /* vCPU0's own breakpoint still works after all those switches. */
    write_dr0((uint64_t)&shared_word);
    write_dr7(DR7_RESET | 1 | (1UL << 16) | (3UL << 18));
    shared_word = 7;
    write_dr7(DR7_RESET);
    check(db_count[0] == 1, "vCPU0 writing the word it watches: expected one #DB, got %u",
          db_count[0]);
    xtf_success();
}
