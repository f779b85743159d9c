// SPDX-License-Identifier: GPL-2.0
/*
 * Control ioctls on an attached domain: monitor events, page rights,
 * pause, kick and stats. Each runs under the domain's ctl_lock, fails with
 * -ESRCH once the domain is torn down (it died), validates everything
 * before calling the backend, and leaves nothing changed on error.
 */
#include <linux/err.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/wait.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <kunit/visibility.h>

#include "xenintro.h"

static bool xenintro_monitor_takes(u32 event, u32 flag)
{
	switch (flag) {
	case XENINTRO_MON_SYNC:
		return event == XENINTRO_MONITOR_CTRLREG ||
		       event == XENINTRO_MONITOR_GUEST_REQUEST ||
		       event == XENINTRO_MONITOR_DEBUG_EXCEPTION ||
		       event == XENINTRO_MONITOR_VMEXIT;
	case XENINTRO_MON_ONCHANGE:
	case XENINTRO_MON_DENY_CAPABLE:
		return event == XENINTRO_MONITOR_CTRLREG ||
		       event == XENINTRO_MONITOR_MSR;
	case XENINTRO_MON_ALLOW_USERSPACE:
		return event == XENINTRO_MONITOR_GUEST_REQUEST;
	default:
		return false;
	}
}

/**
 * xenintro_monitor_check() - validate a MONITOR request
 * @m: the request
 *
 * Return: 0 or -EINVAL for an unknown event, a flag or field that event
 * does not take, or a non-zero reserved field.
 */
int xenintro_monitor_check(const struct xenintro_monitor *m)
{
	u32 flag;

	if (m->reserved[0] || m->reserved[1])
		return -EINVAL;
	if (m->flags & ~XENINTRO_MON_ALL)
		return -EINVAL;
	switch (m->event) {
	case XENINTRO_MONITOR_CTRLREG:
		if (m->index > XENINTRO_XCR0)
			return -EINVAL;
		break;
	case XENINTRO_MONITOR_MSR:
		break;
	case XENINTRO_MONITOR_SINGLESTEP:
	case XENINTRO_MONITOR_BREAKPOINT:
	case XENINTRO_MONITOR_GUEST_REQUEST:
	case XENINTRO_MONITOR_DEBUG_EXCEPTION:
	case XENINTRO_MONITOR_CPUID:
	case XENINTRO_MONITOR_DESC_ACCESS:
	case XENINTRO_MONITOR_EMUL_UNIMPL:
	case XENINTRO_MONITOR_VMEXIT:
		if (m->index)
			return -EINVAL;
		break;
	default:
		return -EINVAL;
	}
	if (m->ignore_mask && m->event != XENINTRO_MONITOR_CTRLREG)
		return -EINVAL;
	for (flag = XENINTRO_MON_SYNC; flag & XENINTRO_MON_ALL; flag <<= 1)
		if ((m->flags & flag) && !xenintro_monitor_takes(m->event, flag))
			return -EINVAL;
	/* Disabling takes only the event and its index. */
	if (!(m->flags & XENINTRO_MON_ENABLE) && (m->flags || m->ignore_mask))
		return -EINVAL;
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_monitor_check);

static struct xenintro_monitor_entry *
xenintro_monitor_find(struct xenintro_domain *dom, u32 event, u32 index)
{
	struct xenintro_monitor_entry *e;

	list_for_each_entry(e, &dom->monitors, node)
		if (e->mon.event == event && e->mon.index == index)
			return e;
	return NULL;
}

int xenintro_ioctl_monitor(struct xenintro_domain *dom,
			   struct xenintro_monitor *m)
{
	struct xenintro_monitor_entry *e = NULL;
	int ret;

	ret = xenintro_monitor_check(m);
	if (ret)
		return ret;

	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down) {
		ret = -ESRCH;
		goto out;
	}
	if (m->flags & XENINTRO_MON_ENABLE) {
		/* Allocate first: a failure must leave the monitor off. */
		e = kzalloc(sizeof(*e), GFP_KERNEL);
		if (!e) {
			ret = -ENOMEM;
			goto out;
		}
		e->mon = *m;
	}
	ret = dom->ops->monitor(dom, m);
	if (ret) {
		kfree(e);
		goto out;
	}
	if (e) {
		list_add_tail(&e->node, &dom->monitors);
	} else {
		e = xenintro_monitor_find(dom, m->event, m->index);
		if (e) {
			list_del(&e->node);
			kfree(e);
		}
	}
out:
	mutex_unlock(&dom->ctl_lock);
	if (ret != -ENOMEM && ret != -ESRCH)
		xenintro_audit_monitor(dom, m, ret);
	return ret;
}

/* Teardown: turn off every event this session turned on. */
void xenintro_monitors_disable_all(struct xenintro_domain *dom)
{
	struct xenintro_monitor_entry *e, *tmp;
	struct xenintro_monitor off;
	int ret;

	lockdep_assert_held(&dom->ctl_lock);

	list_for_each_entry_safe(e, tmp, &dom->monitors, node) {
		off = (struct xenintro_monitor) {
			.size = sizeof(off),
			.event = e->mon.event,
			.index = e->mon.index,
		};
		ret = dom->ops->monitor(dom, &off);
		if (ret && ret != -EEXIST)
			pr_warn("xenintro: dom%u: disabling monitor %u/%#x failed: %d\n",
				dom->hv.domid, off.event, off.index, ret);
		list_del(&e->node);
		kfree(e);
	}
}

static int xenintro_access_check(const struct xenintro_access *a, bool set)
{
	if (a->reserved0 || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	if (a->flags & ~XENINTRO_ACCESS_LIST)
		return -EINVAL;
	if (!a->nr || a->nr > XENINTRO_ACCESS_NR_MAX)
		return -EINVAL;
	if (a->flags & XENINTRO_ACCESS_LIST) {
		if (a->gfn || a->range_rights || !a->gfns || !a->rights)
			return -EINVAL;
		return 0;
	}
	if (a->gfns || a->gfn + a->nr < a->gfn)
		return -EINVAL;
	if (set)
		return (a->rights || a->range_rights > XENINTRO_ACCESS_RWX) ?
		       -EINVAL : 0;
	return (a->range_rights || !a->rights) ? -EINVAL : 0;
}

/* Copy the list-mode arrays in; rights are checked here too. */
static int xenintro_access_lists_in(const struct xenintro_access *a,
				    u64 **gfns, u8 **rights, bool want_rights)
{
	u64 i;

	*gfns = vmemdup_user(u64_to_user_ptr(a->gfns),
			     array_size(a->nr, sizeof(u64)));
	if (IS_ERR(*gfns))
		return PTR_ERR(*gfns);
	*rights = NULL;
	if (!want_rights)
		return 0;
	*rights = vmemdup_user(u64_to_user_ptr(a->rights), a->nr);
	if (IS_ERR(*rights)) {
		kvfree(*gfns);
		return PTR_ERR(*rights);
	}
	for (i = 0; i < a->nr; i++) {
		if ((*rights)[i] > XENINTRO_ACCESS_RWX) {
			kvfree(*gfns);
			kvfree(*rights);
			return -EINVAL;
		}
	}
	return 0;
}

int xenintro_ioctl_set_access(struct xenintro_domain *dom,
			      struct xenintro_access *a)
{
	u64 *gfns = NULL;
	u8 *rights = NULL;
	int ret;

	ret = xenintro_access_check(a, true);
	if (ret)
		return ret;
	if (a->flags & XENINTRO_ACCESS_LIST) {
		ret = xenintro_access_lists_in(a, &gfns, &rights, true);
		if (ret)
			return ret;
	}

	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down) {
		ret = -ESRCH;
	} else {
		/* Teardown resets rights even if this fails half way. */
		dom->access_changed = true;
		if (gfns)
			ret = dom->ops->set_access_list(dom, gfns, rights,
							a->nr);
		else
			ret = dom->ops->set_access(dom, a->gfn, a->nr,
						   a->range_rights);
		xenintro_audit_access(dom, a, ret);
	}
	mutex_unlock(&dom->ctl_lock);
	kvfree(gfns);
	kvfree(rights);
	return ret;
}

int xenintro_ioctl_get_access(struct xenintro_domain *dom,
			      struct xenintro_access *a)
{
	u64 *gfns = NULL;
	u8 *rights;
	int ret;

	ret = xenintro_access_check(a, false);
	if (ret)
		return ret;
	if (a->flags & XENINTRO_ACCESS_LIST) {
		ret = xenintro_access_lists_in(a, &gfns, &rights, false);
		if (ret)
			return ret;
	}
	/* Zeroed: a failed walk never copies stale kernel memory out. */
	rights = kvzalloc(a->nr, GFP_KERNEL_ACCOUNT);
	if (!rights) {
		kvfree(gfns);
		return -ENOMEM;
	}

	/*
	 * One backend call for the whole range or list: it reschedules and
	 * stops on a fatal signal itself, and asks the hypervisor for the
	 * domain's size once instead of once per frame.
	 */
	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down)
		ret = -ESRCH;
	else
		ret = dom->ops->get_access(dom, a->gfn, gfns, a->nr, rights);
	mutex_unlock(&dom->ctl_lock);

	if (!ret && copy_to_user(u64_to_user_ptr(a->rights), rights, a->nr))
		ret = -EFAULT;
	kvfree(gfns);
	kvfree(rights);
	return ret;
}

/*
 * The session's own pauses are counted so that teardown undoes exactly
 * those: the hypervisor's pause count is shared with the toolstack.
 */
int xenintro_ioctl_pause(struct xenintro_domain *dom, bool pause)
{
	int ret;

	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down) {
		ret = -ESRCH;
	} else if (pause) {
		ret = dom->ops->pause(dom);
		if (!ret)
			dom->pauses++;
	} else if (!dom->pauses) {
		ret = -EINVAL;
	} else {
		ret = dom->ops->unpause(dom);
		if (!ret)
			dom->pauses--;
	}
	mutex_unlock(&dom->ctl_lock);
	if (ret != -ESRCH)
		xenintro_audit_pause(dom, pause, ret);
	return ret;
}

/* Events the agent has not consumed, bounded by the ring size. */
static u32 xenintro_events_ready_locked(struct xenintro_domain *dom)
{
	u32 n = dom->rings.event_tail - READ_ONCE(dom->rings.agent->event_head);

	return min(n, dom->rings.event_entries);
}

/* Wake-up condition of KICK_WAIT; xenintro_wake_agent() pairs with it. */
static bool xenintro_kick_wait_done(struct xenintro_domain *dom)
{
	return READ_ONCE(dom->state) != XENINTRO_DOM_ATTACHED ||
	       xenintro_events_pending(&dom->rings);
}

int xenintro_ioctl_kick(struct xenintro_domain *dom, struct xenintro_kick *k)
{
	bool wait = k->flags & XENINTRO_KICK_WAIT;
	unsigned long flags;
	long timeout;

	if ((k->flags & ~XENINTRO_KICK_WAIT) || k->reserved0 ||
	    k->reserved[0] || (!wait && k->timeout_ms))
		return -EINVAL;
	if (wait && !(dom->features & XENINTRO_FEATURE_KICK_WAIT))
		return -EOPNOTSUPP;

	spin_lock_irqsave(&dom->lock, flags);
	if (dom->state != XENINTRO_DOM_ATTACHED) {
		spin_unlock_irqrestore(&dom->lock, flags);
		return -ESRCH;
	}
	k->consumed = xenintro_take_verdicts_locked(dom);
	spin_unlock_irqrestore(&dom->lock, flags);
	k->ready = 0;
	if (!wait)
		return 0;

	timeout = k->timeout_ms == XENINTRO_KICK_WAIT_FOREVER ?
		  MAX_SCHEDULE_TIMEOUT : msecs_to_jiffies(k->timeout_ms);
	if (timeout) {
		timeout = wait_event_interruptible_timeout(dom->wq,
							   xenintro_kick_wait_done(dom),
							   timeout);
		/* The verdicts went through; a restart only waits again. */
		if (timeout < 0)
			return timeout;
	}

	spin_lock_irqsave(&dom->lock, flags);
	if (dom->state == XENINTRO_DOM_ATTACHED)
		k->ready = xenintro_events_ready_locked(dom);
	spin_unlock_irqrestore(&dom->lock, flags);
	return 0;
}

/*
 * Rule hits for STATS: summed into a kernel buffer under ctl_lock (the
 * table cannot be replaced meanwhile), copied out after.
 */
static int xenintro_rule_hits_out(struct xenintro_domain *dom,
				  struct xenintro_stats *st)
{
	struct xenintro_rule_table *t;
	u64 __user *uhits = u64_to_user_ptr(st->rule_hits);
	u64 *hits = NULL;
	u32 n, i;
	int ret = 0;

	mutex_lock(&dom->ctl_lock);
	/* ctl_lock keeps the table: it is replaced only under it. */
	t = dom->rules;
	st->rules_nr = xenintro_rules_count(t);
	st->rules_generation = dom->rules_generation;
	st->mem_writes = dom->mem_writes;
	n = min(st->rules_nr, st->rule_hits_nr);
	if (n) {
		hits = kvmalloc_array(n, sizeof(*hits), GFP_KERNEL);
		if (!hits)
			ret = -ENOMEM;
		for (i = 0; hits && i < n; i++)
			hits[i] = xenintro_rules_hits(t, i);
	}
	mutex_unlock(&dom->ctl_lock);

	if (hits && copy_to_user(uhits, hits, n * sizeof(*hits)))
		ret = -EFAULT;
	kvfree(hits);
	return ret;
}

int xenintro_ioctl_stats(struct xenintro_domain *dom,
			 struct xenintro_stats *st)
{
	struct xenintro_counters c;
	unsigned long flags;
	int ret;

	if (st->reserved0)
		return -EINVAL;
	if (!st->rule_hits != !st->rule_hits_nr)
		return -EINVAL;

	ret = xenintro_rule_hits_out(dom, st);
	if (ret)
		return ret;

	spin_lock_irqsave(&dom->lock, flags);
	c = dom->stats;
	spin_unlock_irqrestore(&dom->lock, flags);

	st->requests = c.requests;
	st->malformed = c.malformed;
	st->forwarded = c.forwarded;
	st->notified = c.notified;
	st->dropped = c.dropped;
	st->kernel_verdicts = c.kernel_verdicts;
	st->agent_verdicts = c.agent_verdicts;
	st->deadline_expired = c.deadline_expired;
	st->verdicts_stale = c.verdicts_stale;
	st->verdicts_invalid = c.verdicts_invalid;
	st->backlog_max = c.backlog_max;
	st->notifies = c.notifies;
	return 0;
}

/*
 * Copy @r->nr rule records of @r->rule_size bytes into a kernel array;
 * *@bad names a record whose unknown tail was not zero (-E2BIG).
 */
static struct xenintro_rule *xenintro_rules_in(const struct xenintro_rules *r,
					       u32 *bad)
{
	const u8 __user *src = u64_to_user_ptr(r->rules);
	struct xenintro_rule *rules;
	u32 i;
	int ret;

	rules = kvmalloc_array(r->nr, sizeof(*rules), GFP_KERNEL_ACCOUNT);
	if (!rules)
		return ERR_PTR(-ENOMEM);
	for (i = 0; i < r->nr; i++) {
		/* Larger records from newer callers: the tail must be zero. */
		ret = copy_struct_from_user(&rules[i], sizeof(rules[i]),
					    src + (size_t)i * r->rule_size,
					    r->rule_size);
		if (ret) {
			if (ret == -E2BIG)
				*bad = i;
			kvfree(rules);
			return ERR_PTR(ret);
		}
	}
	return rules;
}

/**
 * xenintro_ioctl_set_rules() - XENINTRO_IOC_SET_RULES
 * @dom: the domain
 * @r: the request; error_index and generation are written back
 *
 * The new table is built and validated whole before it replaces the old
 * one, so a refused table changes nothing. The swap happens under the
 * domain's event lock, which the event path holds while it matches, so the
 * old table can be freed as soon as that lock is dropped: SET_RULES never
 * waits for a grace period.
 *
 * Return: 0 or a negative errno (see struct xenintro_rules).
 */
int xenintro_ioctl_set_rules(struct xenintro_domain *dom,
			     struct xenintro_rules *r)
{
	struct xenintro_rule_table *new = NULL, *old;
	struct xenintro_rule *rules = NULL;
	u32 bad = XENINTRO_NO_RULE;
	unsigned long flags;
	int ret = 0;

	r->error_index = XENINTRO_NO_RULE;
	if (!(dom->features & XENINTRO_FEATURE_RULES))
		return -EOPNOTSUPP;
	if (r->flags || r->reserved0 || r->generation ||
	    memchr_inv(r->reserved, 0, sizeof(r->reserved)))
		return -EINVAL;
	if (r->nr > XENINTRO_RULES_MAX)
		return -E2BIG;
	if (r->nr && (r->rule_size < sizeof(struct xenintro_rule) ||
		      r->rule_size > PAGE_SIZE || !r->rules))
		return -EINVAL;

	if (r->nr) {
		rules = xenintro_rules_in(r, &bad);
		if (IS_ERR(rules)) {
			/* -E2BIG: a record's unknown tail was not zero. */
			r->error_index = bad;
			return PTR_ERR(rules);
		}
	}

	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down) {
		ret = -ESRCH;
		goto out;
	}
	if (r->nr) {
		new = xenintro_rules_build(rules, r->nr,
					   dom->rules_generation + 1, &bad);
		if (IS_ERR(new)) {
			ret = PTR_ERR(new);
			r->error_index = bad;
			/* A refused table changes nothing: not recorded. */
			goto out;
		}
	}
	spin_lock_irqsave(&dom->lock, flags);
	old = dom->rules;
	dom->rules = new;
	spin_unlock_irqrestore(&dom->lock, flags);
	r->generation = ++dom->rules_generation;
	mutex_unlock(&dom->ctl_lock);
	xenintro_audit_rules(dom, r->nr, r->generation, 0);

	/* No event path still sees it: they all ran under dom->lock. */
	xenintro_rules_free(old);
	kvfree(rules);
	return 0;
out:
	mutex_unlock(&dom->ctl_lock);
	kvfree(rules);
	return ret;
}
