// SPDX-License-Identifier: MIT
/* XENMEM_acquire_resource's arithmetic: resource sizes and request checks (tern/resource.h). */
#include <tern/errno.h>
#include <tern/resource.h>

/* Xen's struct ioreq: 32 bytes a vCPU in the ioreq page(s). */
#define IOREQ_BYTES 32U
#define FRAME_BYTES 4096U
/* Grant v2 entries (16 bytes) a frame, and grant status words (2 bytes) a frame. */
#define GRANT_V2_PER_FRAME (FRAME_BYTES / 16U)
#define STATUS_PER_FRAME (FRAME_BYTES / 2U)

unsigned int resource_max_frames(unsigned int type, uint32_t id, unsigned int gnttab_max,
                                 unsigned int max_vcpus)
{
    switch (type) {
    case XENMEM_resource_grant_table:
        if (id == XENMEM_resource_grant_table_id_shared)
            return gnttab_max;
        /* Xen builds with grant v2 (GNTTAB_MAX_VERSION 2), so the status frames have a
         * size even while the table is v1; mapping them is what fails. */
        if (id == XENMEM_resource_grant_table_id_status)
            return (gnttab_max * GRANT_V2_PER_FRAME + STATUS_PER_FRAME - 1) / STATUS_PER_FRAME;
        return 0;
    case XENMEM_resource_ioreq_server:
        /* The buffered ring, then the synchronous slots of every vCPU. */
        return 1 + (max_vcpus * IOREQ_BYTES + FRAME_BYTES - 1) / FRAME_BYTES;
    case XENMEM_resource_vmtrace_buf:
        return 0; /* Tern gives no domain a trace buffer (vmtrace_size 0) */
    default:
        return (unsigned int)-EOPNOTSUPP;
    }
}

int resource_request_check(const struct xen_mem_acquire_resource *x)
{
    if (x->pad)
        return -EINVAL;
    if ((x->frame >> 32) || ((x->frame + x->nr_frames) >> 32))
        return -EINVAL;
    return 0;
}

int resource_list_check(const struct xen_mem_acquire_resource *x, unsigned long start)
{
    if (start >= x->nr_frames || x->nr_frames > (UINT32_MAX >> MEMOP_EXTENT_SHIFT))
        return -EINVAL;
    return 0;
}
