// SPDX-License-Identifier: GPL-2.0
/*
 * Kicks: the hypervisor says requests are waiting. A guest decides how
 * often that happens, so a guest that raises events as fast as it can
 * (a CPUID loop, a CR3-writing loop) must not be able to turn dom0 into
 * its event processor. Four rules keep it a guest's problem:
 *
 *  1. The interrupt does bounded work. xenintro_domain_kick() processes
 *     at most one chunk of the ring in the interrupt, and only while
 *     the CPU has irq_budget requests (module parameter, default 64)
 *     left of its allowance for the current jiffy, shared by every
 *     domain that interrupts that CPU. A guest at an ordinary pace is
 *     answered there, without a thread wake-up in its path; a storm
 *     spends the allowance within the tick, and the rest of the tick's
 *     kicks only queue the domain's drain work. Hard IRQ time is taken
 *     from whatever dom0 task was running, which no scheduler can
 *     balance: the allowance is what bounds it (irq_budget=0: never
 *     process in the interrupt).
 *
 *  2. The work is bounded. One run of the work consumes at most
 *     drain_budget requests (module parameter, default XVE_RING_ENTRIES:
 *     one ring's worth) under dom->lock with interrupts off, so the time
 *     interrupts stay off is bounded by the budget, not by the guest.
 *     When the budget runs out with requests left, the work queues
 *     itself again instead of looping: between two runs the worker
 *     thread passes through the scheduler (cond_resched() after each
 *     work item), so dom0 tasks that are due run first.
 *
 *  3. The work runs in a schedulable thread. The workqueue is unbound
 *     and ordinary (SCHED_OTHER, nice 0): under a storm its worker gets
 *     a fair share of a CPU, like any busy dom0 task, not more. It is
 *     WQ_SYSFS, so an administrator can move it (cpumask) or lower it
 *     (nice) under /sys/devices/virtual/workqueue/xenintro_events/.
 *
 *  4. Xen's lateeoi event channels close the loop: the channel stays
 *     masked from its interrupt until ->kick_done() (the backend's
 *     xen_irq_lateeoi()), which is called only when the ring is empty.
 *     However many notifications the guest causes meanwhile, they become
 *     one pending bit, and that fires once when the channel is unmasked,
 *     so no request is lost and a storm costs one interrupt per drained
 *     ring, not one per event. A kick that found nothing tells the
 *     backend so (@spurious); the Xen backend does not pass that on to
 *     Xen, whose back-off would stall the guest (kmod/xen/xen_ring.c
 *     says why).
 *
 * Locking: a chunk, in the interrupt or in the work, runs under dom->lock
 * (irqsave), like every other part of the event path; the per-CPU
 * allowance is read and charged with interrupts off around the chunk, so
 * on its CPU and by one kick at a time. One work item per domain, so a domain's chunks in the work
 * never run concurrently; a chunk in an interrupt may run while the work
 * runs on another CPU, each under the lock, and both may then call
 * ->kick_done(), which is idempotent (an unmask). Domains are processed
 * in parallel. A backend stops its kicks (and waits for a running
 * handler) and calls xenintro_domain_kick_cancel() in ->ring_disable()
 * before freeing what ->notify() and ->kick_done() use
 * (cancel_work_sync() copes with a work that queues itself again).
 */
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>

#include "xenintro.h"
#include "xenintro_trace.h"

/*
 * Set an unsigned int parameter to a value in [@min, @max]; anything else
 * is refused and changes nothing. Readers use READ_ONCE().
 */
static int xenintro_budget_set(const char *val, unsigned int *dst,
			       unsigned int min, unsigned int max)
{
	unsigned int n;
	int ret;

	ret = kstrtouint(val, 0, &n);
	if (ret)
		return ret;
	if (n < min || n > max)
		return -EINVAL;
	WRITE_ONCE(*dst, n);
	return 0;
}

/* Upper bound for drain_budget: keeps interrupts-off time in microseconds. */
#define XENINTRO_DRAIN_BUDGET_MAX	1024

static unsigned int xenintro_drain_budget = XVE_RING_ENTRIES;

static int xenintro_drain_budget_set(const char *val,
				     const struct kernel_param *kp)
{
	return xenintro_budget_set(val, kp->arg, 1, XENINTRO_DRAIN_BUDGET_MAX);
}

static const struct kernel_param_ops xenintro_drain_budget_ops = {
	.set = xenintro_drain_budget_set,
	.get = param_get_uint,
};

module_param_cb(drain_budget, &xenintro_drain_budget_ops,
		&xenintro_drain_budget, 0644);
MODULE_PARM_DESC(drain_budget,
		 "Requests one run of a domain's ring processing may take (1-1024, default 8: one ring)");

/* Upper bound for irq_budget: a jiffy's hard IRQ time stays small. */
#define XENINTRO_IRQ_BUDGET_MAX		1024

static unsigned int xenintro_irq_budget = 64;

static int xenintro_irq_budget_set(const char *val,
				   const struct kernel_param *kp)
{
	return xenintro_budget_set(val, kp->arg, 0, XENINTRO_IRQ_BUDGET_MAX);
}

static const struct kernel_param_ops xenintro_irq_budget_ops = {
	.set = xenintro_irq_budget_set,
	.get = param_get_uint,
};

module_param_cb(irq_budget, &xenintro_irq_budget_ops, &xenintro_irq_budget,
		0644);
MODULE_PARM_DESC(irq_budget,
		 "Requests a CPU may process in its interrupts per jiffy, over all domains; the rest goes to the worker (0-1024, default 64; 0: always the worker)");

/* A CPU's interrupt allowance: requests processed there in @tick. */
struct xenintro_irq_allowance {
	unsigned long tick;
	unsigned int used;
};

static DEFINE_PER_CPU(struct xenintro_irq_allowance, xenintro_irq_allowance);

static struct workqueue_struct *xenintro_event_wq;

/*
 * One chunk of @dom's ring, in the worker or in an interrupt (@irq, for
 * the trace): the verdicts the agent published without a kick, then at
 * most @budget requests; an emptied ring is given back to the backend.
 * Returns whether requests are left; @done gets how many were taken.
 */
static bool xenintro_drain_chunk(struct xenintro_domain *dom,
				 unsigned int budget, bool irq,
				 unsigned int *done)
{
	unsigned long flags;
	unsigned int n;
	bool more;

	spin_lock_irqsave(&dom->lock, flags);
	xenintro_consume_verdicts_locked(dom);
	n = xenintro_drain_budget_locked(dom, budget, &more);
	trace_xenintro_drain(dom->hv.domid, n, budget, more, irq);
	spin_unlock_irqrestore(&dom->lock, flags);

	if (!more && dom->ops->kick_done)
		dom->ops->kick_done(dom, !n);
	*done = n;
	return more;
}

/**
 * xenintro_drain_work_run() - one bounded chunk of a domain's ring
 * @dom: the domain
 *
 * Applies verdicts the agent published without a kick, then processes at
 * most drain_budget requests.
 *
 * Return: true if requests are left for another run.
 */
bool xenintro_drain_work_run(struct xenintro_domain *dom)
{
	unsigned int n;

	return xenintro_drain_chunk(dom, READ_ONCE(xenintro_drain_budget),
				    false, &n);
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_drain_work_run);

static void xenintro_drain_work_fn(struct work_struct *work)
{
	struct xenintro_domain *dom = container_of(work, struct xenintro_domain,
						   drain_work);

	/* At the tail of the queue: whatever else is due goes first. */
	if (xenintro_drain_work_run(dom))
		queue_work(xenintro_event_wq, work);
}

void xenintro_drain_work_setup(struct xenintro_domain *dom)
{
	INIT_WORK(&dom->drain_work, xenintro_drain_work_fn);
}

/**
 * xenintro_domain_kick() - the hypervisor has new requests
 * @dom: the domain
 *
 * Called by backends from their event-channel handler, in any context.
 * Processes one chunk here while this CPU's interrupt allowance lasts,
 * and queues the domain's drain work for the rest (see the top of this
 * file); a kick while the work is queued already is folded into it.
 */
void xenintro_domain_kick(struct xenintro_domain *dom)
{
	unsigned int allowed = READ_ONCE(xenintro_irq_budget);
	struct xenintro_irq_allowance *a;
	unsigned long flags, now;
	unsigned int n;
	bool more;

	/* Queued work will take these requests; keep their order. */
	if (!allowed || work_pending(&dom->drain_work))
		goto defer;
	/* Interrupts off: this CPU's allowance is ours until charged. */
	local_irq_save(flags);
	a = this_cpu_ptr(&xenintro_irq_allowance);
	now = jiffies;
	if (a->tick != now) {	/* a new tick, a new allowance */
		a->tick = now;
		a->used = 0;
	}
	if (a->used >= allowed) {
		local_irq_restore(flags);
		goto defer;
	}
	more = xenintro_drain_chunk(dom, min(READ_ONCE(xenintro_drain_budget),
					     allowed - a->used),
				    true, &n);
	a->used += n;
	local_irq_restore(flags);
	if (!more)
		return;
defer:
	queue_work(xenintro_event_wq, &dom->drain_work);
}
EXPORT_SYMBOL_GPL(xenintro_domain_kick);

/**
 * xenintro_domain_kick_cancel() - no kick's work runs after this
 * @dom: the domain
 *
 * For ->ring_disable(), after the backend stopped delivering kicks and
 * before it frees what ->notify() and ->kick_done() use. May sleep.
 */
void xenintro_domain_kick_cancel(struct xenintro_domain *dom)
{
	cancel_work_sync(&dom->drain_work);
}
EXPORT_SYMBOL_GPL(xenintro_domain_kick_cancel);

int xenintro_drain_work_init(void)
{
	xenintro_event_wq = alloc_workqueue("xenintro_events",
					    WQ_UNBOUND | WQ_SYSFS, 0);
	return xenintro_event_wq ? 0 : -ENOMEM;
}

void xenintro_drain_work_exit(void)
{
	destroy_workqueue(xenintro_event_wq);
}
