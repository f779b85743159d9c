// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_sim: faults at named points of the backend ops, for the tests
 * of what the core does when the hypervisor fails or the domain dies in
 * the middle of one of its operations.
 *
 * One fault per domain, armed from debugfs ("fault domid=N op=... "), fires
 * once at the (skip + 1)-th call of that op, then disarms. Actions:
 *
 *  - fail: the op returns the armed errno without doing anything (a
 *    failed hypercall);
 *  - destroy: the domain is destroyed from a work item, as a toolstack on
 *    another CPU would do it, while the op goes on. In process context the
 *    op then waits up to delay_us for the core to finish with the dead
 *    domain (its ring disabled); had the ring gone while the core was
 *    still in the middle of an attach or another control operation, that
 *    is a race the core must prevent, and it is counted ("faults" shows
 *    raced=N). In atomic context (->notify()) it only spins delay_us.
 *
 * The counters are module-wide: tests read them before and after.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "sim.h"

static const char *const sim_fault_names[] = {
	[SIM_FP_NONE] = "none",
	[SIM_FP_PAUSE] = "pause",
	[SIM_FP_UNPAUSE] = "unpause",
	[SIM_FP_RING_ENABLE] = "ring_enable",
	[SIM_FP_RING_HIDE] = "ring_hide",
	[SIM_FP_NOTIFY] = "notify",
	[SIM_FP_MONITOR] = "monitor",
	[SIM_FP_SET_ACCESS] = "set_access",
	[SIM_FP_GET_ACCESS] = "get_access",
	[SIM_FP_RESET_ACCESS] = "reset_access",
	[SIM_FP_SINGLESTEP_OFF] = "singlestep_off",
	[SIM_FP_MAP_FRAME] = "map_frame",
};

/* Destroys run here; module exit drains it before the domains go. */
static struct workqueue_struct *sim_fault_wq;

int sim_fault_wq_init(void)
{
	sim_fault_wq = alloc_workqueue("xenintro_sim_fault", WQ_UNBOUND, 0);
	return sim_fault_wq ? 0 : -ENOMEM;
}

void sim_fault_wq_exit(void)
{
	destroy_workqueue(sim_fault_wq);
}

static atomic64_t sim_faults_fired = ATOMIC64_INIT(0);
static atomic64_t sim_faults_raced = ATOMIC64_INIT(0);

int sim_fault_point(const char *name)
{
	int i;

	for (i = 0; i < ARRAY_SIZE(sim_fault_names); i++)
		if (!strcmp(name, sim_fault_names[i]))
			return i;
	return -EINVAL;
}

const char *sim_fault_name(enum sim_fault_point fp)
{
	return fp < ARRAY_SIZE(sim_fault_names) ? sim_fault_names[fp] : "?";
}

void sim_fault_counts(u64 *fired, u64 *raced)
{
	*fired = atomic64_read(&sim_faults_fired);
	*raced = atomic64_read(&sim_faults_raced);
}

void sim_fault_arm(struct sim_domain *d, const struct sim_fault *f)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	d->fault = *f;
	spin_unlock_irqrestore(&d->lock, flags);
}

static void sim_fault_destroy_fn(struct work_struct *work)
{
	struct sim_domain *d = container_of(work, struct sim_domain,
					    fault_work);
	bool attached;

	sim_domain_destroy(d->domid, &attached);
	sim_domain_put(d);
}

void sim_fault_init(struct sim_domain *d)
{
	INIT_WORK(&d->fault_work, sim_fault_destroy_fn);
}

/* The core is done with the dead domain: its ring was disabled. */
static bool sim_fault_ring_gone(struct sim_domain *d)
{
	unsigned long flags;
	bool gone;

	spin_lock_irqsave(&d->lock, flags);
	gone = d->dying && !d->core_dom;
	spin_unlock_irqrestore(&d->lock, flags);
	return gone;
}

/**
 * sim_fault_check() - an op reached fault point @fp
 * @d: the domain
 * @fp: where we are
 * @atomic: called with interrupts off (->notify())
 *
 * Return: 0 to go on, or the negative errno the op must return.
 */
int sim_fault_check(struct sim_domain *d, enum sim_fault_point fp,
		    bool atomic)
{
	struct sim_fault f;
	unsigned long flags;
	bool had_ring;

	spin_lock_irqsave(&d->lock, flags);
	if (d->fault.point != fp) {
		spin_unlock_irqrestore(&d->lock, flags);
		return 0;
	}
	if (d->fault.skip) {
		d->fault.skip--;
		spin_unlock_irqrestore(&d->lock, flags);
		return 0;
	}
	f = d->fault;
	d->fault.point = SIM_FP_NONE;
	had_ring = d->core_dom;
	spin_unlock_irqrestore(&d->lock, flags);
	atomic64_inc(&sim_faults_fired);

	if (f.action == SIM_FAULT_FAIL)
		return f.errno_val;

	/* Destroy, from another task, while this op goes on. */
	kref_get(&d->ref);
	if (!queue_work(sim_fault_wq, &d->fault_work))
		sim_domain_put(d);
	if (atomic) {
		udelay(min_t(u32, f.delay_us, 1000));
		return 0;
	}
	wait_event_timeout(d->ctl_wq, sim_fault_ring_gone(d),
			   usecs_to_jiffies(f.delay_us));
	/*
	 * The core had the ring when the fault fired and no longer has it
	 * now, although this op (one of its own) has not returned: the
	 * teardown ran in the middle of its operation.
	 */
	if (had_ring && sim_fault_ring_gone(d)) {
		atomic64_inc(&sim_faults_raced);
		pr_warn("d%u: ring disabled during %s\n", d->domid,
			sim_fault_name(fp));
	}
	return 0;
}
