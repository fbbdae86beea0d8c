// SPDX-License-Identifier: MIT
// Decompressing Debian's real kernels (build/kernels, from scripts/setup.sh) and checking them.
#include "harness.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

#include <tern/decompress.h>
#include <tern/errno.h>
#include <tern/xmalloc.h>

static uint64_t rd(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Whether the ELF file has a Xen note of type 18 (XEN_ELFNOTE_PHYS32_ENTRY) in a PT_NOTE. */
static int has_pvh_note(const uint8_t *e, size_t len)
{
    uint64_t phoff = rd(e + 0x20, 8);
    unsigned int phentsize = (unsigned int)rd(e + 0x36, 2), phnum = (unsigned int)rd(e + 0x38, 2);
    for (unsigned int i = 0; i < phnum; i++) {
        const uint8_t *ph = e + phoff + (uint64_t)i * phentsize;
        if (phoff + (uint64_t)(i + 1) * phentsize > len || rd(ph, 4) != 4 /* PT_NOTE */)
            continue;
        uint64_t off = rd(ph + 0x08, 8), size = rd(ph + 0x20, 8);
        if (off > len || size > len - off)
            continue;
        for (uint64_t p = off; p + 12 <= off + size;) {
            uint32_t namesz = (uint32_t)rd(e + p, 4), descsz = (uint32_t)rd(e + p + 4, 4);
            uint32_t type = (uint32_t)rd(e + p + 8, 4);
            if (namesz == 4 && !memcmp(e + p + 12, "Xen", 4) && type == 18)
                return 1;
            p += 12 + ((namesz + 3) & ~3u) + ((descsz + 3) & ~3u);
        }
    }
    return 0;
}

static void check_kernel(const char *path, const char *fmt, const char *tool)
{
    char err[256] = "";
    size_t len = 0, plen = 0, elen = 0, hlen = 0;
    const void *payload = NULL;
    void *elf = NULL;

    watchdog(300);
    uint8_t *img = read_file(path, &len);
    CHECK(img, "cannot read %s: run scripts/setup.sh (it downloads Debian's kernels)", path);
    CHECK(bzimage_payload(img, len, &payload, &plen, err, sizeof(err)) == 0, "%s: %s", path,
          err);
    const char *f = decompress_format(payload, plen);
    CHECK(f && !strcmp(f, fmt), "%s: payload format %s, expected %s", path, f ? f : "?", fmt);

    double t0 = now_seconds();
    int rc = kernel_image_decompress(img, len, &elf, &elen, err, sizeof(err));
    double t = now_seconds() - t0;
    CHECK(rc == 0, "%s: %d %s", path, rc, err);
    printf("  %s (%s): %zu-byte payload -> %zu bytes in %.3f s (%.0f MB/s out)\n", path, fmt,
           plen, elen, t, elen / t / 1e6);

    const uint8_t *e = elf;
    CHECK(elen > 64 && !memcmp(e, "\177ELF", 4) && e[4] == 2 && rd(e + 0x12, 2) == 62,
          "%s: not an ELF64 x86-64 file", path);
    uint64_t shend = rd(e + 0x28, 8) + rd(e + 0x3c, 2) * rd(e + 0x3a, 2);
    /* vmlinux.bin, then the relocations the boot stub applies (CONFIG_RELOCATABLE). */
    CHECK(shend <= elen, "%s: section headers end at %llu, past the %zu-byte file", path,
          (unsigned long long)shend, elen);
    CHECK(has_pvh_note(e, elen), "%s: no Xen PVH entry note", path);

    /* The host tool on the same stream (without the size the kernel build appends). */
    uint8_t *host = run_filter(tool, payload, plen - 4, &hlen);
    CHECK(host, "running '%s' failed", tool);
    CHECK(hlen == elen, "%s gives %zu bytes, we give %zu", tool, hlen, elen);
    CHECK(!memcmp(host, elf, elen), "output differs from %s's", tool);
    free(host);
    xfree(elf);
    free(img);
    CHECK(live_allocs() == 0, "%ld allocations left", live_allocs());
}

TEST(kernel_cloud_lz4)
{
    check_kernel("build/kernels/cloud/vmlinuz", "lz4", "lz4 -dc");
}

TEST(kernel_generic_xz)
{
    check_kernel("build/kernels/generic/vmlinuz", "xz", "xz -dc");
}
