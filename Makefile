# SPDX-License-Identifier: MIT
# Tern: build the hypervisor, the host unit tests, and drive setup, tests and the demo.
#
#   make            build build/tern.bin (boot image) and build/tern-syms (ELF for gdb)
#   make CC=clang   the same with clang
#   make run        set up, build, boot Tern in QEMU with a Linux guest on the console
#   make test       set up, build, run every test; ends with "N passed, N failed"
#   make unit       build the host unit tests only
#   make fuzz       build the libFuzzer targets, run each for FUZZ_TIME seconds (default 60)
#   make iso        a GRUB rescue ISO booting Tern through Multiboot2
#   make dom0-root  dom0's initramfs from Debian's packages: build/dom0/dom0.cpio

CC ?= gcc
ifeq ($(origin CC),default)
CC := gcc
endif
HOSTCC ?= cc
LD := ld
OBJCOPY := objcopy
NM := nm
B := build
HVB := $(B)/hv-$(notdir $(CC))
# gcc builds build/tern.bin; another compiler gets its own name (build/tern-clang.bin).
SFX := $(if $(findstring clang,$(CC)),-clang,)
Q := $(if $(V),,@)

# ---- the hypervisor ------------------------------------------------------------------------
HV_SRCS := $(filter-out $(HV_EXCLUDE),$(shell find hv -name '*.c' -o -name '*.S' | LC_ALL=C sort))
HV_OBJS := $(patsubst %,$(HVB)/%.o,$(HV_SRCS))

HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -ffreestanding -fno-builtin -nostdinc \
	-fno-pic -fno-pie -mcmodel=kernel -mno-red-zone -mno-sse -mno-mmx -mno-sse2 \
	-mno-avx -mgeneral-regs-only -fno-stack-protector -fno-omit-frame-pointer \
	-fno-asynchronous-unwind-tables -fno-strict-aliasing -fno-common \
	-Wno-unused-parameter -Wmissing-prototypes -Wstrict-prototypes \
	-isystem $(shell $(CC) -print-file-name=include) \
	-Ihv/include -Ihv/arch/x86/include -MMD -MP
ifneq ($(findstring clang,$(CC)),)
HV_CFLAGS += -Wno-gnu-variable-sized-type-not-at-end -Wno-unused-command-line-argument
endif
HV_ASFLAGS := $(filter-out -std=gnu11,$(HV_CFLAGS)) -D__ASSEMBLY__
HV_LDFLAGS := -nostdlib -z max-page-size=0x1000 -z noexecstack --no-warn-rwx-segments \
	-T hv/arch/x86/tern.ld

all: $(B)/tern$(SFX).bin

$(HVB)/%.c.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(HV_CFLAGS) -c $< -o $@

$(HVB)/%.S.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)$(CC) $(HV_ASFLAGS) -c $< -o $@

# Two links: the second embeds the symbol table (text symbols, for backtraces) that the first
# produced. The symbol table lives in the last section, so no other address moves.
$(HVB)/empty-syms.o:
	@mkdir -p $(dir $@)
	printf '.section .tern_syms,"a"\n.balign 8\n.globl tern_syms\ntern_syms: .quad 0\n' | \
	  $(CC) -c -x assembler -o $@ -

$(HVB)/tern.pass1: $(HV_OBJS) $(HVB)/empty-syms.o hv/arch/x86/tern.ld
	$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(HVB)/empty-syms.o

$(HVB)/syms.o: $(HVB)/tern.pass1 scripts/gensyms.sh
	scripts/gensyms.sh $(NM) $< | $(CC) -c -x assembler -o $@ -

$(B)/tern$(SFX)-syms: $(HVB)/syms.o
	@echo "  LD      $@"
	$(Q)$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(HVB)/syms.o
	$(Q)scripts/check-image.sh $(NM) $(HVB)/tern.pass1 $@

$(B)/tern$(SFX).bin: $(B)/tern$(SFX)-syms
	$(Q)$(OBJCOPY) -O binary $< $@

-include $(HV_OBJS:.o=.d)

# ---- host unit tests: one binary per folder tests/unit/<suite>/ ----------------------------
# tests/unit/<suite>/srcs.mk sets SRCS_<suite> to the hypervisor sources the suite tests.
UNIT_SUITES := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/unit/*/srcs.mk))))
$(foreach s,$(UNIT_SUITES),$(eval include tests/unit/$(s)/srcs.mk))
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -DUNIT_TEST \
	-Ihv/include -Ihv/arch/x86/include -Itests/unit -fsanitize=address,undefined \
	-fno-sanitize-recover=undefined -fno-builtin

define unit_rule
$(B)/unit/$(1): $(wildcard tests/unit/$(1)/*.[ch]) $$(SRCS_$(1)) tests/unit/harness.c \
		tests/unit/harness.h $(shell find hv/include -name '*.h')
	@mkdir -p $$(dir $$@)
	@echo "  HOSTCC  $$@"
	$(Q)$(HOSTCC) $(UNIT_CFLAGS) -o $$@ tests/unit/harness.c $(wildcard tests/unit/$(1)/*.c) $$(SRCS_$(1))
endef
$(foreach s,$(UNIT_SUITES),$(eval $(call unit_rule,$(s))))

unit: $(addprefix $(B)/unit/,$(UNIT_SUITES))

# ---- fuzz targets: one libFuzzer binary per folder tests/fuzz/<target>/ (clang only) -------
# tests/fuzz/<target>/srcs.mk sets FUZZ_SRCS_<target> to the sources linked with its fuzz.c;
# the hypervisor's hv/lib goes in too, so that the parsers call Tern's own memcpy and
# vsnprintf. tests/fuzz/run.sh replays the seeds and regressions, then fuzzes for a time.
FUZZ_TARGETS := $(notdir $(patsubst %/,%,$(dir $(wildcard tests/fuzz/*/srcs.mk))))
FUZZ_LIB := hv/lib/string.c hv/lib/strtoul.c hv/lib/vsnprintf.c
$(foreach t,$(FUZZ_TARGETS),$(eval include tests/fuzz/$(t)/srcs.mk))
FUZZ_CC := clang
FUZZ_CFLAGS := $(filter-out -fsanitize=%,$(UNIT_CFLAGS)) -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -DHARNESS_NO_MAIN -Itests/fuzz
FUZZ_TIME ?= 60

define fuzz_rule
$(B)/fuzz/$(1): tests/fuzz/$(1)/fuzz.c tests/fuzz/fuzz.h $$(FUZZ_SRCS_$(1)) tests/unit/harness.c \
		tests/unit/harness.h $(shell find hv -name '*.h')
	@mkdir -p $$(dir $$@)
	@echo "  FUZZCC  $$@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -o $$@ tests/unit/harness.c tests/fuzz/$(1)/fuzz.c \
		$$(FUZZ_SRCS_$(1))
endef
$(foreach t,$(FUZZ_TARGETS),$(eval $(call fuzz_rule,$(t))))

fuzz-targets: $(addprefix $(B)/fuzz/,$(FUZZ_TARGETS))

# Every target for FUZZ_TIME seconds; crashes are saved in build/fuzz/crashes/<target>/.
fuzz: fuzz-targets
	tests/fuzz/run.sh --time $(FUZZ_TIME)

# ---- test guests (guests/guests.mk): build/guests/<name>.elf -------------------------------
-include guests/guests.mk

# ---- setup, tests, demo -------------------------------------------------------------------
setup:
	scripts/setup.sh

test: setup
	$(MAKE) -j$(shell nproc) all unit guests fuzz-targets
	$(MAKE) -j$(shell nproc) CC=clang all
	scripts/run-tests

run: setup all
	scripts/run-demo

# dom0's root from Debian's packages (docs/dom0.md); mkdom0 decides itself what is up to date.
dom0-root: setup
	scripts/mkdom0

iso: all
	scripts/mkiso.sh $(B)/tern.bin $(B)/tern.iso

clean:
	rm -rf $(B)/hv-* $(B)/unit $(B)/tern*.bin $(B)/tern*-syms $(B)/tern.iso $(B)/tests
	rm -f $(addprefix $(B)/fuzz/,$(FUZZ_TARGETS))

.PHONY: all unit fuzz-targets fuzz guests setup test run dom0-root iso clean
