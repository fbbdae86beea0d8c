// SPDX-License-Identifier: MIT
/* Guest consoles: name-prefixed output lines, the console ring back-end, input focus. */
#include <asm/processor.h>
#include <public/hvm/params.h>
#include <public/io/console.h>
#include <public/xen.h>
#include <tern/console.h>
#include <tern/domain.h>
#include <tern/domain_console.h>
#include <tern/errno.h>
#include <tern/event.h>
#include <tern/guest_access.h>
#include <tern/hypercall.h>
#include <tern/keyhandler.h>
#include <tern/lib.h>
#include <tern/mm.h>
#include <tern/p2m.h>
#include <tern/page_ref.h>
#include <tern/param.h>
#include <tern/time.h>
#include <tern/timer.h>
#include <tern/xmalloc.h>
#include <tern/xsm.h>

#define LINE_MAX_LEN 200
#define POLL_PERIOD MILLISECS(20)
/* What an unprivileged domain may print: a burst, then a steady rate (bytes per second).
 * The console ring simply drains slower past it (the guest waits); port 0xE9 output is
 * dropped. */
#define OUT_BURST (32 * 1024)
#define OUT_RATE (64 * 1024)
#define CONSOLE_RX_SIZE 128

struct domain_console {
    spinlock_t lock; /* the line buffer and the output budget */
    char line[LINE_MAX_LEN + 1];
    size_t len;
    size_t shown; /* bytes of line already on the serial console (a prompt, say) */
    unsigned int col; /* columns the guest's text takes on the current line */
    uint64_t tokens; /* output budget left */
    s_time_t refilled;
    uint64_t ring_gfn;
    /* Referenced while Tern reads the ring; read and changed only under lock, so that once
     * a handover has cleared it no CPU still uses the frame. */
    struct page_info *ring_page;
    evtchn_port_t port;
    bool ring_broken; /* reported once */
    /* Handed to a toolstack's console daemon (console_handover): the frame Tern no longer
     * reads, still referenced until the poller lets it go, and the binder, for the log. */
    bool handed_over;
    struct page_info *retired_page;
    domid_t handed_to;
    bool handover_logged;
    /* Dom0's serial input, read with CONSOLEIO_read (Xen's serial_rx_ring, as big). */
    char rx[CONSOLE_RX_SIZE];
    uint32_t rx_prod, rx_cons;
};

static DEFINE_SPINLOCK(focus_lock);
static domid_t focus = DOMID_XEN; /* who gets serial input */
static unsigned int ctrl_a_count;
static struct timer poll_timer;
volatile bool console_work_pending;

static struct domain_console *con_of(struct domain *d)
{
    return d->console;
}

/* Show the buffered line: the whole of it (end_line), or what is new of an unfinished one. */
static void flush_line(struct domain *d, struct domain_console *c, bool end_line)
{
    char prefix[DOMAIN_NAME_LEN + 4];
    size_t n = 0;

    if (!end_line && c->len == c->shown)
        return;
    prefix[n++] = '[';
    for (const char *p = d->name; *p && n < DOMAIN_NAME_LEN; p++)
        prefix[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    prefix[n++] = ']';
    prefix[n++] = ' ';
    prefix[n] = 0;
    console_write_guest(c, prefix, c->line + c->shown, c->len - c->shown, end_line);
    if (end_line)
        c->len = c->shown = c->col = 0;
    else
        c->shown = c->len;
}

/*
 * Bytes an unprivileged guest may put on the operator's terminal (as Xen's release build
 * keeps them to printable text): printable ASCII and tab; backspace only over the guest's own
 * text on the line, never into the "[name] " prefix (so a guest cannot pass itself off as
 * another); other control bytes and ESC sequences are dropped, bytes 0x80 and up become '?'.
 * 0 means drop.
 */
static char filter(struct domain_console *c, char ch)
{
    unsigned char u = (unsigned char)ch;

    if (u >= 0x80) {
        c->col++;
        return '?';
    }
    if (u >= 0x20 && u < 0x7f) {
        c->col++;
        return ch;
    }
    if (ch == '\t') {
        c->col = (c->col + 8) & ~7u;
        return ch;
    }
    if (ch == '\b' && c->col) {
        c->col--;
        return ch;
    }
    return 0;
}

/* Take up to want bytes of the output budget. */
static size_t take_budget(struct domain_console *c, size_t want)
{
    s_time_t now = NOW();
    uint64_t refill = (uint64_t)(now - c->refilled) * OUT_RATE / SECONDS(1);

    if (refill) {
        c->tokens = MIN((uint64_t)OUT_BURST, c->tokens + refill);
        c->refilled = now;
    }
    want = MIN(want, (size_t)c->tokens);
    c->tokens -= want;
    return want;
}

/* Add guest bytes to the line buffer (c->lock held). */
static void add_text(struct domain *d, struct domain_console *c, const char *buf, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        char ch = buf[i];
        if (ch == '\n') {
            flush_line(d, c, true);
            continue;
        }
        if (ch == '\r')
            continue;
        if (!d->is_privileged && !(ch = filter(c, ch)))
            continue;
        c->line[c->len++] = ch;
        if (c->len == LINE_MAX_LEN)
            flush_line(d, c, true);
    }
}

void domain_console_write(struct domain *d, const char *buf, size_t len)
{
    struct domain_console *c = con_of(d);
    unsigned long flags;
    size_t allowed;

    if (!c)
        return;
    spin_lock_irqsave(&c->lock, flags);
    allowed = d->is_privileged ? len : take_budget(c, len);
    add_text(d, c, buf, allowed);
    spin_unlock_irqrestore(&c->lock, flags);
    console_flush(); /* the serial line is written with no lock held */
}

/* The ring frame is held by a reference taken at set-up: if the guest gives the frame back,
 * Tern keeps using a frame nobody else can be given, and the guest simply stops seeing it.
 * Caller holds c->lock. */
static struct xencons_interface *ring_of(struct domain_console *c)
{
    return c->ring_page ? page_to_virt(c->ring_page) : NULL;
}

/* Copy what the guest produced into the line buffer (c->lock held); its indices are
 * guest-controlled and checked. Unless all, at most the domain's output budget is taken:
 * the rest waits in the guest's ring. True when the guest should hear of the room made. */
static bool drain_ring_locked(struct domain *d, struct domain_console *c, bool all)
{
    struct xencons_interface *r = ring_of(c);
    char buf[XENCONS_OUT_SIZE];
    size_t n = 0, want;

    if (!r)
        return false;
    uint32_t cons = __atomic_load_n(&r->out_cons, __ATOMIC_ACQUIRE);
    uint32_t prod = __atomic_load_n(&r->out_prod, __ATOMIC_ACQUIRE);
    if (prod - cons > XENCONS_OUT_SIZE) {
        if (!c->ring_broken)
            printk(XENLOG_WARNING "d%u: console ring indices are inconsistent (prod %u, "
                                  "cons %u); output dropped\n", d->domain_id, prod, cons);
        c->ring_broken = true;
        __atomic_store_n(&r->out_cons, prod, __ATOMIC_RELEASE);
        return false;
    }
    want = all || d->is_privileged ? prod - cons : take_budget(c, prod - cons);
    while (n < want)
        buf[n++] = r->out[cons++ & (XENCONS_OUT_SIZE - 1)];
    if (!n)
        return false;
    add_text(d, c, buf, n);
    __atomic_store_n(&r->out_cons, cons, __ATOMIC_RELEASE);
    return true;
}

static void drain_ring(struct domain *d, bool all)
{
    struct domain_console *c = con_of(d);
    unsigned long flags;
    evtchn_port_t port;
    bool drained;

    if (!c)
        return;
    spin_lock_irqsave(&c->lock, flags);
    drained = drain_ring_locked(d, c, all);
    port = c->port;
    spin_unlock_irqrestore(&c->lock, flags);
    if (!drained)
        return;
    console_flush();
    evtchn_raise(d, port); /* room in the ring again */
}

static void ring_notify(struct domain *d, evtchn_port_t port, void *data)
{
    drain_ring(d, false);
}

/* Dom0 has no ring: its input waits for CONSOLEIO_read, announced by VIRQ_CONSOLE. */
static bool deliver_input_dom0(struct domain *d, struct domain_console *c, char ch)
{
    unsigned long flags;
    bool queued = false;

    spin_lock_irqsave(&c->lock, flags);
    if (c->rx_prod - c->rx_cons < CONSOLE_RX_SIZE) {
        c->rx[c->rx_prod++ % CONSOLE_RX_SIZE] = ch;
        queued = true;
    }
    spin_unlock_irqrestore(&c->lock, flags);
    if (d->vcpu[0])
        evtchn_send_virq(d->vcpu[0], VIRQ_CONSOLE);
    return queued;
}

size_t domain_console_read(struct domain *d, char *buf, size_t len)
{
    struct domain_console *c = con_of(d);
    unsigned long flags;
    size_t n = 0;

    if (!c)
        return 0;
    spin_lock_irqsave(&c->lock, flags);
    while (n < len && c->rx_cons != c->rx_prod)
        buf[n++] = c->rx[c->rx_cons++ % CONSOLE_RX_SIZE];
    spin_unlock_irqrestore(&c->lock, flags);
    return n;
}

static bool deliver_input(struct domain *d, char ch)
{
    struct domain_console *c = con_of(d);
    struct xencons_interface *r;
    unsigned long flags;
    evtchn_port_t port;
    bool queued = false;

    if (!c)
        return false;
    if (!c->ring_page && !c->handed_over && d->is_privileged)
        return deliver_input_dom0(d, c, ch);
    spin_lock_irqsave(&c->lock, flags);
    if ((r = ring_of(c))) {
        uint32_t cons = __atomic_load_n(&r->in_cons, __ATOMIC_ACQUIRE);
        uint32_t prod = r->in_prod;
        if (prod - cons < XENCONS_IN_SIZE) { /* else full (or garbage indices): drop it */
            r->in[prod & (XENCONS_IN_SIZE - 1)] = ch;
            __atomic_store_n(&r->in_prod, prod + 1, __ATOMIC_RELEASE);
            queued = true;
        }
    }
    port = c->port;
    spin_unlock_irqrestore(&c->lock, flags);
    if (queued)
        evtchn_raise(d, port);
    return queued;
}

/*
 * A privileged domain binds the console's port (xenconsoled, once the toolstack wrote the
 * domain's console nodes): from now on its daemon reads the ring. Called by event_channel.c
 * under both domains' event-channel locks, just before the port becomes an ordinary
 * interdomain channel with binder. What the guest already wrote goes to the line buffer (the
 * poller prints it), Tern stops reading the ring, and the frame's reference is kept until the
 * poller drops it (no put_page under these locks). False leaves the port as it was.
 */
static bool console_handover(struct domain *d, evtchn_port_t port, struct domain *binder,
                             void *data)
{
    struct domain_console *c = con_of(d);

    if (!c)
        return false;
    spin_lock(&c->lock); /* interrupts are off: the caller holds the event-channel locks */
    bool ok = c->ring_page && port == c->port && !c->handed_over;
    if (ok) {
        drain_ring_locked(d, c, true); /* its last words through Tern, whatever the budget */
        if (c->len)
            flush_line(d, c, true);
        c->retired_page = c->ring_page;
        c->ring_page = NULL;
        c->handed_to = binder->domain_id;
        __atomic_store_n(&c->handed_over, true, __ATOMIC_RELEASE);
    }
    spin_unlock(&c->lock);
    if (ok)
        console_work_pending = true; /* the poller logs it and lets the frame go */
    return ok;
}

int domain_console_init(struct domain *d, uint64_t ring_gfn)
{
    struct domain_console *c = xmalloc(struct domain_console);
    if (!c)
        return -ENOMEM;
    spin_lock_init(&c->lock);
    c->tokens = OUT_BURST;
    c->refilled = NOW();
    d->console = c;
    if (!ring_gfn)
        return 0;
    enum p2m_type t;
    struct page_info *pg = p2m_get_page(d, ring_gfn, &t);
    if (!pg || t != p2m_ram_rw) {
        if (pg)
            put_page(pg);
        return -EINVAL;
    }
    int rc = evtchn_alloc_xen_port(d, ring_notify, NULL, &c->port);
    if (!rc && d->hvm_params[HVM_PARAM_STORE_EVTCHN])
        /* A domain that will join xenstore: the toolstack's console daemon may take over. */
        rc = evtchn_xen_port_allow_handover(d, c->port, console_handover);
    if (rc) {
        put_page(pg);
        return rc;
    }
    c->ring_page = pg;
    c->ring_gfn = ring_gfn;
    d->hvm_params[HVM_PARAM_CONSOLE_PFN] = ring_gfn;
    d->hvm_params[HVM_PARAM_CONSOLE_EVTCHN] = c->port;
    d->tern_overhead_bytes += sizeof(*c);
    return 0;
}

void domain_console_destroy(struct domain *d)
{
    struct domain_console *c = con_of(d);
    if (!c)
        return;
    /* No handover may be under way on another CPU while c goes. */
    evtchn_xen_port_allow_handover(d, c->port, NULL);
    drain_ring(d, true); /* its last words, whatever the budget */
    if (c->len)
        flush_line(d, c, true);
    console_flush();
    d->console = NULL;
    if (c->ring_page)
        put_page(c->ring_page);
    if (c->retired_page)
        put_page(c->retired_page);
    xfree(c);
    spin_lock(&focus_lock);
    if (focus == d->domain_id)
        focus = DOMID_XEN;
    spin_unlock(&focus_lock);
}

/* ---- input ---- */

struct focus_scan {
    int cur, next;
};

/* Only domains with a console of Tern's (dom0, boot-time domains) take serial input, as Xen
 * cycles up to max_init_domid only: a toolstack-made domain's console is xenconsoled's, and
 * so is a boot-time domain's once handed over; focusing on either would swallow what is
 * typed (the rig's Ctrl-A x3 debug keys included). */
static void scan_next(struct domain *d, void *arg)
{
    struct focus_scan *s = arg; /* for_each_domain goes in ascending domain id */
    struct domain_console *c = con_of(d);

    if (!c || __atomic_load_n(&c->handed_over, __ATOMIC_ACQUIRE))
        return;
    if (!d->is_shutting_down && (int)d->domain_id > s->cur && s->next < 0)
        s->next = d->domain_id;
}

static void switch_focus(void)
{
    struct focus_scan s = { focus == DOMID_XEN ? -1 : (int)focus, -1 };
    for_each_domain(scan_next, &s);
    focus = s.next < 0 ? DOMID_XEN : (domid_t)s.next;
    if (focus == DOMID_XEN) {
        printk("*** Serial input to Tern (type 'h' for debug keys; Ctrl-A x3 to switch)\n");
    } else {
        struct domain *d = domain_get_by_id(focus);
        printk("*** Serial input to domain %u (%s) (Ctrl-A x3 to switch)\n", focus,
               d ? d->name : "?");
        if (d)
            domain_put(d);
    }
}

static void handle_input_char_focused(char ch);

static void handle_input_char(char ch)
{
    if (ch == 0x01) {
        if (++ctrl_a_count == 3) {
            ctrl_a_count = 0;
            spin_lock(&focus_lock);
            switch_focus();
            spin_unlock(&focus_lock);
        }
        return;
    }
    /* Ctrl-A typed fewer than three times is passed on as typed. */
    for (; ctrl_a_count; ctrl_a_count--)
        handle_input_char_focused(0x01);
    handle_input_char_focused(ch);
}

static void handle_input_char_focused(char ch)
{
    if (focus == DOMID_XEN) {
        handle_debug_key(ch);
        return;
    }
    struct domain *d = domain_get_by_id(focus);
    if (d) {
        deliver_input(d, ch);
        domain_put(d);
    }
}

/* After a handover (poller context): log it once, let the frame go, move the focus on. */
static void finish_handover(struct domain *d, struct domain_console *c)
{
    struct page_info *pg;
    unsigned long flags;

    spin_lock_irqsave(&c->lock, flags);
    bool log = c->handed_over && !c->handover_logged;
    pg = c->retired_page;
    c->retired_page = NULL;
    c->handover_logged = c->handed_over;
    spin_unlock_irqrestore(&c->lock, flags);
    if (pg)
        put_page(pg); /* nobody reads the ring through Tern any more */
    if (!log)
        return;
    console_flush(); /* the lines drained at the handover come first */
    printk("d%u (%s): console handed to dom%u (port %u)\n", d->domain_id, d->name,
           c->handed_to, c->port);
    spin_lock(&focus_lock);
    if (focus == d->domain_id)
        switch_focus();
    spin_unlock(&focus_lock);
}

static void drain_all(struct domain *d, void *arg)
{
    struct domain_console *c = con_of(d);
    unsigned long flags;

    if (c && __atomic_load_n(&c->handed_over, __ATOMIC_ACQUIRE) && !c->handover_logged)
        finish_handover(d, c);
    drain_ring(d, false);
    /* An unfinished line (a shell prompt) is shown after at most one poll period. */
    if (c) {
        spin_lock_irqsave(&c->lock, flags);
        flush_line(d, c, false);
        spin_unlock_irqrestore(&c->lock, flags);
    }
}

/* Runs in CPU 0's scheduler loop, not in interrupt context: it takes domain and p2m locks. */
/* dump_after=<seconds>: print the run queues and exit profile once (for hung tests). */
static unsigned int opt_dump_after;
integer_param("dump_after", opt_dump_after);

void console_poll_work(void)
{
    int ch;
    static bool dumped;

    if (opt_dump_after && !dumped && NOW() > SECONDS(opt_dump_after)) {
        dumped = true;
        handle_debug_key('r');
        handle_debug_key('e');
        handle_debug_key('c');
        handle_debug_key('t');
    }
    for (int i = 0; i < 64 && (ch = serial_getc()) >= 0; i++)
        handle_input_char((char)ch);
    /* Guests that write the ring without notifying still get their output shown. */
    for_each_domain(drain_all, NULL);
    console_flush();
    console_report_drops();
}

static void poll_fn(void *data)
{
    console_work_pending = true;
    set_timer(&poll_timer, NOW() + POLL_PERIOD);
}

void console_input_init(void)
{
    /* Input starts with the first domain, as Xen starts with dom0. */
    struct focus_scan s = { -1, -1 };
    for_each_domain(scan_next, &s);
    if (s.next >= 0) {
        focus = (domid_t)s.next;
        printk("*** Serial input to domain %u (Ctrl-A x3 to switch to Tern)\n", focus);
    }
    init_timer(&poll_timer, poll_fn, NULL, 0);
    set_timer(&poll_timer, NOW() + POLL_PERIOD);
}

/* ---- console_io ---- */

#define CONSOLE_IO_CHUNK 128
#define CONSOLE_IO_PREEMPT 8192

long do_console_io(int cmd, unsigned int count, uint64_t buffer)
{
    struct domain *d = current->domain;
    char buf[CONSOLE_IO_CHUNK];
    int rc;

    if ((rc = xsm_console_io(d, cmd)))
        return rc;
    switch (cmd) {
    case CONSOLEIO_write: {
        unsigned int done = 0;
        while (done < count) {
            if (done >= CONSOLE_IO_PREEMPT) {
                /* Long writes continue in a re-executed call, so Tern stays responsive. */
                hypercall_set_continuation_args(cmd, count - done, buffer + done);
                return -ERESTART;
            }
            unsigned int n = MIN(count - done, (unsigned int)sizeof(buf));
            if (copy_from_guest(buf, buffer + done, n))
                return -EFAULT;
            domain_console_write(d, buf, n);
            done += n;
        }
        return 0;
    }
    case CONSOLEIO_read: {
        /* Serial input queued for dom0 (domUs get theirs through the console ring). */
        unsigned int done = 0;
        while (done < count) {
            size_t n = domain_console_read(d, buf, MIN(count - done, (unsigned int)sizeof(buf)));
            if (!n)
                break;
            if (copy_to_guest(buffer + done, buf, n))
                return -EFAULT;
            done += n;
        }
        return done;
    }
    default:
        return -ENOSYS;
    }
}
