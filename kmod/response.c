// SPDX-License-Identifier: GPL-2.0
/*
 * Verdicts to vm_event responses: the one place where xenintro's verdicts
 * become Xen's response flags.
 *
 *   verdict              reasons              response
 *   CONTINUE             CPUID                SET_REGISTERS, echoed result,
 *                                             rip += insn_length
 *                        BREAKPOINT, DEBUG    re-inject the exception
 *                        DESC                 EMULATE
 *                        any other            (unpause only; a mem_access
 *                                             re-executes)
 *   DENY                 CTRLREG, MSR         DENY
 *                        MEM_ACCESS           EMULATE | EMULATE_NOWRITE
 *   EMULATE              MEM_ACCESS, DESC     EMULATE
 *   EMULATE_NOWRITE      MEM_ACCESS, DESC     EMULATE | EMULATE_NOWRITE
 *   EMULATE_READ_DATA    MEM_ACCESS, DESC     EMULATE | SET_EMUL_READ_DATA
 *   SET_REGISTERS        any                  SET_REGISTERS
 *   REINJECT             BREAKPOINT, DEBUG    re-inject the exception
 *   + SINGLESTEP_ON/OFF                       TOGGLE_SINGLESTEP if it changes
 *   + ALTP2M                                  ALTERNATE_P2M, altp2m_idx
 *
 * CONTINUE means "go on as if unmonitored": a CPUID left unanswered would
 * re-execute forever, a swallowed INT3 breaks the guest (seen on Xen), and
 * Xen does not emulate a monitored descriptor-table access itself, so
 * those complete. A mem_access re-executes, as in Xen: the agent relaxed
 * the rights, or asks for EMULATE. VCPU_PAUSED is echoed from the request in every
 * response: that is what unpauses the vCPU.
 */
#include <linux/string.h>
#include <kunit/visibility.h>

#include "xenintro.h"

/* Xen 4.17 supports at most 10 altp2m views (MAX_ALTP2M). */
#define XENINTRO_MAX_ALTP2M	10

static bool xenintro_is_debug_reason(u32 reason)
{
	return reason == XVE_REASON_SOFTWARE_BREAKPOINT ||
	       reason == XVE_REASON_DEBUG_EXCEPTION;
}

static bool xenintro_is_emulable(u32 reason)
{
	return reason == XVE_REASON_MEM_ACCESS ||
	       reason == XVE_REASON_DESCRIPTOR_ACCESS;
}

/**
 * xenintro_answer_check() - is @ans a valid answer to @req?
 * @req: the pending request
 * @ans: the verdict
 * @features: features granted to the session
 *
 * Return: 0 or -EINVAL.
 */
int xenintro_answer_check(const struct xve_event *req,
			  const struct xenintro_answer *ans, u64 features)
{
	const struct xenintro_verdict *v = ans->verdict_rec;

	if (ans->flags & ~XENINTRO_VFLAG_ALL)
		return -EINVAL;
	if ((ans->flags & XENINTRO_VFLAG_SINGLESTEP_ON) &&
	    (ans->flags & XENINTRO_VFLAG_SINGLESTEP_OFF))
		return -EINVAL;
	if ((ans->flags & XENINTRO_VFLAG_ALTP2M) &&
	    ans->altp2m_idx >= XENINTRO_MAX_ALTP2M)
		return -EINVAL;

	switch (ans->verdict) {
	case XENINTRO_VERDICT_CONTINUE:
		return 0;
	case XENINTRO_VERDICT_DENY:
		if (req->reason == XVE_REASON_WRITE_CTRLREG ||
		    req->reason == XVE_REASON_MOV_TO_MSR ||
		    req->reason == XVE_REASON_MEM_ACCESS)
			return 0;
		return -EINVAL;
	case XENINTRO_VERDICT_EMULATE:
	case XENINTRO_VERDICT_EMULATE_NOWRITE:
		return xenintro_is_emulable(req->reason) ? 0 : -EINVAL;
	case XENINTRO_VERDICT_EMULATE_READ_DATA:
		if (!(features & XENINTRO_FEATURE_EMUL_READ_DATA) || !v ||
		    !xenintro_is_emulable(req->reason) ||
		    v->u.emul_read.size > XENINTRO_EMUL_READ_MAX ||
		    v->u.emul_read.pad)
			return -EINVAL;
		return 0;
	case XENINTRO_VERDICT_SET_REGISTERS:
		return v ? 0 : -EINVAL;
	case XENINTRO_VERDICT_REINJECT:
		return xenintro_is_debug_reason(req->reason) ? 0 : -EINVAL;
	default:
		/* FORWARD is for rules; anything else is unknown. */
		return -EINVAL;
	}
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_answer_check);

/**
 * xenintro_safe_default() - the default verdict, made valid for @req
 * @req: the pending request
 * @default_verdict: the session's default (CONTINUE or DENY)
 *
 * DENY applies only where Xen can veto; elsewhere the guest continues. A
 * page access the agent never answered is emulated: re-executing it would
 * fault again and stall the vCPU a deadline per fault.
 */
u32 xenintro_safe_default(const struct xve_event *req, u32 default_verdict)
{
	struct xenintro_answer ans = { .verdict = default_verdict };

	if (xenintro_answer_check(req, &ans, 0))
		ans.verdict = XENINTRO_VERDICT_CONTINUE;
	if (ans.verdict == XENINTRO_VERDICT_CONTINUE &&
	    req->reason == XVE_REASON_MEM_ACCESS)
		return XENINTRO_VERDICT_EMULATE;
	return ans.verdict;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_safe_default);

static void xenintro_load_gprs(struct xve_regs_x86 *x,
			       const struct xenintro_verdict *v)
{
	x->rax = v->u.regs.rax;
	x->rcx = v->u.regs.rcx;
	x->rdx = v->u.regs.rdx;
	x->rbx = v->u.regs.rbx;
	x->rsp = v->u.regs.rsp;
	x->rbp = v->u.regs.rbp;
	x->rsi = v->u.regs.rsi;
	x->rdi = v->u.regs.rdi;
	x->r8 = v->u.regs.r8;
	x->r9 = v->u.regs.r9;
	x->r10 = v->u.regs.r10;
	x->r11 = v->u.regs.r11;
	x->r12 = v->u.regs.r12;
	x->r13 = v->u.regs.r13;
	x->r14 = v->u.regs.r14;
	x->r15 = v->u.regs.r15;
	x->rflags = v->u.regs.rflags;
	x->rip = v->u.regs.rip;
}

static void xenintro_fill_inject(const struct xve_event *req,
				 struct xenintro_inject *inj)
{
	const struct xve_debug *dbg = &req->u.software_breakpoint;

	memset(inj, 0, sizeof(*inj));
	inj->vcpu = req->vcpu_id;
	if (req->reason == XVE_REASON_SOFTWARE_BREAKPOINT) {
		inj->vector = 3;		/* #BP */
		inj->type = dbg->type;
		inj->insn_length = dbg->insn_length;
	} else {
		inj->vector = 1;		/* #DB */
		inj->type = dbg->type;
		inj->insn_length = dbg->insn_length;
		inj->pending_dbg = dbg->pending_dbg;
	}
}

/**
 * xenintro_build_response() - the response for @req under @ans
 * @req: the request being answered
 * @ans: a verdict that passed xenintro_answer_check()
 * @singlestep_on: whether the vCPU is single-stepping now
 * @rsp: out: the response
 * @inj: out: the exception to re-inject when *@inject is set
 * @inject: out: whether the caller must re-inject before responding
 */
void xenintro_build_response(const struct xve_event *req,
			     const struct xenintro_answer *ans,
			     bool singlestep_on, struct xve_event *rsp,
			     struct xenintro_inject *inj, bool *inject)
{
	const struct xenintro_verdict *v = ans->verdict_rec;

	memset(rsp, 0, sizeof(*rsp));
	rsp->version = XVE_INTERFACE_VERSION;
	rsp->vcpu_id = req->vcpu_id;
	rsp->reason = req->reason;
	rsp->flags = req->flags & XVE_FLAG_VCPU_PAUSED;
	rsp->altp2m_idx = req->altp2m_idx;
	/* Xen re-checks EMULATE against the echoed gfn and access flags. */
	rsp->u = req->u;
	*inject = false;

	switch (ans->verdict) {
	case XENINTRO_VERDICT_CONTINUE:
		if (req->reason == XVE_REASON_CPUID) {
			rsp->flags |= XVE_FLAG_SET_REGISTERS;
			rsp->data.x86 = req->data.x86;
			rsp->data.x86.rip += req->u.cpuid.insn_length;
		} else if (xenintro_is_debug_reason(req->reason)) {
			*inject = true;
		} else if (req->reason == XVE_REASON_DESCRIPTOR_ACCESS) {
			rsp->flags |= XVE_FLAG_EMULATE;
		}
		break;
	case XENINTRO_VERDICT_DENY:
		if (req->reason == XVE_REASON_MEM_ACCESS)
			rsp->flags |= XVE_FLAG_EMULATE |
				      XVE_FLAG_EMULATE_NOWRITE;
		else
			rsp->flags |= XVE_FLAG_DENY;
		break;
	case XENINTRO_VERDICT_EMULATE:
		rsp->flags |= XVE_FLAG_EMULATE;
		break;
	case XENINTRO_VERDICT_EMULATE_NOWRITE:
		rsp->flags |= XVE_FLAG_EMULATE | XVE_FLAG_EMULATE_NOWRITE;
		break;
	case XENINTRO_VERDICT_EMULATE_READ_DATA:
		rsp->flags |= XVE_FLAG_EMULATE | XVE_FLAG_SET_EMUL_READ_DATA;
		rsp->data.emul_read.size = v->u.emul_read.size;
		memcpy(rsp->data.emul_read.data, v->u.emul_read.data,
		       v->u.emul_read.size);
		break;
	case XENINTRO_VERDICT_SET_REGISTERS:
		rsp->flags |= XVE_FLAG_SET_REGISTERS;
		rsp->data.x86 = req->data.x86;
		xenintro_load_gprs(&rsp->data.x86, v);
		break;
	case XENINTRO_VERDICT_REINJECT:
		*inject = true;
		break;
	}

	if (*inject)
		xenintro_fill_inject(req, inj);
	if (((ans->flags & XENINTRO_VFLAG_SINGLESTEP_ON) && !singlestep_on) ||
	    ((ans->flags & XENINTRO_VFLAG_SINGLESTEP_OFF) && singlestep_on))
		rsp->flags |= XVE_FLAG_TOGGLE_SINGLESTEP;
	if (ans->flags & XENINTRO_VFLAG_ALTP2M) {
		rsp->flags |= XVE_FLAG_ALTERNATE_P2M;
		rsp->altp2m_idx = ans->altp2m_idx;
	}
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_build_response);
