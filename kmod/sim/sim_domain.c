// SPDX-License-Identifier: GPL-2.0
/*
 * xenintro_sim: simulated domains, vCPU scheduling, the toolstack pause
 * count and guest memory.
 *
 * A vCPU "runs" while a task executes a guest instruction on it and is
 * counted in d->nr_running. It stops running whenever a real vCPU would be
 * descheduled: waiting for a ring slot, paused for a sync event
 * (ve_pause), throttle-paused for ring space, or while the domain is
 * paused. It may run again only when none of these holds, and then first
 * does what Xen's hvm_do_resume() does (sim_vcpu_resume()). Pausing the
 * domain waits until nr_running is zero, so like Xen's domain pause it
 * returns with no vCPU in the middle of an instruction.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/err.h>
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "sim.h"

/*
 * Every vCPU starts in the architectural reset state (Intel SDM vol. 3,
 * "Processor State After Reset"): real mode at 0xfff0, CR0 = CD|NW|ET,
 * XCR0 = x87, everything else zero. Guests change it with the commands.
 */
static void sim_vcpu_reset(struct sim_vcpu *v)
{
	struct sim_regs *r = &v->regs;

	memset(r, 0, sizeof(*r));
	r->g.rip = 0xfff0;
	r->g.rflags = 0x2;
	r->dr6 = 0xffff0ff0;
	r->dr7 = 0x400;
	r->cr0 = 0x60000010;
	r->xcr0 = 0x1;
}

struct sim_domain *sim_domain_alloc(const struct sim_create *c)
{
	struct sim_domain *d;
	u32 i;

	d = kvzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return NULL;
	d->vcpus = kvcalloc(c->vcpus, sizeof(*d->vcpus), GFP_KERNEL);
	d->rights = kvmalloc(c->frames, GFP_KERNEL);
	if (!d->vcpus || !d->rights) {
		kvfree(d->rights);
		kvfree(d->vcpus);
		kvfree(d);
		return NULL;
	}
	memset(d->rights, SIM_RIGHTS_RWX, c->frames);

	kref_init(&d->ref);
	d->domid = c->domid;
	strscpy(d->name, c->name, sizeof(d->name));
	d->marks = c->marks;
	d->hvm = c->hvm;
	d->amd = c->amd;
	d->altp2m = c->altp2m;
	d->nr_vcpus = c->vcpus;
	d->nr_frames = c->frames;
	d->pause_count = c->paused ? 1 : 0;
	d->last_wake = c->vcpus - 1;
	xa_init(&d->pages);
	d->kick_work = IRQ_WORK_INIT_HARD(sim_kick_fn);
	sim_fault_init(d);
	init_waitqueue_head(&d->slot_wq);
	init_waitqueue_head(&d->rsp_wq);
	init_waitqueue_head(&d->ctl_wq);
	spin_lock_init(&d->lock);

	for (i = 0; i < c->vcpus; i++) {
		struct sim_vcpu *v = &d->vcpus[i];

		v->d = d;
		v->id = i;
		mutex_init(&v->run_lock);
		init_waitqueue_head(&v->wq);
		sim_vcpu_reset(v);
	}
	return d;
}

/* The last reference is gone: nothing can reach the domain any more. */
void sim_domain_free(struct sim_domain *d)
{
	struct page *page;
	unsigned long gfn;
	u32 i;

	/* A request placed just before the domain died may still kick. */
	irq_work_sync(&d->kick_work);
	WARN_ON_ONCE(d->ring);

	xa_for_each(&d->pages, gfn, page)
		if (!xa_is_value(page))
			put_page(page);	/* mappings may hold it longer */
	xa_destroy(&d->pages);
	for (i = 0; i < d->nr_vcpus; i++)
		mutex_destroy(&d->vcpus[i].run_lock);
	kvfree(d->rights);
	kvfree(d->vcpus);
	kvfree(d);
}

/* Wake every sleeper of the domain: unpause, death, ring disable. */
void sim_wake_all(struct sim_domain *d)
{
	u32 i;

	lockdep_assert_held(&d->lock);
	for (i = 0; i < d->nr_vcpus; i++)
		wake_up(&d->vcpus[i].wq);
	wake_up_all(&d->slot_wq);
	wake_up_all(&d->rsp_wq);
	wake_up_all(&d->ctl_wq);
}

static bool sim_quiesced(struct sim_domain *d)
{
	unsigned long flags;
	bool ret;

	spin_lock_irqsave(&d->lock, flags);
	ret = !d->nr_running || d->dying;
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}

/*
 * Toolstack pause (XEN_DOMCTL_pausedomain): reference counted up to 255,
 * synchronous like Xen's domain_pause().
 */
int sim_pause(struct sim_domain *d)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&d->lock, flags);
	if (d->dying)
		ret = -ESRCH;
	else if (d->pause_count >= SIM_PAUSE_MAX)
		ret = -EOVERFLOW;
	else
		d->pause_count++;
	spin_unlock_irqrestore(&d->lock, flags);
	if (ret)
		return ret;

	/* Instructions are short and never sleep while running. */
	wait_event(d->ctl_wq, sim_quiesced(d));
	return 0;
}

int sim_unpause(struct sim_domain *d)
{
	unsigned long flags;
	int ret = 0;

	spin_lock_irqsave(&d->lock, flags);
	if (d->dying)
		ret = -ESRCH;
	else if (!d->pause_count)
		ret = -EINVAL;
	else if (!--d->pause_count)
		sim_wake_all(d);
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}

void sim_vcpu_set_running(struct sim_domain *d, struct sim_vcpu *v)
{
	lockdep_assert_held(&d->lock);
	v->running = true;
	d->nr_running++;
}

void sim_vcpu_clear_running(struct sim_domain *d, struct sim_vcpu *v)
{
	lockdep_assert_held(&d->lock);
	if (!v->running)
		return;
	v->running = false;
	if (!--d->nr_running)
		wake_up_all(&d->ctl_wq);
}

/*
 * Wait condition: may the vCPU run? On death it may not, but the wait is
 * over (*dead). With @want_rsp, also wait until the vCPU's responses have
 * caught up with that sequence number (storms waiting for async answers),
 * or the ring is gone and no answer will come.
 */
static bool sim_vcpu_try_run(struct sim_domain *d, struct sim_vcpu *v,
			     const u32 *want_rsp, bool *dead)
{
	unsigned long flags;
	bool ret = false;

	spin_lock_irqsave(&d->lock, flags);
	if (d->dying) {
		*dead = true;
		ret = true;
	} else if (!d->pause_count && !v->ve_pause && !v->throttled &&
		   (!want_rsp || !d->ring ||
		    (s32)(v->rsp_seq - *want_rsp) >= 0)) {
		sim_vcpu_set_running(d, v);
		ret = true;
	}
	spin_unlock_irqrestore(&d->lock, flags);
	return ret;
}

/*
 * What Xen's hvm_do_resume()/hvm_vm_event_do_resume() do when a vCPU is
 * scheduled again: load registers from a SET_REGISTERS response, hand
 * over a pending emulation, perform deferred CR/MSR writes that were not
 * denied, deliver a pending injection.
 */
static void sim_vcpu_resume(struct sim_domain *d, struct sim_vcpu *v,
			    struct sim_resume *res)
{
	struct sim_vm_event *ve = &v->ve;
	struct sim_regs *r = &v->regs;
	unsigned long flags;
	u64 *msr;

	memset(res, 0, sizeof(*res));
	res->inject = -1;

	spin_lock_irqsave(&d->lock, flags);
	if (ve->set_gprs) {
		r->g = ve->gprs;
		ve->set_gprs = false;
		res->regs_set = true;
	}
	if (ve->emulate_flags) {
		res->emulate_flags = ve->emulate_flags;
		v->read_size = ve->read_size;
		memcpy(v->read, ve->read, sizeof(v->read));
		ve->emulate_flags = 0;
	}
	/* Xen's order: CR0, CR4, CR3, MSR. */
	if (ve->write_cr & BIT(XVE_X86_CR0)) {
		r->cr0 = ve->cr[XVE_X86_CR0];
		res->written |= BIT(XVE_X86_CR0);
	}
	if (ve->write_cr & BIT(XVE_X86_CR4)) {
		r->cr4 = ve->cr[XVE_X86_CR4];
		res->written |= BIT(XVE_X86_CR4);
	}
	if (ve->write_cr & BIT(XVE_X86_CR3)) {
		r->cr3 = ve->cr[XVE_X86_CR3];
		res->written |= BIT(XVE_X86_CR3);
	}
	ve->write_cr = 0;
	if (ve->write_msr) {
		/* The slot was reserved when the write was attempted. */
		msr = sim_msr_ptr(v, ve->msr, true);
		if (msr) {
			*msr = ve->msr_value;
			res->written |= SIM_WRITTEN_MSR;
		}
		ve->write_msr = false;
	}
	if (v->inject.pending) {
		res->inject = v->inject.vector;
		v->inject.pending = false;
	}
	spin_unlock_irqrestore(&d->lock, flags);
}

/*
 * Start a guest instruction: own the vCPU, wait until it may run, resume.
 * Returns SIM_OK (running; call sim_vcpu_exit() when done), SIM_DEAD
 * (call sim_vcpu_exit() too) or -EINTR.
 */
int sim_vcpu_enter(struct sim_domain *d, struct sim_vcpu *v,
		   struct sim_resume *res)
{
	bool dead = false;

	if (mutex_lock_interruptible(&v->run_lock))
		return -EINTR;
	if (wait_event_interruptible(v->wq, sim_vcpu_try_run(d, v, NULL,
							     &dead))) {
		mutex_unlock(&v->run_lock);
		return -EINTR;
	}
	if (dead)
		return SIM_DEAD;
	sim_vcpu_resume(d, v, res);
	/*
	 * Emulation left over from an instruction whose task gave up
	 * waiting (-EINTR) belonged to that instruction: drop it.
	 */
	res->emulate_flags = 0;
	return SIM_OK;
}

void sim_vcpu_exit(struct sim_domain *d, struct sim_vcpu *v)
{
	unsigned long flags;

	spin_lock_irqsave(&d->lock, flags);
	sim_vcpu_clear_running(d, v);
	spin_unlock_irqrestore(&d->lock, flags);
	mutex_unlock(&v->run_lock);
}

/*
 * The vCPU stops running (it raised a sync event, was throttled, or its
 * task waits for an answer) and comes back when it may run again.
 * Returns SIM_OK with @res filled, SIM_DEAD or -EINTR.
 */
int sim_vcpu_block(struct sim_domain *d, struct sim_vcpu *v,
		   const u32 *want_rsp, struct sim_resume *res)
{
	unsigned long flags;
	bool dead = false;

	spin_lock_irqsave(&d->lock, flags);
	sim_vcpu_clear_running(d, v);
	spin_unlock_irqrestore(&d->lock, flags);

	if (wait_event_interruptible(v->wq, sim_vcpu_try_run(d, v, want_rsp,
							     &dead)))
		return -EINTR;
	if (dead)
		return SIM_DEAD;
	sim_vcpu_resume(d, v, res);
	return SIM_OK;
}

/*
 * The storage of an MSR: a named one, or one of SIM_MSR_OTHER slots for
 * the rest (allocated on the first write with @create). NULL if the MSR
 * was never written and cannot be (no slot left, or !@create).
 */
u64 *sim_msr_ptr(struct sim_vcpu *v, u32 msr, bool create)
{
	struct sim_regs *r = &v->regs;
	u32 i;

	lockdep_assert_held(&v->d->lock);
	switch (msr) {
	case 0x174:
		return &r->sysenter_cs;
	case 0x175:
		return &r->sysenter_esp;
	case 0x176:
		return &r->sysenter_eip;
	case 0xc0000080:
		return &r->efer;
	case 0xc0000081:
		return &r->star;
	case 0xc0000082:
		return &r->lstar;
	case 0xc0000083:
		return &r->cstar;
	case 0xc0000084:
		return &r->sfmask;
	case 0xc0000100:
		return &r->fs_base;
	case 0xc0000101:
		return &r->gs_base;
	case 0xc0000102:
		return &r->shadow_gs;
	}
	for (i = 0; i < r->msr_other_nr; i++)
		if (r->msr_other_idx[i] == msr)
			return &r->msr_other_val[i];
	if (!create || r->msr_other_nr == SIM_MSR_OTHER)
		return NULL;
	i = r->msr_other_nr++;
	r->msr_other_idx[i] = msr;
	r->msr_other_val[i] = 0;
	return &r->msr_other_val[i];
}

void sim_set_rights_locked(struct sim_domain *d, u64 gfn, u8 rights)
{
	u8 old;

	lockdep_assert_held(&d->lock);
	old = d->rights[gfn];
	if (old == rights)
		return;
	if (old == SIM_RIGHTS_RWX)
		d->nr_restricted++;
	else if (rights == SIM_RIGHTS_RWX)
		d->nr_restricted--;
	d->rights[gfn] = rights;
}

/* Accesses are 8 bytes wide at the 8-byte aligned offset in the frame. */
static u64 *sim_frame_word(struct page *page, u64 offset)
{
	return (u64 *)page_address(page) + ((offset & ~PAGE_MASK) >> 3);
}

/*
 * The page behind frame @gfn with a reference of the caller's, or NULL
 * for a never-written frame or a hole (@hole says which, if not NULL).
 * The xarray's own reference is dropped an RCU grace period after the
 * page left it (sim_frame_balloon()), so one found under rcu_read_lock()
 * still has it and get_page() is safe.
 */
static struct page *sim_frame_lookup(struct sim_domain *d, u64 gfn,
				     bool *hole)
{
	struct page *page;
	void *entry;

	rcu_read_lock();
	entry = xa_load(&d->pages, gfn);
	page = xa_is_value(entry) ? NULL : entry;
	if (page)
		get_page(page);
	rcu_read_unlock();
	if (hole)
		*hole = xa_is_value(entry);
	return page;
}

/**
 * sim_frame_get() - the page behind frame @gfn, referenced
 * @d: the domain
 * @gfn: a frame below d->nr_frames
 * @create: allocate a zeroed page for a never-written frame or a hole
 *	(process context then): what the guest's own write or Xen's
 *	populate_physmap does
 *
 * Return: the page (put_page() it), NULL without @create for a frame that
 * reads as zeroes, ERR_PTR(-ENXIO) without @create for a hole, or
 * ERR_PTR(-ENOMEM).
 */
struct page *sim_frame_get(struct sim_domain *d, u64 gfn, bool create)
{
	struct page *page, *old;
	bool hole;

	for (;;) {
		page = sim_frame_lookup(d, gfn, &hole);
		if (page)
			return page;
		if (!create)
			return hole ? ERR_PTR(-ENXIO) : NULL;
		page = alloc_page(GFP_KERNEL | __GFP_ZERO);
		if (!page)
			return ERR_PTR(-ENOMEM);
		old = xa_cmpxchg(&d->pages, gfn,
				 hole ? SIM_FRAME_HOLE : NULL, page,
				 GFP_KERNEL);
		if (old == (hole ? SIM_FRAME_HOLE : NULL)) {
			get_page(page);		/* the caller's */
			return page;
		}
		__free_page(page);
		if (xa_is_err(old))
			return ERR_PTR(xa_err(old));
		/* Someone else populated or ballooned it: look again. */
	}
}

/* The guest reads its memory: a hole reads as zeroes. */
u64 sim_frame_read(struct sim_domain *d, u64 gfn, u64 offset)
{
	struct page *page = sim_frame_lookup(d, gfn, NULL);
	u64 val;

	if (!page)
		return 0;
	val = READ_ONCE(*sim_frame_word(page, offset));
	put_page(page);
	return val;
}

/* Process context: the guest's write populates the frame if needed. */
int sim_frame_write(struct sim_domain *d, u64 gfn, u64 offset, u64 val)
{
	struct page *page = sim_frame_get(d, gfn, true);

	if (IS_ERR(page))
		return PTR_ERR(page);
	WRITE_ONCE(*sim_frame_word(page, offset), val);
	put_page(page);
	return 0;
}

static void sim_frame_free_rcu(struct rcu_head *head)
{
	put_page(container_of(head, struct page, rcu_head));
}

/**
 * sim_frame_balloon() - the guest gives frame @gfn back (Xen's
 * XENMEM_decrease_reservation from a balloon driver)
 * @d: the domain
 * @gfn: a frame below d->nr_frames
 *
 * The gfn becomes a hole: foreign reads and maps of it fail with -ENXIO
 * until the guest writes it again. The page itself lives on for as long
 * as anyone holds a reference: a mapping made before keeps it, as Xen's
 * foreign-map reference keeps a frame out of its heap.
 *
 * Return: 0, or -ENOMEM.
 */
int sim_frame_balloon(struct sim_domain *d, u64 gfn)
{
	void *old = xa_store(&d->pages, gfn, SIM_FRAME_HOLE, GFP_KERNEL);

	if (xa_is_err(old))
		return xa_err(old);
	/* Lookups under RCU may still hold it without a reference. */
	if (old && !xa_is_value(old))
		call_rcu(&((struct page *)old)->rcu_head, sim_frame_free_rcu);
	return 0;
}
