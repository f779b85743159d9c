/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The agent's answer to a forwarded event: the first decision of the
 * policy that matches (event, forwarding rule, RIP, value written,
 * process), else the policy's forwarded default, made valid for the event.
 */
#ifndef XI_DECIDE_H
#define XI_DECIDE_H

#include "policy.h"

struct decision {
	uint32_t verdict;	/* XENINTRO_VERDICT_* or DECIDE_SKIP */
	bool log;
};

/*
 * @comm: the guest process that was running (task->comm), or NULL when
 * it is not known: then no decision that names processes matches.
 */
struct decision decide(const struct policy *p,
		       const struct xenintro_event *ev, const char *comm);
/*
 * The verdict actually sent for @verdict on @ev: one the event can take
 * (DENY where Xen cannot veto becomes CONTINUE; CONTINUE on a page fault
 * or descriptor access becomes EMULATE and on an INT3 REINJECT, which is
 * what "let the guest go on" means there: re-executing would only fault
 * again).
 */
uint32_t decide_safe(const struct xenintro_event *ev, uint32_t verdict);
/* Fill @v as the answer @verdict (decide_safe() applied) to @ev. */
void decide_fill(struct xenintro_verdict *v, const struct xenintro_event *ev,
		 uint32_t verdict);

#endif /* XI_DECIDE_H */
