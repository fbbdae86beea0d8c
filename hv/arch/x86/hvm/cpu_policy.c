// SPDX-License-Identifier: MIT
/* CPU policies in Xen 4.17's shape: reading a CPU into one, (de)serialising, auditing. */
#include <tern/errno.h>
#include <tern/lib.h>
#include "cpu_policy.h"

#define NA XEN_CPUID_NO_SUBLEAF
#define EXTD_BASE 0x80000000u

static uint32_t max_basic(const struct tern_cpu_policy *p)
{
    return MIN(p->basic[0].a, (uint32_t)CPUID_NR_BASIC - 1);
}

static uint32_t max_extd(const struct tern_cpu_policy *p)
{
    return MIN(p->extd[0].a & 0xffff, (uint32_t)CPUID_NR_EXTD - 1);
}

/* XCR0 and XSS components the policy describes (Xen's cpu_policy_xstates). */
static uint64_t xstates(const struct tern_cpu_policy *p)
{
    return ((uint64_t)p->xstate[0].d << 32 | p->xstate[0].a) |
           ((uint64_t)p->xstate[1].d << 32 | p->xstate[1].c);
}

void cpu_policy_fill(struct tern_cpu_policy *p,
                     void (*cpuid)(uint32_t leaf, uint32_t sub, struct cpuid_leaf_regs *r,
                                   void *arg),
                     void *arg)
{
    memset(p, 0, sizeof(*p));
    cpuid(0, 0, &p->basic[0], arg);
    for (uint32_t l = 1; l <= max_basic(p); l++) {
        switch (l) {
        case 4:
            for (uint32_t s = 0; s < CPUID_NR_CACHE; s++)
                cpuid(l, s, &p->cache[s], arg);
            break;
        case 7:
            cpuid(l, 0, &p->feat[0], arg);
            for (uint32_t s = 1; s <= MIN(p->feat[0].a, (uint32_t)CPUID_NR_FEAT - 1); s++)
                cpuid(l, s, &p->feat[s], arg);
            break;
        case 0xb:
            for (uint32_t s = 0; s < CPUID_NR_TOPO; s++)
                cpuid(l, s, &p->topo[s], arg);
            break;
        case 0xd:
            for (uint32_t s = 0; s < CPUID_NR_XSTATE; s++)
                cpuid(l, s, &p->xstate[s], arg);
            break;
        default:
            cpuid(l, 0, &p->basic[l], arg);
            break;
        }
    }
    cpuid(EXTD_BASE, 0, &p->extd[0], arg);
    for (uint32_t l = 1; l <= max_extd(p); l++)
        cpuid(EXTD_BASE | l, 0, &p->extd[l], arg);
}

static int put_leaf(uint32_t leaf, uint32_t sub, const struct cpuid_leaf_regs *r,
                    struct xen_cpuid_leaf *out, uint32_t *cur, uint32_t nr)
{
    if (*cur == nr)
        return -ENOBUFS;
    out[(*cur)++] = (struct xen_cpuid_leaf){ leaf, sub, r->a, r->b, r->c, r->d };
    return 0;
}

int cpu_policy_leaves_to_buffer(const struct tern_cpu_policy *p, struct xen_cpuid_leaf *out,
                                uint32_t *nr)
{
    uint32_t cur = 0;
    int rc = 0;

#define PUT(l, s, r)                                                                       \
    do {                                                                                   \
        if ((rc = put_leaf(l, s, r, out, &cur, *nr)))                                      \
            return rc;                                                                     \
    } while (0)
    for (uint32_t l = 0; l <= max_basic(p); l++) {
        switch (l) {
        case 4:
            for (uint32_t s = 0; s < CPUID_NR_CACHE; s++) {
                PUT(l, s, &p->cache[s]);
                if (!(p->cache[s].a & 0x1f))
                    break; /* type 0: the last subleaf */
            }
            break;
        case 7:
            for (uint32_t s = 0; s <= MIN(p->feat[0].a, (uint32_t)CPUID_NR_FEAT - 1); s++)
                PUT(l, s, &p->feat[s]);
            break;
        case 0xb:
            for (uint32_t s = 0; s < CPUID_NR_TOPO; s++) {
                PUT(l, s, &p->topo[s]);
                if (!((p->topo[s].c >> 8) & 0xff))
                    break;
            }
            break;
        case 0xd: {
            uint64_t x = xstates(p) >> 2;

            PUT(l, 0, &p->xstate[0]);
            PUT(l, 1, &p->xstate[1]);
            for (uint32_t s = 2; x && s < CPUID_NR_XSTATE; x >>= 1, s++)
                PUT(l, s, &p->xstate[s]);
            break;
        }
        default:
            PUT(l, NA, &p->basic[l]);
            break;
        }
    }
    PUT(0x40000000, NA, (&(struct cpuid_leaf_regs){ p->hv_limit, 0, 0, 0 }));
    PUT(0x40000100, NA, (&(struct cpuid_leaf_regs){ p->hv2_limit, 0, 0, 0 }));
    for (uint32_t l = 0; l <= max_extd(p); l++)
        PUT(EXTD_BASE | l, NA, &p->extd[l]);
#undef PUT
    *nr = cur;
    return 0;
}

int cpu_policy_msrs_to_buffer(const struct tern_cpu_policy *p, struct xen_msr_entry *out,
                              uint32_t *nr)
{
    if (*nr < MSR_MAX_SERIALISED_ENTRIES)
        return -ENOBUFS; /* the first fits when *nr is 1, but Xen fails on the second */
    out[0] = (struct xen_msr_entry){ MSR_INTEL_PLATFORM_INFO, 0, p->platform_info };
    out[1] = (struct xen_msr_entry){ MSR_ARCH_CAPABILITIES, 0, p->arch_caps };
    *nr = MSR_MAX_SERIALISED_ENTRIES;
    return 0;
}

const struct cpuid_leaf_regs *cpu_policy_slot(const struct tern_cpu_policy *p, uint32_t leaf,
                                              uint32_t sub)
{
    if (leaf < CPUID_NR_BASIC) {
        switch (leaf) {
        case 4:
            return sub < CPUID_NR_CACHE ? &p->cache[sub] : NULL;
        case 7:
            return sub < CPUID_NR_FEAT ? &p->feat[sub] : NULL;
        case 0xb:
            return sub < CPUID_NR_TOPO ? &p->topo[sub] : NULL;
        case 0xd:
            return sub < CPUID_NR_XSTATE ? &p->xstate[sub] : NULL;
        default:
            return &p->basic[leaf];
        }
    }
    if (leaf >= EXTD_BASE && leaf - EXTD_BASE < CPUID_NR_EXTD)
        return &p->extd[leaf - EXTD_BASE];
    return NULL;
}

int cpu_policy_leaves_from_buffer(struct tern_cpu_policy *p, const struct xen_cpuid_leaf *in,
                                  uint32_t nr, uint32_t *err_leaf, uint32_t *err_subleaf)
{
    *err_leaf = *err_subleaf = ~0u;
    if (nr > CPUID_MAX_SERIALISED_LEAVES)
        return -E2BIG;
    for (uint32_t i = 0; i < nr; i++) {
        const struct xen_cpuid_leaf *e = &in[i];
        struct cpuid_leaf_regs r = { e->a, e->b, e->c, e->d };
        struct cpuid_leaf_regs *slot = NULL;
        bool subleaves = e->leaf == 4 || e->leaf == 7 || e->leaf == 0xb || e->leaf == 0xd;

        if (e->leaf == 0x40000000 || e->leaf == 0x40000100) {
            if (e->subleaf == NA) {
                *(e->leaf == 0x40000000 ? &p->hv_limit : &p->hv2_limit) = e->a;
                continue;
            }
        } else if ((e->leaf < CPUID_NR_BASIC && (subleaves || e->subleaf == NA)) ||
                   (e->leaf >= EXTD_BASE && e->subleaf == NA)) {
            slot = (struct cpuid_leaf_regs *)cpu_policy_slot(p, e->leaf,
                                                             subleaves ? e->subleaf : 0);
        }
        if (!slot) {
            *err_leaf = e->leaf;
            *err_subleaf = e->subleaf;
            return -ERANGE;
        }
        *slot = r;
    }
    return 0;
}

int cpu_policy_msrs_from_buffer(struct tern_cpu_policy *p, const struct xen_msr_entry *in,
                                uint32_t nr, uint32_t *err_msr)
{
    *err_msr = ~0u;
    if (nr > MSR_MAX_SERIALISED_ENTRIES)
        return -E2BIG;
    for (uint32_t i = 0; i < nr; i++) {
        int rc = 0;

        if (in[i].flags)
            rc = -EINVAL;
        else if (in[i].idx == MSR_INTEL_PLATFORM_INFO && in[i].val != (uint32_t)in[i].val)
            rc = -EOVERFLOW;
        else if (in[i].idx == MSR_INTEL_PLATFORM_INFO)
            p->platform_info = (uint32_t)in[i].val;
        else if (in[i].idx == MSR_ARCH_CAPABILITIES)
            p->arch_caps = in[i].val;
        else
            rc = -ERANGE;
        if (rc) {
            *err_msr = in[i].idx;
            return rc;
        }
    }
    return 0;
}

static void zero(struct cpuid_leaf_regs *r, uint32_t from, uint32_t to)
{
    for (uint32_t i = from; i <= to; i++)
        r[i] = (struct cpuid_leaf_regs){ 0 };
}

void cpu_policy_clear_out_of_range(struct tern_cpu_policy *p)
{
    uint32_t max = p->basic[0].a;

    if (max < CPUID_NR_BASIC - 1)
        zero(p->basic, max + 1, CPUID_NR_BASIC - 1);
    if (max < 4)
        zero(p->cache, 0, CPUID_NR_CACHE - 1);
    if (max < 7)
        zero(p->feat, 0, CPUID_NR_FEAT - 1);
    else if (p->feat[0].a < CPUID_NR_FEAT - 1)
        zero(p->feat, p->feat[0].a + 1, CPUID_NR_FEAT - 1);
    if (max < 0xb)
        zero(p->topo, 0, CPUID_NR_TOPO - 1);
    if (max < 0xd) {
        zero(p->xstate, 0, CPUID_NR_XSTATE - 1);
    } else {
        uint64_t x = xstates(p);
        uint32_t first = 2;

        if (x)
            first = MAX(first, 64u - (uint32_t)__builtin_clzll(x));
        if (first < CPUID_NR_XSTATE)
            zero(p->xstate, first, CPUID_NR_XSTATE - 1);
    }
    if ((p->extd[0].a & 0xffff) < CPUID_NR_EXTD - 1)
        zero(p->extd, (p->extd[0].a & 0xffff) + 1, CPUID_NR_EXTD - 1);
}

int cpu_policy_compatible(const struct tern_cpu_policy *max, const struct tern_cpu_policy *p,
                          uint32_t *err_leaf, uint32_t *err_subleaf, uint32_t *err_msr)
{
    *err_leaf = *err_subleaf = *err_msr = ~0u;
    if (p->basic[0].a > max->basic[0].a) {
        *err_leaf = 0;
        *err_subleaf = NA;
    } else if (p->feat[0].a > max->feat[0].a) {
        *err_leaf = 7;
        *err_subleaf = 0;
    } else if (p->extd[0].a > max->extd[0].a) {
        *err_leaf = EXTD_BASE;
        *err_subleaf = NA;
    } else if (p->platform_info & ~max->platform_info) {
        *err_msr = MSR_INTEL_PLATFORM_INFO;
    } else {
        return 0;
    }
    return -EINVAL;
}

void cpu_policy_to_featureset(const struct tern_cpu_policy *p,
                              uint32_t fs[FEATURESET_NR_ENTRIES])
{
    fs[0] = p->basic[1].d;
    fs[1] = p->basic[1].c;
    fs[2] = p->extd[1].d;
    fs[3] = p->extd[1].c;
    fs[4] = p->xstate[1].a;
    fs[5] = p->feat[0].b;
    fs[6] = p->feat[0].c;
    fs[7] = p->extd[7].d;
    fs[8] = p->extd[8].b;
    fs[9] = p->feat[0].d;
    fs[10] = p->feat[1].a;
    fs[11] = p->extd[0x21].a;
    fs[12] = p->feat[1].b;
    fs[13] = p->feat[2].d;
    fs[14] = p->feat[1].c;
    fs[15] = p->feat[1].d;
    fs[16] = (uint32_t)p->arch_caps;
    fs[17] = (uint32_t)(p->arch_caps >> 32);
    fs[18] = p->extd[0x21].c;
}
