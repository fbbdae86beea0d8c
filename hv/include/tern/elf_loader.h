/* SPDX-License-Identifier: MIT */
/* ELF kernel images: validation, Xen ELF notes (PVH entry), loading (hv/common/elf_loader.c). */
#ifndef TERN_ELF_LOADER_H
#define TERN_ELF_LOADER_H

#include <tern/types.h>

#define ELF_MAX_SEGMENTS 16
/* Largest span [lowest_paddr, highest_paddr) a kernel may cover. */
#define ELF_MAX_SPAN GB(4)

/* One PT_LOAD: filesz bytes from file_offset go to paddr, then memsz - filesz zero bytes. */
struct elf_segment {
    uint64_t paddr;
    uint64_t filesz, memsz;
    uint64_t file_offset;
    uint32_t flags; /* PF_X 1, PF_W 2, PF_R 4 */
};

struct elf_image {
    unsigned int nr_segments; /* PT_LOADs with memsz > 0, in program header order */
    struct elf_segment seg[ELF_MAX_SEGMENTS];
    uint64_t pvh_entry;       /* XEN_ELFNOTE_PHYS32_ENTRY: 32-bit protected-mode entry */
    bool has_pvh_entry;       /* false: not a PVH kernel, the caller refuses it */
    uint64_t lowest_paddr, highest_paddr; /* span of all segments, [lowest, highest) */
    bool is_elf64;
    uint64_t e_entry; /* the ELF header's entry point (not used to boot PVH) */
    /* Other Xen notes, for diagnostics; strings are "" when absent, non-printables are '?'. */
    char guest_os[32];
    char xen_version[32];
    char loader[32];
    bool has_hypercall_page_note;
    uint64_t hypercall_page_vaddr;
    bool has_virt_base;
    uint64_t virt_base;
};

/*
 * Validates the ELF image in buf[0, len) (read only, any bytes are safe) and describes how to
 * load it. Returns 0; -ENOEXEC when it is not an x86 executable ELF file at all ("not an ELF
 * file"); -EINVAL when it is one but malformed ("segment 2 extends past the end of the
 * file"). The message goes to err. Unusable notes are warned about and ignored.
 */
int elf_parse(const void *buf, size_t len, struct elf_image *img, char *err, size_t errlen);

/*
 * Loads an image that elf_parse accepted (same buf and len): copies each segment's file bytes
 * with write_gpa and zeroes the rest of it with zero_gpa, both at guest-physical addresses.
 * Returns 0, the first callback error, or -EINVAL when img does not fit buf.
 */
int elf_load(const void *buf, size_t len, const struct elf_image *img,
             int (*write_gpa)(void *ctx, uint64_t gpa, const void *src, size_t n),
             int (*zero_gpa)(void *ctx, uint64_t gpa, size_t n), void *ctx);

#endif
