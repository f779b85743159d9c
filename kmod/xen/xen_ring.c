// SPDX-License-Identifier: GPL-2.0
/*
 * The monitor ring on real Xen: map the guest's ring frame into the
 * kernel, enable it, hide it from the guest, bind its event channel
 * (the order of Xen's tools/misc/xen-access.c), and undo all of that.
 *
 * Mapping on a PV dom0: no exported Linux helper maps a foreign frame at a
 * kernel VA, so a vmap()ed dummy page provides a VA whose page table
 * exists, and update_va_mapping_otherdomain points its PTE at the guest's
 * frame (Xen looks the gfn up in the guest's p2m and takes a reference).
 * The VA is never handed to generic kernel code.
 */
#include <linux/delay.h>
#include <linux/interrupt.h>
#include <linux/jiffies.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <xen/events.h>
#include <xen/interface/event_channel.h>
#include <xen/interface/memory.h>
#include <asm/xen/hypercall.h>
#include <asm/xen/page.h>

#include "xen.h"

static int xi_map_ring(struct xi_xen_dom *xd)
{
	pte_t pte;
	int ret;

	xd->dummy = alloc_page(GFP_KERNEL);
	if (!xd->dummy)
		return -ENOMEM;
	xd->ring_va = vmap(&xd->dummy, 1, VM_MAP, PAGE_KERNEL);
	if (!xd->ring_va) {
		__free_page(xd->dummy);
		xd->dummy = NULL;
		return -ENOMEM;
	}
	pte = mfn_pte(xd->ring_gfn, PAGE_KERNEL);
	ret = _hypercall4(int, update_va_mapping_otherdomain,
			  (unsigned long)xd->ring_va, pte_val_ma(pte),
			  UVMF_INVLPG | UVMF_ALL, xd->domid);
	if (ret) {
		vunmap(xd->ring_va);
		__free_page(xd->dummy);
		xd->ring_va = NULL;
		xd->dummy = NULL;
	}
	return ret;
}

static void xi_unmap_ring(struct xi_xen_dom *xd)
{
	int ret;

	if (!xd->ring_va)
		return;
	/* Drops Xen's reference on the foreign frame. */
	ret = HYPERVISOR_update_va_mapping((unsigned long)xd->ring_va,
					   __pte(0), UVMF_INVLPG | UVMF_ALL);
	if (ret)
		pr_warn("xenintro_xen: dom%u: unmapping the ring failed: %d\n",
			xd->domid, ret);
	vunmap(xd->ring_va);
	__free_page(xd->dummy);
	xd->ring_va = NULL;
	xd->dummy = NULL;
}

/*
 * Hard IRQ: Xen put requests on the ring. This only queues the core's
 * ring processing (O(1) here, whatever the guest does); the channel stays
 * masked (lateeoi) until that processing found the ring empty and called
 * xi_ring_kick_done(). No kick is lost, so no fallback poll is needed:
 * Xen notifies on every request; an event sent while the channel is
 * masked sets its pending bit, which raises the interrupt again when
 * xen_irq_lateeoi() unmasks it; and the processing ends with the ring's
 * final check (req_event, then req_prod read again), so a request placed
 * after the last read is seen either by it or through its own
 * notification.
 */
static irqreturn_t xi_evtchn_interrupt(int irq, void *dev_id)
{
	struct xi_xen_dom *xd = dev_id;

	xenintro_domain_kick(xd->dom);
	return IRQ_HANDLED;
}

/*
 * ->kick_done(): the ring is empty; unmask the channel. Never reported
 * as spurious: only Xen signals this channel (the guest has no access to
 * its port), and a run can find the ring empty for good reasons (a
 * teardown's kick, an earlier run that took the requests a pending
 * notification was for). Xen's spurious back-off would then delay the
 * unmask up to a second, and stall the guest's vCPUs that wait on the
 * ring.
 */
void xi_ring_kick_done(struct xenintro_domain *dom, bool spurious)
{
	struct xi_xen_dom *xd = xenintro_hv(dom)->hv;

	if (xd && xd->irq)
		xen_irq_lateeoi(xd->irq, 0);
}

static int xi_bind_evtchn(struct xi_xen_dom *xd, u32 remote_port)
{
	struct evtchn_bind_interdomain bind = {
		.remote_dom = xd->domid,
		.remote_port = remote_port,
	};
	struct evtchn_close close;
	int ret;

	ret = HYPERVISOR_event_channel_op(EVTCHNOP_bind_interdomain, &bind);
	if (ret)
		return ret;
	ret = bind_evtchn_to_irqhandler_lateeoi(bind.local_port,
						xi_evtchn_interrupt, 0,
						"xenintro", xd);
	if (ret < 0) {
		close.port = bind.local_port;
		HYPERVISOR_event_channel_op(EVTCHNOP_close, &close);
		return ret;
	}
	xd->irq = ret;
	return 0;
}

/**
 * xi_ring_enable() - ->ring_enable(): find, map, enable, hide, bind
 * @dom: the domain, paused by the core
 *
 * Return: 0 or -errno; on error everything done here is undone.
 */
int xi_ring_enable(struct xenintro_domain *dom)
{
	struct xenintro_hv_domain *hv = xenintro_hv(dom);
	struct xi_xen_dom *xd;
	u64 type = 0;
	u32 port = 0;
	int ret;

	xd = kzalloc(sizeof(*xd), GFP_KERNEL);
	if (!xd)
		return -ENOMEM;
	xd->dom = dom;
	xd->domid = hv->domid;
	INIT_LIST_HEAD(&xd->node);

	ret = xi_hvm_get_param(xd->domid, XI_HVM_PARAM_MONITOR_RING_PFN,
			       &xd->ring_gfn);
	if (!ret && !xd->ring_gfn)
		ret = -EOPNOTSUPP;
	if (ret) {
		pr_warn_ratelimited("xenintro_xen: dom%u: no monitor ring frame: %d\n",
				    xd->domid, ret);
		goto out_free;
	}

	/* A previous monitor's DISABLE freed the frame: give it a new one. */
	if (xi_page_type(xd->domid, xd->ring_gfn, &type) ||
	    type == XI_DOMCTL_PFINFO_XTAB) {
		ret = xi_memory_reservation(xd->domid, XENMEM_populate_physmap,
					    xd->ring_gfn);
		if (ret)
			goto out_free;
	}

	ret = xi_map_ring(xd);
	if (ret)
		goto out_free;
	/* Before ENABLE, so Xen never sees stale indices. */
	xenintro_vmring_init(xd->ring_va);
	hv->sring = xd->ring_va;

	ret = xi_vm_event_op(xd->domid, XI_VM_EVENT_ENABLE, &port);
	if (!ret && !port)
		ret = -ESRCH;	/* a dying domain "succeeds" without a port */
	if (ret) {
		if (ret == -EBUSY)
			pr_warn_ratelimited("xenintro_xen: dom%u: another monitor owns the ring\n",
					    xd->domid);
		goto out_unmap;
	}
	xd->enabled = true;

	/*
	 * The guest must not reach the ring; it lives on through our map. A
	 * frame left in the guest's memory would let the guest write its own
	 * ring (forge events for the rules and the agent, corrupt indices),
	 * so failing to take it out fails the attach.
	 */
	ret = xi_memory_reservation(xd->domid, XENMEM_decrease_reservation,
				    xd->ring_gfn);
	if (ret) {
		pr_warn("xenintro_xen: dom%u: cannot take the ring frame out of the guest (%d); attach refused\n",
			xd->domid, ret);
		goto out_disable;
	}

	ret = xi_bind_evtchn(xd, port);
	if (ret)
		goto out_disable;

	hv->hv = xd;
	xi_doms_add(xd);
	/*
	 * The channel can fire as soon as it is bound, before hv->hv is set:
	 * that run's ->kick_done() then finds no xd and cannot unmask, and
	 * the channel would stay masked for good. One more run, queued after
	 * hv->hv is visible (queue_work() orders it), unmasks it.
	 */
	xenintro_domain_kick(dom);
	return 0;

out_disable:
	xi_vm_event_op(xd->domid, XI_VM_EVENT_DISABLE, NULL);
out_unmap:
	hv->sring = NULL;
	xi_unmap_ring(xd);
out_free:
	kfree(xd);
	return ret;
}

/* How long teardown waits for vCPUs to run their deferred writes. */
#define XI_VCPU_RUN_WAIT_MS	1000

/*
 * Has @vcpu run since its cpu_time was *@start? A blocked or offline vCPU
 * counts as done: it ran to get there, or has nothing deferred. A failing
 * domctl (the domain is going away) counts as done too.
 */
static bool xi_vcpu_ran(u16 domid, u32 vcpu, u64 *start, bool first)
{
	struct xi_domctl_getvcpuinfo info;

	if (xi_getvcpuinfo(domid, vcpu, &info))
		return true;
	if (!info.online || info.blocked)
		return true;
	if (first) {
		*start = info.cpu_time;
		return false;
	}
	return info.cpu_time != *start;
}

/*
 * After CONTROL_REGISTERS (Xen's arch/x86/hvm/vm_event.c) a CR/MSR write a verdict let
 * through is done only when the vCPU next runs, from per-vCPU state that
 * ring DISABLE frees; disabling before that loses the write and can crash
 * the guest. The domain is unpaused here (teardown order), so wait until
 * every vCPU ran once, bounded so a wedged guest cannot hold teardown.
 */
static void xi_wait_vcpus_ran(struct xenintro_domain *dom)
{
	struct xenintro_hv_domain *hv = xenintro_hv(dom);
	unsigned long deadline = jiffies + msecs_to_jiffies(XI_VCPU_RUN_WAIT_MS);
	unsigned long *done;
	u64 *start;
	u32 v, left;
	bool first = true;

	start = kcalloc(hv->max_vcpus, sizeof(*start), GFP_KERNEL);
	done = bitmap_zalloc(hv->max_vcpus, GFP_KERNEL);
	if (!start || !done) {
		/* Without bookkeeping, give every vCPU the same time. */
		msleep(XI_VCPU_RUN_WAIT_MS);
		goto out;
	}
	for (;;) {
		left = 0;
		for (v = 0; v < hv->max_vcpus; v++) {
			if (test_bit(v, done))
				continue;
			if (xi_vcpu_ran(hv->domid, v, &start[v], first))
				set_bit(v, done);
			else
				left++;
		}
		first = false;
		if (!left)
			break;
		if (time_after(jiffies, deadline)) {
			pr_warn("xenintro_xen: dom%u: %u vCPU(s) did not run within %u ms before ring disable; deferred CR/MSR writes may be lost\n",
				hv->domid, left, XI_VCPU_RUN_WAIT_MS);
			break;
		}
		usleep_range(1000, 2000);
	}
out:
	bitmap_free(done);
	kfree(start);
}

/**
 * xi_ring_disable() - ->ring_disable(): disable, unbind, unmap
 * @dom: the domain; the core answered every request already
 */
void xi_ring_disable(struct xenintro_domain *dom)
{
	struct xenintro_hv_domain *hv = xenintro_hv(dom);
	struct xi_xen_dom *xd = hv->hv;
	int ret = 0, tries;

	if (!xd)
		return;
	xi_doms_remove(xd);

	if (xd->enabled && xd->control_registers && !xd->dead_reported)
		xi_wait_vcpus_ran(dom);

	/* -EBUSY while vCPUs wait for ring space; they get it as we drain. */
	for (tries = 0; xd->enabled && tries < 50; tries++) {
		ret = xi_vm_event_op(xd->domid, XI_VM_EVENT_DISABLE, NULL);
		if (ret != -EBUSY)
			break;
		xenintro_domain_kick(dom);
		msleep(20);
	}
	if (xd->enabled && ret && ret != -ESRCH)
		pr_warn("xenintro_xen: dom%u: ring disable failed: %d\n",
			xd->domid, ret);

	/*
	 * No interrupt runs after disable_irq(), so no kick is queued after
	 * it; then no processing (which unmasks through xd->irq) is left.
	 * Unbinding closes our port too.
	 */
	if (xd->irq)
		disable_irq(xd->irq);
	xenintro_domain_kick_cancel(dom);
	if (xd->irq)
		unbind_from_irqhandler(xd->irq, xd);
	hv->sring = NULL;
	xi_unmap_ring(xd);
	xi_mem_window_free(xd);
	hv->hv = NULL;
	kfree(xd);
}

/* ->notify(): EVTCHNOP_send; Xen consumes the responses inside it. */
void xi_ring_notify(struct xenintro_domain *dom)
{
	struct xi_xen_dom *xd = xenintro_hv(dom)->hv;

	if (xd && xd->irq)
		notify_remote_via_irq(xd->irq);
}
