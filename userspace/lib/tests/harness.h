/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A small TAP test harness. Tests register themselves with XT_TEST() (in
 * the "xt_tests" linker section, in link order); the runner forks one
 * child per test, so a crash or a hang fails that test alone and every
 * test starts with a fresh simulated kernel.
 */
#ifndef XT_HARNESS_H
#define XT_HARNESS_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct xt_test {
	const char *name;
	void (*fn)(void);
	const char *file;
	int line;
};

#define XT_TEST(name)							\
	static void name(void);						\
	static const struct xt_test xt_desc_##name =			\
		{ #name, name, __FILE__, __LINE__ };			\
	/* pointers, so the section holds no padding between entries */	\
	static const struct xt_test *const xt_ptr_##name		\
	__attribute__((used, section("xt_tests"))) = &xt_desc_##name;	\
	static void name(void)

/* Path of the shared library under test (--so), or NULL. */
extern const char *xt_so_path;

__attribute__((noreturn, format(printf, 3, 4)))
void xt_fail(const char *file, int line, const char *fmt, ...);
__attribute__((noreturn, format(printf, 1, 2)))
void xt_skip(const char *fmt, ...);
__attribute__((format(printf, 1, 2)))
void xt_diag(const char *fmt, ...);

#define XT_ASSERT(cond)							\
	do {								\
		if (!(cond))						\
			xt_fail(__FILE__, __LINE__, "%s", #cond);	\
	} while (0)

/* Compare as long long so that -errno and counts print readably. */
#define XT_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
		if (_a != _b)						\
			xt_fail(__FILE__, __LINE__,			\
				"%s == %s: %lld != %lld", #a, #b, _a, _b); \
	} while (0)

#define XT_STREQ(a, b)							\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if (!_a || !_b || strcmp(_a, _b))			\
			xt_fail(__FILE__, __LINE__,			\
				"%s == %s: \"%s\" != \"%s\"", #a, #b,	\
				_a ? _a : "(null)", _b ? _b : "(null)"); \
	} while (0)

#endif /* XT_HARNESS_H */
