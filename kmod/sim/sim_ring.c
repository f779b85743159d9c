// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_sim: the vm_event ring, Xen's side of it (common/vm_event.c).
 *
 * Xen is the front end: it produces requests and consumes responses. The
 * shared page holds the indices both sides publish (req_prod by Xen,
 * rsp_prod by the consumer); Xen's private front-end state is req_prod_pvt
 * and rsp_cons, here in struct sim_domain under d->lock.
 *
 * Barriers, with their partners in the core (the back end):
 *   R1 (sim_ring_place, sim_corrupt): the request record is written
 *      before req_prod; pairs with V1 in kmod/vmring.c, the core's read
 *      barrier between reading req_prod and copying the records.
 *   R2 (sim_ring_consume): rsp_prod is read before the response records;
 *      pairs with V2 in kmod/vmring.c, the core's write barrier between
 *      writing the responses and publishing rsp_prod.
 *
 * Flow control as in Xen: a producer takes a slot if one is free, else it
 * sleeps on slot_wq; after placing an asynchronous request it is
 * throttle-paused while fewer than max_vcpus slots are free. Consuming a
 * response wakes slot waiters first, throttled vCPUs only when nobody
 * waits (vm_event_wake()).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/cpumask.h>
#include <linux/gfp.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/string.h>

#include "sim.h"

/* RING_FREE_REQUESTS() of Xen's front ring. */
u32 sim_ring_free(const struct sim_domain *d)
{
	return SIM_RING_SIZE - (d->req_prod_pvt - d->rsp_cons);
}

/*
 * Where kicks interrupt: -1 (the default), the CPU that placed the
 * request; a CPU number models Xen, which binds a new event channel to
 * dom0's vCPU0, so that every kick interrupts that one CPU whatever the
 * guest's vCPUs run on (the storm benchmark uses 0).
 */
static int sim_kick_cpu = -1;
module_param_named(kick_cpu, sim_kick_cpu, int, 0644);
MODULE_PARM_DESC(kick_cpu, "CPU kicks interrupt (-1: the one raising the request)");

/* On the kick CPU, in its IPI handler: raise the kick there. */
static void sim_kick_remote(void *info)
{
	struct sim_domain *d = info;

	irq_work_queue(&d->kick_work);
}

static void sim_kick_nop(void *info)
{
}

/*
 * Xen's notify_via_xen_event_channel(): raise the event channel's IRQ.
 * Process context, interrupts on (a cross-CPU call needs them).
 */
void sim_kick(struct sim_domain *d)
{
	int cpu = READ_ONCE(sim_kick_cpu);

	if (cpu >= 0 && cpu < nr_cpu_ids && cpu_online(cpu) &&
	    cpu != raw_smp_processor_id() && !irqs_disabled())
		smp_call_function_single(cpu, sim_kick_remote, d, 0);
	else
		irq_work_queue(&d->kick_work);
}

/*
 * Every cross-CPU kick sent so far has queued its irq_work: each CPU runs
 * its calls in the order they were sent, so once a call queued after
 * them ran everywhere, they ran. For ->ring_disable(), before
 * irq_work_sync().
 */
static void sim_kick_flush(void)
{
	on_each_cpu(sim_kick_nop, NULL, 1);
}

/* Xen's event channel interrupt: tell the core requests are waiting. */
void sim_kick_fn(struct irq_work *work)
{
	struct sim_domain *d = container_of(work, struct sim_domain,
					    kick_work);
	struct xenintro_domain *dom;

	/*
	 * Hard IRQ, interrupts off. The lock orders this read against
	 * ->ring_disable() clearing core_dom before its irq_work_sync().
	 */
	spin_lock(&d->lock);
	dom = d->core_dom;
	spin_unlock(&d->lock);
	if (dom)
		xenintro_domain_kick(dom);
}

/* vm_event_wake(): waiters for a slot first, then throttled vCPUs. */
static void sim_ring_wake(struct sim_domain *d)
{
	u32 avail = sim_ring_free(d);
	u32 i, j;

	lockdep_assert_held(&d->lock);
	if (d->slot_waiters) {
		if (avail)
			wake_up_all(&d->slot_wq);
		return;
	}
	if (!avail || !d->blocked)
		return;
	/* Round robin from the last vCPU woken, as Xen does. */
	for (i = d->last_wake + 1, j = 0; j < d->nr_vcpus; i++, j++) {
		struct sim_vcpu *v = &d->vcpus[i % d->nr_vcpus];

		if (!d->blocked || !avail)
			break;
		if (!v->throttled)
			continue;
		v->throttled = false;
		d->blocked--;
		avail--;
		d->last_wake = v->id;
		wake_up(&v->wq);
	}
}

/* vm_event_fill_regs(): the vCPU's registers go with every request. */
static void sim_fill_regs(const struct sim_vcpu *v, struct xve_regs_x86 *x)
{
	const struct sim_regs *r = &v->regs;

	x->rax = r->g.rax;
	x->rcx = r->g.rcx;
	x->rdx = r->g.rdx;
	x->rbx = r->g.rbx;
	x->rsp = r->g.rsp;
	x->rbp = r->g.rbp;
	x->rsi = r->g.rsi;
	x->rdi = r->g.rdi;
	x->r8 = r->g.r8;
	x->r9 = r->g.r9;
	x->r10 = r->g.r10;
	x->r11 = r->g.r11;
	x->r12 = r->g.r12;
	x->r13 = r->g.r13;
	x->r14 = r->g.r14;
	x->r15 = r->g.r15;
	x->rflags = r->g.rflags;
	x->rip = r->g.rip;
	x->dr6 = r->dr6;
	x->dr7 = r->dr7;
	x->cr0 = r->cr0;
	x->cr2 = r->cr2;
	x->cr3 = r->cr3;
	x->cr4 = r->cr4;
	x->sysenter_cs = r->sysenter_cs;
	x->sysenter_esp = r->sysenter_esp;
	x->sysenter_eip = r->sysenter_eip;
	x->msr_efer = r->efer;
	x->msr_star = r->star;
	x->msr_lstar = r->lstar;
	x->gdtr_base = 0xfffffe0000001000ULL;
	x->gdtr_limit = 0x7f;
	x->npt_base = 0;
	x->vmtrace_pos = ~0ULL;		/* no vmtrace buffer */
	x->fs_base = r->fs_base;
	x->gs_base = r->gs_base;
	x->shadow_gs = r->shadow_gs;
	/*
	 * Flat 64-bit segments: limit (G set, so >> 12) | ar << 20; the
	 * CPL is the DPL (ar bits 5-6) and the selectors' RPL.
	 */
	x->cs = 0xfffff | ((0xa9bU | (u32)r->cpl << 5) << XVE_SEG_AR_SHIFT);
	x->ss = 0xfffff | ((0xc93U | (u32)r->cpl << 5) << XVE_SEG_AR_SHIFT);
	x->ds = x->ss;
	x->es = x->ss;
	x->fs = x->ss;
	x->gs = x->ss;
	x->cs_sel = 0x10 | r->cpl;
	x->ss_sel = 0x18 | r->cpl;
}

/*
 * Put v->req on the ring (vm_event_put_request()); a slot is free. For a
 * sync event the vCPU's vm_event pause count goes up first, as in Xen's
 * monitor_traps(); a deferred CR/MSR write is recorded in the same step,
 * so a response can never be processed before it exists.
 */
static void sim_ring_place(struct sim_domain *d, struct sim_vcpu *v,
			   bool sync, const struct sim_defer *defer)
{
	struct xve_event *req = &v->req;
	struct xve_sring *ring = d->ring;

	lockdep_assert_held(&d->lock);
	req->version = XVE_INTERFACE_VERSION;
	req->vcpu_id = v->id;
	if (sync) {
		req->flags |= XVE_FLAG_VCPU_PAUSED;
		v->ve_pause++;
	}
	if (d->altp2m) {
		req->flags |= XVE_FLAG_ALTERNATE_P2M;
		req->altp2m_idx = v->altp2m;
	}
	sim_fill_regs(v, &req->data.x86);

	if (defer && defer->cr) {
		v->ve.write_cr |= BIT(defer->index);
		v->ve.cr[defer->index] = defer->value;
	} else if (defer && defer->msr) {
		v->ve.write_msr = true;
		v->ve.msr = defer->msr_index;
		v->ve.msr_value = defer->value;
	}

	memcpy(&ring->ring[d->req_prod_pvt & (SIM_RING_SIZE - 1)], req,
	       sizeof(*req));
	d->req_prod_pvt++;
	/* R1: the record before req_prod; pairs with V1 (vmring.c). */
	smp_wmb();
	WRITE_ONCE(ring->req_prod, d->req_prod_pvt);

	v->req_seq++;
	v->req_ns = ktime_get_ns();
	v->events++;
	d->requests++;

	/* The slot reservation is used up: vm_event_release_slot(). */
	sim_ring_wake(d);
	/* "Give this vCPU a black eye if necessary, on the way out." */
	if (!v->ve_pause && !v->throttled &&
	    sim_ring_free(d) < d->nr_vcpus) {
		v->throttled = true;
		d->blocked++;
	}
}

/* Wait condition of a producer sleeping for a slot (vm_event_wait_slot). */
static bool sim_slot_ready(struct sim_domain *d, struct sim_vcpu *v)
{
	unsigned long flags;
	bool ret = false;

	spin_lock_irqsave(&d->lock, flags);
	if (d->dying) {
		d->slot_waiters--;
		ret = true;
	} else if (!d->pause_count && (!d->ring || sim_ring_free(d))) {
		/* A woken vCPU runs only when the domain is not paused. */
		d->slot_waiters--;
		sim_vcpu_set_running(d, v);
		ret = true;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}

/*
 * A running vCPU raises the event in v->req (reason and u filled in):
 * Xen's monitor_traps(). Returns SIM_PLACED, SIM_DROPPED (no ring: the
 * vCPU carries on as if nothing were monitored), SIM_DEAD or -EINTR. The
 * vCPU is still running on return (unless dead or interrupted); the
 * caller finishes the instruction and then calls sim_vcpu_block().
 */
int sim_raise(struct sim_domain *d, struct sim_vcpu *v, bool sync,
	      const struct sim_defer *defer)
{
	unsigned long flags;
	int ret;

	for (;;) {
		spin_lock_irqsave(&d->lock, flags);
		if (d->dying) {
			ret = SIM_DEAD;
			break;
		}
		if (!d->ring) {
			ret = SIM_DROPPED;
			break;
		}
		if (sim_ring_free(d)) {
			sim_ring_place(d, v, sync, defer);
			ret = SIM_PLACED;
			break;
		}
		/* Ring full: the vCPU sleeps on Xen's wait queue. */
		sim_vcpu_clear_running(d, v);
		d->slot_waiters++;
		spin_unlock_irqrestore(&d->lock, flags);

		if (wait_event_interruptible(d->slot_wq,
					     sim_slot_ready(d, v))) {
			spin_lock_irqsave(&d->lock, flags);
			d->slot_waiters--;
			sim_ring_wake(d);
			spin_unlock_irqrestore(&d->lock, flags);
			return -EINTR;
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (ret == SIM_PLACED)
		sim_kick(d);
	return ret;
}

/* p2m_mem_access_emulate_check(): do the echoed rights still conflict? */
static bool sim_emulate_violation(const struct sim_domain *d,
				  const struct xve_mem_access *ma)
{
	lockdep_assert_held(&d->lock);
	if (ma->gfn >= d->nr_frames)
		return true;	/* Xen: lookup fails, violation stays set */
	return ma->flags & XVE_MEM_ACCESS_RWX & ~d->rights[ma->gfn];
}

/*
 * A response for a vCPU that is vm_event-paused: the body of Xen's
 * vm_event_resume() loop (emulate check, DENY, single-step, altp2m,
 * SET_REGISTERS, then the unpause).
 */
static void sim_ring_apply(struct sim_domain *d, struct sim_vcpu *v,
			   const struct xve_event *rsp)
{
	struct sim_vm_event *ve = &v->ve;
	u32 flags = rsp->flags;

	lockdep_assert_held(&d->lock);

	/* vm_event_emulate_check() */
	if (!(flags & XVE_FLAG_EMULATE)) {
		ve->emulate_flags = 0;
	} else if (rsp->reason == XVE_REASON_MEM_ACCESS) {
		if (sim_emulate_violation(d, &rsp->u.mem_access)) {
			if (flags & XVE_FLAG_SET_EMUL_READ_DATA) {
				ve->read_size = rsp->data.emul_read.size;
				memcpy(ve->read, rsp->data.emul_read.data,
				       sizeof(ve->read));
			}
			ve->emulate_flags = flags;
		}
	} else if (rsp->reason == XVE_REASON_SOFTWARE_BREAKPOINT) {
		if (flags & XVE_FLAG_SET_EMUL_INSN_DATA)
			ve->emulate_flags = flags;
	} else if (rsp->reason == XVE_REASON_DESCRIPTOR_ACCESS) {
		if (flags & XVE_FLAG_SET_EMUL_READ_DATA) {
			ve->read_size = rsp->data.emul_read.size;
			memcpy(ve->read, rsp->data.emul_read.data,
			       sizeof(ve->read));
		}
		ve->emulate_flags = flags;
	}

	/* vm_event_register_write_resume(): XCR0 cannot be denied. */
	if (flags & XVE_FLAG_DENY) {
		if (rsp->reason == XVE_REASON_MOV_TO_MSR)
			ve->write_msr = false;
		else if (rsp->reason == XVE_REASON_WRITE_CTRLREG &&
			 rsp->u.write_ctrlreg.index < XVE_X86_XCR0)
			ve->write_cr &= ~BIT(rsp->u.write_ctrlreg.index);
	}

	/* vm_event_toggle_singlestep(): MTF exists on Intel only. */
	if (d->hvm && !d->amd) {
		/* u.fast_singlestep.p2midx, little endian */
		u16 view = rsp->u.raw[0] | (u16)rsp->u.raw[1] << 8;

		if (flags & XVE_FLAG_TOGGLE_SINGLESTEP) {
			v->singlestep = !v->singlestep;
		} else if ((flags & XVE_FLAG_FAST_SINGLESTEP) &&
			   view < SIM_ALTP2M_VIEWS) {
			v->singlestep = true;
			v->fast_ss = true;
			v->fast_ss_view = view;
		}
	}

	/* p2m_altp2m_check(): only with altp2m active, every view exists. */
	if ((flags & XVE_FLAG_ALTERNATE_P2M) && d->altp2m &&
	    rsp->altp2m_idx < SIM_ALTP2M_VIEWS)
		v->altp2m = rsp->altp2m_idx;

	/* vm_event_set_registers(): loaded when the vCPU resumes. */
	if (flags & XVE_FLAG_SET_REGISTERS) {
		const struct xve_regs_x86 *x = &rsp->data.x86;
		struct sim_gprs *g = &ve->gprs;

		g->rax = x->rax;
		g->rcx = x->rcx;
		g->rdx = x->rdx;
		g->rbx = x->rbx;
		g->rsp = x->rsp;
		g->rbp = x->rbp;
		g->rsi = x->rsi;
		g->rdi = x->rdi;
		g->r8 = x->r8;
		g->r9 = x->r9;
		g->r10 = x->r10;
		g->r11 = x->r11;
		g->r12 = x->r12;
		g->r13 = x->r13;
		g->r14 = x->r14;
		g->r15 = x->r15;
		g->rflags = x->rflags;
		g->rip = x->rip;
		ve->set_gprs = true;
	}

	/* vm_event_vcpu_unpause(); the count is non-zero here. */
	if (flags & XVE_FLAG_VCPU_PAUSED)
		v->ve_pause--;
}

/* One response, already copied out of the ring into d->rsp. */
static void sim_ring_response(struct sim_domain *d, u64 now)
{
	const struct xve_event *rsp = &d->rsp;
	struct sim_vcpu *v;

	lockdep_assert_held(&d->lock);
	if (rsp->version != XVE_INTERFACE_VERSION) {
		d->dropped_version++;
		pr_warn_ratelimited("d%u: response with interface version %u dropped (want %u)\n",
				    d->domid, rsp->version,
				    XVE_INTERFACE_VERSION);
		return;
	}
	if (rsp->vcpu_id >= d->nr_vcpus) {
		d->dropped_vcpu++;
		pr_warn_ratelimited("d%u: response for vCPU %u dropped (%u vCPUs)\n",
				    d->domid, rsp->vcpu_id, d->nr_vcpus);
		return;
	}
	v = &d->vcpus[rsp->vcpu_id];
	v->rsp_seq++;
	v->lat_ns = now - v->req_ns;
	/* Flags act only on a vCPU paused by vm_event (a sync event). */
	if (v->ve_pause)
		sim_ring_apply(d, v, rsp);
	wake_up(&v->wq);
}

/* vm_event_resume(): consume every response the core has pushed. */
static void sim_ring_consume(struct sim_domain *d)
{
	struct xve_sring *ring = d->ring;
	u32 prod, outstanding;
	bool any = false;
	u64 now;

	lockdep_assert_held(&d->lock);
	prod = READ_ONCE(ring->rsp_prod);
	/* R2: rsp_prod before the records; pairs with V2 (vmring.c). */
	smp_rmb();

	/*
	 * Xen trusts rsp_prod. A consumer pushing more responses than there
	 * were requests is a bug that would corrupt Xen's ring accounting:
	 * report it and take only what was asked for.
	 */
	outstanding = d->req_prod_pvt - d->rsp_cons;
	if (prod - d->rsp_cons > outstanding) {
		d->overruns++;
		pr_warn_ratelimited("d%u: rsp_prod %u runs %u past the %u outstanding requests\n",
				    d->domid, prod,
				    prod - d->rsp_cons - outstanding,
				    outstanding);
		prod = d->rsp_cons + outstanding;
	}

	now = ktime_get_ns();
	while (d->rsp_cons != prod) {
		/* One copy, so a changing slot cannot be read twice. */
		memcpy(&d->rsp, &ring->ring[d->rsp_cons & (SIM_RING_SIZE - 1)],
		       sizeof(d->rsp));
		d->rsp_cons++;
		WRITE_ONCE(ring->rsp_event, d->rsp_cons + 1);
		d->responses++;
		/* A slot is free: vm_event_get_response() wakes waiters. */
		sim_ring_wake(d);
		sim_ring_response(d, now);
		any = true;
	}
	if (any)
		wake_up_all(&d->rsp_wq);
}

/*
 * ->notify(): the consumer's EVTCHNOP_send, on which Xen consumes the
 * responses synchronously. Any context, the core's ring lock held.
 */
void sim_notify(struct xenintro_domain *dom)
{
	struct sim_domain *d = READ_ONCE(xenintro_hv(dom)->hv);
	unsigned long flags;

	if (!d)
		return;
	sim_fault_check(d, SIM_FP_NOTIFY, true);
	spin_lock_irqsave(&d->lock, flags);
	/* A dead domain's event channel is gone: the kick is dropped. */
	if (d->ring && !d->dying)
		sim_ring_consume(d);
	spin_unlock_irqrestore(&d->lock, flags);
}

/*
 * ->ring_enable(): XEN_VM_EVENT_ENABLE on a paused domain. The core
 * initialises the shared indices; Xen initialises only its private front
 * state (FRONT_RING_INIT).
 */
int sim_ring_enable(struct xenintro_domain *dom)
{
	struct xenintro_hv_domain *hv = xenintro_hv(dom);
	struct xve_sring *ring;
	struct sim_domain *d;
	unsigned long flags;
	int ret = 0;

	d = sim_domain_get(hv->domid);
	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_RING_ENABLE, false);
	if (ret)
		goto out_put;
	ring = (struct xve_sring *)get_zeroed_page(GFP_KERNEL);
	if (!ring) {
		ret = -ENOMEM;
		goto out_put;
	}

	spin_lock_irqsave(&d->lock, flags);
	if (d->dying)
		ret = -ESRCH;
	else if (!d->hvm)
		ret = -EOPNOTSUPP;	/* no HVM_PARAM_MONITOR_RING_PFN */
	else if (d->ring)
		ret = -EBUSY;		/* "only one connected agent" */
	else if (!d->pause_count)
		pr_warn_ratelimited("d%u: ring enabled on a running domain\n",
				    d->domid);
	spin_unlock_irqrestore(&d->lock, flags);
	if (ret)
		goto out_free;

	xenintro_vmring_init(ring);
	hv->sring = ring;
	WRITE_ONCE(hv->hv, d);

	/*
	 * On Xen the backend now takes the ring frame out of the guest's
	 * physmap (decrease_reservation), so that the guest cannot write its
	 * own ring. A backend that cannot do that must fail: this point lets
	 * a test make it fail.
	 */
	ret = sim_fault_check(d, SIM_FP_RING_HIDE, false);

	spin_lock_irqsave(&d->lock, flags);
	/* ret: the ring frame stayed in the guest */
	if (!ret && d->dying)
		ret = -ESRCH;
	else if (!ret && d->ring)
		ret = -EBUSY;
	if (!ret) {
		d->ring = ring;
		d->ring_gen++;
		d->req_prod_pvt = 0;
		d->rsp_cons = 0;
		d->blocked = 0;
		d->core_dom = dom;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (!ret)
		return 0;	/* the session keeps the reference */

	WRITE_ONCE(hv->hv, NULL);
	hv->sring = NULL;
out_free:
	free_page((unsigned long)ring);
out_put:
	sim_domain_put(d);
	return ret;
}

static bool sim_dead_call_done(struct sim_domain *d)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&d->lock, flags);
	ret = !d->dead_task || d->dead_task == current;
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}

/*
 * ->ring_disable(): XEN_VM_EVENT_DISABLE, which also runs at domain
 * destruction. Throttled vCPUs are unpaused, vCPUs waiting for a sync
 * response are not (they stay stuck, as on Xen), every monitor setting is
 * reset (page rights, altp2m and single-step are not), per-vCPU vm_event
 * state is freed. Xen refuses with -EBUSY while vCPUs sleep waiting for a
 * slot; this op cannot fail, so they are woken and find no ring.
 */
void sim_ring_disable(struct xenintro_domain *dom)
{
	struct xenintro_hv_domain *hv = xenintro_hv(dom);
	struct sim_domain *d = READ_ONCE(hv->hv);
	struct xve_sring *ring;
	unsigned long flags;
	u32 i;

	if (!d) {
		pr_warn_ratelimited("d%u: ring disabled but never enabled\n",
				    hv->domid);
		return;
	}
	/* dom must stay valid while destroy is telling the core about it. */
	wait_event(d->ctl_wq, sim_dead_call_done(d));

	spin_lock_irqsave(&d->lock, flags);
	ring = d->ring;
	d->ring = NULL;
	d->core_dom = NULL;
	for (i = 0; i < d->nr_vcpus; i++) {
		struct sim_vcpu *v = &d->vcpus[i];

		v->throttled = false;
		memset(&v->ve, 0, sizeof(v->ve));
	}
	d->blocked = 0;
	memset(&d->mon, 0, sizeof(d->mon));
	sim_wake_all(d);
	spin_unlock_irqrestore(&d->lock, flags);
	/* A fault waiting to see the core done with a dead domain. */
	wake_up_all(&d->ctl_wq);

	/* No kick for dom runs after this, nor the core's work for one. */
	sim_kick_flush();
	irq_work_sync(&d->kick_work);
	xenintro_domain_kick_cancel(dom);

	hv->sring = NULL;
	WRITE_ONCE(hv->hv, NULL);
	free_page((unsigned long)ring);
	sim_domain_put(d);
}

static bool sim_rsp_passed(struct sim_domain *d, u32 gen, u32 idx,
			   bool *freed)
{
	unsigned long flags;
	bool ret = false;

	spin_lock_irqsave(&d->lock, flags);
	if (d->dying || !d->ring || d->ring_gen != gen) {
		ret = true;
	} else if ((s32)(d->rsp_cons - idx) > 0) {
		*freed = true;
		ret = true;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}

/*
 * Place one malformed request, as a foreign producer would (no vCPU
 * waits for it; Xen gives a foreign producer -EBUSY on a full ring), kick,
 * and wait up to @timeout_ms for a response to free its slot.
 */
int sim_corrupt(struct sim_domain *d, const char *what,
		unsigned int timeout_ms, u32 *slot, bool *freed, u64 *wait_ns)
{
	struct xve_event *req;
	unsigned long flags;
	u64 start;
	u32 gen, idx;
	long left;
	int ret = 0;

	req = kzalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	req->version = XVE_INTERFACE_VERSION;
	req->reason = XVE_REASON_GUEST_REQUEST;
	if (!strcmp(what, "version"))
		req->version = 3;
	else if (!strcmp(what, "vcpu"))
		req->vcpu_id = 9999;
	else if (!strcmp(what, "reason"))
		req->reason = 200;
	else
		ret = -EINVAL;
	if (ret)
		goto out;

	spin_lock_irqsave(&d->lock, flags);
	if (d->dying)
		ret = -ESRCH;
	else if (!d->ring)
		ret = -ENODEV;
	else if (!sim_ring_free(d))
		ret = -EBUSY;
	if (!ret) {
		sim_fill_regs(&d->vcpus[0], &req->data.x86);
		idx = d->req_prod_pvt;
		memcpy(&d->ring->ring[idx & (SIM_RING_SIZE - 1)], req,
		       sizeof(*req));
		d->req_prod_pvt++;
		/* R1: the record before req_prod; pairs with V1 (vmring.c). */
		smp_wmb();
		WRITE_ONCE(d->ring->req_prod, d->req_prod_pvt);
		d->requests++;
		gen = d->ring_gen;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	if (ret)
		goto out;

	sim_kick(d);
	*slot = idx & (SIM_RING_SIZE - 1);
	*freed = false;
	start = ktime_get_ns();
	left = wait_event_interruptible_timeout(d->rsp_wq,
						sim_rsp_passed(d, gen, idx,
							       freed),
						msecs_to_jiffies(timeout_ms));
	*wait_ns = ktime_get_ns() - start;
	if (left < 0)
		ret = -EINTR;
out:
	kfree(req);
	return ret;
}

/* xorshift64*: reproducible garbage from a seed. */
static u64 sim_garbage_next(u64 *state)
{
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return *state * 0x2545f4914f6cdd1dULL;
}

/*
 * One record a broken or hostile producer could write: a quarter random
 * bytes, the rest well-formed (the right version, a reason of 0..19, a
 * vCPU of 0..nr_vcpus, random flags) with 1..8 random bytes changed.
 */
static void sim_garbage_record(struct sim_domain *d, struct xve_event *req,
			       u64 *rng, u64 n)
{
	u8 *b = (u8 *)req;
	u64 *w = (u64 *)req;
	u32 i, changes;

	if (n % 4 == 0) {
		for (i = 0; i < sizeof(*req) / 8; i++)
			w[i] = sim_garbage_next(rng);
		return;
	}
	memset(req, 0, sizeof(*req));
	req->version = XVE_INTERFACE_VERSION;
	req->reason = sim_garbage_next(rng) % 20;
	req->vcpu_id = sim_garbage_next(rng) % (d->nr_vcpus + 1);
	req->flags = (u32)sim_garbage_next(rng);
	sim_fill_regs(&d->vcpus[0], &req->data.x86);
	changes = 1 + sim_garbage_next(rng) % 8;
	for (i = 0; i < changes; i++)
		b[sim_garbage_next(rng) % sizeof(*req)] =
			(u8)sim_garbage_next(rng);
	/* a third of those keep the right version, whatever changed */
	if (n % 4 == 1)
		req->version = XVE_INTERFACE_VERSION;
}

/*
 * What sim_garbage() waits for: a free slot (or, with @all, every slot
 * answered), or no ring to wait for any more.
 */
static bool sim_garbage_ready(struct sim_domain *d, u32 gen, bool all)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&d->lock, flags);
	ret = d->dying || !d->ring || d->ring_gen != gen ||
	      (all ? sim_ring_free(d) == SIM_RING_SIZE : sim_ring_free(d) > 0);
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}

/**
 * sim_garbage() - feed @records fuzzed requests through the ring
 * @d: the domain, with a ring
 * @records: how many to place
 * @seed: of the generator (the same seed, the same records)
 * @timeout_ms: the longest wait for the consumer to free a slot
 * @res: placed and answered records, and the time taken
 *
 * As a foreign producer (sim_corrupt()): as many records as there are
 * free slots, one kick, and a wait for responses to free slots again.
 * The consumer must decode each, answer it or pass it on, and never
 * stop draining. At the end, waits for every slot to be answered.
 *
 * Return: 0; -ENODEV without a ring, -ESRCH if the domain died or the
 * ring went, -ETIMEDOUT if the consumer stopped answering, -EINTR.
 */
int sim_garbage(struct sim_domain *d, u64 records, u64 seed,
		unsigned int timeout_ms, struct sim_garbage_result *res)
{
	struct xve_event *req;
	unsigned long flags;
	u64 rng = seed | 1, start = ktime_get_ns();
	u32 gen = 0, room, i;
	bool all;
	long left;
	int ret = 0;

	memset(res, 0, sizeof(*res));
	req = kmalloc(sizeof(*req), GFP_KERNEL);
	if (!req)
		return -ENOMEM;
	for (;;) {
		spin_lock_irqsave(&d->lock, flags);
		if (d->dying || !d->ring || (res->placed && d->ring_gen != gen)) {
			ret = d->ring || d->dying ? -ESRCH : -ENODEV;
		} else {
			gen = d->ring_gen;
			room = sim_ring_free(d);
			for (i = 0; i < room && res->placed < records; i++) {
				sim_garbage_record(d, req, &rng, res->placed);
				memcpy(&d->ring->ring[d->req_prod_pvt &
						      (SIM_RING_SIZE - 1)],
				       req, sizeof(*req));
				d->req_prod_pvt++;
				d->requests++;
				res->placed++;
			}
			/* R1: the records before req_prod (vmring.c V1). */
			smp_wmb();
			WRITE_ONCE(d->ring->req_prod, d->req_prod_pvt);
			room = sim_ring_free(d);
		}
		spin_unlock_irqrestore(&d->lock, flags);
		if (ret)
			break;
		sim_kick(d);
		if (res->placed == records && room == SIM_RING_SIZE)
			break;		/* every record answered */
		all = res->placed == records;
		left = wait_event_interruptible_timeout(d->rsp_wq,
							sim_garbage_ready(d, gen, all),
							msecs_to_jiffies(timeout_ms));
		if (left < 0) {
			ret = -EINTR;
			break;
		}
		if (!left) {
			ret = -ETIMEDOUT;
			break;
		}
		if (fatal_signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		cond_resched();
	}
	spin_lock_irqsave(&d->lock, flags);
	res->answered = res->placed - (SIM_RING_SIZE - (d->ring ?
					sim_ring_free(d) : SIM_RING_SIZE));
	spin_unlock_irqrestore(&d->lock, flags);
	res->ns = ktime_get_ns() - start;
	kfree(req);
	return ret;
}
