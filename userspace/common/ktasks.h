/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A running Linux guest's task list, read through its memory: the list
 * that starts at init_task.tasks, with the offsets of kprofile.h. Used by
 * `xenintro ps` and by the agent to name the process a CR3 belongs to.
 *
 * The guest keeps running while the list is read, so it is a snapshot of
 * a moving list: a task that exits meanwhile can end the walk early
 * (reported), never make it loop (the walk is bounded) or read outside
 * the guest (every read goes through READ_MEM).
 */
#ifndef XI_KTASKS_H
#define XI_KTASKS_H

#include <stdint.h>

#include <xenintro/libxenintro.h>

#include "kprofile.h"

/* More processes than a guest has: the walk's bound. */
#define KTASKS_MAX	65536

struct ktask {
	uint64_t addr;		/* the task_struct */
	uint32_t pid;
	uint32_t tgid;
	uint32_t ppid;
	uint64_t mm;		/* 0 for a kernel thread */
	uint64_t pgd;		/* mm->pgd, a kernel virtual address */
	uint64_t cr3;		/* pgd's guest-physical address, or 0 */
	char comm[17];
};

/**
 * struct ktask_walker - what a walk reads with
 * @x: the session
 * @root: page tables with the kernel mapped (any process's will do)
 * @p: the offsets
 * @why: why the last call failed
 */
struct ktask_walker {
	struct xenintro *x;
	struct xenintro_mem_root root;
	const struct xi_kprofile *p;
	char why[256];
};

/*
 * The tasks from @init_task (its guest address) around the list, in a
 * malloc'd array in *@out; their number, or -1 with @w->why.
 */
long ktask_walk(struct ktask_walker *w, uint64_t init_task,
		struct ktask **out);

#endif /* XI_KTASKS_H */
