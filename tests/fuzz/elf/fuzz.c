// SPDX-License-Identifier: MIT
/*
 * elf_parse and elf_load on arbitrary bytes (hv/common/elf_loader.c). An accepted image must
 * describe 1..ELF_MAX_SEGMENTS non-overlapping segments inside the file and inside a 4 GiB
 * span, with terminated printable note strings; loading it must hand out only bytes of the
 * file and guest addresses of its segments, exactly memsz bytes per segment. elf_load is
 * also given image descriptions made of raw input bytes: its own checks must keep it inside
 * the file whatever they say.
 */
#include "fuzz.h"

#include <tern/elf_loader.h>
#include <tern/errno.h>

struct load {
    const uint8_t *buf;
    size_t len;
    const struct elf_image *img;
    uint64_t written, zeroed; /* bytes per callback */
    bool check_segments;      /* img came from elf_parse: gpas must be its segments' */
    unsigned int sink;
};

/* Whether [gpa, gpa + n) lies inside one of the image's segments. */
static bool in_segment(const struct elf_image *img, uint64_t gpa, uint64_t n)
{
    for (unsigned int i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];
        if (gpa >= s->paddr && n <= s->memsz && gpa - s->paddr <= s->memsz - n)
            return true;
    }
    return false;
}

static int write_gpa(void *ctx, uint64_t gpa, const void *src, size_t n)
{
    struct load *l = ctx;
    const uint8_t *p = src;

    FUZZ_CHECK(p >= l->buf && n <= l->len && (size_t)(p - l->buf) <= l->len - n,
               "write of %zu bytes from offset %td, outside the %zu-byte file", n,
               p - l->buf, l->len);
    FUZZ_CHECK(!l->check_segments || in_segment(l->img, gpa, n),
               "write of %zu bytes at gpa %#llx, outside every segment", n,
               (unsigned long long)gpa);
    /* Read the bytes, as the real callback copies them: ASan checks every one. */
    for (size_t i = 0; i < n; i++)
        l->sink += p[i];
    l->written += n;
    return 0;
}

static int zero_gpa(void *ctx, uint64_t gpa, size_t n)
{
    struct load *l = ctx;

    FUZZ_CHECK(!l->check_segments || in_segment(l->img, gpa, n),
               "zeroing of %zu bytes at gpa %#llx, outside every segment", n,
               (unsigned long long)gpa);
    l->zeroed += n;
    return 0;
}

static void check_image(const struct elf_image *img, size_t len)
{
    uint64_t lo = UINT64_MAX, hi = 0;

    FUZZ_CHECK(img->nr_segments >= 1 && img->nr_segments <= ELF_MAX_SEGMENTS,
               "%u segments", img->nr_segments);
    for (unsigned int i = 0; i < img->nr_segments; i++) {
        const struct elf_segment *s = &img->seg[i];
        FUZZ_CHECK(s->memsz > 0 && s->filesz <= s->memsz, "segment %u: filesz %#llx memsz "
                   "%#llx", i, (unsigned long long)s->filesz, (unsigned long long)s->memsz);
        FUZZ_CHECK(s->filesz == 0 || (s->file_offset <= len && s->filesz <= len -
                   s->file_offset), "segment %u is outside the %zu-byte file", i, len);
        FUZZ_CHECK(s->paddr <= UINT64_MAX - s->memsz, "segment %u wraps", i);
        for (unsigned int j = 0; j < i; j++) {
            const struct elf_segment *o = &img->seg[j];
            FUZZ_CHECK(s->paddr >= o->paddr + o->memsz || o->paddr >= s->paddr + s->memsz,
                       "segments %u and %u overlap", j, i);
        }
        lo = s->paddr < lo ? s->paddr : lo;
        hi = s->paddr + s->memsz > hi ? s->paddr + s->memsz : hi;
    }
    FUZZ_CHECK(img->lowest_paddr == lo && img->highest_paddr == hi,
               "span [%#llx, %#llx), the segments cover [%#llx, %#llx)",
               (unsigned long long)img->lowest_paddr, (unsigned long long)img->highest_paddr,
               (unsigned long long)lo, (unsigned long long)hi);
    FUZZ_CHECK(hi - lo <= ELF_MAX_SPAN, "span %#llx", (unsigned long long)(hi - lo));
    FUZZ_CHECK(!img->has_pvh_entry || img->pvh_entry <= UINT32_MAX, "PVH entry %#llx",
               (unsigned long long)img->pvh_entry);
    const char *strings[] = { img->guest_os, img->xen_version, img->loader };
    for (unsigned int i = 0; i < 3; i++) {
        FUZZ_CHECK(fuzz_terminated(strings[i], sizeof(img->guest_os)), "note %u", i);
        FUZZ_CHECK(fuzz_printable(strings[i], false), "note \"%s\"", strings[i]);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct elf_image img;
    uint8_t *block;
    const uint8_t *buf = fuzz_copy(data, size, &block);
    char *err = malloc(128);
    struct load l = { .buf = buf, .len = size, .img = &img };

    harness_log_clear();
    int rc = elf_parse(buf, size, &img, err, 128);
    FUZZ_CHECK(rc == 0 || rc == -EINVAL || rc == -ENOEXEC, "rc %d", rc);
    FUZZ_CHECK_LOG();
    if (rc == 0) {
        FUZZ_CHECK(err[0] == 0, "success with a message \"%.128s\"", err);
        check_image(&img, size);
        l.check_segments = true;
        rc = elf_load(buf, size, &img, write_gpa, zero_gpa, &l);
        FUZZ_CHECK(rc == 0, "elf_load refused what elf_parse accepted: %d", rc);
        uint64_t total = 0;
        for (unsigned int i = 0; i < img.nr_segments; i++)
            total += img.seg[i].memsz;
        FUZZ_CHECK(l.written + l.zeroed == total, "loaded %llu + %llu bytes of %llu",
                   (unsigned long long)l.written, (unsigned long long)l.zeroed,
                   (unsigned long long)total);
    } else {
        FUZZ_CHECK_MESSAGE(err, 128);
        /* An image description from the input itself: elf_load must stay in the file. */
        memset(&img, 0, sizeof(img));
        memcpy(&img, buf, size < sizeof(img) ? size : sizeof(img));
        rc = elf_load(buf, size, &img, write_gpa, zero_gpa, &l);
        FUZZ_CHECK(rc == 0 || rc == -EINVAL, "elf_load of a made-up image: rc %d", rc);
    }
    free(err);
    free(block);
    return 0;
}
