// SPDX-License-Identifier: MIT
/* Boot-time domains: xl.cfg modules -> PVH domains, and what happens when they shut down. */
#include <asm/hvm.h>
#include <public/hvm/params.h>
#include <public/hvm/start_info.h>
#include <public/sched.h>
#include <public/xen.h>
#include <tern/bootinfo.h>
#include <tern/domain.h>
#include <tern/domctl.h>
#include <tern/domain_build.h>
#include <tern/decompress.h>
#include <tern/dom0.h>
#include <tern/domain_console.h>
#include <tern/elf_loader.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/guest_access.h>
#include <tern/guest_acpi.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/param.h>
#include <tern/sched.h>
#include <tern/shutdown.h>
#include <tern/smp.h>
#include <tern/stats.h>
#include <tern/time.h>
#include <tern/xlcfg.h>
#include <tern/xmalloc.h>

/* Xen's "special pages" below 4 GiB (libxl): the console ring is the last of them; the
 * xenstore page of a domain that joins dom0's xenstore later is libxc's XENSTORE one. */
#define SPECIAL_PFN_BASE 0xfeff8ULL
#define XENSTORE_PFN (SPECIAL_PFN_BASE + 4)
#define CONSOLE_PFN (SPECIAL_PFN_BASE + 7)
#define MMIO_HOLE_START 0xf0000000ULL
/* The guest's ACPI tables (RSDP, XSDT, FADT, DSDT, MADT), in the hole below 4 GiB. */
#define ACPI_GPA 0xfc000000ULL
#define ACPI_PAGES PFN_UP(GUEST_ACPI_MAX_SIZE)

struct boot_domain {
    struct xl_config cfg;
    char cfg_file[BOOT_MODCMD_MAX];
    const void *kernel, *ramdisk;
    size_t kernel_len, ramdisk_len;
    domid_t domid;
    unsigned int restarts;
    bool built; /* its first build succeeded */
};

static struct boot_domain *boot_domains[64];
static unsigned int nr_boot_domains;
static struct boot_domain *dom0_domain;
static bool boot_has_dom0; /* this boot builds a dom0 (after the xl.cfg domains) */
static uint64_t free_pages_before;
static unsigned int opt_restart_limit = ~0u;
integer_param("restart_limit", opt_restart_limit);
extern bool opt_autopoweroff;

/* First word of a module command line, and its last path component. */
static void module_name(const char *cmd, char *out, size_t len)
{
    size_t i = 0;
    while (cmd[i] && cmd[i] != ' ' && i + 1 < len) {
        out[i] = cmd[i];
        i++;
    }
    out[i] = 0;
}

static const char *basename_of(const char *p)
{
    const char *b = p;
    for (; *p; p++)
        if (*p == '/')
            b = p + 1;
    return b;
}

static const struct boot_module *find_module(const char *path)
{
    char name[BOOT_MODCMD_MAX];
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned int i = 0; i < boot_info.nr_mods; i++) {
            module_name(boot_info.mods[i].cmdline, name, sizeof(name));
            if (pass == 0 ? !strcmp(name, path) : !strcmp(basename_of(name), basename_of(path)))
                return &boot_info.mods[i];
        }
    }
    return NULL;
}

static bool is_config_module(const struct boot_module *m)
{
    char name[BOOT_MODCMD_MAX];
    module_name(m->cmdline, name, sizeof(name));
    size_t n = strlen(name);
    return (n > 4 && !strcmp(name + n - 4, ".cfg")) || strstr(m->cmdline, "guest-config");
}

static int write_gpa_cb(void *ctx, uint64_t gpa, const void *src, size_t n)
{
    return copy_to_gpa(ctx, gpa, src, n);
}

static int zero_gpa_cb(void *ctx, uint64_t gpa, size_t n)
{
    return clear_gpa(ctx, gpa, n);
}

#define FAIL(...)                                                                          \
    do {                                                                                   \
        printk(XENLOG_ERR "Domain %u (%s): ", bd->domid, cfg->name);                       \
        printk(XENLOG_ERR __VA_ARGS__);                                                    \
        printk(XENLOG_ERR "; not started\n");                                              \
        goto fail;                                                                         \
    } while (0)

static int build_domain(struct boot_domain *bd)
{
    const struct xl_config *cfg = &bd->cfg;
    struct elf_image img;
    char err[128];
    int rc;
    struct domain *d = NULL;
    void *unpacked = NULL;
    struct populate_job job = { 0 };
    bool populating = false;

    uint64_t mem = cfg->memory_mib << 20;
    uint64_t lowmem = MIN(mem, MMIO_HOLE_START);
    uint64_t highmem = mem - lowmem;

    if (cfg->type != XL_TYPE_PVH)
        FAIL("type \"%s\" is not supported yet (only pvh)", xl_type_name(cfg->type));
    s_time_t t_start = NOW(), t_unpacked = 0, t_populated = 0;
    bool is_dom0 = bd->domid == 0;

    /*
     * The domain and its RAM first, populated by the idle CPUs while this one unpacks the
     * kernel (each takes seconds under TCG for a large guest); populate_job_finish() joins.
     */
    d = domain_create(bd->domid, cfg->name, cfg->maxvcpus, &rc);
    if (!d)
        FAIL("cannot create the domain (%d)", rc);
    d->boot = bd;
    /* Before its first port (console, store) is allocated, as Xen's createdomain. */
    if (cfg->max_event_channels)
        evtchn_set_max_port(d, cfg->max_event_channels);
    /* Domain 0 is the initial domain: privileged, console on console_io, no console ring. */
    d->is_privileged = is_dom0;
    d->max_pages = (cfg->maxmem_mib << 20 >> PAGE_SHIFT) + 8;
    job.d = d;
    job.range[0].gfn = 0;
    job.range[0].nr = lowmem >> PAGE_SHIFT;
    job.range[1].gfn = GB(4) >> PAGE_SHIFT;
    job.range[1].nr = highmem >> PAGE_SHIFT;
    job.nr_ranges = highmem ? 2 : 1;
    populate_job_start(&job);
    populating = true;

    const void *kernel = bd->kernel;
    size_t kernel_len = bd->kernel_len;
    if (kernel_len > 0x250 && !memcmp((const char *)kernel + 0x202, "HdrS", 4)) {
        /* A bzImage as distributions ship it: the ELF vmlinux is its compressed payload. */
        if (kernel_image_decompress(kernel, kernel_len, &unpacked, &kernel_len, err,
                                    sizeof(err)))
            FAIL("kernel %s: %s", cfg->kernel, err);
        kernel = unpacked;
    }
    t_unpacked = NOW();
    rc = elf_parse(kernel, kernel_len, &img, err, sizeof(err));
    if (rc)
        FAIL("kernel %s: %s", cfg->kernel, err);
    if (!img.has_pvh_entry)
        FAIL("kernel %s has no PVH entry point (XEN_ELFNOTE_PHYS32_ENTRY)", cfg->kernel);
    if (img.highest_paddr > lowmem || img.lowest_paddr < 0x1000)
        FAIL("kernel %s occupies %#llx-%#llx, outside the guest's %llu MiB of RAM", cfg->kernel,
             (unsigned long long)img.lowest_paddr, (unsigned long long)img.highest_paddr,
             (unsigned long long)cfg->memory_mib);

    /* After the kernel: one page for start_info, modlist, memory map and command line,
     * then the ramdisk. */
    uint64_t info_gpa = ROUNDUP(img.highest_paddr, PAGE_SIZE);
    uint64_t rd_gpa = info_gpa + PAGE_SIZE;
    if (rd_gpa + ROUNDUP(bd->ramdisk_len, PAGE_SIZE) > lowmem)
        FAIL("%llu MiB is too little memory for the kernel and the ramdisk",
             (unsigned long long)cfg->memory_mib);

    /* With a dom0, a domU joins its xenstore once the toolstack is up (docs/dom0.md). */
    bool late_store = !is_dom0 && boot_has_dom0;
    populating = false;
    if (populate_job_finish(&job) ||
        (!is_dom0 && domain_populate(d, CONSOLE_PFN, 1)) ||
        (late_store && domain_populate(d, XENSTORE_PFN, 1)) ||
        domain_populate(d, ACPI_GPA >> PAGE_SHIFT, ACPI_PAGES))
        FAIL("not enough free memory for %llu MiB", (unsigned long long)cfg->memory_mib);
    t_populated = NOW();

    /* ACPI tables: Linux finds every vCPU through the MADT (UID = vCPU id). */
    static uint8_t acpi_buf[ACPI_PAGES * PAGE_SIZE];
    struct guest_acpi_config acfg = { .nr_vcpus = cfg->maxvcpus, .lapic_id_stride = 2,
                                      .base_gpa = ACPI_GPA,
                                      .sleep_port = GUEST_SLEEP_PORT };
    uint64_t rsdp_gpa;
    int acpi_len = guest_acpi_build(&acfg, acpi_buf, sizeof(acpi_buf), &rsdp_gpa);
    if (acpi_len < 0 || copy_to_gpa(d, ACPI_GPA, acpi_buf, acpi_len))
        FAIL("could not build its ACPI tables (%d)", acpi_len);

    struct domain_e820 map[4] = {
        { 0, lowmem, XEN_HVM_MEMMAP_TYPE_RAM },
        { ACPI_GPA, ACPI_PAGES * PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_ACPI },
        { SPECIAL_PFN_BASE << PAGE_SHIFT, 8 * PAGE_SIZE, XEN_HVM_MEMMAP_TYPE_RESERVED },
        { GB(4), highmem, XEN_HVM_MEMMAP_TYPE_RAM },
    };
    unsigned int nr_map = highmem ? 4 : 3;
    if (domain_set_e820(d, map, nr_map))
        FAIL("out of memory");

    if (elf_load(kernel, kernel_len, &img, write_gpa_cb, zero_gpa_cb, d))
        FAIL("could not load the kernel");
    xfree(unpacked);
    unpacked = NULL;
    if (bd->ramdisk_len && copy_to_gpa(d, rd_gpa, bd->ramdisk, bd->ramdisk_len))
        FAIL("could not load the ramdisk");

    /* start_info page: [start_info][modlist][memmap][cmdline] */
    uint8_t page[PAGE_SIZE];
    memset(page, 0, sizeof(page));
    struct hvm_start_info *si = (void *)page;
    struct hvm_modlist_entry *mod = (void *)(page + 64);
    struct hvm_memmap_table_entry *mm = (void *)(page + 128);
    char *cmdline = (char *)(page + 512);
    si->magic = XEN_HVM_START_MAGIC_VALUE;
    si->version = 1;
    if (is_dom0)
        si->flags = SIF_PRIVILEGED | SIF_INITDOMAIN;
    si->cmdline_paddr = info_gpa + 512;
    strlcpy(cmdline, cfg->cmdline, PAGE_SIZE - 512);
    if (bd->ramdisk_len) {
        si->nr_modules = 1;
        si->modlist_paddr = info_gpa + 64;
        mod->paddr = rd_gpa;
        mod->size = bd->ramdisk_len;
    }
    si->rsdp_paddr = rsdp_gpa;
    si->memmap_paddr = info_gpa + 128;
    si->memmap_entries = nr_map;
    for (unsigned int i = 0; i < nr_map; i++) {
        mm[i].addr = map[i].addr;
        mm[i].size = map[i].size;
        mm[i].type = map[i].type;
    }
    if (copy_to_gpa(d, info_gpa, page, sizeof(page)))
        FAIL("could not write start_info");

    if (late_store) {
        /*
         * Xen's dom0less way: the store's event channel waits, unbound, for dom0's xenstored,
         * and STORE_PFN ~0 tells Linux that xenstore comes later (it binds the port and
         * waits for an event on it). The page is ready at libxc's place for the store; the
         * toolstack's tool names it when it sets STORE_PFN, which raises the port (hvm_op.c).
         */
        evtchn_port_t store_port;
        if (evtchn_alloc_unbound_port(d, 0, &store_port))
            FAIL("could not allocate its xenstore event channel");
        d->hvm_params[HVM_PARAM_STORE_EVTCHN] = store_port;
        d->hvm_params[HVM_PARAM_STORE_PFN] = ~0ULL;
    }
    if (domain_console_init(d, is_dom0 ? 0 : CONSOLE_PFN))
        FAIL("could not set up its console");
    for (unsigned int i = 0; i < cfg->maxvcpus; i++) {
        struct vcpu *v = vcpu_create(d, i);
        if (!v)
            FAIL("could not create vCPU %u", i);
        v->affinity = cfg->cpu_affinity;
        if (is_dom0 && opt_dom0_vcpus_pin)
            v->affinity = 1ull << (i % num_online_cpus()); /* vCPU n on CPU n, as Xen */
    }
    struct vcpu *v0 = d->vcpu[0];
    hvm_funcs->set_pvh_boot_state(v0, (uint32_t)img.pvh_entry, (uint32_t)info_gpa);
    v0->is_initialised = true;
    vcpu_pause_flags_clear(v0, VPF_down);

    uint64_t overhead = domain_overhead_bytes(d);
    uint64_t limit = KB(64) + mem / 200;
    printk("Domain %u (%s): %llu MiB, %u vCPU%s, entry %#llx; Tern overhead %llu KiB "
           "(limit %llu KiB)%s\n", d->domain_id, d->name, (unsigned long long)cfg->memory_mib,
           cfg->maxvcpus, cfg->maxvcpus == 1 ? "" : "s", (unsigned long long)img.pvh_entry,
           (unsigned long long)(overhead >> 10), (unsigned long long)(limit >> 10),
           overhead > limit ? " OVER" : "");
    s_time_t t_done = NOW();
    printk(XENLOG_DEBUG "Domain %u built in %lld ms: kernel unpacked %lld ms (RAM populated "
                        "meanwhile), RAM done %lld ms later, loading %lld ms\n",
           d->domain_id, (long long)((t_done - t_start) / 1000000),
           (long long)((t_unpacked - t_start) / 1000000),
           (long long)((t_populated - t_unpacked) / 1000000),
           (long long)((t_done - t_populated) / 1000000));
    domain_unpause(d);
    return 0;

fail:
    if (populating)
        populate_job_finish(&job); /* no CPU may still be populating d when it goes */
    xfree(unpacked);
    if (d)
        domain_destroy(d);
    return -EINVAL;
}

static void add_boot_domain(const struct boot_module *m, domid_t domid)
{
    char err[160];
    struct boot_domain *bd = xmalloc(struct boot_domain);
    if (!bd || nr_boot_domains == ARRAY_SIZE(boot_domains)) {
        printk(XENLOG_ERR "Too many boot domains; %s ignored\n", m->cmdline);
        xfree(bd);
        return;
    }
    module_name(m->cmdline, bd->cfg_file, sizeof(bd->cfg_file));
    bd->domid = domid;
    if (xlcfg_parse(maddr_to_virt(m->start), m->end - m->start, &bd->cfg, err, sizeof(err))) {
        printk(XENLOG_ERR "Domain config %s: %s; not started\n", bd->cfg_file, err);
        xfree(bd);
        return;
    }
    const struct boot_module *k = find_module(bd->cfg.kernel);
    const struct boot_module *r = bd->cfg.ramdisk[0] ? find_module(bd->cfg.ramdisk) : NULL;
    if (!k || (bd->cfg.ramdisk[0] && !r)) {
        printk(XENLOG_ERR "Domain %u (%s): %s %s is not among the boot modules; not started\n",
               domid, bd->cfg.name, k ? "ramdisk" : "kernel",
               k ? bd->cfg.ramdisk : bd->cfg.kernel);
        xfree(bd);
        return;
    }
    bd->kernel = maddr_to_virt(k->start);
    bd->kernel_len = k->end - k->start;
    if (r) {
        bd->ramdisk = maddr_to_virt(r->start);
        bd->ramdisk_len = r->end - r->start;
    }
    boot_domains[nr_boot_domains++] = bd;
}

/*
 * Xen's cmdline_cook for a kernel's module string: leading blanks go, and so does the first
 * word (the image's path, which QEMU and other Multiboot loaders put there) unless the loader
 * is GRUB 2, whose module strings hold only the arguments (Debian's grub.d puts a
 * "placeholder" word first for loaders that strip one).
 */
static const char *module_args(const char *cmd)
{
    const char *g = strstr(boot_info.loader, "GRUB ");
    while (*cmd == ' ')
        cmd++;
    if (g && g[5] != '0')
        return cmd;
    while (*cmd && *cmd != ' ')
        cmd++;
    while (*cmd == ' ')
        cmd++;
    return cmd;
}

/* A module an xl.cfg names as its kernel or ramdisk. */
static bool module_claimed(const struct boot_module *m)
{
    const void *p = maddr_to_virt(m->start);
    for (unsigned int i = 0; i < nr_boot_domains; i++)
        if (boot_domains[i]->kernel == p || boot_domains[i]->ramdisk == p)
            return true;
    return false;
}

/*
 * Dom0's kernel is the first module when that is not an xl.cfg (Xen's rule: module 0 is
 * dom0's kernel, module 1 its initramfs); otherwise the first module no xl.cfg claims, so
 * that xl.cfg/kernel/ramdisk groups may come first. Returns the kernel's index, or -1.
 */
static int find_dom0_modules(int *ramdisk)
{
    int k = -1;
    *ramdisk = -1;
    for (unsigned int i = 0; i < boot_info.nr_mods; i++) {
        const struct boot_module *m = &boot_info.mods[i];
        if (is_config_module(m) || (i && module_claimed(m)))
            continue;
        if (k < 0) {
            k = (int)i;
        } else {
            *ramdisk = (int)i;
            break;
        }
    }
    return k;
}

/*
 * Xen has no hypercall for a domain's name, so dom0's tool that introduces the boot-time
 * domains to xenstore (tools/dom0/tern-init-bootdomains.c) learns them from dom0's command
 * line: one word tern.bootdomain=<domid>:<name> per domain built, the name with every byte
 * outside [A-Za-z0-9._-] as %XX (xl.cfg names may hold blanks and colons).
 */
static void append_boot_domain_names(char *cmdline, size_t size)
{
    char word[32 + 3 * sizeof(boot_domains[0]->cfg.name)];

    for (unsigned int i = 0; i < nr_boot_domains; i++) {
        struct boot_domain *bd = boot_domains[i];
        size_t n;

        if (!bd->built)
            continue;
        n = snprintf(word, sizeof(word), " tern.bootdomain=%u:", bd->domid);
        for (const char *p = bd->cfg.name; *p && n + 4 < sizeof(word); p++) {
            unsigned char ch = (unsigned char)*p;
            if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-')
                word[n++] = (char)ch;
            else
                n += snprintf(word + n, sizeof(word) - n, "%%%02X", ch);
        }
        word[n] = 0;
        size_t used = strlen(cmdline);
        if (used + n >= size) {
            printk(XENLOG_WARNING "Domain 0: no room on its command line for the name of "
                                  "domain %u\n", bd->domid);
            continue;
        }
        memcpy(cmdline + used, word, n + 1);
    }
}

/* Dom0 as a boot domain: sized by dom0_mem= and dom0_max_vcpus= from what the host has left. */
static struct boot_domain *dom0_boot_domain(void)
{
    int r, k = find_dom0_modules(&r);
    if (k < 0)
        return NULL;
    struct boot_domain *bd = xmalloc(struct boot_domain);
    if (!bd) {
        printk(XENLOG_ERR "Domain 0: out of memory; not started\n");
        return NULL;
    }
    memset(bd, 0, sizeof(*bd));
    const struct boot_module *km = &boot_info.mods[k];
    struct xl_config *cfg = &bd->cfg;
    bd->domid = 0;
    strlcpy(cfg->name, "Domain-0", sizeof(cfg->name));
    cfg->type = XL_TYPE_PVH;
    module_name(km->cmdline, cfg->kernel, sizeof(cfg->kernel));
    strlcpy(cfg->cmdline, module_args(km->cmdline), sizeof(cfg->cmdline));
    append_boot_domain_names(cfg->cmdline, sizeof(cfg->cmdline));
    bd->kernel = maddr_to_virt(km->start);
    bd->kernel_len = km->end - km->start;
    if (r >= 0) {
        const struct boot_module *rm = &boot_info.mods[r];
        module_name(rm->cmdline, cfg->ramdisk, sizeof(cfg->ramdisk));
        bd->ramdisk = maddr_to_virt(rm->start);
        bd->ramdisk_len = rm->end - rm->start;
    }
    /* What is free, less what Tern needs for dom0's nested page tables and bookkeeping. */
    uint64_t free = page_alloc_free_count() << PAGE_SHIFT;
    uint64_t avail = free - MIN(free, free / 128 + MB(8));
    uint64_t size, max;
    dom0_mem_compute(avail, &size, &max);
    cfg->memory_mib = size >> 20;
    cfg->maxmem_mib = max >> 20;
    cfg->vcpus = cfg->maxvcpus = dom0_vcpus_compute(num_online_cpus(), XL_MAX_VCPUS);
    cfg->cpu_affinity = XL_ALL_CPUS;
    return bd;
}

unsigned int boot_domains_start(void)
{
    domid_t domid = 1;
    for (unsigned int i = 0; i < boot_info.nr_mods; i++)
        if (is_config_module(&boot_info.mods[i]))
            add_boot_domain(&boot_info.mods[i], domid++);
    int dom0_ramdisk;
    boot_has_dom0 = find_dom0_modules(&dom0_ramdisk) >= 0;
    free_pages_before = page_alloc_free_count();
    if (nr_boot_domains)
        printk("Free pages before the first domain: %llu\n",
               (unsigned long long)free_pages_before);
    for (unsigned int i = 0; i < nr_boot_domains; i++)
        boot_domains[i]->built = build_domain(boot_domains[i]) == 0;
    /* Dom0 comes last so that, without dom0_mem=, it gets what the others left. */
    struct boot_domain *dom0 = dom0_boot_domain();
    if (dom0) {
        if (build_domain(dom0)) {
            xfree(dom0);
        } else {
            printk("Domain 0: kernel %s, command line \"%s\"\n", dom0->cfg.kernel,
                   dom0->cfg.cmdline);
            dom0_domain = dom0;
        }
    }
    if (!nr_boot_domains && !dom0_domain)
        return 0;
    sched_request_deferred_work(); /* domains that failed to build: maybe nothing is left */
    return nr_boot_domains + (dom0_domain != NULL);
}

static enum xl_action action_for(const struct xl_config *cfg, int reason)
{
    switch (reason) {
    case SHUTDOWN_poweroff: return cfg->on_poweroff;
    case SHUTDOWN_reboot: return cfg->on_reboot;
    case SHUTDOWN_crash: return cfg->on_crash;
    case SHUTDOWN_watchdog: return cfg->on_watchdog;
    default: return XL_ACTION_DESTROY; /* suspend: nothing to save it to yet */
    }
}

static bool vcpus_off_cpu(struct domain *d)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i] && d->vcpu[i]->is_running)
            return false; /* still leaving guest mode on another CPU */
    return true;
}

/* XEN_DOMCTL_destroydomain (domctl_domain.c) asked for it: no builder action follows. */
static void handle_destroy(struct domain *d, bool *retry)
{
    domid_t id = d->domain_id;

    if (!vcpus_off_cpu(d)) {
        *retry = true;
        return;
    }
    exit_stats_print(d);
    domain_console_destroy(d);
    domain_destroy(d);
    __atomic_store_n(&d->is_dead, true, __ATOMIC_RELEASE); /* for_each_domain holds d */
    printk("Domain %u destroyed by the toolstack; %llu pages free\n", id,
           (unsigned long long)page_alloc_free_count());
    domain_send_dom_exc();
}

static bool opt_noreboot;
boolean_param("noreboot", opt_noreboot);

/* Xen's hwdom_shutdown: when dom0 goes, the machine goes with it. */
static void __noreturn dom0_shutdown(struct domain *d)
{
    int reason = d->shutdown_code;

    exit_stats_print(d);
    domain_console_destroy(d); /* its last words first */
    switch (reason) {
    case SHUTDOWN_poweroff:
        /* Xen halts the CPUs; Tern powers off, which under QEMU ends the run. */
        printk("Hardware Dom0 halted: halting machine\n");
        machine_poweroff();
    case SHUTDOWN_reboot:
        printk("Hardware Dom0 shutdown: rebooting machine\n");
        machine_restart();
    case SHUTDOWN_watchdog:
        printk("Hardware Dom0 shutdown: watchdog rebooting machine\n");
        machine_restart();
    case SHUTDOWN_crash:
        printk("Hardware Dom0 crashed: ");
        break;
    default:
        printk("Hardware Dom0 shutdown (unknown reason %d): ", reason);
        break;
    }
    if (opt_noreboot) {
        printk("'noreboot' set - not rebooting.\n");
        machine_poweroff();
    }
    printk("rebooting machine in 5 seconds.\n");
    mdelay(5000);
    machine_restart();
}

static void handle_shutdown(struct domain *d, void *arg)
{
    bool *retry = arg;
    if (d->destroy_requested && !d->is_dying) {
        handle_destroy(d, retry);
        return;
    }
    if (!d->is_shutting_down || d->is_shut_down)
        return;
    if (!vcpus_off_cpu(d)) {
        *retry = true;
        return;
    }
    d->is_shut_down = true;
    if (d->boot && d->boot == dom0_domain)
        dom0_shutdown(d);
    domain_send_dom_exc(); /* Xen: once every vCPU stopped for the shutdown */
    if (d->controller_created) {
        printk("Domain %u shut down (%s): the toolstack decides what follows\n", d->domain_id,
               shutdown_reason_name(d->shutdown_code));
        return;
    }
    struct boot_domain *bd = d->boot;
    enum xl_action act = bd ? action_for(&bd->cfg, d->shutdown_code) : XL_ACTION_DESTROY;
    if ((act == XL_ACTION_RESTART || act == XL_ACTION_RENAME_RESTART ||
         act == XL_ACTION_COREDUMP_RESTART) && bd && bd->restarts >= opt_restart_limit) {
        printk("Domain %u (%s): restart limit (%u) reached\n", d->domain_id, d->name,
               opt_restart_limit);
        act = XL_ACTION_DESTROY;
    }
    if (act == XL_ACTION_PRESERVE) {
        printk("Domain %u (%s) preserved (%s)\n", d->domain_id, d->name,
               shutdown_reason_name(d->shutdown_code));
        return;
    }
    exit_stats_print(d);
    domain_console_destroy(d);
    domain_destroy(d);
    /* A toolstack's destroydomain waiting on d completes too (for_each_domain holds d). */
    __atomic_store_n(&d->is_dead, true, __ATOMIC_RELEASE);
    if (act == XL_ACTION_RESTART || act == XL_ACTION_RENAME_RESTART ||
        act == XL_ACTION_COREDUMP_RESTART) {
        bd->restarts++;
        printk("Domain %u (%s): restarting (%u)\n", bd->domid, bd->cfg.name, bd->restarts);
        build_domain(bd);
    } else {
        printk("Domain %u (%s) destroyed; %llu pages free\n", bd ? bd->domid : 0,
               bd ? bd->cfg.name : "?", (unsigned long long)page_alloc_free_count());
    }
}

void sched_run_deferred_work(void)
{
    bool retry = false;
    for_each_domain(handle_shutdown, &retry);
    if (retry) {
        sched_request_deferred_work();
        return;
    }
    if (nr_boot_domains && domain_count() == 0) {
        uint64_t now = page_alloc_free_count();
        printk("All domains have shut down. Free pages: %llu now, %llu before the first "
               "domain%s\n", (unsigned long long)now, (unsigned long long)free_pages_before,
               now == free_pages_before ? "" : " (LEAK)");
        if (opt_autopoweroff)
            machine_poweroff();
    }
}

void domain_shutdown_notify(struct domain *d)
{
    sched_request_deferred_work();
}
