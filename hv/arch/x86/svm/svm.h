/* SPDX-License-Identifier: MIT */
/* Private interface between the SVM files. */
#ifndef SVM_PRIVATE_H
#define SVM_PRIVATE_H

#include <asm/domain.h>
#include <tern/types.h>

struct vcpu;

void svm_vmrun(struct guest_gprs *gprs, paddr_t guest_vmcb, paddr_t host_vmcb);
/* Handle the exit just taken (exits.c). */
void svm_handle_exit(struct vcpu *v, uint64_t entry_tsc);
void svm_inject_gp(struct vcpu *v);

/* Guest debug registers (debugreg.c): a DR access exit, and the hooks around VMRUN. */
void svm_dr_access(struct vcpu *v);
void svm_dr_before_entry(struct vcpu *v);
void svm_dr_after_exit(struct vcpu *v);
void svm_dr_forget(struct vcpu *v);

/* A vCPU that runs nowhere as an HVM context CPU record, and back (svm_save.c). */
struct hvm_hw_cpu;
void svm_save_cpu(struct vcpu *v, struct hvm_hw_cpu *c);
void svm_load_cpu(struct vcpu *v, const struct hvm_hw_cpu *c);

#endif
