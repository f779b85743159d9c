// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kprofile.h"
#include "kproc.h"

/* vCPUs a guest can have (XENINTRO's vCPU masks cover 128) */
#define KPROC_VCPUS_MAX		128

int kproc_init(struct kproc *kp, struct kenv *e, struct xenintro *x,
	       bool cache, char *why, size_t len)
{
	const struct xi_ksym *cur;
	struct xi_kprofile prof;
	struct diag d;

	memset(kp, 0, sizeof(*kp));
	diag_init(&d, e->path);
	if (xi_kprofile_from(&e->k, &prof, &d)) {
		snprintf(why, len, "%s: %s", e->path, d.msg);
		return -1;
	}
	cur = xi_ksyms_find(&e->s, "current_task");
	if (!cur) {
		snprintf(why, len, "%s: no symbol current_task", e->path);
		return -1;
	}
	kp->x = x;
	/* a per-CPU offset: the same in every boot, no slide */
	kp->current_task = cur->addr;
	kp->off_pid = prof.offset[XI_KF_TASK_PID];
	kp->off_tgid = prof.offset[XI_KF_TASK_TGID];
	kp->off_comm = prof.offset[XI_KF_TASK_COMM];
	kp->cache = cache;
	kp->slots = calloc(KPROC_VCPUS_MAX, sizeof(*kp->slots));
	if (!kp->slots) {
		snprintf(why, len, "out of memory");
		return -1;
	}
	kp->nr_slots = KPROC_VCPUS_MAX;
	return 0;
}

void kproc_free(struct kproc *kp)
{
	free(kp->slots);
	memset(kp, 0, sizeof(*kp));
}

void kproc_forget(struct kproc *kp, uint32_t vcpu)
{
	if (vcpu < kp->nr_slots)
		kp->slots[vcpu].valid = false;
}

/*
 * The task's pid, tgid and comm: one read from the first of them to the
 * end of comm (pid and tgid sit together, comm a few hundred bytes on).
 */
static int read_task(struct kproc *kp, const struct xenintro_mem_root *root,
		     uint64_t task, struct kproc_id *id)
{
	long lo = kp->off_pid < kp->off_comm ? kp->off_pid : kp->off_comm;
	long hi = kp->off_comm + KPROC_COMM_LEN;
	unsigned char buf[4096];
	int64_t got;

	if (kp->off_tgid < lo || kp->off_tgid + 4 > hi ||
	    kp->off_pid + 4 > hi || hi - lo > (long)sizeof(buf))
		return -EOVERFLOW;	/* a layout this reader does not fit */
	got = xenintro_read_virt(kp->x, root, task + (uint64_t)lo, buf,
				 (uint32_t)(hi - lo));
	if (got < 0)
		return (int)got;
	if (got != hi - lo)
		return -EFAULT;
	id->task = task;
	memcpy(&id->pid, buf + (kp->off_pid - lo), sizeof(id->pid));
	memcpy(&id->tgid, buf + (kp->off_tgid - lo), sizeof(id->tgid));
	memcpy(id->comm, buf + (kp->off_comm - lo), KPROC_COMM_LEN);
	id->comm[KPROC_COMM_LEN - 1] = '\0';
	return 0;
}

int kproc_current(struct kproc *kp, const struct xenintro_event *ev,
		  struct kproc_id *id)
{
	const struct xenintro_regs *r = &ev->regs;
	struct xenintro_mem_root root;
	struct kproc_slot *slot = NULL;
	uint64_t gs, task;
	int64_t got;
	int ret;

	/*
	 * The kernel's GS base holds this CPU's per-CPU area. In ring 0 it
	 * is the live GS base; in ring 3 SWAPGS has parked it in
	 * KERNEL_GS_BASE (shadow_gs).
	 */
	gs = (r->cs.selector & 3) ? r->shadow_gs : r->gs.base;
	root = xenintro_event_needs_verdict(ev) ? xenintro_root_event(ev) :
						   xenintro_root_regs(r);
	got = xenintro_read_virt(kp->x, &root, gs + kp->current_task, &task,
				 sizeof(task));
	if (got != (int64_t)sizeof(task)) {
		kp->failures++;
		return got < 0 ? (int)got : -EFAULT;
	}
	if (kp->cache && ev->vcpu < kp->nr_slots) {
		slot = &kp->slots[ev->vcpu];
		if (slot->valid && slot->id.task == task && slot->cr3 == r->cr3) {
			*id = slot->id;
			kp->hits++;
			return 0;
		}
	}
	ret = read_task(kp, &root, task, id);
	if (ret) {
		kp->failures++;
		return ret;
	}
	kp->reads++;
	if (slot) {
		slot->valid = true;
		slot->cr3 = r->cr3;
		slot->id = *id;
	}
	return 0;
}
