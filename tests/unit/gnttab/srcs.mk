# SPDX-License-Identifier: MIT
# Grant tables: map/unmap/copy, revocation, growth and teardown against a fake p2m and domains.
SRCS_gnttab := hv/common/grant_table.c
