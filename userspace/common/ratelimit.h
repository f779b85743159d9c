/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Per-rule rate limits of the log (rules[].rate_limit: {events, per}).
 * A rule's window opens at its first record and lasts @per seconds; the
 * first @events records of a window are logged, the rest only counted.
 * When a window with suppressed records ends (at the next record of the
 * rule, at the agent's timer, at a reload or at exit), one "ratelimit"
 * record says how many: flood control is counted, never silent.
 *
 * Logging only: the caller decides and answers every event before it
 * asks here, so a limit never changes a verdict. Time is the caller's
 * (milliseconds of CLOCK_MONOTONIC in the agent, a fake clock in tests).
 */
#ifndef XI_RATELIMIT_H
#define XI_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "event_log.h"
#include "policy.h"

struct rate_window {
	const char *rule;	/* the rule's name, in the policy */
	bool open;
	uint64_t start_ms;
	uint64_t logged;
	uint64_t suppressed;
};

struct ratelimit {
	struct rate_window *w;	/* by index in rules: */
	size_t nr;
	uint64_t suppressed;	/* in all, for the agent's stats */
};

/* Windows for @p's rules; 0 or -ENOMEM. */
int ratelimit_init(struct ratelimit *rl, const struct policy *p);
void ratelimit_free(struct ratelimit *rl);
/*
 * Log the record of an event kernel rule @rule matched at @now_ms? True
 * for a rule without a limit. A window of that rule that ended first
 * gets its summary in @log.
 */
bool ratelimit_admit(struct ratelimit *rl, const struct policy *p,
		     uint32_t rule, uint64_t now_ms, struct event_log *log);
/*
 * End the windows over by @now_ms (@all: every window, at a reload or at
 * exit), with a summary for each that suppressed records.
 */
void ratelimit_flush(struct ratelimit *rl, const struct policy *p,
		     uint64_t now_ms, bool all, struct event_log *log);
/* When the first window with suppressed records ends; UINT64_MAX: none. */
uint64_t ratelimit_next_ms(const struct ratelimit *rl, const struct policy *p);

#endif /* XI_RATELIMIT_H */
