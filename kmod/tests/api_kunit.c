// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the API handshake as the ioctl runs it, the caller's bytes
 * through xenintro_struct_in() and then xenintro_api_check().
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../xenintro.h"

#define API_MIN_SIZE	offsetofend(struct xenintro_api, reserved)

struct api_case {
	const char *name;
	u32 usize;		/* declared size */
	u32 version;
	u64 features;
	u64 reserved0;
	u64 reserved1;
	bool tail_nonzero;	/* a byte beyond sizeof() is set */
	int expect;
};

static const struct api_case api_cases[] = {
	{ "good, no features", 48, 1, 0, 0, 0, false, 0 },
	{ "good, rings", 48, 1, XENINTRO_FEATURE_RINGS, 0, 0, false, 0 },
	{ "good, every supported feature", 48, 1,
	  XENINTRO_SUPPORTED_FEATURES, 0, 0, false, 0 },
	{ "version 0", 48, 0, 0, 0, 0, false, -EINVAL },
	{ "version 2", 48, 2, 0, 0, 0, false, -EINVAL },
	{ "version ~0", 48, ~0U, 0, 0, 0, false, -EINVAL },
	{ "size 0", 0, 1, 0, 0, 0, false, -EINVAL },
	{ "size 4", 4, 1, 0, 0, 0, false, -EINVAL },
	{ "size 47", 47, 1, 0, 0, 0, false, -EINVAL },
	{ "long size, zero tail", 64, 1, 0, 0, 0, false, 0 },
	{ "long size, non-zero tail", 64, 1, 0, 0, 0, true, -E2BIG },
	{ "size one page, zero tail", PAGE_SIZE, 1, 0, 0, 0, false, 0 },
	{ "size above a page", PAGE_SIZE + 1, 1, 0, 0, 0, false, -E2BIG },
	{ "reserved[0] set", 48, 1, 0, 1, 0, false, -EINVAL },
	{ "reserved[1] set", 48, 1, 0, 0, 1ULL << 63, false, -EINVAL },
};

static void api_case_desc(const struct api_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(api, api_cases, api_case_desc);

/* Run the handshake on @usize bytes the caller "sent"; returns the errno. */
static int run_handshake(struct kunit *test, const struct xenintro_api *in,
			 u32 usize, bool tail_nonzero, struct xenintro_api *out)
{
	size_t bufsize = max_t(size_t, usize, sizeof(*in)) + 1;
	u8 *buf = kunit_kzalloc(test, bufsize, GFP_KERNEL);
	int ret;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	memcpy(buf, in, min_t(size_t, usize, sizeof(*in)));
	if (tail_nonzero && usize > sizeof(*in))
		buf[usize - 1] = 0x5a;

	ret = xenintro_struct_in(out, sizeof(*out), API_MIN_SIZE, buf, usize);
	if (ret)
		return ret;
	return xenintro_api_check(out);
}

static void api_handshake_table(struct kunit *test)
{
	const struct api_case *c = test->param_value;
	struct xenintro_api in = {
		.size = c->usize,
		.api_version = c->version,
		.features = c->features,
		.reserved = { c->reserved0, c->reserved1 },
	};
	struct xenintro_api out;
	int ret;

	memset(&out, 0xcc, sizeof(out));
	ret = run_handshake(test, &in, c->usize, c->tail_nonzero, &out);
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

	while (bit < 64 && (XENINTRO_SUPPORTED_FEATURES & (1ULL << bit)))
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

	KUNIT_EXPECT_EQ(test, run_handshake(test, &in, sizeof(in), false, &out),
			-EINVAL);
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

/* Bytes the caller did not send read as zero. */
static void api_short_struct_zero_fills(struct kunit *test)
{
	struct { u32 size; u32 a; u64 b; } small = { 8, 7, 0 };
	struct { u32 size; u32 a; u64 b; u64 c; } big;

	memset(&big, 0xee, sizeof(big));
	KUNIT_ASSERT_EQ(test, xenintro_struct_in(&big, sizeof(big), 8,
						 &small, 8), 0);
	KUNIT_EXPECT_EQ(test, big.size, (u32)sizeof(big));
	KUNIT_EXPECT_EQ(test, big.a, 7U);
	KUNIT_EXPECT_EQ(test, big.b, 0ULL);
	KUNIT_EXPECT_EQ(test, big.c, 0ULL);
}

static struct kunit_case api_test_cases[] = {
	KUNIT_CASE_PARAM(api_handshake_table, api_gen_params),
	KUNIT_CASE_PARAM(api_unknown_feature_bit, unknown_bit_gen),
	KUNIT_CASE(api_error_leaves_struct),
	KUNIT_CASE(api_short_struct_zero_fills),
	{}
};

static struct kunit_suite api_test_suite = {
	.name = "xenintro_api",
	.test_cases = api_test_cases,
};

kunit_test_suites(&api_test_suite);
