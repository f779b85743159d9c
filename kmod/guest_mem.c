// SPDX-License-Identifier: GPL-2.0
/*
 * Guest memory: READ_MEM, WRITE_MEM and TRANSLATE (see the uAPI header).
 *
 * Each call runs under the domain's ctl_lock, which keeps teardown (and
 * with it the backend's mappings) away until it returns; the backend's
 * frame accessors may sleep. Memory is moved a guest page at a time
 * through one bounce page, so no user page is ever pinned and a guest
 * frame is mapped only for the copy. Virtual addresses are translated by
 * walk.c for every page anew: there is no translation cache to go stale.
 * Long calls reschedule between pages and stop on a fatal signal.
 */
#include <linux/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "xenintro.h"

#define XENINTRO_ROOTF_ALL	(XENINTRO_ROOTF_NXE | XENINTRO_ROOTF_PSE)

/* The walker's view of guest-physical memory: the backend's accessor. */
static int xenintro_gpa_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	struct xenintro_domain *dom = ctx;

	return dom->ops->read_gpa(dom, gpa, buf, len);
}

/* A well-formed root: each kind's fields, the others zero. -EINVAL else. */
static int xenintro_root_check(struct xenintro_domain *dom,
			       const struct xenintro_mem_root *root)
{
	switch (root->kind) {
	case XENINTRO_ROOT_CR3:
		return (root->vcpu || root->seq ||
			root->mode > XENINTRO_PAGING_LM5 ||
			(root->flags & ~XENINTRO_ROOTF_ALL)) ? -EINVAL : 0;
	case XENINTRO_ROOT_VCPU:
		return (root->seq || root->cr3 || root->mode || root->flags ||
			root->vcpu >= dom->hv.max_vcpus) ? -EINVAL : 0;
	case XENINTRO_ROOT_EVENT:
		return (root->cr3 || root->mode || root->flags ||
			root->vcpu >= dom->hv.max_vcpus) ? -EINVAL : 0;
	default:
		return -EINVAL;
	}
}

/*
 * The paging a checked root names. ctl_lock held. 0, -ENOENT for an event
 * that is not pending, or the backend's error reading a vCPU.
 */
static int xenintro_root_paging(struct xenintro_domain *dom,
				const struct xenintro_mem_root *root,
				struct xenintro_paging *pg)
{
	const struct xve_regs_x86 *r;
	struct xenintro_pending *p;
	u64 cr0, cr3, cr4, efer;
	unsigned long flags;
	int ret = 0;

	switch (root->kind) {
	case XENINTRO_ROOT_CR3:
		memset(pg, 0, sizeof(*pg));
		pg->cr3 = root->cr3;
		pg->mode = root->mode;
		pg->nxe = root->flags & XENINTRO_ROOTF_NXE;
		pg->pse = root->flags & XENINTRO_ROOTF_PSE;
		return 0;
	case XENINTRO_ROOT_VCPU:
		ret = dom->ops->vcpu_paging(dom, root->vcpu, &cr0, &cr3, &cr4,
					    &efer);
		break;
	default:	/* XENINTRO_ROOT_EVENT */
		spin_lock_irqsave(&dom->lock, flags);
		p = &dom->pending[root->vcpu];
		if (dom->state != XENINTRO_DOM_ATTACHED || !p->active ||
		    p->seq != root->seq) {
			ret = -ENOENT;
		} else {
			r = &p->req.data.x86;
			cr0 = r->cr0;
			cr3 = r->cr3;
			cr4 = r->cr4;
			efer = r->msr_efer;
		}
		spin_unlock_irqrestore(&dom->lock, flags);
		break;
	}
	if (!ret)
		xenintro_paging_from_regs(pg, cr0, cr3, cr4, efer);
	return ret;
}

/*
 * Move one segment, a page at a time. Returns -EINTR if a fatal signal
 * stopped it (the segment's outputs are still valid), else 0.
 */
static int xenintro_seg_run(struct xenintro_domain *dom,
			    const struct xenintro_paging *pg,
			    struct xenintro_mem_seg *seg, bool write,
			    void *bounce)
{
	u8 __user *ubuf = u64_to_user_ptr(seg->buf);
	u64 addr = seg->addr, gpa;
	struct xenintro_walk w;
	u32 left = seg->len, chunk;
	int ret;

	seg->done = 0;
	seg->stop = XENINTRO_STOP_NONE;
	seg->stop_addr = 0;
	while (left) {
		if (seg->flags & XENINTRO_SEG_VIRT) {
			ret = xenintro_walk(pg, addr, xenintro_gpa_read, dom,
					    &w);
			if (ret) {
				seg->stop = w.stop;
				break;
			}
			gpa = w.gpa;
		} else {
			gpa = addr;
		}
		/* Never past the end of this (4K) page: the next is walked. */
		chunk = min_t(u64, left, PAGE_SIZE - offset_in_page(gpa));
		if (write && copy_from_user(bounce, ubuf + seg->done, chunk)) {
			seg->stop = XENINTRO_STOP_USER_FAULT;
			break;
		}
		ret = write ? dom->ops->write_gpa(dom, gpa, bounce, chunk) :
			      dom->ops->read_gpa(dom, gpa, bounce, chunk);
		if (ret) {
			seg->stop = XENINTRO_STOP_OUTSIDE;
			break;
		}
		if (!write && copy_to_user(ubuf + seg->done, bounce, chunk)) {
			seg->stop = XENINTRO_STOP_USER_FAULT;
			break;
		}
		seg->done += chunk;
		addr += chunk;
		left -= chunk;
		if (write)
			dom->mem_writes += chunk;
		if (fatal_signal_pending(current)) {
			seg->stop_addr = addr;
			return -EINTR;
		}
		cond_resched();
	}
	if (seg->stop != XENINTRO_STOP_NONE)
		seg->stop_addr = addr;
	return 0;
}

static int xenintro_seg_check(const struct xenintro_mem_seg *seg)
{
	if (seg->flags & ~XENINTRO_SEG_VIRT)
		return -EINVAL;
	if (!seg->len || seg->len > XENINTRO_MEM_SEG_MAX || !seg->buf)
		return -EINVAL;
	/* The segment must not wrap around the address space. */
	if (seg->addr + seg->len - 1 < seg->addr)
		return -EINVAL;
	/* done, stop and stop_addr are outputs: whatever they hold is ignored */
	if (seg->reserved)
		return -EINVAL;
	return 0;
}

/* Copy the segment records in, each checked. */
static struct xenintro_mem_seg *xenintro_segs_in(const struct xenintro_mem *m,
						 bool *any_virt)
{
	const u8 __user *src = u64_to_user_ptr(m->segs);
	struct xenintro_mem_seg *segs;
	u32 i;
	int ret;

	segs = kvmalloc_array(m->nr_segs, sizeof(*segs), GFP_KERNEL_ACCOUNT);
	if (!segs)
		return ERR_PTR(-ENOMEM);
	*any_virt = false;
	for (i = 0; i < m->nr_segs; i++) {
		ret = copy_struct_from_user(&segs[i], sizeof(segs[i]),
					    src + (size_t)i * m->seg_size,
					    m->seg_size);
		if (!ret)
			ret = xenintro_seg_check(&segs[i]);
		if (ret) {
			kvfree(segs);
			return ERR_PTR(ret);
		}
		*any_virt |= segs[i].flags & XENINTRO_SEG_VIRT;
	}
	return segs;
}

/* Write each segment's outputs (done, stop, stop_addr) back. */
static int xenintro_segs_out(const struct xenintro_mem *m,
			     const struct xenintro_mem_seg *segs)
{
	u8 __user *dst = u64_to_user_ptr(m->segs);
	const size_t off = offsetof(struct xenintro_mem_seg, done);
	const size_t len = offsetofend(struct xenintro_mem_seg, stop_addr) -
			   off;
	u32 i;

	for (i = 0; i < m->nr_segs; i++)
		if (copy_to_user(dst + (size_t)i * m->seg_size + off,
				 (const u8 *)&segs[i] + off, len))
			return -EFAULT;
	return 0;
}

/**
 * xenintro_ioctl_mem() - XENINTRO_IOC_READ_MEM and XENINTRO_IOC_WRITE_MEM
 * @dom: the domain
 * @m: the request; @m->bytes is written back
 * @write: WRITE_MEM
 *
 * Return: 0 (however the segments ended), or a negative errno with nothing
 * transferred (see struct xenintro_mem); -EINTR after a fatal signal.
 */
int xenintro_ioctl_mem(struct xenintro_domain *dom, struct xenintro_mem *m,
		       bool write)
{
	struct xenintro_mem_seg *segs;
	struct xenintro_paging pg = {};
	bool any_virt;
	void *bounce;
	int ret = 0;
	u32 i;

	if (!(dom->features & (write ? XENINTRO_FEATURE_MEM_WRITE :
					XENINTRO_FEATURE_MEMORY)))
		return -EOPNOTSUPP;
	if (m->flags || m->reserved[0] || m->reserved[1])
		return -EINVAL;
	m->bytes = 0;
	if (!m->nr_segs || m->nr_segs > XENINTRO_MEM_SEGS_MAX || !m->segs ||
	    m->seg_size < sizeof(struct xenintro_mem_seg) ||
	    m->seg_size > PAGE_SIZE)
		return -EINVAL;

	segs = xenintro_segs_in(m, &any_virt);
	if (IS_ERR(segs))
		return PTR_ERR(segs);
	bounce = (void *)__get_free_page(GFP_KERNEL);
	if (!bounce) {
		kvfree(segs);
		return -ENOMEM;
	}

	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down) {
		ret = -ESRCH;
		goto out_unlock;
	}
	/*
	 * Checked even when unused (reserved fields stay reserved), but only
	 * resolved (a hypercall for ROOT_VCPU) when a segment needs it.
	 */
	ret = xenintro_root_check(dom, &m->root);
	if (!ret && any_virt)
		ret = xenintro_root_paging(dom, &m->root, &pg);
	if (ret)
		goto out_unlock;
	for (i = 0; i < m->nr_segs && !ret; i++) {
		ret = xenintro_seg_run(dom, &pg, &segs[i], write, bounce);
		m->bytes += segs[i].done;
	}
	xenintro_audit_mem(dom, m, segs, write, ret);
	if (write && m->bytes)
		pr_info_ratelimited("xenintro: dom%u: %llu bytes of guest memory written by pid %d (%s)\n",
				    dom->hv.domid, m->bytes,
				    task_pid_nr(current), current->comm);
out_unlock:
	mutex_unlock(&dom->ctl_lock);
	if (!ret || ret == -EINTR) {
		int out = xenintro_segs_out(m, segs);

		if (out)
			ret = out;
	}
	free_page((unsigned long)bounce);
	kvfree(segs);
	return ret;
}

/**
 * xenintro_ioctl_translate() - XENINTRO_IOC_TRANSLATE
 * @dom: the domain
 * @t: the request; the outputs are filled
 *
 * Return: 0 (a walk that stopped included: see @t->stop), or a negative
 * errno for a bad request.
 */
int xenintro_ioctl_translate(struct xenintro_domain *dom,
			     struct xenintro_translate *t)
{
	struct xenintro_paging pg;
	struct xenintro_walk w;
	int ret;

	if (!(dom->features & XENINTRO_FEATURE_MEMORY))
		return -EOPNOTSUPP;
	if (t->flags || t->reserved0 || t->reserved[0] || t->reserved[1])
		return -EINVAL;

	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down) {
		ret = -ESRCH;
	} else {
		ret = xenintro_root_check(dom, &t->root);
		if (!ret)
			ret = xenintro_root_paging(dom, &t->root, &pg);
		if (!ret) {
			xenintro_walk(&pg, t->gva, xenintro_gpa_read, dom, &w);
			xenintro_audit_translate(dom);
		}
	}
	mutex_unlock(&dom->ctl_lock);
	if (ret)
		return ret;

	t->gpa = w.stop == XENINTRO_STOP_NONE ? w.gpa : 0;
	t->page_size = w.stop == XENINTRO_STOP_NONE ? w.page_size : 0;
	t->rights = w.stop == XENINTRO_STOP_NONE ? w.rights : 0;
	t->mode = pg.mode;
	t->levels = w.levels;
	t->stop = w.stop;
	t->fail_level = w.fail_level;
	memcpy(t->entries, w.entries, sizeof(t->entries));
	return 0;
}
