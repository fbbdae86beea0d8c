# SPDX-License-Identifier: MIT
# The kernel decompressors (hv/common/decompress): bzImage, gzip, xz, LZ4, zstd.
SRCS_decompress := hv/common/decompress/bzimage.c hv/common/decompress/crc.c \
	hv/common/decompress/decompress.c hv/common/decompress/gzip.c \
	hv/common/decompress/inflate.c hv/common/decompress/lz4.c \
	hv/common/decompress/lzma2.c hv/common/decompress/xz.c hv/common/decompress/zstd.c \
	hv/common/decompress/zstd_entropy.c
