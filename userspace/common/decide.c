// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <string.h>

#include "decide.h"

static const char *rule_name_of(const struct policy *p,
				const struct xenintro_event *ev)
{
	return ev->rule < p->nr_rules ? p->rules[ev->rule].name : NULL;
}

/* Is the value @ev writes (an MSR or control register) in @dc's range? */
static bool value_in(const struct policy_decision *dc,
		     const struct xenintro_event *ev)
{
	uint64_t v;

	if (ev->reason == XENINTRO_EVENT_MSR)
		v = ev->u.msr.new_value;
	else if (ev->reason == XENINTRO_EVENT_CTRLREG)
		v = ev->u.ctrlreg.new_value;
	else
		return false;
	return v >= dc->value_first && v <= dc->value_last;
}

static bool process_in(const struct policy_decision *dc, const char *comm)
{
	size_t i;

	if (!comm)
		return false;
	for (i = 0; i < dc->nr_processes; i++)
		if (!strcmp(dc->processes[i], comm))
			return true;
	return false;
}

struct decision decide(const struct policy *p,
		       const struct xenintro_event *ev, const char *comm)
{
	struct decision d = {
		.verdict = p->forward_default,
		.log = p->forward_default_log,
	};
	const char *rule = rule_name_of(p, ev);
	size_t i;

	for (i = 0; i < p->nr_decisions; i++) {
		const struct policy_decision *dc = &p->decisions[i];

		if (dc->event && dc->event != ev->reason)
			continue;
		if (dc->rule && (!rule || strcmp(dc->rule, rule)))
			continue;
		if (dc->has_rip && (ev->regs.rip < dc->rip_first ||
				    ev->regs.rip > dc->rip_last))
			continue;
		if (dc->has_value && !value_in(dc, ev))
			continue;
		if (!policy_when_holds(&dc->when, ev))
			continue;
		if (dc->nr_processes && !process_in(dc, comm))
			continue;
		d.verdict = dc->verdict;
		d.log = dc->log;
		break;
	}
	d.verdict = decide_safe(ev, d.verdict);
	return d;
}

uint32_t decide_safe(const struct xenintro_event *ev, uint32_t verdict)
{
	uint32_t r = ev->reason;
	bool debug = r == XENINTRO_EVENT_BREAKPOINT ||
		     r == XENINTRO_EVENT_DEBUG_EXCEPTION;
	bool emulable = r == XENINTRO_EVENT_MEM_ACCESS ||
			r == XENINTRO_EVENT_DESC_ACCESS;

	switch (verdict) {
	case XENINTRO_VERDICT_DENY:
		if (r == XENINTRO_EVENT_MEM_ACCESS ||
		    r == XENINTRO_EVENT_CTRLREG || r == XENINTRO_EVENT_MSR)
			return verdict;
		break;
	case XENINTRO_VERDICT_EMULATE:
	case XENINTRO_VERDICT_EMULATE_NOWRITE:
		if (emulable)
			return verdict;
		break;
	case XENINTRO_VERDICT_REINJECT:
		if (debug)
			return verdict;
		break;
	case DECIDE_SKIP:
		if (r == XENINTRO_EVENT_BREAKPOINT || r == XENINTRO_EVENT_CPUID)
			return verdict;
		break;
	}
	/* a page fault or descriptor access runs again unless emulated */
	if (emulable)
		return XENINTRO_VERDICT_EMULATE;
	if (r == XENINTRO_EVENT_BREAKPOINT)
		return XENINTRO_VERDICT_REINJECT;
	return XENINTRO_VERDICT_CONTINUE;
}

void decide_fill(struct xenintro_verdict *v, const struct xenintro_event *ev,
		 uint32_t verdict)
{
	uint32_t len;

	verdict = decide_safe(ev, verdict);
	if (verdict != DECIDE_SKIP) {
		xenintro_prep_verdict(v, ev, verdict);
		return;
	}
	len = ev->reason == XENINTRO_EVENT_CPUID ? ev->u.cpuid.insn_length :
						   ev->u.debug.insn_length;
	xenintro_prep_set_regs(v, ev);
	v->u.regs.rip += len;
}
