// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"

void apply_device_problem(int err, char *buf, size_t len)
{
	switch (err) {
	case -ENOENT:
		snprintf(buf, len, "no such file (is xenintro.ko loaded?)");
		break;
	case -ENOTTY:
		/* the handshake ioctl is unknown there: /dev/null, a file */
		snprintf(buf, len, "not a xenintro device");
		break;
	case -EPROTO:
		snprintf(buf, len,
			 "a xenintro device whose handshake this library cannot read");
		break;
	case -EACCES:
	case -EPERM:
		snprintf(buf, len, "%s (xenintro needs CAP_SYS_ADMIN)",
			 strerror(-err));
		break;
	default:
		snprintf(buf, len, "%s", strerror(-err));
		break;
	}
}

int apply_attach(struct xenintro *x, const char *device,
		 const struct policy *p, uint32_t domid, char *why,
		 size_t len)
{
	struct xenintro_attach a;
	int ret;

	/* rule tables if this kernel has them (a policy without rules
	 * then still runs on an older one); submit-and-wait in one kick if
	 * it can, which saves a system call per wake-up (agent/main.c
	 * drain()) */
	ret = xenintro_open_path(x, device ? device : XENINTRO_DEVICE,
				 XENINTRO_FEATURE_RINGS |
				 XENINTRO_FEATURE_RULES |
				 XENINTRO_FEATURE_KICK_WAIT |
				 XENINTRO_FEATURE_MEMORY,
				 XENINTRO_OPEN_IF_SUPPORTED);
	if (ret) {
		char problem[128];

		apply_device_problem(ret, problem, sizeof(problem));
		snprintf(why, len, "%s: %s", device ? device : XENINTRO_DEVICE,
			 problem);
		return ret;
	}
	if (p->nr_rules && !xenintro_feature_enabled(x, XENINTRO_FEATURE_RULES)) {
		snprintf(why, len,
			 "the policy has rules but this kernel has no rule tables (XENINTRO_FEATURE_RULES)");
		xenintro_close(x);
		return -EOPNOTSUPP;
	}
	memset(&a, 0, sizeof(a));
	a.default_verdict = p->default_verdict;
	a.deadline_ms = p->deadline_ms;
	a.event_entries = p->ring_entries;
	a.verdict_entries = p->ring_entries;
	ret = xenintro_attach(x, domid, &a);
	if (ret) {
		snprintf(why, len, "cannot attach to domain %u: %s%s", domid,
			 strerror(-ret),
			 ret == -EBUSY ? " (another agent monitors it?)" :
			 ret == -ESRCH ? " (no such domain)" :
			 ret == -EACCES ? " (refused by xenintro's domain_policy; the kernel log says why)" :
			 "");
		xenintro_close(x);
		return ret;
	}
	return 0;
}

static const struct policy_monitor *find_monitor(const struct policy *p,
						 const struct policy_monitor *m)
{
	size_t i;

	if (!p)
		return NULL;
	for (i = 0; i < p->nr_monitors; i++)
		if (p->monitors[i].event == m->event &&
		    p->monitors[i].index == m->index)
			return &p->monitors[i];
	return NULL;
}

static bool same_monitor(const struct policy_monitor *a,
			 const struct policy_monitor *b)
{
	return a && b && a->flags == b->flags &&
	       a->ignore_mask == b->ignore_mask;
}

static int monitor_on(struct xenintro *x, const struct policy_monitor *m)
{
	int ret = xenintro_monitor(x, m->event, m->index,
				   m->flags | XENINTRO_MON_ENABLE,
				   m->ignore_mask);

	/* already on (a rollback re-enabling it): fine */
	return ret == -EEXIST ? 0 : ret;
}

static int monitor_off(struct xenintro *x, const struct policy_monitor *m)
{
	int ret = xenintro_monitor(x, m->event, m->index, 0, 0);

	return ret == -EEXIST ? 0 : ret;
}

static void monitor_desc(const struct policy_monitor *m, char *buf,
			 size_t len)
{
	if (m->event == XENINTRO_MONITOR_CTRLREG)
		snprintf(buf, len, "monitor %s", xenintro_cr_name(m->index));
	else if (m->event == XENINTRO_MONITOR_MSR)
		snprintf(buf, len, "monitor msr 0x%x", m->index);
	else
		snprintf(buf, len, "monitor %s", xenintro_monitor_name(m->event));
}

/* The rights @p gives frame @gfn, or -1 if it names no rights for it. */
static int rights_in(const struct policy *p, uint64_t gfn)
{
	size_t i;
	int r = -1;

	if (!p)
		return -1;
	/* the last range naming a frame wins, as SET_ACCESS in order does */
	for (i = 0; i < p->nr_access; i++)
		if (gfn >= p->access[i].gfn &&
		    gfn - p->access[i].gfn < p->access[i].nr)
			r = p->access[i].rights;
	return r;
}

/* Full rights back on the @*run frames from @start; the run is then empty. */
static int release_run(struct xenintro *x, uint64_t start, uint64_t *run)
{
	uint64_t n = *run;

	*run = 0;
	return n ? xenintro_set_access(x, start, n, XENINTRO_ACCESS_RWX) : 0;
}

/* Give back full rights on @old's frames that @new does not restrict. */
static int access_release(struct xenintro *x, const struct policy *old,
			  const struct policy *new)
{
	uint64_t gfn, run = 0, start = 0;
	size_t i;
	int ret;

	for (i = 0; old && i < old->nr_access; i++) {
		const struct policy_access *a = &old->access[i];

		for (gfn = a->gfn; gfn < a->gfn + a->nr; gfn++) {
			if (rights_in(new, gfn) < 0) {
				if (!run)
					start = gfn;
				run++;
				continue;
			}
			ret = release_run(x, start, &run);
			if (ret)
				return ret;
		}
		ret = release_run(x, start, &run);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * From @old to @new. @set_rules: install @new's table (a roll-back skips
 * it when the kernel refused the table, which then changed nothing);
 * *@rules_done says whether the table was installed.
 */
static int apply_one_way(struct xenintro *x, const struct policy *old,
			 const struct policy *new, bool set_rules,
			 bool *rules_done, char *why, size_t len)
{
	struct xenintro_rule *table;
	char what[64];
	uint32_t bad;
	size_t i;
	int ret;

	/* 1. the rule table, swapped atomically by the kernel; first, so
	 * that no event of a monitor or page right turned on below ever
	 * reaches the agent undecided by the new rules */
	*rules_done = false;
	if (set_rules && (new->nr_rules || (old && old->nr_rules))) {
		snprintf(what, sizeof(what), "rules");
		table = policy_rule_table(new);
		if (!table) {
			ret = -ENOMEM;
			goto fail;
		}
		ret = xenintro_set_rules(x, table, (uint32_t)new->nr_rules,
					 &bad, NULL);
		free(table);
		if (ret) {
			if (bad < new->nr_rules)
				snprintf(what, sizeof(what), "rule %s (line %u)",
					 new->rules[bad].name,
					 new->rules[bad].mark.line);
			goto fail;
		}
		*rules_done = true;
	}
	/* 2. monitors that are new or changed; a changed one goes off first
	 * (the uAPI has no "modify"), a short gap only for that event */
	for (i = 0; i < new->nr_monitors; i++) {
		const struct policy_monitor *m = &new->monitors[i];
		const struct policy_monitor *o = find_monitor(old, m);

		if (same_monitor(m, o))
			continue;
		monitor_desc(m, what, sizeof(what));
		if (o && (ret = monitor_off(x, o)))
			goto fail;
		ret = monitor_on(x, m);
		if (ret)
			goto fail;
	}
	/* 3. page rights: the new ones, in order */
	for (i = 0; i < new->nr_access; i++) {
		const struct policy_access *a = &new->access[i];

		snprintf(what, sizeof(what), "access gfn 0x%" PRIx64 "+%" PRIu64,
			 a->gfn, a->nr);
		ret = xenintro_set_access(x, a->gfn, a->nr, a->rights);
		if (ret)
			goto fail;
	}
	/* 4. what only the old policy had */
	for (i = 0; old && i < old->nr_monitors; i++) {
		const struct policy_monitor *o = &old->monitors[i];

		if (find_monitor(new, o))
			continue;
		monitor_desc(o, what, sizeof(what));
		ret = monitor_off(x, o);
		if (ret)
			goto fail;
	}
	snprintf(what, sizeof(what), "restoring page rights");
	ret = access_release(x, old, new);
	if (ret)
		goto fail;
	return 0;
fail:
	snprintf(why, len, "%s: %s", what, strerror(-ret));
	return ret;
}

int apply_policy(struct xenintro *x, const struct policy *old,
		 const struct policy *new, char *why, size_t len)
{
	char ignored[256];
	bool rules_done, ignored_done;
	int ret = apply_one_way(x, old, new, true, &rules_done, why, len);

	/*
	 * Back to the old policy: the same steps the other way round, the
	 * table only if the new one got in. Best effort: what cannot be
	 * undone stays as far as it got, and closing the fd undoes it all.
	 */
	if (ret && old)
		apply_one_way(x, new, old, rules_done, &ignored_done, ignored,
			      sizeof(ignored));
	return ret;
}
