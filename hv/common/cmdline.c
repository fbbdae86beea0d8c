// SPDX-License-Identifier: MIT
// Hypervisor command-line parser: matches tokens against the *_param() descriptors.
#include <tern/lib.h>
#include <tern/param.h>
#include <tern/types.h>

extern const struct kernel_param __start_tern_params[], __stop_tern_params[];

/* Longest option name or value quoted back in a warning; the rest is elided with "...". */
#define SHOW_MAX 64

/* A custom handler wants a NUL-terminated value: it is copied here (boot is single-threaded). */
#define CUSTOM_VALUE_MAX 1024
static char custom_value[CUSTOM_VALUE_MAX];

/* A slice of the command line: tokens are never copied, so their length is unbounded. */
struct slice {
    const char *s;
    size_t len;
};

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int show_len(struct slice x)
{
    return (int)MIN(x.len, (size_t)SHOW_MAX);
}

static const char *show_more(struct slice x)
{
    return x.len > SHOW_MAX ? "..." : "";
}

static char to_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = to_lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return 16;
}

/*
 * Decimal, or hex after "0x"; parsing stops at the first non-digit, which goes to *end.
 * Returns false when there are no digits or the value does not fit in 64 bits.
 */
static bool parse_u64(const char *s, const char *lim, const char **end, uint64_t *out)
{
    unsigned int base = 10;
    const char *p = s;
    uint64_t v = 0;
    bool overflow = false;

    if (lim - p >= 3 && p[0] == '0' && to_lower(p[1]) == 'x' && digit_value(p[2]) < 16) {
        base = 16;
        p += 2;
    }
    const char *digits = p;
    while (p < lim) {
        int d = digit_value(*p);
        if (d >= (int)base)
            break;
        if (v > (UINT64_MAX - (uint64_t)d) / base)
            overflow = true;
        v = v * base + (uint64_t)d;
        p++;
    }
    *end = p;
    *out = v;
    return p != digits && !overflow;
}

/* Size with an optional K/M/G/T suffix (then an optional 'B'), on [s, lim). */
static bool parse_size(const char *s, const char *lim, const char **end, uint64_t *out)
{
    uint64_t v;
    unsigned int shift = 0;
    const char *p;

    if (!parse_u64(s, lim, &p, &v))
        return false;
    if (p < lim) {
        switch (to_lower(*p)) {
        case 'k': shift = 10; break;
        case 'm': shift = 20; break;
        case 'g': shift = 30; break;
        case 't': shift = 40; break;
        default: break;
        }
        if (shift)
            p++;
        if (p < lim && to_lower(*p) == 'b')
            p++;
    }
    if (shift && v > (UINT64_MAX >> shift))
        return false;
    *end = p;
    *out = v << shift;
    return true;
}

/* Bounds a NUL-terminated string for the slice-based parsers. */
static const char *str_end(const char *s)
{
    return s + strlen(s);
}

/*
 * On a malformed or overflowing size, returns 0 with *end == s (nothing consumed), so callers
 * tell a bad value from "0" by checking that something was consumed.
 */
uint64_t parse_size_and_unit(const char *s, const char **end)
{
    const char *p;
    uint64_t v;

    if (!parse_size(s, str_end(s), &p, &v)) {
        v = 0;
        p = s;
    }
    if (end)
        *end = p;
    return v;
}

static bool word_is(const char *s, size_t len, const char *word)
{
    return strlen(word) == len && strncmp(s, word, len) == 0;
}

int parse_bool(const char *s, const char *end)
{
    static const char *const yes[] = { "1", "yes", "on", "true", "enable" };
    static const char *const no[] = { "0", "no", "off", "false", "disable" };

    if (!s)
        return -1;
    size_t len = end ? (size_t)(end - s) : strlen(s);
    for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
        if (word_is(s, len, yes[i]))
            return 1;
        if (word_is(s, len, no[i]))
            return 0;
    }
    return -1;
}

/* Option names match with '-' and '_' interchangeable. */
static bool name_matches(const char *name, struct slice key)
{
    size_t i;

    for (i = 0; i < key.len; i++) {
        char a = name[i], b = key.s[i];
        if (a == '\0')
            return false;
        if (a == '_')
            a = '-';
        if (b == '_')
            b = '-';
        if (a != b)
            return false;
    }
    return name[i] == '\0';
}

static int warn_bad_value(const struct kernel_param *p, struct slice value)
{
    printk(XENLOG_WARNING "cmdline: bad value '%.*s%s' for option '%s' ignored\n",
           show_len(value), value.s, show_more(value), p->name);
    return 1;
}

/* Stores v in an unsigned variable of p->len bytes, unless it does not fit. */
static bool store_uint(const struct kernel_param *p, uint64_t v)
{
    switch (p->len) {
    case 1:
        if (v > UINT8_MAX)
            return false;
        *(uint8_t *)p->var = (uint8_t)v;
        return true;
    case 2:
        if (v > UINT16_MAX)
            return false;
        *(uint16_t *)p->var = (uint16_t)v;
        return true;
    case 4:
        if (v > UINT32_MAX)
            return false;
        *(uint32_t *)p->var = (uint32_t)v;
        return true;
    case 8:
        *(uint64_t *)p->var = v;
        return true;
    default:
        return false;
    }
}

static int set_string(const struct kernel_param *p, struct slice value)
{
    char *dst = p->var;
    size_t n = value.len;

    if (p->len == 0)
        return warn_bad_value(p, value);
    if (n >= p->len)
        n = p->len - 1;
    memcpy(dst, value.s, n);
    dst[n] = '\0';
    if (n < value.len) {
        printk(XENLOG_WARNING "cmdline: value for option '%s' truncated to %zu characters\n",
               p->name, n);
        return 1;
    }
    return 0;
}

static int call_custom(const struct kernel_param *p, struct slice value, bool has_value)
{
    if (!has_value)
        return p->fn(NULL) < 0 ? warn_bad_value(p, value) : 0;
    if (value.len >= sizeof(custom_value)) {
        printk(XENLOG_WARNING "cmdline: value for option '%s' is too long, ignored\n",
               p->name);
        return 1;
    }
    memcpy(custom_value, value.s, value.len);
    custom_value[value.len] = '\0';
    return p->fn(custom_value) < 0 ? warn_bad_value(p, value) : 0;
}

/*
 * Applies one option. negated: it was spelt "no-name". Returns the number of problems
 * reported (0 or 1).
 */
static int apply(const struct kernel_param *p, bool negated, struct slice value,
                 bool has_value)
{
    const char *end;
    uint64_t v;
    int b;

    if (negated && p->type != PARAM_BOOL) {
        printk(XENLOG_WARNING "cmdline: option '%s' is not a boolean, 'no-%s' ignored\n",
               p->name, p->name);
        return 1;
    }
    switch (p->type) {
    case PARAM_BOOL:
        if (!has_value) {
            b = !negated;
        } else if (negated) {
            printk(XENLOG_WARNING "cmdline: 'no-%s' takes no value, ignored\n", p->name);
            return 1;
        } else {
            b = parse_bool(value.s, value.s + value.len);
            if (b < 0)
                return warn_bad_value(p, value);
        }
        /* Booleans are usually bool, but an int flag works too. */
        if (!store_uint(p, (uint64_t)b))
            return warn_bad_value(p, value);
        return 0;
    case PARAM_UINT:
        if (!parse_u64(value.s, value.s + value.len, &end, &v) ||
            end != value.s + value.len)
            return warn_bad_value(p, value);
        return store_uint(p, v) ? 0 : warn_bad_value(p, value);
    case PARAM_SIZE:
        if (!parse_size(value.s, value.s + value.len, &end, &v) ||
            end != value.s + value.len)
            return warn_bad_value(p, value);
        return store_uint(p, v) ? 0 : warn_bad_value(p, value);
    case PARAM_STRING:
        /* A bare "name" sets the empty string, as in Xen. */
        return set_string(p, value);
    case PARAM_CUSTOM:
        return call_custom(p, value, has_value);
    }
    printk(XENLOG_WARNING "cmdline: option '%s' has an unknown type\n", p->name);
    return 1;
}

/* Looks key up in the table and applies every descriptor of that name. */
static int apply_all(struct slice key, bool negated, struct slice value, bool has_value,
                     const struct kernel_param *start, const struct kernel_param *end,
                     bool *found)
{
    int problems = 0;

    *found = false;
    for (const struct kernel_param *p = start; p < end; p++) {
        if (!p->name || !name_matches(p->name, key))
            continue;
        *found = true;
        problems += apply(p, negated, value, has_value);
    }
    return problems;
}

static int parse_token(struct slice tok, const struct kernel_param *start,
                       const struct kernel_param *end)
{
    struct slice key = tok, value = { tok.s + tok.len, 0 };
    bool has_value = false, found;
    int problems;

    for (size_t i = 0; i < tok.len; i++) {
        if (tok.s[i] == '=') {
            key.len = i;
            value.s = tok.s + i + 1;
            value.len = tok.len - i - 1;
            has_value = true;
            break;
        }
    }
    /* "--opt", "-opt" and "=value" are not how options are spelt here. */
    if (key.len == 0 || key.s[0] == '-' || key.s[0] == '_') {
        printk(XENLOG_WARNING "cmdline: odd option '%.*s%s' ignored\n", show_len(tok), tok.s,
               show_more(tok));
        return 1;
    }

    problems = apply_all(key, false, value, has_value, start, end, &found);
    if (found)
        return problems;
    if (key.len > 3 && key.s[0] == 'n' && key.s[1] == 'o' &&
        (key.s[2] == '-' || key.s[2] == '_')) {
        struct slice base = { key.s + 3, key.len - 3 };
        problems = apply_all(base, true, value, has_value, start, end, &found);
        if (found)
            return problems;
    }
    printk(XENLOG_WARNING "cmdline: unknown option '%.*s%s' ignored\n", show_len(key), key.s,
           show_more(key));
    return 1;
}

int cmdline_parse_table(const char *cmdline, const struct kernel_param *start,
                        const struct kernel_param *end)
{
    const char *p = cmdline;
    int problems = 0;

    if (!p)
        return 0;
    for (;;) {
        while (is_space(*p))
            p++;
        if (*p == '\0')
            break;
        struct slice tok = { p, 0 };
        while (*p != '\0' && !is_space(*p))
            p++;
        tok.len = (size_t)(p - tok.s);
        problems += parse_token(tok, start, end);
    }
    return problems;
}

int cmdline_parse(const char *cmdline)
{
    return cmdline_parse_table(cmdline, __start_tern_params, __stop_tern_params);
}
