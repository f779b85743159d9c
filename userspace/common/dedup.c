// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <stdlib.h>
#include <string.h>

#include "dedup.h"

char *dedup_fingerprint(const struct xenintro_event *ev, const char *rule,
			int verdict, json_t *memory, json_t *procs)
{
	json_t *o = event_json(ev);
	char *s;

	/* what changes from one repeat to the next, and nothing else */
	json_object_del(o, "seq");
	if (rule)
		json_object_set_new(o, "rule", json_string(rule));
	json_object_set_new(o, "verdict", json_integer(verdict));
	if (memory)
		json_object_set(o, "memory", memory);
	if (procs)
		json_object_set(o, "procs", procs);
	s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static void summary(struct dedup *dd, struct event_log *l)
{
	char msg[64];
	json_t *o;

	if (!dd->repeated)
		return;
	snprintf(msg, sizeof(msg), "repeated %llu time%s",
		 (unsigned long long)dd->repeated, dd->repeated == 1 ? "" : "s");
	o = json_object();
	json_object_set_new(o, "domid", json_integer(l->domid));
	json_object_set_new(o, "rule", json_string(dd->rule ? dd->rule : ""));
	json_object_set_new(o, "repeated",
			    json_integer((json_int_t)dd->repeated));
	json_object_set_new(o, "msg", json_string(msg));
	json_object_set_new(o, "span_ms",
			    json_integer((json_int_t)(dd->last_ms - dd->first_ms)));
	event_log_record(l, "dedup", o);
	dd->repeated = 0;
}

static void forget(struct dedup *dd)
{
	free(dd->last);
	free(dd->rule);
	dd->last = NULL;
	dd->rule = NULL;
}

bool dedup_admit(struct dedup *dd, char *fp, const char *rule, bool dedup,
		 uint64_t now_ms, struct event_log *l)
{
	if (dedup && fp && dd->last && !strcmp(fp, dd->last)) {
		if (!dd->repeated)
			dd->first_ms = now_ms;
		dd->repeated++;
		dd->last_ms = now_ms;
		dd->total++;
		free(fp);
		return false;
	}
	/* a different record ends the run: its summary comes before it */
	summary(dd, l);
	forget(dd);
	if (dedup && fp) {
		dd->last = fp;
		dd->rule = rule ? strdup(rule) : NULL;
		dd->last_ms = now_ms;
	} else {
		free(fp);
	}
	return true;
}

void dedup_flush(struct dedup *dd, uint64_t now_ms, bool all,
		 struct event_log *l)
{
	if (!all && (!dd->repeated || now_ms < dd->last_ms + DEDUP_QUIET_MS))
		return;
	summary(dd, l);
	/* the next one starts a run of its own, logged again */
	forget(dd);
}

uint64_t dedup_next_ms(const struct dedup *dd)
{
	return dd->repeated ? dd->last_ms + DEDUP_QUIET_MS : UINT64_MAX;
}

void dedup_free(struct dedup *dd)
{
	forget(dd);
}
