// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Rule checks mirror the kernel's (kmod/rules.c, kmod/response.c): an
 * action valid for the event, first <= last, NOTIFY not with FORWARD, no
 * two rules the kernel would call ambiguous. The kernel stays the judge;
 * this is for error messages that point into the file.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rule_build.h"
#include "x86_names.h"

/* Can a rule for @event take @action? (kernel: xenintro_answer_check) */
const char *rule_action_problem(uint32_t event, uint32_t action)
{
	switch (action) {
	case XENINTRO_VERDICT_CONTINUE:
		if (event == XENINTRO_EVENT_MEM_ACCESS)
			return "a mem_access rule cannot continue (the access would fault again); say emulate";
		return NULL;
	case XENINTRO_VERDICT_FORWARD:
		return NULL;
	case XENINTRO_VERDICT_DENY:
		if (event == XENINTRO_EVENT_MEM_ACCESS ||
		    event == XENINTRO_EVENT_CTRLREG ||
		    event == XENINTRO_EVENT_MSR)
			return NULL;
		return "only mem_access, cr and msr events can be denied";
	case XENINTRO_VERDICT_EMULATE:
	case XENINTRO_VERDICT_EMULATE_NOWRITE:
		if (event == XENINTRO_EVENT_MEM_ACCESS ||
		    event == XENINTRO_EVENT_DESC_ACCESS)
			return NULL;
		return "only mem_access and desc_access events can be emulated";
	case XENINTRO_VERDICT_SET_REGISTERS:
		if (event == XENINTRO_EVENT_CPUID)
			return NULL;
		return "only a cpuid rule can set registers (with answer)";
	case XENINTRO_VERDICT_REINJECT:
		if (event == XENINTRO_EVENT_BREAKPOINT ||
		    event == XENINTRO_EVENT_DEBUG_EXCEPTION)
			return NULL;
		return "only breakpoint and debug_exception events can be reinjected";
	default:
		return "not a rule action";
	}
}

static int push_rule(struct policy *p, const struct rule_spec *s,
		     const struct xenintro_rule *r)
{
	struct policy_rule *pr;
	char buf[32];

	pr = realloc(p->rules, (p->nr_rules + 1) * sizeof(*pr));
	if (!pr)
		return -1;
	p->rules = pr;
	pr = &p->rules[p->nr_rules];
	memset(pr, 0, sizeof(*pr));
	pr->rule = *r;
	pr->source = s->index;
	pr->mark = s->mark;
	if (s->name) {
		pr->name = strdup(s->name);
	} else {
		snprintf(buf, sizeof(buf), "rules[%u]", s->index);
		pr->name = strdup(buf);
	}
	if (!pr->name)
		return -1;
	p->nr_rules++;
	return 0;
}

int rule_build(const struct rule_spec *s, struct policy *p, struct diag *d)
{
	struct xenintro_rule r;
	const char *why;
	char field[96];
	size_t i;

	memset(&r, 0, sizeof(r));
	r.event = s->event;
	r.action = s->action;
	r.priority = s->priority;
	r.vcpu_mask = s->vcpu_mask;
	r.vcpu_mask_hi = s->vcpu_mask_hi;
	if (s->notify)
		r.flags |= XENINTRO_RULE_NOTIFY;

	why = rule_action_problem(s->event, s->action);
	if (why) {
		snprintf(field, sizeof(field), "%s.action", s->path);
		return diag_error(d, s->action_mark, field,
				  "%s on %s events: %s",
				  policy_verdict_name(s->action),
				  policy_event_name(s->event), why);
	}
	if (s->notify && s->action == XENINTRO_VERDICT_FORWARD) {
		snprintf(field, sizeof(field), "%s.notify", s->path);
		return diag_error(d, s->notify_mark, field,
				  "a forwarded event reaches the agent anyway; notify is for kernel verdicts");
	}
	if (s->has_key && s->first > s->last) {
		snprintf(field, sizeof(field), "%s.%s", s->path, s->key_field);
		return diag_error(d, s->key_mark, field,
				  "first (0x%" PRIx64 ") is above last (0x%" PRIx64 ")",
				  s->first, s->last);
	}

	switch (s->event) {
	case XENINTRO_EVENT_MEM_ACCESS:
		r.u.mem_access.access = s->access;
		if (s->has_gla) {
			if (s->gla_first > s->gla_last) {
				snprintf(field, sizeof(field), "%s.gla",
					 s->path);
				return diag_error(d, s->gla_mark, field,
						  "first (0x%" PRIx64 ") is above last (0x%" PRIx64 ")",
						  s->gla_first, s->gla_last);
			}
			r.flags |= XENINTRO_RULE_GLA;
			r.u.mem_access.gla_first = s->gla_first;
			r.u.mem_access.gla_last = s->gla_last;
		}
		break;
	case XENINTRO_EVENT_CTRLREG:
		r.u.ctrlreg.set_mask = s->set_mask;
		r.u.ctrlreg.clear_mask = s->clear_mask;
		break;
	case XENINTRO_EVENT_CPUID:
		if (s->has_answer &&
		    s->action != XENINTRO_VERDICT_SET_REGISTERS) {
			snprintf(field, sizeof(field), "%s.answer", s->path);
			return diag_error(d, s->answer_mark, field,
					  "an answer needs action set_registers (or no action)");
		}
		if (!s->has_answer &&
		    s->action == XENINTRO_VERDICT_SET_REGISTERS) {
			snprintf(field, sizeof(field), "%s.action", s->path);
			return diag_error(d, s->action_mark, field,
					  "set_registers needs an answer: {eax, ebx, ecx, edx}");
		}
		if (s->has_answer) {
			r.u.cpuid.eax = s->answer[0];
			r.u.cpuid.ebx = s->answer[1];
			r.u.cpuid.ecx = s->answer[2];
			r.u.cpuid.edx = s->answer[3];
		}
		break;
	case XENINTRO_EVENT_BREAKPOINT:
		if (s->key_gfn)
			r.flags |= XENINTRO_RULE_KEY_GFN;
		break;
	}

	if (s->nr_keys) {
		for (i = 0; i < s->nr_keys; i++) {
			r.first = s->keys[i].first;
			r.last = s->keys[i].last;
			if (push_rule(p, s, &r))
				return diag_error(d, s->mark, s->path,
						  "out of memory");
		}
		return 0;
	}
	if (s->has_key) {
		r.first = s->first;
		r.last = s->last;
	} else {
		r.first = 0;
		r.last = UINT64_MAX;
	}
	if (push_rule(p, s, &r))
		return diag_error(d, s->mark, s->path, "out of memory");
	return 0;
}

/* The kernel's xenintro_rules_ambiguous(), for rules whose keys meet. */
static bool rules_ambiguous(const struct xenintro_rule *a,
			    const struct xenintro_rule *b)
{
	if (a->event != b->event || a->priority != b->priority)
		return false;
	/* BREAKPOINT rules by RIP and by frame live in different tables */
	if ((a->flags ^ b->flags) & XENINTRO_RULE_KEY_GFN)
		return false;
	if (a->first > b->last || b->first > a->last)
		return false;
	if ((a->vcpu_mask || a->vcpu_mask_hi) &&
	    (b->vcpu_mask || b->vcpu_mask_hi) &&
	    !(a->vcpu_mask & b->vcpu_mask) &&
	    !(a->vcpu_mask_hi & b->vcpu_mask_hi))
		return false;
	if (a->event == XENINTRO_EVENT_MEM_ACCESS) {
		if (a->u.mem_access.access && b->u.mem_access.access &&
		    !(a->u.mem_access.access & b->u.mem_access.access))
			return false;
		if ((a->flags & b->flags & XENINTRO_RULE_GLA) &&
		    (a->u.mem_access.gla_first > b->u.mem_access.gla_last ||
		     b->u.mem_access.gla_first > a->u.mem_access.gla_last))
			return false;
	}
	return true;
}

static const struct policy_monitor *find_monitor(const struct policy *p,
						 uint32_t event,
						 uint32_t index)
{
	size_t i;

	for (i = 0; i < p->nr_monitors; i++)
		if (p->monitors[i].event == event &&
		    p->monitors[i].index == index)
			return &p->monitors[i];
	return NULL;
}

/*
 * A DENY rule on a CR or MSR write vetoes nothing unless Xen deferred the
 * write (deny_capable): the guest would have its write and the log a
 * "deny". Refuse that policy rather than let it look enforced.
 */
static int check_deny_capable(const struct policy *p,
			      const struct policy_rule *pr, struct diag *d)
{
	const struct xenintro_rule *r = &pr->rule;
	uint32_t mon = r->event == XENINTRO_EVENT_CTRLREG ?
		XENINTRO_MONITOR_CTRLREG : XENINTRO_MONITOR_MSR;
	const struct policy_monitor *m;
	char field[96];
	uint64_t k;

	if (r->action != XENINTRO_VERDICT_DENY ||
	    (r->event != XENINTRO_EVENT_CTRLREG &&
	     r->event != XENINTRO_EVENT_MSR))
		return 0;
	/* ranges of MSRs: every MSR in it must be guarded (few are) */
	for (k = r->first; k <= r->last && k - r->first < 64; k++) {
		if (r->event == XENINTRO_EVENT_CTRLREG && k == XENINTRO_CR3)
			continue;	/* Xen cannot defer CR3 writes */
		m = find_monitor(p, mon, (uint32_t)k);
		if (m && (m->flags & XENINTRO_MON_DENY_CAPABLE))
			continue;
		snprintf(field, sizeof(field), "rules[%u].action", pr->source);
		if (r->event == XENINTRO_EVENT_CTRLREG) {
			static const char *const crs[] = {
				"cr0", "cr3", "cr4", "xcr0",
			};
			return diag_error(d, pr->mark, field,
					  "deny needs monitors.%s with deny_capable: true",
					  crs[k]);
		}
		return diag_error(d, pr->mark, field,
				  "deny needs MSR 0x%" PRIx64 " in monitors.msr with deny_capable: true",
				  k);
	}
	return 0;
}

int rules_check_table(const struct policy *p, struct diag *d)
{
	size_t i, j;
	char field[64];

	for (i = 0; i < p->nr_rules; i++) {
		const struct policy_rule *b = &p->rules[i];

		for (j = 0; j < i; j++) {
			const struct policy_rule *a = &p->rules[j];

			if (!rules_ambiguous(&a->rule, &b->rule))
				continue;
			snprintf(field, sizeof(field), "rules[%u]", b->source);
			if (a->source == b->source)
				return diag_error(d, b->mark, field,
						  "lists the same key twice");
			return diag_error(d, b->mark, field,
					  "ambiguous with rules[%u] (same event and priority, overlapping keys and filters); give one a higher priority",
					  a->source);
		}
		if (check_deny_capable(p, b, d))
			return -1;
	}
	return 0;
}
