/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * From one rule as the policy file spells it (struct rule_spec, filled by
 * policy_parse.c) to the kernel's struct xenintro_rule records, with the
 * checks the kernel would make, so that `--check` finds an impossible rule
 * with its line and field instead of SET_RULES refusing it at run time.
 */
#ifndef XI_RULE_BUILD_H
#define XI_RULE_BUILD_H

#include <stdint.h>
#include <stdlib.h>

#include "policy.h"

/*
 * Room for element @nr of the array @arr of @size-byte elements, which
 * has room for *@room: @arr itself, or a copy with twice the room (a list
 * built one element at a time costs O(n) copies, not O(n^2)). NULL when
 * out of memory, @arr then left as it was.
 */
static inline void *policy_grow(void *arr, size_t *room, size_t nr,
				size_t size)
{
	size_t want = *room ? 2 * *room : 16;
	void *n;

	if (nr < *room)
		return arr;
	if (want > SIZE_MAX / size)
		return NULL;
	n = realloc(arr, want * size);
	if (n)
		*room = want;
	return n;
}

/* One key range of a rule that has several (a list of RIPs, or the
 * frame runs behind a range of kernel addresses). */
struct rule_key {
	uint64_t first, last;
};

/* Where each part of a rule came from, for errors. */
struct rule_spec {
	unsigned int index;		/* position in rules: */
	const char *path;		/* "rules[N]" */
	struct src_mark mark;		/* the rule's mapping */
	char *name;			/* NULL: unnamed */

	uint32_t event;
	uint32_t action;
	struct src_mark action_mark;
	bool notify;
	struct src_mark notify_mark;
	uint32_t priority;
	uint64_t vcpu_mask;	/* vCPUs 0..63 */
	uint64_t vcpu_mask_hi;	/* vCPUs 64..127 */

	/* the key: one value or a range (has_key), or a list (rips) */
	bool has_key;
	const char *key_field;		/* "gfn", "cr", "msr", "leaf", "rip" */
	uint64_t first, last;
	struct src_mark key_mark;
	bool key_gfn;			/* BREAKPOINT keyed by frame */
	struct rule_key *keys;		/* rips:, or a va: range's frames */
	size_t nr_keys;

	/* CPUID */
	bool has_subleaf;
	uint32_t subleaf;
	bool has_answer;
	uint32_t answer[4];		/* eax, ebx, ecx, edx */
	struct src_mark answer_mark;

	/* MEM_ACCESS */
	uint32_t access;
	bool has_gla;
	uint64_t gla_first, gla_last;
	struct src_mark gla_mark;

	/* CTRLREG */
	uint64_t set_mask, clear_mask;
};

/*
 * Why a rule (or an agent decision) for @event cannot take @action, or
 * NULL if it can; the kernel's xenintro_answer_check() refuses the same.
 */
const char *rule_action_problem(uint32_t event, uint32_t action);
/*
 * Check @s and append its kernel rules (one, or one per key of @s->keys) to
 * @p->rules. -1 with the error in @d.
 */
int rule_build(const struct rule_spec *s, struct policy *p, struct diag *d);
/*
 * Checks across rules and sections, once everything is read: ambiguous
 * rules (the kernel's -EEXIST), DENY rules without a deny-capable monitor,
 * decisions naming an unknown rule.
 */
int rules_check_table(const struct policy *p, struct diag *d);

/*
 * Can an event ever happen? Xen raises an event only for what a monitor
 * enables, and a page fault only where rights were taken away; a rule, a
 * decision or a log filter on anything else would silently do nothing,
 * so the parser refuses them (userspace/README.md, "rules").
 */

/* The page rights a policy leaves, as disjoint runs of frames. */
struct access_run {
	uint64_t first, last;
	uint8_t rights;		/* XENINTRO_ACCESS_*: the last entry's */
};
struct access_map {
	struct access_run *runs;	/* sorted, disjoint */
	size_t nr;
};
/* From @p->access, later entries winning as SET_ACCESS in order. 0, -ENOMEM. */
int access_map_build(const struct policy *p, struct access_map *m);
void access_map_free(struct access_map *m);
/*
 * The rights taken away from any frame of @first..@last (XENINTRO_ACCESS_*
 * bits; 0: every frame there is rwx, no access can fault).
 */
uint32_t access_map_removed(const struct access_map *m, uint64_t first,
			    uint64_t last);
/*
 * Does a monitor of @p raise @event (XENINTRO_EVENT_*, not MEM_ACCESS)?
 * For CTRLREG and MSR, one for an index in @first..@last. If not, false,
 * and @hint says which monitor would (e.g. "monitors.cpuid: true").
 */
bool policy_monitored(const struct policy *p, uint32_t event, uint64_t first,
		      uint64_t last, char *hint, size_t len);

#endif /* XI_RULE_BUILD_H */
