// SPDX-License-Identifier: MIT
/* The emulated local APIC. Until Linux guests need one (roadmap step 3) there is none:
 * CPUID hides x2APIC and every hook declines, so the access is treated as unclaimed. */
#include <tern/domain.h>
#include "hvm_private.h"

bool hvm_vcpu_has_x2apic(struct vcpu *v)
{
    return false;
}

bool hvm_vlapic_portio_hook(struct vcpu *v, uint16_t port, unsigned int size, bool in,
                            uint32_t *val)
{
    return false;
}

bool hvm_vlapic_mmio(struct vcpu *v, uint64_t gpa, uint64_t error_code)
{
    return false;
}

bool hvm_vlapic_has_pending(struct vcpu *v)
{
    return false;
}

bool hvm_vlapic_inject(struct vcpu *v)
{
    return false;
}

bool hvm_vlapic_msr(struct vcpu *v, uint32_t msr, bool write, uint64_t *val)
{
    return false;
}
