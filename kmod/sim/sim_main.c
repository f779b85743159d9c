// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_sim: module setup, the registry of simulated domains and the
 * operations table handed to the xenintro core. See sim.h for the model
 * and the locking rules.
 *
 * Lifetime of a simulated domain (a kref):
 *   - "create" takes the first reference, the domain's own, dropped by
 *     "destroy" (or at module exit);
 *   - ->ring_enable() takes one for the core's session, dropped by
 *     ->ring_disable(): a domain destroyed under a session stays (dying,
 *     like a Xen zombie domain, its domid still taken) until the core has
 *     disabled the ring;
 *   - every command, storm thread and backend op holds one while it runs.
 * The last put takes sim_domains_mutex (kref_put_mutex), so a lookup under
 * that mutex never finds a domain whose count already reached zero.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/xarray.h>

#include "sim.h"
#include "../xen_release.h"

/*
 * The Xen release the simulator plays, chosen through the core's table of
 * releases exactly as the Xen backend chooses its own, so that a test can
 * show a release the table does not know refused. domctl_version, if not
 * 0, is the only domctl interface version the simulated Xen accepts: a
 * modified Xen build, which must be refused too.
 */
static char *xen_release = "4.17";
module_param(xen_release, charp, 0444);
MODULE_PARM_DESC(xen_release, "Xen release to simulate, MAJOR.MINOR (default 4.17)");
static uint domctl_version;
module_param(domctl_version, uint, 0444);
MODULE_PARM_DESC(domctl_version, "the only domctl interface version the simulated Xen accepts (default 0: the one its release defines)");

static const struct xenintro_xen_release *sim_release;

static int sim_probe_vm_event_version(void *ctx, u32 version, u32 *out)
{
	if (domctl_version && version != domctl_version)
		return -EACCES;
	*out = XVE_INTERFACE_VERSION;
	return 0;
}

static int sim_select_release(void)
{
	static const struct xenintro_xen_probe probe = {
		.who = KBUILD_MODNAME,
		.vm_event_version = sim_probe_vm_event_version,
	};
	unsigned int major, minor;
	char end;

	if (sscanf(xen_release, "%u.%u%c", &major, &minor, &end) != 2 ||
	    major > 0xffff || minor > 0xffff) {
		pr_err("xen_release=%s: expected MAJOR.MINOR, e.g. 4.17\n",
		       xen_release);
		return -EINVAL;
	}
	return xenintro_xen_release_select(major << 16 | minor, &probe,
					   &sim_release);
}

/* Protects sim_domains (membership) and the final sim_domain_put(). */
static DEFINE_MUTEX(sim_domains_mutex);
static DEFINE_XARRAY(sim_domains);

static int sim_domain_info(u16 domid, struct xenintro_dominfo *info)
{
	struct sim_domain *d = sim_domain_get(domid);
	unsigned long flags;

	if (!d)
		return -ESRCH;
	spin_lock_irqsave(&d->lock, flags);
	info->max_vcpus = d->nr_vcpus;
	info->dying = d->dying;
	info->hvm = d->hvm;
	spin_unlock_irqrestore(&d->lock, flags);
	sim_domain_put(d);
	return 0;
}

/*
 * The domain this kernel "runs in", for the domain policy: a real dom0's
 * own domain is dom0, which has no simulated twin, so a test names one of
 * the simulated domains instead (0: none of them).
 */
static ushort own_domid;
module_param(own_domid, ushort, 0600);
MODULE_PARM_DESC(own_domid, "simulated domain that plays the domain this kernel runs in (default 0: none)");

/* Names and marks come from "create" (name=, role=); see sim_debugfs.c. */
static int sim_domain_identity(u16 domid, struct xenintro_domident *id)
{
	struct sim_domain *d = sim_domain_get(domid);

	if (!d)
		return -ESRCH;
	strscpy(id->name, d->name, sizeof(id->name));
	id->marks = d->marks;
	if (domid == READ_ONCE(own_domid))
		id->marks |= XENINTRO_IDENT_SELF;
	sim_domain_put(d);
	return 0;
}

const struct xenintro_hv_ops sim_hv_ops = {
	.name = "sim",
	.owner = THIS_MODULE,
	.domain_info = sim_domain_info,
	.domain_identity = sim_domain_identity,
	.pause = sim_op_pause,
	.unpause = sim_op_unpause,
	.ring_enable = sim_ring_enable,
	.ring_disable = sim_ring_disable,
	.notify = sim_notify,
	.monitor = sim_op_monitor,
	.set_access = sim_op_set_access,
	.set_access_list = sim_op_set_access_list,
	.get_access = sim_op_get_access,
	.reset_access = sim_op_reset_access,
	.inject = sim_op_inject,
	.singlestep_off = sim_op_singlestep_off,
	.read_gpa = sim_op_read_gpa,
	.write_gpa = sim_op_write_gpa,
	.vcpu_paging = sim_op_vcpu_paging,
	.map_frames = sim_op_map_frames,
};

/* Look up a domain, dying ones included, and take a reference. */
struct sim_domain *sim_domain_get(u16 domid)
{
	struct sim_domain *d;

	mutex_lock(&sim_domains_mutex);
	d = xa_load(&sim_domains, domid);
	if (d)
		kref_get(&d->ref);
	mutex_unlock(&sim_domains_mutex);
	return d;
}

/*
 * The simulated domain behind a core domain, with a reference. While a
 * ring is enabled the session's reference pins dom->hv; before that (the
 * core pauses the domain before ->ring_enable()) and after ->ring_disable()
 * the domid is looked up.
 */
struct sim_domain *sim_core_get(struct xenintro_domain *dom)
{
	struct xenintro_hv_domain *hv = xenintro_hv(dom);
	struct sim_domain *d = READ_ONCE(hv->hv);

	if (d) {
		kref_get(&d->ref);
		return d;
	}
	return sim_domain_get(hv->domid);
}

/* Called by kref_put_mutex() with sim_domains_mutex held; unlocks it. */
static void sim_domain_release(struct kref *ref)
{
	struct sim_domain *d = container_of(ref, struct sim_domain, ref);

	xa_erase(&sim_domains, d->domid);
	mutex_unlock(&sim_domains_mutex);
	sim_domain_free(d);
}

/* Drop a reference; process context (the last one frees the domain). */
void sim_domain_put(struct sim_domain *d)
{
	might_sleep();
	kref_put_mutex(&d->ref, sim_domain_release, &sim_domains_mutex);
}

int sim_domain_create(const struct sim_create *c)
{
	struct sim_domain *d;
	int ret;

	d = sim_domain_alloc(c);
	if (!d)
		return -ENOMEM;

	mutex_lock(&sim_domains_mutex);
	ret = xa_insert(&sim_domains, c->domid, d, GFP_KERNEL);
	mutex_unlock(&sim_domains_mutex);
	if (ret) {
		sim_domain_free(d);
		return ret == -EBUSY ? -EEXIST : ret;
	}
	return 0;
}

/*
 * Destroy a domain, as Xen's domain destruction does under a monitor:
 * every blocked vCPU wakes up and finds the domain dead, no request is
 * produced any more, responses are no longer consumed, and an attached
 * session is told (xenintro_domain_dead(), process context). The memory
 * stays until the session has disabled the ring.
 */
int sim_domain_destroy(u16 domid, bool *attached)
{
	struct xenintro_domain *dom;
	struct sim_domain *d;
	unsigned long flags;

	mutex_lock(&sim_domains_mutex);
	d = xa_load(&sim_domains, domid);
	if (!d) {
		mutex_unlock(&sim_domains_mutex);
		return -ESRCH;
	}
	spin_lock_irqsave(&d->lock, flags);
	if (d->dying) {
		spin_unlock_irqrestore(&d->lock, flags);
		mutex_unlock(&sim_domains_mutex);
		return -ESRCH;
	}
	d->dying = true;
	dom = d->core_dom;
	if (dom)
		d->dead_task = current;
	sim_wake_all(d);
	spin_unlock_irqrestore(&d->lock, flags);
	/* The "alive" reference becomes ours until the end of this call. */
	mutex_unlock(&sim_domains_mutex);

	*attached = dom;
	if (dom) {
		/*
		 * dead_task keeps ->ring_disable() from another task waiting
		 * until this call returned, so dom stays valid (the core
		 * keeps it until ->ring_disable() returned). A ->ring_disable()
		 * from inside xenintro_domain_dead() itself goes ahead.
		 */
		xenintro_domain_dead(dom);
		spin_lock_irqsave(&d->lock, flags);
		d->dead_task = NULL;
		spin_unlock_irqrestore(&d->lock, flags);
		wake_up_all(&d->ctl_wq);
	}
	sim_domain_put(d);
	return 0;
}

static void sim_destroy_all(void)
{
	struct sim_domain *d;
	unsigned long index;
	bool attached;

	/*
	 * No session can exist here (the core pins this module while one
	 * does) and debugfs is gone, so each domain holds only its own
	 * reference and destroying it frees it.
	 */
	xa_for_each(&sim_domains, index, d)
		sim_domain_destroy(index, &attached);
}

static int __init sim_init(void)
{
	int ret;

	xenintro_xen_abi_check();

	ret = sim_select_release();
	if (ret)
		return ret;
	ret = sim_fault_wq_init();
	if (ret)
		return ret;
	ret = sim_debugfs_init();
	if (ret)
		goto out_wq;

	ret = xenintro_register_backend(&sim_hv_ops);
	if (ret) {
		pr_err("cannot register the simulated backend: %d\n", ret);
		goto out_debugfs;
	}
	pr_info("simulated Xen %u.%u monitor interface ready\n",
		sim_release->major, sim_release->minor);
	return 0;

out_debugfs:
	sim_debugfs_exit();
	sim_fault_wq_exit();
	sim_destroy_all();
	return ret;
out_wq:
	sim_fault_wq_exit();
	return ret;
}

static void __exit sim_exit(void)
{
	xenintro_unregister_backend(&sim_hv_ops);
	/* Waits for commands still running in the control file. */
	sim_debugfs_exit();
	/* Destroys a fault queued run first; each holds its domain. */
	sim_fault_wq_exit();
	sim_destroy_all();
	WARN_ON_ONCE(!xa_empty(&sim_domains));
	/* Ballooned frames are put from RCU callbacks of this module. */
	rcu_barrier();
}

module_init(sim_init);
module_exit(sim_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenintro: simulated Xen monitor interface for tests");
