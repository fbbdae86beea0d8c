# SPDX-License-Identifier: MIT
# The .xz container, the x86 BCJ filter and LZMA2 (xmalloc from the decompress unit suite).
FUZZ_SRCS_xz := hv/common/decompress/xz.c hv/common/decompress/lzma2.c \
	hv/common/decompress/crc.c tests/unit/decompress/util.c $(FUZZ_LIB)
