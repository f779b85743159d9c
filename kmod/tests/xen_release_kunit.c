// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the table of Xen releases (xen_release.c) and the load-time
 * choice both backends make through it, with a fake hypervisor standing
 * in for the domctl probe: every release it knows gets its own domctl
 * version; an unknown release, a modified build that refuses its
 * release's domctl version, and a foreign vm_event interface are refused.
 */
#include <kunit/test.h>

#include "../xen_abi.h"
#include "../xen_release.h"

/* A fake hypervisor: accepts one domctl version, reports a vm_event one. */
struct fake_xen {
	u32 accepts;
	u32 vm_event;
	int error;
	unsigned int probes;
	u32 asked;
};

static int fake_vm_event_version(void *ctx, u32 domctl_version, u32 *version)
{
	struct fake_xen *x = ctx;

	x->probes++;
	x->asked = domctl_version;
	if (x->error)
		return x->error;
	if (domctl_version != x->accepts)
		return -EACCES;
	*version = x->vm_event;
	return 0;
}

static int pick(struct fake_xen *x, u32 xenver,
		const struct xenintro_xen_release **out)
{
	struct xenintro_xen_probe probe = {
		.who = "xen_release_kunit",
		.vm_event_version = fake_vm_event_version,
		.ctx = x,
	};

	*out = NULL;
	return xenintro_xen_release_select(xenver, &probe, out);
}

/* Each release's domctl interface version, from its public/domctl.h. */
static void release_table(struct kunit *test)
{
	static const struct { u32 xenver, domctl; bool next; } want[] = {
		{ 0x40010, 0x14, true },
		{ 0x40011, 0x15, true },
		{ 0x40012, 0x16, false },
		{ 0x40013, 0x17, false },
		{ 0x40014, 0x17, false },
	};
	const struct xenintro_xen_release *r;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(want); i++) {
		r = xenintro_xen_release_find(want[i].xenver);
		KUNIT_ASSERT_NOT_NULL(test, r);
		KUNIT_EXPECT_EQ(test, (u32)r->major << 16 | r->minor,
				want[i].xenver);
		KUNIT_EXPECT_EQ(test, r->domctl_version, want[i].domctl);
		KUNIT_EXPECT_EQ(test, r->getdomaininfo_next, want[i].next);
	}
	/* before, after, and nowhere near the releases it knows */
	KUNIT_EXPECT_NULL(test, xenintro_xen_release_find(0x4000f));
	KUNIT_EXPECT_NULL(test, xenintro_xen_release_find(0x40015));
	KUNIT_EXPECT_NULL(test, xenintro_xen_release_find(0x50000));
	KUNIT_EXPECT_NULL(test, xenintro_xen_release_find(0));
	KUNIT_EXPECT_NULL(test, xenintro_xen_release_find(0xffffffff));
}

/* A known release whose hypervisor agrees: chosen, probed with its version. */
static void select_known(struct kunit *test)
{
	struct fake_xen x = { .accepts = 0x17, .vm_event = XVE_INTERFACE_VERSION };
	const struct xenintro_xen_release *r;

	KUNIT_EXPECT_EQ(test, pick(&x, 0x40014, &r), 0);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->minor, 20);
	KUNIT_EXPECT_EQ(test, x.asked, 0x17U);
	KUNIT_EXPECT_EQ(test, x.probes, 1U);

	x = (struct fake_xen){ .accepts = 0x15, .vm_event = XVE_INTERFACE_VERSION };
	KUNIT_EXPECT_EQ(test, pick(&x, 0x40011, &r), 0);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, r->minor, 17);
}

/* Xen 4.21 is not in the table: refused before any domctl is tried. */
static void select_unknown_release(struct kunit *test)
{
	struct fake_xen x = { .accepts = 0x17, .vm_event = XVE_INTERFACE_VERSION };
	const struct xenintro_xen_release *r;

	KUNIT_EXPECT_EQ(test, pick(&x, 0x40015, &r), -EOPNOTSUPP);
	KUNIT_EXPECT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, x.probes, 0U);
	KUNIT_EXPECT_EQ(test, pick(&x, 0x4000f, &r), -EOPNOTSUPP);
	KUNIT_EXPECT_EQ(test, x.probes, 0U);
}

/* Says 4.18, refuses 4.18's domctl version: a modified build, refused. */
static void select_modified_build(struct kunit *test)
{
	struct fake_xen x = { .accepts = 0x17, .vm_event = XVE_INTERFACE_VERSION };
	const struct xenintro_xen_release *r;

	KUNIT_EXPECT_EQ(test, pick(&x, 0x40012, &r), -EOPNOTSUPP);
	KUNIT_EXPECT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, x.asked, 0x16U);
	/* only the release's own version is tried, never a guess after it */
	KUNIT_EXPECT_EQ(test, x.probes, 1U);
}

/* Another vm_event interface, or the probe failing otherwise: refused. */
static void select_vm_event_mismatch(struct kunit *test)
{
	struct fake_xen x = { .accepts = 0x15, .vm_event = XVE_INTERFACE_VERSION + 1 };
	const struct xenintro_xen_release *r;

	KUNIT_EXPECT_EQ(test, pick(&x, 0x40011, &r), -EOPNOTSUPP);
	KUNIT_EXPECT_NULL(test, r);
	x = (struct fake_xen){ .accepts = 0x15, .error = -EPERM };
	KUNIT_EXPECT_EQ(test, pick(&x, 0x40011, &r), -EOPNOTSUPP);
	KUNIT_EXPECT_NULL(test, r);
}

static struct kunit_case xen_release_cases[] = {
	KUNIT_CASE(release_table),
	KUNIT_CASE(select_known),
	KUNIT_CASE(select_unknown_release),
	KUNIT_CASE(select_modified_build),
	KUNIT_CASE(select_vm_event_mismatch),
	{}
};

static struct kunit_suite xen_release_suite = {
	.name = "xenintro_xen_release",
	.test_cases = xen_release_cases,
};

kunit_test_suites(&xen_release_suite);
