/* SPDX-License-Identifier: MIT */
/* Formatted output: a small vsnprintf, printk through console_io, and the PV console ring. */
#include "lib.h"

#include <public/io/console.h>

struct out {
    char *buf;
    size_t size, len; /* len counts every byte, even those that did not fit */
};

static void put(struct out *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

/* prefix ("-", "0x" or "") then body, padded to width with spaces, or zeros after prefix. */
static void put_field(struct out *o, const char *prefix, const char *body, size_t n, int width,
                      bool left, char pad)
{
    int fill = width - (int)(strlen(prefix) + n);

    if (!left && pad == ' ')
        for (; fill > 0; fill--)
            put(o, ' ');
    for (; *prefix; prefix++)
        put(o, *prefix);
    if (!left && pad == '0')
        for (; fill > 0; fill--)
            put(o, '0');
    while (n--)
        put(o, *body++);
    for (; left && fill > 0; fill--)
        put(o, ' ');
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
    struct out o = { buf, size, 0 };

    for (; *fmt; fmt++) {
        bool left = false, alt = false;
        char pad = ' ', tmp[40], *p;
        int width = 0, prec = -1, lng = 0;
        unsigned long long v;
        unsigned int base;
        bool neg;

        if (*fmt != '%') {
            put(&o, *fmt);
            continue;
        }
        for (;; fmt++) {
            if (fmt[1] == '-')
                left = true;
            else if (fmt[1] == '0')
                pad = '0';
            else if (fmt[1] == '#')
                alt = true;
            else
                break;
        }
        fmt++;
        if (*fmt == '*') {
            width = va_arg(ap, int);
            fmt++;
        } else {
            while (*fmt >= '0' && *fmt <= '9')
                width = width * 10 + (*fmt++ - '0');
        }
        if (*fmt == '.') {
            fmt++;
            prec = 0;
            if (*fmt == '*') {
                prec = va_arg(ap, int);
                fmt++;
            } else {
                while (*fmt >= '0' && *fmt <= '9')
                    prec = prec * 10 + (*fmt++ - '0');
            }
        }
        while (*fmt == 'l' || *fmt == 'z' || *fmt == 'h') {
            if (*fmt != 'h')
                lng++;
            fmt++;
        }

        switch (*fmt) {
        case 'c':
            tmp[0] = (char)va_arg(ap, int);
            put_field(&o, "", tmp, 1, width, left, ' ');
            continue;
        case 's': {
            const char *s = va_arg(ap, const char *);

            if (!s)
                s = "(null)";
            put_field(&o, "", s, prec >= 0 ? strnlen(s, prec) : strlen(s), width, left, ' ');
            continue;
        }
        case '%':
            put(&o, '%');
            continue;
        case 'p':
            v = (uintptr_t)va_arg(ap, void *);
            base = 16, neg = false, alt = true;
            break;
        case 'd':
        case 'i': {
            long long s = lng >= 2 ? va_arg(ap, long long)
                          : lng ? va_arg(ap, long) : va_arg(ap, int);

            neg = s < 0;
            v = neg ? -(unsigned long long)s : (unsigned long long)s;
            base = 10;
            break;
        }
        case 'u':
        case 'x':
        case 'X':
            v = lng >= 2 ? va_arg(ap, unsigned long long)
                : lng ? va_arg(ap, unsigned long) : va_arg(ap, unsigned int);
            base = *fmt == 'u' ? 10 : 16;
            neg = false;
            break;
        case '\0':
            fmt--;
            continue;
        default: /* unknown conversion: print it as is */
            put(&o, '%');
            put(&o, *fmt);
            continue;
        }

        p = tmp + sizeof(tmp);
        do {
            unsigned int d = v % base;

            *--p = (char)(d < 10 ? '0' + d : (*fmt == 'X' ? 'A' : 'a') + d - 10);
            v /= base;
        } while (v);
        put_field(&o, neg ? "-" : (alt && base == 16) ? "0x" : "", p, tmp + sizeof(tmp) - p,
                  width, left, pad);
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return (int)o.len;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(buf, size, fmt, ap);
    va_end(ap);
    return n;
}

/* ---- Console ------------------------------------------------------------------------ */

/* Serialises output of several vCPUs; re-entrant on the CPU that holds it (fault reports). */
static volatile int console_owner = -1;
static int console_depth;

void runtime_console_lock(void)
{
    int me = (int)this_cpu()->id;

    if (console_owner == me) {
        console_depth++;
        return;
    }
    while (cmpxchg(&console_owner, -1, me) != -1)
        cpu_relax();
    console_depth = 1;
}

void runtime_console_unlock(void)
{
    if (--console_depth == 0)
        __atomic_store_n(&console_owner, -1, __ATOMIC_RELEASE);
}

/*
 * Where printk output goes: console_io where the hypervisor allows it (Xen's debug builds,
 * or a privileged domain), else the PV console ring (a domU on Xen's release build or Tern),
 * else port 0xE9 (also when Xen is absent: QEMU's debug console).
 */
enum out_path { OUT_UNKNOWN, OUT_CONSOLE_IO, OUT_RING, OUT_PORT };
static enum out_path out_path;
static struct xencons_ring out_ring;

static void port_write(const char *s, size_t len)
{
    while (len--)
        outb(0xe9, (uint8_t)*s++);
}

/* The whole of s into the ring; false if the backend stopped consuming for 5 seconds. */
static bool ring_write(const char *s, size_t len)
{
    uint64_t spins = 0;

    while (len) {
        size_t n = xencons_ring_write(&out_ring, s, len);
        s += n;
        len -= n;
        if (n) {
            spins = 0;
            continue;
        }
        /* Full: the backend drains at its own pace. pvclock may not be set up yet, so count
         * yields rather than time (each is at least one exit). */
        HYPERVISOR_sched_op(SCHEDOP_yield, NULL);
        if (++spins > 2000000)
            return false;
    }
    return true;
}

void console_write(const char *s, size_t len)
{
    if (!xen_cpuid_base) {
        port_write(s, len);
        return;
    }
    if (out_path == OUT_UNKNOWN) {
        if (HYPERVISOR_console_io(CONSOLEIO_write, 0, s) == 0)
            out_path = OUT_CONSOLE_IO;
        else if (xencons_ring_init(&out_ring) == 0)
            out_path = OUT_RING;
        else
            out_path = OUT_PORT;
    }
    if (out_path == OUT_RING && !ring_write(s, len))
        out_path = OUT_PORT;
    if (out_path == OUT_PORT)
        port_write(s, len);
    while (out_path == OUT_CONSOLE_IO && len) {
        unsigned int n = len > 1024 ? 1024 : (unsigned int)len;

        HYPERVISOR_console_io(CONSOLEIO_write, n, s);
        s += n, len -= n;
    }
}

void vprintk(const char *fmt, va_list ap)
{
    char buf[512];
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);

    if (n >= (int)sizeof(buf))
        n = sizeof(buf) - 1;
    runtime_console_lock();
    console_write(buf, n);
    runtime_console_unlock();
}

void printk(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vprintk(fmt, ap);
    va_end(ap);
}

/* ---- The PV console ring (pvh-abi.md §6) ------------------------------------------------- */

long xencons_ring_init(struct xencons_ring *r)
{
    uint64_t pfn = 0, port = 0;
    long rc;

    if ((rc = hvm_get_param(HVM_PARAM_CONSOLE_PFN, &pfn)) < 0)
        return rc;
    if ((rc = hvm_get_param(HVM_PARAM_CONSOLE_EVTCHN, &port)) < 0)
        return rc;
    if (!pfn || !port)
        return -ENODEV;
    if (pfn >= (1UL << 20))
        return -ERANGE; /* beyond the runtime's 4 GiB identity map */
    r->intf = (struct xencons_interface *)(uintptr_t)(pfn << PAGE_SHIFT);
    r->port = (evtchn_port_t)port;
    return 0;
}

size_t xencons_ring_write(struct xencons_ring *r, const char *s, size_t len)
{
    volatile struct xencons_interface *intf = r->intf;
    XENCONS_RING_IDX cons = ACCESS_ONCE(intf->out_cons), prod = intf->out_prod;
    size_t sent = 0;

    smp_mb(); /* read out_cons before overwriting the bytes it frees */
    while (sent < len && prod - cons < sizeof(intf->out))
        intf->out[MASK_XENCONS_IDX(prod++, intf->out)] = s[sent++];
    smp_wmb(); /* the bytes before the index */
    intf->out_prod = prod;
    evtchn_send(r->port);
    return sent;
}
