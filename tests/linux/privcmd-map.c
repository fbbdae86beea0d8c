// SPDX-License-Identifier: MIT
/*
 * Linux dom0's side of the foreign test (guests/tests/foreign, role=domu) through the real
 * privcmd driver: what xenstored and libxenguest do, with IOCTL_PRIVCMD_MMAPBATCH_V2 (which
 * Linux turns into XENMEM_add_to_physmap_batch, one gfn at a time) and
 * IOCTL_PRIVCMD_MMAP_RESOURCE (XENMEM_acquire_resource), and munmap (remove_from_physmap).
 *
 *   privcmd-map DOMID MBOX_GFN
 *
 * Maps the domU's mailbox, waits for its magic, maps its first pattern page, checks the
 * pattern, writes the reply, lets its churn start and stop, acquires its grant table, reads
 * the entry it granted and seeds entries 0 and 1 as libxenguest does, then says it is done.
 * Prints "TERN-PRIVCMD ok <what>" or "TERN-PRIVCMD FAIL <what>", then "TERN-PRIVCMD-DONE
 * failed=N". Built static by tests/integration/foreign.sh for dom0's initramfs.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

typedef uint16_t domid_t;
typedef uint64_t xen_pfn_t;

/* Linux's include/uapi/xen/privcmd.h (its own header needs the kernel's xen/interface). */
struct privcmd_mmapbatch_v2 {
    unsigned int num;
    domid_t dom;
    uint64_t addr;
    const xen_pfn_t *arr;
    int *err;
};
struct privcmd_mmap_resource {
    domid_t dom;
    uint32_t type;
    uint32_t id;
    uint32_t idx;
    uint64_t num;
    uint64_t addr;
};
#define IOCTL_PRIVCMD_MMAPBATCH_V2 _IOC(_IOC_NONE, 'P', 4, sizeof(struct privcmd_mmapbatch_v2))
#define IOCTL_PRIVCMD_MMAP_RESOURCE _IOC(_IOC_NONE, 'P', 7, sizeof(struct privcmd_mmap_resource))

#define PAGE 4096
#define MAGIC 0x6e67726fU
#define NR_DATA 4
#define GREF_DOMU 5
#define REPLY_OFF 2048
#define REPLY_LEN 16
#define CONSOLE_GFN 0xfefffU
#define STORE_GFN 0xfeffcU
#define GTF_permit_access 1
#define XENMEM_resource_grant_table 1

/* The mailbox of guests/tests/foreign/main.c. */
struct mailbox {
    uint32_t magic;
    uint32_t nr;
    uint64_t gfns[NR_DATA];
    volatile uint32_t dom0_state;
    volatile uint32_t domu_state;
    uint64_t churn_gfn;
    volatile uint32_t churn_go;
    volatile uint32_t churn_stop;
    volatile uint32_t churn_rounds;
};

struct grant_entry_v1 {
    uint16_t flags;
    domid_t domid;
    uint32_t frame;
};

static int failed;

static void result(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void result(int ok, const char *fmt, ...)
{
    va_list ap;
    printf("TERN-PRIVCMD %s ", ok ? "ok" : "FAIL");
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    failed += !ok;
}

static uint8_t pattern(unsigned int i, unsigned int page)
{
    return (uint8_t)(i * 13 + page * 31 + 7);
}

/* One foreign page of dom at a fresh privcmd mapping: the address, or NULL (err set). */
static void *map_foreign(int fd, domid_t dom, uint64_t gfn, int *err)
{
    void *va = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    xen_pfn_t arr = gfn;
    struct privcmd_mmapbatch_v2 b = { .num = 1, .dom = dom, .arr = &arr, .err = err };

    *err = 0;
    if (va == MAP_FAILED) {
        *err = -errno;
        return NULL;
    }
    b.addr = (uintptr_t)va;
    if (ioctl(fd, IOCTL_PRIVCMD_MMAPBATCH_V2, &b) || *err) {
        if (!*err)
            *err = -errno;
        munmap(va, PAGE);
        return NULL;
    }
    return va;
}

static int wait_for(volatile uint32_t *p, uint32_t want, int secs)
{
    for (int i = 0; i < secs * 100; i++) {
        if (*p == want)
            return 1;
        usleep(10000);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: privcmd-map DOMID MBOX_GFN\n");
        return 2;
    }
    domid_t dom = (domid_t)strtoul(argv[1], NULL, 0);
    uint64_t mbox_gfn = strtoull(argv[2], NULL, 0);
    int err, fd = open("/dev/xen/privcmd", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        fd = open("/proc/xen/privcmd", O_RDWR | O_CLOEXEC);
    result(fd >= 0, "open privcmd (errno %d)", fd < 0 ? errno : 0);
    if (fd < 0)
        goto out;

    struct mailbox *mb = map_foreign(fd, dom, mbox_gfn, &err);
    result(mb != NULL, "MMAPBATCH_V2 of d%u's mailbox gfn %#llx (err %d)", dom,
           (unsigned long long)mbox_gfn, err);
    if (!mb)
        goto out;
    result(wait_for((volatile uint32_t *)&mb->magic, MAGIC, 60), "mailbox magic %#x",
           mb->magic);
    if (mb->magic != MAGIC)
        goto out;

    uint8_t *p = map_foreign(fd, dom, mb->gfns[0], &err);
    result(p != NULL, "MMAPBATCH_V2 of pattern page gfn %#llx (err %d)",
           (unsigned long long)mb->gfns[0], err);
    if (p) {
        unsigned int bad = 0;
        for (unsigned int i = 0; i < PAGE; i++)
            if (!(i >= REPLY_OFF && i < REPLY_OFF + REPLY_LEN) && p[i] != pattern(i, 0))
                bad++;
        result(!bad, "pattern page read through privcmd (%u bytes differ)", bad);
        for (unsigned int i = 0; i < REPLY_LEN; i++)
            p[REPLY_OFF + i] = (uint8_t)(0xc0 + i);
    }
    void *q = map_foreign(fd, dom, 0x80000, &err);
    result(!q && err == -EINVAL, "MMAPBATCH_V2 of an unpopulated gfn: err %d, expected %d", err,
           -EINVAL);
    if (q)
        munmap(q, PAGE);

    /* Let the domU's churn run a moment, then stop it. */
    mb->churn_go = 1;
    usleep(100000);
    mb->churn_stop = 1;

    struct privcmd_mmap_resource r = { .dom = dom, .type = XENMEM_resource_grant_table };
    int rc = ioctl(fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &r);
    result(rc == 0 && r.num >= 1, "MMAP_RESOURCE size query: rc %d (errno %d), %llu frames", rc,
           rc ? errno : 0, (unsigned long long)r.num);
    void *gva = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    r = (struct privcmd_mmap_resource){ .dom = dom, .type = XENMEM_resource_grant_table,
                                        .num = 1, .addr = (uintptr_t)gva };
    rc = gva == MAP_FAILED ? -1 : ioctl(fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &r);
    result(rc == 0, "MMAP_RESOURCE of grant frame 0: rc %d (errno %d)", rc, rc ? errno : 0);
    if (rc == 0) {
        volatile struct grant_entry_v1 *gt = gva;
        result(gt[GREF_DOMU].flags == GTF_permit_access && gt[GREF_DOMU].domid == 0 &&
               gt[GREF_DOMU].frame == mb->gfns[0],
               "the domU's entry %u: flags %#x domid %u frame %#x", GREF_DOMU,
               gt[GREF_DOMU].flags, gt[GREF_DOMU].domid, gt[GREF_DOMU].frame);
        gt[0].domid = 0;
        gt[0].frame = CONSOLE_GFN;
        gt[1].domid = 0;
        gt[1].frame = STORE_GFN;
        __sync_synchronize();
        gt[0].flags = GTF_permit_access;
        gt[1].flags = GTF_permit_access;
    }
    if (gva != MAP_FAILED)
        munmap(gva, PAGE);
    __sync_synchronize();
    mb->dom0_state = 1;
    int finished = wait_for(&mb->domu_state, 1, 60);
    result(finished, "the domU finished (domu_state %u)", mb->domu_state);
    if (p)
        munmap(p, PAGE);
    munmap(mb, PAGE);
out:
    printf("TERN-PRIVCMD-DONE failed=%d\n", failed);
    return failed ? 1 : 0;
}
