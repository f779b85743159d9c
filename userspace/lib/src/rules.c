// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * In-kernel rule tables (XENINTRO_FEATURE_RULES): installing a table and
 * reading its hit counters. Like control.c, the library checks only what
 * it needs to build the call; rule contents are the kernel's to judge, so
 * a newer kernel's events and actions work through this library as is.
 */
#include <sys/ioctl.h>

#include "internal.h"

XENINTRO_EXPORT
int xenintro_set_rules(struct xenintro *x, const struct xenintro_rule *rules,
		       uint32_t nr, uint32_t *error_index,
		       uint64_t *generation)
{
	struct xenintro_rules r;
	int ret;

	if (error_index)
		*error_index = UINT32_MAX;
	ret = xi_check_open(x);
	if (ret)
		return ret;
	if (nr && !rules)
		return -EINVAL;
	/* Asking a kernel that never granted the feature would be -EOPNOTSUPP
	 * too; saying so here spares the call and reads the same. */
	if (!(x->features & XENINTRO_FEATURE_RULES))
		return -EOPNOTSUPP;

	memset(&r, 0, sizeof(r));
	r.size = sizeof(r);
	r.nr = nr;
	r.rule_size = sizeof(*rules);
	r.rules = (__u64)(uintptr_t)rules;
	r.error_index = UINT32_MAX;
	if (ioctl(x->fd, XENINTRO_IOC_SET_RULES, &r) < 0) {
		ret = -errno;
		if (error_index)
			*error_index = r.error_index;
		return ret;
	}
	if (generation)
		*generation = r.generation;
	return 0;
}

XENINTRO_EXPORT
int xenintro_get_rule_hits(struct xenintro *x, uint64_t *hits, uint32_t nr,
			   uint32_t *rules_nr)
{
	struct xenintro_stats st;
	int ret;

	if (nr && !hits)
		return -EINVAL;
	ret = xi_check_open(x);
	if (ret)
		return ret;
	memset(&st, 0, sizeof(st));
	st.size = sizeof(st);
	st.rule_hits = (__u64)(uintptr_t)hits;
	st.rule_hits_nr = nr;
	if (ioctl(x->fd, XENINTRO_IOC_STATS, &st) < 0)
		return -errno;
	if (rules_nr)
		*rules_nr = st.rules_nr;
	return 0;
}
