// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * log.memory: read what the policy names for an event's log record.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "event_log.h"
#include "mem_capture.h"

/* The bytes as JSON-safe text: printable ASCII, the rest as '.'. */
static json_t *as_string(const unsigned char *b, size_t n)
{
	char s[POLICY_MEM_MAX + 1];
	size_t i;

	for (i = 0; i < n && b[i]; i++)
		s[i] = isprint(b[i]) ? (char)b[i] : '.';
	s[i] = '\0';
	return json_string(s);
}

static json_t *as_hex(const unsigned char *b, size_t n)
{
	char s[2 * POLICY_MEM_MAX + 1];
	size_t i;

	for (i = 0; i < n; i++)
		snprintf(s + 2 * i, 3, "%02x", b[i]);
	s[2 * n] = '\0';
	return json_string(s);
}

json_t *mem_capture(struct xenintro *x, const struct policy_log *l,
		    const struct xenintro_event *ev)
{
	struct xenintro_mem_root root;
	unsigned char buf[POLICY_MEM_MAX];
	json_t *arr = NULL, *m;
	uint64_t addr;
	int64_t got;
	size_t i;

	/* Pending: the event's own tables. Else: those its registers name. */
	root = xenintro_event_needs_verdict(ev) ? xenintro_root_event(ev) :
						   xenintro_root_regs(&ev->regs);
	for (i = 0; i < l->nr_memory; i++) {
		const struct policy_mem_capture *c = &l->memory[i];

		if (c->events && (ev->reason >= 32 ||
				  !(c->events & (1U << ev->reason))))
			continue;
		addr = (c->at == MEM_AT_ADDR ? c->addr :
			policy_mem_at_value(c->at, &ev->regs)) + c->offset;
		if (!arr)
			arr = json_array();
		m = json_object();
		json_object_set_new(m, "at", json_string(policy_mem_at_name(c->at)));
		json_object_set_new(m, "addr", json_hex(addr));
		json_object_set_new(m, "length", json_integer(c->length));
		if (!xenintro_feature_enabled(x, XENINTRO_FEATURE_MEMORY))
			got = -EOPNOTSUPP;
		else
			got = xenintro_read_virt(x, &root, addr, buf, c->length);
		if (got < 0) {
			json_object_set_new(m, "error", json_string(strerror((int)-got)));
		} else {
			json_object_set_new(m, "got", json_integer(got));
			json_object_set_new(m, c->string ? "string" : "hex",
					    c->string ? as_string(buf, (size_t)got) :
						       as_hex(buf, (size_t)got));
		}
		json_array_append_new(arr, m);
	}
	return arr;
}
