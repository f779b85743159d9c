// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ktasks.h"

/* @n reads in one READ_MEM; 0 or -1 with @w->why. */
static int read_fields(struct ktask_walker *w, const uint64_t *addr,
		       void *const *buf, const uint32_t *len, unsigned int n)
{
	struct xenintro_mem_seg seg[8];
	unsigned int i;
	int ret;

	memset(seg, 0, sizeof(seg));
	for (i = 0; i < n; i++) {
		seg[i].addr = addr[i];
		seg[i].buf = (uintptr_t)buf[i];
		seg[i].len = len[i];
		seg[i].flags = XENINTRO_SEG_VIRT;
	}
	ret = xenintro_read_segs(w->x, &w->root, seg, n);
	if (ret) {
		snprintf(w->why, sizeof(w->why), "READ_MEM: %s",
			 strerror(-ret));
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (seg[i].done != len[i]) {
			snprintf(w->why, sizeof(w->why),
				 "guest address 0x%" PRIx64 " unreadable (stop %u)",
				 (uint64_t)seg[i].stop_addr, seg[i].stop);
			return -1;
		}
	}
	return 0;
}

/* One task_struct at @task; its list successor in *@next. */
static int read_task(struct ktask_walker *w, uint64_t task, struct ktask *t,
		     uint64_t *next)
{
	const long *off = w->p->offset;
	uint64_t mm = 0, parent = 0, pgd = 0;
	struct xenintro_translate tr;
	uint32_t ppid = 0;
	uint64_t a[6] = {
		task + off[XI_KF_TASK_COMM], task + off[XI_KF_TASK_PID],
		task + off[XI_KF_TASK_TGID], task + off[XI_KF_TASK_MM],
		task + off[XI_KF_TASK_REAL_PARENT],
		task + off[XI_KF_TASK_TASKS] + off[XI_KF_LIST_NEXT],
	};
	void *b[6] = { t->comm, &t->pid, &t->tgid, &mm, &parent, next };
	const uint32_t l[6] = { 16, 4, 4, 8, 8, 8 };

	memset(t, 0, sizeof(*t));
	t->addr = task;
	/* one system call for the task's own fields */
	if (read_fields(w, a, b, l, 6))
		return -1;
	t->comm[16] = '\0';
	if (parent) {
		uint64_t pa = parent + off[XI_KF_TASK_PID];
		void *pb = &ppid;
		uint32_t pl = 4;

		if (!read_fields(w, &pa, &pb, &pl, 1))
			t->ppid = ppid;
	}
	if (mm) {
		uint64_t ma = mm + off[XI_KF_MM_PGD];
		void *mb = &pgd;
		uint32_t ml = 8;

		/* pgd is a direct-map address; CR3 is its guest-physical one */
		t->mm = mm;
		if (!read_fields(w, &ma, &mb, &ml, 1)) {
			t->pgd = pgd;
			if (!xenintro_translate(w->x, &w->root, pgd, &tr) &&
			    tr.stop == XENINTRO_STOP_NONE)
				t->cr3 = tr.gpa;
		}
	}
	return 0;
}

/* Follow init_task.tasks around; the tasks in *@out, their number back. */
long ktask_walk(struct ktask_walker *w, uint64_t init_task,
		       struct ktask **out)
{
	const long *off = w->p->offset;
	uint64_t head = init_task + off[XI_KF_TASK_TASKS], cur, next;
	struct ktask *v = calloc(KTASKS_MAX, sizeof(*v));
	long n = 0;

	if (!v) {
		snprintf(w->why, sizeof(w->why), "out of memory");
		return -1;
	}
	if (read_task(w, init_task, &v[n], &cur)) {
		free(v);
		return -1;
	}
	n++;
	while (cur != head) {
		if (n == KTASKS_MAX) {
			snprintf(w->why, sizeof(w->why),
				 "more than %d tasks: the list does not come back to init_task",
				 KTASKS_MAX);
			free(v);
			return -1;
		}
		if (read_task(w, cur - off[XI_KF_TASK_TASKS], &v[n], &next)) {
			free(v);
			return -1;
		}
		n++;
		cur = next;
	}
	*out = v;
	return n;
}

