/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The session's counters (XENINTRO_IOC_STATS) plus each rule's hits,
 * summed per rule of the policy file (a list of RIPs is one rule there but
 * several in the kernel), as JSON for the log and the registry, or text.
 */
#ifndef XI_STATS_H
#define XI_STATS_H

#include <stdio.h>

#include <jansson.h>

#include "policy.h"

struct agent_counters {
	uint64_t events_seen;	/* records read from the event ring */
	uint64_t verdicts_sent;
	uint64_t reloads;
	uint64_t reload_failures;
	uint64_t records_suppressed;	/* by rules' rate_limit: */
	uint64_t records_deduplicated;	/* repeats rules' dedup: collapsed */
};

/*
 * Read the kernel's counters and the rule hits of @p's table. The result
 * is a JSON object: kernel counters, "rules": [{name, event, action,
 * hits}], "agent": {...}. NULL with -errno in *@err on failure.
 */
json_t *stats_collect(struct xenintro *x, const struct policy *p,
		      const struct agent_counters *ac, int *err);
/* Print a stats object (from stats_collect() or a registry file). */
void stats_print_text(FILE *f, json_t *stats);

#endif /* XI_STATS_H */
