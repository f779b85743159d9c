// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the domain policy's text format (xenintro_policy_parse() and
 * xenintro_policy_print()) and its decisions (xenintro_policy_decide()).
 * The module parameter, the refusal's errno and the audit records are
 * checked through the real files and ioctls by the kselftest policy_test.
 */
#include <kunit/test.h>
#include <linux/err.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../xenintro.h"

/* The longest name there can be: 63 characters. */
#define NAME26	"abcdefghijklmnopqrstuvwxyz"
#define NAME63	NAME26 NAME26 "0123456789a"
#define DOMIDS_1_16	"1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16"
#define DOMIDS_17_32	"17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32"

struct policy_text_case {
	const char *name;
	const char *text;
	int expect;		/* 0 or the errno of the parse */
	const char *normal;	/* the printed form, when it parses */
};

static const struct policy_text_case policy_text_cases[] = {
	{ "empty: the default policy", "", 0, "default=allow" },
	{ "blanks only", " \t\n ", 0, "default=allow" },
	{ "default=deny", "default=deny", 0, "default=deny" },
	{ "default=allow", "default=allow\n", 0, "default=allow" },
	{ "one domid", "allow=5", 0, "default=allow;allow=5" },
	{ "domids and names", "deny=7,web1 allow=5,name:db",
	  0, "default=allow;allow=5,name:db;deny=7,name:web1" },
	{ "';' separates items", "default=deny;allow=3;deny=name:x",
	  0, "default=deny;allow=3;deny=name:x" },
	{ "a numeric name needs name:", "allow=name:123",
	  0, "default=allow;allow=name:123" },
	{ "dom0 by domid", "allow=0", 0, "default=allow;allow=0" },
	{ "largest domid", "deny=32751", 0, "default=allow;deny=32751" },
	{ "the normal form parses again",
	  "default=deny;allow=5,name:db;deny=7,name:web1",
	  0, "default=deny;allow=5,name:db;deny=7,name:web1" },
	{ "63-character name", "deny=name:" NAME63, 0,
	  "default=allow;deny=name:" NAME63 },
	{ "64-character name", "deny=name:" NAME63 "b", -EINVAL, NULL },
	{ "reserved domid", "deny=32752", -EINVAL, NULL },
	{ "domid out of range", "allow=70000", -EINVAL, NULL },
	{ "domid with junk", "allow=5x", -EINVAL, NULL },
	{ "negative domid", "allow=-1", -EINVAL, NULL },
	{ "hex domid", "allow=0x5", -EINVAL, NULL },
	{ "signed domid", "allow=+5", -EINVAL, NULL },
	{ "a name may hold '-' inside", "allow=web-1", 0,
	  "default=allow;allow=name:web-1" },
	{ "unknown key", "permit=5", -EINVAL, NULL },
	{ "no value", "allow=", -EINVAL, NULL },
	{ "no '='", "allow", -EINVAL, NULL },
	{ "empty selector", "allow=5,,6", -EINVAL, NULL },
	{ "trailing comma", "allow=5,", -EINVAL, NULL },
	{ "empty name", "deny=name:", -EINVAL, NULL },
	{ "quote in a name", "deny=a\"b", -EINVAL, NULL },
	{ "non-ASCII name", "deny=caf\xc3\xa9", -EINVAL, NULL },
	{ "bad default", "default=maybe", -EINVAL, NULL },
	{ "default twice", "default=deny default=deny", -EINVAL, NULL },
	{ "32 entries", "allow=" DOMIDS_1_16 "," DOMIDS_17_32, 0,
	  "default=allow;allow=" DOMIDS_1_16 "," DOMIDS_17_32 },
	{ "33 entries", "allow=" DOMIDS_1_16 " deny=" DOMIDS_17_32 ",33",
	  -E2BIG, NULL },
};

static void policy_text_desc(const struct policy_text_case *c, char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(policy_text, policy_text_cases, policy_text_desc);

static void policy_parse_table(struct kunit *test)
{
	const struct policy_text_case *c = test->param_value;
	struct xenintro_policy *p;
	char err[160];
	char *buf;

	p = xenintro_policy_parse(c->text, err, sizeof(err));
	if (c->expect) {
		KUNIT_EXPECT_TRUE(test, IS_ERR(p));
		if (IS_ERR(p)) {
			KUNIT_EXPECT_EQ(test, PTR_ERR(p), (long)c->expect);
			/* Every refusal says why. */
			KUNIT_EXPECT_NE(test, err[0], '\0');
		} else {
			kfree(p);
		}
		return;
	}
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(p), "refused: %s", err);
	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	xenintro_policy_print(p, buf, PAGE_SIZE);
	KUNIT_EXPECT_STREQ(test, buf, c->normal);
	kfree(p);
}

/* The longest policy there can be still prints whole into one page. */
static void policy_print_fits_a_page(struct kunit *test)
{
	const char *name = "name:" NAME63;
	struct xenintro_policy *p;
	char err[160];
	char *text, *buf;
	int i, n = 0, printed;

	text = kunit_kzalloc(test, 4 * PAGE_SIZE, GFP_KERNEL);
	buf = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, text);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	n += scnprintf(text + n, 4 * PAGE_SIZE - n, "default=deny deny=");
	for (i = 0; i < XENINTRO_POLICY_ENTRIES_MAX; i++)
		n += scnprintf(text + n, 4 * PAGE_SIZE - n, "%s%s",
			       i ? "," : "", name);
	p = xenintro_policy_parse(text, err, sizeof(err));
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(p), "refused: %s", err);
	printed = xenintro_policy_print(p, buf, PAGE_SIZE);
	/* scnprintf() stops one short of a full buffer: never reached. */
	KUNIT_EXPECT_LT(test, printed, (int)PAGE_SIZE - 2);
	/* The blank after default=deny became a ';': same length. */
	KUNIT_EXPECT_EQ(test, printed, n);
	kfree(p);
}

struct policy_decide_case {
	const char *name;
	const char *text;
	u16 domid;
	const char *dom_name;
	u32 marks;
	bool allowed;
	const char *code;
};

static const struct policy_decide_case policy_decide_cases[] = {
	{ "default policy, a guest", "", 5, "web", 0, true, "default-allow" },
	{ "default policy, dom0", "", 0, "Domain-0", 0, false, "dom0" },
	{ "default policy, own domain", "", 9, "", XENINTRO_IDENT_SELF,
	  false, "self" },
	{ "default policy, stub domain", "", 6, "web-dm",
	  XENINTRO_IDENT_STUB, false, "stub" },
	{ "default policy, driver domain", "", 4, "netdom",
	  XENINTRO_IDENT_DRIVER, false, "driver" },
	{ "dom0 allowed by domid", "allow=0", 0, "Domain-0", 0, true,
	  "allow-domid" },
	{ "dom0 allowed by name", "allow=Domain-0", 0, "Domain-0", 0, true,
	  "allow-name" },
	{ "driver allowed by name", "allow=netdom", 4, "netdom",
	  XENINTRO_IDENT_DRIVER, true, "allow-name" },
	{ "stub allowed by domid", "allow=6", 6, "web-dm",
	  XENINTRO_IDENT_STUB, true, "allow-domid" },
	{ "own domain allowed by domid", "allow=9", 9, "",
	  XENINTRO_IDENT_SELF, true, "allow-domid" },
	{ "a guest denied by domid", "deny=5", 5, "web", 0, false,
	  "deny-domid" },
	{ "a guest denied by name", "deny=web", 5, "web", 0, false,
	  "deny-name" },
	{ "another guest still allowed", "deny=web,7", 5, "db", 0, true,
	  "default-allow" },
	{ "deny wins over allow, written after", "allow=5 deny=web", 5,
	  "web", 0, false, "deny-name" },
	{ "deny wins over allow, written before", "deny=5 allow=web", 5,
	  "web", 0, false, "deny-domid" },
	{ "default=deny refuses the unnamed", "default=deny allow=7", 5,
	  "web", 0, false, "default-deny" },
	{ "default=deny lets the named in", "default=deny allow=7", 7, "x", 0,
	  true, "allow-domid" },
	{ "a nameless domain matches no name", "deny=name:web", 5, "", 0,
	  true, "default-allow" },
	{ "names match whole", "deny=web", 5, "web2", 0, true,
	  "default-allow" },
	{ "names match case", "deny=web", 5, "WEB", 0, true, "default-allow" },
	{ "dom0 protected under default=allow with entries", "allow=5", 0,
	  "", 0, false, "dom0" },
};

static void policy_decide_desc(const struct policy_decide_case *c,
			       char *desc)
{
	strscpy(desc, c->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(policy_decide, policy_decide_cases, policy_decide_desc);

static void policy_decide_table(struct kunit *test)
{
	const struct policy_decide_case *c = test->param_value;
	struct xenintro_policy_decision d = {};
	struct xenintro_domident id = { .marks = c->marks };
	struct xenintro_policy *p;
	char err[160];

	strscpy(id.name, c->dom_name, sizeof(id.name));
	p = xenintro_policy_parse(c->text, err, sizeof(err));
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(p), "refused: %s", err);
	xenintro_policy_decide(p, c->domid, &id, &d);
	KUNIT_EXPECT_EQ(test, d.allowed, c->allowed);
	KUNIT_EXPECT_STREQ(test, d.code, c->code);
	KUNIT_EXPECT_NOT_NULL(test, d.why);
	kfree(p);
}

/* No policy object at all (nothing was ever written): the default one. */
static void policy_decide_without_policy(struct kunit *test)
{
	struct xenintro_domident guest = { .name = "web" };
	struct xenintro_domident stub = { .marks = XENINTRO_IDENT_STUB };
	struct xenintro_policy_decision d = {};

	xenintro_policy_decide(NULL, 5, &guest, &d);
	KUNIT_EXPECT_TRUE(test, d.allowed);
	xenintro_policy_decide(NULL, 0, &guest, &d);
	KUNIT_EXPECT_FALSE(test, d.allowed);
	xenintro_policy_decide(NULL, 6, &stub, &d);
	KUNIT_EXPECT_FALSE(test, d.allowed);
	KUNIT_EXPECT_STREQ(test, d.code, "stub");
}

static struct kunit_case policy_cases[] = {
	KUNIT_CASE_PARAM(policy_parse_table, policy_text_gen_params),
	KUNIT_CASE(policy_print_fits_a_page),
	KUNIT_CASE_PARAM(policy_decide_table, policy_decide_gen_params),
	KUNIT_CASE(policy_decide_without_policy),
	{}
};

static struct kunit_suite policy_suite = {
	.name = "xenintro_policy",
	.test_cases = policy_cases,
};

kunit_test_suite(policy_suite);
