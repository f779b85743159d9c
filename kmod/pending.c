// SPDX-License-Identifier: GPL-2.0
/*
 * The forward deadline: a synchronous event the agent has not answered
 * within the session's deadline gets the default verdict, so a stuck or
 * slow agent cannot hang a guest vCPU.
 *
 * All sessions' deadlines are the same length, so pending events expire
 * in arrival order: the inflight list, then the backlog. One timer per
 * domain is armed for the oldest.
 */
#include <linux/jiffies.h>
#include <linux/timer.h>

#include "xenintro.h"

static struct xenintro_pending *
xenintro_oldest_pending(struct xenintro_domain *dom)
{
	struct xenintro_pending *p;

	p = list_first_entry_or_null(&dom->inflight, struct xenintro_pending,
				     node);
	if (!p)
		p = list_first_entry_or_null(&dom->backlog,
					     struct xenintro_pending, node);
	return p;
}

/* Arm the timer for the oldest pending event, if it is not earlier. */
void xenintro_deadline_arm_locked(struct xenintro_domain *dom)
{
	struct xenintro_pending *p;

	lockdep_assert_held(&dom->lock);

	if (dom->state != XENINTRO_DOM_ATTACHED)
		return;
	p = xenintro_oldest_pending(dom);
	if (p)
		timer_reduce(&dom->deadline_timer, p->deadline);
}

static void xenintro_deadline_fire(struct timer_list *t)
{
	struct xenintro_domain *dom = from_timer(dom, t, deadline_timer);
	struct xenintro_pending *p;
	unsigned long flags;

	spin_lock_irqsave(&dom->lock, flags);
	if (dom->state != XENINTRO_DOM_ATTACHED)
		goto out;

	/* Verdicts already written but not kicked are not late. */
	xenintro_consume_verdicts_locked(dom);

	while ((p = xenintro_oldest_pending(dom)) &&
	       time_after_eq(jiffies, p->deadline)) {
		struct xenintro_answer ans = {
			.verdict = xenintro_safe_default(&p->req,
							 dom->default_verdict),
		};

		xenintro_answer_locked(dom, p, &ans);
		dom->stats.deadline_expired++;
		dom->rings.ctrl->deadline_expired++;
	}
	if (dom->stats.deadline_expired)
		pr_debug_ratelimited("xenintro: dom%u: %llu events answered by deadline\n",
				     dom->hv.domid, dom->stats.deadline_expired);
	xenintro_flush_backlog_locked(dom);
	xenintro_notify_locked(dom);
	xenintro_deadline_arm_locked(dom);
out:
	spin_unlock_irqrestore(&dom->lock, flags);
}

void xenintro_deadline_init(struct xenintro_domain *dom)
{
	timer_setup(&dom->deadline_timer, xenintro_deadline_fire, 0);
}
