// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

static json_t *kernel_counters(const struct xenintro_stats *st)
{
	json_t *o = json_object();

#define C(f) json_object_set_new(o, #f, json_integer((json_int_t)st->f))
	C(requests);
	C(malformed);
	C(forwarded);
	C(notified);
	C(dropped);
	C(kernel_verdicts);
	C(agent_verdicts);
	C(deadline_expired);
	C(verdicts_stale);
	C(verdicts_invalid);
	C(backlog_max);
	C(notifies);
	C(rules_nr);
	C(rules_generation);
#undef C
	return o;
}

json_t *stats_collect(struct xenintro *x, const struct policy *p,
		      const struct agent_counters *ac, int *err)
{
	struct xenintro_stats st;
	uint64_t *hits = NULL, *per_source = NULL;
	uint32_t nr = 0;
	json_t *o, *rules, *agent;
	size_t i;
	int ret;

	ret = xenintro_get_stats(x, &st);
	if (ret) {
		*err = ret;
		return NULL;
	}
	o = json_object();
	json_object_set_new(o, "kernel", kernel_counters(&st));

	rules = json_array();
	if (p && p->nr_rules && xenintro_feature_enabled(x, XENINTRO_FEATURE_RULES)) {
		hits = calloc(p->nr_rules, sizeof(*hits));
		per_source = calloc(p->nr_policy_rules + 1, sizeof(*per_source));
		if (hits && per_source &&
		    !xenintro_get_rule_hits(x, hits, (uint32_t)p->nr_rules,
					    &nr)) {
			for (i = 0; i < p->nr_rules && i < nr; i++)
				per_source[p->rules[i].source] += hits[i];
			for (i = 0; i < p->nr_rules; i++) {
				const struct policy_rule *r = &p->rules[i];
				json_t *jr;

				/* one entry per rule of the file */
				if (i && p->rules[i - 1].source == r->source)
					continue;
				jr = json_object();
				json_object_set_new(jr, "name",
						    json_string(r->name));
				json_object_set_new(jr, "event", json_string(
					policy_event_name(r->rule.event)));
				json_object_set_new(jr, "action", json_string(
					policy_verdict_name(r->rule.action)));
				json_object_set_new(jr, "hits", json_integer(
					(json_int_t)per_source[r->source]));
				json_array_append_new(rules, jr);
			}
		}
	}
	free(hits);
	free(per_source);
	json_object_set_new(o, "rules", rules);

	agent = json_object();
	if (ac) {
		json_object_set_new(agent, "events_seen",
				    json_integer((json_int_t)ac->events_seen));
		json_object_set_new(agent, "verdicts_sent",
				    json_integer((json_int_t)ac->verdicts_sent));
		json_object_set_new(agent, "reloads",
				    json_integer((json_int_t)ac->reloads));
		json_object_set_new(agent, "reload_failures",
				    json_integer((json_int_t)ac->reload_failures));
		json_object_set_new(agent, "records_suppressed",
				    json_integer((json_int_t)ac->records_suppressed));
		json_object_set_new(agent, "records_deduplicated",
				    json_integer((json_int_t)ac->records_deduplicated));
	}
	json_object_set_new(o, "agent", agent);
	*err = 0;
	return o;
}

void stats_print_text(FILE *f, json_t *stats)
{
	json_t *k = json_object_get(stats, "kernel");
	json_t *rules = json_object_get(stats, "rules");
	json_t *agent = json_object_get(stats, "agent");
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(k)) {
		fprintf(f, "kernel:\n");
		json_object_foreach(k, key, v)
			fprintf(f, "  %-18s %" JSON_INTEGER_FORMAT "\n", key,
				json_integer_value(v));
	}
	if (json_is_array(rules) && json_array_size(rules)) {
		fprintf(f, "rules:\n  %-28s %-14s %-16s %s\n", "NAME", "EVENT",
			"ACTION", "HITS");
		json_array_foreach(rules, i, v)
			fprintf(f, "  %-28s %-14s %-16s %" JSON_INTEGER_FORMAT "\n",
				json_string_value(json_object_get(v, "name")),
				json_string_value(json_object_get(v, "event")),
				json_string_value(json_object_get(v, "action")),
				json_integer_value(json_object_get(v, "hits")));
	}
	if (json_is_object(agent) && json_object_size(agent)) {
		fprintf(f, "agent:\n");
		json_object_foreach(agent, key, v)
			fprintf(f, "  %-18s %" JSON_INTEGER_FORMAT "\n", key,
				json_integer_value(v));
	}
}
