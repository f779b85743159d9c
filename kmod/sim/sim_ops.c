// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_sim: the backend ops that are domctls and memops in Xen:
 * pause (XEN_DOMCTL_pausedomain), monitor_op (common/monitor.c,
 * arch/x86/monitor.c), XENMEM_access_op (common/mem_access.c) and event
 * injection (XEN_DMOP_inject_event). Error codes and their order follow
 * Xen 4.17.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitmap.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/xenintro.h>

#include "../compat.h"
#include "sim.h"

/* Xen's XEN_DOMCTL_MONITOR_EVENT_* numbers not in the uAPI. */
#define SIM_MONITOR_PRIVILEGED_CALL	7
#define SIM_MONITOR_INTERRUPT		8
#define SIM_MONITOR_INGUEST_PAGEFAULT	11

/* Frames handled per lock hold in the bulk access ops. */
#define SIM_ACCESS_BATCH		1024

int sim_op_pause(struct xenintro_domain *dom)
{
	struct sim_domain *d = sim_core_get(dom);
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_PAUSE, false);
	if (!ret)
		ret = sim_pause(d);
	sim_domain_put(d);
	return ret;
}

int sim_op_unpause(struct xenintro_domain *dom)
{
	struct sim_domain *d = sim_core_get(dom);
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_UNPAUSE, false);
	if (!ret)
		ret = sim_unpause(d);
	sim_domain_put(d);
	return ret;
}

/* arch_monitor_get_capabilities() */
static u32 sim_monitor_caps(const struct sim_domain *d)
{
	u32 caps;

	if (!d->hvm)
		return 0;
	caps = BIT(XENINTRO_MONITOR_CTRLREG) | BIT(XENINTRO_MONITOR_MSR) |
	       BIT(XENINTRO_MONITOR_BREAKPOINT) |
	       BIT(XENINTRO_MONITOR_GUEST_REQUEST) |
	       BIT(XENINTRO_MONITOR_DEBUG_EXCEPTION) |
	       BIT(XENINTRO_MONITOR_CPUID) | BIT(SIM_MONITOR_INTERRUPT) |
	       BIT(XENINTRO_MONITOR_EMUL_UNIMPL) |
	       BIT(SIM_MONITOR_INGUEST_PAGEFAULT) |
	       BIT(XENINTRO_MONITOR_VMEXIT) |
	       BIT(XENINTRO_MONITOR_DESC_ACCESS);	/* VMX and SVM */
	if (!d->amd)
		caps |= BIT(XENINTRO_MONITOR_SINGLESTEP);	/* MTF */
	return caps;
}

/* monitor_bitmap_for_msr(): NULL outside the three monitorable ranges. */
static unsigned long *sim_msr_bitmap(struct sim_msr_bitmap *b, u32 msr,
				     u32 *bit)
{
	*bit = msr & 0x1fff;
	if (msr <= 0x1fff)
		return b->low;
	if (msr >= 0x40000000 && msr <= 0x40001fff)
		return b->hyp;
	if (msr >= 0xc0000000 && msr <= 0xc0001fff)
		return b->high;
	return NULL;
}

/* monitored_msr(): the bitmap exists only while the ring does. */
bool sim_msr_monitored(struct sim_domain *d, u32 msr, bool *onchange)
{
	unsigned long *b, *oc;
	u32 bit;

	lockdep_assert_held(&d->lock);
	if (!d->ring)
		return false;
	b = sim_msr_bitmap(&d->mon.msr, msr, &bit);
	if (!b || !test_bit(bit, b))
		return false;
	oc = sim_msr_bitmap(&d->mon.msr_onchange, msr, &bit);
	if (onchange)
		*onchange = test_bit(bit, oc);
	return true;
}

u32 sim_msr_monitor_count(const struct sim_domain *d)
{
	const struct sim_msr_bitmap *b = &d->mon.msr;

	lockdep_assert_held(&d->lock);
	return bitmap_weight(b->low, 8192) + bitmap_weight(b->hyp, 8192) +
	       bitmap_weight(b->high, 8192);
}

/* One on/off switch: Xen's "requesting the state it has is -EEXIST". */
static int sim_monitor_bool(bool *state, bool enable)
{
	if (*state == enable)
		return -EEXIST;
	*state = enable;
	return 0;
}

static int sim_monitor_cr(struct sim_domain *d,
			  const struct xenintro_monitor *mon, bool enable)
{
	struct sim_monitor *m = &d->mon;
	u8 bit;

	if (mon->index >= 4)
		return -EINVAL;
	bit = BIT(mon->index);
	if (!!(m->cr_enabled & bit) == enable)
		return -EEXIST;
	if (mon->flags & XENINTRO_MON_SYNC)
		m->cr_sync |= bit;
	else
		m->cr_sync &= ~bit;
	if (mon->flags & XENINTRO_MON_ONCHANGE)
		m->cr_onchange |= bit;
	else
		m->cr_onchange &= ~bit;
	if (enable) {
		m->cr_mask[mon->index] = mon->ignore_mask;
		m->cr_enabled |= bit;
	} else {
		m->cr_mask[mon->index] = 0;
		m->cr_enabled &= ~bit;
	}
	return 0;
}

static int sim_monitor_msr(struct sim_domain *d,
			   const struct xenintro_monitor *mon, bool enable)
{
	unsigned long *b, *oc;
	u32 bit;

	if (sim_msr_monitored(d, mon->index, NULL) == enable)
		return -EEXIST;
	if (!d->ring)
		return -ENXIO;	/* no MSR bitmap without the ring */
	b = sim_msr_bitmap(&d->mon.msr, mon->index, &bit);
	if (!b)
		return -EINVAL;
	oc = sim_msr_bitmap(&d->mon.msr_onchange, mon->index, &bit);
	if (enable) {
		__set_bit(bit, b);
		if (mon->flags & XENINTRO_MON_ONCHANGE)
			__set_bit(bit, oc);
		else
			__clear_bit(bit, oc);
	} else {
		__clear_bit(bit, b);
	}
	return 0;
}

/*
 * ->monitor(): XEN_DOMCTL_monitor_op ENABLE/DISABLE. DENY_CAPABLE on a
 * successful CR/MSR enable also issues MONITOR_OP_CONTROL_REGISTERS, a
 * one-way switch until the ring is disabled.
 */
int sim_op_monitor(struct xenintro_domain *dom,
		   const struct xenintro_monitor *mon)
{
	bool enable = mon->flags & XENINTRO_MON_ENABLE;
	struct sim_domain *d = sim_core_get(dom);
	struct sim_monitor *m;
	unsigned long flags;
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_MONITOR, false);
	if (ret) {
		sim_domain_put(d);
		return ret;
	}
	spin_lock_irqsave(&d->lock, flags);
	m = &d->mon;
	if (d->dying) {
		ret = -ESRCH;
		goto out;
	}
	if (mon->event > 31) {
		ret = -EINVAL;
		goto out;
	}
	if (!(sim_monitor_caps(d) & BIT(mon->event))) {
		ret = -EOPNOTSUPP;
		goto out;
	}

	switch (mon->event) {
	case XENINTRO_MONITOR_CTRLREG:
		ret = sim_monitor_cr(d, mon, enable);
		break;
	case XENINTRO_MONITOR_MSR:
		ret = sim_monitor_msr(d, mon, enable);
		break;
	case XENINTRO_MONITOR_SINGLESTEP:
		ret = sim_monitor_bool(&m->singlestep, enable);
		break;
	case XENINTRO_MONITOR_BREAKPOINT:
		ret = sim_monitor_bool(&m->breakpoint, enable);
		break;
	case XENINTRO_MONITOR_GUEST_REQUEST:
		ret = sim_monitor_bool(&m->guest_request, enable);
		if (!ret) {
			m->guest_request_sync = mon->flags & XENINTRO_MON_SYNC;
			m->guest_request_user =
				mon->flags & XENINTRO_MON_ALLOW_USERSPACE;
		}
		break;
	case XENINTRO_MONITOR_DEBUG_EXCEPTION:
		ret = sim_monitor_bool(&m->debug, enable);
		if (!ret)
			m->debug_sync = enable &&
					(mon->flags & XENINTRO_MON_SYNC);
		break;
	case XENINTRO_MONITOR_CPUID:
		ret = sim_monitor_bool(&m->cpuid, enable);
		break;
	case XENINTRO_MONITOR_DESC_ACCESS:
		ret = sim_monitor_bool(&m->desc, enable);
		break;
	case XENINTRO_MONITOR_EMUL_UNIMPL:
		ret = sim_monitor_bool(&m->emul_unimpl, enable);
		break;
	case XENINTRO_MONITOR_VMEXIT:
		ret = sim_monitor_bool(&m->vmexit, enable);
		if (!ret)
			m->vmexit_sync = mon->flags & XENINTRO_MON_SYNC;
		break;
	default:
		/*
		 * INTERRUPT is advertised but not handled by x86 Xen;
		 * INGUEST_PAGEFAULT is not modelled.
		 */
		ret = -EOPNOTSUPP;
		break;
	}
	if (!ret && enable && (mon->flags & XENINTRO_MON_DENY_CAPABLE) &&
	    (mon->event == XENINTRO_MONITOR_CTRLREG ||
	     mon->event == XENINTRO_MONITOR_MSR))
		m->control_registers = true;
out:
	spin_unlock_irqrestore(&d->lock, flags);
	sim_domain_put(d);
	return ret;
}

/*
 * The checks of Xen's mem_access_memop(), in its order: a live domain,
 * p2m_mem_access_sanity_check() (HVM on Intel), then the ring.
 */
static int sim_access_check(const struct sim_domain *d)
{
	lockdep_assert_held(&d->lock);
	if (d->dying)
		return -ESRCH;
	if (!d->hvm || d->amd)
		return -EINVAL;
	if (!d->ring)
		return -ENODEV;
	return 0;
}

int sim_op_set_access(struct xenintro_domain *dom, u64 gfn, u64 nr,
		      u8 rights)
{
	struct sim_domain *d = sim_core_get(dom);
	unsigned long flags;
	u64 done = 0, end;
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_SET_ACCESS, false);
	if (ret) {
		sim_domain_put(d);
		return ret;
	}
	spin_lock_irqsave(&d->lock, flags);
	ret = sim_access_check(d);
	if (!ret && (!nr || gfn + nr - 1 < gfn ||
		     gfn + nr - 1 >= d->nr_frames || rights > SIM_RIGHTS_RWX))
		ret = -EINVAL;
	/* Preemptible like Xen's continuation: batches, rechecked. */
	while (!ret && done < nr) {
		end = min(nr, done + SIM_ACCESS_BATCH);
		for (; done < end; done++)
			sim_set_rights_locked(d, gfn + done, rights);
		if (done == nr)
			break;
		spin_unlock_irqrestore(&d->lock, flags);
		cond_resched();
		spin_lock_irqsave(&d->lock, flags);
		ret = sim_access_check(d);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	sim_domain_put(d);
	return ret;
}

/*
 * set_access_multi: entries are applied in order and the first bad one
 * stops the op with -EINVAL, the earlier ones staying applied, as in
 * Xen's p2m_set_mem_access_multi().
 */
int sim_op_set_access_list(struct xenintro_domain *dom, const u64 *gfns,
			   const u8 *rights, u32 nr)
{
	struct sim_domain *d = sim_core_get(dom);
	unsigned long flags;
	u32 i;
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_SET_ACCESS, false);
	if (ret) {
		sim_domain_put(d);
		return ret;
	}
	spin_lock_irqsave(&d->lock, flags);
	ret = sim_access_check(d);
	for (i = 0; !ret && i < nr; i++) {
		if (rights[i] > SIM_RIGHTS_RWX || gfns[i] >= d->nr_frames) {
			ret = -EINVAL;
			break;
		}
		sim_set_rights_locked(d, gfns[i], rights[i]);
		if ((i + 1) % SIM_ACCESS_BATCH == 0 && i + 1 < nr) {
			spin_unlock_irqrestore(&d->lock, flags);
			cond_resched();
			spin_lock_irqsave(&d->lock, flags);
			ret = sim_access_check(d);
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);
	sim_domain_put(d);
	return ret;
}

/*
 * get_access, one frame per Xen call (XENMEM_access_op_get_access has no
 * batched form): @gfns[i], or @gfn + i without a list. The lock is
 * dropped every batch, and a fatal signal stops the walk.
 */
int sim_op_get_access(struct xenintro_domain *dom, u64 gfn, const u64 *gfns,
		      u32 nr, u8 *rights)
{
	struct sim_domain *d = sim_core_get(dom);
	unsigned long flags;
	u64 frame;
	u32 i;
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_GET_ACCESS, false);
	if (ret)
		goto out_put;
	spin_lock_irqsave(&d->lock, flags);
	ret = sim_access_check(d);
	for (i = 0; !ret && i < nr; i++) {
		frame = gfns ? gfns[i] : gfn + i;
		if (frame >= d->nr_frames) {
			ret = -EINVAL;
			break;
		}
		rights[i] = d->rights[frame];
		if ((i + 1) % SIM_ACCESS_BATCH == 0 && i + 1 < nr) {
			spin_unlock_irqrestore(&d->lock, flags);
			if (fatal_signal_pending(current))
				ret = -EINTR;
			cond_resched();
			spin_lock_irqsave(&d->lock, flags);
			if (!ret)
				ret = sim_access_check(d);
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);
out_put:
	sim_domain_put(d);
	return ret;
}

/* Teardown: rwx on every frame (the default is rwx already). */
int sim_op_reset_access(struct xenintro_domain *dom)
{
	struct sim_domain *d = sim_core_get(dom);
	unsigned long flags;
	u32 gfn = 0;
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_RESET_ACCESS, false);
	if (ret) {
		sim_domain_put(d);
		return ret;
	}
	spin_lock_irqsave(&d->lock, flags);
	ret = sim_access_check(d);
	while (!ret && d->nr_restricted && gfn < d->nr_frames) {
		sim_set_rights_locked(d, gfn, SIM_RIGHTS_RWX);
		if (++gfn % SIM_ACCESS_BATCH == 0) {
			spin_unlock_irqrestore(&d->lock, flags);
			cond_resched();
			spin_lock_irqsave(&d->lock, flags);
			ret = sim_access_check(d);
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);
	sim_domain_put(d);
	return ret;
}

/*
 * ->singlestep_off(): XEN_DOMCTL_debug_op SINGLE_STEP_OFF on one vCPU.
 * HVM only, Intel (MTF) only; also disarms a fast single-step.
 */
int sim_op_singlestep_off(struct xenintro_domain *dom, u32 vcpu)
{
	struct sim_domain *d = sim_core_get(dom);
	unsigned long flags;
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_fault_check(d, SIM_FP_SINGLESTEP_OFF, false);
	if (ret)
		goto out_put;
	spin_lock_irqsave(&d->lock, flags);
	if (d->dying)
		ret = -ESRCH;
	else if (!d->hvm)
		ret = -EINVAL;
	else if (d->amd)
		ret = -EOPNOTSUPP;
	else if (vcpu >= d->nr_vcpus)
		ret = -EINVAL;
	if (!ret) {
		d->vcpus[vcpu].singlestep = false;
		d->vcpus[vcpu].fast_ss = false;
	}
	spin_unlock_irqrestore(&d->lock, flags);
out_put:
	sim_domain_put(d);
	return ret;
}

/*
 * ->inject(): XEN_DMOP_inject_event, delivered when the vCPU next enters
 * the guest. Any context, the core's ring lock held: no sleeping, and no
 * reference counting (the session's reference pins the domain).
 */
int sim_op_inject(struct xenintro_domain *dom,
		  const struct xenintro_inject *inj)
{
	struct sim_domain *d = READ_ONCE(xenintro_hv(dom)->hv);
	struct sim_vcpu *v;
	unsigned long flags;
	int ret = 0;

	if (!d)
		return -ESRCH;
	spin_lock_irqsave(&d->lock, flags);
	if (d->dying) {
		ret = -ESRCH;
	} else if (inj->vcpu >= d->nr_vcpus) {
		ret = -EINVAL;
	} else {
		v = &d->vcpus[inj->vcpu];
		if (v->inject.pending) {
			ret = -EBUSY;	/* one event at a time, as in Xen */
		} else {
			v->inject.pending = true;
			v->inject.vector = inj->vector;
			v->inject.type = inj->type;
			v->inject.insn_length = inj->insn_length;
			v->inject.pending_dbg = inj->pending_dbg;
		}
	}
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}

/*
 * ->read_gpa() / ->write_gpa(): the domain's frames are its RAM; any other
 * frame number (MMIO, beyond its memory) is -ENXIO, as on Xen. Frames
 * never written read as zeroes. The copy races with the guest's own
 * accesses as a foreign mapping on Xen would.
 */
static int sim_gpa_check(struct sim_domain *d, u64 gpa, u32 len)
{
	if (!len || offset_in_page(gpa) + len > PAGE_SIZE)
		return -EINVAL;
	if (d->dying)
		return -ESRCH;
	if ((gpa >> PAGE_SHIFT) >= d->nr_frames)
		return -ENXIO;
	return 0;
}

/*
 * A frame for dom0 (a foreign map on Xen): referenced, or NULL for a
 * never-written frame when @need_page is false (it reads as zeroes);
 * -ENXIO for a hole: Xen refuses to map a gfn its p2m has no RAM for.
 */
static struct page *sim_foreign_frame(struct sim_domain *d, u64 gfn,
				      bool need_page)
{
	struct page *page = sim_frame_get(d, gfn, false);

	if (page || !need_page)
		return page;
	/* Never written: dom0 needs it populated (a hole stays an error). */
	return sim_frame_get(d, gfn, true);
}

static int sim_gpa_copy(struct xenintro_domain *dom, u64 gpa, void *buf,
			u32 len, bool write)
{
	struct sim_domain *d = sim_core_get(dom);
	struct page *page;
	int ret;

	if (!d)
		return -ESRCH;
	ret = sim_gpa_check(d, gpa, len);
	if (ret)
		goto out;
	page = sim_foreign_frame(d, gpa >> PAGE_SHIFT, write);
	if (IS_ERR(page)) {
		ret = PTR_ERR(page);
	} else if (!page) {
		memset(buf, 0, len);	/* never written: zeroes */
	} else {
		if (write)
			memcpy(page_address(page) + offset_in_page(gpa), buf,
			       len);
		else
			memcpy(buf, page_address(page) + offset_in_page(gpa),
			       len);
		put_page(page);
	}
out:
	sim_domain_put(d);
	return ret;
}

int sim_op_read_gpa(struct xenintro_domain *dom, u64 gpa, void *buf, u32 len)
{
	return sim_gpa_copy(dom, gpa, buf, len, false);
}

int sim_op_write_gpa(struct xenintro_domain *dom, u64 gpa, const void *buf,
		     u32 len)
{
	return sim_gpa_copy(dom, gpa, (void *)buf, len, true);
}

/* ->vcpu_paging(): Xen's gethvmcontext_partial(CPU), the paging part. */
int sim_op_vcpu_paging(struct xenintro_domain *dom, u32 vcpu, u64 *cr0,
		       u64 *cr3, u64 *cr4, u64 *efer)
{
	struct sim_domain *d = sim_core_get(dom);
	unsigned long flags;
	int ret = 0;

	if (!d)
		return -ESRCH;
	spin_lock_irqsave(&d->lock, flags);
	if (d->dying) {
		ret = -ESRCH;
	} else if (vcpu >= d->nr_vcpus) {
		ret = -EINVAL;
	} else {
		*cr0 = d->vcpus[vcpu].regs.cr0;
		*cr3 = d->vcpus[vcpu].regs.cr3;
		*cr4 = d->vcpus[vcpu].regs.cr4;
		*efer = d->vcpus[vcpu].regs.efer;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	sim_domain_put(d);
	return ret;
}

/*
 * ->map_frames(): what a foreign map is on Xen, with the simulated
 * domain's pages. vm_insert_page() takes a page reference for the PTE, so
 * a frame the guest balloons out while mapped lives on until the PTE is
 * zapped, as Xen's reference keeps a mapped frame.
 */
int sim_op_map_frames(struct xenintro_domain *dom, struct vm_area_struct *vma,
		      const u64 *gfns, u32 nr, int *errs)
{
	struct sim_domain *d = sim_core_get(dom);
	struct page *page;
	int mapped = 0;
	int ret = 0;
	u32 i;

	if (!d)
		return -ESRCH;
	/* Pages with a struct page and a refcount: a mixed mapping. */
	vm_flags_set(vma, VM_MIXEDMAP);
	for (i = 0; i < nr; i++) {
		/* a failure after some frames went in: the core's undo */
		ret = sim_fault_check(d, SIM_FP_MAP_FRAME, false);
		if (ret)
			break;
		ret = sim_gpa_check(d, gfns[i] << PAGE_SHIFT, PAGE_SIZE);
		page = ret ? ERR_PTR(ret) : sim_foreign_frame(d, gfns[i], true);
		if (IS_ERR(page)) {
			ret = PTR_ERR(page);
			if (ret != -ENXIO)
				break;	/* -ESRCH, -ENOMEM: the whole call */
			errs[i] = ret;
			ret = 0;
			continue;
		}
		ret = vm_insert_page(vma, vma->vm_start + i * PAGE_SIZE, page);
		put_page(page);
		if (ret)
			break;
		errs[i] = 0;
		mapped++;
		cond_resched();
	}
	sim_domain_put(d);
	return ret ? ret : mapped;
}
