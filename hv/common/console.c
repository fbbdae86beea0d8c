// SPDX-License-Identifier: MIT
/* printk: log levels, the per-line CPU prefix, the serial console and the log ring buffer. */
#include <asm/percpu.h>
#include <tern/console.h>
#include <tern/lib.h>
#include <tern/param.h>
#include <tern/spinlock.h>

#define CONRING_SIZE (64 * 1024) /* power of two */

static char conring[CONRING_SIZE];
static uint64_t conring_prod; /* total bytes ever written; the ring holds the last SIZE */
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

static void emit(char c, bool to_serial)
{
    ring_put(c);
    if (to_serial && serial_enabled) {
        if (c == '\n')
            serial_putc('\r');
        serial_putc(c);
    }
}

static void emit_str(const char *s, bool to_serial)
{
    while (*s)
        emit(*s++, to_serial);
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
            emit('\n', true);
        emit_str(prefix, true);
    }
    for (size_t i = 0; i < len; i++)
        emit(text[i], true);
    if (end_line) {
        emit('\n', true);
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
