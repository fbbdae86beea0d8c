// SPDX-License-Identifier: MIT
/* XENMEM_acquire_resource's arithmetic against Xen 4.17's (common/memory.c, grant_table.c). */
#include "harness.h"
#include <public/memory.h>
#include <tern/errno.h>
#include <tern/resource.h>

TEST(grant_table_sizes)
{
    unsigned int n = resource_max_frames(XENMEM_resource_grant_table,
                                         XENMEM_resource_grant_table_id_shared, 64, 2);
    CHECK(n == 64, "shared frames of a 64-frame table: %u, expected 64", n);
    /* grant_to_status_frames: 64 frames of 256 v2 entries, 2048 status words a frame. */
    n = resource_max_frames(XENMEM_resource_grant_table, XENMEM_resource_grant_table_id_status,
                            64, 2);
    CHECK(n == 8, "status frames of a 64-frame table: %u, expected 8", n);
    n = resource_max_frames(XENMEM_resource_grant_table, XENMEM_resource_grant_table_id_status,
                            1, 2);
    CHECK(n == 1, "status frames of a 1-frame table: %u, expected 1 (rounded up)", n);
    n = resource_max_frames(XENMEM_resource_grant_table, 2, 64, 2);
    CHECK(n == 0, "grant table id 2: %u, expected 0 (-EINVAL)", n);
    n = resource_max_frames(XENMEM_resource_grant_table, XENMEM_resource_grant_table_id_shared,
                            0, 2);
    CHECK(n == 0, "a torn-down table: %u frames, expected 0", n);
}

TEST(other_types)
{
    unsigned int n = resource_max_frames(XENMEM_resource_ioreq_server, 0, 64, 1);
    CHECK(n == 2, "ioreq server, 1 vCPU: %u, expected 2 (bufioreq + 1)", n);
    n = resource_max_frames(XENMEM_resource_ioreq_server, 0, 64, 129);
    CHECK(n == 3, "ioreq server, 129 vCPUs: %u, expected 3 (32-byte slots)", n);
    n = resource_max_frames(XENMEM_resource_vmtrace_buf, 0, 64, 1);
    CHECK(n == 0, "vmtrace without a buffer: %u, expected 0", n);
    n = resource_max_frames(7, 0, 64, 1);
    CHECK(n == (unsigned int)-EOPNOTSUPP, "unknown type: %#x, expected Xen's (unsigned)"
          "-EOPNOTSUPP %#x", n, (unsigned int)-EOPNOTSUPP);
}

TEST(request_checks)
{
    struct xen_mem_acquire_resource x = { .nr_frames = 1, .frame = 0 };
    CHECK(resource_request_check(&x) == 0, "frame 0, 1 frame refused");
    x.pad = 1;
    CHECK(resource_request_check(&x) == -EINVAL, "pad 1 accepted");
    x.pad = 0;
    x.frame = 1ULL << 32;
    CHECK(resource_request_check(&x) == -EINVAL, "frame 2^32 accepted");
    x.frame = 0xffffffffULL;
    CHECK(resource_request_check(&x) == -EINVAL, "frame + nr_frames = 2^32 accepted");
    x.nr_frames = 0;
    CHECK(resource_request_check(&x) == 0, "frame 2^32 - 1 with 0 frames refused");
}

TEST(list_checks)
{
    struct xen_mem_acquire_resource x = { .nr_frames = 4 };
    CHECK(resource_list_check(&x, 0) == 0, "start 0 of 4 refused");
    CHECK(resource_list_check(&x, 3) == 0, "start 3 of 4 refused");
    CHECK(resource_list_check(&x, 4) == -EINVAL, "start 4 of 4 accepted");
    x.nr_frames = 0;
    CHECK(resource_list_check(&x, 0) == -EINVAL, "a frame list with 0 frames accepted");
    x.nr_frames = UINT32_MAX >> MEMOP_EXTENT_SHIFT;
    CHECK(resource_list_check(&x, 0) == 0, "the largest encodable count refused");
    x.nr_frames++;
    CHECK(resource_list_check(&x, 0) == -EINVAL, "a count a continuation cannot encode");
}
