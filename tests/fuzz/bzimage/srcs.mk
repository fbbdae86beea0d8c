# SPDX-License-Identifier: MIT
# Kernel images: the bzImage setup header, the format dispatch and every decompressor behind
# kernel_image_decompress (xmalloc from the decompress unit suite).
FUZZ_SRCS_bzimage := $(wildcard hv/common/decompress/*.c) tests/unit/decompress/util.c \
	$(FUZZ_LIB)
