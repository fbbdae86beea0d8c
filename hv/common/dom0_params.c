// SPDX-License-Identifier: MIT
/* Dom0 sizing options, with Xen 4.17's syntax: dom0_mem=, dom0_max_vcpus=, dom0_vcpus_pin. */
#include <tern/dom0.h>
#include <tern/errno.h>
#include <tern/lib.h>
#include <tern/param.h>

/* One amount: "<size>", "<n>%" of the host's memory, either with a leading '-' meaning
 * "all but"; as Xen's parse_amt, the value is resolved only once the host's memory is known. */
struct dom0_amount {
    bool set, minus, percent;
    uint64_t value; /* bytes, or a percentage */
};

static struct dom0_amount dom0_size, dom0_min, dom0_max;
static unsigned int dom0_vcpus_min = 1, dom0_vcpus_max = ~0u;
bool opt_dom0_vcpus_pin;
boolean_param("dom0_vcpus_pin", opt_dom0_vcpus_pin);

static int parse_amount(const char *s, const char **end, struct dom0_amount *a)
{
    const char *p;

    a->minus = *s == '-';
    if (a->minus)
        s++;
    a->value = parse_size_and_unit(s, &p);
    if (p == s)
        return -EINVAL;
    a->percent = *p == '%';
    if (a->percent) {
        if (p[-1] < '0' || p[-1] > '9' || a->value > 100)
            return -EINVAL; /* "50M%" or "150%" */
        p++;
    }
    a->set = true;
    *end = p;
    return 0;
}

/* dom0_mem=[min:<amt>,][max:<amt>,][<amt>], the parts in any order, as Xen reads it. */
static int parse_dom0_mem(const char *s)
{
    int rc = 0;

    if (!s)
        return -EINVAL;
    do {
        if (!strncmp(s, "min:", 4))
            rc = parse_amount(s + 4, &s, &dom0_min);
        else if (!strncmp(s, "max:", 4))
            rc = parse_amount(s + 4, &s, &dom0_max);
        else
            rc = parse_amount(s, &s, &dom0_size);
    } while (!rc && *s++ == ',');
    return rc ? rc : (s[-1] ? -EINVAL : 0);
}
custom_param("dom0_mem", parse_dom0_mem);

/* dom0_max_vcpus=<max> or <min>-<max> (either side of '-' may be left out), as Xen. */
static int parse_dom0_max_vcpus(const char *s)
{
    const char *p;
    uint64_t v;

    if (!s)
        return -EINVAL;
    if (*s != '-') {
        v = parse_size_and_unit(s, &p);
        if (p == s || v > 0xffff || (*p && *p != '-'))
            return -EINVAL;
        if (*p != '-') {
            dom0_vcpus_max = (unsigned int)v; /* a lone number is the maximum */
            return 0;
        }
        dom0_vcpus_min = v ? (unsigned int)v : 1;
        s = p;
    }
    s++; /* past '-' */
    if (!*s) {
        dom0_vcpus_max = ~0u;
        return 0;
    }
    v = parse_size_and_unit(s, &p);
    if (p == s || *p || v > 0xffff)
        return -EINVAL;
    dom0_vcpus_max = (unsigned int)v;
    return 0;
}
custom_param("dom0_max_vcpus", parse_dom0_max_vcpus);

static uint64_t resolve(const struct dom0_amount *a, uint64_t avail)
{
    uint64_t v = a->percent ? avail / 100 * a->value : a->value;
    if (a->minus)
        return v < avail ? avail - v : 0;
    return v;
}

void dom0_mem_compute(uint64_t avail, uint64_t *size, uint64_t *max)
{
    /* Without dom0_mem, Xen gives dom0 all of it but 1/16 (at most 128 MiB) kept back. */
    uint64_t sz = dom0_size.set ? resolve(&dom0_size, avail) : avail - MIN(avail / 16, MB(128));
    uint64_t lo = dom0_min.set ? resolve(&dom0_min, avail) : 0;
    uint64_t hi = dom0_max.set ? resolve(&dom0_max, avail) : UINT64_MAX;

    if (!dom0_size.set && dom0_max.set)
        sz = MIN(sz, hi);
    sz = MAX(MIN(sz, hi), lo);
    sz = MIN(sz, avail);
    *size = sz;
    *max = dom0_max.set ? MAX(hi, sz) : sz;
}

unsigned int dom0_vcpus_compute(unsigned int nr_pcpus, unsigned int limit)
{
    /* Xen's order: one per CPU, raised to the minimum, then capped at the maximum. */
    unsigned int n = MAX(nr_pcpus, dom0_vcpus_min);
    n = MIN(n, dom0_vcpus_max);
    return MAX(1u, MIN(n, limit));
}

void dom0_params_reset(void)
{
    memset(&dom0_size, 0, sizeof(dom0_size));
    memset(&dom0_min, 0, sizeof(dom0_min));
    memset(&dom0_max, 0, sizeof(dom0_max));
    dom0_vcpus_min = 1;
    dom0_vcpus_max = ~0u;
    opt_dom0_vcpus_pin = false;
}
