// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xenintro ps: a running Linux guest's processes, read from its task
 * list, with nothing but the guest's kernel image on dom0's side.
 *
 * The image gives the layout (task_struct's tasks, comm, pid, tgid, mm,
 * real_parent and mm_struct.pgd, from its BTF: common/kprofile.c) and the
 * address of init_task (its kallsyms: common/ksyms.c); the guest gives
 * its KASLR slide (kaslr.c, checked by two anchors). Then the list that
 * starts at init_task.tasks is followed through the guest's memory, with
 * the kernel page tables of the event the slide came from: every process
 * (thread group leader), as the kernel keeps them, with its parent and,
 * for a user process, the CR3 its page tables are loaded with (mm->pgd,
 * translated).
 *
 * The guest keeps running while the list is read, so it is a snapshot
 * of a moving list: a task that exits meanwhile can end the walk early
 * (reported), never make it loop (the walk is bounded) or read outside
 * the guest (every read goes through READ_MEM).
 *
 * Exit: 0, 1 usage, 3 cannot attach, 5 the image, the slide or the walk
 * failed (the message says where).
 */
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenintro/libxenintro.h>

#include "cli.h"
#include "kprofile.h"
#include "ksyms.h"

/* More processes than a guest has: the walk's bound. */
#define PS_MAX_TASKS	65536

struct ps_task {
	uint64_t addr;
	uint32_t pid;
	uint32_t tgid;
	uint32_t ppid;
	uint64_t cr3;		/* 0 for a kernel thread */
	char comm[17];
};

static void usage(FILE *f)
{
	fprintf(f, "usage: xenintro ps [--json] [--timeout SECS] [--device PATH] GUEST KERNEL_IMAGE\n"
		   "  the guest's processes from its task list, with the CR3 of each\n");
}

struct walker {
	struct xenintro *x;
	struct xenintro_mem_root root;
	const struct xi_kprofile *p;
	char why[256];
};

/* @n reads in one READ_MEM; 0 or -1 with @w->why. */
static int read_fields(struct walker *w, const uint64_t *addr,
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
static int read_task(struct walker *w, uint64_t task, struct ps_task *t,
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
		if (!read_fields(w, &ma, &mb, &ml, 1) &&
		    !xenintro_translate(w->x, &w->root, pgd, &tr) &&
		    tr.stop == XENINTRO_STOP_NONE)
			t->cr3 = tr.gpa;
	}
	return 0;
}

/* Follow init_task.tasks around; the tasks in *@out, their number back. */
static long walk_tasks(struct walker *w, uint64_t init_task,
		       struct ps_task **out)
{
	const long *off = w->p->offset;
	uint64_t head = init_task + off[XI_KF_TASK_TASKS], cur, next;
	struct ps_task *v = calloc(PS_MAX_TASKS, sizeof(*v));
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
		if (n == PS_MAX_TASKS) {
			snprintf(w->why, sizeof(w->why),
				 "more than %d tasks: the list does not come back to init_task",
				 PS_MAX_TASKS);
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

static void print_tasks(const struct ps_task *v, long n, bool json,
			uint64_t slide)
{
	json_t *arr, *o;
	long i;

	if (!json) {
		printf("%7s %7s %7s %18s  %s\n", "PID", "PPID", "TGID", "CR3",
		       "COMM");
		for (i = 0; i < n; i++)
			printf("%7u %7u %7u %#18" PRIx64 "  %s\n", v[i].pid,
			       v[i].ppid, v[i].tgid, v[i].cr3, v[i].comm);
		printf("# %ld processes, slide 0x%" PRIx64 "\n", n, slide);
		return;
	}
	arr = json_array();
	for (i = 0; i < n; i++) {
		char cr3[24], addr[24];

		snprintf(cr3, sizeof(cr3), "0x%" PRIx64, v[i].cr3);
		snprintf(addr, sizeof(addr), "0x%" PRIx64, v[i].addr);
		o = json_pack("{s:I, s:I, s:I, s:s, s:s, s:s}",
			      "pid", (json_int_t)v[i].pid,
			      "ppid", (json_int_t)v[i].ppid,
			      "tgid", (json_int_t)v[i].tgid,
			      "cr3", cr3, "task", addr, "comm", v[i].comm);
		json_array_append_new(arr, o);
	}
	json_dumpf(arr, stdout, JSON_INDENT(2));
	putchar('\n');
	json_decref(arr);
}

int cmd_ps(int argc, char **argv)
{
	const struct xi_ksym *init;
	struct ps_task *tasks = NULL;
	struct xi_kprofile prof;
	struct walker w;
	struct kguest g;
	struct diag d;
	int ret, rc = 5;
	long n;

	ret = kguest_open(&g, "ps", argc, argv, usage);
	if (ret)
		return ret < 0 ? 0 : ret;
	diag_init(&d, g.image);
	if (xi_kprofile_from(&g.k, &prof, &d)) {
		fprintf(stderr, "xenintro ps: %s\n", d.msg);
		goto out;
	}
	init = xi_ksyms_find(&g.s, "init_task");
	if (!init) {
		fprintf(stderr, "xenintro ps: %s: no init_task\n", g.image);
		goto out;
	}
	if (kguest_slide(&g))
		goto out;
	memset(&w, 0, sizeof(w));
	w.x = &g.x;
	w.p = &prof;
	/* kernel addresses are mapped alike in every process's tables */
	w.root = xenintro_root_regs(&g.r.regs);
	n = walk_tasks(&w, init->addr + g.r.slide, &tasks);
	if (n < 0) {
		fprintf(stderr, "xenintro ps: domain %u: task list: %s\n",
			g.domid, w.why);
		goto out;
	}
	print_tasks(tasks, n, g.json, g.r.slide);
	free(tasks);
	rc = 0;
out:
	kguest_close(&g);
	return rc;
}
