/* SPDX-License-Identifier: MIT */
/*
 * Every vCPU goes down at the same instant; the domain must power off, once. The mode comes
 * from the command line:
 *   how=hlt     each vCPU runs cli; hlt (Xen's hvm_vcpu_down: the last one down powers off)
 *   how=vcpuop  each vCPU takes itself down with VCPUOP_down
 * A vCPU going down while another counts the vCPUs still up is the race: if each saw the
 * other up, all would be down and the domain would hang instead of powering off (the rig
 * then times out).
 */
#include "lib.h"

const char test_title[] = "all vCPUs down at once: the domain powers off";

static volatile unsigned int arrived;
static volatile bool go;
static unsigned int nr;
static bool vcpuop;

static unsigned int count_vcpus(void)
{
    unsigned int n = 0;

    while (n < MAX_VCPUS && vcpu_is_up(n) != -ENOENT)
        n++;
    return n;
}

static __noreturn void go_down(unsigned int id)
{
    __atomic_add_fetch(&arrived, 1, __ATOMIC_SEQ_CST);
    while (!go)
        cpu_relax();
    if (vcpuop) {
        long rc = HYPERVISOR_vcpu_op(VCPUOP_down, id, NULL);

        /* It returns only once a vCPU is up again (none will be): say what it was. */
        xtf_fatal("VCPUOP_down(vCPU%u) from itself returned %ld", id, rc);
    }
    for (;;)
        asm volatile("cli; hlt" ::: "memory");
}

static void sibling(unsigned int id, void *arg)
{
    go_down(id);
}

void test_main(void)
{
    char how[8];

    if (!cmdline_get("how", how, sizeof(how)) || (strcmp(how, "hlt") && strcmp(how, "vcpuop")))
        xtf_fatal("no how=<hlt|vcpuop> on the command line");
    vcpuop = !strcmp(how, "vcpuop");
    nr = count_vcpus();
    if (nr < 2)
        xtf_fatal("needs at least 2 vCPUs, has %u", nr);
    for (unsigned int i = 1; i < nr; i++)
        if (vcpu_start(i, sibling, NULL))
            xtf_fatal("vCPU%u did not start", i);
    while (arrived != nr - 1)
        cpu_relax();
    printk("%u vCPUs going down at once (%s); the domain must power off\n", nr,
           vcpuop ? "VCPUOP_down on itself" : "cli; hlt");
    /* The verdict is the rig's: poweroff, not a hang. The result line goes out first. */
    xtf_success();
    xtf_report_result();
    go = true;
    go_down(0);
}
