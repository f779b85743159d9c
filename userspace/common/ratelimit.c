// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

int ratelimit_init(struct ratelimit *rl, const struct policy *p)
{
	size_t i;

	memset(rl, 0, sizeof(*rl));
	if (!p->nr_rule_meta)
		return 0;
	rl->w = calloc(p->nr_rule_meta, sizeof(*rl->w));
	if (!rl->w)
		return -ENOMEM;
	rl->nr = p->nr_rule_meta;
	/* the name of a rule's first kernel record is the rule's */
	for (i = p->nr_rules; i-- > 0;)
		if (p->rules[i].source < rl->nr)
			rl->w[p->rules[i].source].rule = p->rules[i].name;
	return 0;
}

void ratelimit_free(struct ratelimit *rl)
{
	free(rl->w);
	memset(rl, 0, sizeof(*rl));
}

static uint64_t window_end(const struct rate_window *w,
			   const struct policy_rule_meta *m)
{
	return w->start_ms + (uint64_t)m->rate.per_s * 1000;
}

/* Close @w, saying what it suppressed. */
static void window_close(struct rate_window *w,
			 const struct policy_rule_meta *m,
			 struct event_log *log)
{
	json_t *rec;

	if (w->suppressed && log) {
		rec = json_object();
		json_object_set_new(rec, "domid", json_integer(log->domid));
		json_object_set_new(rec, "rule", json_string(w->rule ?: ""));
		if (m->severity != SEVERITY_NONE)
			json_object_set_new(rec, "severity", json_string(
				policy_severity_name(m->severity)));
		if (m->key)
			json_object_set_new(rec, "key", json_string(m->key));
		json_object_set_new(rec, "suppressed",
				    json_integer((json_int_t)w->suppressed));
		json_object_set_new(rec, "logged",
				    json_integer((json_int_t)w->logged));
		json_object_set_new(rec, "events",
				    json_integer(m->rate.events));
		json_object_set_new(rec, "per", json_integer(m->rate.per_s));
		event_log_record(log, "ratelimit", rec);
	}
	w->open = false;
	w->logged = 0;
	w->suppressed = 0;
}

bool ratelimit_admit(struct ratelimit *rl, const struct policy *p,
		     uint32_t rule, uint64_t now_ms, struct event_log *log)
{
	const struct policy_rule_meta *m = policy_rule_meta(p, rule);
	struct rate_window *w;

	if (!m || !m->rate.events || p->rules[rule].source >= rl->nr)
		return true;
	w = &rl->w[p->rules[rule].source];
	if (w->open && now_ms >= window_end(w, m))
		window_close(w, m, log);
	if (!w->open) {
		w->open = true;
		w->start_ms = now_ms;
	}
	if (w->logged < m->rate.events) {
		w->logged++;
		return true;
	}
	w->suppressed++;
	rl->suppressed++;
	return false;
}

void ratelimit_flush(struct ratelimit *rl, const struct policy *p,
		     uint64_t now_ms, bool all, struct event_log *log)
{
	size_t i;

	for (i = 0; i < rl->nr && i < p->nr_rule_meta; i++)
		if (rl->w[i].open &&
		    (all || now_ms >= window_end(&rl->w[i], &p->rule_meta[i])))
			window_close(&rl->w[i], &p->rule_meta[i], log);
}

uint64_t ratelimit_next_ms(const struct ratelimit *rl, const struct policy *p)
{
	uint64_t next = UINT64_MAX, end;
	size_t i;

	for (i = 0; i < rl->nr && i < p->nr_rule_meta; i++) {
		if (!rl->w[i].open || !rl->w[i].suppressed)
			continue;
		end = window_end(&rl->w[i], &p->rule_meta[i]);
		if (end < next)
			next = end;
	}
	return next;
}
