/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The domain policy: which domains an ATTACH may reach (domain_policy.c).
 * The text format is described there and in README.md.
 */
#ifndef _XENINTRO_DOMAIN_POLICY_H
#define _XENINTRO_DOMAIN_POLICY_H

#include <linux/rcupdate.h>
#include <linux/types.h>

#include "hv_ops.h"

/* Entries one policy may hold: its text then always fits a sysfs page. */
#define XENINTRO_POLICY_ENTRIES_MAX	32

/**
 * struct xenintro_policy_entry - one allow or deny selector
 * @deny: a deny entry, else an allow entry
 * @by_name: matches @name, else @domid
 * @domid: the domain, when !@by_name
 * @name: the domain's name, when @by_name
 */
struct xenintro_policy_entry {
	bool deny;
	bool by_name;
	u16 domid;
	char name[XENINTRO_DOMAIN_NAME_MAX];
};

/**
 * struct xenintro_policy - a parsed policy, never changed once published
 * @rcu: freed after a grace period once replaced
 * @default_deny: a domain no entry names is refused
 * @nr: entries in @entries
 * @entries: the entries, in the order written
 */
struct xenintro_policy {
	struct rcu_head rcu;
	bool default_deny;
	u32 nr;
	struct xenintro_policy_entry entries[];
};

/**
 * struct xenintro_policy_decision - what the policy said, and why
 * @allowed: ATTACH may go on
 * @why: the reason in words, for the kernel log (static string)
 * @code: the reason as one word, for the audit record (static string)
 */
struct xenintro_policy_decision {
	bool allowed;
	const char *why;
	const char *code;
};

struct xenintro_policy *xenintro_policy_parse(const char *text, char *err,
					      size_t err_len);
int xenintro_policy_print(const struct xenintro_policy *p, char *buf,
			  size_t len);
void xenintro_policy_decide(const struct xenintro_policy *p, u16 domid,
			    const struct xenintro_domident *id,
			    struct xenintro_policy_decision *d);

int xenintro_policy_check(const struct xenintro_hv_ops *ops, u16 domid,
			  struct xenintro_domident *id);
void xenintro_policy_live(void);
void xenintro_policy_exit(void);

#endif /* _XENINTRO_DOMAIN_POLICY_H */
