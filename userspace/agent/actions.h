/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Response actions (a rule's actions:): pause the domain, dump guest
 * memory to a file, run a hook with the record on its stdin. Each runs
 * from the event loop and never waits there: a pause is one ioctl, a
 * dump one bounded read and write, a hook is spawned and reaped later
 * (SIGCHLD, through the agent's signalfd) or killed at its timeout.
 * Every outcome is counted (actions_json()) and said in an "action"
 * record.
 */
#ifndef XI_ACTIONS_H
#define XI_ACTIONS_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

#include "event_log.h"
#include "policy.h"
#include "registry.h"

/* Hooks running at once, over all rules (each rule has its own bound). */
#define ACTIONS_HOOKS_MAX	64
/* The signal that resumes a guest an action paused (xenintro resume). */
#define ACTIONS_RESUME_SIGNAL	REGISTRY_SIGNAL_RESUME

struct action_counters {
	uint64_t when_unmatched;	/* events a rule's when: passed over */
	uint64_t pauses;		/* the domain paused by an action */
	uint64_t pauses_held;		/* already paused: nothing to do */
	uint64_t pause_failures;
	uint64_t resumes;		/* by timer, signal, reload or exit */
	uint64_t resume_failures;
	uint64_t dumps;			/* files written */
	uint64_t dump_failures;		/* could not read or write */
	uint64_t dumps_dropped;		/* over the rule's max_files */
	uint64_t hooks_started;
	uint64_t hooks_ok;		/* exit status 0 */
	uint64_t hooks_failed;		/* another status, or a signal */
	uint64_t hooks_timed_out;	/* killed at the timeout */
	uint64_t hooks_dropped;		/* max_running reached */
	uint64_t hook_spawn_failures;
	uint64_t hooks_killed_at_exit;
};

struct hook_run {
	pid_t pid;			/* its own process group, too */
	char rule[64];
	long long deadline_ms;
	bool killed;			/* by the timeout */
};

/*
 * What one rule's actions did so far. A drop is said once, when a rule
 * starts dropping, and its count again when a hook of the rule next
 * starts: the log shows each episode without one line per drop.
 */
struct rule_action_state {
	uint32_t dumps_done;
	bool dump_drop_said;		/* max_files reached and logged */
	uint64_t hook_drops;		/* dropped since its last start */
};

struct actions {
	struct xenintro *x;
	struct event_log *log;
	long long (*clock_ms)(void);
	bool paused;			/* we hold one pause of the domain */
	long long resume_at_ms;		/* 0: until resumed */
	struct hook_run runs[ACTIONS_HOOKS_MAX];
	size_t nr_runs;
	struct rule_action_state *per_rule;	/* by rule of the policy (source) */
	size_t nr_per_rule;
	struct action_counters n;
};

/* Ready @a for policy @p (again at a reload: dump counts restart). */
int actions_init(struct actions *a, const struct policy *p);
/*
 * Event @ev of kernel rule @ev->rule reached the agent: check the rule's
 * when: (false: the event is passed over, counted) and run its actions.
 * @verdict as for the log (-1: none).
 */
bool actions_event(struct actions *a, const struct policy *p,
		   const struct xenintro_event *ev, int verdict);
/* The earliest time actions_tick() has something to do, or INT64_MAX. */
long long actions_next_ms(const struct actions *a);
/* A timed pause ends, hooks past their timeout are killed. */
void actions_tick(struct actions *a, long long now_ms);
/* SIGCHLD: collect the hooks that ended. */
void actions_reap(struct actions *a);
/* Resume the guest if an action paused it (@why: for the record). */
void actions_resume(struct actions *a, const char *why);
/* Exit: kill running hooks, resume the guest, free. */
void actions_finish(struct actions *a);
/* The counters, as the stats record's "actions". */
json_t *actions_json(const struct actions *a);

#endif /* XI_ACTIONS_H */
