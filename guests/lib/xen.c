/* SPDX-License-Identifier: MIT */
/* Finding Xen (CPUID), start_info and the command line, shared_info, the hypercall page. */
#include "lib.h"

uint32_t xen_cpuid_base;
uint8_t *xen_hypercall_page;
const struct hvm_start_info *start_info;

/* As Linux does (pvh-abi.md §2): the first base whose signature matches with eax-base >= 2. */
uint32_t xen_find_cpuid_base(void)
{
    /* Without CPUID.1:ECX.hypervisor the 0x4000xxxx leaves are not defined. */
    if (!(cpuid(1).c & (1U << 31)))
        return 0;
    for (uint32_t base = XEN_CPUID_FIRST_LEAF; base < XEN_CPUID_FIRST_LEAF + 0x10000;
         base += 0x100) {
        struct cpuid_regs r = cpuid(base);

        if (r.b == XEN_CPUID_SIGNATURE_EBX && r.c == XEN_CPUID_SIGNATURE_ECX &&
            r.d == XEN_CPUID_SIGNATURE_EDX && r.a - base >= 2)
            return base;
    }
    return 0;
}

domid_t xen_domid(void)
{
    struct cpuid_regs r;

    if (!xen_cpuid_base || cpuid(xen_cpuid_base).a < xen_cpuid_base + XEN_CPUID_LEAF_HVM)
        return DOMID_INVALID;
    r = cpuid(xen_cpuid_base + XEN_CPUID_LEAF_HVM);
    return (r.a & XEN_HVM_CPUID_DOMID_PRESENT) ? (domid_t)r.c : DOMID_INVALID;
}

const char *cmdline(void)
{
    if (!start_info || !start_info->cmdline_paddr || start_info->cmdline_paddr >= (1UL << 32))
        return "";
    return (const char *)(uintptr_t)start_info->cmdline_paddr;
}

bool cmdline_get(const char *key, char *buf, size_t size)
{
    const char *s = cmdline();
    size_t klen = strlen(key);

    while (*s) {
        const char *w = s;
        size_t wlen;

        while (*s && *s != ' ')
            s++;
        wlen = s - w;
        while (*s == ' ')
            s++;
        if (wlen >= klen && !strncmp(w, key, klen) && (wlen == klen || w[klen] == '=')) {
            size_t vlen = wlen == klen ? 0 : wlen - klen - 1;

            if (size) {
                if (vlen >= size)
                    vlen = size - 1;
                memcpy(buf, w + klen + (wlen != klen), vlen);
                buf[vlen] = '\0';
            }
            return true;
        }
    }
    return false;
}

long cmdline_get_int(const char *key, long dflt)
{
    char buf[32];

    if (!cmdline_get(key, buf, sizeof(buf)) || !buf[0])
        return dflt;
    if (buf[0] == '-')
        return -(long)strtoul(buf + 1, NULL, 0);
    return (long)strtoul(buf, NULL, 0);
}

/* ---- shared_info -------------------------------------------------------------------------- */

static uint8_t shared_info_page[PAGE_SIZE] __page_aligned;
static struct shared_info *shinfo;

long xen_map_shared_info(void *page)
{
    struct xen_add_to_physmap xatp = {
        .domid = DOMID_SELF,
        .space = XENMAPSPACE_shared_info,
        .idx = 0,
        .gpfn = virt_to_gfn(page),
    };
    long rc = HYPERVISOR_memory_op(XENMEM_add_to_physmap, &xatp);

    if (rc == 0) {
        /* Slots in the old shared_info move with it; registered vcpu_info areas stay. */
        for (unsigned int i = 0; i < MAX_VCPUS; i++) {
            uintptr_t vi = (uintptr_t)percpu[i].vcpu_info;

            if (shinfo && vi >= (uintptr_t)shinfo && vi < (uintptr_t)shinfo + PAGE_SIZE)
                percpu[i].vcpu_info = NULL; /* recomputed by vcpu_info_of() */
        }
        shinfo = page;
    }
    return rc;
}

struct shared_info *shared_info(void)
{
    long rc;

    if (shinfo)
        return shinfo;
    rc = xen_map_shared_info(shared_info_page);
    if (rc) {
        xtf_failure("XENMEM_add_to_physmap(XENMAPSPACE_shared_info, gfn %#lx): expected 0, "
                    "got %ld (%s)", virt_to_gfn(shared_info_page), rc, errno_name(rc));
        xtf_exit();
    }
    return shinfo;
}

/* vcpu_info of vCPU id: its registered area, else its slot in shared_info. */
struct vcpu_info *vcpu_info_of(unsigned int id)
{
    if (!percpu[id].vcpu_info)
        percpu[id].vcpu_info = &shared_info()->vcpu_info[id];
    return percpu[id].vcpu_info;
}

struct vcpu_info *this_vcpu_info(void)
{
    return vcpu_info_of(this_cpu()->id);
}

/* ---- Hypercall page, HVM params, shutdown ------------------------------------------------ */

int xen_install_hypercall_page(void *page)
{
    uint32_t msr = cpuid(xen_cpuid_base + XEN_CPUID_LEAF_HYPERCALL).b;
    int fault = wrmsr_safe(msr, (uintptr_t)page);

    if (fault < 0)
        xen_hypercall_page = page;
    return fault;
}

long hvm_get_param(uint32_t index, uint64_t *value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index };
    long rc = HYPERVISOR_hvm_op(HVMOP_get_param, &p);

    *value = p.value;
    return rc;
}

long hvm_set_param(uint32_t index, uint64_t value)
{
    struct xen_hvm_param p = { .domid = DOMID_SELF, .index = index, .value = value };

    return HYPERVISOR_hvm_op(HVMOP_set_param, &p);
}

__noreturn void xen_shutdown(unsigned int reason)
{
    struct sched_shutdown s = { .reason = reason };

    if (xen_cpuid_base) {
        long rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);

        printk("SCHEDOP_shutdown(%u) returned %ld (%s)\n", reason, rc, errno_name(rc));
    }
    for (;;)
        asm volatile("cli; hlt");
}
