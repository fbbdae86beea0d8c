// SPDX-License-Identifier: MIT
/* The boot CPU's path from the loader's hand-over to a running system. */
#include <asm/apic.h>
#include <asm/config.h>
#include <asm/page.h>
#include <asm/percpu.h>
#include <asm/processor.h>
#include <asm/traps.h>
#include <tern/acpi.h>
#include <tern/bootinfo.h>
#include <tern/bootmem.h>
#include <tern/domain_build.h>
#include <tern/domain_console.h>
#include <tern/pvclock.h>
#include <tern/sched.h>
#include <asm/hvm.h>
#include <tern/console.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/param.h>
#include <tern/selftest.h>
#include <tern/shutdown.h>
#include <tern/smp.h>
#include <tern/time.h>
#include <tern/version.h>

void __start_tern(uint32_t magic, uint32_t info_pa);
static void start_tern_guarded(void) __noreturn;
static void ap_hvm_up(void *unused);

void paging_use_heap(void);
void smp_init_ipis(void);
void idle_loop(void) __noreturn;

extern const char __image_end[];

bool opt_autopoweroff;
boolean_param("autopoweroff", opt_autopoweroff);
/* Boot-time access to physical memory: the boot page tables map the low 4 GiB. */
static const void *boot_map(paddr_t pa, size_t len)
{
    if (pa + len < pa || pa + len > GB(4))
        return NULL;
    return __va(pa);
}

/* After paging_init(): everything the direct map covers. */
static paddr_t directmap_end;
static const void *directmap_map(paddr_t pa, size_t len)
{
    if (pa + len < pa || pa + len > directmap_end)
        return NULL;
    return __va(pa);
}

/*
 * Multiboot (v1) loaders, QEMU's -kernel and GRUB's legacy "multiboot" command, put the image's
 * file name first on the command line; Multiboot2 (GRUB's "multiboot2") does not.
 */
const char *tern_cmdline(void)
{
    const char *p = boot_info.cmdline;
    if (boot_info.version == 1) {
        while (*p == ' ')
            p++;
        while (*p && *p != ' ')
            p++;
    }
    while (*p == ' ')
        p++;
    return p;
}

static void hand_to_buddy(paddr_t start, paddr_t end, void *arg)
{
    page_alloc_add_free(PFN_DOWN(start), PFN_DOWN(end) - PFN_DOWN(start));
}

static void memory_init(void)
{
    paddr_t ram_end = 0;

    for (unsigned int i = 0; i < boot_info.nr_mmap; i++) {
        const struct boot_mem_range *r = &boot_info.mmap[i];
        if (r->type == BOOT_MEM_RAM) {
            bootmem_add_ram(r->addr, r->addr + r->len);
            ram_end = MAX(ram_end, r->addr + r->len);
        }
    }
    if (!boot_info.nr_mmap && boot_info.has_basic_mem) {
        bootmem_add_ram(0, boot_info.mem_lower_kb * 1024);
        bootmem_add_ram(MB(1), MB(1) + boot_info.mem_upper_kb * 1024);
        ram_end = MB(1) + boot_info.mem_upper_kb * 1024;
    }
    if (!bootmem_total_bytes())
        panic("the boot loader gave no memory map");

    /* The first MiB (BIOS data, EBDA, trampoline), the image, the modules. */
    bootmem_reserve(0, MB(1));
    bootmem_reserve(TERN_LOAD_PHYS, virt_to_maddr(__image_end));
    for (unsigned int i = 0; i < boot_info.nr_mods; i++)
        bootmem_reserve(boot_info.mods[i].start, ROUNDUP(boot_info.mods[i].end, PAGE_SIZE));

    directmap_end = ROUNDUP(MAX(ram_end, GB(4)), GB(1));
    paging_init(directmap_end);

    mfn_t max_mfn = bootmem_max_mfn();
    size_t ft_bytes = page_alloc_frame_table_size(max_mfn);
    paddr_t ft = bootmem_alloc(PFN_UP(ft_bytes), PAGE_SIZE, directmap_end);
    if (!ft)
        panic("no memory for the frame table (%zu bytes)", ft_bytes);
    page_alloc_init(__va(ft), max_mfn);
    bootmem_for_each_free(hand_to_buddy, NULL);
    paging_use_heap();

    printk("Memory: %llu MiB RAM, %llu MiB free, frame table %zu KiB, max address %#llx\n",
           (unsigned long long)(bootmem_total_bytes() >> 20),
           (unsigned long long)(page_alloc_free_count() >> (20 - PAGE_SHIFT)), ft_bytes >> 10,
           (unsigned long long)(max_mfn << PAGE_SHIFT));
}

static void print_cpu(void)
{
    struct cpuid_regs r;
    char vendor[13];

    cpuid(0, &r);
    memcpy(vendor, &r.ebx, 4);
    memcpy(vendor + 4, &r.edx, 4);
    memcpy(vendor + 8, &r.ecx, 4);
    vendor[12] = 0;
    cpuid(1, &r);
    unsigned int family = (r.eax >> 8) & 0xf, model = (r.eax >> 4) & 0xf;
    if (family == 0xf)
        family += (r.eax >> 20) & 0xff;
    if (family >= 6)
        model |= ((r.eax >> 16) & 0xf) << 4;
    printk("CPU: %s family %#x model %#x stepping %u\n", vendor, family, model, r.eax & 0xf);
}

static void print_boot_info(void)
{
    printk("Loader: %s (Multiboot%s)\n", boot_info.loader[0] ? boot_info.loader : "unknown",
           boot_info.version == 2 ? "2" : "");
    printk("Command line: %s\n", tern_cmdline());
    for (unsigned int i = 0; i < boot_info.nr_mmap; i++) {
        const struct boot_mem_range *r = &boot_info.mmap[i];
        printk(XENLOG_DEBUG " %016llx - %016llx type %u\n", (unsigned long long)r->addr,
               (unsigned long long)(r->addr + r->len), r->type);
    }
    for (unsigned int i = 0; i < boot_info.nr_mods; i++)
        printk("Module %u: %#llx-%#llx '%s'\n", i, (unsigned long long)boot_info.mods[i].start,
               (unsigned long long)boot_info.mods[i].end, boot_info.mods[i].cmdline);
}

void __start_tern(uint32_t magic, uint32_t info_pa)
{
    struct cpu_info *bsp = cpu_info_alloc(0, 0);

    /* GS first: printk needs this CPU's number. */
    bsp->self = bsp;
    wrmsr(MSR_GS_BASE, (uint64_t)bsp);
    console_init_early();
    idt_init();
    cpu_load_descriptors(bsp);

    int rc = bootinfo_parse(magic, info_pa, boot_map, &boot_info);
    cmdline_parse(tern_cmdline());
    console_init_cmdline();
    printk("Tern %s (%s) - a Xen-compatible hypervisor\n", TERN_VERSION, TERN_BUILD_INFO);
    if (rc == -EINVAL)
        panic("unusable boot loader information (magic %#x at %#x)", magic, info_pa);
    if (rc)
        printk(XENLOG_WARNING "boot information truncated (%d): some modules or memory "
                              "ranges were dropped\n", rc);
    print_boot_info();
    memory_init();

    /* The boot stack has no guard page: move to stacks that have one (stack.c). */
    if (cpu_stacks_alloc(bsp))
        panic("no memory for the boot CPU's stacks");
    asm volatile("mov %0, %%rsp\n\t"
                 "xor %%ebp, %%ebp\n\t"
                 "call *%1\n\t"
                 "ud2"
                 :
                 : "r"((uint64_t)bsp->stack + STACK_SIZE), "r"(start_tern_guarded)
                 : "memory");
    __builtin_unreachable();
}

/* The rest of the boot CPU's start, on its guarded stack. */
static void start_tern_guarded(void)
{
    struct cpu_info *bsp = this_cpu();

    /* Multiboot2 hands over a copy of the RSDP; otherwise look in the BIOS areas. */
    paddr_t rsdp = 0;
    if ((!boot_info.has_rsdp && acpi_find_rsdp(directmap_map, &rsdp)) ||
        acpi_parse(directmap_map, rsdp, boot_info.has_rsdp ? boot_info.rsdp : NULL,
                   boot_info.rsdp_len, &acpi) < 0)
        printk(XENLOG_WARNING "ACPI: no usable tables; single CPU, no power-off\n");
    else
        printk("ACPI: %s, %u CPUs and %u IO-APICs in the MADT%s%s\n", acpi.oem_id,
               acpi.nr_cpus, acpi.nr_ioapics, acpi.hpet_addr ? ", HPET" : "",
               acpi.s5_valid ? ", S5" : "");

    print_cpu();
    apic_init_bsp();
    bsp->apic_id = apic_read_id();
    bsp->online = true;
    nr_cpus_online = 1;
    smp_init_ipis();
    time_init();
    sched_init();
    local_irq_enable();
    smp_boot_cpus();
    printk("SMP: %u CPU%s online\n", num_online_cpus(), num_online_cpus() == 1 ? "" : "s");

    selftests_run();
    wallclock_init();
    bool can_run_guests = hvm_init();
    on_each_cpu(ap_hvm_up, NULL, true);

    printk("Boot complete in %llu ms; %llu MiB free.\n",
           (unsigned long long)(NOW() / 1000000),
           (unsigned long long)(page_alloc_free_count() >> (20 - PAGE_SHIFT)));
    unsigned int nr_domains = can_run_guests ? boot_domains_start() : 0;
    console_input_init();
    if (!nr_domains && opt_autopoweroff) {
        printk("autopoweroff: nothing to run.\n");
        machine_poweroff();
    }
    smp_start_schedulers();
    schedule_loop();
}

/* Enable the vendor's virtualisation on every other CPU (the boot CPU did it already). */
static void ap_hvm_up(void *unused)
{
    if (smp_processor_id() != 0 && hvm_funcs && hvm_cpu_up())
        printk(XENLOG_ERR "CPU %u cannot run guests\n", smp_processor_id());
}

void idle_loop(void)
{
    local_irq_enable();
    for (;;)
        safe_halt();
}
