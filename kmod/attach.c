// SPDX-License-Identifier: GPL-2.0
/*
 * Attach and teardown of a monitored domain.
 *
 * Attach follows the order Xen's own monitor tools use (xen-access,
 * LibVMI): look the domain up, pause it, let the backend map, initialise
 * and enable the ring and bind its event channel, drain once (kicks sent
 * before the bind are lost), unpause. All of it from the pause on runs
 * under the domain's ctl_lock: once ->ring_enable() returned, the backend
 * may report the domain dead at any moment, and the teardown that report
 * queues takes ctl_lock too, so it waits until attach is done with the
 * ring instead of unmapping it under attach's feet.
 *
 * Teardown, on DETACH, on the last close or when the domain dies: revoke
 * every guest frame mapped into the agent (guest_map.c); pause;
 * answer everything pending with the default verdict; switch off
 * single-stepping where a response switched it on; restore page rights
 * (while the ring still exists, Xen needs it); disable the monitor events
 * this session enabled; unpause and drain again; disable the ring (the
 * backend unbinds and unmaps) while anything still arriving is answered by
 * default; undo the session's own pauses. The guest keeps running.
 *
 * Locks: dom->ctl_lock, then xenintro_domains_lock (the registry, taken
 * inside ctl_lock by teardown and by attach's error path, never the other
 * way round), then dom->lock. Revoking mapped frames takes the mappings'
 * i_mmap_rwsem inside ctl_lock (see guest_map.c for mmap_lock).
 */
#include <linux/bitmap.h>
#include <linux/fs.h>
#include <linux/jiffies.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "xenintro.h"
#include "xenintro_trace.h"

/* No HVM guest has more (Xen's HVM_MAX_VCPUS is 128); a sanity bound. */
#define XENINTRO_MAX_VCPUS		4096

/*
 * The domains monitored now, by domid: one session per domain. Protected
 * by xenintro_domains_lock, innermost of the mutexes: it is taken inside a
 * domain's ctl_lock (teardown) and nothing is called while holding it.
 */
static DEFINE_MUTEX(xenintro_domains_lock);
static DEFINE_XARRAY(xenintro_domains);

struct xenintro_hv_domain *xenintro_hv(struct xenintro_domain *dom)
{
	return &dom->hv;
}
EXPORT_SYMBOL_GPL(xenintro_hv);

static void xenintro_domain_free(struct kref *ref)
{
	struct xenintro_domain *dom = container_of(ref, struct xenintro_domain,
						   ref);
	struct xenintro_monitor_entry *m, *tmp;

	list_for_each_entry_safe(m, tmp, &dom->monitors, node)
		kfree(m);
	xenintro_rings_free(&dom->rings);
	/* Teardown stopped the event path: nobody reads the table now. */
	xenintro_rules_free(dom->rules);
	bitmap_free(dom->singlestep);
	kvfree(dom->pending);
	xenintro_backend_put(dom->ops);
	mutex_destroy(&dom->ctl_lock);
	kfree(dom);
}

void xenintro_domain_put(struct xenintro_domain *dom)
{
	kref_put(&dom->ref, xenintro_domain_free);
}

static void xenintro_registry_remove(struct xenintro_domain *dom)
{
	mutex_lock(&xenintro_domains_lock);
	if (xa_load(&xenintro_domains, dom->hv.domid) == dom)
		xa_erase(&xenintro_domains, dom->hv.domid);
	mutex_unlock(&xenintro_domains_lock);
}

/*
 * No vCPU may go on single-stepping once nobody monitors it: every
 * single-step exit would still cost a VM exit, and a later monitor would
 * see steps it never asked for. The domain is paused and every pending
 * event answered (without a toggle) when this runs.
 */
static void xenintro_singlestep_all_off(struct xenintro_domain *dom)
{
	unsigned long flags;
	u32 vcpu = 0;
	int ret;

	lockdep_assert_held(&dom->ctl_lock);
	for (;;) {
		/* The bitmap changes under dom->lock (responses). */
		spin_lock_irqsave(&dom->lock, flags);
		vcpu = find_next_bit(dom->singlestep, dom->hv.max_vcpus, vcpu);
		if (vcpu < dom->hv.max_vcpus)
			clear_bit(vcpu, dom->singlestep);
		spin_unlock_irqrestore(&dom->lock, flags);
		if (vcpu >= dom->hv.max_vcpus)
			break;
		ret = dom->ops->singlestep_off(dom, vcpu);
		/* -EOPNOTSUPP: no single-step there, the toggle did nothing. */
		if (ret && ret != -EOPNOTSUPP)
			pr_warn("xenintro: dom%u vcpu%u: single-step off failed: %d\n",
				dom->hv.domid, vcpu, ret);
		vcpu++;
	}
}

static void xenintro_teardown(struct xenintro_domain *dom)
{
	const struct xenintro_hv_ops *ops = dom->ops;
	bool dead = dom->dead;
	bool paused = false;
	unsigned long flags;
	int ret;

	lockdep_assert_held(&dom->ctl_lock);

	if (dom->torn_down)
		return;
	dom->torn_down = true;
	trace_xenintro_detach(dom->hv.domid, dead);
	/* No guest frame stays in the agent's hands past the session. */
	xenintro_frames_revoke(dom);

	/*
	 * From here every request, old or new, gets the default verdict at
	 * once, whoever drains the ring: us, a kick, or the backend while it
	 * disables the ring.
	 */
	spin_lock_irqsave(&dom->lock, flags);
	WRITE_ONCE(dom->state, XENINTRO_DOM_DETACHING);
	spin_unlock_irqrestore(&dom->lock, flags);

	if (!dead) {
		/* Paused, no vCPU raises anything while we restore. */
		ret = ops->pause(dom);
		paused = !ret;
		if (ret)
			pr_warn("xenintro: dom%u: pause for teardown failed: %d\n",
				dom->hv.domid, ret);

		spin_lock_irqsave(&dom->lock, flags);
		xenintro_drain_locked(dom);
		xenintro_answer_all_locked(dom);
		xenintro_notify_locked(dom);
		spin_unlock_irqrestore(&dom->lock, flags);

		xenintro_singlestep_all_off(dom);
		/* Page rights need the ring: restore them before disabling it. */
		if (dom->access_changed) {
			ret = ops->reset_access(dom);
			if (ret)
				pr_warn("xenintro: dom%u: restoring page rights failed: %d\n",
					dom->hv.domid, ret);
		}
		xenintro_monitors_disable_all(dom);

		/*
		 * With the monitors off nothing new is raised. Unpause before
		 * the ring goes: vCPUs Xen parked waiting for ring space must
		 * run to leave its wait queue, or ring disable says -EBUSY.
		 */
		if (paused)
			ops->unpause(dom);
		/*
		 * Pauses the agent still holds go too, before the ring: a
		 * vCPU must run to finish a write it was allowed to make in
		 * CONTROL_REGISTERS mode (Xen's hvm_vm_event_do_resume()),
		 * and the backend waits for that before disabling the ring.
		 */
		for (; dom->pauses; dom->pauses--)
			ops->unpause(dom);
	}

	spin_lock_irqsave(&dom->lock, flags);
	xenintro_drain_locked(dom);
	xenintro_answer_all_locked(dom);
	xenintro_notify_locked(dom);
	spin_unlock_irqrestore(&dom->lock, flags);

	/* Kicks may still run inside, and are answered by default. */
	ops->ring_disable(dom);
	xenintro_domain_kick_cancel(dom);	/* none left: see hv_ops.h */

	spin_lock_irqsave(&dom->lock, flags);
	WRITE_ONCE(dom->state, XENINTRO_DOM_DETACHED);
	dom->vmring.sring = NULL;	/* unmapped by ->ring_disable() */
	WRITE_ONCE(dom->rings.ctrl->state, dead ? XENINTRO_STATE_DEAD :
						  XENINTRO_STATE_DETACHED);
	spin_unlock_irqrestore(&dom->lock, flags);
	/* The timer sees DETACHED and does not re-arm. */
	del_timer_sync(&dom->deadline_timer);

	xenintro_registry_remove(dom);
	wake_up_all(&dom->wq);
	pr_info("xenintro: dom%u: detached%s\n", dom->hv.domid,
		dead ? " (domain died)" : "");
	xenintro_audit_detach(dom, dead);
}

/**
 * xenintro_detach_now() - XENINTRO_IOC_DETACH
 * @dom: the session's domain
 *
 * Return: 0, or -ESRCH if the session is detached already (or the domain
 * died, which detached it).
 */
int xenintro_detach_now(struct xenintro_domain *dom)
{
	int ret = 0;

	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down)
		ret = -ESRCH;
	else
		xenintro_teardown(dom);
	mutex_unlock(&dom->ctl_lock);
	return ret;
}

/* Teardown for the session's last reference (close and munmap). */
void xenintro_detach(struct xenintro_domain *dom)
{
	/* -ESRCH: DETACH or a death tore it down already; nothing to do. */
	xenintro_detach_now(dom);
	/* A queued "died" work owns a reference; it has nothing left to do. */
	if (cancel_work_sync(&dom->dead_work))
		xenintro_domain_put(dom);
}

static void xenintro_dead_work(struct work_struct *work)
{
	struct xenintro_domain *dom = container_of(work, struct xenintro_domain,
						   dead_work);

	mutex_lock(&dom->ctl_lock);
	dom->dead = true;
	xenintro_teardown(dom);
	mutex_unlock(&dom->ctl_lock);
	xenintro_domain_put(dom);
}

/**
 * xenintro_domain_dead() - the monitored domain died
 * @dom: the domain
 *
 * Called by a backend between ->ring_enable() and the return of
 * ->ring_disable(). Neither sleeps nor takes core locks, so a backend may
 * call it under its own locks. The teardown runs from a work item; the
 * agent then sees XENINTRO_STATE_DEAD, poll() reports EPOLLHUP and the
 * domain ioctls fail with -ESRCH.
 */
void xenintro_domain_dead(struct xenintro_domain *dom)
{
	kref_get(&dom->ref);
	if (!queue_work(system_wq, &dom->dead_work))
		xenintro_domain_put(dom);
}
EXPORT_SYMBOL_GPL(xenintro_domain_dead);

static int xenintro_ring_entries(u32 *entries)
{
	if (!*entries)
		*entries = XENINTRO_RING_DEFAULT;
	if (*entries < XENINTRO_RING_MIN || *entries > XENINTRO_RING_MAX ||
	    !is_power_of_2(*entries))
		return -EINVAL;
	return 0;
}

static int xenintro_attach_check(struct xenintro_attach *a)
{
	if (a->flags || a->reserved[0] || a->reserved[1])
		return -EINVAL;
	/*
	 * Xen's special domids are no guests. dom0 is a domain, refused by
	 * the domain policy unless the administrator allows it.
	 */
	if (a->domid >= XENINTRO_DOMID_FIRST_RESERVED)
		return -EINVAL;
	if (xenintro_ring_entries(&a->event_entries) ||
	    xenintro_ring_entries(&a->verdict_entries))
		return -EINVAL;
	/* The agent's record size; 0 from agents older than this field. */
	if (!a->event_record_size)
		a->event_record_size = sizeof(struct xenintro_event);
	if (a->event_record_size < sizeof(struct xenintro_event) ||
	    a->event_record_size > XENINTRO_EVENT_RECORD_MAX ||
	    !is_power_of_2(a->event_record_size))
		return -EINVAL;
	if (a->verdict_record_size)
		return -EINVAL;
	if (a->default_verdict != XENINTRO_VERDICT_CONTINUE &&
	    a->default_verdict != XENINTRO_VERDICT_DENY)
		return -EINVAL;
	if (!a->deadline_ms)
		a->deadline_ms = XENINTRO_DEADLINE_DEFAULT_MS;
	if (a->deadline_ms > XENINTRO_DEADLINE_MAX_MS)
		return -EINVAL;
	return 0;
}

static struct xenintro_domain *
xenintro_domain_alloc(const struct xenintro_hv_ops *ops,
		      const struct xenintro_attach *a, u32 max_vcpus,
		      u64 features)
{
	struct xenintro_domain *dom;
	u32 i;

	dom = kzalloc(sizeof(*dom), GFP_KERNEL);
	if (!dom)
		return NULL;
	dom->pending = kvcalloc(max_vcpus, sizeof(*dom->pending), GFP_KERNEL);
	dom->singlestep = bitmap_zalloc(max_vcpus, GFP_KERNEL);
	if (!dom->pending || !dom->singlestep ||
	    xenintro_rings_alloc(&dom->rings, a->event_entries,
				 a->verdict_entries, a->event_record_size)) {
		bitmap_free(dom->singlestep);
		kvfree(dom->pending);
		kfree(dom);
		return NULL;
	}

	kref_init(&dom->ref);
	dom->ops = ops;
	dom->features = features;
	dom->hv.domid = a->domid;
	dom->hv.max_vcpus = max_vcpus;
	mutex_init(&dom->ctl_lock);
	INIT_LIST_HEAD(&dom->monitors);
	INIT_WORK(&dom->dead_work, xenintro_dead_work);
	xenintro_drain_work_setup(dom);
	spin_lock_init(&dom->lock);
	dom->state = XENINTRO_DOM_ATTACHED;
	INIT_LIST_HEAD(&dom->backlog);
	INIT_LIST_HEAD(&dom->inflight);
	for (i = 0; i < max_vcpus; i++)
		INIT_LIST_HEAD(&dom->pending[i].node);
	dom->next_seq = 1;
	dom->default_verdict = a->default_verdict;
	dom->deadline_jiffies = max(msecs_to_jiffies(a->deadline_ms), 1UL);
	timer_setup(&dom->deadline_timer, xenintro_deadline_fire, 0);
	init_waitqueue_head(&dom->wq);

	dom->rings.ctrl->domid = a->domid;
	dom->rings.ctrl->max_vcpus = max_vcpus;
	dom->rings.ctrl->state = XENINTRO_STATE_ATTACHED;
	return dom;
}

static void xenintro_attach_reply(struct xenintro_attach *a,
				  const struct xenintro_domain *dom)
{
	a->max_vcpus = dom->hv.max_vcpus;
	a->ctrl_size = dom->rings.ctrl_size;
	a->events_size = dom->rings.events_size;
	a->verdicts_size = dom->rings.verdicts_size;
	a->verdict_records = XENINTRO_AGENT_PAGE_SIZE;
	a->event_record_size = dom->rings.event_stride;
	a->verdict_record_size = sizeof(struct xenintro_verdict);
}

/**
 * xenintro_attach() - bind a session to a domain
 * @s: the session
 * @a: the ATTACH arguments; outputs are filled on success
 *
 * Return: 0 or a negative errno (see struct xenintro_attach). On error
 * nothing is left behind: the domain is unpaused and unmonitored.
 */
int xenintro_attach(struct xenintro_session *s, struct xenintro_attach *a)
{
	const struct xenintro_hv_ops *ops;
	struct xenintro_dominfo info = {};
	struct xenintro_domident ident;
	struct xenintro_domain *dom;
	unsigned long flags;
	int ret;

	ret = xenintro_attach_check(a);
	if (ret)
		return ret;

	mutex_lock(&s->lock);
	if (s->dom) {
		ret = -EBUSY;
		goto out_unlock;
	}
	/* An fd restricted to one domain (RESTRICT) attaches to no other. */
	if (s->domain_restricted && a->domid != s->restricted_domid) {
		ret = -EPERM;
		goto out_unlock;
	}
	ops = xenintro_backend_get();
	if (!ops) {
		ret = -ENODEV;
		goto out_unlock;
	}

	/* The administrator's domain policy (domain_policy.c): -EACCES. */
	ret = xenintro_policy_check(ops, a->domid, &ident);
	if (ret)
		goto out_put_backend;
	ret = ops->domain_info(a->domid, &info);
	if (ret)
		goto out_put_backend;
	if (info.dying) {
		ret = -ESRCH;
		goto out_put_backend;
	}
	if (!info.hvm) {
		ret = -EOPNOTSUPP;
		goto out_put_backend;
	}
	if (!info.max_vcpus || info.max_vcpus > XENINTRO_MAX_VCPUS) {
		ret = -EINVAL;
		goto out_put_backend;
	}

	dom = xenintro_domain_alloc(ops, a, info.max_vcpus, s->features);
	if (!dom) {
		ret = -ENOMEM;
		goto out_put_backend;
	}
	/* From here the domain object owns the backend reference. */
	dom->frames_mapping = s->inode->i_mapping;
	strscpy(dom->name, ident.name, sizeof(dom->name));

	mutex_lock(&xenintro_domains_lock);
	ret = xa_insert(&xenintro_domains, a->domid, dom, GFP_KERNEL);
	mutex_unlock(&xenintro_domains_lock);
	if (ret)
		goto out_free;	/* -EBUSY: monitored elsewhere, or -ENOMEM */

	/* Until the unpause: a death reported meanwhile waits (see top). */
	mutex_lock(&dom->ctl_lock);
	ret = ops->pause(dom);
	if (ret)
		goto out_unlock_ctl;
	ret = ops->ring_enable(dom);
	if (ret)
		goto out_unpause;

	/* Kicks before this saw no ring; catch up on what they announced. */
	spin_lock_irqsave(&dom->lock, flags);
	xenintro_vmring_attach(&dom->vmring, dom->hv.sring);
	xenintro_drain_locked(dom);
	spin_unlock_irqrestore(&dom->lock, flags);

	ret = ops->unpause(dom);
	if (ret)
		pr_warn("xenintro: dom%u: unpause after attach failed: %d\n",
			a->domid, ret);
	mutex_unlock(&dom->ctl_lock);

	xenintro_attach_reply(a, dom);
	/* Pairs with the acquires in session.c: dom is fully set up. */
	smp_store_release(&s->dom, dom);
	mutex_unlock(&s->lock);
	pr_info("xenintro: dom%u: attached (%s, %u vcpus)\n", a->domid,
		ops->name, info.max_vcpus);
	trace_xenintro_attach(a->domid, info.max_vcpus, dom->features);
	xenintro_audit_attach(dom);
	return 0;

out_unpause:
	ops->unpause(dom);
out_unlock_ctl:
	/*
	 * No ring was enabled, so no death can have been reported; should a
	 * backend break that rule, the work finds the domain torn down.
	 */
	dom->torn_down = true;
	mutex_unlock(&dom->ctl_lock);
	if (cancel_work_sync(&dom->dead_work))
		xenintro_domain_put(dom);
	xenintro_registry_remove(dom);
out_free:
	xenintro_domain_put(dom);
	mutex_unlock(&s->lock);
	return ret;
out_put_backend:
	xenintro_backend_put(ops);
out_unlock:
	mutex_unlock(&s->lock);
	return ret;
}
