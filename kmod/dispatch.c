// SPDX-License-Identifier: GPL-2.0
/*
 * The event path: drain the hypervisor's ring, decode, decide, forward to
 * the agent, and turn the agent's verdicts into responses.
 *
 * Everything here runs under dom->lock with interrupts off, in whatever
 * context the caller is in: hard IRQ (a backend's event-channel kick),
 * softirq (the deadline timer) or process context (KICK, poll, teardown).
 * Nothing here sleeps or allocates.
 *
 * Each request is matched against the session's rule table (rules.c)
 * first: a rule with a verdict answers it here, without the agent, and may
 * hand the agent a copy; FORWARD and "no rule" send it to the agent.
 *
 * Requests are copied out of the ring at once. Each is first decided
 * (decoded into scratch memory and matched against the rules), then
 * delivered (answered, parked for the agent, copied into the agent's
 * ring). A synchronous one the agent answers is parked in
 * dom->pending[vcpu] (pending.c) until its verdict arrives, so the vCPUs
 * waiting on the agent never hold up the answers for the others:
 * responses are written in whatever order verdicts come. The hypervisor
 * is notified once per batch.
 *
 * Calls go one way: this file uses pending.c's table and deadline
 * bookkeeping; pending.c calls nothing here (the deadline timer's handler,
 * which answers overdue events, is here).
 */
#include <linux/bitmap.h>
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/poll.h>
#include <linux/printk.h>
#include <linux/timekeeping.h>
#include <kunit/visibility.h>

#include "xenintro.h"
#include "xenintro_trace.h"

static void xenintro_wake_agent(struct xenintro_domain *dom)
{
	/* wq_has_sleeper() has the barrier that pairs with poll_wait(). */
	if (wq_has_sleeper(&dom->wq))
		wake_up_interruptible_poll(&dom->wq, EPOLLIN | EPOLLRDNORM);
}

/* Publish responses and kick the hypervisor, once per batch. */
void xenintro_notify_locked(struct xenintro_domain *dom)
{
	lockdep_assert_held(&dom->lock);

	if (dom->state == XENINTRO_DOM_DETACHED)
		return;
	if (xenintro_vmring_push(&dom->vmring)) {
		dom->ops->notify(dom);
		dom->stats.notifies++;
	}
}

/* The response for a request the core will not decode: just unpause. */
static void xenintro_answer_raw_locked(struct xenintro_domain *dom,
				       const struct xve_event *req)
{
	struct xve_event *rsp = &dom->scratch_rsp;

	memset(rsp, 0, sizeof(*rsp));
	rsp->version = XVE_INTERFACE_VERSION;
	rsp->vcpu_id = req->vcpu_id;
	rsp->reason = req->reason;
	rsp->flags = req->flags & XVE_FLAG_VCPU_PAUSED;
	xenintro_vmring_put_response(&dom->vmring, rsp);
}

static void xenintro_respond_locked(struct xenintro_domain *dom,
				    const struct xve_event *req,
				    const struct xenintro_answer *ans)
{
	struct xve_event *rsp = &dom->scratch_rsp;
	u32 vcpu = req->vcpu_id;
	struct xenintro_inject inj;
	bool inject;
	int ret;

	xenintro_build_response(req, ans, test_bit(vcpu, dom->singlestep),
				rsp, &inj, &inject);
	if (inject) {
		ret = dom->ops->inject(dom, &inj);
		if (ret)
			pr_warn_ratelimited("xenintro: dom%u vcpu%u: re-inject of vector %u failed: %d\n",
					    dom->hv.domid, vcpu, inj.vector,
					    ret);
	}
	if (rsp->flags & XVE_FLAG_TOGGLE_SINGLESTEP)
		change_bit(vcpu, dom->singlestep);
	xenintro_vmring_put_response(&dom->vmring, rsp);
}

/**
 * xenintro_answer_locked() - answer a pending synchronous event
 * @dom: the domain
 * @p: the pending event, active
 * @ans: a verdict that passed xenintro_answer_check()
 */
void xenintro_answer_locked(struct xenintro_domain *dom,
			    struct xenintro_pending *p,
			    const struct xenintro_answer *ans)
{
	lockdep_assert_held(&dom->lock);

	xenintro_respond_locked(dom, &p->req, ans);
	xenintro_pending_release(dom, p);
}

static void xenintro_answer_default_locked(struct xenintro_domain *dom,
					   struct xenintro_pending *p)
{
	struct xenintro_answer ans = {
		.verdict = xenintro_safe_default(&p->req, dom->default_verdict),
	};

	xenintro_answer_locked(dom, p, &ans);
}

/* Answer every pending event with the default verdict (teardown). */
void xenintro_answer_all_locked(struct xenintro_domain *dom)
{
	struct xenintro_pending *p, *tmp;

	lockdep_assert_held(&dom->lock);

	list_for_each_entry_safe(p, tmp, &dom->inflight, node) {
		xenintro_answer_default_locked(dom, p);
		dom->stats.kernel_verdicts++;
	}
	list_for_each_entry_safe(p, tmp, &dom->backlog, node) {
		xenintro_answer_default_locked(dom, p);
		dom->stats.kernel_verdicts++;
	}
}

/* Fill the header fields decode leaves to us and hand the record over. */
static void xenintro_publish_event(struct xenintro_domain *dom,
				   struct xenintro_event *ev, u64 seq,
				   u64 timestamp)
{
	ev->seq = seq;
	ev->timestamp_ns = timestamp;
	ev->domid = dom->hv.domid;
	xenintro_event_publish(&dom->rings);
}

/* Put a decoded event into the agent's ring; false if it is full. */
static bool xenintro_publish_copy_locked(struct xenintro_domain *dom,
					 const struct xenintro_event *ev,
					 u32 rule, u32 flags, u64 seq,
					 u64 now)
{
	struct xenintro_event *slot = xenintro_event_slot(&dom->rings);

	if (!slot)
		return false;
	memcpy(slot, ev, sizeof(*slot));
	slot->flags = flags;
	slot->rule = rule;
	xenintro_publish_event(dom, slot, seq, now);
	trace_xenintro_event_forwarded(dom->hv.domid, ev->vcpu, seq, rule,
				       flags & XENINTRO_EF_SYNC);
	return true;
}

/**
 * xenintro_flush_backlog_locked() - deliver events waiting for ring space
 * @dom: the domain
 *
 * Sync events that found the agent's ring full wait here, oldest first;
 * none is dropped. They are delivered as the agent frees slots.
 */
void xenintro_flush_backlog_locked(struct xenintro_domain *dom)
{
	struct xenintro_pending *p, *tmp;
	struct xenintro_event *slot;
	bool delivered = false;

	lockdep_assert_held(&dom->lock);

	list_for_each_entry_safe(p, tmp, &dom->backlog, node) {
		slot = xenintro_event_slot(&dom->rings);
		if (!slot)
			break;
		/*
		 * Decided when it arrived (the agent answers it), so it is
		 * decoded straight into its slot. Validated then too:
		 * decoding again cannot fail.
		 */
		if (WARN_ON_ONCE(xenintro_decode(&p->req, dom->hv.max_vcpus,
						 slot)))
			continue;
		slot->rule = p->rule;
		xenintro_publish_event(dom, slot, p->seq, p->timestamp);
		trace_xenintro_event_forwarded(dom->hv.domid, slot->vcpu, p->seq,
					       p->rule, true);
		xenintro_pending_delivered(dom, p);
		dom->stats.forwarded++;
		delivered = true;
	}
	if (delivered)
		xenintro_wake_agent(dom);
}

static void xenintro_malformed(struct xenintro_domain *dom,
			       const struct xve_event *req, const char *why)
{
	dom->stats.malformed++;
	pr_warn_ratelimited("xenintro: dom%u: malformed request answered safely (%s): version %u vcpu %u reason %u flags %#x\n",
			    dom->hv.domid, why, req->version, req->vcpu_id,
			    req->reason, req->flags);
	xenintro_answer_raw_locked(dom, req);
}

static const char *xenintro_decode_error(int err)
{
	switch (err) {
	case -EPROTO:
		return "interface version";
	case -ERANGE:
		return "vcpu id";
	default:
		return "reason";
	}
}

/*
 * Answer a synchronous event from its rule. The table was validated when
 * it was built, so the check cannot fail; if it ever did, the vCPU still
 * gets the safe default rather than staying paused.
 */
static void xenintro_rule_answer_locked(struct xenintro_domain *dom,
					const struct xve_event *req,
					const struct xenintro_event *ev,
					const struct xenintro_rule *rule)
{
	struct xenintro_answer ans = { .verdict = rule->action };

	if (rule->action == XENINTRO_VERDICT_SET_REGISTERS) {
		xenintro_rule_cpuid_answer(rule, ev, &dom->scratch_rule_verdict);
		ans.verdict_rec = &dom->scratch_rule_verdict;
	}
	if (WARN_ON_ONCE(xenintro_answer_check(req, &ans, dom->features))) {
		ans.verdict = xenintro_safe_default(req, dom->default_verdict);
		ans.verdict_rec = NULL;
	}
	xenintro_respond_locked(dom, req, &ans);
	dom->stats.kernel_verdicts++;
}

/*
 * What the kernel makes of one request, before anything is delivered:
 * decided by a rule (the kernel answers) or not (the agent answers), and
 * whether the agent gets to see it.
 */
struct xenintro_decision {
	const struct xenintro_rule *rule;	/* the best match, or NULL */
	u32 rule_idx;				/* its index, or NO_RULE */
	bool decided;				/* a rule answers it */
	bool copy;				/* the agent sees it */
};

/* Decide: match the decoded event @ev against the rule table. */
static void xenintro_decide_locked(struct xenintro_domain *dom,
				   const struct xenintro_event *ev,
				   struct xenintro_decision *d)
{
	/* dom->lock keeps the table: see struct xenintro_domain.rules */
	d->rule_idx = xenintro_rules_match(dom->rules, ev, &d->rule);
	/* A rule with a verdict of its own decides without the agent. */
	d->decided = d->rule && d->rule->action != XENINTRO_VERDICT_FORWARD;
	d->copy = !d->decided || (d->rule->flags & XENINTRO_RULE_NOTIFY);
	if (d->rule)
		trace_xenintro_event_decided(dom->hv.domid, ev->vcpu, ev->reason,
					     d->rule_idx, d->rule->action,
					     d->decided && d->copy);
}

/* Hand the agent a copy it must not answer, or count it as dropped. */
static bool xenintro_notify_copy_locked(struct xenintro_domain *dom,
					const struct xenintro_event *ev,
					u32 rule, u64 now)
{
	u32 flags = (ev->flags & ~XENINTRO_EF_SYNC) | XENINTRO_EF_NOTIFY;

	if (!xenintro_publish_copy_locked(dom, ev, rule, flags,
					  dom->next_seq, now)) {
		dom->stats.dropped++;
		dom->rings.ctrl->events_dropped++;
		return false;
	}
	dom->next_seq++;
	dom->stats.notified++;
	return true;
}

/*
 * Deliver a decided request: answer it (rule, or the raw answer an
 * asynchronous event needs to free its slot), park it for the agent, and
 * give the agent its copy. Returns true if the agent got something.
 */
static bool xenintro_deliver_locked(struct xenintro_domain *dom,
				    const struct xve_event *req,
				    const struct xenintro_event *ev,
				    const struct xenintro_decision *d)
{
	struct xenintro_pending *p;
	bool delivered;
	u64 now;

	/*
	 * The timestamp is for the agent: an event the kernel answers
	 * without a copy never needs one, so the common kernel-verdict
	 * path reads no clock.
	 */
	now = d->copy ? ktime_get_ns() : 0;

	if (!(req->flags & XVE_FLAG_VCPU_PAUSED)) {
		/*
		 * Asynchronous: the vCPU is not waiting, but the slot in the
		 * hypervisor's ring is freed only by a response.
		 */
		xenintro_answer_raw_locked(dom, req);
		dom->stats.kernel_verdicts++;
		return d->copy &&
		       xenintro_notify_copy_locked(dom, ev, d->rule_idx, now);
	}

	if (d->decided) {
		xenintro_rule_answer_locked(dom, req, ev, d->rule);
		return d->copy &&
		       xenintro_notify_copy_locked(dom, ev, d->rule_idx, now);
	}

	p = &dom->pending[req->vcpu_id];
	if (p->active) {
		/* A paused vCPU cannot raise a second event. */
		xenintro_malformed(dom, req, "vcpu already waiting");
		return false;
	}
	xenintro_pending_park(dom, p, req, dom->next_seq++, d->rule_idx,
			      now);
	/* Behind older events waiting for room: keep the order. */
	delivered = list_empty(&dom->backlog) &&
		    xenintro_publish_copy_locked(dom, ev, d->rule_idx,
						 ev->flags, p->seq, now);
	if (delivered) {
		xenintro_pending_delivered(dom, p);
		dom->stats.forwarded++;
	} else {
		xenintro_pending_backlog(dom, p);
	}
	xenintro_deadline_arm_locked(dom);
	return delivered;
}

/* One request, just copied out of the ring. True if the agent got it. */
static bool xenintro_handle_request_locked(struct xenintro_domain *dom,
					   const struct xve_event *req)
{
	struct xenintro_event *ev = &dom->scratch_ev;
	struct xenintro_decision d;
	int ret;

	dom->stats.requests++;
	trace_xenintro_event_received(dom->hv.domid, req->vcpu_id, req->reason,
				      req->flags);

	/* Into scratch memory: never the agent's ring before it is decided. */
	ret = xenintro_decode(req, dom->hv.max_vcpus, ev);
	if (ret) {
		xenintro_malformed(dom, req,
				   dom->state == XENINTRO_DOM_ATTACHED ?
				   xenintro_decode_error(ret) :
				   "while detaching");
		return false;
	}

	/*
	 * While detaching, everything gets the default verdict at once; no
	 * rule is consulted (nor its hits counted) for it.
	 */
	if (dom->state != XENINTRO_DOM_ATTACHED) {
		struct xenintro_answer ans = {
			.verdict = xenintro_safe_default(req,
							 dom->default_verdict),
		};

		xenintro_respond_locked(dom, req, &ans);
		dom->stats.kernel_verdicts++;
		return false;
	}
	xenintro_decide_locked(dom, ev, &d);
	return xenintro_deliver_locked(dom, req, ev, &d);
}

/**
 * xenintro_drain_budget_locked() - process at most @budget requests
 * @dom: the domain
 * @budget: how many requests this call may take out of the ring
 * @more: out: requests are left in the ring because the budget ran out
 *
 * Answers and forwards what it read, publishes the responses and kicks
 * the hypervisor once. When the budget runs out the ring's final check is
 * not done (the caller comes back for the rest, see drain_work.c);
 * otherwise it is, so a request placed after the last read is either
 * seen here or announced by its own kick.
 *
 * Return: the number of requests consumed.
 */
unsigned int xenintro_drain_budget_locked(struct xenintro_domain *dom,
					  unsigned int budget, bool *more)
{
	struct xve_event *req = &dom->scratch_req;
	bool delivered = false;
	unsigned int done = 0;
	int ret = 0;

	lockdep_assert_held(&dom->lock);

	*more = false;
	if (dom->state == XENINTRO_DOM_DETACHED)
		return 0;
	for (;;) {
		while (done < budget) {
			ret = xenintro_vmring_next_request(&dom->vmring, req);
			if (ret <= 0)
				break;
			delivered |= xenintro_handle_request_locked(dom, req);
			done++;
		}
		if (ret < 0) {
			dom->stats.malformed++;
			pr_err_ratelimited("xenintro: dom%u: ring producer index is corrupt; ring no longer read\n",
					   dom->hv.domid);
			break;
		}
		if (done == budget) {
			*more = xenintro_vmring_has_request(&dom->vmring);
			if (*more)
				break;
		}
		if (!xenintro_vmring_final_check(&dom->vmring))
			break;
	}

	xenintro_notify_locked(dom);
	if (delivered)
		xenintro_wake_agent(dom);
	return done;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_drain_budget_locked);

/**
 * xenintro_drain_locked() - process every request in the hypervisor's ring
 * @dom: the domain
 *
 * For attach and teardown, in process context: the ring holds at most
 * XVE_RING_ENTRIES requests between two notifications, so this is
 * bounded too.
 */
void xenintro_drain_locked(struct xenintro_domain *dom)
{
	bool more;

	xenintro_drain_budget_locked(dom, UINT_MAX, &more);
}

/*
 * Every byte a verdict does not use must be zero, so that a later uAPI
 * can give those bytes a meaning without old agents' leftovers being read
 * as one: the reserved fields, altp2m_idx without VFLAG_ALTP2M, and the
 * union beyond what the verdict reads (the registers for SET_REGISTERS,
 * the size and that many data bytes for EMULATE_READ_DATA, else nothing).
 */
static bool xenintro_verdict_unused_clear(const struct xenintro_verdict *v)
{
	const u8 *u = (const u8 *)&v->u;
	size_t used = 0;

	if (memchr_inv(v->reserved0, 0, sizeof(v->reserved0)) ||
	    memchr_inv(v->reserved1, 0, sizeof(v->reserved1)))
		return false;
	if (!(v->flags & XENINTRO_VFLAG_ALTP2M) && v->altp2m_idx)
		return false;
	switch (v->verdict) {
	case XENINTRO_VERDICT_SET_REGISTERS:
		used = sizeof(v->u.regs);
		break;
	case XENINTRO_VERDICT_EMULATE_READ_DATA:
		if (v->u.emul_read.pad ||
		    v->u.emul_read.size > XENINTRO_EMUL_READ_MAX)
			return false;
		used = offsetof(typeof(v->u.emul_read), data) +
		       v->u.emul_read.size;
		break;
	}
	return !memchr_inv(u + used, 0, sizeof(v->u) - used);
}

/* Validate one verdict record and apply it. */
static void xenintro_apply_verdict_locked(struct xenintro_domain *dom,
					  const struct xenintro_verdict *v)
{
	struct xenintro_answer ans = {
		.verdict = v->verdict,
		.flags = v->flags,
		.altp2m_idx = v->altp2m_idx,
		.verdict_rec = v,
	};
	struct xenintro_pending *p;

	if (v->vcpu >= dom->hv.max_vcpus) {
		dom->stats.verdicts_invalid++;
		return;
	}
	p = &dom->pending[v->vcpu];
	/* Only delivered events can be answered: nobody knows the others. */
	if (!p->active || p->seq != v->seq || p->in_backlog) {
		dom->stats.verdicts_stale++;
		return;
	}
	if (!xenintro_verdict_unused_clear(v) ||
	    xenintro_answer_check(&p->req, &ans, dom->features)) {
		/* The event stays pending: a corrected verdict may follow. */
		dom->stats.verdicts_invalid++;
		pr_debug_ratelimited("xenintro: dom%u: invalid verdict %u flags %#x for seq %llu\n",
				     dom->hv.domid, v->verdict, v->flags,
				     v->seq);
		return;
	}
	trace_xenintro_event_answered(dom->hv.domid, v->vcpu, v->seq, v->verdict,
				      p->timestamp);
	xenintro_answer_locked(dom, p, &ans);
	dom->stats.agent_verdicts++;
}

/**
 * xenintro_consume_verdicts_locked() - apply the agent's verdicts
 * @dom: the domain
 *
 * Return: the number of verdict records consumed. Responses are queued;
 * the caller notifies.
 */
unsigned int xenintro_consume_verdicts_locked(struct xenintro_domain *dom)
{
	struct xenintro_verdict *v = &dom->scratch_verdict;
	int n, i;

	lockdep_assert_held(&dom->lock);

	if (dom->state != XENINTRO_DOM_ATTACHED)
		return 0;
	n = xenintro_verdicts_available(&dom->rings);
	if (n < 0) {
		dom->stats.verdicts_invalid++;
		pr_warn_ratelimited("xenintro: dom%u: agent's verdict tail is impossible; verdicts ignored\n",
				    dom->hv.domid);
		return 0;
	}
	for (i = 0; i < n; i++) {
		xenintro_verdict_take(&dom->rings, v);
		xenintro_apply_verdict_locked(dom, v);
	}
	if (n)
		xenintro_verdicts_release(&dom->rings);
	return n;
}

/**
 * xenintro_take_verdicts_locked() - what a kick from the agent does
 * @dom: the domain, attached
 *
 * Applies the published verdicts, moves backlog into the room they made,
 * tells the hypervisor about the responses and re-arms the deadline. For
 * XENINTRO_IOC_KICK.
 *
 * Return: the number of verdict records consumed.
 */
unsigned int xenintro_take_verdicts_locked(struct xenintro_domain *dom)
{
	unsigned int n;

	lockdep_assert_held(&dom->lock);

	n = xenintro_consume_verdicts_locked(dom);
	xenintro_flush_backlog_locked(dom);
	xenintro_notify_locked(dom);
	xenintro_deadline_arm_locked(dom);
	return n;
}

/**
 * xenintro_deadline_fire() - the oldest pending event is overdue
 * @t: the domain's deadline timer
 *
 * A synchronous event the agent has not answered within the session's
 * deadline gets the default verdict, so a stuck or slow agent cannot hang
 * a guest vCPU. Softirq context.
 */
void xenintro_deadline_fire(struct timer_list *t)
{
	struct xenintro_domain *dom = from_timer(dom, t, deadline_timer);
	struct xenintro_pending *p;
	unsigned long flags;

	spin_lock_irqsave(&dom->lock, flags);
	if (dom->state != XENINTRO_DOM_ATTACHED)
		goto out;

	/* Verdicts already written but not kicked are not late. */
	xenintro_consume_verdicts_locked(dom);

	while ((p = xenintro_pending_oldest(dom)) &&
	       time_after_eq(jiffies, p->deadline)) {
		struct xenintro_answer ans = {
			.verdict = xenintro_safe_default(&p->req,
							 dom->default_verdict),
		};

		trace_xenintro_deadline_expired(dom->hv.domid, p->req.vcpu_id,
						p->seq, ans.verdict,
						p->timestamp);
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
