// SPDX-License-Identifier: GPL-2.0
/*
 * The pending table: synchronous events parked until the agent answers
 * them, one slot per vCPU (a paused vCPU raises nothing else), on one of
 * two lists in arrival order: the backlog (not yet in the agent's ring,
 * which was full) and inflight (delivered, awaiting a verdict). Every
 * inflight entry is older than every backlog entry.
 *
 * And their deadline: all sessions' deadlines are the same length, so
 * pending events expire in arrival order, inflight first, then the
 * backlog; one timer per domain is armed for the oldest. What happens when
 * it fires is the event path's business (dispatch.c); nothing here calls
 * back into it.
 *
 * Everything runs under dom->lock.
 */
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/timer.h>

#include "xenintro.h"

/* The event that waits longest, or NULL. */
struct xenintro_pending *xenintro_pending_oldest(struct xenintro_domain *dom)
{
	struct xenintro_pending *p;

	lockdep_assert_held(&dom->lock);

	p = list_first_entry_or_null(&dom->inflight, struct xenintro_pending,
				     node);
	if (!p)
		p = list_first_entry_or_null(&dom->backlog,
					     struct xenintro_pending, node);
	return p;
}

/* Take @req into the vCPU's slot @p; the caller then lists it. */
void xenintro_pending_park(struct xenintro_domain *dom,
			   struct xenintro_pending *p,
			   const struct xve_event *req, u64 seq, u32 rule,
			   u64 timestamp)
{
	lockdep_assert_held(&dom->lock);

	p->active = true;
	p->seq = seq;
	p->timestamp = timestamp;
	p->deadline = jiffies + dom->deadline_jiffies;
	p->req = *req;
	p->rule = rule;
}

/* @p is in the agent's ring now: inflight, at the end. */
void xenintro_pending_delivered(struct xenintro_domain *dom,
				struct xenintro_pending *p)
{
	lockdep_assert_held(&dom->lock);

	if (p->in_backlog) {
		dom->backlog_len--;
		p->in_backlog = false;
	}
	list_move_tail(&p->node, &dom->inflight);
}

/* The agent's ring had no room for @p: it waits on the backlog. */
void xenintro_pending_backlog(struct xenintro_domain *dom,
			      struct xenintro_pending *p)
{
	lockdep_assert_held(&dom->lock);

	list_move_tail(&p->node, &dom->backlog);
	p->in_backlog = true;
	dom->backlog_len++;
	if (dom->backlog_len > dom->stats.backlog_max)
		dom->stats.backlog_max = dom->backlog_len;
}

/* @p was answered: its vCPU's slot is free again. */
void xenintro_pending_release(struct xenintro_domain *dom,
			      struct xenintro_pending *p)
{
	lockdep_assert_held(&dom->lock);

	list_del_init(&p->node);
	if (p->in_backlog)
		dom->backlog_len--;
	p->in_backlog = false;
	p->active = false;
}

/* Arm the timer for the oldest pending event, if it is not earlier. */
void xenintro_deadline_arm_locked(struct xenintro_domain *dom)
{
	struct xenintro_pending *p;

	lockdep_assert_held(&dom->lock);

	if (dom->state != XENINTRO_DOM_ATTACHED)
		return;
	p = xenintro_pending_oldest(dom);
	if (p)
		timer_reduce(&dom->deadline_timer, p->deadline);
}
