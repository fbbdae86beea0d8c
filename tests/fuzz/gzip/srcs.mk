# SPDX-License-Identifier: MIT
# The gzip container and the DEFLATE decoder (xmalloc from the decompress unit suite).
FUZZ_SRCS_gzip := hv/common/decompress/gzip.c hv/common/decompress/inflate.c \
	hv/common/decompress/crc.c tests/unit/decompress/util.c $(FUZZ_LIB)
