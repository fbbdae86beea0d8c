// SPDX-License-Identifier: MIT
// hostile-front: a block front-end played from a domU's userspace, to attack dom0's blkback.
//
//   hostile-front MODE [SECONDS | VBD]
//
// It runs in the domU that tests/linux/init.sh started with tern.skip_modules=xen-blkfront, so
// the vbd device xl made stays unclaimed. It speaks xenstore through /dev/xen/xenbus (struct
// xsd_sockmsg + payload, xen/io/xs_wire.h), shares pages with /dev/xen/gntalloc and signals
// with /dev/xen/evtchn, connecting as blkfront would (ring-ref, event-channel, protocol,
// state 3, the back-end's 4, then 4), and attacks once per run. MODE:
//   ring      req_prod far ahead of the responses: blkback must halt the ring
//   requests  impossible requests (segments, grants, sectors, operations), each answered
//             with an error, and good reads before and after still served
//   revoke    persistent data grant and ring page freed (gntalloc) while blkback maps them,
//             then a new connection must be served, also after our port is closed under a
//             read in flight
//   flood     event-channel notifies nonstop for SECONDS (default 10) from every CPU, then a
//             good read must still be served
//   ports     unbound event channels for the back-end's domain until refused, then a good
//             read on a new connection
//   hold      connect, have a data page mapped persistently, and stay (for teardown tests)
//   netring   (netback) connect to the first vif with a tx req_prod of 1000, and stay
//   busy      connect and read the whole ring nonstop (grants mapped and unmapped all along)
// hold and busy take a vbd id as their argument (default: the first vbd).
// Every mode but hold disconnects at its end (state 6) and asks for a new connection
// (state 1), so the next run finds blkback in InitWait. Output: "HOSTILE <detail>" lines and
// one "HOSTILE-RESULT <mode> PASS|FAIL <detail>".
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xen/xen.h>
#include <xen/io/blkif.h>
#include <xen/io/netif.h>
#include <xen/io/xenbus.h>
#include <xen/io/xs_wire.h>
#include <xen/sys/evtchn.h>
#include <xen/sys/gntalloc.h>

#define PAGE 4096
// Ring entries in one page: (4096 - 64-byte header) / 112-byte entries, rounded down to 2^n.
#define RING_N 32u

_Static_assert(sizeof(union blkif_sring_entry) == 112, "x86_64 blkif entry");
_Static_assert(offsetof(struct blkif_sring, ring) == 64, "shared ring header");

static int xb_fd = -1, ga_fd = -1, ev_fd = -1;
static uint32_t xs_req_id;
static char fe[128], be[128];
static unsigned be_dom, port;
static uint64_t disk_sectors;

// A granted page: its grant reference, mmap offset and our mapping.
struct gpage {
    uint32_t gref;
    uint64_t index;
    void *va;
};
static struct gpage ring_pg, data_pg, ro_pg;
static struct blkif_sring *sring;
static uint32_t req_prod, rsp_cons;
// How long to wait for a response, in seconds.
static double rsp_wait = 10;

static void die(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    printf("HOSTILE-RESULT error FAIL ");
    vprintf(fmt, ap);
    printf(" (errno %d)\n", errno);
    va_end(ap);
    exit(1);
}

static double now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void full_read(void *buf, size_t len)
{
    size_t got = 0;

    while (got < len) {
        ssize_t n = read(xb_fd, (char *)buf + got, len - got);
        if (n <= 0)
            die("reading /dev/xen/xenbus");
        got += n;
    }
}

// One xenstore request; the answer (NUL-terminated) in a malloc'ed buffer, NULL on XS_ERROR.
static char *xs(uint32_t type, const char *a, const char *b)
{
    struct xsd_sockmsg m = { .type = type, .req_id = ++xs_req_id };
    size_t la = strlen(a) + 1, lb = b ? strlen(b) : 0;
    char msg[sizeof(m) + 512];
    char *ans;

    if (la + lb > 512)
        die("xenstore request too long");
    // XS_WRITE's value is not NUL-terminated; every path is.
    m.len = la + lb;
    memcpy(msg, &m, sizeof(m));
    memcpy(msg + sizeof(m), a, la);
    if (b)
        memcpy(msg + sizeof(m) + la, b, lb);
    if (write(xb_fd, msg, sizeof(m) + m.len) != (ssize_t)(sizeof(m) + m.len))
        die("writing /dev/xen/xenbus");
    full_read(&m, sizeof(m));
    ans = malloc(m.len + 1);
    if (!ans)
        die("out of memory");
    full_read(ans, m.len);
    ans[m.len] = 0;
    if (m.type == XS_ERROR) {
        free(ans);
        return NULL;
    }
    return ans;
}

static char *xs_read(const char *dir, const char *key)
{
    char path[256];

    snprintf(path, sizeof(path), "%s/%s", dir, key);
    return xs(XS_READ, path, NULL);
}

static long xs_read_long(const char *dir, const char *key)
{
    char *v = xs_read(dir, key);
    long n = v ? strtol(v, NULL, 10) : -1;

    free(v);
    return n;
}

static void xs_write(const char *key, const char *fmt, ...)
{
    char path[256], val[64], *ans;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(val, sizeof(val), fmt, ap);
    va_end(ap);
    snprintf(path, sizeof(path), "%s/%s", fe, key);
    ans = xs(XS_WRITE, path, val);
    if (!ans)
        die("xenstore write %s", path);
    free(ans);
}

// Wait up to SECS for the back-end's state to be WANT; the last state seen.
static long wait_be_state(long want, double secs)
{
    double end = now() + secs;
    long st;

    while ((st = xs_read_long(be, "state")) != want && now() < end)
        usleep(50000);
    return st;
}

// Device DEVID (NULL: the first) of class CLASS (vbd, vif) of this domain and its back-end;
// the back-end ready for a front-end (InitWait).
static const char *devid;
static const char *dev_class = "vbd";

static void find_vbd(void)
{
    char path[64], *dir, *b;
    long st;

    snprintf(path, sizeof(path), "device/%s", dev_class);
    dir = xs(XS_DIRECTORY, path, NULL);
    if (!dir || !*dir)
        die("no device/%s in xenstore (no disk= or vif= for this domain?)", dev_class);
    // Relative paths are under this domain's home, /local/domain/<id>.
    snprintf(fe, sizeof(fe), "device/%s/%s", dev_class, devid ? devid : dir);
    free(dir);
    b = xs_read(fe, "backend");
    if (!b)
        die("no %s/backend", fe);
    snprintf(be, sizeof(be), "%s", b);
    free(b);
    be_dom = xs_read_long(fe, "backend-id");
    st = xs_read_long(be, "state");
    // A run before this one closed its connection: ask for another (blkback's reconnect).
    if (st == XenbusStateClosed || st == XenbusStateClosing) {
        xs_write("state", "%d", XenbusStateInitialising);
        st = wait_be_state(XenbusStateInitWait, 20);
    } else if (st != XenbusStateInitWait) {
        st = wait_be_state(XenbusStateInitWait, 20);
    }
    if (st != XenbusStateInitWait)
        die("%s/state is %ld, expected 2 (InitWait)", be, st);
    printf("HOSTILE %s %s, back-end %s (domain %u)\n", dev_class, fe, be, be_dom);
}

static struct gpage grant_page(int writable)
{
    struct ioctl_gntalloc_alloc_gref a = {
        .domid = be_dom, .flags = writable ? GNTALLOC_FLAG_WRITABLE : 0, .count = 1,
    };
    struct gpage p;

    if (ioctl(ga_fd, IOCTL_GNTALLOC_ALLOC_GREF, &a) < 0)
        die("IOCTL_GNTALLOC_ALLOC_GREF");
    p.gref = a.gref_ids[0];
    p.index = a.index;
    p.va = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, ga_fd, a.index);
    if (p.va == MAP_FAILED)
        die("mmap of gntalloc page");
    memset(p.va, 0, PAGE);
    return p;
}

// Ungrant (Linux defers the end of access while the back-end still maps the page).
static int ungrant_page(struct gpage *p)
{
    struct ioctl_gntalloc_dealloc_gref d = { .index = p->index, .count = 1 };
    int rc = ioctl(ga_fd, IOCTL_GNTALLOC_DEALLOC_GREF, &d);

    munmap(p->va, PAGE);
    p->va = NULL;
    return rc;
}

static void notify(void)
{
    struct ioctl_evtchn_notify n = { .port = port };

    if (ioctl(ev_fd, IOCTL_EVTCHN_NOTIFY, &n) < 0)
        die("IOCTL_EVTCHN_NOTIFY");
}

static void open_devices(void)
{
    xb_fd = open("/dev/xen/xenbus", O_RDWR);
    ga_fd = open("/dev/xen/gntalloc", O_RDWR);
    ev_fd = open("/dev/xen/evtchn", O_RDWR);
    if (xb_fd < 0 || ga_fd < 0 || ev_fd < 0)
        die("opening /dev/xen/{xenbus,gntalloc,evtchn} (xen-evtchn, xen-gntalloc loaded?)");
}

// Connect as blkfront does; PERSISTENT asks blkback to keep data grants mapped.
static void connect_be(int persistent)
{
    struct ioctl_evtchn_bind_unbound_port bind = { .remote_domain = be_dom };
    int p;
    long st;

    ring_pg = grant_page(1);
    data_pg = grant_page(1);
    ro_pg = grant_page(0);
    sring = ring_pg.va;
    sring->req_event = sring->rsp_event = 1;
    req_prod = rsp_cons = 0;
    p = ioctl(ev_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
    if (p < 0)
        die("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
    port = p;
    xs_write("ring-ref", "%u", ring_pg.gref);
    xs_write("event-channel", "%u", port);
    xs_write("protocol", "x86_64-abi");
    xs_write("feature-persistent", "%d", persistent);
    xs_write("state", "%d", XenbusStateInitialised);
    st = wait_be_state(XenbusStateConnected, 20);
    if (st != XenbusStateConnected)
        die("back-end state %ld after our Initialised, expected 4 (Connected)", st);
    xs_write("state", "%d", XenbusStateConnected);
    // blkback writes the disk's size when it connects.
    disk_sectors = xs_read_long(be, "sectors");
    printf("HOSTILE connected: ring-ref %u, port %u, persistent %d, %llu sectors\n",
           ring_pg.gref, port, persistent, (unsigned long long)disk_sectors);
}

// Close the connection (blkback unmaps the ring and its grants) and ask for a new one.
static void disconnect_be(void)
{
    long st;

    xs_write("state", "%d", XenbusStateClosing);
    wait_be_state(XenbusStateClosing, 10);
    xs_write("state", "%d", XenbusStateClosed);
    st = wait_be_state(XenbusStateClosed, 20);
    xs_write("state", "%d", XenbusStateInitialising);
    if (st == XenbusStateClosed)
        st = wait_be_state(XenbusStateInitWait, 20);
    printf("HOSTILE disconnected: back-end state %ld\n", st);
}

// Put a request in the next slot (not yet published).
static void *next_slot(void)
{
    void *r = &sring->ring[req_prod % RING_N].req;

    memset(r, 0, sizeof(union blkif_sring_entry));
    req_prod++;
    return r;
}

static void publish(void)
{
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    sring->req_prod = req_prod;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    notify();
}

// Wait up to SECS for the response to request ID; its status, or 99 if none came.
static int wait_rsp(uint64_t id, double secs)
{
    double end = now() + secs;

    do {
        while (rsp_cons != sring->rsp_prod) {
            struct blkif_response *r;

            __atomic_thread_fence(__ATOMIC_SEQ_CST);
            r = &sring->ring[rsp_cons % RING_N].rsp;
            rsp_cons++;
            if (r->id == id)
                return r->status;
        }
        usleep(2000);
    } while (now() < end);
    return 99;
}

static int rw(uint8_t op, uint64_t id, uint64_t sector, uint32_t gref, uint8_t nseg,
              uint8_t first, uint8_t last)
{
    struct blkif_request *r = next_slot();

    r->operation = op;
    r->nr_segments = nseg;
    r->handle = 0;
    r->id = id;
    r->sector_number = sector;
    for (int i = 0; i < nseg && i < BLKIF_MAX_SEGMENTS_PER_REQUEST; i++) {
        r->seg[i].gref = gref;
        r->seg[i].first_sect = first;
        r->seg[i].last_sect = last;
    }
    publish();
    return wait_rsp(id, rsp_wait);
}

static int good_read(uint64_t id)
{
    return rw(BLKIF_OP_READ, id, 0, data_pg.gref, 1, 0, 7);
}

static int mode_ring(void)
{
    int st0, st1;

    connect_be(0);
    st0 = good_read(1);
    // Requests published far beyond what the ring can hold: RING_REQUEST_PROD_OVERFLOW.
    sring->req_prod = req_prod + 1000;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    notify();
    // Long enough for blkback's thread to look, even under TCG.
    sleep(3);
    // Put right, then a good request: a halted back-end must not take it.
    sring->req_prod = req_prod;
    rsp_wait = 4;
    st1 = good_read(2);
    printf("HOSTILE ring: good read before %d, after the bogus req_prod %d\n", st0, st1);
    disconnect_be();
    if (st0 == BLKIF_RSP_OKAY && st1 == 99) {
        printf("HOSTILE-RESULT ring PASS read served, then nothing after req_prod +1000\n");
        return 0;
    }
    printf("HOSTILE-RESULT ring FAIL expected a served read, then none after req_prod +1000;"
           " got %d, %d\n", st0, st1);
    return 1;
}

struct bad_req {
    const char *name;
    int want;
    int (*send)(uint64_t id);
};

static int stale_gref;

static int r_segs0(uint64_t id) { return rw(BLKIF_OP_READ, id, 0, data_pg.gref, 0, 0, 7); }
static int r_segs200(uint64_t id) { return rw(BLKIF_OP_READ, id, 0, data_pg.gref, 200, 0, 7); }
static int r_badgref(uint64_t id) { return rw(BLKIF_OP_READ, id, 0, 0x7ffffff0u, 1, 0, 7); }
static int r_stale(uint64_t id) { return rw(BLKIF_OP_READ, id, 0, stale_gref, 1, 0, 7); }
static int r_ro_read(uint64_t id) { return rw(BLKIF_OP_READ, id, 0, ro_pg.gref, 1, 0, 7); }
static int r_ro_write(uint64_t id) { return rw(BLKIF_OP_WRITE, id, 8, ro_pg.gref, 1, 0, 7); }
static int r_ring_read(uint64_t id) { return rw(BLKIF_OP_WRITE, id, 16, ring_pg.gref, 1, 0, 7); }
static int r_first_last(uint64_t id) { return rw(BLKIF_OP_READ, id, 0, data_pg.gref, 1, 5, 2); }
static int r_last8(uint64_t id) { return rw(BLKIF_OP_READ, id, 0, data_pg.gref, 1, 0, 8); }
static int r_unknown(uint64_t id) { return rw(0x42, id, 0, data_pg.gref, 1, 0, 7); }

static int r_beyond(uint64_t id)
{
    return rw(BLKIF_OP_READ, id, disk_sectors + 8, data_pg.gref, 1, 0, 7);
}

static int r_wrap(uint64_t id)
{
    return rw(BLKIF_OP_READ, id, ~0ull - 3, data_pg.gref, 1, 0, 7);
}

static int indirect(uint64_t id, uint16_t nseg, uint32_t gref)
{
    struct blkif_request_indirect *r = next_slot();

    r->operation = BLKIF_OP_INDIRECT;
    r->indirect_op = BLKIF_OP_READ;
    r->nr_segments = nseg;
    r->id = id;
    for (int i = 0; i < BLKIF_MAX_INDIRECT_PAGES_PER_REQUEST; i++)
        r->indirect_grefs[i] = gref;
    publish();
    return wait_rsp(id, 10);
}

static int r_ind_segs(uint64_t id) { return indirect(id, 60000, data_pg.gref); }
static int r_ind_gref(uint64_t id) { return indirect(id, 16, 0x7ffffff0u); }

// The whole ring at once, every request the same id: 32 answers.
static int r_full(uint64_t id)
{
    int n = 0;

    for (unsigned i = 0; i < RING_N; i++) {
        struct blkif_request *r = next_slot();

        r->operation = BLKIF_OP_READ;
        r->nr_segments = 1;
        r->id = id;
        r->sector_number = i * 8;
        r->seg[0].gref = data_pg.gref;
        r->seg[0].last_sect = 7;
    }
    publish();
    for (unsigned i = 0; i < RING_N; i++)
        if (wait_rsp(id, 10) == BLKIF_RSP_OKAY)
            n++;
    if (id < 1000)
        printf("HOSTILE req full-ring: %d of %u answered OK\n", n, RING_N);
    return n == RING_N ? BLKIF_RSP_OKAY : BLKIF_RSP_ERROR;
}

static int mode_requests(void)
{
    static const struct bad_req reqs[] = {
        { "good-read", BLKIF_RSP_OKAY, good_read },
        { "segments-0", BLKIF_RSP_ERROR, r_segs0 },
        { "segments-200", BLKIF_RSP_ERROR, r_segs200 },
        { "gref-out-of-table", BLKIF_RSP_ERROR, r_badgref },
        { "gref-ungranted", BLKIF_RSP_ERROR, r_stale },
        { "read-into-readonly-grant", BLKIF_RSP_ERROR, r_ro_read },
        { "write-from-readonly-grant", BLKIF_RSP_OKAY, r_ro_write },
        { "write-from-ring-page", BLKIF_RSP_OKAY, r_ring_read },
        { "first-after-last", BLKIF_RSP_ERROR, r_first_last },
        { "last-sector-8", BLKIF_RSP_ERROR, r_last8 },
        { "beyond-disk", BLKIF_RSP_ERROR, r_beyond },
        { "sector-wraps", BLKIF_RSP_ERROR, r_wrap },
        { "operation-0x42", BLKIF_RSP_EOPNOTSUPP, r_unknown },
        { "indirect-60000-segments", BLKIF_RSP_ERROR, r_ind_segs },
        { "indirect-bad-gref", BLKIF_RSP_ERROR, r_ind_gref },
        { "full-ring-same-id", BLKIF_RSP_OKAY, r_full },
        { "good-read-after", BLKIF_RSP_OKAY, good_read },
    };
    struct gpage stale;
    int bad = 0, n = sizeof(reqs) / sizeof(reqs[0]);
    char wrong[256] = "";

    connect_be(0);
    // A grant reference that was ours and is no more (ended before anyone mapped it).
    stale = grant_page(1);
    stale_gref = stale.gref;
    ungrant_page(&stale);
    for (int i = 0; i < n; i++) {
        int st = reqs[i].send(100 + i);

        printf("HOSTILE req %s: status %d (expected %d)\n", reqs[i].name, st, reqs[i].want);
        if (st != reqs[i].want) {
            bad++;
            snprintf(wrong + strlen(wrong), sizeof(wrong) - strlen(wrong), " %s=%d",
                     reqs[i].name, st);
        }
    }
    disconnect_be();
    if (!bad) {
        printf("HOSTILE-RESULT requests PASS %d requests, each answered as expected\n", n);
        return 0;
    }
    printf("HOSTILE-RESULT requests FAIL expected OK for good ones, errors for bad ones;"
           " got%s\n", wrong);
    return 1;
}

// A one-segment read into the data page, published (and notified) but not waited for.
static void rw_publish_only(uint8_t op, uint64_t id)
{
    struct blkif_request *r = next_slot();

    r->operation = op;
    r->nr_segments = 1;
    r->id = id;
    r->seg[0].gref = data_pg.gref;
    r->seg[0].last_sect = 7;
    publish();
}

static int mode_revoke(void)
{
    int st0, st1, st2, st3, rc_d, rc_r;

    connect_be(1);
    // With feature-persistent blkback keeps this data grant mapped after the read.
    st0 = good_read(1);
    rc_d = ungrant_page(&data_pg);
    rc_r = ungrant_page(&ring_pg);
    // The ring is gone from our side; blkback still maps it. Notify on it anyway.
    for (int i = 0; i < 100; i++)
        notify();
    sleep(1);
    printf("HOSTILE revoke: read %d, ungrant data %d, ring %d\n", st0, rc_d, rc_r);
    disconnect_be();
    // A new connection on fresh pages must be served.
    find_vbd();
    connect_be(0);
    st1 = good_read(2);
    // Our event channel closed under blkback with a read in flight: the response still comes
    // (blkback notifies a port whose peer is gone), and the next connection is served.
    rw_publish_only(BLKIF_OP_READ, 3);
    if (ioctl(ev_fd, IOCTL_EVTCHN_UNBIND, &(struct ioctl_evtchn_unbind){ .port = port }) < 0)
        die("IOCTL_EVTCHN_UNBIND");
    st2 = wait_rsp(3, 10);
    disconnect_be();
    find_vbd();
    connect_be(0);
    st3 = good_read(4);
    disconnect_be();
    printf("HOSTILE revoke: reads on new connections %d, with our port closed %d, after %d\n",
           st1, st2, st3);
    if (st0 == BLKIF_RSP_OKAY && rc_d == 0 && rc_r == 0 && st1 == BLKIF_RSP_OKAY &&
        st2 == BLKIF_RSP_OKAY && st3 == BLKIF_RSP_OKAY) {
        printf("HOSTILE-RESULT revoke PASS ring and persistent data page ungranted while"
               " mapped, our port closed under a read; new connections served\n");
        return 0;
    }
    printf("HOSTILE-RESULT revoke FAIL expected reads served and ungrants 0; got read %d,"
           " ungrant %d %d, reads after %d %d %d\n", st0, rc_d, rc_r, st1, st2, st3);
    return 1;
}

static int mode_flood(int secs)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned long long total = 0;
    int fds[2], st;

    connect_be(0);
    if (pipe(fds) < 0)
        die("pipe");
    for (long c = 0; c < cpus; c++) {
        if (fork() == 0) {
            unsigned long long n = 0;
            double end = now() + secs;

            while (now() < end)
                for (int i = 0; i < 1000; i++, n++)
                    notify();
            if (write(fds[1], &n, sizeof(n)) != sizeof(n))
                _exit(1);
            _exit(0);
        }
    }
    for (long c = 0; c < cpus; c++) {
        unsigned long long n;

        if (read(fds[0], &n, sizeof(n)) == sizeof(n))
            total += n;
        wait(NULL);
    }
    st = good_read(1);
    printf("HOSTILE flood: %llu notifies in %d s from %ld CPUs, then a read: %d\n", total,
           secs, cpus, st);
    disconnect_be();
    if (total > 0 && st == BLKIF_RSP_OKAY) {
        printf("HOSTILE-RESULT flood PASS %llu notifies, then a read served\n", total);
        return 0;
    }
    printf("HOSTILE-RESULT flood FAIL expected notifies and then a served read; got %llu,"
           " status %d\n", total, st);
    return 1;
}

// Reads of the whole ring, nonstop, each mapping and unmapping its grant in blkback: for a
// destroy that lands while grants come and go.
// Unbound ports for the back-end's domain until the hypervisor (or Linux's per-user limit)
// says no; then, with them all closed again, a new connection must be served.
static int mode_ports(void)
{
    struct ioctl_evtchn_bind_unbound_port bind = { .remote_domain = be_dom };
    int n = 0, err = 0, st;

    for (;;) {
        if (ioctl(ev_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind) < 0) {
            err = errno;
            break;
        }
        if (++n == 100000)
            break;
    }
    printf("HOSTILE ports: %d unbound ports for domain %u, then errno %d\n", n, be_dom, err);
    close(ev_fd);
    ev_fd = open("/dev/xen/evtchn", O_RDWR);
    if (ev_fd < 0)
        die("reopening /dev/xen/evtchn");
    connect_be(0);
    st = good_read(1);
    disconnect_be();
    if (n >= 100 && err != 0 && st == BLKIF_RSP_OKAY) {
        printf("HOSTILE-RESULT ports PASS %d ports, then refused (errno %d); all closed, a new"
               " connection served\n", n, err);
        return 0;
    }
    printf("HOSTILE-RESULT ports FAIL expected >= 100 ports, a refusal, then a served read;"
           " got %d ports, errno %d, read %d\n", n, err, st);
    return 1;
}

static _Noreturn void mode_busy(void)
{
    unsigned long rounds = 0;

    connect_be(0);
    for (;;) {
        int st = r_full(1000 + rounds);

        if (rounds++ == 0)
            printf("HOSTILE-RESULT busy %s reading the whole ring nonstop (first round %d)\n",
                   st == BLKIF_RSP_OKAY ? "PASS" : "FAIL", st);
    }
}

static _Noreturn void mode_hold(void)
{
    int st;

    connect_be(1);
    st = good_read(1);
    printf("HOSTILE-RESULT hold %s connected, persistent data grant %u, read %d; holding\n",
           st == BLKIF_RSP_OKAY ? "PASS" : "FAIL", data_pg.gref, st);
    fflush(stdout);
    for (;;)
        pause();
}

// netback: a vif connected with a tx ring whose req_prod is far beyond its size. netback
// must call it fatal and disable the vif (its "Impossible number of requests" line).
static _Noreturn void mode_netring(void)
{
    struct ioctl_evtchn_bind_unbound_port bind = { .remote_domain = be_dom };
    struct gpage tx = grant_page(1), rx = grant_page(1);
    struct netif_tx_sring *txs = tx.va;
    struct netif_rx_sring *rxs = rx.va;
    int p = ioctl(ev_fd, IOCTL_EVTCHN_BIND_UNBOUND_PORT, &bind);
    long st;

    if (p < 0)
        die("IOCTL_EVTCHN_BIND_UNBOUND_PORT");
    port = p;
    txs->req_event = txs->rsp_event = rxs->req_event = rxs->rsp_event = 1;
    xs_write("tx-ring-ref", "%u", tx.gref);
    xs_write("rx-ring-ref", "%u", rx.gref);
    xs_write("event-channel", "%u", port);
    xs_write("request-rx-copy", "1");
    xs_write("feature-rx-notify", "1");
    xs_write("state", "%d", XenbusStateConnected);
    st = wait_be_state(XenbusStateConnected, 20);
    if (st != XenbusStateConnected)
        die("vif back-end state %ld after our Connected, expected 4", st);
    printf("HOSTILE connected: vif tx-ring-ref %u rx-ring-ref %u port %u\n", tx.gref, rx.gref,
           port);
    sleep(1);
    txs->req_prod = 1000;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    notify();
    sleep(3);
    // Keep the connection: dom0 looks at the vif it disabled, then the domU is destroyed.
    printf("HOSTILE-RESULT netring PASS tx req_prod 1000 on a 256-entry ring sent\n");
    fflush(stdout);
    for (;;)
        pause();
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "";

    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    open_devices();
    if (!strcmp(mode, "netring"))
        dev_class = "vif";
    // hold and busy take the vbd to use (another disk than the attacks' first).
    if ((!strcmp(mode, "hold") || !strcmp(mode, "busy")) && argc > 2)
        devid = argv[2];
    find_vbd();
    if (!strcmp(mode, "ring"))
        return mode_ring();
    if (!strcmp(mode, "requests"))
        return mode_requests();
    if (!strcmp(mode, "revoke"))
        return mode_revoke();
    if (!strcmp(mode, "flood"))
        return mode_flood(argc > 2 ? atoi(argv[2]) : 10);
    if (!strcmp(mode, "netring"))
        mode_netring();
    if (!strcmp(mode, "ports"))
        return mode_ports();
    if (!strcmp(mode, "hold"))
        mode_hold();
    if (!strcmp(mode, "busy"))
        mode_busy();
    printf("HOSTILE-RESULT usage FAIL expected ring, requests, revoke, flood [SECS], ports,"
           " netring, hold [VBD] or busy [VBD]; got '%s'\n", mode);
    return 2;
}
