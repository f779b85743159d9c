/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * Deduplication of the log (rules[].dedup: true): records of one rule
 * that are identical except for their time and sequence number, back to
 * back in the log, are written once; the repeats are counted, and one
 * "dedup" record says "repeated N times" when the run ends: at a record
 * that differs (any rule's), after DEDUP_QUIET_MS without a repeat, at a
 * reload and at exit. Counted, never silent.
 *
 * Logging only, as rate_limit: the caller has answered the event before
 * it asks. Time is the caller's (milliseconds, a fake clock in tests).
 */
#ifndef XI_DEDUP_H
#define XI_DEDUP_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "event_log.h"

/* a run with no repeat for this long is over: its summary goes out */
#define DEDUP_QUIET_MS		1000

struct dedup {
	char *last;		/* the last record's fingerprint, or NULL */
	char *rule;		/* its rule's name (a copy: reloads free names) */
	uint64_t repeated;	/* repeats of it not logged, in this run */
	uint64_t first_ms, last_ms;	/* of the repeats */
	uint64_t total;		/* repeats not logged, ever (stats) */
};

/*
 * The fingerprint of an event record: @ev's fields without its sequence
 * number and time, the rule, the verdict and what the record adds
 * (@memory, @procs: may be NULL, not consumed). malloc'd, or NULL.
 */
char *dedup_fingerprint(const struct xenintro_event *ev, const char *rule,
			int verdict, json_t *memory, json_t *procs);
/*
 * Should a record with fingerprint @fp (consumed) be logged? @dedup: its
 * rule asks for deduplication. false: a repeat, counted. A record that
 * ends a run first writes the run's summary to @l.
 */
bool dedup_admit(struct dedup *dd, char *fp, const char *rule, bool dedup,
		 uint64_t now_ms, struct event_log *l);
/* The run's summary if it has repeats and is quiet (or @all: at exit). */
void dedup_flush(struct dedup *dd, uint64_t now_ms, bool all,
		 struct event_log *l);
/* When dedup_flush() has something to say, or UINT64_MAX. */
uint64_t dedup_next_ms(const struct dedup *dd);
void dedup_free(struct dedup *dd);

#endif /* XI_DEDUP_H */
