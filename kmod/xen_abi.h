/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The Xen 4.17 vm_event ABI (interface version 7) as xenintro uses it,
 * written from the layouts of Xen's public/vm_event.h (not copied). Only the
 * monitor ring lives here; hypercall structures belong to the Xen backend.
 *
 * Every offset below is asserted in xenintro_xen_abi_check() so a typo
 * breaks the build rather than a guest.
 */
#ifndef _XENINTRO_XEN_ABI_H
#define _XENINTRO_XEN_ABI_H

#include <linux/bits.h>
#include <linux/build_bug.h>
#include <linux/stddef.h>
#include <linux/types.h>

#define XVE_INTERFACE_VERSION		7

/* vm_event flags (request and response) */
#define XVE_FLAG_VCPU_PAUSED		BIT(0)
#define XVE_FLAG_FOREIGN		BIT(1)
#define XVE_FLAG_EMULATE		BIT(2)
#define XVE_FLAG_EMULATE_NOWRITE	BIT(3)
#define XVE_FLAG_TOGGLE_SINGLESTEP	BIT(4)
#define XVE_FLAG_SET_EMUL_READ_DATA	BIT(5)
#define XVE_FLAG_DENY			BIT(6)
#define XVE_FLAG_ALTERNATE_P2M		BIT(7)
#define XVE_FLAG_SET_REGISTERS		BIT(8)
#define XVE_FLAG_SET_EMUL_INSN_DATA	BIT(9)
#define XVE_FLAG_GET_NEXT_INTERRUPT	BIT(10)
#define XVE_FLAG_FAST_SINGLESTEP	BIT(11)
#define XVE_FLAG_NESTED_P2M		BIT(12)

/* vm_event reasons */
#define XVE_REASON_UNKNOWN		0
#define XVE_REASON_MEM_ACCESS		1
#define XVE_REASON_MEM_SHARING		2
#define XVE_REASON_MEM_PAGING		3
#define XVE_REASON_WRITE_CTRLREG	4
#define XVE_REASON_MOV_TO_MSR		5
#define XVE_REASON_SOFTWARE_BREAKPOINT	6
#define XVE_REASON_SINGLESTEP		7
#define XVE_REASON_GUEST_REQUEST	8
#define XVE_REASON_DEBUG_EXCEPTION	9
#define XVE_REASON_CPUID		10
#define XVE_REASON_PRIVILEGED_CALL	11
#define XVE_REASON_INTERRUPT		12
#define XVE_REASON_DESCRIPTOR_ACCESS	13
#define XVE_REASON_EMUL_UNIMPLEMENTED	14
#define XVE_REASON_VMEXIT		15

/* u.write_ctrlreg.index */
#define XVE_X86_CR0			0
#define XVE_X86_CR3			1
#define XVE_X86_CR4			2
#define XVE_X86_XCR0			3

/* u.mem_access.flags */
#define XVE_MEM_ACCESS_R		0x01
#define XVE_MEM_ACCESS_W		0x02
#define XVE_MEM_ACCESS_X		0x04
#define XVE_MEM_ACCESS_RWX		0x07
#define XVE_MEM_ACCESS_GLA_VALID	0x08
#define XVE_MEM_ACCESS_FAULT_WITH_GLA	0x10
#define XVE_MEM_ACCESS_FAULT_IN_GPT	0x20

/* Segment register: limit in bits 0-19, access rights in bits 20-31. */
#define XVE_SEG_LIMIT_MASK		0x000fffffU
#define XVE_SEG_AR_SHIFT		20

struct xve_regs_x86 {
	u64 rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	u64 r8, r9, r10, r11, r12, r13, r14, r15;
	u64 rflags, dr6, dr7, rip, cr0, cr2, cr3, cr4;
	u64 sysenter_cs, sysenter_esp, sysenter_eip;
	u64 msr_efer, msr_star, msr_lstar, gdtr_base;
	u64 npt_base, vmtrace_pos;
	u32 cs_base, ss_base, ds_base, es_base;
	u64 fs_base, gs_base;
	u32 cs, ss, ds, es, fs, gs;	/* packed limit/ar, see XVE_SEG_* */
	u64 shadow_gs;
	u16 gdtr_limit;
	u16 cs_sel, ss_sel, ds_sel, es_sel, fs_sel, gs_sel;
	u16 pad;
};

struct xve_mem_access {
	u64 gfn;
	u64 offset;
	u64 gla;
	u32 flags;
	u32 pad;
};

struct xve_write_ctrlreg {
	u32 index;
	u32 pad;
	u64 new_value;
	u64 old_value;
};

struct xve_mov_to_msr {
	u64 msr;
	u64 new_value;
	u64 old_value;
};

struct xve_desc_access {
	u32 instr_info;
	u32 pad1;
	u64 exit_qualification;
	u8 descriptor;
	u8 is_write;
	u8 pad[6];
};

struct xve_singlestep {
	u64 gfn;
};

struct xve_debug {
	u64 gfn;
	u64 pending_dbg;
	u32 insn_length;
	u8 type;
	u8 pad[3];
};

struct xve_cpuid {
	u32 insn_length;
	u32 leaf;
	u32 subleaf;
	u32 pad;
};

struct xve_vmexit {
	u64 reason;
	u64 qualification;
};

struct xve_interrupt {
	u32 vector;
	u32 type;
	u32 error_code;
	u32 pad;
	u64 cr2;
};

#define XVE_EMUL_READ_MAX		340

/* struct vm_event_st: one request or response, 400 bytes. */
struct xve_event {
	u32 version;
	u32 flags;
	u32 reason;
	u32 vcpu_id;
	u16 altp2m_idx;
	u16 pad[3];
	union {
		struct xve_mem_access mem_access;
		struct xve_write_ctrlreg write_ctrlreg;
		struct xve_mov_to_msr mov_to_msr;
		struct xve_desc_access desc_access;
		struct xve_singlestep singlestep;
		struct xve_debug software_breakpoint;
		struct xve_debug debug_exception;
		struct xve_cpuid cpuid;
		struct xve_vmexit vmexit;
		struct xve_interrupt interrupt;
		u8 raw[32];
	} u;
	union {
		struct xve_regs_x86 x86;
		struct {
			u32 size;
			u8 data[XVE_EMUL_READ_MAX];
		} emul_read;
		u8 emul_insn[16];
	} data;
};

/*
 * The monitor ring: one 4096-byte page shared with Xen. Xen is the front
 * end (produces requests, consumes responses); the consumer is the back
 * end. Indices are free-running u32 counters.
 */
#define XVE_RING_PAGE_SIZE		4096
#define XVE_RING_ENTRIES		8

struct xve_sring {
	u32 req_prod;	/* written by Xen */
	u32 req_event;
	u32 rsp_prod;	/* written by the consumer */
	u32 rsp_event;	/* written by Xen */
	u8 pvt_pad[48];
	struct xve_event ring[XVE_RING_ENTRIES];
};

static inline void xenintro_xen_abi_check(void)
{
	BUILD_BUG_ON(sizeof(struct xve_regs_x86) != 344);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, rip) != 152);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, cr2) != 168);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, msr_lstar) != 232);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, npt_base) != 248);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, cs_base) != 264);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, fs_base) != 280);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, cs) != 296);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, shadow_gs) != 320);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, gdtr_limit) != 328);
	BUILD_BUG_ON(offsetof(struct xve_regs_x86, cs_sel) != 330);
	BUILD_BUG_ON(sizeof(struct xve_event) != 400);
	BUILD_BUG_ON(offsetof(struct xve_event, u) != 24);
	BUILD_BUG_ON(offsetof(struct xve_event, data) != 56);
	BUILD_BUG_ON(offsetof(struct xve_event, u.mem_access.flags) != 48);
	BUILD_BUG_ON(offsetof(struct xve_event, u.write_ctrlreg.old_value) != 40);
	BUILD_BUG_ON(offsetof(struct xve_event, u.desc_access.descriptor) != 40);
	BUILD_BUG_ON(offsetof(struct xve_event, u.software_breakpoint.type) != 44);
	BUILD_BUG_ON(offsetof(struct xve_event, u.cpuid.subleaf) != 32);
	BUILD_BUG_ON(offsetof(struct xve_event, u.interrupt.cr2) != 40);
	BUILD_BUG_ON(offsetof(struct xve_event, data.emul_read.data) != 60);
	BUILD_BUG_ON(offsetof(struct xve_sring, ring) != 64);
	BUILD_BUG_ON(sizeof(struct xve_sring) > XVE_RING_PAGE_SIZE);
}

#endif /* _XENINTRO_XEN_ABI_H */
