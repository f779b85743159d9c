// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * when: a rule's conditions on an event, evaluated by the agent. The
 * kernel matches a rule by its keys, vCPUs and filters; what it cannot
 * test (the written value's state, CR3, the privilege level) the agent
 * tests here on the events the rule sends it.
 */
#include "policy.h"

/*
 * Xen packs a segment's access rights as the VMCS does, less the
 * reserved bits: type 0-3, S 4, DPL 5-6, P 7, AVL 8, L 9, D/B 10, G 11.
 */
#define SEG_AR_DPL_SHIFT	5
#define SEG_AR_DPL_MASK		0x3U

unsigned int policy_event_cpl(const struct xenintro_event *ev)
{
	return (ev->regs.ss.ar >> SEG_AR_DPL_SHIFT) & SEG_AR_DPL_MASK;
}

/* The value a CR or MSR write puts in the register; false for others. */
static bool written_value(const struct xenintro_event *ev, uint64_t *v)
{
	if (ev->reason == XENINTRO_EVENT_CTRLREG)
		*v = ev->u.ctrlreg.new_value;
	else if (ev->reason == XENINTRO_EVENT_MSR)
		*v = ev->u.msr.new_value;
	else
		return false;
	return true;
}

bool policy_when_holds(const struct policy_when *w,
		       const struct xenintro_event *ev)
{
	uint64_t v;
	size_t i;

	if (w->cpls && !(w->cpls & (1U << policy_event_cpl(ev))))
		return false;
	if (w->has_value || w->value_set || w->value_clear) {
		/* the parser allows these only on cr and msr rules */
		if (!written_value(ev, &v))
			return false;
		if (w->has_value && (v < w->value_first || v > w->value_last))
			return false;
		if ((v & w->value_set) != w->value_set || (v & w->value_clear))
			return false;
	}
	if (!w->nr_cr3)
		return true;
	for (i = 0; i < w->nr_cr3; i++)
		if (ev->regs.cr3 >= w->cr3[i].first &&
		    ev->regs.cr3 <= w->cr3[i].last)
			return true;
	return false;
}
