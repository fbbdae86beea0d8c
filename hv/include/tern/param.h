/* SPDX-License-Identifier: MIT */
/*
 * Hypervisor command-line options, Xen style: "name", "name=value", "no-name" for booleans.
 * Each option is declared next to the code that uses it with one of the *_param() macros,
 * which place a descriptor in the tern_params section; the parser walks that section.
 *
 * Parsing never fails the boot: an unknown option or a bad value is reported with a warning
 * naming it and otherwise ignored.
 */
#ifndef TERN_PARAM_H
#define TERN_PARAM_H

#include <tern/types.h>

enum param_type {
    PARAM_BOOL,   /* bool: "x", "no-x", "x=<0|1|yes|no|on|off|true|false|enable|disable>" */
    PARAM_UINT,   /* unsigned int: decimal, 0x hex */
    PARAM_SIZE,   /* uint64_t bytes: number with optional K/M/G/T suffix (default unit: bytes) */
    PARAM_STRING, /* char[len]: copied, NUL-terminated; too long: a warning and truncation */
    PARAM_CUSTOM, /* int fn(const char *value): value may be NULL for a bare "x"; <0 = invalid */
};

struct kernel_param {
    const char *name;
    enum param_type type;
    void *var;
    size_t len;                          /* PARAM_STRING: buffer size */
    int (*fn)(const char *value);        /* PARAM_CUSTOM */
};

#define __param_cat2(a, b) a##b
#define __param_cat(a, b) __param_cat2(a, b)
#define __param_decl(_name, _type, _var, _len, _fn)                                        \
    static const struct kernel_param __used __section("tern_params") __aligned(8)          \
        __param_cat(__param_, __COUNTER__) = { _name, _type, _var, _len, _fn }

#define boolean_param(name, var) __param_decl(name, PARAM_BOOL, &(var), sizeof(var), NULL)
#define integer_param(name, var) __param_decl(name, PARAM_UINT, &(var), sizeof(var), NULL)
#define size_param(name, var) __param_decl(name, PARAM_SIZE, &(var), sizeof(var), NULL)
#define string_param(name, var) __param_decl(name, PARAM_STRING, (var), sizeof(var), NULL)
#define custom_param(name, fn) __param_decl(name, PARAM_CUSTOM, NULL, 0, fn)

/*
 * Parse cmdline against the descriptors [start, end). Returns the number of problems found
 * (unknown options + bad values), each already reported through printk(XENLOG_WARNING ...).
 */
int cmdline_parse_table(const char *cmdline, const struct kernel_param *start,
                        const struct kernel_param *end);

/* Parse against every option linked into the hypervisor. */
int cmdline_parse(const char *cmdline);

/* "512M" -> 536870912. *end (if non-NULL) gets the first unparsed character. */
uint64_t parse_size_and_unit(const char *s, const char **end);

/* Boolean words: 1 true, 0 false, -1 not a boolean. */
int parse_bool(const char *s, const char *end);

#endif
