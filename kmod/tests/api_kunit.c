// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the API handshake's checks (xenintro_api_check()). The size rules
 * of the struct are copy_struct_from_user()'s, run by the ioctl on user
 * memory; the kselftest api_test checks them through the real ioctl.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../xenintro.h"

struct api_case {
	const char *name;
	u32 version;
	u64 features;
	u64 reserved0;
	u64 reserved1;
	int expect;
};

static const struct api_case api_cases[] = {
	{ "good, no features", 1, 0, 0, 0, 0 },
	{ "good, rings", 1, XENINTRO_FEATURE_RINGS, 0, 0, 0 },
	{ "good, every supported feature", 1, XENINTRO_SUPPORTED_FEATURES,
	  0, 0, 0 },
	{ "version 0", 0, 0, 0, 0, -EINVAL },
	{ "version 2", 2, 0, 0, 0, -EINVAL },
	{ "version ~0", ~0U, 0, 0, 0, -EINVAL },
	{ "reserved[0] set", 1, 0, 1, 0, -EINVAL },
	{ "reserved[1] set", 1, 0, 0, 1ULL << 63, -EINVAL },
};

static void api_case_desc(const struct api_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(api, api_cases, api_case_desc);

/* The handshake on a struct the ioctl has read in; returns the errno. */
static int run_handshake(const struct xenintro_api *in,
			 struct xenintro_api *out)
{
	*out = *in;
	out->size = sizeof(*out);
	return xenintro_api_check(out);
}

static void api_handshake_table(struct kunit *test)
{
	const struct api_case *c = test->param_value;
	struct xenintro_api in = {
		.size = sizeof(in),
		.api_version = c->version,
		.features = c->features,
		.reserved = { c->reserved0, c->reserved1 },
	};
	struct xenintro_api out;
	int ret;

	memset(&out, 0xcc, sizeof(out));
	ret = run_handshake(&in, &out);
	KUNIT_EXPECT_EQ(test, ret, c->expect);
	if (ret)
		return;
	KUNIT_EXPECT_EQ(test, out.size, (u32)sizeof(out));
	KUNIT_EXPECT_EQ(test, out.api_version, (u32)XENINTRO_API_VERSION);
	KUNIT_EXPECT_EQ(test, out.features, c->features);
	KUNIT_EXPECT_EQ(test, out.supported_features,
			(u64)XENINTRO_SUPPORTED_FEATURES);
	KUNIT_EXPECT_EQ(test, out.ioctls, (u64)XENINTRO_V1_IOCTLS);
	KUNIT_EXPECT_FALSE(test, out.ioctls & (1ULL << _XENINTRO_API));
	KUNIT_EXPECT_TRUE(test, out.ioctls & (1ULL << _XENINTRO_ATTACH));
}

/* One case per feature bit the kernel does not know: each gets -EINVAL. */
static const void *unknown_bit_gen(const void *prev, char *desc)
{
	const unsigned long *p = prev;
	static unsigned long bits[64];
	unsigned long bit = p ? *p + 1 : 0;

	while (bit < 64 && (XENINTRO_KNOWN_FEATURES & (1ULL << bit)))
		bit++;
	if (bit >= 64)
		return NULL;
	bits[bit] = bit;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "unknown feature bit %lu", bit);
	return &bits[bit];
}

static void api_unknown_feature_bit(struct kunit *test)
{
	unsigned long bit = *(const unsigned long *)test->param_value;
	struct xenintro_api in = {
		.size = sizeof(in),
		.api_version = XENINTRO_API_VERSION,
		.features = XENINTRO_FEATURE_RINGS | (1ULL << bit),
	};
	struct xenintro_api out;

	KUNIT_EXPECT_EQ(test, run_handshake(&in, &out), -EINVAL);
}

/* A failed handshake must not have written its outputs. */
static void api_error_leaves_struct(struct kunit *test)
{
	struct xenintro_api api = {
		.size = sizeof(api),
		.api_version = 9,
		.supported_features = 0x1234,
		.ioctls = 0x5678,
	};

	KUNIT_EXPECT_EQ(test, xenintro_api_check(&api), -EINVAL);
	KUNIT_EXPECT_EQ(test, api.supported_features, 0x1234ULL);
	KUNIT_EXPECT_EQ(test, api.ioctls, 0x5678ULL);
}

static struct kunit_case api_test_cases[] = {
	KUNIT_CASE_PARAM(api_handshake_table, api_gen_params),
	KUNIT_CASE_PARAM(api_unknown_feature_bit, unknown_bit_gen),
	KUNIT_CASE(api_error_leaves_struct),
	{}
};

static struct kunit_suite api_test_suite = {
	.name = "xenintro_api",
	.test_cases = api_test_cases,
};

kunit_test_suites(&api_test_suite);
