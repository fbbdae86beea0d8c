// SPDX-License-Identifier: MIT
/* The CMOS real-time clock, read once at boot for the guests' wallclock. */
#include <asm/processor.h>
#include <tern/acpi.h>
#include <tern/lib.h>
#include <tern/pvclock.h>
#include <tern/spinlock.h>
#include <tern/time.h>

/* The wallclock at system time 0: read from the RTC at boot, set by dom0 (XENPF_settime). */
static DEFINE_SPINLOCK(wc_lock);
static uint64_t wc_sec;
static uint32_t wc_nsec;

static uint8_t cmos_read(uint8_t reg)
{
    outb(reg, 0x70);
    return inb(0x71);
}

static unsigned int bcd(uint8_t v, bool is_bcd)
{
    return is_bcd ? (v & 0xf) + (v >> 4) * 10 : v;
}

/* Days since 1970-01-01 of a Gregorian date (the civil-from-days inverse). */
static uint64_t days_from_civil(unsigned int y, unsigned int m, unsigned int d)
{
    y -= m <= 2;
    unsigned int era = y / 400;
    unsigned int yoe = y - era * 400;
    unsigned int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (uint64_t)era * 146097 + doe - 719468;
}

void wallclock_init(void)
{
    uint8_t sec, min, hour, day, mon, year, cent = 0, regb;

    /* Wait out an update in progress (bounded: a missing RTC reads 0xff). */
    for (int i = 0; i < 100000 && (cmos_read(0x0a) & 0x80); i++)
        cpu_relax();
    sec = cmos_read(0x00);
    min = cmos_read(0x02);
    hour = cmos_read(0x04);
    day = cmos_read(0x07);
    mon = cmos_read(0x08);
    year = cmos_read(0x09);
    if (acpi.century)
        cent = cmos_read(acpi.century);
    regb = cmos_read(0x0b);
    s_time_t now = NOW();

    bool is_bcd = !(regb & 0x04);
    bool pm = hour & 0x80;
    unsigned int h = bcd(hour & 0x7f, is_bcd);
    if (!(regb & 0x02)) /* 12-hour mode */
        h = (h % 12) + (pm ? 12 : 0);
    unsigned int y = bcd(year, is_bcd) + (cent ? bcd(cent, is_bcd) * 100 : 2000);
    unsigned int m = bcd(mon, is_bcd), d = bcd(day, is_bcd);
    if (m < 1 || m > 12 || d < 1 || d > 31 || h > 23 || y < 1970) {
        printk(XENLOG_WARNING "RTC: unreadable date; guests' wallclock starts at 1970\n");
        return;
    }
    uint64_t t = days_from_civil(y, m, d) * 86400 + h * 3600 + bcd(min, is_bcd) * 60 +
                 bcd(sec, is_bcd);
    wallclock_set(t, 0, (uint64_t)now);
    printk("RTC: %04u-%02u-%02u %02u:%02u:%02u UTC\n", y, m, d, h, bcd(min, is_bcd),
           bcd(sec, is_bcd));
}

void wallclock_set(uint64_t secs, uint32_t nsecs, uint64_t system_time)
{
    /* As Xen's do_settime: unsigned arithmetic, whatever dom0 passes. */
    uint64_t x = secs * 1000000000ULL + nsecs - system_time;
    unsigned long flags;

    spin_lock_irqsave(&wc_lock, flags);
    wc_sec = x / 1000000000ULL;
    wc_nsec = (uint32_t)(x % 1000000000ULL);
    spin_unlock_irqrestore(&wc_lock, flags);
}

void wallclock_get(uint64_t *secs, uint32_t *nsecs)
{
    unsigned long flags;

    spin_lock_irqsave(&wc_lock, flags);
    *secs = wc_sec;
    *nsecs = wc_nsec;
    spin_unlock_irqrestore(&wc_lock, flags);
}
