// SPDX-License-Identifier: MIT
/* 16550 UART driver for the hypervisor console (polled output, polled input). */
#include <asm/processor.h>
#include <tern/console.h>
#include <tern/errno.h>
#include <tern/lib.h>

#define UART_RBR 0 /* receive buffer (DLAB = 0) */
#define UART_THR 0 /* transmit holding (DLAB = 0) */
#define UART_DLL 0 /* divisor low (DLAB = 1) */
#define UART_IER 1
#define UART_DLM 1
#define UART_FCR 2
#define UART_LCR 3
#define UART_MCR 4
#define UART_LSR 5
#define LSR_DR 0x01
#define LSR_THRE 0x20
#define LCR_DLAB 0x80
#define UART_CLOCK 115200 /* 1.8432 MHz / 16 */

static uint16_t port;

void serial_init(const struct serial_cfg *cfg)
{
    uint32_t div = cfg->baud ? UART_CLOCK / cfg->baud : 1;
    uint8_t lcr = (cfg->data_bits - 5) & 3;

    if (cfg->stop_bits == 2)
        lcr |= 1 << 2;
    if (cfg->parity == 'o')
        lcr |= 1 << 3;
    else if (cfg->parity == 'e')
        lcr |= 3 << 3;
    if (!div)
        div = 1;

    port = cfg->io_base;
    outb(0, port + UART_IER);           /* polled: no UART interrupts */
    outb(LCR_DLAB, port + UART_LCR);
    outb(div & 0xff, port + UART_DLL);
    outb(div >> 8, port + UART_DLM);
    outb(lcr, port + UART_LCR);
    outb(0x07, port + UART_FCR);        /* enable and clear FIFOs */
    outb(0x03, port + UART_MCR);        /* DTR, RTS */
}

void serial_putc(char c)
{
    if (!port)
        return;
    /* Bounded wait: a missing UART must not hang the console. */
    for (int i = 0; i < 100000 && !(inb(port + UART_LSR) & LSR_THRE); i++)
        cpu_relax();
    outb(c, port + UART_THR);
}

int serial_getc(void)
{
    if (!port || !(inb(port + UART_LSR) & LSR_DR))
        return -1;
    return inb(port + UART_RBR);
}

/* "115200,8n1" or "115200" or "auto"; an optional ",0x2f8" I/O base may follow. */
int parse_serial_cfg(const char *s, struct serial_cfg *cfg)
{
    const char *p = s;

    if (!strncmp(p, "auto", 4)) {
        p += 4;
    } else {
        unsigned long long baud = simple_strtoull(p, &p, 10);
        if (baud < 50 || baud > UART_CLOCK)
            return -EINVAL;
        cfg->baud = baud;
    }
    if (*p == ',') {
        p++;
        if (p[0] >= '5' && p[0] <= '8') {
            cfg->data_bits = p[0] - '0';
            char par = p[1];
            if (par != 'n' && par != 'o' && par != 'e')
                return -EINVAL;
            cfg->parity = par;
            if (p[2] != '1' && p[2] != '2')
                return -EINVAL;
            cfg->stop_bits = p[2] - '0';
            p += 3;
        }
        if (*p == ',') {
            unsigned long long io = simple_strtoull(p + 1, &p, 0);
            if (!io || io > 0xfff8)
                return -EINVAL;
            cfg->io_base = io;
        }
    }
    return *p ? -EINVAL : 0;
}
