// SPDX-License-Identifier: MIT
/* tern-init-bootdomains: introduce Tern's boot-time domains to dom0's xenstore (docs/dom0.md). */
/*
 * Tern starts the domains of xl.cfg boot modules beside dom0, each with an unbound xenstore
 * event channel for dom0, HVM_PARAM_STORE_PFN ~0 ("xenstore comes later") and its store page
 * ready at libxc's special pfn. Run in dom0 once oxenstored and xen-init-dom0 are done, this
 * tool does for each running domain that xenstore does not know what Xen's init-dom0less
 * does for its boot-time domains, plus the console nodes libxl writes for a PVH guest, so
 * that xenconsoled, `xl list`, `xl console` and `xl destroy` know them:
 *
 *   1. seed grant entries 0 (console) and 1 (store) for dom0;
 *   2. a new UUID as the domain's handle, and libxl's stub JSON configuration;
 *   3. /vm/<uuid>/, /local/domain/<id>/ (name, domid, vm, cpu, memory, control, device, store,
 *      console, ...) and /libxl/<id>/type in one transaction;
 *   4. XS_INTRODUCE (oxenstored binds the store port and maps the page);
 *   5. HVM_PARAM_STORE_PFN = the store page, which Tern turns into the event that wakes the
 *      domain's xenbus (oxenstored's XS_INTRODUCE does not notify the domain).
 *
 * Names come from dom0's command line, tern.bootdomain=<domid>:<name> (the name with bytes
 * outside [A-Za-z0-9._-] as %XX), which Tern writes; without one, or when the name is taken,
 * the domain is "dom0less-<domid>" as under Xen. A domain that cannot be introduced is
 * reported on stderr with its id and skipped; the others still are. Exit status: 0 when
 * every candidate was introduced, 1 when one failed, 2 when the interfaces could not be
 * opened.
 *
 *   tern-init-bootdomains [domid...]   (default: every domain but 0)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenctrl.h>
#include <xenguest.h>
#include <xenstore.h>
#include <xen/hvm/params.h>

/* Tern's special pages (hv/common/domain_build.c), as libxc's for an x86 HVM guest. */
#define SPECIAL_PFN_BASE 0xfeff8ULL
#define XENSTORE_GFN (SPECIAL_PFN_BASE + 4)
/* What libxl writes for a primary console served by xenconsoled (libxl_console.c). */
#define CONSOLE_LIMIT "1048576"
#define PATH_LEN 160
#define NAME_LEN 64
#define MAX_NAMED 256

static const char *prog = "tern-init-bootdomains";

static struct {
    unsigned int domid;
    char name[NAME_LEN];
} named[MAX_NAMED];
static unsigned int nr_named;

static void say(const char *fmt, ...)
{
    va_list ap;

    printf("%s: ", prog);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static void complain(unsigned int domid, const char *fmt, ...)
{
    va_list ap;

    fprintf(stderr, "%s: d%u: ", prog, domid);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* One tern.bootdomain=<domid>:<name> word; false when it is malformed. */
static bool parse_word(const char *w, unsigned int *domid, char *name)
{
    char *end;
    unsigned long id = strtoul(w, &end, 10);
    size_t n = 0;

    if (end == w || *end != ':' || id == 0 || id >= DOMID_FIRST_RESERVED)
        return false;
    for (const char *p = end + 1; *p; p++) {
        int c = (unsigned char)*p;
        if (c == '%') {
            int hi = hexval(p[1]), lo = hi < 0 ? -1 : hexval(p[2]);
            if (lo < 0)
                return false;
            c = hi << 4 | lo;
            p += 2;
        }
        if (c < 0x20 || c == 0x7f || n + 1 >= NAME_LEN)
            return false;
        name[n++] = (char)c;
    }
    name[n] = 0;
    *domid = (unsigned int)id;
    return n > 0;
}

static void read_names(void)
{
    static char cmdline[8192];
    FILE *f = fopen("/proc/cmdline", "r");
    size_t len;

    if (!f) {
        say("cannot read /proc/cmdline (%s): default names", strerror(errno));
        return;
    }
    len = fread(cmdline, 1, sizeof(cmdline) - 1, f);
    fclose(f);
    cmdline[len] = 0;
    for (char *w = strtok(cmdline, " \t\n"); w; w = strtok(NULL, " \t\n")) {
        static const char key[] = "tern.bootdomain=";
        if (strncmp(w, key, sizeof(key) - 1))
            continue;
        if (nr_named == MAX_NAMED ||
            !parse_word(w + sizeof(key) - 1, &named[nr_named].domid, named[nr_named].name)) {
            say("ignoring '%s' (expected tern.bootdomain=<domid>:<name>)", w);
            continue;
        }
        nr_named++;
    }
}

static const char *name_from_cmdline(unsigned int domid)
{
    for (unsigned int i = 0; i < nr_named; i++)
        if (named[i].domid == domid)
            return named[i].name;
    return NULL;
}

/* Permissions as libxl's: read-only for the guest (dom0 owns), or the guest's own. */
static bool set_perms(struct xs_handle *xsh, xs_transaction_t t, const char *path,
                      unsigned int domid, bool guest_owned)
{
    struct xs_permissions p[2];

    if (guest_owned) {
        p[0].id = domid;
        p[0].perms = XS_PERM_NONE;
        return xs_set_permissions(xsh, t, path, p, 1);
    }
    p[0].id = 0;
    p[0].perms = XS_PERM_NONE;
    p[1].id = domid;
    p[1].perms = XS_PERM_READ;
    return xs_set_permissions(xsh, t, path, p, 2);
}

struct writer {
    struct xs_handle *xsh;
    xs_transaction_t t;
    unsigned int domid;
    char failed[2 * PATH_LEN]; /* the first path that could not be written, and why */
};

/* Write base/rel = value with the given ownership; perms < 0: leave what xenstored gives
 * (the parent's, for /vm and /libxl, which only dom0 reads). */
static void put(struct writer *w, const char *base, const char *rel, int guest_owned,
                const char *fmt, ...)
{
    char path[PATH_LEN], val[PATH_LEN];
    va_list ap;
    int n;

    if (w->failed[0])
        return;
    n = snprintf(path, sizeof(path), "%s%s%s", base, rel[0] ? "/" : "", rel);
    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof(path) || !xs_write(w->xsh, w->t, path, val, strlen(val)) ||
        (guest_owned >= 0 && !set_perms(w->xsh, w->t, path, w->domid, guest_owned)))
        snprintf(w->failed, sizeof(w->failed), "%s (%s)", path, strerror(errno));
}

struct boot_domain_info {
    unsigned int domid;
    const char *name;
    char uuid[40];
    uint64_t max_memkb, target_memkb;
    unsigned int max_vcpu_id;
    uint64_t store_port, console_port, console_gfn;
};

/* Everything libxl and init-dom0less write for the domain, in one transaction. */
static int write_nodes(struct xs_handle *xsh, const struct boot_domain_info *bi)
{
    char dom[PATH_LEN], vm[PATH_LEN], lx[PATH_LEN], cpu[32], start[48];
    struct timeval tv;

    gettimeofday(&tv, NULL);
    snprintf(start, sizeof(start), "%jd.%02d", (intmax_t)tv.tv_sec, (int)tv.tv_usec / 10000);
    snprintf(dom, sizeof(dom), "/local/domain/%u", bi->domid);
    snprintf(vm, sizeof(vm), "/vm/%s", bi->uuid);
    snprintf(lx, sizeof(lx), "/libxl/%u", bi->domid);
    for (int attempt = 0; attempt < 10; attempt++) {
        struct writer w = { xsh, xs_transaction_start(xsh), bi->domid, "" };

        if (w.t == XBT_NULL) {
            complain(bi->domid, "cannot start a xenstore transaction: %s", strerror(errno));
            return -1;
        }
        put(&w, vm, "name", -1, "%s", bi->name);
        put(&w, vm, "uuid", -1, "%s", bi->uuid);
        put(&w, vm, "start_time", -1, "%s", start);

        put(&w, dom, "", 0, "");
        put(&w, dom, "vm", 0, "/vm/%s", bi->uuid);
        put(&w, dom, "name", 0, "%s", bi->name);
        put(&w, dom, "domid", 0, "%u", bi->domid);
        put(&w, dom, "cpu", 0, "");
        for (unsigned int i = 0; i <= bi->max_vcpu_id; i++) {
            snprintf(cpu, sizeof(cpu), "cpu/%u/availability", i);
            put(&w, dom, cpu, 0, "online");
        }
        put(&w, dom, "memory", 0, "");
        put(&w, dom, "memory/static-max", 0, "%" PRIu64, bi->max_memkb);
        put(&w, dom, "memory/target", 0, "%" PRIu64, bi->target_memkb);
        put(&w, dom, "memory/videoram", 0, "-1");
        put(&w, dom, "device", 1, "");
        put(&w, dom, "device/suspend", 1, "");
        put(&w, dom, "device/suspend/event-channel", 1, "");
        put(&w, dom, "control", 1, "");
        put(&w, dom, "control/shutdown", 1, "");
        put(&w, dom, "control/feature-poweroff", 1, "1");
        put(&w, dom, "control/feature-reboot", 1, "1");
        put(&w, dom, "control/feature-suspend", 1, "");
        put(&w, dom, "control/sysrq", 1, "");
        put(&w, dom, "control/platform-feature-multiprocessor-suspend", 1, "1");
        put(&w, dom, "control/platform-feature-xs_reset_watches", 1, "1");
        put(&w, dom, "data", 1, "");
        put(&w, dom, "drivers", 1, "");
        put(&w, dom, "feature", 1, "");
        put(&w, dom, "attr", 1, "");
        put(&w, dom, "error", 1, "");
        put(&w, dom, "store/port", 0, "%" PRIu64, bi->store_port);
        put(&w, dom, "store/ring-ref", 0, "%llu", XENSTORE_GFN);
        /* The primary console, as libxl writes it for xenconsoled (tty is xenconsoled's). */
        put(&w, dom, "console", 0, "");
        put(&w, dom, "console/backend-id", 0, "0");
        put(&w, dom, "console/limit", 0, CONSOLE_LIMIT);
        put(&w, dom, "console/type", 0, "xenconsoled");
        put(&w, dom, "console/output", 0, "pty");
        put(&w, dom, "console/tty", 0, "");
        put(&w, dom, "console/port", 0, "%" PRIu64, bi->console_port);
        put(&w, dom, "console/ring-ref", 0, "%" PRIu64, bi->console_gfn);

        put(&w, lx, "type", -1, "pvh");
        put(&w, lx, "dm-version", -1, "qemu_xen");

        if (w.failed[0]) {
            xs_transaction_end(xsh, w.t, true);
            complain(bi->domid, "cannot write %s", w.failed);
            return -1;
        }
        if (xs_transaction_end(xsh, w.t, false))
            return 0;
        if (errno != EAGAIN) {
            complain(bi->domid, "xenstore transaction failed: %s", strerror(errno));
            return -1;
        }
    }
    complain(bi->domid, "xenstore transaction kept conflicting (EAGAIN 10 times)");
    return -1;
}

static void remove_nodes(struct xs_handle *xsh, const struct boot_domain_info *bi)
{
    char path[PATH_LEN];

    snprintf(path, sizeof(path), "/local/domain/%u", bi->domid);
    xs_rm(xsh, XBT_NULL, path);
    snprintf(path, sizeof(path), "/vm/%s", bi->uuid);
    xs_rm(xsh, XBT_NULL, path);
    snprintf(path, sizeof(path), "/libxl/%u", bi->domid);
    xs_rm(xsh, XBT_NULL, path);
}

/* libxl's stub configuration, as init-dom0less stores it: xl list -l reads it. */
static int store_stub_json(libxl_ctx *ctx, unsigned int domid, libxl_uuid *uuid)
{
    libxl_domain_config cfg;
    char *json;
    int rc;

    libxl_domain_config_init(&cfg);
    cfg.c_info.type = LIBXL_DOMAIN_TYPE_PVH;
    libxl_domain_build_info_init_type(&cfg.b_info, LIBXL_DOMAIN_TYPE_PVH);
    libxl_uuid_copy(ctx, &cfg.c_info.uuid, uuid);
    json = libxl_domain_config_to_json(ctx, &cfg);
    rc = json ? libxl_userdata_store(ctx, domid, "libxl-json", (const uint8_t *)json,
                                     strlen(json) + 1)
              : -1;
    free(json);
    libxl_domain_config_dispose(&cfg);
    return rc;
}

/* A name xl can use: the command line's, unless another domain already has it. */
static const char *pick_name(libxl_ctx *ctx, unsigned int domid, char *fallback, size_t len)
{
    const char *name = name_from_cmdline(domid);
    uint32_t other;

    snprintf(fallback, len, "dom0less-%u", domid);
    if (!name) {
        say("d%u: no tern.bootdomain= name on the command line: %s", domid, fallback);
        return fallback;
    }
    if (libxl_name_to_domid(ctx, name, &other) == 0 && other != domid) {
        say("d%u: the name '%s' is domain %u's: %s", domid, name, other, fallback);
        return fallback;
    }
    return name;
}

static int get_param(xc_interface *xch, unsigned int domid, int param, const char *what,
                     uint64_t *v)
{
    if (xc_hvm_param_get(xch, domid, param, v) == 0)
        return 0;
    complain(domid, "cannot read %s: %s", what, strerror(errno));
    return -1;
}

/* 1: introduced, 0: not a candidate (skipped with a note), -1: failed. */
static int introduce(libxl_ctx *ctx, xc_interface *xch, struct xs_handle *xsh,
                     const libxl_dominfo *info)
{
    struct boot_domain_info bi = { .domid = info->domid };
    char fallback[NAME_LEN];
    uint64_t store_pfn;
    libxl_uuid uuid;

    if (get_param(xch, bi.domid, HVM_PARAM_STORE_EVTCHN, "HVM_PARAM_STORE_EVTCHN",
                  &bi.store_port) ||
        get_param(xch, bi.domid, HVM_PARAM_STORE_PFN, "HVM_PARAM_STORE_PFN", &store_pfn))
        return -1;
    /* A domain libxl is building right now has a real STORE_PFN: not ours to touch. */
    if (!bi.store_port || store_pfn != ~0ULL) {
        say("d%u: not waiting for xenstore (store port %" PRIu64 ", STORE_PFN %#" PRIx64
            "): left alone", bi.domid, bi.store_port, store_pfn);
        return 0;
    }
    if (get_param(xch, bi.domid, HVM_PARAM_CONSOLE_EVTCHN, "HVM_PARAM_CONSOLE_EVTCHN",
                  &bi.console_port) ||
        get_param(xch, bi.domid, HVM_PARAM_CONSOLE_PFN, "HVM_PARAM_CONSOLE_PFN",
                  &bi.console_gfn))
        return -1;
    if (!bi.console_port || !bi.console_gfn) {
        complain(bi.domid, "no console ring (port %" PRIu64 ", gfn %#" PRIx64 ")",
                 bi.console_port, bi.console_gfn);
        return -1;
    }
    bi.name = pick_name(ctx, bi.domid, fallback, sizeof(fallback));
    bi.max_memkb = info->max_memkb;
    bi.target_memkb = info->current_memkb;
    bi.max_vcpu_id = info->vcpu_max_id;

    /* Tern populated the store page; it was never the guest's to use yet. */
    if (xc_clear_domain_page(xch, bi.domid, XENSTORE_GFN)) {
        complain(bi.domid, "cannot clear its xenstore page (gfn %#llx): %s", XENSTORE_GFN,
                 strerror(errno));
        return -1;
    }
    /* Grant entries 0 and 1 let xenconsoled map the ring by grant; without them it maps
     * the gfn itself, so a failure here is only a note. */
    if (xc_dom_gnttab_seed(xch, bi.domid, true, bi.console_gfn, XENSTORE_GFN, 0, 0))
        say("d%u: could not seed its grant table (%s); xenconsoled maps the ring by gfn",
            bi.domid, strerror(errno));
    libxl_uuid_generate(&uuid);
    snprintf(bi.uuid, sizeof(bi.uuid), LIBXL_UUID_FMT, LIBXL_UUID_BYTES(uuid));
    if (xc_domain_sethandle(xch, bi.domid, libxl_uuid_bytearray(&uuid))) {
        complain(bi.domid, "cannot set its handle (UUID): %s", strerror(errno));
        return -1;
    }
    if (store_stub_json(ctx, bi.domid, &uuid))
        say("d%u: could not store libxl's stub JSON; xl list -l will not show it", bi.domid);
    if (write_nodes(xsh, &bi))
        return -1;
    if (!xs_introduce_domain(xsh, bi.domid, XENSTORE_GFN, (unsigned int)bi.store_port)) {
        complain(bi.domid, "XS_INTRODUCE failed: %s", strerror(errno));
        remove_nodes(xsh, &bi);
        return -1;
    }
    /* Last: xenstored has bound the store port, so the event Tern raises now is heard. */
    if (xc_hvm_param_set(xch, bi.domid, HVM_PARAM_STORE_PFN, XENSTORE_GFN)) {
        complain(bi.domid, "cannot set HVM_PARAM_STORE_PFN: %s", strerror(errno));
        xs_release_domain(xsh, bi.domid);
        remove_nodes(xsh, &bi);
        return -1;
    }
    say("d%u (%s) introduced: store port %" PRIu64 ", console port %" PRIu64 " (gfn %#" PRIx64
        ")", bi.domid, bi.name, bi.store_port, bi.console_port, bi.console_gfn);
    return 1;
}

static bool wanted(unsigned int domid, int argc, char **argv)
{
    if (argc < 2)
        return domid != 0;
    for (int i = 1; i < argc; i++)
        if (strtoul(argv[i], NULL, 10) == domid)
            return true;
    return false;
}

int main(int argc, char **argv)
{
    xentoollog_logger_stdiostream *log = xtl_createlogger_stdiostream(stderr, XTL_ERROR, 0);
    struct xs_handle *xsh = xs_open(0);
    xc_interface *xch = xc_interface_open(NULL, NULL, 0);
    libxl_ctx *ctx = NULL;
    libxl_dominfo *info = NULL;
    int nr = 0, introduced = 0, failed = 0;

    for (int i = 1; i < argc; i++) {
        char *end;
        unsigned long id = strtoul(argv[i], &end, 10);
        if (*end || end == argv[i] || id == 0 || id >= DOMID_FIRST_RESERVED) {
            fprintf(stderr, "usage: %s [domid...] (ids of domains other than 0)\n", prog);
            return 2;
        }
    }
    if (!xsh || !xch || !log ||
        libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, (xentoollog_logger *)log)) {
        fprintf(stderr, "%s: cannot open %s\n", prog,
                !xsh ? "xenstore" : !xch ? "libxenctrl" : "libxl");
        return 2;
    }
    info = libxl_list_domain(ctx, &nr);
    if (!info) {
        fprintf(stderr, "%s: cannot list the domains\n", prog);
        return 2;
    }
    read_names();
    for (int i = 0; i < nr; i++) {
        unsigned int domid = info[i].domid;

        if (!wanted(domid, argc, argv))
            continue;
        if (info[i].dying || info[i].shutdown) {
            say("d%u: shutting down or dying: left alone", domid);
            continue;
        }
        if (xs_is_domain_introduced(xsh, domid)) {
            say("d%u: already known to xenstore", domid);
            continue;
        }
        int rc = introduce(ctx, xch, xsh, &info[i]);
        if (rc > 0)
            introduced++;
        else if (rc < 0)
            failed++;
    }
    say("%d introduced, %d failed", introduced, failed);
    libxl_dominfo_list_free(info, nr);
    libxl_ctx_free(ctx);
    xc_interface_close(xch);
    xs_close(xsh);
    xtl_logger_destroy((xentoollog_logger *)log);
    return failed ? 1 : 0;
}
