// SPDX-License-Identifier: MIT
/* The host's GNU as and objdump as the reference decoder for insn_decode (asm_oracle.h). */
#include "asm_oracle.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../../hv/arch/x86/hvm/insn_decode.h"

static void append(struct asm_batch *b, const char *s)
{
    size_t n = strlen(s);
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->src = realloc(b->src, b->cap);
        if (!b->src)
            abort();
    }
    memcpy(b->src + b->len, s, n + 1);
    b->len += n;
}

void asm_init(struct asm_batch *b, int mode)
{
    memset(b, 0, sizeof(*b));
    b->mode = mode;
    append(b, mode == 16 ? ".code16\n.text\n" : ".text\n");
}

static void add_item(struct asm_batch *b, const char *what, const char *src)
{
    if ((b->n & (b->n - 1)) == 0) {
        b->what = realloc(b->what, sizeof(*b->what) * (b->n ? b->n * 2 : 1));
        if (!b->what)
            abort();
    }
    /*
     * Each item in a 32-byte slot filled with CS prefixes (2E) and a NOP: whatever bytes
     * objdump reads after the item, it is back in step at the next slot, in few lines.
     */
    char label[64];
    snprintf(label, sizeof(label), ".L%u:\n", b->n);
    append(b, label);
    append(b, src);
    snprintf(label, sizeof(label), "\n.org .L%u + 31, 0x2e\n.byte 0x90\n", b->n);
    append(b, label);
    b->what[b->n++] = strdup(what);
}

void asm_add_line(struct asm_batch *b, const char *line)
{
    add_item(b, line, line);
}

void asm_add_bytes(struct asm_batch *b, const uint8_t *bytes, unsigned int n)
{
    char what[64] = "", src[128] = ".byte ";
    for (unsigned int i = 0; i < n && i < 15; i++) {
        snprintf(what + strlen(what), sizeof(what) - strlen(what), "%s%02x", i ? " " : "",
                 bytes[i]);
        snprintf(src + strlen(src), sizeof(src) - strlen(src), "%s0x%02x", i ? "," : "",
                 bytes[i]);
    }
    add_item(b, what, src);
}

/* objdump's text names only prefixes (what it prints for more than 15 bytes of them). */
static bool only_prefixes(const char *text)
{
    static const char *const names[] = { "es", "cs", "ss", "ds", "fs", "gs", "data16",
                                         "data32", "addr16", "addr32", "lock", "repz",
                                         "repnz", "rep", "bnd", "notrack", "xacquire",
                                         "xrelease", NULL };
    char buf[256], *save = NULL;
    snprintf(buf, sizeof(buf), "%s", text);
    for (char *t = strtok_r(buf, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save)) {
        bool known = !strncmp(t, "rex", 3);
        for (unsigned int i = 0; names[i] && !known; i++)
            known = !strcmp(t, names[i]);
        if (!known)
            return false;
    }
    return true;
}


/*
 * split: objdump printed prefixes before the instruction on lines of their own, legacy ones
 * among them. That happens for more than 15 bytes, and for a REX prefix followed by another
 * prefix, where objdump then decodes the rest without the legacy prefixes (the hardware
 * applies them): only a length over 15 is then a usable answer.
 */
static void finish_item(struct asm_batch *b, unsigned int item, unsigned int len,
                        const char *text, bool split)
{
    if (item >= b->n)
        return;
    b->obj_len[item] = (uint8_t)len;
    b->obj_kind[item] = strstr(text, "(bad)") ? OBJ_BAD : len > 15 ? OBJ_OVERLONG
                                                        : split ? OBJ_BAD : OBJ_OK;
    b->obj_text[item] = strdup(text);
}

bool asm_run(struct asm_batch *b)
{
    char dir[] = "/tmp/tern-insn-XXXXXX", path[256], cmd[512], line[512];
    size_t size = (size_t)b->n * SLOT;
    FILE *f;
    bool ok = false, pending = false, split = false;
    unsigned int pend_item = 0, pend_len = 0;

    b->img = calloc(size + SLOT, 1);
    b->obj_len = calloc(b->n, 1);
    b->obj_kind = calloc(b->n, 1);
    b->obj_text = calloc(b->n, sizeof(char *));
    if (!mkdtemp(dir)) {
        printf("mkdtemp: %s\n", strerror(errno));
        return false;
    }
    snprintf(path, sizeof(path), "%s/t.s", dir);
    f = fopen(path, "w");
    if (!f || fwrite(b->src, 1, b->len, f) != b->len || fclose(f)) {
        printf("cannot write %s\n", path);
        goto out;
    }
    snprintf(cmd, sizeof(cmd), "as %s -o %s/t.o %s 2>%s/as.err", b->mode == 64 ? "--64" : "--32",
             dir, path, dir);
    if (system(cmd) != 0) {
        snprintf(cmd, sizeof(cmd), "grep -v Warning %s/as.err | head -8", dir);
        printf("GNU as failed on the test source (%s/t.s):\n", dir);
        fflush(stdout);
        if (system(cmd) != 0)
            printf("(no as.err)\n");
        return false; /* keep the directory for a look */
    }
    snprintf(cmd, sizeof(cmd), "objdump -d -z --insn-width=15 %s %s/t.o",
             b->mode == 16 ? "-m i8086" : "", dir);
    f = popen(cmd, "r");
    if (!f) {
        printf("cannot run objdump\n");
        goto out;
    }
    while (fgets(line, sizeof(line), f)) {
        unsigned long addr;
        int n = 0;
        unsigned int nbytes = 0;
        char *p, *text;
        if (sscanf(line, " %lx:%n", &addr, &n) != 1 || line[n] != '\t')
            continue;
        p = line + n + 1;
        text = strchr(p, '\t');
        if (!text)
            text = p + strlen(p);
        else
            *text++ = 0;
        text[strcspn(text, "\n")] = 0;
        for (unsigned int v; sscanf(p, " %2x%n", &v, &n) == 1; p += n) {
            if (addr + nbytes < size)
                b->img[addr + nbytes] = (uint8_t)v;
            nbytes++;
        }
        /*
         * objdump prints prefixes it cannot attach on a line of their own: a REX prefix
         * followed by another prefix (the hardware ignores it), and the prefixes that make
         * an instruction longer than 15 bytes. Such lines join the instruction after them.
         */
        if (pending) {
            pend_len += nbytes;
            if (!only_prefixes(text)) {
                finish_item(b, pend_item, pend_len, text, split);
                pending = false;
            } else if (strncmp(text, "rex", 3) != 0) {
                split = true;
            }
        } else if (addr % SLOT == 0) {
            if (only_prefixes(text)) {
                pending = true;
                split = strncmp(text, "rex", 3) != 0 || strchr(text, ' ') != NULL;
                pend_item = (unsigned int)(addr / SLOT);
                pend_len = nbytes;
            } else {
                finish_item(b, (unsigned int)(addr / SLOT), nbytes, text, false);
            }
        }
    }
    if (pclose(f) != 0) {
        printf("objdump failed\n");
        goto out;
    }
    ok = true;
out:
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    if (system(cmd) != 0)
        printf("cannot remove %s\n", dir);
    return ok;
}

void asm_free(struct asm_batch *b)
{
    for (unsigned int i = 0; i < b->n; i++) {
        free(b->what[i]);
        if (b->obj_text)
            free(b->obj_text[i]);
    }
    free(b->what);
    free(b->obj_text);
    free(b->src);
    free(b->img);
    free(b->obj_len);
    free(b->obj_kind);
    memset(b, 0, sizeof(*b));
}

unsigned int asm_compare(struct asm_batch *b, bool (*excused)(const struct asm_batch *b,
                                                               unsigned int i, int rc),
                         unsigned int *compared)
{
    unsigned int bad = 0;
    *compared = 0;
    for (unsigned int i = 0; i < b->n; i++) {
        const uint8_t *slot = b->img + (size_t)i * SLOT;
        struct insn_info info;
        const char *why = NULL;
        int rc = insn_decode(slot, 15, b->mode, &info);
        unsigned int len = b->obj_len[i], k = 0;

        /* objdump joins FWAIT (9B) to the x87 instruction after it: two instructions */
        while (k < 14 && (slot[k] == 0x66 || slot[k] == 0x67 || slot[k] == 0xf2 ||
                          slot[k] == 0xf3 || slot[k] == 0xf0 || slot[k] == 0x2e ||
                          slot[k] == 0x36 || slot[k] == 0x3e || slot[k] == 0x26 ||
                          slot[k] == 0x64 || slot[k] == 0x65 ||
                          (b->mode == 64 && (slot[k] & 0xf0) == 0x40)))
            k++;
        if (slot[k] == 0x9b && len > k + 1)
            continue;

        switch (b->obj_kind[i]) {
        case OBJ_OK:
            if (rc != 0 && !(excused && excused(b, i, rc)))
                why = "refused";
            else if (rc == 0 && info.length != len)
                why = "length differs";
            break;
        case OBJ_OVERLONG:
            if (rc != -EINVAL)
                why = "accepted more than 15 bytes";
            break;
        case OBJ_BAD:
            break; /* objdump does not know it; insn_decode may know better */
        default:
            why = "no objdump line at the slot";
            break;
        }
        if (!why && rc == 0) {
            /* The same answer from exactly the bytes, and truncated one byte short */
            uint8_t *exact = malloc(info.length);
            struct insn_info again;
            memcpy(exact, slot, info.length);
            if (insn_decode(exact, info.length, b->mode, &again) != 0 ||
                again.length != info.length)
                why = "differs when given exactly its bytes";
            else if (insn_decode(exact, info.length - 1, b->mode, &again) != -EINVAL)
                why = "accepted truncated";
            free(exact);
        }
        if (why) {
            if (bad < 25)
                printf("  mode %d: %-40s [%s] objdump len %u '%s', insn_decode rc %d len %u: %s\n",
                       b->mode, b->what[i], "", len, b->obj_text[i] ? b->obj_text[i] : "",
                       rc, rc == 0 ? info.length : 0, why);
            bad++;
        } else if (b->obj_kind[i] == OBJ_OK && rc == 0) {
            (*compared)++;
        }
    }
    return bad;
}
