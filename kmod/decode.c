// SPDX-License-Identifier: GPL-2.0
/*
 * Decode a vm_event request (Xen's layout) into a uAPI event record.
 *
 * The request is a private copy; it is validated here like any other
 * untrusted input before a single field is used.
 */
#include <linux/string.h>
#include <kunit/visibility.h>

#include "xenintro.h"

static void xenintro_decode_segment(struct xenintro_segment *seg, u64 base,
				    u32 packed, u16 selector)
{
	seg->base = base;
	seg->limit = packed & XVE_SEG_LIMIT_MASK;
	seg->ar = packed >> XVE_SEG_AR_SHIFT;
	seg->selector = selector;
}

static void xenintro_decode_regs(const struct xve_regs_x86 *x,
				 struct xenintro_regs *r)
{
	r->rax = x->rax;
	r->rcx = x->rcx;
	r->rdx = x->rdx;
	r->rbx = x->rbx;
	r->rsp = x->rsp;
	r->rbp = x->rbp;
	r->rsi = x->rsi;
	r->rdi = x->rdi;
	r->r8 = x->r8;
	r->r9 = x->r9;
	r->r10 = x->r10;
	r->r11 = x->r11;
	r->r12 = x->r12;
	r->r13 = x->r13;
	r->r14 = x->r14;
	r->r15 = x->r15;
	r->rflags = x->rflags;
	r->rip = x->rip;
	r->dr6 = x->dr6;
	r->dr7 = x->dr7;
	r->cr0 = x->cr0;
	r->cr2 = x->cr2;
	r->cr3 = x->cr3;
	r->cr4 = x->cr4;
	r->sysenter_cs = x->sysenter_cs;
	r->sysenter_esp = x->sysenter_esp;
	r->sysenter_eip = x->sysenter_eip;
	r->msr_efer = x->msr_efer;
	r->msr_star = x->msr_star;
	r->msr_lstar = x->msr_lstar;
	r->gdtr_base = x->gdtr_base;
	r->gdtr_limit = x->gdtr_limit;
	r->shadow_gs = x->shadow_gs;
	r->npt_base = x->npt_base;
	r->vmtrace_pos = x->vmtrace_pos;
	xenintro_decode_segment(&r->cs, x->cs_base, x->cs, x->cs_sel);
	xenintro_decode_segment(&r->ss, x->ss_base, x->ss, x->ss_sel);
	xenintro_decode_segment(&r->ds, x->ds_base, x->ds, x->ds_sel);
	xenintro_decode_segment(&r->es, x->es_base, x->es, x->es_sel);
	xenintro_decode_segment(&r->fs, x->fs_base, x->fs, x->fs_sel);
	xenintro_decode_segment(&r->gs, x->gs_base, x->gs, x->gs_sel);
}

static u32 xenintro_decode_ma_flags(u32 xflags)
{
	u32 flags = 0;

	if (xflags & XVE_MEM_ACCESS_GLA_VALID)
		flags |= XENINTRO_MA_GLA_VALID;
	if (xflags & XVE_MEM_ACCESS_FAULT_WITH_GLA)
		flags |= XENINTRO_MA_FAULT_WITH_GLA;
	if (xflags & XVE_MEM_ACCESS_FAULT_IN_GPT)
		flags |= XENINTRO_MA_FAULT_IN_GPT;
	return flags;
}

/* Reason-specific fields; -EBADMSG for a reason or value xenintro rejects. */
static int xenintro_decode_reason(const struct xve_event *req,
				  struct xenintro_event *ev)
{
	switch (req->reason) {
	case XVE_REASON_MEM_ACCESS:
		ev->u.mem_access.gfn = req->u.mem_access.gfn;
		ev->u.mem_access.offset = req->u.mem_access.offset;
		ev->u.mem_access.gla = req->u.mem_access.gla;
		ev->u.mem_access.access = req->u.mem_access.flags &
					  XVE_MEM_ACCESS_RWX;
		ev->u.mem_access.flags =
			xenintro_decode_ma_flags(req->u.mem_access.flags);
		return 0;
	case XVE_REASON_WRITE_CTRLREG:
		if (req->u.write_ctrlreg.index > XVE_X86_XCR0)
			return -EBADMSG;
		ev->u.ctrlreg.index = req->u.write_ctrlreg.index;
		ev->u.ctrlreg.new_value = req->u.write_ctrlreg.new_value;
		ev->u.ctrlreg.old_value = req->u.write_ctrlreg.old_value;
		return 0;
	case XVE_REASON_MOV_TO_MSR:
		ev->u.msr.msr = req->u.mov_to_msr.msr;
		ev->u.msr.new_value = req->u.mov_to_msr.new_value;
		ev->u.msr.old_value = req->u.mov_to_msr.old_value;
		return 0;
	case XVE_REASON_SOFTWARE_BREAKPOINT:
	case XVE_REASON_DEBUG_EXCEPTION:
		/* Both use struct vm_event_debug at the same place. */
		ev->u.debug.gfn = req->u.software_breakpoint.gfn;
		ev->u.debug.pending_dbg = req->u.software_breakpoint.pending_dbg;
		ev->u.debug.insn_length = req->u.software_breakpoint.insn_length;
		ev->u.debug.type = req->u.software_breakpoint.type;
		return 0;
	case XVE_REASON_SINGLESTEP:
		ev->u.singlestep.gfn = req->u.singlestep.gfn;
		return 0;
	case XVE_REASON_GUEST_REQUEST:
	case XVE_REASON_EMUL_UNIMPLEMENTED:
		/* Nothing beyond the registers. */
		return 0;
	case XVE_REASON_CPUID:
		ev->u.cpuid.leaf = req->u.cpuid.leaf;
		ev->u.cpuid.subleaf = req->u.cpuid.subleaf;
		ev->u.cpuid.insn_length = req->u.cpuid.insn_length;
		return 0;
	case XVE_REASON_INTERRUPT:
		ev->u.interrupt.vector = req->u.interrupt.vector;
		ev->u.interrupt.type = req->u.interrupt.type;
		ev->u.interrupt.error_code = req->u.interrupt.error_code;
		ev->u.interrupt.cr2 = req->u.interrupt.cr2;
		return 0;
	case XVE_REASON_DESCRIPTOR_ACCESS:
		if (req->u.desc_access.descriptor < XENINTRO_DESC_IDTR ||
		    req->u.desc_access.descriptor > XENINTRO_DESC_TR)
			return -EBADMSG;
		ev->u.desc_access.instr_info = req->u.desc_access.instr_info;
		ev->u.desc_access.exit_qualification =
			req->u.desc_access.exit_qualification;
		ev->u.desc_access.descriptor = req->u.desc_access.descriptor;
		ev->u.desc_access.is_write = !!req->u.desc_access.is_write;
		return 0;
	case XVE_REASON_VMEXIT:
		ev->u.vmexit.reason = req->u.vmexit.reason;
		ev->u.vmexit.qualification = req->u.vmexit.qualification;
		return 0;
	default:
		/* Paging, sharing, ARM calls and anything newer than v7. */
		return -EBADMSG;
	}
}

/**
 * xenintro_decode() - validate a request and decode it
 * @req: private copy of the request
 * @max_vcpus: vCPUs of the domain
 * @ev: the record to fill; seq and timestamp are left for the caller
 *
 * Return: 0; -EPROTO for a wrong interface version; -ERANGE for a vCPU
 * the domain does not have; -EBADMSG for an unknown reason or an
 * impossible field. @ev is undefined on error.
 */
int xenintro_decode(const struct xve_event *req, u32 max_vcpus,
		    struct xenintro_event *ev)
{
	if (req->version != XVE_INTERFACE_VERSION)
		return -EPROTO;
	if (req->vcpu_id >= max_vcpus)
		return -ERANGE;

	memset(ev, 0, sizeof(*ev));
	ev->reason = req->reason;
	ev->vcpu = req->vcpu_id;
	ev->rule = ~0U;
	if (req->flags & XVE_FLAG_VCPU_PAUSED)
		ev->flags |= XENINTRO_EF_SYNC;
	if (req->flags & XVE_FLAG_FOREIGN)
		ev->flags |= XENINTRO_EF_FOREIGN;
	if (req->flags & XVE_FLAG_ALTERNATE_P2M) {
		ev->flags |= XENINTRO_EF_ALTP2M;
		ev->altp2m_idx = req->altp2m_idx;
	}
	if (req->flags & XVE_FLAG_NESTED_P2M)
		ev->flags |= XENINTRO_EF_NESTED;

	xenintro_decode_regs(&req->data.x86, &ev->regs);
	return xenintro_decode_reason(req, ev);
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_decode);
