// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Rule tables (1.1): xenintro_set_rules(), xenintro_get_rule_hits() and
 * the XENINTRO_OPEN_IF_SUPPORTED handshake that decides whether a session
 * may use them.
 */
#include "fake_kernel.h"
#include "harness.h"

static void open_with(struct xenintro *x, uint64_t features,
		      unsigned int flags)
{
	XT_EQ(xenintro_open_path(x, "/dev/null", features, flags), 0);
	XT_EQ(xenintro_attach(x, 1, NULL), 0);
}

static struct xenintro_rule cpuid_rule(__u32 leaf, __u32 action)
{
	struct xenintro_rule r;

	memset(&r, 0, sizeof(r));
	r.event = XENINTRO_EVENT_CPUID;
	r.first = XENINTRO_CPUID_KEY(leaf, 0);
	r.last = XENINTRO_CPUID_KEY(leaf, 0xffffffff);
	r.action = action;
	return r;
}

XT_TEST(set_rules_passes_the_table)
{
	struct xenintro_rule rules[2];
	struct xenintro x;
	uint32_t bad = 7;
	uint64_t gen = 0;

	open_with(&x, XENINTRO_FEATURE_RINGS | XENINTRO_FEATURE_RULES, 0);
	rules[0] = cpuid_rule(0x40000000, XENINTRO_VERDICT_SET_REGISTERS);
	rules[0].u.cpuid.eax = 0x1234;
	rules[1] = cpuid_rule(0, XENINTRO_VERDICT_FORWARD);
	XT_EQ(xenintro_set_rules(&x, rules, 2, &bad, &gen), 0);
	XT_EQ(gen, 1);
	XT_EQ(bad, UINT32_MAX);
	XT_EQ(fk.last_rules.size, sizeof(struct xenintro_rules));
	XT_EQ(fk.last_rules.nr, 2);
	XT_EQ(fk.last_rules.rule_size, sizeof(struct xenintro_rule));
	XT_EQ(fk.last_rules.flags | fk.last_rules.reserved0 |
	      fk.last_rules.generation | fk.last_rules.reserved[0] |
	      fk.last_rules.reserved[1], 0);
	XT_EQ(fk.nr_rules, 2);
	XT_EQ(memcmp(fk.rules, rules, sizeof(rules)), 0);

	/* a second table replaces the first; generation and NULL outputs */
	XT_EQ(xenintro_set_rules(&x, rules, 1, NULL, NULL), 0);
	XT_EQ(fk.nr_rules, 1);
	XT_EQ(fk.rules_generation, 2);
	/* zero rules remove the table; NULL is fine then */
	XT_EQ(xenintro_set_rules(&x, NULL, 0, NULL, &gen), 0);
	XT_EQ(gen, 3);
	XT_EQ(fk.nr_rules, 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(set_rules_reports_the_bad_rule)
{
	struct xenintro_rule rules[3];
	struct xenintro x;
	uint32_t bad = 0;
	uint64_t gen = 99;

	open_with(&x, XENINTRO_FEATURE_RINGS | XENINTRO_FEATURE_RULES, 0);
	rules[0] = cpuid_rule(1, XENINTRO_VERDICT_CONTINUE);
	rules[1] = cpuid_rule(2, XENINTRO_VERDICT_CONTINUE);
	rules[2] = cpuid_rule(3, XENINTRO_VERDICT_CONTINUE);
	rules[1].first = rules[1].last + 1;
	XT_EQ(xenintro_set_rules(&x, rules, 3, &bad, &gen), -EINVAL);
	XT_EQ(bad, 1);
	XT_EQ(gen, 99);		/* untouched on failure */
	XT_EQ(fk.nr_rules, 0);
	/* an error that names no rule: ~0 */
	fk.cfg.fail_ioctl[_XENINTRO_SET_RULES] = ENOMEM;
	XT_EQ(xenintro_set_rules(&x, rules, 1, &bad, NULL), -ENOMEM);
	XT_EQ(bad, UINT32_MAX);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(set_rules_argument_checks)
{
	struct xenintro_rule rule = cpuid_rule(1, XENINTRO_VERDICT_CONTINUE);
	struct xenintro x;
	uint32_t bad = 5;

	XT_EQ(xenintro_set_rules(NULL, &rule, 1, &bad, NULL), -EINVAL);
	XT_EQ(bad, UINT32_MAX);
	memset(&x, 0, sizeof(x));
	x.fd = -1;
	XT_EQ(xenintro_set_rules(&x, &rule, 1, NULL, NULL), -EBADF);
	open_with(&x, XENINTRO_FEATURE_RINGS | XENINTRO_FEATURE_RULES, 0);
	XT_EQ(xenintro_set_rules(&x, NULL, 1, NULL, NULL), -EINVAL);
	XT_EQ(fk.calls[_XENINTRO_SET_RULES], 0);
	XT_EQ(xenintro_close(&x), 0);
	fk_reset();

	/* a session without the feature never reaches the kernel */
	open_with(&x, XENINTRO_FEATURE_RINGS, 0);
	XT_EQ(xenintro_set_rules(&x, &rule, 1, &bad, NULL), -EOPNOTSUPP);
	XT_EQ(fk.calls[_XENINTRO_SET_RULES], 0);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(get_rule_hits)
{
	struct xenintro_rule rules[3];
	struct xenintro x;
	uint64_t hits[4] = { 9, 9, 9, 9 };
	uint32_t nr = 0;

	open_with(&x, XENINTRO_FEATURE_RINGS | XENINTRO_FEATURE_RULES, 0);
	/* no table: zero rules, the buffer untouched */
	XT_EQ(xenintro_get_rule_hits(&x, hits, 4, &nr), 0);
	XT_EQ(nr, 0);
	XT_EQ(hits[0], 9);

	rules[0] = cpuid_rule(1, XENINTRO_VERDICT_CONTINUE);
	rules[1] = cpuid_rule(2, XENINTRO_VERDICT_CONTINUE);
	rules[2] = cpuid_rule(3, XENINTRO_VERDICT_CONTINUE);
	XT_EQ(xenintro_set_rules(&x, rules, 3, NULL, NULL), 0);
	fk.rule_hits[0] = 5;
	fk.rule_hits[1] = 0;
	fk.rule_hits[2] = 1ULL << 40;
	XT_EQ(xenintro_get_rule_hits(&x, hits, 4, &nr), 0);
	XT_EQ(nr, 3);
	XT_EQ(hits[0], 5);
	XT_EQ(hits[1], 0);
	XT_EQ(hits[2], 1ULL << 40);
	XT_EQ(hits[3], 9);	/* beyond the table: not written */
	XT_EQ(fk.last_stats.size, sizeof(struct xenintro_stats));
	XT_EQ(fk.last_stats.rule_hits, (uintptr_t)hits);
	XT_EQ(fk.last_stats.rule_hits_nr, 4);

	/* fewer slots than rules: the first ones, and the full count */
	hits[0] = hits[1] = 0;
	XT_EQ(xenintro_get_rule_hits(&x, hits, 1, &nr), 0);
	XT_EQ(nr, 3);
	XT_EQ(hits[0], 5);
	XT_EQ(hits[1], 0);
	/* the count alone */
	XT_EQ(xenintro_get_rule_hits(&x, NULL, 0, &nr), 0);
	XT_EQ(nr, 3);
	XT_EQ(fk.last_stats.rule_hits, 0);
	XT_EQ(xenintro_get_rule_hits(&x, NULL, 1, &nr), -EINVAL);
	XT_EQ(xenintro_get_rule_hits(NULL, hits, 1, &nr), -EINVAL);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(open_if_supported_grants_what_the_kernel_has)
{
	struct xenintro x;

	/* supported: one handshake, the feature granted */
	XT_EQ(xenintro_open_path(&x, "/dev/null", XENINTRO_FEATURE_RINGS |
				 XENINTRO_FEATURE_RULES,
				 XENINTRO_OPEN_IF_SUPPORTED), 0);
	XT_EQ(fk.calls[_XENINTRO_API], 1);
	XT_ASSERT(xenintro_feature_enabled(&x, XENINTRO_FEATURE_RULES));
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(open_if_supported_on_an_older_kernel)
{
	struct xenintro_rule rule = cpuid_rule(1, XENINTRO_VERDICT_CONTINUE);
	struct xenintro x;

	fk.cfg.supported_features = XENINTRO_FEATURE_RINGS;
	/* strict: the kernel's refusal */
	XT_EQ(xenintro_open_path(&x, "/dev/null", XENINTRO_FEATURE_RINGS |
				 XENINTRO_FEATURE_RULES, 0), -EINVAL);
	/* wishes: refused, probed on another fd, asked again without */
	fk.calls[_XENINTRO_API] = 0;
	XT_EQ(xenintro_open_path(&x, "/dev/null", XENINTRO_FEATURE_RINGS |
				 XENINTRO_FEATURE_RULES,
				 XENINTRO_OPEN_IF_SUPPORTED), 0);
	XT_EQ(fk.calls[_XENINTRO_API], 3);
	XT_EQ(fk.last_api.features, XENINTRO_FEATURE_RINGS);
	XT_EQ(fk.fd, x.fd);
	XT_ASSERT(!xenintro_feature_enabled(&x, XENINTRO_FEATURE_RULES));
	XT_ASSERT(xenintro_feature_enabled(&x, XENINTRO_FEATURE_RINGS));
	XT_EQ(xenintro_attach(&x, 1, NULL), 0);
	XT_EQ(xenintro_set_rules(&x, &rule, 1, NULL, NULL), -EOPNOTSUPP);
	XT_EQ(xenintro_close(&x), 0);

	/* unknown flags are refused before anything is opened */
	fk.calls[_XENINTRO_API] = 0;
	XT_EQ(xenintro_open_path(&x, "/dev/null", XENINTRO_FEATURE_RINGS,
				 1U << 5), -EINVAL);
	XT_EQ(fk.calls[_XENINTRO_API], 0);
}
