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
#include "ktasks.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: xenintro ps [--json] [--timeout SECS] [--device PATH] GUEST KERNEL_IMAGE\n"
		   "  the guest's processes from its task list, with the CR3 of each\n");
}

static void print_tasks(const struct ktask *v, long n, bool json,
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
	struct ktask *tasks = NULL;
	struct xi_kprofile prof;
	struct ktask_walker w;
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
	n = ktask_walk(&w, init->addr + g.r.slide, &tasks);
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
