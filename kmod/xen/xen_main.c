// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_xen.ko: the Xen backend of xenintro.
 *
 * At load it refuses anything but a PV dom0 of a Xen release the core's
 * table lists (4.16 to 4.20) that accepts that release's domctl interface
 * and speaks vm_event interface 7, then registers its operations table
 * with xenintro.ko. A session pins
 * this module, so it cannot be removed while a guest is monitored.
 *
 * A guest that dies while monitored is noticed by polling getdomaininfo
 * (every XI_DEATH_POLL, and only while a domain is attached) and handed
 * to the core, which tears down. Not VIRQ_DOM_EXC: that global VIRQ is
 * bound once per domain, and in dom0 xenstored holds it.
 */
#include <linux/interrupt.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/sched/signal.h>
#include <linux/workqueue.h>
#include <xen/xen.h>
#include <xen/interface/version.h>
#include <xen/interface/hvm/dm_op.h>
#include <asm/processor.h>
#include <asm/xen/hypercall.h>

#include "../xenintro.h"
#include "xen.h"

#define XI_DEATH_POLL	msecs_to_jiffies(500)
/* Frames whose rights GET_ACCESS reads between two reschedule points. */
#define XI_ACCESS_BATCH	1024

/*
 * The attached domains, for the death poll. xi_xen_doms_lock is held
 * while xenintro_domain_dead() is called, and xi_ring_disable() removes a
 * domain under it first, so a domain is never reported after its ring
 * was disabled.
 */
static DEFINE_MUTEX(xi_xen_doms_lock);
static LIST_HEAD(xi_xen_doms);

static void xi_death_poll(struct work_struct *work);
static DECLARE_DELAYED_WORK(xi_death_work, xi_death_poll);

/* The first attached domain starts the death poll; see xi_death_poll(). */
void xi_doms_add(struct xi_xen_dom *xd)
{
	mutex_lock(&xi_xen_doms_lock);
	if (list_empty(&xi_xen_doms))
		schedule_delayed_work(&xi_death_work, XI_DEATH_POLL);
	list_add_tail(&xd->node, &xi_xen_doms);
	mutex_unlock(&xi_xen_doms_lock);
}

void xi_doms_remove(struct xi_xen_dom *xd)
{
	mutex_lock(&xi_xen_doms_lock);
	list_del_init(&xd->node);
	mutex_unlock(&xi_xen_doms_lock);
}

/*
 * Will this domain never run again? Dying, or shut down for good: a
 * crashed guest that the toolstack preserves (on_crash=preserve) stays
 * around shut down, and nothing it does can be monitored. A suspended
 * (saved, checkpointed) or soft-reset domain resumes as itself.
 */
static bool xi_domain_gone(const struct xi_domctl_getdomaininfo *info)
{
	u32 reason = XI_DOMINF_SHUTDOWN_REASON(info->flags);

	if (info->flags & XI_DOMINF_dying)
		return true;
	return (info->flags & XI_DOMINF_shutdown) &&
	       reason != XI_SHUTDOWN_suspend &&
	       reason != XI_SHUTDOWN_soft_reset;
}

static void xi_death_poll(struct work_struct *work)
{
	struct xi_domctl_getdomaininfo info;
	struct xi_xen_dom *xd;
	int ret;

	mutex_lock(&xi_xen_doms_lock);
	list_for_each_entry(xd, &xi_xen_doms, node) {
		if (xd->dead_reported)
			continue;
		ret = xi_getdomaininfo(xd->domid, &info);
		if (ret == -ESRCH || (!ret && xi_domain_gone(&info))) {
			pr_info("xenintro_xen: dom%u died while monitored (%s)\n",
				xd->domid, ret ? "destroyed" :
				(info.flags & XI_DOMINF_dying) ? "dying" :
				"shut down");
			xd->dead_reported = true;
			xenintro_domain_dead(xd->dom);
		}
	}
	/*
	 * Under the lock, as in xi_doms_add(): the poll stops with the last
	 * detach and the next attach restarts it, nothing in between.
	 */
	if (!list_empty(&xi_xen_doms))
		schedule_delayed_work(&xi_death_work, XI_DEATH_POLL);
	mutex_unlock(&xi_xen_doms_lock);
}

static int xi_domain_info(u16 domid, struct xenintro_dominfo *out)
{
	struct xi_domctl_getdomaininfo info;
	int ret;

	ret = xi_getdomaininfo(domid, &info);
	if (ret)
		return ret == -ESRCH ? ret : -ESRCH;
	out->dying = xi_domain_gone(&info);
	out->hvm = !!(info.flags & XI_DOMINF_hvm_guest);
	out->max_vcpus = info.max_vcpu_id == ~0U ? 0 : info.max_vcpu_id + 1;
	return 0;
}

static int xi_op_pause(struct xenintro_domain *dom)
{
	return xi_pause(xenintro_hv(dom)->domid, true);
}

static int xi_op_unpause(struct xenintro_domain *dom)
{
	return xi_pause(xenintro_hv(dom)->domid, false);
}

static int xi_op_monitor(struct xenintro_domain *dom,
			 const struct xenintro_monitor *m)
{
	struct xenintro_hv_domain *hv = xenintro_hv(dom);
	struct xi_xen_dom *xd = hv->hv;
	bool enable = m->flags & XENINTRO_MON_ENABLE;
	bool sync = m->flags & XENINTRO_MON_SYNC;
	struct xi_domctl_monitor_op op = {
		.op = enable ? XI_MONITOR_OP_ENABLE : XI_MONITOR_OP_DISABLE,
		/* XENINTRO_MONITOR_* use Xen's event numbers */
		.event = m->event,
	};
	int ret;

	/*
	 * Xen 4.17 accepts the VMEXIT monitor on AMD SVM but raises the
	 * event only from its VMX exit handler: refuse what can never come,
	 * as the uAPI promises (seen on real Xen under QEMU's SVM).
	 */
	if (enable && m->event == XENINTRO_MONITOR_VMEXIT &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_INTEL)
		return -EOPNOTSUPP;

	/*
	 * Xen 4.17 on SVM masks the MSR to its low 13 bits before asking
	 * whether it is monitored, so enabling the EFER monitor drops EFER's
	 * read intercept: the guest then reads EFER.SVME, writes it back and
	 * dies of a #GP (seen under QEMU's SVM), and disabling the monitor
	 * does not restore the intercept. Refuse it rather than kill guests,
	 * on every release: none is known to have fixed it.
	 */
	if (enable && m->event == XENINTRO_MONITOR_MSR &&
	    m->index == XI_MSR_EFER &&
	    boot_cpu_data.x86_vendor != X86_VENDOR_INTEL) {
		pr_warn_ratelimited("xenintro_xen: dom%u: EFER monitoring refused: Xen on AMD drops the guest's EFER read intercept (seen on 4.17)\n",
				    hv->domid);
		return -EOPNOTSUPP;
	}

	/* One-way per ring: CR/MSR writes wait for the verdict. */
	if (enable && (m->flags & XENINTRO_MON_DENY_CAPABLE) &&
	    !xd->control_registers) {
		struct xi_domctl_monitor_op cr = {
			.op = XI_MONITOR_OP_CONTROL_REGISTERS,
			.event = 1,
		};

		ret = xi_monitor_op(hv->domid, &cr);
		if (ret)
			return ret;
		xd->control_registers = true;
	}

	switch (m->event) {
	case XENINTRO_MONITOR_CTRLREG:
		op.u.mov_to_cr.index = m->index;
		op.u.mov_to_cr.sync = sync;
		op.u.mov_to_cr.onchangeonly =
			!!(m->flags & XENINTRO_MON_ONCHANGE);
		op.u.mov_to_cr.bitmask = m->ignore_mask;
		break;
	case XENINTRO_MONITOR_MSR:
		op.u.mov_to_msr.msr = m->index;
		op.u.mov_to_msr.onchangeonly =
			!!(m->flags & XENINTRO_MON_ONCHANGE);
		break;
	case XENINTRO_MONITOR_GUEST_REQUEST:
		op.u.guest_request.sync = sync;
		op.u.guest_request.allow_userspace =
			!!(m->flags & XENINTRO_MON_ALLOW_USERSPACE);
		break;
	case XENINTRO_MONITOR_DEBUG_EXCEPTION:
		op.u.debug_exception.sync = sync;
		break;
	case XENINTRO_MONITOR_VMEXIT:
		op.u.vmexit.sync = sync;
		break;
	}

	ret = xi_monitor_op(hv->domid, &op);
	if (ret && ret != -EEXIST)
		pr_info_ratelimited("xenintro_xen: dom%u: Xen refused monitor event %u: %d\n",
				    hv->domid, m->event, ret);
	return ret;
}

/*
 * Xen says -EINVAL both for a bad range and for a host without mem_access
 * (AMD SVM): check the range ourselves so the second becomes -EOPNOTSUPP.
 */
static int xi_access_result(u16 domid, int ret)
{
	if (ret == -EINVAL) {
		pr_info_ratelimited("xenintro_xen: dom%u: mem_access is not available on this host (Xen supports it on Intel VT-x with EPT only)\n",
				    domid);
		return -EOPNOTSUPP;
	}
	return ret;
}

static int xi_op_set_access(struct xenintro_domain *dom, u64 gfn, u64 nr,
			    u8 rights)
{
	u16 domid = xenintro_hv(dom)->domid;
	struct xi_mem_access_op op = {
		.op = XI_XENMEM_access_op_set_access,
		.access = rights,
		.domid = domid,
		.pfn = gfn,
	};
	long max = xi_max_gpfn(domid);

	if (max < 0)
		return max;
	if (gfn > max || nr > max - gfn + 1 || nr > U32_MAX)
		return -EINVAL;
	op.nr = nr;
	return xi_access_result(domid, xi_mem_access(&op));
}

static int xi_op_set_access_list(struct xenintro_domain *dom,
				 const u64 *gfns, const u8 *rights, u32 nr)
{
	u16 domid = xenintro_hv(dom)->domid;
	struct xi_mem_access_op op = {
		.op = XI_XENMEM_access_op_set_multi,
		.domid = domid,
		.nr = nr,
		.pfn_list = (unsigned long)gfns,
		.access_list = (unsigned long)rights,
	};
	long max = xi_max_gpfn(domid);
	u32 i;

	if (max < 0)
		return max;
	for (i = 0; i < nr; i++)
		if (gfns[i] > max)
			return -EINVAL;
	return xi_access_result(domid, xi_mem_access(&op));
}

/*
 * Xen reads one frame's rights per call (access_op_get_access has no list
 * form), so @nr frames cost @nr hypercalls; the highest gfn is asked once
 * for all of them. Long walks reschedule and give up on a fatal signal.
 */
static int xi_op_get_access(struct xenintro_domain *dom, u64 gfn,
			    const u64 *gfns, u32 nr, u8 *rights)
{
	u16 domid = xenintro_hv(dom)->domid;
	struct xi_mem_access_op op = {
		.op = XI_XENMEM_access_op_get_access,
		.domid = domid,
	};
	long max = xi_max_gpfn(domid);
	u32 i;
	int ret;

	if (max < 0)
		return max;
	for (i = 0; i < nr; i++) {
		op.pfn = gfns ? gfns[i] : gfn + i;
		if (op.pfn > max)
			return -EINVAL;
		ret = xi_access_result(domid, xi_mem_access(&op));
		if (ret)
			return ret;
		rights[i] = op.access;
		if (!((i + 1) % XI_ACCESS_BATCH)) {
			if (fatal_signal_pending(current))
				return -EINTR;
			cond_resched();
		}
	}
	return 0;
}

/* Default and every frame back to rwx (xen-access does the same). */
static int xi_op_reset_access(struct xenintro_domain *dom)
{
	u16 domid = xenintro_hv(dom)->domid;
	struct xi_mem_access_op op = {
		.op = XI_XENMEM_access_op_set_access,
		.access = XI_XENMEM_access_rwx,
		.domid = domid,
		.pfn = ~0ULL,
	};
	long max = xi_max_gpfn(domid);
	int ret;

	ret = xi_mem_access(&op);
	/*
	 * pfn ~0 (the default) is never out of range: -EINVAL here means a
	 * host without mem_access (AMD SVM), where no right was ever changed
	 * and there is nothing to restore.
	 */
	if (ret == -EINVAL)
		return 0;
	if (ret || max < 0)
		return ret ? xi_access_result(domid, ret) : max;
	op.pfn = 0;
	op.nr = max + 1;
	return xi_access_result(domid, xi_mem_access(&op));
}

/* dm_op inject_event: give a #BP or #DB back to the guest. */
static int xi_op_inject(struct xenintro_domain *dom,
			const struct xenintro_inject *inj)
{
	struct xi_dm_op op = {
		.op = XI_DMOP_inject_event,
		.u.inject_event = {
			.vcpuid = inj->vcpu,
			.vector = inj->vector,
			.type = inj->type,
			.insn_len = inj->insn_length,
			.error_code = ~0U,
			.cr2 = inj->pending_dbg,
		},
	};
	struct xen_dm_op_buf buf = { .size = sizeof(op) };

	set_xen_guest_handle(buf.h, &op);
	return HYPERVISOR_dm_op(xenintro_hv(dom)->domid, 1, &buf);
}

/* ->vcpu_paging(): the CPU save record's CR0/CR3/CR4/EFER. */
static int xi_op_vcpu_paging(struct xenintro_domain *dom, u32 vcpu, u64 *cr0,
			     u64 *cr3, u64 *cr4, u64 *efer)
{
	return xi_vcpu_paging(xenintro_hv(dom)->domid, vcpu, cr0, cr3, cr4,
			      efer);
}

/* ->singlestep_off(): debug_op SINGLE_STEP_OFF (Intel MTF only). */
static int xi_op_singlestep_off(struct xenintro_domain *dom, u32 vcpu)
{
	return xi_singlestep_off(xenintro_hv(dom)->domid, vcpu);
}

static const struct xenintro_hv_ops xi_xen_ops = {
	.name = "xen",
	.owner = THIS_MODULE,
	.domain_info = xi_domain_info,
	.domain_identity = xi_domain_identity,
	.pause = xi_op_pause,
	.unpause = xi_op_unpause,
	.ring_enable = xi_ring_enable,
	.ring_disable = xi_ring_disable,
	.notify = xi_ring_notify,
	.kick_done = xi_ring_kick_done,
	.monitor = xi_op_monitor,
	.set_access = xi_op_set_access,
	.set_access_list = xi_op_set_access_list,
	.get_access = xi_op_get_access,
	.reset_access = xi_op_reset_access,
	.inject = xi_op_inject,
	.singlestep_off = xi_op_singlestep_off,
	.read_gpa = xi_op_read_gpa,
	.write_gpa = xi_op_write_gpa,
	.map_frames = xi_op_map_frames,
	.vcpu_paging = xi_op_vcpu_paging,
};

/*
 * Which Xen this is, from the one table of releases (../xen_release.c):
 * a release it lists, whose domctl interface version the hypervisor then
 * accepts; anything else is refused with the reason, never guessed at.
 */
static int __init xi_xen_probe(void)
{
	static const struct xenintro_xen_probe probe = {
		.who = "xenintro_xen",
		.vm_event_version = xi_probe_vm_event_version,
	};
	int ver;

	if (!xen_initial_domain()) {
		pr_err("xenintro_xen: not running in a Xen dom0; refusing to load\n");
		return -ENODEV;
	}
	/*
	 * The monitor ring is mapped the PV way: its frame written into a
	 * dom0 page table (xen_ring.c). A PVH dom0 has no such page tables.
	 */
	if (!xen_pv_domain()) {
		pr_err("xenintro_xen: dom0 is not PV (PVH?): only a PV dom0 can map the monitor ring; refusing to load\n");
		return -EOPNOTSUPP;
	}
	ver = HYPERVISOR_xen_version(XENVER_version, NULL);
	return xenintro_xen_release_select((u32)ver, &probe, &xi_release);
}

static int __init xi_xen_init(void)
{
	int ret;

	xen_hypercall_abi_check();
	ret = xi_xen_probe();
	if (ret)
		return ret;
	ret = xi_ident_init();
	if (ret)
		return ret;
	ret = xenintro_register_backend(&xi_xen_ops);
	if (ret) {
		xi_ident_exit();
		return ret;
	}
	pr_info("xenintro_xen: Xen %u.%u backend ready (domctl 0x%x, vm_event %u)\n",
		xi_release->major, xi_release->minor,
		xi_release->domctl_version, XVE_INTERFACE_VERSION);
	return 0;
}

static void __exit xi_xen_exit(void)
{
	xenintro_unregister_backend(&xi_xen_ops);
	cancel_delayed_work_sync(&xi_death_work);
	xi_ident_exit();
}

module_init(xi_xen_init);
module_exit(xi_xen_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xenintro: Xen hypervisor backend (Xen 4.16 to 4.20)");
MODULE_SOFTDEP("pre: xenintro");
