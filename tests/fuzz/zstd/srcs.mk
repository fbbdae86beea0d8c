# SPDX-License-Identifier: MIT
# Zstandard frames, literals, sequences, FSE and Huffman tables.
FUZZ_SRCS_zstd := hv/common/decompress/zstd.c hv/common/decompress/zstd_entropy.c \
	hv/common/decompress/crc.c tests/unit/decompress/util.c $(FUZZ_LIB)
