/* SPDX-License-Identifier: MIT */
/* xen_version, console_io, hvm_op, vm_assist, and hypercall numbers Tern does not have. */
#include "fuzz.h"

uint64_t fz_max_pages;
long fz_xen_version;

/* ---- xen_version ------------------------------------------------------------------------ */

/* Fixed-size strings come back NUL-terminated and zero after the NUL: anything else there
 * would be Tern's own memory. note[0]: the buffer (in our lane 1), note[1]: its size. */
static void check_version_string(struct fz_call *c, long rc)
{
    const char *s = (const char *)(uintptr_t)c->note[0];
    size_t n = (size_t)c->note[1], len;

    if (rc || !s)
        return;
    len = strnlen(s, n);
    if (len == n) {
        fz_fail(c, rc, "xen_version string of %zu bytes is not NUL-terminated", n);
        return;
    }
    for (size_t i = len; i < n; i++) {
        if (s[i]) {
            fz_fail(c, rc, "xen_version string \"%s\": byte %zu of %zu after its NUL is %#x",
                    s, i, n, (unsigned char)s[i]);
            return;
        }
    }
}

static void check_version(struct fz_call *c, long rc)
{
    if (c->a[0] == XENVER_version && rc != fz_xen_version)
        fz_fail(c, rc, "XENVER_version said %#lx at the start", fz_xen_version);
    else if (c->a[0] == XENVER_pagesize && rc > 0 && rc != PAGE_SIZE)
        fz_fail(c, rc, "XENVER_pagesize must be 4096");
    else
        check_version_string(c, rc);
}

void gen_xen_version(struct fz *f, struct fz_call *c)
{
    static const size_t out_len[] = {
        [XENVER_extraversion] = sizeof(xen_extraversion_t),
        [XENVER_compile_info] = sizeof(struct xen_compile_info),
        [XENVER_capabilities] = sizeof(xen_capabilities_info_t),
        [XENVER_changeset] = sizeof(xen_changeset_info_t),
        [XENVER_platform_parameters] = sizeof(struct xen_platform_parameters),
        [XENVER_guest_handle] = 16,
        [XENVER_commandline] = sizeof(xen_commandline_t),
    };
    int cmd = (int)PICK(f, 10, 10, 10, 10, 10, 10, 10, 10, 5, 5, 5, 5);

    c->nr = __HYPERVISOR_xen_version;
    c->name = "xen_version";
    c->verify = check_version;
    switch (cmd) {
    case XENVER_version:
    case XENVER_pagesize:
        c->a[1] = pct(f, 70) ? 0 : fz_u64(f);
        c->max_rc = cmd == XENVER_version ? 0xffffffffL : PAGE_SIZE;
        break;
    case XENVER_get_features: {
        struct xen_feature_info *fi = fz_lane_struct(f, sizeof(*fi));

        fi->submap_idx = pct(f, 70) ? (uint32_t)below(f, 3) : fz_u32(f);
        c->a[1] = fz_pass(f, c, fi, sizeof(*fi), 16);
        break;
    }
    case XENVER_build_id: {
        struct xen_build_id *b = fz_lane_struct(f, 64);

        b->len = pct(f, 50) ? (uint32_t)below(f, 60) : fz_u32(f);
        c->a[1] = one_in(f, 4) ? 0 : fz_pass(f, c, b, 64, 16);
        c->max_rc = 60; /* the id's length, if ever granted */
        break;
    }
    case 11:
        cmd = (int)fz_unknown_op(f, 11);
        c->a[1] = fz_bad_ptr(f);
        break;
    default:
        c->a[1] = fz_ptr_out(f, out_len[cmd]);
        /* Strings that landed whole in our lane are checked for leftovers. */
        if (cmd != XENVER_platform_parameters && cmd != XENVER_guest_handle &&
            cmd != XENVER_compile_info && fz_in_lane(f, 1, c->a[1], out_len[cmd])) {
            memset((void *)(uintptr_t)c->a[1], 0xa5, out_len[cmd]);
            c->note[0] = c->a[1];
            c->note[1] = out_len[cmd];
        }
        break;
    }
    c->a[0] = (uint64_t)(int64_t)cmd;
}

/* ---- console_io ------------------------------------------------------------------------ */

/*
 * Writes print what they read on the serial console: only bad addresses (nothing gets
 * printed), zero counts, buffers whose first chunk already runs into the unmapped page,
 * and now and then one whole line of our own, so that the log stays readable and no
 * partial line of junk runs into the result line.
 */
void gen_console_io(struct fz *f, struct fz_call *c)
{
    static const char line[] = "hcfuzz: a line through CONSOLEIO_write\n";
    uint64_t lane1_end = (uintptr_t)f->lane[1] + FZ_LANE_BYTES;

    c->nr = __HYPERVISOR_console_io;
    c->name = "console_io";
    switch (PICK(f, 30, 25, 15, 1, 14, 15)) {
    case 0:
        c->a[0] = CONSOLEIO_write;
        c->a[1] = 0;
        c->a[2] = fz_ptr_ro(f, 1);
        break;
    case 1:
        c->a[0] = CONSOLEIO_write;
        c->a[1] = pct(f, 50) ? 1 + below(f, 4096) : fz_u32(f);
        c->a[2] = fz_bad_ptr(f);
        break;
    case 2: /* the first 128-byte chunk crosses into the unmapped page after lane 1 */
        c->a[0] = CONSOLEIO_write;
        c->a[1] = 2 + below(f, 127);
        c->a[2] = lane1_end - 1 - below(f, c->a[1] - 1);
        break;
    case 3:
        c->a[0] = CONSOLEIO_write;
        c->a[1] = one_in(f, 8) ? sizeof(line) - 1 : 0;
        c->a[2] = (uintptr_t)line;
        break;
    case 4:
        c->a[0] = CONSOLEIO_read;
        c->a[1] = fz_u32(f);
        c->a[2] = fz_ptr_out(f, 64);
        break;
    default:
        c->a[0] = 2 + below(f, 100);
        c->a[1] = fz_u32(f);
        c->a[2] = fz_bad_ptr(f);
        break;
    }
    /* The command is an int: junk above bit 31 is Tern's to ignore or refuse. */
    if (one_in(f, 20))
        c->a[0] |= fz_u64(f) << 32;
    /* Ours, with junk above bit 31, must not start printing: keep those to bad buffers. */
    if ((c->a[0] >> 32) && (uint32_t)c->a[0] == CONSOLEIO_write)
        c->a[2] = fz_bad_ptr(f);
}

/* ---- hvm_op ---------------------------------------------------------------------------- */

static void check_get_time(struct fz_call *c, long rc)
{
    const struct xen_hvm_get_time *t = (const void *)(uintptr_t)c->note[0];
    uint64_t now = now_ns();

    if (rc || !t)
        return;
    /* Between the clock before the call and after it (with 100 ms of slack). */
    if (t->now + MS(100) < c->note[1] || t->now > now + MS(100))
        fz_fail(c, rc, "HVMOP_get_time says %lu ns; our clock read %lu before, %lu after",
                t->now, c->note[1], now);
}

static uint32_t param_index(struct fz *f)
{
    switch (PICK(f, 60, 10, 15, 15)) {
    case 0:
        return (uint32_t)below(f, HVM_NR_PARAMS);
    case 1:
        return HVM_NR_PARAMS + (uint32_t)below(f, 5);
    case 2:
        return HVM_PARAM_CALLBACK_IRQ;
    default:
        return fz_u32(f);
    }
}

void gen_hvm_op(struct fz *f, struct fz_call *c)
{
    unsigned int op = PICK(f, 30, 30, 10, 5, 5, 20);
    void *s = fz_lane_struct(f, 32);
    size_t len = 0;

    c->nr = __HYPERVISOR_hvm_op;
    switch (op) {
    case 0:
    case 1: {
        struct xen_hvm_param *p = s;

        op = op ? HVMOP_get_param : HVMOP_set_param;
        p->domid = fz_domid(f);
        p->index = param_index(f);
        p->value = fz_u64(f);
        /*
         * Our own callback: the runtime's vector, or one Xen refuses (a vector below
         * 0x10). Any other would stop event delivery to the runtime (a GSI or PCI
         * callback, another vector, or none).
         */
        if (op == HVMOP_set_param && fz_is_self(p->domid) &&
            p->index == HVM_PARAM_CALLBACK_IRQ)
            p->value = one_in(f, 2) ? cfg.callback_irq
                                    : HVM_PARAM_CALLBACK_VIA(HVM_PARAM_CALLBACK_TYPE_VECTOR,
                                                             below(f, 0x10));
        c->name = op == HVMOP_set_param ? "hvm_op/set_param" : "hvm_op/get_param";
        len = sizeof(*p);
        break;
    }
    case 2: {
        struct xen_hvm_get_time *t = s;

        op = HVMOP_get_time;
        c->name = "hvm_op/get_time";
        c->verify = check_get_time;
        c->note[1] = now_ns();
        if (one_in(f, 4)) {
            c->a[1] = fz_ptr_out(f, sizeof(*t));
        } else {
            c->a[1] = fz_pass(f, c, t, sizeof(*t), 0);
            c->note[0] = (uintptr_t)t;
        }
        c->a[0] = op;
        return;
    }
    case 3: {
        struct xen_hvm_pagetable_dying *p = s;

        op = HVMOP_pagetable_dying;
        p->domid = fz_domid(f);
        p->gpa = fz_u64(f);
        c->name = "hvm_op/pagetable_dying";
        len = sizeof(*p);
        break;
    }
    case 4: {
        struct xen_hvm_evtchn_upcall_vector *u = s;

        /* Never a usable vector for a vCPU we have: events would arrive as a LAPIC
         * interrupt the runtime does not EOI. */
        op = HVMOP_set_evtchn_upcall_vector;
        u->vcpu = fz_vcpu_id(f);
        u->vector = (uint8_t)(u->vcpu < cfg.nr_vcpus ? below(f, 0x10) : rnd(f));
        c->name = "hvm_op/set_evtchn_upcall_vector";
        len = sizeof(*u);
        break;
    }
    default:
        /* Others (toolstack, altp2m, mem access...): all-ones, so versions, domids and
         * addresses in the struct are never valid ones. */
        op = one_in(f, 2) ? (unsigned int)below(f, 30) : fz_u32(f);
        if (op <= HVMOP_get_param || op == HVMOP_set_evtchn_upcall_vector)
            op = HVMOP_xentrace;
        memset(s, 0xff, 32);
        c->name = "hvm_op/other";
        len = 32;
        break;
    }
    c->a[0] = op;
    c->a[1] = fz_pass(f, c, s, len, 16);
}

/* ---- vm_assist, unknown numbers ------------------------------------------------------- */

void gen_vm_assist(struct fz *f, struct fz_call *c)
{
    c->nr = __HYPERVISOR_vm_assist;
    c->name = "vm_assist";
    c->a[0] = pct(f, 80) ? below(f, 2) : fz_u64(f);
    c->a[1] = pct(f, 70) ? below(f, 8) : fz_u64(f);
}

/*
 * Hypercall numbers Tern has no handler for: PV-only ones, ones Xen offers HVM guests that
 * Tern lacks (physdev_op, dm_op, argo, hypfs...), and numbers past the table. Multicall
 * (13) is gen_multicall's: with a readable list and a huge count it would run anything.
 * Arguments are bad addresses and small or huge numbers, nothing that points at us.
 */
void gen_unknown(struct fz *f, struct fz_call *c)
{
    static const uint16_t nrs[] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 14, 16, 19, 22,
                                    23, 25, 26, 27, 28, 30, 31, 33, 35, 36, 37, 38, 39, 40,
                                    41, 42, 48, 49, 50, 55, 63 };

    switch (PICK(f, 70, 15, 15)) {
    case 0:
        c->nr = nrs[below(f, ARRAY_SIZE(nrs))];
        break;
    case 1:
        c->nr = 64 + below(f, 1000);
        break;
    default:
        c->nr = rnd(f) | 64; /* never below 64 */
        break;
    }
    c->name = "unknown hypercall";
    for (unsigned int i = 0; i < 5; i++) {
        switch (below(f, 3)) {
        case 0:
            c->a[i] = fz_bad_ptr(f);
            break;
        case 1:
            c->a[i] = below(f, 4);
            break;
        default:
            c->a[i] = rnd(f) | (1ULL << 48);
            break;
        }
    }
}

/* Each entry's result against what its call must give (see gen_multicall). */
static void check_multicall(struct fz_call *c, long rc)
{
    const struct multicall_entry *e = (const struct multicall_entry *)(uintptr_t)c->note[0];

    if (rc != 0 || !e)
        return; /* a refused list: nothing ran */
    for (unsigned int i = 0; i < c->note[1]; i++) {
        long want = e[i].op == __HYPERVISOR_xen_version ?
                        (e[i].args[0] == XENVER_pagesize ? (long)PAGE_SIZE : fz_xen_version) :
                    e[i].op == __HYPERVISOR_multicall ? -EINVAL : -ENOSYS;
        if ((long)e[i].result != want)
            fz_fail(c, rc, "multicall entry %u (hypercall %lu): result %ld, expected %ld", i,
                    (unsigned long)e[i].op, (long)e[i].result, want);
    }
}

/*
 * multicall with up to 16 entries in our own memory whose calls cannot hurt us (xen_version,
 * a nested multicall, unknown numbers), or a list at a bad address. nr_calls stays small:
 * a huge count over readable memory would run whatever that memory says, for ever.
 */
void gen_multicall(struct fz *f, struct fz_call *c)
{
    unsigned int n = (unsigned int)below(f, 17);
    struct multicall_entry *e = fz_lane_struct(f, 16 * sizeof(*e));

    c->nr = __HYPERVISOR_multicall;
    c->name = "multicall";
    if (pct(f, 10)) {
        c->a[0] = fz_bad_ptr(f);
        c->a[1] = 1 + below(f, 16);
        return;
    }
    for (unsigned int i = 0; i < n; i++) {
        switch (below(f, 4)) {
        case 0:
            e[i].op = __HYPERVISOR_xen_version;
            e[i].args[0] = XENVER_version;
            break;
        case 1:
            e[i].op = __HYPERVISOR_xen_version;
            e[i].args[0] = XENVER_pagesize;
            break;
        case 2:
            e[i].op = __HYPERVISOR_multicall; /* nested: -EINVAL, runs nothing */
            e[i].args[0] = (uintptr_t)e;
            e[i].args[1] = n;
            break;
        default:
            e[i].op = 64 + below(f, 1000);
            break;
        }
        e[i].result = 0x5a5a5a5a;
    }
    c->a[0] = (uintptr_t)e;
    c->a[1] = n;
    c->note[0] = (uintptr_t)e;
    c->note[1] = n;
    c->verify = check_multicall;
}
