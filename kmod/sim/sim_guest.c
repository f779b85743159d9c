// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_sim: what each simulated guest instruction does, and which
 * monitor event it raises, following Xen 4.17's intercept handlers
 * (arch/x86/hvm/hvm.c, hvm/monitor.c, hvm/vmx/vmx.c, mm/mem_access.c).
 *
 * An instruction is executed by the calling task acting as the vCPU: it
 * owns the vCPU (run_lock), runs only while the vCPU may run, and sleeps
 * wherever a real vCPU would be descheduled. A "fault-like" event (a page
 * access, INT3, CPUID, a descriptor-table access) leaves the instruction
 * unfinished: after the answer the vCPU re-executes it unless the answer
 * emulated it or moved RIP. A real vCPU would trap forever; here the
 * instruction gives up after SIM_REFAULT_LIMIT tries (result=refault).
 *
 * Instruction lengths: page access 3, MOV to CR 3, XSETBV 3, WRMSR 2,
 * INT3 1, CPUID 2, VMCALL 3, SGDT/LGDT & co. 3, a single step 1.
 *
 * CPUID result (deterministic, documented in sim_debugfs.c):
 *   eax = leaf, ebx = subleaf, ecx = 0x73696d20 ("sim "), edx = leaf ^ subleaf
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/string.h>

#include "sim.h"

#define SIM_LEN_ACCESS		3
#define SIM_LEN_MOV_CR		3
#define SIM_LEN_XSETBV		3
#define SIM_LEN_WRMSR		2
#define SIM_LEN_INT3		1
#define SIM_LEN_CPUID		2
#define SIM_LEN_VMCALL		3
#define SIM_LEN_DESC		3
#define SIM_LEN_STEP		1

#define SIM_CPUID_ECX		0x73696d20	/* "sim " */
#define SIM_CR4_PCIDE		BIT_ULL(17)
#define SIM_CR3_NOFLUSH		BIT_ULL(63)
#define SIM_EVENTTYPE_HW_EXC	3
#define SIM_EVENTTYPE_SW_EXC	6

static const char * const sim_result_names[] = {
	[SIM_R_DONE] = "done",
	[SIM_R_EMULATED] = "emulated",
	[SIM_R_EMULATED_NOWRITE] = "emulated-nowrite",
	[SIM_R_EMULATED_READDATA] = "emulated-readdata",
	[SIM_R_DENIED] = "denied",
	[SIM_R_REINJECTED] = "reinjected",
	[SIM_R_SKIPPED] = "skipped",
	[SIM_R_REFAULT] = "refault",
	[SIM_R_DEAD] = "dead",
	[SIM_R_NO_EVENT] = "no-event",
};

const char *sim_result_name(enum sim_result r)
{
	return r < ARRAY_SIZE(sim_result_names) ? sim_result_names[r] : "?";
}

static u64 sim_rip(struct sim_domain *d, struct sim_vcpu *v)
{
	unsigned long flags;
	u64 rip;

	spin_lock_irqsave(&d->lock, flags);
	rip = v->regs.g.rip;
	spin_unlock_irqrestore(&d->lock, flags);
	return rip;
}

static void sim_advance(struct sim_domain *d, struct sim_vcpu *v, u64 len)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	v->regs.g.rip += len;
	spin_unlock_irqrestore(&d->lock, flags);
}

/* gfn_of_rip(): the simulation has no guest page tables. */
static u64 sim_gfn_of_rip(const struct sim_domain *d, u64 rip)
{
	return (rip >> PAGE_SHIFT) % d->nr_frames;
}

static u64 *sim_cr(struct sim_vcpu *v, u32 index)
{
	switch (index) {
	case XVE_X86_CR0:
		return &v->regs.cr0;
	case XVE_X86_CR3:
		return &v->regs.cr3;
	case XVE_X86_CR4:
		return &v->regs.cr4;
	default:
		return &v->regs.xcr0;
	}
}

static void sim_req_init(struct sim_vcpu *v, u32 reason)
{
	memset(&v->req, 0, sizeof(v->req));
	v->req.reason = reason;
}

/*
 * Raise the event in v->req. Returns SIM_PLACED (*seq is the request's
 * sequence number), SIM_DROPPED, SIM_DEAD or -EINTR.
 */
static int sim_event_raise(struct sim_domain *d, struct sim_vcpu *v,
			   struct sim_outcome *out, bool sync,
			   const struct sim_defer *defer, u32 *seq)
{
	unsigned long flags;
	int ret;

	ret = sim_raise(d, v, sync, defer);
	if (ret == SIM_PLACED) {
		out->events++;
		spin_lock_irqsave(&d->lock, flags);
		*seq = v->req_seq;
		spin_unlock_irqrestore(&d->lock, flags);
	}
	return ret;
}

/*
 * After raising request @seq and finishing what the instruction does
 * before it stops: deschedule until the vCPU may run (for a sync event,
 * after its response). Storms also wait for async answers and collect
 * the latency from placing the request to applying its response.
 * Returns SIM_OK, SIM_DEAD or -EINTR.
 */
static int sim_event_wait(struct sim_domain *d, struct sim_vcpu *v,
			  struct sim_exec *x, u32 seq, bool sync,
			  struct sim_resume *res)
{
	unsigned long flags;
	int ret;

	ret = sim_vcpu_block(d, v, x->wait_async && !sync ? &seq : NULL, res);
	if (ret != SIM_OK || !x->lat || x->lat_n >= x->lat_cap)
		return ret;
	spin_lock_irqsave(&d->lock, flags);
	if ((s32)(v->rsp_seq - seq) >= 0)
		x->lat[x->lat_n++] = v->lat_ns;
	spin_unlock_irqrestore(&d->lock, flags);
	return SIM_OK;
}

/* Map the internal status of a raise/wait onto the outcome. */
static int sim_event_end(int ret, struct sim_outcome *out)
{
	if (ret == SIM_DEAD) {
		out->result = SIM_R_DEAD;
		return 0;
	}
	return ret;
}

static u64 sim_read_data_word(const struct sim_vcpu *v)
{
	u64 val = 0;

	memcpy(&val, v->read, min_t(u32, v->read_size, sizeof(val)));
	return val;
}

static void sim_copy_read_data(const struct sim_vcpu *v,
			       struct sim_outcome *out)
{
	out->read_size = min_t(u32, v->read_size, XVE_EMUL_READ_MAX);
	memcpy(out->read, v->read, min_t(u32, out->read_size,
					 sizeof(out->read)));
}

/* Execute (or emulate, per Xen's emulate_flags) the page access. */
static int sim_access_perform(struct sim_domain *d, struct sim_vcpu *v,
			      struct sim_exec *x, struct sim_outcome *out,
			      u32 eflags)
{
	unsigned long flags;
	u64 val;
	int ret;

	/* hvm_vm_event_do_resume(): READ_DATA wins over NOWRITE. */
	if (eflags & XVE_FLAG_SET_EMUL_READ_DATA)
		out->result = SIM_R_EMULATED_READDATA;
	else if (eflags & XVE_FLAG_EMULATE_NOWRITE)
		out->result = SIM_R_EMULATED_NOWRITE;
	else if (eflags)
		out->result = SIM_R_EMULATED;
	else
		out->result = SIM_R_DONE;

	switch (x->access) {
	case XVE_MEM_ACCESS_R:		/* mov (mem), %rax */
		if (out->result == SIM_R_EMULATED_READDATA)
			val = sim_read_data_word(v);
		else
			val = sim_frame_read(d, x->gfn, x->offset);
		spin_lock_irqsave(&d->lock, flags);
		v->regs.g.rax = val;
		spin_unlock_irqrestore(&d->lock, flags);
		break;
	case XVE_MEM_ACCESS_W:		/* mov %rax (or value=), (mem) */
		spin_lock_irqsave(&d->lock, flags);
		val = x->has_value ? x->value : v->regs.g.rax;
		spin_unlock_irqrestore(&d->lock, flags);
		if (out->result != SIM_R_EMULATED_NOWRITE) {
			ret = sim_frame_write(d, x->gfn, x->offset, val);
			if (ret)
				return ret;
		}
		val = sim_frame_read(d, x->gfn, x->offset);
		break;
	default:			/* instruction fetch */
		val = sim_frame_read(d, x->gfn, x->offset);
		break;
	}
	out->value = val;
	if (out->result == SIM_R_EMULATED_READDATA)
		sim_copy_read_data(v, out);
	sim_advance(d, v, SIM_LEN_ACCESS);
	return 0;
}

/* An EPT violation: p2m_mem_access_check() and its answer. */
static int sim_do_access(struct sim_domain *d, struct sim_vcpu *v,
			 struct sim_exec *x, struct sim_outcome *out)
{
	u64 insn_rip = sim_rip(d, v);
	struct xve_mem_access *ma;
	struct sim_resume res;
	unsigned int tries = 0;
	unsigned long flags;
	bool allowed;
	u32 seq = 0;
	int ret;

	for (;;) {
		spin_lock_irqsave(&d->lock, flags);
		allowed = !(x->access & ~d->rights[x->gfn]);
		if (!allowed && !d->ring) {
			/* No listener, access_required=0: reset to rwx. */
			sim_set_rights_locked(d, x->gfn, SIM_RIGHTS_RWX);
			allowed = true;
		}
		spin_unlock_irqrestore(&d->lock, flags);
		if (allowed)
			return sim_access_perform(d, v, x, out, 0);
		if (tries++ == SIM_REFAULT_LIMIT) {
			out->result = SIM_R_REFAULT;
			return 0;
		}

		sim_req_init(v, XVE_REASON_MEM_ACCESS);
		ma = &v->req.u.mem_access;
		ma->gfn = x->gfn;
		ma->offset = x->offset & ~PAGE_MASK;
		ma->flags = x->access;
		if (x->has_gla) {
			ma->gla = x->gla;
			ma->flags |= XVE_MEM_ACCESS_GLA_VALID |
				     XVE_MEM_ACCESS_FAULT_WITH_GLA;
		}
		ret = sim_event_raise(d, v, out, true, NULL, &seq);
		if (ret == SIM_DROPPED)
			continue;	/* the ring went away: retry */
		if (ret != SIM_PLACED)
			return sim_event_end(ret, out);
		ret = sim_event_wait(d, v, x, seq, true, &res);
		if (ret != SIM_OK)
			return sim_event_end(ret, out);
		if (res.inject >= 0)
			out->inject = res.inject;
		if (res.emulate_flags)
			return sim_access_perform(d, v, x, out,
						  res.emulate_flags);
		if (res.regs_set && sim_rip(d, v) != insn_rip) {
			out->result = SIM_R_SKIPPED;
			return 0;
		}
		/* Re-execute: faults again unless the rights changed. */
	}
}

/*
 * MOV to CR0/CR3/CR4 or XSETBV (index 3): hvm_set_cr*() and
 * hvm_monitor_cr(). An event needs a change outside the ignore mask (an
 * unchanged value never raises one, onchange or not). Without
 * CONTROL_REGISTERS the write happens at once and the event only reports
 * it; with it, CR0/3/4 writes wait for the vCPU to resume and DENY drops
 * them. XCR0 is always written at once.
 */
static int sim_do_cr(struct sim_domain *d, struct sim_vcpu *v,
		     struct sim_exec *x, struct sim_outcome *out)
{
	u32 idx = x->index, seq = 0;
	struct sim_defer df = {};
	bool event, sync, defer;
	struct sim_resume res;
	struct sim_monitor *m;
	int ret = SIM_DROPPED;
	unsigned long flags;
	u64 old, val;

	spin_lock_irqsave(&d->lock, flags);
	m = &d->mon;
	old = *sim_cr(v, idx);
	val = x->value;
	if (idx == XVE_X86_CR3 && (v->regs.cr4 & SIM_CR4_PCIDE))
		val &= ~SIM_CR3_NOFLUSH;
	event = (m->cr_enabled & BIT(idx)) &&
		(!(m->cr_onchange & BIT(idx)) || val != old) &&
		((val ^ old) & ~m->cr_mask[idx]);
	sync = m->cr_sync & BIT(idx);
	defer = event && idx != XVE_X86_XCR0 && m->control_registers;
	spin_unlock_irqrestore(&d->lock, flags);

	if (event) {
		sim_req_init(v, XVE_REASON_WRITE_CTRLREG);
		v->req.u.write_ctrlreg.index = idx;
		v->req.u.write_ctrlreg.new_value = val;
		v->req.u.write_ctrlreg.old_value = old;
		df.cr = true;
		df.index = idx;
		df.value = val;
		ret = sim_event_raise(d, v, out, sync, defer ? &df : NULL,
				      &seq);
		if (ret != SIM_PLACED && ret != SIM_DROPPED)
			return sim_event_end(ret, out);
	}

	spin_lock_irqsave(&d->lock, flags);
	if (ret != SIM_PLACED || !defer)
		*sim_cr(v, idx) = val;
	v->regs.g.rip += idx == XVE_X86_XCR0 ? SIM_LEN_XSETBV : SIM_LEN_MOV_CR;
	spin_unlock_irqrestore(&d->lock, flags);

	out->result = SIM_R_DONE;
	if (ret == SIM_PLACED) {
		ret = sim_event_wait(d, v, x, seq, sync, &res);
		if (ret != SIM_OK)
			return sim_event_end(ret, out);
		if (defer && !(res.written & BIT(idx)))
			out->result = SIM_R_DENIED;
	}
	spin_lock_irqsave(&d->lock, flags);
	out->value = *sim_cr(v, idx);
	spin_unlock_irqrestore(&d->lock, flags);
	return 0;
}

/* WRMSR: hvm_msr_write_intercept() and hvm_monitor_msr(), always sync. */
static int sim_do_msr(struct sim_domain *d, struct sim_vcpu *v,
		      struct sim_exec *x, struct sim_outcome *out)
{
	bool event, defer, onchange = false;
	struct sim_defer df = {};
	struct sim_resume res;
	int ret = SIM_DROPPED;
	unsigned long flags;
	u32 seq = 0;
	u64 *msr, old;

	spin_lock_irqsave(&d->lock, flags);
	msr = sim_msr_ptr(v, x->index, true);
	if (!msr) {
		spin_unlock_irqrestore(&d->lock, flags);
		return -ENOSPC;
	}
	old = *msr;
	event = sim_msr_monitored(d, x->index, &onchange) &&
		(!onchange || x->value != old);
	defer = event && d->mon.control_registers;
	spin_unlock_irqrestore(&d->lock, flags);

	if (event) {
		sim_req_init(v, XVE_REASON_MOV_TO_MSR);
		v->req.u.mov_to_msr.msr = x->index;
		v->req.u.mov_to_msr.new_value = x->value;
		v->req.u.mov_to_msr.old_value = old;
		df.msr = true;
		df.msr_index = x->index;
		df.value = x->value;
		ret = sim_event_raise(d, v, out, true, defer ? &df : NULL,
				      &seq);
		if (ret != SIM_PLACED && ret != SIM_DROPPED)
			return sim_event_end(ret, out);
	}

	spin_lock_irqsave(&d->lock, flags);
	if (ret != SIM_PLACED || !defer)
		*sim_msr_ptr(v, x->index, true) = x->value;
	v->regs.g.rip += SIM_LEN_WRMSR;
	spin_unlock_irqrestore(&d->lock, flags);

	out->result = SIM_R_DONE;
	if (ret == SIM_PLACED) {
		ret = sim_event_wait(d, v, x, seq, true, &res);
		if (ret != SIM_OK)
			return sim_event_end(ret, out);
		if (defer && !(res.written & SIM_WRITTEN_MSR))
			out->result = SIM_R_DENIED;
	}
	spin_lock_irqsave(&d->lock, flags);
	out->value = *sim_msr_ptr(v, x->index, true);
	spin_unlock_irqrestore(&d->lock, flags);
	return 0;
}

/*
 * INT3: intercepted and not delivered while monitored (always sync). The
 * answer re-injects it (->inject), skips it (SET_REGISTERS moving RIP) or
 * emulates it (EMULATE + SET_EMUL_INSN_DATA); otherwise INT3 runs again.
 */
static int sim_do_int3(struct sim_domain *d, struct sim_vcpu *v,
		       struct sim_exec *x, struct sim_outcome *out)
{
	struct sim_resume res;
	unsigned int tries = 0;
	unsigned long flags;
	u64 insn_rip;
	bool mon;
	u32 seq = 0;
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	if (x->has_rip)
		v->regs.g.rip = x->rip;
	insn_rip = v->regs.g.rip;
	spin_unlock_irqrestore(&d->lock, flags);

	for (;;) {
		spin_lock_irqsave(&d->lock, flags);
		mon = d->mon.breakpoint;
		spin_unlock_irqrestore(&d->lock, flags);
		if (!mon) {
			out->result = SIM_R_REINJECTED;	/* the guest's #BP */
			return 0;
		}
		if (tries++ == SIM_REFAULT_LIMIT) {
			out->result = SIM_R_REFAULT;
			return 0;
		}
		sim_req_init(v, XVE_REASON_SOFTWARE_BREAKPOINT);
		v->req.u.software_breakpoint.gfn = sim_gfn_of_rip(d, insn_rip);
		v->req.u.software_breakpoint.insn_length = SIM_LEN_INT3;
		v->req.u.software_breakpoint.type = SIM_EVENTTYPE_SW_EXC;
		ret = sim_event_raise(d, v, out, true, NULL, &seq);
		if (ret == SIM_DROPPED) {
			out->result = SIM_R_REINJECTED;
			return 0;
		}
		if (ret != SIM_PLACED)
			return sim_event_end(ret, out);
		ret = sim_event_wait(d, v, x, seq, true, &res);
		if (ret != SIM_OK)
			return sim_event_end(ret, out);
		if (res.inject >= 0) {
			out->inject = res.inject;
			out->result = SIM_R_REINJECTED;
			return 0;
		}
		if (res.emulate_flags) {
			sim_advance(d, v, SIM_LEN_INT3);
			out->result = SIM_R_EMULATED;
			return 0;
		}
		if (sim_rip(d, v) != insn_rip) {
			out->result = SIM_R_SKIPPED;
			return 0;
		}
	}
}

/* CPUID: the result goes into the registers before the event is raised. */
static void sim_cpuid_compute(struct sim_vcpu *v)
{
	struct sim_gprs *g = &v->regs.g;
	u32 leaf = g->rax, subleaf = g->rcx;

	g->rax = leaf;
	g->rbx = subleaf;
	g->rcx = SIM_CPUID_ECX;
	g->rdx = leaf ^ subleaf;
}

/*
 * CPUID: hvm_vmexit_cpuid(). Monitored, the request carries the result
 * in rax..rdx and RIP is not advanced: the answer must load registers
 * with RIP past the instruction, or CPUID runs again (with whatever
 * eax/ecx now hold, as on Xen).
 */
static int sim_do_cpuid(struct sim_domain *d, struct sim_vcpu *v,
			struct sim_exec *x, struct sim_outcome *out)
{
	struct sim_resume res;
	unsigned int tries = 0;
	unsigned long flags;
	u32 leaf, subleaf;
	u64 insn_rip;
	u32 seq = 0;
	bool mon;
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	v->regs.g.rax = x->index;
	v->regs.g.rcx = (u32)x->arg;
	insn_rip = v->regs.g.rip;
	spin_unlock_irqrestore(&d->lock, flags);

	for (;;) {
		spin_lock_irqsave(&d->lock, flags);
		leaf = v->regs.g.rax;
		subleaf = v->regs.g.rcx;
		sim_cpuid_compute(v);
		mon = d->mon.cpuid;
		spin_unlock_irqrestore(&d->lock, flags);
		if (!mon)
			break;
		if (tries++ == SIM_REFAULT_LIMIT) {
			out->result = SIM_R_REFAULT;
			return 0;
		}
		sim_req_init(v, XVE_REASON_CPUID);
		v->req.u.cpuid.insn_length = SIM_LEN_CPUID;
		v->req.u.cpuid.leaf = leaf;
		v->req.u.cpuid.subleaf = subleaf;
		ret = sim_event_raise(d, v, out, true, NULL, &seq);
		if (ret == SIM_DROPPED)
			break;
		if (ret != SIM_PLACED)
			return sim_event_end(ret, out);
		ret = sim_event_wait(d, v, x, seq, true, &res);
		if (ret != SIM_OK)
			return sim_event_end(ret, out);
		if (sim_rip(d, v) != insn_rip) {
			out->result = SIM_R_DONE;	/* completed by the answer */
			return 0;
		}
	}
	sim_advance(d, v, SIM_LEN_CPUID);
	out->result = SIM_R_DONE;
	return 0;
}

/* HVMOP_guest_request_vm_event from the guest (VMCALL). */
static int sim_do_guest_request(struct sim_domain *d, struct sim_vcpu *v,
				struct sim_exec *x, struct sim_outcome *out)
{
	struct sim_resume res;
	unsigned long flags;
	bool mon, sync;
	u32 seq = 0;
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	/* From ring 3 only with allow_userspace, else -EPERM to the guest. */
	mon = d->mon.guest_request &&
	      (!x->user || d->mon.guest_request_user);
	sync = d->mon.guest_request_sync;
	spin_unlock_irqrestore(&d->lock, flags);

	out->result = SIM_R_NO_EVENT;
	ret = SIM_DROPPED;
	if (mon) {
		sim_req_init(v, XVE_REASON_GUEST_REQUEST);
		ret = sim_event_raise(d, v, out, sync, NULL, &seq);
		if (ret != SIM_PLACED && ret != SIM_DROPPED)
			return sim_event_end(ret, out);
	}
	/* The hypercall completes before the vCPU stops. */
	sim_advance(d, v, SIM_LEN_VMCALL);
	if (ret != SIM_PLACED)
		return 0;
	ret = sim_event_wait(d, v, x, seq, sync, &res);
	if (ret != SIM_OK)
		return sim_event_end(ret, out);
	out->result = SIM_R_DONE;
	return 0;
}

/*
 * SGDT/SIDT/SLDT/STR and the loads: hvm_descriptor_access_intercept().
 * Unmonitored, Xen emulates the instruction. Monitored (always sync), it
 * raises the event and does nothing else, so the instruction runs again
 * unless the answer asks for EMULATE or moves RIP.
 */
static int sim_do_desc(struct sim_domain *d, struct sim_vcpu *v,
		       struct sim_exec *x, struct sim_outcome *out)
{
	u64 insn_rip = sim_rip(d, v);
	struct sim_resume res;
	unsigned int tries = 0;
	unsigned long flags;
	u32 seq = 0;
	bool mon;
	int ret;

	for (;;) {
		spin_lock_irqsave(&d->lock, flags);
		mon = d->mon.desc;
		spin_unlock_irqrestore(&d->lock, flags);
		if (!mon) {
			sim_advance(d, v, SIM_LEN_DESC);
			out->result = SIM_R_DONE;
			return 0;
		}
		if (tries++ == SIM_REFAULT_LIMIT) {
			out->result = SIM_R_REFAULT;
			return 0;
		}
		sim_req_init(v, XVE_REASON_DESCRIPTOR_ACCESS);
		v->req.u.desc_access.descriptor = x->index;
		v->req.u.desc_access.is_write = x->write;
		ret = sim_event_raise(d, v, out, true, NULL, &seq);
		if (ret == SIM_DROPPED)
			continue;	/* no ring: nothing emulates it */
		if (ret != SIM_PLACED)
			return sim_event_end(ret, out);
		ret = sim_event_wait(d, v, x, seq, true, &res);
		if (ret != SIM_OK)
			return sim_event_end(ret, out);
		if (!res.emulate_flags) {
			if (sim_rip(d, v) == insn_rip)
				continue;	/* runs again */
			out->result = SIM_R_SKIPPED;
			return 0;
		}
		if (res.emulate_flags & XVE_FLAG_SET_EMUL_READ_DATA) {
			out->result = SIM_R_EMULATED_READDATA;
			sim_copy_read_data(v, out);
		} else if (res.emulate_flags & XVE_FLAG_EMULATE_NOWRITE) {
			out->result = SIM_R_EMULATED_NOWRITE;
		} else {
			out->result = SIM_R_EMULATED;
		}
		sim_advance(d, v, SIM_LEN_DESC);
		return 0;
	}
}

/*
 * A #DB: intercepted while monitored. Async, the guest still gets it
 * (Xen propagates it when monitor_traps() returns 0); sync, only if the
 * answer re-injects it.
 */
static int sim_do_debug(struct sim_domain *d, struct sim_vcpu *v,
			struct sim_exec *x, struct sim_outcome *out)
{
	struct sim_resume res;
	unsigned long flags;
	bool mon, sync;
	u32 seq = 0;
	u64 rip;
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	mon = d->mon.debug;
	sync = d->mon.debug_sync;
	rip = v->regs.g.rip;
	spin_unlock_irqrestore(&d->lock, flags);

	out->result = SIM_R_REINJECTED;
	if (!mon)
		return 0;
	sim_req_init(v, XVE_REASON_DEBUG_EXCEPTION);
	v->req.u.debug_exception.gfn = sim_gfn_of_rip(d, rip);
	v->req.u.debug_exception.pending_dbg = x->arg;
	v->req.u.debug_exception.type = x->type;
	ret = sim_event_raise(d, v, out, sync, NULL, &seq);
	if (ret == SIM_DROPPED)
		return 0;
	if (ret != SIM_PLACED)
		return sim_event_end(ret, out);
	ret = sim_event_wait(d, v, x, seq, sync, &res);
	if (ret != SIM_OK)
		return sim_event_end(ret, out);
	if (res.inject >= 0)
		out->inject = res.inject;
	if (sync && res.inject < 0)
		out->result = SIM_R_DONE;
	return 0;
}

/*
 * One instruction executed under MTF (Intel only): with single-stepping
 * on and the event monitored, a sync SINGLESTEP event; an armed
 * FAST_SINGLESTEP instead switches the view and stops stepping.
 */
static int sim_do_singlestep(struct sim_domain *d, struct sim_vcpu *v,
			     struct sim_exec *x, struct sim_outcome *out)
{
	struct sim_resume res;
	unsigned long flags;
	bool event = false;
	u32 seq = 0;
	u64 rip;
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	v->regs.g.rip += SIM_LEN_STEP;
	rip = v->regs.g.rip;
	if (v->singlestep && d->mon.singlestep) {
		if (v->fast_ss) {
			if (d->altp2m)
				v->altp2m = v->fast_ss_view;
			v->singlestep = false;
			v->fast_ss = false;
			v->fast_ss_view = 0;
		} else {
			event = true;
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);

	out->result = SIM_R_DONE;
	if (!event)
		return 0;
	sim_req_init(v, XVE_REASON_SINGLESTEP);
	v->req.u.singlestep.gfn = sim_gfn_of_rip(d, rip);
	ret = sim_event_raise(d, v, out, true, NULL, &seq);
	if (ret == SIM_DROPPED)
		return 0;
	if (ret != SIM_PLACED)
		return sim_event_end(ret, out);
	return sim_event_end(sim_event_wait(d, v, x, seq, true, &res), out);
}

/*
 * Events that only report: EMUL_UNIMPLEMENTED (sync; unmonitored, Xen
 * injects #UD instead) and VMEXIT (sync per flag; raised by the VMX exit
 * handler only, so never on AMD).
 */
static int sim_do_report(struct sim_domain *d, struct sim_vcpu *v,
			 struct sim_exec *x, struct sim_outcome *out)
{
	struct sim_resume res;
	unsigned long flags;
	bool mon, sync;
	u32 seq = 0;
	int ret;

	spin_lock_irqsave(&d->lock, flags);
	if (x->op == SIM_OP_EMUL_UNIMPL) {
		mon = d->mon.emul_unimpl;
		sync = true;
	} else {
		mon = d->mon.vmexit && !d->amd;
		sync = d->mon.vmexit_sync;
	}
	spin_unlock_irqrestore(&d->lock, flags);

	out->result = SIM_R_NO_EVENT;
	if (!mon)
		return 0;
	if (x->op == SIM_OP_EMUL_UNIMPL) {
		sim_req_init(v, XVE_REASON_EMUL_UNIMPLEMENTED);
	} else {
		sim_req_init(v, XVE_REASON_VMEXIT);
		v->req.u.vmexit.reason = x->index;
		v->req.u.vmexit.qualification = x->arg;
	}
	ret = sim_event_raise(d, v, out, sync, NULL, &seq);
	if (ret == SIM_DROPPED)
		return 0;
	if (ret != SIM_PLACED)
		return sim_event_end(ret, out);
	ret = sim_event_wait(d, v, x, seq, sync, &res);
	if (ret != SIM_OK)
		return sim_event_end(ret, out);
	out->result = SIM_R_DONE;
	return 0;
}

static void sim_outcome_snapshot(struct sim_domain *d, struct sim_vcpu *v,
				 struct sim_outcome *out)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	out->rip = v->regs.g.rip;
	out->rax = v->regs.g.rax;
	out->rbx = v->regs.g.rbx;
	out->rcx = v->regs.g.rcx;
	out->rdx = v->regs.g.rdx;
	out->ss = v->singlestep;
	out->altp2m = v->altp2m;
	spin_unlock_irqrestore(&d->lock, flags);
}

/*
 * Execute one guest instruction on @v. The caller validated @x against
 * the domain (vCPU, frame and index ranges). Returns 0 with @out filled,
 * or -EINTR (a signal; the vCPU keeps whatever state it reached, e.g.
 * still paused for an unanswered event), -ENOMEM or -ENOSPC.
 */
int sim_guest_exec(struct sim_domain *d, struct sim_vcpu *v,
		   struct sim_exec *x, struct sim_outcome *out)
{
	struct sim_resume res;
	unsigned long flags;
	int ret;

	memset(out, 0, sizeof(*out));
	out->inject = -1;

	ret = sim_vcpu_enter(d, v, &res);
	if (ret < 0)
		return ret;
	if (ret == SIM_DEAD) {
		out->result = SIM_R_DEAD;
		ret = 0;
		goto out;
	}
	/* An injection still pending from earlier is delivered first. */
	if (res.inject >= 0)
		out->inject = res.inject;
	/* The level this instruction runs at; its events carry it. */
	spin_lock_irqsave(&d->lock, flags);
	v->regs.cpl = x->cpl;
	spin_unlock_irqrestore(&d->lock, flags);

	switch (x->op) {
	case SIM_OP_ACCESS:
		ret = sim_do_access(d, v, x, out);
		break;
	case SIM_OP_CR:
		ret = sim_do_cr(d, v, x, out);
		break;
	case SIM_OP_MSR:
		ret = sim_do_msr(d, v, x, out);
		break;
	case SIM_OP_INT3:
		ret = sim_do_int3(d, v, x, out);
		break;
	case SIM_OP_CPUID:
		ret = sim_do_cpuid(d, v, x, out);
		break;
	case SIM_OP_GUEST_REQUEST:
		ret = sim_do_guest_request(d, v, x, out);
		break;
	case SIM_OP_DESC:
		ret = sim_do_desc(d, v, x, out);
		break;
	case SIM_OP_DEBUG:
		ret = sim_do_debug(d, v, x, out);
		break;
	case SIM_OP_SINGLESTEP:
		ret = sim_do_singlestep(d, v, x, out);
		break;
	case SIM_OP_EMUL_UNIMPL:
	case SIM_OP_VMEXIT:
		ret = sim_do_report(d, v, x, out);
		break;
	}
out:
	sim_outcome_snapshot(d, v, out);
	sim_vcpu_exit(d, v);
	return ret;
}
