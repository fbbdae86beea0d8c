# SPDX-License-Identifier: MIT
# LZ4: the legacy frame Linux uses, the LZ4 frame format, and the block decoder.
FUZZ_SRCS_lz4 := hv/common/decompress/lz4.c hv/common/decompress/crc.c \
	tests/unit/decompress/util.c $(FUZZ_LIB)
