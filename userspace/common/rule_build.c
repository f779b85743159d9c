// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Rule checks mirror the kernel's (kmod/rules.c, kmod/response.c): an
 * action valid for the event, first <= last, NOTIFY not with FORWARD, no
 * two rules the kernel would call ambiguous. The kernel stays the judge;
 * this is for error messages that point into the file.
 */
#include <errno.h>
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

	pr = policy_grow(p->rules, &p->rules_room, p->nr_rules, sizeof(*pr));
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
 * "deny". Refuse that policy rather than let it look enforced. Two
 * registers never take one:
 * - XCR0: Xen 4.17 writes it at once (hvm_handle_xsetbv()) and its DENY
 *   knows CR0, CR3 and CR4 only, so nothing could veto it;
 * - CR3: Xen could hold the write, but the guest kernel switches address
 *   spaces by it (at every context switch, and with KPTI at every kernel
 *   entry and exit) and runs on as if it had switched: a veto leaves it on
 *   the wrong page tables, which corrupts the guest.
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
		snprintf(field, sizeof(field), "rules[%u].action", pr->source);
		if (r->event == XENINTRO_EVENT_CTRLREG && k == XENINTRO_CR3)
			return diag_error(d, pr->mark, field,
					  "deny on cr3 is refused: the guest kernel switches address spaces by writing CR3 (every context switch, and with KPTI every kernel entry and exit), and a vetoed write leaves it on the wrong page tables; log CR3 writes with action: continue and notify: true");
		if (r->event == XENINTRO_EVENT_CTRLREG && k == XENINTRO_XCR0)
			return diag_error(d, pr->mark, field,
					  "deny on xcr0 vetoes nothing: Xen writes XCR0 before it reports the XSETBV; log it with action: continue and notify: true");
		m = find_monitor(p, mon, (uint32_t)k);
		if (m && (m->flags & XENINTRO_MON_DENY_CAPABLE))
			continue;
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

/* ---- can it ever happen? -------------------------------------------- */

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* An entry by its first frame, for the sweep below. */
struct entry_start {
	uint64_t gfn;
	size_t index;
};

static int cmp_entry_start(const void *a, const void *b)
{
	const struct entry_start *x = a, *y = b;

	return x->gfn < y->gfn ? -1 : x->gfn > y->gfn;
}

/* A max-heap of entry indices: the top is the latest entry. */
static void heap_push(size_t *h, size_t *n, size_t v)
{
	size_t i = (*n)++;

	for (; i && h[(i - 1) / 2] < v; i = (i - 1) / 2)
		h[i] = h[(i - 1) / 2];
	h[i] = v;
}

static void heap_pop(size_t *h, size_t *n)
{
	size_t v = h[--*n], i = 0, c;

	for (; (c = 2 * i + 1) < *n; i = c) {
		if (c + 1 < *n && h[c + 1] > h[c])
			c++;
		if (h[c] <= v)
			break;
		h[i] = h[c];
	}
	h[i] = v;
}

/*
 * A sweep over the frames where an entry starts or one ends: at each such
 * frame the entries that began are pushed, those that ended are dropped
 * from the top, and the top (the latest entry still covering it) sets the
 * rights up to the next such frame. O(n log n) for n entries.
 */
int access_map_build(const struct policy *p, struct access_map *m)
{
	const struct policy_access *acc = p->access;
	size_t i, k, next, n = 0, nh = 0, *heap;
	struct entry_start *order;
	uint64_t *starts;

	m->runs = NULL;
	m->nr = 0;
	if (!p->nr_access)
		return 0;
	starts = malloc(2 * p->nr_access * sizeof(*starts));
	order = malloc(p->nr_access * sizeof(*order));
	heap = malloc(p->nr_access * sizeof(*heap));
	m->runs = malloc(2 * p->nr_access * sizeof(*m->runs));
	if (!starts || !order || !heap || !m->runs) {
		free(starts);
		free(order);
		free(heap);
		access_map_free(m);
		return -ENOMEM;
	}
	for (i = 0; i < p->nr_access; i++) {
		order[i].gfn = acc[i].gfn;
		order[i].index = i;
		starts[n++] = acc[i].gfn;
		if (acc[i].gfn + acc[i].nr != 0)	/* not the space's end */
			starts[n++] = acc[i].gfn + acc[i].nr;
	}
	qsort(starts, n, sizeof(*starts), cmp_u64);
	qsort(order, p->nr_access, sizeof(*order), cmp_entry_start);
	for (i = 0, k = 0; k < n; k = next) {
		uint64_t first = starts[k], last;

		for (next = k + 1; next < n && starts[next] == first; next++)
			;
		last = next < n ? starts[next] - 1 : UINT64_MAX;
		for (; i < p->nr_access && order[i].gfn <= first; i++)
			heap_push(heap, &nh, order[i].index);
		/* an entry that ended before @first never covers a later one */
		while (nh && first - acc[heap[0]].gfn >= acc[heap[0]].nr)
			heap_pop(heap, &nh);
		if (!nh)
			continue;	/* a gap: no entry covers it */
		m->runs[m->nr].first = first;
		m->runs[m->nr].last = last;
		m->runs[m->nr].rights = acc[heap[0]].rights;
		m->nr++;
	}
	free(starts);
	free(order);
	free(heap);
	return 0;
}

void access_map_free(struct access_map *m)
{
	free(m->runs);
	m->runs = NULL;
	m->nr = 0;
}

uint32_t access_map_removed(const struct access_map *m, uint64_t first,
			    uint64_t last)
{
	size_t lo = 0, hi = m->nr;
	uint32_t removed = 0;

	/* the first run that ends at or after @first */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (m->runs[mid].last < first)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < m->nr && m->runs[lo].first <= last; lo++)
		removed |= XENINTRO_ACCESS_RWX & ~m->runs[lo].rights;
	return removed;
}

bool policy_monitored(const struct policy *p, uint32_t event, uint64_t first,
		      uint64_t last, char *hint, size_t len)
{
	static const struct {
		uint32_t event, monitor;
		const char *field;
	} simple[] = {
		{ XENINTRO_EVENT_CPUID, XENINTRO_MONITOR_CPUID, "cpuid" },
		{ XENINTRO_EVENT_BREAKPOINT, XENINTRO_MONITOR_BREAKPOINT,
		  "breakpoint" },
		{ XENINTRO_EVENT_SINGLESTEP, XENINTRO_MONITOR_SINGLESTEP,
		  "singlestep" },
		{ XENINTRO_EVENT_GUEST_REQUEST, XENINTRO_MONITOR_GUEST_REQUEST,
		  "guest_request" },
		{ XENINTRO_EVENT_DEBUG_EXCEPTION,
		  XENINTRO_MONITOR_DEBUG_EXCEPTION, "debug_exception" },
		{ XENINTRO_EVENT_DESC_ACCESS, XENINTRO_MONITOR_DESC_ACCESS,
		  "desc_access" },
		{ XENINTRO_EVENT_EMUL_UNIMPL, XENINTRO_MONITOR_EMUL_UNIMPL,
		  "emul_unimpl" },
		{ XENINTRO_EVENT_VMEXIT, XENINTRO_MONITOR_VMEXIT, "vmexit" },
	};
	static const char *const crs[] = { "cr0", "cr3", "cr4", "xcr0" };
	uint32_t mon;
	size_t i;

	if (event == XENINTRO_EVENT_CTRLREG || event == XENINTRO_EVENT_MSR) {
		mon = event == XENINTRO_EVENT_CTRLREG ?
			XENINTRO_MONITOR_CTRLREG : XENINTRO_MONITOR_MSR;
		for (i = 0; i < p->nr_monitors; i++)
			if (p->monitors[i].event == mon &&
			    p->monitors[i].index >= first &&
			    p->monitors[i].index <= last)
				return true;
		if (event == XENINTRO_EVENT_MSR && first == last &&
		    x86_msr_name((uint32_t)first))
			snprintf(hint, len, "monitors.msr: [%s]",
				 x86_msr_name((uint32_t)first));
		else if (event == XENINTRO_EVENT_MSR && first == last)
			snprintf(hint, len, "monitors.msr: [0x%" PRIx64 "]",
				 first);
		else if (event == XENINTRO_EVENT_MSR && last <= UINT32_MAX)
			snprintf(hint, len, "them to monitors.msr");
		else if (event == XENINTRO_EVENT_MSR)
			snprintf(hint, len, "MSRs to monitors.msr");
		else if (first == last && first < 4)
			snprintf(hint, len, "monitors.%s: true", crs[first]);
		else
			snprintf(hint, len, "monitors.cr0, cr3, cr4 or xcr0: true");
		return false;
	}
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (simple[i].event != event)
			continue;
		if (find_monitor(p, simple[i].monitor, 0))
			return true;
		snprintf(hint, len, "monitors.%s: true", simple[i].field);
		return false;
	}
	return true;	/* not a monitored kind (mem_access: page rights) */
}
