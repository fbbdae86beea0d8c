// SPDX-License-Identifier: MIT
/*
 * printk: log levels, the per-line CPU prefix, the serial console and the log ring buffer.
 * Text goes into the log ring and a transmit buffer under the console lock (quick, interrupts
 * off); the UART is written from the transmit buffer outside that lock, with interrupts as the
 * caller has them, so slow serial output never holds a lock or keeps interrupts off for long
 * (console_flush). Fatal paths switch to synchronous output.
 */
#include <asm/percpu.h>
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/param.h>
#include <tern/spinlock.h>

#define CONRING_SIZE (64 * 1024) /* power of two */
#define TXBUF_SIZE (32 * 1024)   /* power of two */
#define TX_GUEST_LIMIT (TXBUF_SIZE * 3 / 4) /* guests never fill the last quarter */
#define TX_IRQS_OFF_CHUNK 256    /* most bytes written per flush with interrupts off */

static char conring[CONRING_SIZE];
static char txbuf[TXBUF_SIZE];
static uint64_t tx_prod, tx_cons; /* under console_lock */
static uint64_t tx_dropped;       /* guest bytes dropped while the buffer was full */
static DEFINE_SPINLOCK(tx_lock);  /* one CPU writes the UART at a time */
static bool tx_sync;              /* fatal path: write the UART directly */
static uint64_t conring_prod; /* total bytes ever written; the ring holds the last SIZE */
static uint64_t conring_cleared; /* XEN_SYSCTL_readconsole's clear: readers start here */
static DEFINE_SPINLOCK(console_lock);
static bool at_line_start = true;
/* The guest whose unfinished line the serial console shows last (continuations skip the
 * prefix while nothing else was printed in between). */
static const void *partial_owner;
static bool console_ready;

/* Levels: 0 error, 1 warning, 2 info, 3 debug; lines at or below the threshold reach serial. */
static int console_threshold = 2;

static char opt_console[32] = "com1";
static char opt_com1[48] = "115200,8n1";
static char opt_loglvl[16] = "info";
string_param("console", opt_console);
string_param("com1", opt_com1);
string_param("loglvl", opt_loglvl);

static const char *const level_names[] = { "error", "warning", "info", "debug" };

static void ring_put(char c)
{
    conring[conring_prod & (CONRING_SIZE - 1)] = c;
    conring_prod++;
}

static bool serial_enabled = true;

/* Under console_lock. Guest text never takes the last quarter of the buffer, so Tern's own
 * messages still get through while a guest floods. */
static void tx_put(char c, bool guest)
{
    uint64_t used = tx_prod - tx_cons;

    if (tx_sync) {
        serial_putc(c);
        return;
    }
    if (used >= TXBUF_SIZE || (guest && used >= TX_GUEST_LIMIT)) {
        tx_dropped += guest;
        return;
    }
    txbuf[tx_prod++ & (TXBUF_SIZE - 1)] = c;
}

static void emit_to(char c, bool to_serial, bool guest)
{
    ring_put(c);
    if (to_serial && serial_enabled) {
        if (c == '\n')
            tx_put('\r', guest);
        tx_put(c, guest);
    }
}

static void emit(char c, bool to_serial)
{
    emit_to(c, to_serial, false);
}

static void emit_str(const char *s, bool to_serial)
{
    while (*s)
        emit(*s++, to_serial);
}

/* Move transmit-buffer bytes to the UART; see the top of the file. With interrupts off, only a
 * bounded amount is written here: the console poller writes the rest soon after. */
void console_flush(void)
{
    size_t budget = local_irq_is_enabled() ? ~(size_t)0 : TX_IRQS_OFF_CHUNK;

    while (budget && spin_trylock(&tx_lock)) {
        for (;;) {
            char chunk[64];
            size_t n = 0;
            unsigned long flags;

            spin_lock_irqsave(&console_lock, flags);
            while (n < sizeof(chunk) && n < budget && tx_cons != tx_prod)
                chunk[n++] = txbuf[tx_cons++ & (TXBUF_SIZE - 1)];
            spin_unlock_irqrestore(&console_lock, flags);
            if (!n)
                break;
            for (size_t i = 0; i < n; i++)
                serial_putc(chunk[i]);
            budget -= n;
            if (!budget)
                break;
        }
        spin_unlock(&tx_lock);
        /* Bytes added while we held tx_lock found it taken: take another look for them. */
        if (__atomic_load_n(&tx_cons, __ATOMIC_ACQUIRE) ==
            __atomic_load_n(&tx_prod, __ATOMIC_ACQUIRE))
            break;
    }
}

/* Say what a flood of guest output cost, once there is room again (console poller). */
void console_report_drops(void)
{
    unsigned long flags;
    uint64_t dropped;

    spin_lock_irqsave(&console_lock, flags);
    dropped = tx_dropped;
    tx_dropped = 0;
    spin_unlock_irqrestore(&console_lock, flags);
    if (dropped)
        printk(XENLOG_WARNING "console: %llu bytes of guest output dropped (serial line "
               "too slow)\n", (unsigned long long)dropped);
}

void console_init_early(void)
{
    struct serial_cfg cfg = { 0x3f8, 115200, 8, 1, 'n' };
    serial_init(&cfg);
    console_ready = true;
}

void console_init_cmdline(void)
{
    struct serial_cfg cfg = { 0x3f8, 115200, 8, 1, 'n' };

    if (parse_serial_cfg(opt_com1, &cfg) < 0)
        printk(XENLOG_WARNING "console: bad com1='%s', keeping 115200,8n1\n", opt_com1);
    else
        serial_init(&cfg);

    /* console= lists devices; only com1 exists here, "none" silences the serial line. */
    if (!strcmp(opt_console, "none"))
        serial_enabled = false;
    else if (strncmp(opt_console, "com1", 4) && strncmp(opt_console, "vga", 3))
        printk(XENLOG_WARNING "console: unknown device '%s', using com1\n", opt_console);

    /* loglvl=<name> or a number, Xen's spellings: none, error, warning, info, debug, all. */
    int lvl = -2;
    if (!strcmp(opt_loglvl, "none"))
        lvl = -1;
    else if (!strcmp(opt_loglvl, "all"))
        lvl = 3;
    for (int i = 0; i < 4; i++)
        if (!strcmp(opt_loglvl, level_names[i]))
            lvl = i;
    if (lvl == -2 && opt_loglvl[0] >= '0' && opt_loglvl[0] <= '3' && !opt_loglvl[1])
        lvl = opt_loglvl[0] - '0';
    if (lvl == -2)
        printk(XENLOG_WARNING "console: unknown loglvl '%s' ignored\n", opt_loglvl);
    else
        console_threshold = lvl;
}

void console_force_unlock(void)
{
    spin_lock_init(&console_lock);
    spin_lock_init(&tx_lock);
    /* What is still buffered goes out first, then everything is written at once. */
    while (tx_cons != tx_prod)
        serial_putc(txbuf[tx_cons++ & (TXBUF_SIZE - 1)]);
    tx_sync = true;
}

int vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    unsigned long flags;
    int level = 2; /* unmarked messages are info */
    const char *p = buf;

    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    if (p[0] == '<' && p[1] >= '0' && p[1] <= '3' && p[2] == '>') {
        level = p[1] - '0';
        p += 3;
    }
    bool to_serial = console_ready && level <= console_threshold;

    spin_lock_irqsave(&console_lock, flags);
    for (; *p; p++) {
        if (at_line_start || partial_owner) {
            if (!at_line_start)
                emit('\n', to_serial); /* a guest's unfinished line */
            partial_owner = NULL;
            char prefix[24];
            snprintf(prefix, sizeof(prefix), "(TERN) [c%u] ", smp_processor_id());
            emit_str(prefix, to_serial);
            at_line_start = false;
        }
        emit(*p, to_serial);
        if (*p == '\n')
            at_line_start = true;
    }
    spin_unlock_irqrestore(&console_lock, flags);
    console_flush();
    return n;
}

int printk(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vprintk(fmt, ap);
    va_end(ap);
    return n;
}

void console_write_guest(const void *owner, const char *prefix, const char *text, size_t len,
                         bool end_line)
{
    unsigned long flags;

    /* Guest output is shown whatever loglvl= says: it is the guests' console. */
    spin_lock_irqsave(&console_lock, flags);
    bool continuing = partial_owner == owner && !at_line_start;
    if (!continuing) {
        if (!at_line_start)
            emit_to('\n', true, true);
        for (const char *p = prefix; *p; p++)
            emit_to(*p, true, true);
    }
    for (size_t i = 0; i < len; i++)
        emit_to(text[i], true, true);
    if (end_line) {
        emit_to('\n', true, true);
        at_line_start = true;
        partial_owner = NULL;
    } else {
        at_line_start = false;
        partial_owner = owner;
    }
    spin_unlock_irqrestore(&console_lock, flags);
}

size_t console_ring_size(void)
{
    return conring_prod < CONRING_SIZE ? conring_prod : CONRING_SIZE;
}

/*
 * XEN_SYSCTL_readconsole's view of the ring, as Xen's: 32-bit byte counts, c the oldest byte
 * a reader may get (after a clear, or the oldest still kept), p the next to be written.
 */
void console_ring_bounds(uint32_t *c, uint32_t *p)
{
    unsigned long flags;

    spin_lock_irqsave(&console_lock, flags);
    uint64_t oldest = conring_prod - console_ring_size();
    *c = (uint32_t)(conring_cleared > oldest ? conring_cleared : oldest);
    *p = (uint32_t)conring_prod;
    spin_unlock_irqrestore(&console_lock, flags);
}

/* Up to len bytes from count c on (not past the producer); returns how many were copied. */
size_t console_ring_fetch(uint32_t c, char *buf, size_t len)
{
    unsigned long flags;
    size_t done = 0;

    spin_lock_irqsave(&console_lock, flags);
    uint32_t p = (uint32_t)conring_prod;
    /* Only bytes still in the ring: a reader that fell a whole ring behind gets nothing. */
    if (p - c <= console_ring_size())
        while (done < len && c != p)
            buf[done++] = conring[c++ & (CONRING_SIZE - 1)];
    spin_unlock_irqrestore(&console_lock, flags);
    return done;
}

/* Readers start at count c from now on (XEN_SYSCTL_readconsole with clear). */
void console_ring_clear(uint32_t c)
{
    unsigned long flags;

    spin_lock_irqsave(&console_lock, flags);
    uint32_t behind = (uint32_t)conring_prod - c;
    conring_cleared = behind > console_ring_size() ? conring_prod - console_ring_size()
                                                   : conring_prod - behind;
    spin_unlock_irqrestore(&console_lock, flags);
}

size_t console_ring_read(char *buf, size_t len, size_t *pos)
{
    unsigned long flags;
    size_t done = 0;

    spin_lock_irqsave(&console_lock, flags);
    uint64_t oldest = conring_prod - console_ring_size();
    while (done < len && oldest + *pos < conring_prod) {
        buf[done++] = conring[(oldest + *pos) & (CONRING_SIZE - 1)];
        (*pos)++;
    }
    spin_unlock_irqrestore(&console_lock, flags);
    return done;
}
