// SPDX-License-Identifier: MIT
// xl.cfg parser: turns a domain's configuration text (a Multiboot module) into struct xl_config.
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/types.h>
#include <tern/xlcfg.h>

/*
 * The syntax is libxlu's: statements "key = value" end at a newline or ';'; a value is a
 * "string", a 'string' (both with C escapes), a number, or a [ list ] of values that may span
 * lines, nest, and end with a trailing ','; '#' starts a comment. Keys are lower case. Unlike
 * libxlu we accept CRLF line ends and upper-case letters get a clearer error.
 */

enum tok_kind {
    T_EOF,
    T_NEWLINE,
    T_SEMI,
    T_EQUALS,
    T_PLUS_EQUALS,
    T_LBRACKET,
    T_RBRACKET,
    T_COMMA,
    T_IDENT,
    T_NUMBER,
    T_STRING,
};

/* For T_STRING, s and len cover the text between the quotes, escapes still encoded. */
struct token {
    enum tok_kind kind;
    const char *s;
    size_t len;
    unsigned int line;
};

struct parser {
    const char *p, *end;
    unsigned int line;
    char *err;
    size_t errlen;
    struct token tok; /* the current token */
};

/* A parsed value: one scalar token, or a list to walk again from list_p. */
struct value {
    bool is_list;
    bool nested;
    unsigned int nr_items;
    struct token scalar;
    const char *list_p; /* just past the '[' */
    unsigned int list_line;
    unsigned int line; /* where the value starts */
};

enum key_id {
    K_NAME,
    K_TYPE,
    K_BUILDER,
    K_PVH,
    K_MEMORY,
    K_MAXMEM,
    K_VCPUS,
    K_MAXVCPUS,
    K_KERNEL,
    K_RAMDISK,
    K_CMDLINE,
    K_ROOT,
    K_EXTRA,
    K_ON_POWEROFF,
    K_ON_REBOOT,
    K_ON_CRASH,
    K_ON_WATCHDOG,
    K_ON_SOFT_RESET,
    K_CPUS,
    K_MAX_EVENT_CHANNELS,
    NR_KEYS,
};

static const char *const key_names[NR_KEYS] = {
    [K_NAME] = "name",
    [K_TYPE] = "type",
    [K_BUILDER] = "builder",
    [K_PVH] = "pvh",
    [K_MEMORY] = "memory",
    [K_MAXMEM] = "maxmem",
    [K_VCPUS] = "vcpus",
    [K_MAXVCPUS] = "maxvcpus",
    [K_KERNEL] = "kernel",
    [K_RAMDISK] = "ramdisk",
    [K_CMDLINE] = "cmdline",
    [K_ROOT] = "root",
    [K_EXTRA] = "extra",
    [K_ON_POWEROFF] = "on_poweroff",
    [K_ON_REBOOT] = "on_reboot",
    [K_ON_CRASH] = "on_crash",
    [K_ON_WATCHDOG] = "on_watchdog",
    [K_ON_SOFT_RESET] = "on_soft_reset",
    [K_CPUS] = "cpus",
    [K_MAX_EVENT_CHANNELS] = "max_event_channels",
};

/* Keys of xl.cfg that Tern knows but does not implement yet: warned about, then ignored. */
static const char *const unsupported_keys[] = {
    "acpi", "acpi_s3", "acpi_s4", "altp2m", "apic", "boot", "bootloader", "bootloader_args",
    "channel", "claim_mode", "cpu_cap", "cpu_weight", "cpuid", "cpus_soft", "device_model_args",
    "device_model_override", "device_model_stubdomain_override", "device_model_user",
    "device_model_version", "device_tree", "disk", "dm_restrict", "driver_domain", "dtdev",
    "e820_host", "extra_config", "firmware", "firmware_override", "gfx_passthru", "hap", "hpet",
    "init_seclabel", "iomem", "ioports", "irqs", "keymap", "localtime", "max_grant_frames",
    "max_grant_version", "max_maptrack_frames", "mca_caps", "mmio_hole", "ms_vm_genid",
    "msr_relaxed", "nestedhvm", "nographic", "nomigrate", "opengl", "p9", "pae",
    "passthrough", "pci", "pool", "pvcalls", "pvshim", "pvshim_cmdline", "pvshim_extra",
    "pvshim_path", "rdm", "rdm_mem_boundary", "rtc_timeoffset", "sdl", "seclabel", "serial",
    "shadow_memory", "smbios", "soundhw", "spice", "stdvga", "stubdomain_kernel",
    "stubdomain_memory", "stubdomain_ramdisk", "timer_mode", "tsc_mode", "usb", "usbctrl",
    "usbdev", "usbdevice", "usbversion", "uuid", "vdispl", "vfb", "vga", "videoram", "vif",
    "viridian", "vkb", "vmtrace_buf_kb", "vnc", "vncconsole", "vncdisplay", "vnclisten",
    "vncpasswd", "vncunused", "vnuma", "vpmu", "vpt_align", "vsnd", "vtpm", "vuart",
    "xen_platform_pci",
};

static const char *const action_names[] = {
    [XL_ACTION_DESTROY] = "destroy",
    [XL_ACTION_RESTART] = "restart",
    [XL_ACTION_RENAME_RESTART] = "rename-restart",
    [XL_ACTION_PRESERVE] = "preserve",
    [XL_ACTION_COREDUMP_DESTROY] = "coredump-destroy",
    [XL_ACTION_COREDUMP_RESTART] = "coredump-restart",
    [XL_ACTION_SOFT_RESET] = "soft-reset",
};

static const char *const type_names[] = {
    [XL_TYPE_PVH] = "pvh",
    [XL_TYPE_HVM] = "hvm",
    [XL_TYPE_PV] = "pv",
};

/* Lists nest in xl (vnuma=); deeper than this is certainly not a real configuration. */
#define MAX_LIST_DEPTH 8
/* Values quoted back in messages are cut here so one message stays readable. */
#define SHOW_MAX 40

/* What the parser remembers between statements, for the checks done at the end. */
struct state {
    unsigned int key_line[NR_KEYS]; /* where each key was last set, 0 = never */
    struct token root, extra;       /* decoded at the end, into cfg->cmdline */
    enum xl_type builder_type, pvh_type;
    bool pvh;
};

const char *xl_action_name(enum xl_action action)
{
    if ((unsigned int)action < ARRAY_SIZE(action_names))
        return action_names[action];
    return "unknown";
}

const char *xl_type_name(enum xl_type type)
{
    if ((unsigned int)type < ARRAY_SIZE(type_names))
        return type_names[type];
    return "unknown";
}

/* ---- messages ------------------------------------------------------------------------------- */

/* Formats "line N: <message>" (no prefix when line is 0) into the caller's buffer. */
static int __printf(3, 4) fail(struct parser *ps, unsigned int line, const char *fmt, ...)
{
    va_list ap;
    int n = 0;

    if (!ps->err || ps->errlen == 0)
        return -EINVAL;
    if (line)
        n = snprintf(ps->err, ps->errlen, "line %u: ", line);
    if (n < 0 || (size_t)n >= ps->errlen)
        return -EINVAL;
    va_start(ap, fmt);
    vsnprintf(ps->err + n, ps->errlen - (size_t)n, fmt, ap);
    va_end(ap);
    return -EINVAL;
}

/*
 * Copies up to SHOW_MAX bytes of s into buf (at least SHOW_MAX + 4 bytes) for quoting in a
 * message; bytes that are not printable ASCII become '?', so garbage cannot reach the console.
 */
static const char *show(char *buf, const char *s, size_t len)
{
    size_t n = MIN(len, (size_t)SHOW_MAX), i;

    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    if (len > SHOW_MAX) {
        buf[i++] = '.';
        buf[i++] = '.';
        buf[i++] = '.';
    }
    buf[i] = 0;
    return buf;
}

static const char *show_tok(char *buf, const struct token *t)
{
    return show(buf, t->s, t->len);
}

/* ---- lexer ---------------------------------------------------------------------------------- */

static bool is_lower(char c)
{
    return c >= 'a' && c <= 'z';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
    return is_lower(c) || is_digit(c) || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_blank(char c)
{
    /* '\r' is a blank so that CRLF files work; the '\n' ends the line. */
    return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Scans a quoted string starting at p (the quote); sets the token or fails. */
static int lex_string(struct parser *ps, const char *p)
{
    char quote = *p++;
    const char *start = p;

    while (p < ps->end && *p != quote) {
        if (*p == '\n')
            break;
        if (*p == 0)
            return fail(ps, ps->line, "NUL byte in a string");
        if (*p == '\\') {
            /* The escaped character is checked when the string is decoded. */
            if (ps->end - p < 2 || p[1] == '\n' || p[1] == 0)
                break;
            p++;
        }
        p++;
    }
    if (p == ps->end || *p != quote)
        return fail(ps, ps->line, "unterminated string (missing closing %c)", quote);
    ps->tok.kind = T_STRING;
    ps->tok.s = start;
    ps->tok.len = (size_t)(p - start);
    ps->p = p + 1;
    return 0;
}

/* Reads the next token into ps->tok, skipping blanks and comments. */
static int lex(struct parser *ps)
{
    const char *p = ps->p;
    struct token *t = &ps->tok;

    for (;;) {
        while (p < ps->end && is_blank(*p))
            p++;
        if (p == ps->end || *p != '#')
            break;
        while (p < ps->end && *p != '\n')
            p++;
    }
    t->line = ps->line;
    t->s = p;
    t->len = 1;
    if (p == ps->end) {
        t->kind = T_EOF;
        t->len = 0;
        ps->p = p;
        return 0;
    }
    switch (*p) {
    case '\n':
        t->kind = T_NEWLINE;
        ps->line++;
        break;
    case ';':
        t->kind = T_SEMI;
        break;
    case '=':
        t->kind = T_EQUALS;
        break;
    case '[':
        t->kind = T_LBRACKET;
        break;
    case ']':
        t->kind = T_RBRACKET;
        break;
    case ',':
        t->kind = T_COMMA;
        break;
    case '+':
        if (ps->end - p < 2 || p[1] != '=')
            return fail(ps, ps->line, "unexpected character '+'");
        t->kind = T_PLUS_EQUALS;
        t->len = 2;
        break;
    case '"':
    case '\'':
        return lex_string(ps, p);
    default:
        if (is_word(*p)) {
            /* Words starting with a digit are numbers: checked when a key wants a number. */
            const char *s = p;
            t->kind = is_digit(*p) ? T_NUMBER : T_IDENT;
            while (p < ps->end && is_word(*p))
                p++;
            t->len = (size_t)(p - s);
            ps->p = p;
            return 0;
        }
        unsigned char c = (unsigned char)*p;
        if (c >= 0x20 && c < 0x7f)
            return fail(ps, ps->line, "unexpected character '%c'", c);
        return fail(ps, ps->line, "unexpected byte 0x%02x", c);
    }
    ps->p = p + t->len;
    return 0;
}

static const char *describe(char *buf, const struct token *t)
{
    switch (t->kind) {
    case T_EOF:
        return "the end of the file";
    case T_NEWLINE:
        return "the end of the line";
    case T_STRING:
        return "a string";
    case T_NUMBER:
        return "a number";
    default: {
        size_t n = MIN(t->len, (size_t)SHOW_MAX);
        buf[0] = '\'';
        show(buf + 1, t->s, n);
        buf[n + 1] = '\'';
        buf[n + 2] = 0;
        return buf;
    }
    }
}

/* ---- values --------------------------------------------------------------------------------- */

static int hex_value(char c)
{
    if (is_digit(c))
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * Decodes a scalar token (escapes resolved) into dst, NUL-terminated, when dst is not NULL;
 * with dst NULL it only checks the escapes. Returns 0, -E2BIG when it does not fit in size
 * (nothing reported), or -EINVAL for a bad escape (reported).
 */
static int decode(struct parser *ps, const struct token *t, char *dst, size_t size,
                  size_t *out_len)
{
    const char *p = t->s, *e = t->s + t->len;
    size_t n = 0;

    while (p < e) {
        unsigned int c = (unsigned char)*p++;
        if (c == '\\' && t->kind == T_STRING && p < e) {
            char x = *p++;
            int d;
            switch (x) {
            case 'a': c = '\a'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'v': c = '\v'; break;
            case '\\': case '\'': case '"': c = (unsigned char)x; break;
            case 'x':
                if (p == e || hex_value(*p) < 0)
                    return fail(ps, t->line, "'\\x' without hex digits in a string");
                c = 0;
                for (int i = 0; i < 2 && p < e && (d = hex_value(*p)) >= 0; i++, p++)
                    c = c * 16 + (unsigned int)d;
                break;
            default:
                if (x < '0' || x > '7') {
                    unsigned char ux = (unsigned char)x;
                    if (ux >= 0x20 && ux < 0x7f)
                        return fail(ps, t->line, "invalid escape '\\%c' in a string", x);
                    return fail(ps, t->line, "invalid escape in a string");
                }
                c = (unsigned int)(x - '0');
                for (int i = 0; i < 2 && p < e && *p >= '0' && *p <= '7'; i++, p++)
                    c = c * 8 + (unsigned int)(*p - '0');
                if (c > 0xff)
                    return fail(ps, t->line, "octal escape above \\377 in a string");
                break;
            }
            if (c == 0)
                return fail(ps, t->line, "a string cannot contain a NUL character");
        }
        if (dst) {
            if (n + 1 >= size)
                return -E2BIG;
            dst[n] = (char)c;
        }
        n++;
    }
    if (dst)
        dst[n] = 0;
    if (out_len)
        *out_len = n;
    return 0;
}

/* libxlu's numbers: decimal, 0x hex, or octal with a leading 0; all of s must be digits. */
static bool parse_number(const char *s, size_t len, uint64_t *out)
{
    unsigned int base = 10;
    uint64_t v = 0;
    size_t i = 0;

    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        i = 2;
    } else if (len >= 2 && s[0] == '0') {
        base = 8;
        i = 1;
    }
    if (i >= len)
        return false;
    for (; i < len; i++) {
        int d = hex_value(s[i]);
        if (d < 0 || (unsigned int)d >= base)
            return false;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            return false;
        v = v * base + (uint64_t)d;
    }
    *out = v;
    return true;
}

/*
 * Reads one value after "key =": a scalar, or a list checked for syntax and skipped (its items
 * are walked again by for_each_item). Leaves the token after the value in ps->tok.
 */
static int parse_value(struct parser *ps, const struct token *key, struct value *v)
{
    char kb[SHOW_MAX + 4], tb[SHOW_MAX + 4];
    unsigned int depth = 1;
    bool want_item = true;
    int rc;

    memset(v, 0, sizeof(*v));
    v->line = ps->tok.line;
    switch (ps->tok.kind) {
    case T_STRING:
    case T_NUMBER:
        v->scalar = ps->tok;
        rc = decode(ps, &ps->tok, NULL, 0, NULL);
        return rc ? rc : lex(ps);
    case T_IDENT:
        return fail(ps, ps->tok.line, "the value of '%s' must be quoted: \"%s\"",
                    show_tok(kb, key), show_tok(tb, &ps->tok));
    case T_LBRACKET:
        break;
    case T_NEWLINE:
    case T_SEMI:
    case T_EOF:
        return fail(ps, ps->tok.line, "missing value for '%s'", show_tok(kb, key));
    default:
        return fail(ps, ps->tok.line, "expected a value for '%s', found %s",
                    show_tok(kb, key), describe(tb, &ps->tok));
    }

    v->is_list = true;
    v->list_p = ps->p;
    v->list_line = ps->line;
    while (depth) {
        if ((rc = lex(ps)))
            return rc;
        switch (ps->tok.kind) {
        case T_NEWLINE:
            break;
        case T_EOF:
            return fail(ps, v->line, "the list of '%s' is never closed with ']'",
                        show_tok(kb, key));
        case T_STRING:
        case T_NUMBER:
        case T_LBRACKET:
            if (!want_item)
                return fail(ps, ps->tok.line, "expected ',' or ']' in the list of '%s'",
                            show_tok(kb, key));
            if (depth == 1)
                v->nr_items++;
            if (ps->tok.kind == T_LBRACKET) {
                if (++depth > MAX_LIST_DEPTH)
                    return fail(ps, ps->tok.line, "lists nested too deeply in '%s'",
                                show_tok(kb, key));
                v->nested = true;
            } else {
                if ((rc = decode(ps, &ps->tok, NULL, 0, NULL)))
                    return rc;
                want_item = false;
            }
            break;
        case T_RBRACKET:
            depth--;
            want_item = false;
            break;
        case T_COMMA:
            if (want_item)
                return fail(ps, ps->tok.line, "unexpected ',' in the list of '%s'",
                            show_tok(kb, key));
            want_item = true;
            break;
        case T_IDENT:
            return fail(ps, ps->tok.line, "list items of '%s' must be quoted: \"%s\"",
                        show_tok(kb, key), show_tok(tb, &ps->tok));
        default:
            return fail(ps, ps->tok.line, "unexpected %s in the list of '%s'",
                        describe(tb, &ps->tok), show_tok(kb, key));
        }
    }
    return lex(ps);
}

/* Calls fn on each item of a (flat) list value, in order. */
static int for_each_item(struct parser *ps, const struct value *v,
                         int (*fn)(struct parser *ps, const struct token *item, void *arg),
                         void *arg)
{
    struct parser sub = *ps;
    int rc;

    sub.p = v->list_p;
    sub.line = v->list_line;
    for (;;) {
        if ((rc = lex(&sub)))
            return rc;
        switch (sub.tok.kind) {
        case T_STRING:
        case T_NUMBER:
            if ((rc = fn(&sub, &sub.tok, arg)))
                return rc;
            break;
        case T_RBRACKET:
        case T_EOF: /* cannot happen: parse_value checked the list */
            return 0;
        default:
            break;
        }
    }
}

/* Decodes a single-value key into dst; too long or a list is an error naming the key. */
static int get_string(struct parser *ps, const char *key, const struct value *v, char *dst,
                      size_t size)
{
    int rc;

    if (v->is_list)
        return fail(ps, v->line, "%s must be a single value, not a list", key);
    rc = decode(ps, &v->scalar, dst, size, NULL);
    if (rc == -E2BIG)
        return fail(ps, v->line, "%s is too long (at most %zu characters)", key, size - 1);
    return rc;
}

/* A number-valued key; anything else fails with message (which names the key). */
static int get_number(struct parser *ps, const struct value *v, uint64_t *out,
                      const char *message)
{
    char buf[32];

    if (v->is_list || decode(ps, &v->scalar, buf, sizeof(buf), NULL) ||
        !parse_number(buf, strlen(buf), out))
        return fail(ps, v->line, "%s", message);
    return 0;
}

static int get_action(struct parser *ps, const char *key, const struct value *v,
                      enum xl_action *out)
{
    char buf[32], sb[SHOW_MAX + 4];
    int rc = get_string(ps, key, v, buf, sizeof(buf));

    if (rc == -EINVAL && v->is_list)
        return rc;
    if (rc == 0) {
        for (unsigned int i = 0; i < ARRAY_SIZE(action_names); i++) {
            if (!strcmp(buf, action_names[i])) {
                *out = (enum xl_action)i;
                return 0;
            }
        }
    }
    return fail(ps, v->line,
                "unknown action '%s' for %s (expected destroy, restart, rename-restart, "
                "preserve, coredump-destroy, coredump-restart or soft-reset)",
                show_tok(sb, &v->scalar), key);
}

/* ---- cpus= ---------------------------------------------------------------------------------- */

/* Reads a decimal CPU number at s[*i]; fails unless there is one and it is below 64. */
static int cpu_number(struct parser *ps, unsigned int line, const char *s, size_t len,
                      size_t *i, unsigned int *cpu)
{
    size_t start = *i;
    unsigned int v = 0;

    for (; *i < len && is_digit(s[*i]); (*i)++)
        if (v < 64)
            v = v * 10 + (unsigned int)(s[*i] - '0');
    if (*i == start)
        return fail(ps, line, "cpus: expected a CPU number, \"all\" or a range like \"0-3\"");
    if (v >= 64)
        return fail(ps, line, "cpus: CPU %.*s is beyond the 64 host CPUs Tern supports",
                    (int)MIN(*i - start, (size_t)20), s + start);
    *cpu = v;
    return 0;
}

/*
 * One xl CPU list: comma-separated "all", "N", "N-M", each optionally "^"-prefixed to remove
 * CPUs, applied left to right to an empty set. NUMA node forms are not supported.
 */
static int parse_cpulist(struct parser *ps, unsigned int line, const char *s, uint64_t *mask)
{
    size_t len = strlen(s), i = 0;

    if (len == 0)
        return fail(ps, line, "cpus: empty CPU list");
    while (i < len) {
        bool remove = false;
        uint64_t bits;
        unsigned int lo, hi;
        int rc;

        if (s[i] == '^') {
            remove = true;
            i++;
        }
        if (len - i >= 3 && !memcmp(s + i, "all", 3) && (i + 3 == len || s[i + 3] == ',')) {
            bits = XL_ALL_CPUS;
            i += 3;
        } else if ((len - i >= 4 && !memcmp(s + i, "node", 4))) {
            return fail(ps, line, "cpus: NUMA node affinity is not supported");
        } else {
            if ((rc = cpu_number(ps, line, s, len, &i, &lo)))
                return rc;
            hi = lo;
            if (i < len && s[i] == '-') {
                i++;
                if ((rc = cpu_number(ps, line, s, len, &i, &hi)))
                    return rc;
                if (hi < lo)
                    return fail(ps, line, "cpus: range %u-%u is backwards", lo, hi);
            }
            /* hi - lo + 1 can be 64: build the mask without shifting by 64. */
            bits = (XL_ALL_CPUS >> (63 - (hi - lo))) << lo;
        }
        if (remove)
            *mask &= ~bits;
        else
            *mask |= bits;
        if (i < len) {
            if (s[i] != ',') {
                char sb[SHOW_MAX + 4];
                return fail(ps, line, "cpus: unexpected '%s' in the CPU list",
                            show(sb, s + i, len - i));
            }
            if (++i == len)
                return fail(ps, line, "cpus: CPU list ends with ','");
        }
    }
    return 0;
}

struct cpus_arg {
    uint64_t mask;
};

static int cpus_item(struct parser *ps, const struct token *item, void *arg)
{
    struct cpus_arg *a = arg;
    char buf[256];
    int rc = decode(ps, item, buf, sizeof(buf), NULL);

    if (rc == -E2BIG)
        return fail(ps, item->line, "cpus is too long (at most %zu characters)",
                    sizeof(buf) - 1);
    if (rc)
        return rc;
    return parse_cpulist(ps, item->line, buf, &a->mask);
}

static int set_cpus(struct parser *ps, const struct value *v, struct xl_config *cfg)
{
    struct cpus_arg a = { 0 };
    int rc;

    if (!v->is_list) {
        rc = cpus_item(ps, &v->scalar, &a);
    } else {
        if (v->nested)
            return fail(ps, v->line, "cpus: a list of CPU lists cannot contain lists");
        if (v->nr_items == 0)
            return fail(ps, v->line, "cpus: empty list");
        rc = for_each_item(ps, v, cpus_item, &a);
        if (!rc && v->nr_items > 1)
            printk(XENLOG_WARNING "xl.cfg: line %u: per-vCPU cpus lists are merged: every vCPU "
                   "may run on any of the listed CPUs\n", v->line);
    }
    if (rc)
        return rc;
    if (a.mask == 0)
        return fail(ps, v->line, "cpus selects no CPU");
    cfg->cpu_affinity = a.mask;
    return 0;
}

/* ---- statements ----------------------------------------------------------------------------- */

static bool token_is(const struct token *t, const char *s)
{
    size_t n = strlen(s);
    return t->len == n && !memcmp(t->s, s, n);
}

static int set_known(struct parser *ps, struct state *st, enum key_id id, const struct value *v,
                     struct xl_config *cfg)
{
    const char *key = key_names[id];
    char buf[32], sb[SHOW_MAX + 4];
    uint64_t n;
    int rc;

    switch (id) {
    case K_NAME:
        return get_string(ps, key, v, cfg->name, sizeof(cfg->name));
    case K_KERNEL:
        return get_string(ps, key, v, cfg->kernel, sizeof(cfg->kernel));
    case K_RAMDISK:
        return get_string(ps, key, v, cfg->ramdisk, sizeof(cfg->ramdisk));
    case K_CMDLINE:
        return get_string(ps, key, v, cfg->cmdline, sizeof(cfg->cmdline));
    case K_ROOT:
    case K_EXTRA:
        /* Checked now, decoded into cmdline once all keys are known. */
        if (v->is_list)
            return fail(ps, v->line, "%s must be a single value, not a list", key);
        if (id == K_ROOT)
            st->root = v->scalar;
        else
            st->extra = v->scalar;
        return 0;
    case K_TYPE:
    case K_BUILDER:
        rc = get_string(ps, key, v, buf, sizeof(buf));
        if (rc && v->is_list)
            return rc;
        if (!rc && id == K_TYPE) {
            for (unsigned int i = 0; i < ARRAY_SIZE(type_names); i++) {
                if (!strcmp(buf, type_names[i])) {
                    cfg->type = (enum xl_type)i;
                    return 0;
                }
            }
        } else if (!rc) {
            if (!strcmp(buf, "hvm")) {
                st->builder_type = XL_TYPE_HVM;
                return 0;
            }
            if (!strcmp(buf, "generic")) {
                st->builder_type = XL_TYPE_PV;
                return 0;
            }
        }
        return fail(ps, v->line, "unknown %s '%s' (expected %s)", key,
                    show_tok(sb, &v->scalar),
                    id == K_TYPE ? "pvh, hvm or pv" : "hvm or generic");
    case K_PVH:
        if ((rc = get_number(ps, v, &n, "pvh must be a number (0 or 1)")))
            return rc;
        st->pvh = n != 0;
        return 0;
    case K_MEMORY:
    case K_MAXMEM:
        if ((rc = get_number(ps, v, &n, id == K_MEMORY ? "memory must be a number of MiB"
                                                       : "maxmem must be a number of MiB")))
            return rc;
        if (n < 1 || n > XL_MAX_MEMORY_MIB)
            return fail(ps, v->line, "%s must be between 1 and %llu MiB", key,
                        (unsigned long long)XL_MAX_MEMORY_MIB);
        if (id == K_MEMORY)
            cfg->memory_mib = n;
        else
            cfg->maxmem_mib = n;
        return 0;
    case K_VCPUS:
    case K_MAXVCPUS:
        snprintf(buf, sizeof(buf), "%s must be a number", key);
        if ((rc = get_number(ps, v, &n, buf)))
            return rc;
        if (n < 1 || n > XL_MAX_VCPUS)
            return fail(ps, v->line, "%s must be between 1 and %u", key, XL_MAX_VCPUS);
        if (id == K_VCPUS)
            cfg->vcpus = (unsigned int)n;
        else
            cfg->maxvcpus = (unsigned int)n;
        return 0;
    case K_ON_POWEROFF:
        return get_action(ps, key, v, &cfg->on_poweroff);
    case K_ON_REBOOT:
        return get_action(ps, key, v, &cfg->on_reboot);
    case K_ON_CRASH:
        return get_action(ps, key, v, &cfg->on_crash);
    case K_ON_WATCHDOG:
        return get_action(ps, key, v, &cfg->on_watchdog);
    case K_ON_SOFT_RESET:
        return get_action(ps, key, v, &cfg->on_soft_reset);
    case K_CPUS:
        return set_cpus(ps, v, cfg);
    case K_MAX_EVENT_CHANNELS:
        /* xl keeps any value (as libxl's uint32 event_channels); Tern's table caps it. */
        if ((rc = get_number(ps, v, &n, "max_event_channels must be a number")))
            return rc;
        if (n > 0xffffffffull)
            return fail(ps, v->line, "max_event_channels must be at most 4294967295");
        cfg->max_event_channels = (uint32_t)n;
        return 0;
    case NR_KEYS:
        break;
    }
    return 0;
}

/* Applies "key = value" (already parsed) to the configuration. */
static int apply(struct parser *ps, struct state *st, const struct token *key,
                 const struct value *v, struct xl_config *cfg)
{
    char kb[SHOW_MAX + 4];

    for (unsigned int id = 0; id < NR_KEYS; id++) {
        if (!token_is(key, key_names[id]))
            continue;
        if (st->key_line[id])
            printk(XENLOG_WARNING "xl.cfg: line %u: '%s' was already set on line %u; "
                   "the last value wins\n", key->line, key_names[id], st->key_line[id]);
        st->key_line[id] = key->line;
        return set_known(ps, st, (enum key_id)id, v, cfg);
    }
    for (unsigned int i = 0; i < ARRAY_SIZE(unsupported_keys); i++) {
        if (token_is(key, unsupported_keys[i])) {
            printk(XENLOG_WARNING "xl.cfg: line %u: '%s' is not supported yet, ignored\n",
                   key->line, unsupported_keys[i]);
            return 0;
        }
    }
    printk(XENLOG_WARNING "xl.cfg: line %u: unknown key '%s' ignored\n", key->line,
           show_tok(kb, key));
    return 0;
}

static int parse_statement(struct parser *ps, struct state *st, struct xl_config *cfg)
{
    char kb[SHOW_MAX + 4], tb[SHOW_MAX + 4];
    struct token key;
    struct value v;
    int rc;

    if (ps->tok.kind == T_NEWLINE || ps->tok.kind == T_SEMI)
        return lex(ps);
    if (ps->tok.kind != T_IDENT)
        return fail(ps, ps->tok.line, "expected a key, found %s", describe(tb, &ps->tok));
    key = ps->tok;
    for (size_t i = 0; i < key.len; i++)
        if (key.s[i] >= 'A' && key.s[i] <= 'Z')
            return fail(ps, key.line, "invalid key '%s': keys are lower case",
                        show_tok(kb, &key));
    if (!is_lower(key.s[0]))
        return fail(ps, key.line, "invalid key '%s': keys start with a lower-case letter",
                    show_tok(kb, &key));
    if ((rc = lex(ps)))
        return rc;
    if (ps->tok.kind == T_PLUS_EQUALS)
        return fail(ps, ps->tok.line, "'+=' (append to '%s') is not supported",
                    show_tok(kb, &key));
    if (ps->tok.kind != T_EQUALS)
        return fail(ps, ps->tok.line, "expected '=' after '%s'", show_tok(kb, &key));
    if ((rc = lex(ps)))
        return rc;
    if ((rc = parse_value(ps, &key, &v)))
        return rc;
    if (ps->tok.kind != T_NEWLINE && ps->tok.kind != T_SEMI && ps->tok.kind != T_EOF)
        return fail(ps, ps->tok.line, "expected the end of the line after the value of '%s', "
                    "found %s", show_tok(kb, &key), describe(tb, &ps->tok));
    return apply(ps, st, &key, &v, cfg);
}

/* ---- the whole file ------------------------------------------------------------------------- */

/* cmdline= wins; otherwise "root=<root> <extra>" as xl builds it. */
static int build_cmdline(struct parser *ps, struct state *st, struct xl_config *cfg)
{
    bool root = st->key_line[K_ROOT], extra = st->key_line[K_EXTRA];
    size_t size = sizeof(cfg->cmdline), n = 0, len;
    int rc = 0;

    if (st->key_line[K_CMDLINE]) {
        if (root || extra)
            printk(XENLOG_WARNING "xl.cfg: line %u: cmdline is set: root and extra are "
                   "ignored\n", st->key_line[K_CMDLINE]);
        return 0;
    }
    if (root) {
        memcpy(cfg->cmdline, "root=", 5);
        n = 5;
        rc = decode(ps, &st->root, cfg->cmdline + n, size - n, &len);
        n += len;
        if (!rc && extra) {
            if (n + 2 >= size)
                rc = -E2BIG;
            else
                cfg->cmdline[n++] = ' ';
        }
    }
    if (!rc && extra)
        rc = decode(ps, &st->extra, cfg->cmdline + n, size - n, &len);
    if (rc == -E2BIG)
        return fail(ps, st->key_line[extra ? K_EXTRA : K_ROOT],
                    "root and extra make a command line longer than %zu characters",
                    size - 1);
    return rc;
}

static int finish(struct parser *ps, struct state *st, struct xl_config *cfg)
{
    int rc;

    if (!st->key_line[K_NAME])
        return fail(ps, 0, "name is required");
    if (!cfg->name[0])
        return fail(ps, st->key_line[K_NAME], "name must not be empty");
    for (const char *c = cfg->name; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            return fail(ps, st->key_line[K_NAME], "name contains a control character");
    if (!st->key_line[K_KERNEL])
        return fail(ps, 0, "kernel is required");
    if (!cfg->kernel[0])
        return fail(ps, st->key_line[K_KERNEL], "kernel must not be empty");

    /* type= wins over the deprecated pvh= and builder=, as in xl. */
    if (!st->key_line[K_TYPE]) {
        if (st->key_line[K_PVH] && st->pvh) {
            printk(XENLOG_WARNING "xl.cfg: line %u: pvh is deprecated, use type=\"pvh\"\n",
                   st->key_line[K_PVH]);
            cfg->type = XL_TYPE_PVH;
        } else if (st->key_line[K_BUILDER]) {
            printk(XENLOG_WARNING "xl.cfg: line %u: builder is deprecated, use type=\n",
                   st->key_line[K_BUILDER]);
            cfg->type = st->builder_type;
        }
    }

    if (!st->key_line[K_MAXMEM])
        cfg->maxmem_mib = cfg->memory_mib;
    if (cfg->maxmem_mib < cfg->memory_mib)
        return fail(ps, st->key_line[K_MAXMEM],
                    "maxmem smaller than memory (%llu < %llu MiB)",
                    (unsigned long long)cfg->maxmem_mib, (unsigned long long)cfg->memory_mib);
    if (!st->key_line[K_MAXVCPUS])
        cfg->maxvcpus = cfg->vcpus;
    if (cfg->maxvcpus < cfg->vcpus)
        return fail(ps, st->key_line[K_MAXVCPUS], "maxvcpus smaller than vcpus (%u < %u)",
                    cfg->maxvcpus, cfg->vcpus);

    if ((rc = build_cmdline(ps, st, cfg)))
        return rc;
    return 0;
}

int xlcfg_parse(const char *text, size_t len, struct xl_config *cfg, char *err, size_t errlen)
{
    struct parser ps = {
        .p = text,
        .end = text ? text + len : text,
        .line = 1,
        .err = err,
        .errlen = errlen,
    };
    struct state st;
    int rc;

    if (err && errlen)
        err[0] = 0;
    memset(&st, 0, sizeof(st));
    memset(cfg, 0, sizeof(*cfg));
    cfg->type = XL_TYPE_PVH;
    cfg->memory_mib = XL_DEFAULT_MEMORY_MIB;
    cfg->vcpus = 1;
    cfg->on_poweroff = XL_ACTION_DESTROY;
    cfg->on_reboot = XL_ACTION_RESTART;
    cfg->on_crash = XL_ACTION_DESTROY;
    cfg->on_watchdog = XL_ACTION_DESTROY;
    cfg->on_soft_reset = XL_ACTION_SOFT_RESET;
    cfg->cpu_affinity = XL_ALL_CPUS;

    if ((rc = lex(&ps)))
        return rc;
    while (ps.tok.kind != T_EOF)
        if ((rc = parse_statement(&ps, &st, cfg)))
            return rc;
    return finish(&ps, &st, cfg);
}
