// SPDX-License-Identifier: GPL-2.0
/*
 * The domain policy: which domains ATTACH may reach.
 *
 * The administrator writes it as the module parameter domain_policy, at
 * load time (modprobe xenintro domain_policy=...) and at run time in
 * /sys/module/xenintro/parameters/domain_policy. A module parameter with
 * its own set operation, rather than a securityfs file, because:
 *  - one file and one parser serve both moments, and modprobe.d
 *    configuration works as for any other parameter;
 *  - sysfs enforces the mode (0600: root of the initial user namespace
 *    only; root in a user namespace maps to another uid and cannot write
 *    it), the set operation checks CAP_SYS_ADMIN on top, and module
 *    parameter writes are serialised by the kernel;
 *  - securityfs would need mounting in dom0 and a second path for load
 *    time, for nothing the parameter lacks.
 *
 * Format: items separated by blanks or ';', each one of
 *   default=allow|deny        the fate of a domain no entry names
 *                             (allow when not given)
 *   allow=SEL[,SEL...]        these domains may be introspected
 *   deny=SEL[,SEL...]         these may not
 * where SEL is a domid (decimal, 0 .. 32751) or a name: "name:NAME", or
 * NAME alone when it does not start with a digit, '-' or '+' (such a
 * selector must be a domid). A name is 1 to 63
 * printable ASCII characters without blanks, '"', ',' or ';'. The empty
 * string is the default policy. At most XENINTRO_POLICY_ENTRIES_MAX
 * selectors. A policy that does not parse changes nothing.
 *
 * Decision for a domain, in this order:
 *  1. a deny entry names it (by domid or name): refused;
 *  2. an allow entry names it: allowed;
 *  3. it is dom0, the domain this kernel runs in, or marked by the
 *     backend as a driver or stub domain: refused (protected domains
 *     are reached only by an explicit allow);
 *  4. default=deny: refused; else allowed.
 * Deny wins over allow whatever the order, so that no entry can be
 * undone by another written later in the line.
 *
 * Concurrency: the policy in force is an immutable object behind an RCU
 * pointer. Writers (the set operation) are serialised by
 * xenintro_policy_lock and free the old object after a grace period;
 * ATTACH decides under rcu_read_lock() (the backend's name lookup, which
 * may sleep, runs before).
 */
#include <linux/capability.h>
#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "xenintro.h"

#define XENINTRO_POLICY_SEPARATORS	" \t\n;"
/* Printed form of one policy, at most (see xenintro_policy_print()). */
#define XENINTRO_POLICY_TEXT_MAX	PAGE_SIZE

static DEFINE_MUTEX(xenintro_policy_lock);
static struct xenintro_policy __rcu *xenintro_policy;
/* Set by module init: from then on, writers need CAP_SYS_ADMIN. */
static bool xenintro_policy_is_live;
/*
 * Set by module exit, under xenintro_policy_lock: the parameter's sysfs
 * file outlives exit briefly, and a write then must not publish a policy
 * nobody frees.
 */
static bool xenintro_policy_closed;

static bool xenintro_name_char_ok(char c)
{
	return c > ' ' && c <= '~' && c != '"' && c != ',' && c != ';';
}

/* 0, or -EINVAL with @err naming what is wrong with @sel. */
static int xenintro_selector_parse(char *sel, struct xenintro_policy_entry *e,
				   char *err, size_t err_len)
{
	const char *name = sel;
	size_t i, len;

	if (str_has_prefix(sel, "name:")) {
		name = sel + strlen("name:");
	} else if (isdigit(*sel) || *sel == '-' || *sel == '+') {
		/* Digits only: no sign, no blank, no base prefix. */
		if (sel[strspn(sel, "0123456789")] ||
		    kstrtou16(sel, 10, &e->domid) ||
		    e->domid >= XENINTRO_DOMID_FIRST_RESERVED) {
			snprintf(err, err_len, "'%s' is no domid (0..%u)", sel,
				 XENINTRO_DOMID_FIRST_RESERVED - 1);
			return -EINVAL;
		}
		return 0;
	}
	len = strlen(name);
	if (!len || len >= sizeof(e->name)) {
		snprintf(err, err_len, "'%s': a name has 1 to %zu characters",
			 sel, sizeof(e->name) - 1);
		return -EINVAL;
	}
	for (i = 0; i < len; i++) {
		if (!xenintro_name_char_ok(name[i])) {
			snprintf(err, err_len, "'%s': character %zu is not allowed in a name",
				 sel, i + 1);
			return -EINVAL;
		}
	}
	e->by_name = true;
	strscpy(e->name, name, sizeof(e->name));
	return 0;
}

/* One "key=value" item into @p. */
static int xenintro_item_parse(char *item, struct xenintro_policy *p,
			       bool *default_seen, char *err, size_t err_len)
{
	char *value = strchr(item, '=');
	char *sel;
	bool deny;
	int ret;

	if (!value) {
		snprintf(err, err_len, "'%s': expected default=, allow= or deny=",
			 item);
		return -EINVAL;
	}
	*value++ = '\0';
	if (!strcmp(item, "default")) {
		if (*default_seen) {
			snprintf(err, err_len, "default= given twice");
			return -EINVAL;
		}
		*default_seen = true;
		if (!strcmp(value, "deny")) {
			p->default_deny = true;
		} else if (strcmp(value, "allow")) {
			snprintf(err, err_len, "default=%s: allow or deny", value);
			return -EINVAL;
		}
		return 0;
	}
	if (!strcmp(item, "deny")) {
		deny = true;
	} else if (!strcmp(item, "allow")) {
		deny = false;
	} else {
		snprintf(err, err_len, "unknown key '%s'", item);
		return -EINVAL;
	}
	if (!*value) {
		snprintf(err, err_len, "%s= names no domain", item);
		return -EINVAL;
	}
	while ((sel = strsep(&value, ","))) {
		if (p->nr >= XENINTRO_POLICY_ENTRIES_MAX) {
			snprintf(err, err_len, "more than %u domains",
				 XENINTRO_POLICY_ENTRIES_MAX);
			return -E2BIG;
		}
		if (!*sel) {
			snprintf(err, err_len, "an empty domain in %s=", item);
			return -EINVAL;
		}
		p->entries[p->nr].deny = deny;
		ret = xenintro_selector_parse(sel, &p->entries[p->nr], err,
					      err_len);
		if (ret)
			return ret;
		p->nr++;
	}
	return 0;
}

/**
 * xenintro_policy_parse() - parse a policy's text
 * @text: the text (see the top of this file)
 * @err: filled with what is wrong on failure
 * @err_len: bytes at @err
 *
 * Return: a new policy (kfree() it, or publish it), or an ERR_PTR():
 * -EINVAL for bad text, -E2BIG for too many entries, -ENOMEM.
 */
struct xenintro_policy *xenintro_policy_parse(const char *text, char *err,
					      size_t err_len)
{
	struct xenintro_policy *p;
	bool default_seen = false;
	char *copy, *cursor, *item;
	int ret = 0;

	if (err_len)
		err[0] = '\0';
	p = kzalloc(struct_size(p, entries, XENINTRO_POLICY_ENTRIES_MAX),
		    GFP_KERNEL);
	copy = kstrdup(text, GFP_KERNEL);
	if (!p || !copy) {
		kfree(copy);
		kfree(p);
		return ERR_PTR(-ENOMEM);
	}
	cursor = copy;
	while (!ret && (item = strsep(&cursor, XENINTRO_POLICY_SEPARATORS))) {
		if (*item)
			ret = xenintro_item_parse(item, p, &default_seen, err,
						  err_len);
	}
	kfree(copy);
	if (ret) {
		kfree(p);
		return ERR_PTR(ret);
	}
	return p;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_policy_parse);

static int xenintro_policy_print_list(const struct xenintro_policy *p,
				      bool deny, char *buf, size_t len)
{
	const struct xenintro_policy_entry *e;
	const char *sep = deny ? ";deny=" : ";allow=";
	int n = 0;
	u32 i;

	for (i = 0; i < p->nr; i++) {
		e = &p->entries[i];
		if (e->deny != deny)
			continue;
		if (e->by_name)
			n += scnprintf(buf + n, len - n, "%sname:%s", sep,
				       e->name);
		else
			n += scnprintf(buf + n, len - n, "%s%u", sep, e->domid);
		sep = ",";
	}
	return n;
}

/**
 * xenintro_policy_print() - the policy in its normal form
 * @p: the policy
 * @buf: where to write it
 * @len: bytes at @buf (XENINTRO_POLICY_TEXT_MAX always suffices)
 *
 * The normal form has no blanks or quotes, so that it is one audit field:
 * "default=allow|deny[;allow=SEL,...][;deny=SEL,...]", names always as
 * "name:NAME". Parsing it gives the same policy back.
 *
 * Return: the length written.
 */
int xenintro_policy_print(const struct xenintro_policy *p, char *buf,
			  size_t len)
{
	int n;

	n = scnprintf(buf, len, "default=%s",
		      p && p->default_deny ? "deny" : "allow");
	if (!p)
		return n;
	n += xenintro_policy_print_list(p, false, buf + n, len - n);
	n += xenintro_policy_print_list(p, true, buf + n, len - n);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_policy_print);

static bool xenintro_entry_names(const struct xenintro_policy_entry *e,
				 u16 domid, const struct xenintro_domident *id)
{
	if (!e->by_name)
		return e->domid == domid;
	return id->name[0] && !strcmp(e->name, id->name);
}

/* Does an entry of kind @deny name the domain? Sets the reason if so. */
static bool xenintro_policy_names(const struct xenintro_policy *p, bool deny,
				  u16 domid,
				  const struct xenintro_domident *id,
				  struct xenintro_policy_decision *d)
{
	const struct xenintro_policy_entry *e;
	u32 i;

	for (i = 0; p && i < p->nr; i++) {
		e = &p->entries[i];
		if (e->deny != deny || !xenintro_entry_names(e, domid, id))
			continue;
		if (e->by_name) {
			d->why = deny ? "denied by name" : "allowed by name";
			d->code = deny ? "deny-name" : "allow-name";
		} else {
			d->why = deny ? "denied by domid" : "allowed by domid";
			d->code = deny ? "deny-domid" : "allow-domid";
		}
		return true;
	}
	return false;
}

/* The protected kinds of domain, in the order they are told apart. */
static const struct {
	u32 mark;
	const char *why;
	const char *code;
} xenintro_protected[] = {
	{ XENINTRO_IDENT_SELF,
	  "the domain this kernel runs in (allow it explicitly)", "self" },
	{ XENINTRO_IDENT_STUB, "a stub domain (allow it explicitly)", "stub" },
	{ XENINTRO_IDENT_DRIVER, "a driver domain (allow it explicitly)",
	  "driver" },
};

/**
 * xenintro_policy_decide() - may ATTACH reach this domain?
 * @p: the policy in force (NULL: the default one)
 * @domid: the domain
 * @id: its name and marks, from the backend
 * @d: the decision and its reason
 */
void xenintro_policy_decide(const struct xenintro_policy *p, u16 domid,
			    const struct xenintro_domident *id,
			    struct xenintro_policy_decision *d)
{
	unsigned int i;

	d->allowed = false;
	if (xenintro_policy_names(p, true, domid, id, d))
		return;
	if (xenintro_policy_names(p, false, domid, id, d)) {
		d->allowed = true;
		return;
	}
	if (!domid) {
		d->why = "dom0 (allow it explicitly)";
		d->code = "dom0";
		return;
	}
	for (i = 0; i < ARRAY_SIZE(xenintro_protected); i++) {
		if (id->marks & xenintro_protected[i].mark) {
			d->why = xenintro_protected[i].why;
			d->code = xenintro_protected[i].code;
			return;
		}
	}
	if (p && p->default_deny) {
		d->why = "not allowed (default=deny)";
		d->code = "default-deny";
		return;
	}
	d->allowed = true;
	d->why = "default=allow";
	d->code = "default-allow";
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_policy_decide);

/**
 * xenintro_policy_check() - ATTACH's policy check
 * @ops: the backend
 * @domid: the domain asked for
 * @id: filled with the domain's name and marks
 *
 * A refusal is logged (why, and who asked) and audited.
 *
 * Return: 0 if allowed; -EACCES if the policy refuses the domain; the
 * backend's error if it cannot tell who the domain is (-ESRCH: it does
 * not exist).
 */
int xenintro_policy_check(const struct xenintro_hv_ops *ops, u16 domid,
			  struct xenintro_domident *id)
{
	struct xenintro_policy_decision d;
	int ret = 0;

	memset(id, 0, sizeof(*id));
	if (ops->domain_identity) {
		ret = ops->domain_identity(domid, id);
		/*
		 * dom0 is refused whether or not the backend knows it (the
		 * simulator has none); anything else must be known.
		 */
		if (ret && !(ret == -ESRCH && !domid))
			return ret;
		id->name[sizeof(id->name) - 1] = '\0';
	}

	rcu_read_lock();
	xenintro_policy_decide(rcu_dereference(xenintro_policy), domid, id,
			       &d);
	rcu_read_unlock();
	if (d.allowed)
		return 0;

	pr_warn_ratelimited("xenintro: ATTACH to dom%u%s%s%s refused (pid %d, %s): %s\n",
			    domid, id->name[0] ? " (" : "", id->name,
			    id->name[0] ? ")" : "", task_pid_nr(current),
			    current->comm, d.why);
	xenintro_audit_refused(domid, id, d.code);
	return -EACCES;
}

/* Module parameter domain_policy: set (load time and sysfs writes). */
static int xenintro_policy_set(const char *val, const struct kernel_param *kp)
{
	struct xenintro_policy *new, *old;
	char err[160];
	char *old_text, *new_text;

	if (READ_ONCE(xenintro_policy_is_live) && !capable(CAP_SYS_ADMIN)) {
		xenintro_audit_policy(NULL, NULL, "CAP_SYS_ADMIN needed",
				      -EPERM);
		return -EPERM;
	}

	new = xenintro_policy_parse(val, err, sizeof(err));
	if (IS_ERR(new)) {
		pr_warn("xenintro: domain_policy not changed: %s\n",
			err[0] ? err : "out of memory");
		xenintro_audit_policy(NULL, NULL, err[0] ? err : "no memory",
				      PTR_ERR(new));
		return PTR_ERR(new);
	}
	old_text = kmalloc(XENINTRO_POLICY_TEXT_MAX, GFP_KERNEL);
	new_text = kmalloc(XENINTRO_POLICY_TEXT_MAX, GFP_KERNEL);
	if (!old_text || !new_text) {
		kfree(old_text);
		kfree(new_text);
		kfree(new);
		return -ENOMEM;
	}

	mutex_lock(&xenintro_policy_lock);
	if (xenintro_policy_closed) {
		mutex_unlock(&xenintro_policy_lock);
		kfree(old_text);
		kfree(new_text);
		kfree(new);
		return -ENODEV;
	}
	old = rcu_dereference_protected(xenintro_policy,
					lockdep_is_held(&xenintro_policy_lock));
	xenintro_policy_print(old, old_text, XENINTRO_POLICY_TEXT_MAX);
	xenintro_policy_print(new, new_text, XENINTRO_POLICY_TEXT_MAX);
	rcu_assign_pointer(xenintro_policy, new);
	mutex_unlock(&xenintro_policy_lock);
	if (old)
		kfree_rcu(old, rcu);

	pr_info("xenintro: domain_policy now %s (was %s)\n", new_text,
		old_text);
	xenintro_audit_policy(old_text, new_text, NULL, 0);
	kfree(old_text);
	kfree(new_text);
	return 0;
}

/* Module parameter domain_policy: get (the normal form). */
static int xenintro_policy_get(char *buf, const struct kernel_param *kp)
{
	int n;

	rcu_read_lock();
	n = xenintro_policy_print(rcu_dereference(xenintro_policy), buf,
				  XENINTRO_POLICY_TEXT_MAX - 1);
	rcu_read_unlock();
	buf[n++] = '\n';
	return n;
}

/*
 * Module parameter domain_policy: free. The module loader calls it when a
 * parameter after this one fails the load: init never ran, so
 * xenintro_policy_exit() will not, and the parsed policy would leak. It
 * calls it again at unload, after the exit took the policy (NULL then).
 * Either way no reader is left: the parameter's sysfs file does not exist
 * yet, or is gone.
 */
static void xenintro_policy_free(void *arg)
{
	struct xenintro_policy *p;

	mutex_lock(&xenintro_policy_lock);
	p = rcu_dereference_protected(xenintro_policy,
				      lockdep_is_held(&xenintro_policy_lock));
	RCU_INIT_POINTER(xenintro_policy, NULL);
	mutex_unlock(&xenintro_policy_lock);
	kfree(p);
}

static const struct kernel_param_ops xenintro_policy_param_ops = {
	.set = xenintro_policy_set,
	.get = xenintro_policy_get,
	.free = xenintro_policy_free,
};

/* 0600: only root of the initial user namespace reads or writes it. */
module_param_cb(domain_policy, &xenintro_policy_param_ops, NULL, 0600);
MODULE_PARM_DESC(domain_policy,
		 "domains ATTACH may reach: [default=allow|deny] [allow=SEL,...] [deny=SEL,...], SEL a domid or name:NAME (default: every domain but dom0, this kernel's own, driver and stub domains)");

/* Module init is done: from now on a write is an administrator's act. */
void xenintro_policy_live(void)
{
	WRITE_ONCE(xenintro_policy_is_live, true);
}

/*
 * Module exit (or a failed init): no ATTACH can run any more; the policy
 * goes once readers of the parameter are done, later writes are refused.
 */
void xenintro_policy_exit(void)
{
	struct xenintro_policy *p;

	mutex_lock(&xenintro_policy_lock);
	xenintro_policy_closed = true;
	p = rcu_dereference_protected(xenintro_policy,
				      lockdep_is_held(&xenintro_policy_lock));
	RCU_INIT_POINTER(xenintro_policy, NULL);
	mutex_unlock(&xenintro_policy_lock);
	/* A read of the parameter may still hold it. */
	synchronize_rcu();
	kfree(p);
}
