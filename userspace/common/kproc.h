/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The process a Linux guest was running when an event came: the per-CPU
 * current_task of the vCPU, read through the guest kernel's own data with
 * the offsets of its image's BTF (kprofile.h) and the address of its
 * kallsyms (ksyms.h), for the agent's log records and decisions.
 *
 * Cache: one entry per vCPU, keyed by the task pointer and CR3 it was
 * read under. It is used only when the policy monitors every CR3 write,
 * so that the agent sees each switch of address space: an entry is
 * dropped at its vCPU's CR3 write, and a task switch within one address
 * space (threads) changes the task pointer, which is read afresh each
 * time. Without that monitor nothing is cached: a stale name would be
 * worse than one more read.
 *
 * The owner of an address space (the process a CR3 write switches to) is
 * found in the task list (ktasks.h): mm->pgd's guest-physical address is
 * the CR3. The map from one walk is kept; a CR3 found in it is checked
 * before each use with one read (the task's mm and pid, and the mm's pgd,
 * must still be what the walk saw: an exited process's task or mm reused
 * fails it), and a CR3 not in it, or a check that fails, walks again, at
 * most every KPROC_WALK_MS.
 */
#ifndef XI_KPROC_H
#define XI_KPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenintro/libxenintro.h>

#include "kenv.h"
#include "ktasks.h"

/* the least time between two walks of the task list */
#define KPROC_WALK_MS	50

/* TASK_COMM_LEN */
#define KPROC_COMM_LEN	16

struct kproc_id {
	uint64_t task;		/* the task_struct's address */
	int32_t pid;		/* the thread */
	int32_t tgid;		/* the process (what ps calls PID) */
	char comm[KPROC_COMM_LEN];
};

struct kproc_slot {
	bool valid;
	uint64_t cr3;
	struct kproc_id id;
};

/* An address space's owner, as the last walk found it. */
struct kproc_owner {
	uint64_t cr3;		/* CR3's address bits */
	uint64_t mm, pgd;
	struct kproc_id id;
};

/**
 * struct kproc - what naming the current process needs
 * @x: the session
 * @current_task: per-CPU offset of the kernel's current_task
 * @off_pid: task_struct.pid, @off_tgid: .tgid, @off_comm: .comm
 * @cache: the policy monitors every CR3 write, so entries can be kept
 * @slots: one per vCPU seen
 * @nr_slots: their number
 * @prof: the struct offsets
 * @init_task: its guest address (slid)
 * @swapper_cr3: the kernel's own address space (init_mm.pgd), or 0
 * @swapper: init_task's name, for that one
 * @owners: the last walk's address spaces, @nr_owners of them
 * @last_walk_ms: when it was made (CLOCK_MONOTONIC)
 * @walks: walks made
 * @hits: events named from the cache
 * @reads: events named by reading the guest
 * @failures: events that could not be named
 */
struct kproc {
	struct xenintro *x;
	uint64_t current_task;
	long off_pid, off_tgid, off_comm;
	bool cache;
	struct kproc_slot *slots;
	size_t nr_slots;
	struct xi_kprofile prof;
	uint64_t init_task;
	uint64_t swapper_cr3;
	struct kproc_id swapper;
	struct kproc_owner *owners;
	size_t nr_owners;
	long long last_walk_ms;
	unsigned long long walks;
	unsigned long long hits, reads, failures;
};

/*
 * Ready @kp for the guest @x is attached to, whose kernel is @e's image
 * (live: kenv_go_live() succeeded). 0, or -1 with a sentence in @why.
 */
int kproc_init(struct kproc *kp, struct kenv *e, struct xenintro *x,
	       bool cache, char *why, size_t len);
void kproc_free(struct kproc *kp);
/* The process @ev's vCPU was running: 0, or -errno (not named). */
int kproc_current(struct kproc *kp, const struct xenintro_event *ev,
		  struct kproc_id *id);
/* @vcpu wrote CR3: its entry goes. */
void kproc_forget(struct kproc *kp, uint32_t vcpu);
/*
 * The process whose address space @cr3 is (a CR3 value: PCID and flag
 * bits are ignored), read through @ev's tables: 0, -ENOENT when no task
 * has it (at a walk made now, or less than KPROC_WALK_MS ago), or another
 * -errno.
 */
int kproc_cr3_owner(struct kproc *kp, const struct xenintro_event *ev,
		    uint64_t cr3, struct kproc_id *id);

#endif /* XI_KPROC_H */
