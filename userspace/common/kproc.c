// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <errno.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kprofile.h"
#include "kproc.h"

/* vCPUs a guest can have (XENINTRO's vCPU masks cover 128) */
#define KPROC_VCPUS_MAX		128

/* CR3's address bits (PCID, flags and the no-flush bit 63 dropped) */
#define CR3_ADDR(v)	((v) & 0x000ffffffffff000ULL)

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/*
 * The kernel's own address space: init_mm.pgd, translated through vCPU
 * 0's tables. Without it a CR3 write to it (a kernel thread's, an exiting
 * process's) would send every such event to a walk that cannot find it.
 */
static void init_mm_cr3(struct kproc *kp, struct kenv *e)
{
	struct xenintro_mem_root root = xenintro_root_vcpu(0);
	struct xenintro_translate t;
	uint64_t init_mm, pgd;

	if (e->env.symbol(&e->env, "init_mm", &init_mm) ||
	    xenintro_read_virt(kp->x, &root,
			       init_mm + (uint64_t)kp->prof.offset[XI_KF_MM_PGD],
			       &pgd, sizeof(pgd)) != (int64_t)sizeof(pgd) ||
	    xenintro_translate(kp->x, &root, pgd, &t) ||
	    t.stop != XENINTRO_STOP_NONE)
		return;
	kp->swapper_cr3 = CR3_ADDR(t.gpa);
	/* named as the task that owns it: init_task ("swapper/0") */
	kp->swapper.task = kp->init_task;
	if (xenintro_read_virt(kp->x, &root, kp->init_task +
			       (uint64_t)kp->prof.offset[XI_KF_TASK_COMM],
			       kp->swapper.comm, KPROC_COMM_LEN - 1) < 0)
		strcpy(kp->swapper.comm, "swapper");
}

int kproc_init(struct kproc *kp, struct kenv *e, struct xenintro *x,
	       bool cache, char *why, size_t len)
{
	const struct xi_kprofile *prof;
	const struct xi_ksym *cur;

	memset(kp, 0, sizeof(*kp));
	prof = kenv_profile(e, why, len);
	if (!prof)
		return -1;
	cur = xi_ksyms_find(&e->s, "current_task");
	if (!cur) {
		snprintf(why, len, "%s: no symbol current_task", e->sym_path);
		return -1;
	}
	kp->x = x;
	kp->prof = *prof;
	if (e->env.symbol(&e->env, "init_task", &kp->init_task)) {
		snprintf(why, len, "%s: no symbol init_task", e->sym_path);
		return -1;
	}
	init_mm_cr3(kp, e);
	/* a per-CPU offset: the same in every boot, no slide */
	kp->current_task = cur->addr;
	kp->off_pid = prof->offset[XI_KF_TASK_PID];
	kp->off_tgid = prof->offset[XI_KF_TASK_TGID];
	kp->off_comm = prof->offset[XI_KF_TASK_COMM];
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
	free(kp->owners);
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

/* Walk the task list again: the address spaces in kp->owners. */
static int walk(struct kproc *kp, const struct xenintro_mem_root *root)
{
	struct ktask_walker w = { .x = kp->x, .root = *root, .p = &kp->prof };
	struct kproc_owner *o;
	struct ktask *t;
	long n, i;

	kp->last_walk_ms = now_ms();
	kp->walks++;
	n = ktask_walk(&w, kp->init_task, &t);
	if (n < 0)
		return -EIO;
	o = calloc((size_t)n, sizeof(*o));
	if (!o) {
		free(t);
		return -ENOMEM;
	}
	free(kp->owners);
	kp->owners = o;
	kp->nr_owners = 0;
	for (i = 0; i < n; i++) {
		if (!t[i].cr3)
			continue;	/* a kernel thread */
		o->cr3 = CR3_ADDR(t[i].cr3);
		o->mm = t[i].mm;
		o->pgd = t[i].pgd;
		o->id.task = t[i].addr;
		o->id.pid = (int32_t)t[i].pid;
		o->id.tgid = (int32_t)t[i].tgid;
		/* comm is 16 bytes with its NUL in the guest too */
		memcpy(o->id.comm, t[i].comm, KPROC_COMM_LEN - 1);
		o++;
		kp->nr_owners++;
	}
	free(t);
	return 0;
}

/* Is @o still what the walk saw? One READ_MEM of three fields. */
static bool still_owner(struct kproc *kp, const struct xenintro_mem_root *root,
			const struct kproc_owner *o)
{
	const long *off = kp->prof.offset;
	uint64_t mm = 0, pgd = 0;
	int32_t pid = 0;
	struct xenintro_mem_seg seg[3] = {
		{ .addr = o->id.task + (uint64_t)off[XI_KF_TASK_MM],
		  .buf = (uintptr_t)&mm, .len = 8, .flags = XENINTRO_SEG_VIRT },
		{ .addr = o->id.task + (uint64_t)off[XI_KF_TASK_PID],
		  .buf = (uintptr_t)&pid, .len = 4, .flags = XENINTRO_SEG_VIRT },
		{ .addr = o->mm + (uint64_t)off[XI_KF_MM_PGD],
		  .buf = (uintptr_t)&pgd, .len = 8, .flags = XENINTRO_SEG_VIRT },
	};

	if (xenintro_read_segs(kp->x, root, seg, 3) || seg[0].done != 8 ||
	    seg[1].done != 4 || seg[2].done != 8)
		return false;
	return mm == o->mm && pid == o->id.pid && pgd == o->pgd;
}

static const struct kproc_owner *find_owner(struct kproc *kp, uint64_t cr3)
{
	size_t i;

	for (i = 0; i < kp->nr_owners; i++)
		if (kp->owners[i].cr3 == cr3)
			return &kp->owners[i];
	return NULL;
}

int kproc_cr3_owner(struct kproc *kp, const struct xenintro_event *ev,
		    uint64_t cr3, struct kproc_id *id)
{
	struct xenintro_mem_root root;
	const struct kproc_owner *o;
	int ret;

	cr3 = CR3_ADDR(cr3);
	if (cr3 && cr3 == kp->swapper_cr3) {
		*id = kp->swapper;
		return 0;
	}
	root = xenintro_event_needs_verdict(ev) ? xenintro_root_event(ev) :
						   xenintro_root_regs(&ev->regs);
	o = find_owner(kp, cr3);
	if (o && still_owner(kp, &root, o)) {
		*id = o->id;
		kp->hits++;
		return 0;
	}
	/* not there, or no longer true: the list again, not too often */
	if (now_ms() - kp->last_walk_ms < KPROC_WALK_MS)
		return -ENOENT;
	ret = walk(kp, &root);
	if (ret)
		return ret;
	o = find_owner(kp, cr3);
	if (!o)
		return -ENOENT;
	*id = o->id;
	kp->reads++;
	return 0;
}
