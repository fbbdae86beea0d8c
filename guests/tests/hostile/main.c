/* SPDX-License-Identifier: MIT */
/* Every hypercall with bad arguments; then a deliberate unbacked-GPA access and triple fault. */
#include "lib.h"

const char test_title[] = "hostile arguments: error codes, then a deliberate crash";

/* Pointers the hypervisor must refuse with -EFAULT (none is backed by our RAM). */
static const struct {
    uint64_t addr;
    const char *what;
} bad_ptrs[] = {
    { 0x1, "0x1 (page 0 is not mapped by the guest)" },
    { 0xdead0000000UL, "0xdead0000000 (not mapped)" },
    { 0xffff800000000000UL, "0xffff800000000000 (kernel half, not mapped)" },
    { 0x8000000000000000UL, "0x8000000000000000 (non-canonical)" },
    { 0xc0000000UL, "0xc0000000 (mapped by the guest, no RAM behind it)" },
};

static const domid_t bad_doms[] = { 0x7ff5, 0xffff, 12345, DOMID_IO, DOMID_INVALID };

static uint8_t scratch[PAGE_SIZE] __page_aligned;

static void check_unknown_hypercalls(void)
{
    /* PV-only hypercalls are absent from Xen's HVM table, like unknown numbers. */
    static const unsigned int nrs[] = {
        __HYPERVISOR_set_trap_table, __HYPERVISOR_mmu_update, __HYPERVISOR_set_gdt,
        __HYPERVISOR_stack_switch, __HYPERVISOR_set_callbacks, __HYPERVISOR_fpu_taskswitch,
        __HYPERVISOR_sched_op_compat, __HYPERVISOR_update_descriptor, 11,
        __HYPERVISOR_update_va_mapping, __HYPERVISOR_event_channel_op_compat,
        __HYPERVISOR_physdev_op_compat, __HYPERVISOR_iret, __HYPERVISOR_set_segment_base,
        __HYPERVISOR_nmi_op, __HYPERVISOR_callback_op, __HYPERVISOR_tmem_op, 48, 55, 60, 63,
        64, 127, 128, 0xffff, 0x7fffffff, 0xffffffff,
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(nrs); i++)
        check_rc(hypercall5(nrs[i], 0, 0, 0, 0, 0), -ENOSYS, "hypercall %u", nrs[i]);
}

static void check_bad_pointers(void)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(bad_ptrs); i++) {
        uint64_t p = bad_ptrs[i].addr;
        const char *w = bad_ptrs[i].what;

        check_rc(hypercall2(__HYPERVISOR_xen_version, XENVER_extraversion, p), -EFAULT,
                 "XENVER_extraversion to %s", w);
        check_rc(hypercall2(__HYPERVISOR_xen_version, XENVER_compile_info, p), -EFAULT,
                 "XENVER_compile_info to %s", w);
        check_rc(hypercall2(__HYPERVISOR_xen_version, XENVER_get_features, p), -EFAULT,
                 "XENVER_get_features at %s", w);
        /* Xen's release build refuses console_io to a domU before reading anything. */
        check_rc(hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, 16, p), -EPERM,
                 "CONSOLEIO_write from %s", w);
        check_rc(hypercall2(__HYPERVISOR_memory_op, XENMEM_memory_map, p), -EFAULT,
                 "XENMEM_memory_map at %s", w);
        check_rc(hypercall2(__HYPERVISOR_memory_op, XENMEM_current_reservation, p), -EFAULT,
                 "XENMEM_current_reservation at %s", w);
        check_rc(hypercall2(__HYPERVISOR_memory_op, XENMEM_add_to_physmap, p), -EFAULT,
                 "XENMEM_add_to_physmap at %s", w);
        /* Reservation ops report progress, not errors: nothing done is 0. */
        check_rc(hypercall2(__HYPERVISOR_memory_op, XENMEM_decrease_reservation, p), 0,
                 "XENMEM_decrease_reservation at %s", w);
        check_rc(hypercall2(__HYPERVISOR_memory_op, XENMEM_populate_physmap, p), 0,
                 "XENMEM_populate_physmap at %s", w);
        check_rc(hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_send, p), -EFAULT,
                 "EVTCHNOP_send at %s", w);
        check_rc(hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_status, p), -EFAULT,
                 "EVTCHNOP_status at %s", w);
        check_rc(hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_alloc_unbound, p), -EFAULT,
                 "EVTCHNOP_alloc_unbound at %s", w);
        check_rc(hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_virq, p), -EFAULT,
                 "EVTCHNOP_bind_virq at %s", w);
        check_rc(hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_bind_ipi, p), -EFAULT,
                 "EVTCHNOP_bind_ipi at %s", w);
        check_rc(hypercall2(__HYPERVISOR_event_channel_op, EVTCHNOP_close, p), -EFAULT,
                 "EVTCHNOP_close at %s", w);
        check_rc(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, p, 1), -EFAULT,
                 "GNTTABOP_query_size at %s", w);
        check_rc(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_map_grant_ref, p, 1), -EFAULT,
                 "GNTTABOP_map_grant_ref at %s", w);
        check_rc(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_unmap_grant_ref, p, 1),
                 -EFAULT, "GNTTABOP_unmap_grant_ref at %s", w);
        check_rc(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_copy, p, 1), -EFAULT,
                 "GNTTABOP_copy at %s", w);
        check_rc(hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_set_version, p, 1), -EFAULT,
                 "GNTTABOP_set_version at %s", w);
        check_rc(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_register_vcpu_info, 0, p), -EFAULT,
                 "VCPUOP_register_vcpu_info at %s", w);
        check_rc(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_get_runstate_info, 0, p), -EFAULT,
                 "VCPUOP_get_runstate_info to %s", w);
        check_rc(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_set_singleshot_timer, smp_id(), p),
                 -EFAULT,
                 "VCPUOP_set_singleshot_timer at %s", w);
        check_rc(hypercall3(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, p), -EFAULT,
                 "VCPUOP_initialise(vCPU1) at %s", w);
        check_rc(hypercall2(__HYPERVISOR_sched_op, SCHEDOP_poll, p), -EFAULT,
                 "SCHEDOP_poll at %s", w);
        check_rc(hypercall2(__HYPERVISOR_sched_op, SCHEDOP_shutdown, p), -EFAULT,
                 "SCHEDOP_shutdown at %s (the domain must not shut down)", w);
        check_rc(hypercall2(__HYPERVISOR_hvm_op, HVMOP_get_param, p), -EFAULT,
                 "HVMOP_get_param at %s", w);
        check_rc(hypercall2(__HYPERVISOR_hvm_op, HVMOP_set_param, p), -EFAULT,
                 "HVMOP_set_param at %s", w);
    }
}

/*
 * A hypercall from 32-bit (compatibility-mode) code. Tern implements only the 64-bit
 * hypercall ABI, so the call must be refused (-ENOSYS) rather than have its 32-bit structures
 * misread. A GDT of our own adds a 32-bit code segment; a far call enters it, the stub does
 * xen_version(XENVER_version) and far-returns.
 */
static uint64_t compat_gdt[4] __attribute__((aligned(16))) = {
    0,
    0x00af9b000000ffffULL, /* 0x08: 64-bit code, as the runtime's */
    0x00cf93000000ffffULL, /* 0x10: flat data */
    0x00cf9b000000ffffULL, /* 0x18: 32-bit code */
};

asm(".pushsection .text\n"
    ".code32\n"
    "compat_hypercall_stub:\n"
    "    movl $" "17" ", %eax\n" /* __HYPERVISOR_xen_version */
    "    xorl %ebx, %ebx\n"       /* XENVER_version */
    "    vmmcall\n"
    "    lret\n"
    ".code64\n"
    ".popsection\n");
extern const char compat_hypercall_stub[];

static void check_compat_hypercall(void)
{
    struct __attribute__((packed)) {
        uint16_t limit;
        uint64_t base;
    } mine = { sizeof(compat_gdt) - 1, (uintptr_t)compat_gdt }, saved;
    struct __attribute__((packed)) {
        uint32_t off;
        uint16_t sel;
    } target = { (uint32_t)(uintptr_t)compat_hypercall_stub, 0x18 };
    uint64_t flags = read_flags();
    long rc;

    irq_disable();
    asm volatile("sgdt %0; lgdt %1" : "=m"(saved) : "m"(mine));
    asm volatile("lcall *%1" : "=a"(rc) : "m"(target) : "rbx", "rcx", "rdx", "memory");
    asm volatile("lgdt %0" ::"m"(saved));
    if (flags & X86_EFLAGS_IF)
        irq_enable();
    /* The 32-bit stub's EAX comes back zero-extended. */
    check_rc((long)(int32_t)rc, -ENOSYS, "xen_version from 32-bit code (Tern: 64-bit ABI only)");
}

/* A buffer that starts in RAM and runs past its end: the whole copy must fail. */
static void check_straddle(void)
{
    const struct hvm_memmap_table_entry *e;
    uint64_t top = 0;

    if (!start_info || start_info->version < 1)
        return;
    e = (const void *)(uintptr_t)start_info->memmap_paddr;
    for (unsigned int i = 0; i < start_info->memmap_entries; i++)
        if (e[i].type == XEN_HVM_MEMMAP_TYPE_RAM && e[i].addr + e[i].size > top)
            top = e[i].addr + e[i].size;
    /* Only if nothing at all is mapped right after the last RAM byte. */
    for (unsigned int i = 0; i < start_info->memmap_entries; i++)
        if (e[i].addr <= top && top < e[i].addr + e[i].size)
            return;
    if (!top || top >= (1UL << 32))
        return;
    /* struct sched_poll is 24 bytes: 8 in RAM, 16 past its end. */
    check_rc(HYPERVISOR_sched_op(SCHEDOP_poll, (void *)(uintptr_t)(top - 8)), -EFAULT,
             "SCHEDOP_poll argument at %#lx, 8 bytes before the end of RAM", top - 8);
}

static void check_huge_counts(void)
{
    struct xen_memory_reservation r = { .extent_start_gva = HC_PTR(scratch),
                                         .domid = DOMID_SELF };

    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, scratch, 0xffffffffU), -EINVAL,
             "GNTTABOP_map_grant_ref count 0xffffffff");
    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_unmap_grant_ref, scratch, 0x80000000U),
             -EINVAL, "GNTTABOP_unmap_grant_ref count 0x80000000");
    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_copy, scratch, 0xffffffffU), -EINVAL,
             "GNTTABOP_copy count 0xffffffff");
    check_rc(HYPERVISOR_grant_table_op(GNTTABOP_query_size, scratch, 0xffffffffU), -EINVAL,
             "GNTTABOP_query_size count 0xffffffff");

    /* More extents than a continuation can encode: refused, nothing done. */
    r.nr_extents = 0xffffffffffffffffUL;
    check_rc(HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r), 0,
             "XENMEM_decrease_reservation nr_extents 2^64-1");
    r.nr_extents = 1UL << 32;
    check_rc(HYPERVISOR_memory_op(XENMEM_populate_physmap, &r), 0,
             "XENMEM_populate_physmap nr_extents 2^32");
    r.nr_extents = (0xffffffffU >> MEMOP_EXTENT_SHIFT) + 1;
    check_rc(HYPERVISOR_memory_op(XENMEM_increase_reservation, &r), 0,
             "XENMEM_increase_reservation nr_extents %#lx", r.nr_extents);

    /* SCHEDOP_poll: at most 128 ports. */
    {
        struct sched_poll p = { .ports_gva = HC_PTR(scratch), .nr_ports = 0xffffffffU };

        check_rc(HYPERVISOR_sched_op(SCHEDOP_poll, &p), -EINVAL, "SCHEDOP_poll nr_ports 2^32-1");
    }
}

static void check_bad_ids(void)
{
    struct evtchn_status st;
    struct gnttab_query_size q;
    struct gnttab_map_grant_ref map;
    struct xen_hvm_param hp;
    struct xen_hvm_evtchn_upcall_vector uv;
    evtchn_port_t port;

    for (unsigned int i = 0; i < ARRAY_SIZE(bad_doms); i++) {
        domid_t d = bad_doms[i];

        check_rc(evtchn_status(d, 1, &st), -ESRCH, "EVTCHNOP_status(dom %#x)", d);
        {
            struct evtchn_alloc_unbound au = { .dom = d, .remote_dom = DOMID_SELF };

            check_rc(HYPERVISOR_event_channel_op(EVTCHNOP_alloc_unbound, &au), -ESRCH,
                     "EVTCHNOP_alloc_unbound(dom %#x)", d);
        }
        check_rc(evtchn_bind_interdomain(d, 1, &port), -ESRCH,
                 "EVTCHNOP_bind_interdomain(remote dom %#x)", d);
        check_rc(HYPERVISOR_memory_op(XENMEM_current_reservation, &d), -ESRCH,
                 "XENMEM_current_reservation(dom %#x)", d);
        hp = (struct xen_hvm_param){ .domid = d, .index = HVM_PARAM_CALLBACK_IRQ };
        check_rc(HYPERVISOR_hvm_op(HVMOP_get_param, &hp), -ESRCH, "HVMOP_get_param(dom %#x)",
                 d);
        q = (struct gnttab_query_size){ .dom = d };
        if (check_rc(HYPERVISOR_grant_table_op(GNTTABOP_query_size, &q, 1), 0,
                     "GNTTABOP_query_size(dom %#x)", d))
            check(q.status == GNTST_bad_domain, "GNTTABOP_query_size(dom %#x): status %d, "
                  "expected %d (bad_domain)", d, q.status, GNTST_bad_domain);
        map = (struct gnttab_map_grant_ref){ .host_addr = GUEST_SCRATCH_GPA,
                                             .flags = GNTMAP_host_map, .ref = 8, .dom = d };
        if (check_rc(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1), 0,
                     "GNTTABOP_map_grant_ref(dom %#x)", d))
            check(map.status == GNTST_bad_domain, "GNTTABOP_map_grant_ref(dom %#x): status %d,"
                  " expected %d (bad_domain)", d, map.status, GNTST_bad_domain);
    }

    /* Grant refs beyond our own table. */
    map = (struct gnttab_map_grant_ref){ .host_addr = GUEST_SCRATCH_GPA, .flags = GNTMAP_host_map,
                                         .ref = 0xffffffffU, .dom = xen_domid() };
    if (check_rc(HYPERVISOR_grant_table_op(GNTTABOP_map_grant_ref, &map, 1), 0,
                 "GNTTABOP_map_grant_ref(ref 0xffffffff of ourselves)"))
        check(map.status == GNTST_bad_gntref, "GNTTABOP_map_grant_ref(ref 0xffffffff): status "
              "%d, expected %d (bad_gntref)", map.status, GNTST_bad_gntref);

    /* vCPU ids. */
    {
        static const uint32_t ids[] = { 2, 99, 0x7fffffff, 0xffffffff };

        for (unsigned int i = 0; i < ARRAY_SIZE(ids); i++) {
            check_rc(vcpu_is_up(ids[i]), -ENOENT, "VCPUOP_is_up(vCPU %#x)", ids[i]);
            check_rc(vcpu_up(ids[i]), -ENOENT, "VCPUOP_up(vCPU %#x)", ids[i]);
            check_rc(vcpu_down(ids[i]), -ENOENT, "VCPUOP_down(vCPU %#x)", ids[i]);
            check_rc(evtchn_bind_ipi(ids[i], &port), -ENOENT, "EVTCHNOP_bind_ipi(vCPU %#x)",
                     ids[i]);
            check_rc(evtchn_bind_virq(VIRQ_TIMER, ids[i], &port), -ENOENT,
                     "EVTCHNOP_bind_virq(VIRQ_TIMER, vCPU %#x)", ids[i]);
        }
    }

    /* Ports. */
    {
        static const uint32_t ports[] = { 4095, 4096, 65536, 0xffffffff };

        for (unsigned int i = 0; i < ARRAY_SIZE(ports); i++) {
            check_rc(evtchn_send(ports[i]), -EINVAL, "EVTCHNOP_send(port %#x)", ports[i]);
            check_rc(evtchn_close(ports[i]), -EINVAL, "EVTCHNOP_close(port %#x)", ports[i]);
            check_rc(evtchn_unmask(ports[i]), -EINVAL, "EVTCHNOP_unmask(port %#x)", ports[i]);
            check_rc(evtchn_status(DOMID_SELF, ports[i], &st), -EINVAL,
                     "EVTCHNOP_status(port %#x)", ports[i]);
        }
    }

    /* HVM params: range, deprecated, and those a guest may not touch. */
    check_rc(hvm_get_param(HVM_NR_PARAMS, &hp.value), -EINVAL, "HVMOP_get_param(index %u)",
             HVM_NR_PARAMS);
    check_rc(hvm_get_param(0xffffffff, &hp.value), -EINVAL, "HVMOP_get_param(index 0xffffffff)");
    check_rc(hvm_set_param(HVM_NR_PARAMS, 0), -EINVAL, "HVMOP_set_param(index %u)",
             HVM_NR_PARAMS);
    check_rc(hvm_get_param(HVM_PARAM_PAE_ENABLED, &hp.value), -EINVAL,
             "HVMOP_get_param(PAE_ENABLED, deprecated)");
    check_rc(hvm_get_param(HVM_PARAM_IDENT_PT, &hp.value), -EPERM,
             "HVMOP_get_param(IDENT_PT) by the guest itself");
    check_rc(hvm_set_param(HVM_PARAM_STORE_PFN, 0x1234), -EPERM,
             "HVMOP_set_param(STORE_PFN) by the guest itself");
    check_rc(hvm_set_param(HVM_PARAM_CONSOLE_PFN, 0x1234), -EPERM,
             "HVMOP_set_param(CONSOLE_PFN) by the guest itself");
    check_rc(hvm_set_param(HVM_PARAM_NESTEDHVM, 1), -EINVAL,
             "HVMOP_set_param(NESTEDHVM, deprecated)");
    /*
     * Per-vCPU upcall vectors: Xen 4.17 has them (and sets CPUID base+4 bit 6); a hypervisor
     * that clears the CPUID bit may leave the op out (-ENOSYS).
     */
    {
        bool advertised = cpuid(xen_cpuid_base + XEN_CPUID_LEAF_HVM).a &
                          XEN_HVM_CPUID_UPCALL_VECTOR;
        long rc;

        uv = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = 0, .vector = 0x0f };
        rc = HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
        if (advertised || rc != -ENOSYS)
            check_rc(rc, -EINVAL, "HVMOP_set_evtchn_upcall_vector(vector 0x0f)");
        uv = (struct xen_hvm_evtchn_upcall_vector){ .vcpu = 99, .vector = 0xf3 };
        rc = HYPERVISOR_hvm_op(HVMOP_set_evtchn_upcall_vector, &uv);
        if (advertised || rc != -ENOSYS)
            check_rc(rc, -ENOENT, "HVMOP_set_evtchn_upcall_vector(vCPU 99)");
    }
    check_rc(HYPERVISOR_hvm_op(99, NULL), -ENOSYS, "hvm_op 99");

    /* vm_assist: only runstate_update_flag exists for HVM guests. */
    check_rc(HYPERVISOR_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables), -EINVAL,
             "vm_assist(enable, writable_pagetables) from a PVH guest");
    check_rc(HYPERVISOR_vm_assist(VMASST_CMD_enable, 64), -EINVAL, "vm_assist(enable, 64)");
    check_rc(HYPERVISOR_vm_assist(99, VMASST_TYPE_runstate_update_flag), -ENOSYS,
             "vm_assist(cmd 99)");

    /* Sub-ops nobody defines. */
    check_rc(HYPERVISOR_event_channel_op(0x7fffffff, scratch), -ENOSYS, "event_channel_op "
             "0x7fffffff");
    check_rc(HYPERVISOR_sched_op(0x7fffffff, scratch), -ENOSYS, "sched_op 0x7fffffff");
    check_rc(HYPERVISOR_vcpu_op(0x7fffffff, 0, scratch), -ENOSYS, "vcpu_op 0x7fffffff");
    /* Bits above the 12-bit command are continuation state a guest must pass as 0: Xen 4.17
     * refuses them with -EINVAL before looking at the command. */
    check_rc(HYPERVISOR_grant_table_op(0x7fffffff, scratch, 1), -EINVAL,
             "grant_table_op 0x7fffffff");
    check_rc(HYPERVISOR_grant_table_op(0xfff, scratch, 1), -ENOSYS,
             "grant_table_op 0xfff (unknown command)");
}

/* After the result line: what the hypervisor does with the domain is for the rig to see. */
static __noreturn void deliberate_crash(void)
{
    static const struct {
        uint16_t limit;
        uint64_t base;
    } __attribute__((packed)) empty_idt = { 0, 0 };
    struct sched_shutdown code = { .reason = SHUTDOWN_crash };
    volatile uint32_t *unbacked = (volatile uint32_t *)0xc0000000UL;
    uint32_t v;

    /* Whatever ends us below (Tern's p2m fault handling, or the triple fault that Xen turns
     * into a reboot) is reported as a crash. */
    HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &code);
    printk("hostile: reading unbacked GPA %p (Xen returns all-ones; Tern may crash us)\n",
           (void *)unbacked);
    v = *unbacked;
    printk("hostile: read %#x; writing it\n", v);
    *unbacked = 0x12345678;
    printk("hostile: triple fault (empty IDT, int3)\n");
    asm volatile("cli; lidt %0; int3" ::"m"(empty_idt));
    for (;;)
        asm volatile("hlt");
}

/*
 * The same hostile calls from both vCPUs at once: vCPU1 repeats them until vCPU0 has done
 * HOSTILE_ROUNDS of its own, so rounds of one meet the other's calls in Tern. Every
 * answer must still be the one a lone caller gets (the checks report any other).
 */
#define HOSTILE_ROUNDS 20

static volatile bool hammer_stop;
static volatile unsigned long hammer_rounds;

static void hostile_round(void)
{
    check_unknown_hypercalls();
    check_bad_pointers();
    check_huge_counts();
    check_bad_ids();
}

static void hammer(unsigned int id, void *arg)
{
    (void)id;
    (void)arg;
    while (!hammer_stop) {
        hostile_round();
        hammer_rounds++;
    }
}

static void check_concurrent(void)
{
    unsigned int i;

    if (vcpu_start(1, hammer, NULL))
        return;
    /* On one pCPU vCPU1 may only get its turn after a slice: go on until it has done one. */
    for (i = 0; i < HOSTILE_ROUNDS || (!hammer_rounds && i < 50 * HOSTILE_ROUNDS); i++)
        hostile_round();
    hammer_stop = true;
    if (!wait_until(percpu[1].done, SEC(30))) {
        xtf_failure("vCPU1 did not finish its round within 30 s of being told to stop");
        return;
    }
    printk("hostile: both vCPUs at once: vCPU0 %u rounds, vCPU1 %lu rounds\n", i, hammer_rounds);
    check(hammer_rounds > 0, "vCPU1 never completed a round beside vCPU0's %u", i);
}

void test_main(void)
{
    check_unknown_hypercalls();
    check_compat_hypercall();
    check_bad_pointers();
    check_straddle();
    check_huge_counts();
    check_bad_ids();
    check_concurrent();
    xtf_success();
    xtf_report_result();
    deliberate_crash();
}
