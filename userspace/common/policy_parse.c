// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The policy file: YAML read by libyaml into a document tree, which keeps
 * the line and column of every node; this file walks the tree, checks
 * each field's type and value, and fills struct policy. Every error names
 * file, line, column and the field's path ("rules[2].cleared[0]").
 *
 * Strictness is the point: an unknown field, a duplicate key or a quoted
 * number is an error, never silently ignored, because a typo in a
 * security policy must not turn into a rule that does nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>
#include <yaml.h>

#include "guest.h"
#include "policy.h"
#include "rule_build.h"
#include "x86_names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define PATH_MAX_LEN 96

/*
 * A policy may be several files: include: names files (relative to the
 * file that names them) whose lists, monitors and rules join the
 * policy's. Each is a YAML document of its own, read here in full before
 * any section is parsed; errors in one name that file and its own
 * line:col (the diag's file is switched with the document).
 */
struct policy_file {
	char *path;		/* as errors name it */
	char *real;		/* realpath(), to find cycles; NULL: a buffer */
	yaml_document_t *doc;
	bool own_doc;		/* an include: deleted with the file */
	unsigned int depth;	/* 0: the policy itself */
	size_t parent;		/* the file that included it */
};

/* A named list of lists:, as strings with their YAML styles. */
struct named_list {
	char *name;
	char **values;
	yaml_scalar_style_t *styles;
	size_t nr;
	size_t file;		/* where it is defined, for a duplicate */
	unsigned int line;
};

struct ctx {
	yaml_document_t *doc;
	struct diag *d;
	struct policy *p;
	struct policy_env *env;	/* NULL: no kernel symbols here */
	bool kernel_ok;		/* env has the policy's kernel.image */
	struct access_map amap;	/* the rights access: leaves, once read */
	bool amap_built;
	/*
	 * An error in what other sections refer to (monitors, access,
	 * rules, a misspelt section): checks of one section against another
	 * would only repeat it, so they are left out.
	 */
	bool refs_broken;
	bool list_full;	/* POLICY_ACCESS_MAX or _MONITORS_MAX reached */
	/* the policy's files: [0] itself, then its includes (read_files()) */
	struct policy_file *files;
	size_t nr_files;
	size_t bytes;		/* of all of them, at most POLICY_FILE_MAX */
	struct named_list *lists;
	size_t nr_lists;
	size_t expanded;	/* values that references to lists gave */
};

/* Switch the parse (and its errors) to file @k of the policy. */
static void use_file(struct ctx *c, size_t k)
{
	c->doc = c->files[k].doc;
	c->d->file = c->files[k].path;
	c->d->file_seq = (unsigned int)k;
}

static yaml_node_t *file_root(struct ctx *c, size_t k)
{
	return yaml_document_get_root_node(c->files[k].doc);
}

/*
 * Errors are reported as compilers do: all of them, up to the diag's
 * max. A list item, a field of a section or a section with an error is
 * left out and the parse goes on with the next, so that one mistake
 * makes one message; past the max it stops.
 */
static bool too_many(const struct ctx *c)
{
	return c->d->nr > c->d->max;
}

static struct src_mark mark_of(const yaml_node_t *n)
{
	struct src_mark m = {
		.line = (unsigned int)n->start_mark.line + 1,
		.col = (unsigned int)n->start_mark.column + 1,
	};
	return m;
}

static yaml_node_t *node(struct ctx *c, int id)
{
	return yaml_document_get_node(c->doc, id);
}

static const char *scalar(const yaml_node_t *n)
{
	return (const char *)n->data.scalar.value;
}

static bool is_plain(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE &&
	       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* A plain empty scalar or "~"/"null": YAML's null. */
static bool is_null(const yaml_node_t *n)
{
	return is_plain(n) && (!*scalar(n) || !strcmp(scalar(n), "~") ||
			       !strcmp(scalar(n), "null"));
}

static const char *type_name(const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE)
		return "a mapping";
	if (n->type == YAML_SEQUENCE_NODE)
		return "a list";
	if (is_null(n))
		return "nothing";
	if (!*scalar(n))
		return "an empty string";
	return is_plain(n) ? "a scalar" : "a quoted string";
}

__attribute__((format(printf, 4, 5)))
static int err(struct ctx *c, const yaml_node_t *n, const char *path,
	       const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* the root mapping's path is "": name it */
	return diag_error(c->d, mark_of(n), path && !*path ? "the policy" : path,
			  "%s", msg);
}

__attribute__((format(printf, 4, 5)))
static const char *sub(char *buf, size_t len, const char *path,
		       const char *fmt, ...)
{
	size_t n = (size_t)snprintf(buf, len, "%s", path);
	va_list ap;

	if (n >= len)
		return buf;
	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return buf;
}

/* ---- mappings ------------------------------------------------------- */

/*
 * @n must be a mapping whose keys are plain scalars, each once, each in
 * @allowed (NULL-terminated).
 */
static int check_fields(struct ctx *c, const yaml_node_t *n, const char *path,
			const char *const *allowed)
{
	yaml_node_pair_t *a, *b;
	char field[PATH_MAX_LEN];
	size_t i;
	int ret = 0;

	if (n->type != YAML_MAPPING_NODE)
		return err(c, n, path, "expected a mapping, got %s",
			   type_name(n));
	/* every bad field of the mapping: a typo seldom comes alone */
	for (a = n->data.mapping.pairs.start;
	     a < n->data.mapping.pairs.top && !too_many(c); a++) {
		yaml_node_t *k = node(c, a->key);

		if (!is_plain(k) || is_null(k)) {
			ret = err(c, k, path, "field names must be plain words");
			continue;
		}
		sub(field, sizeof(field), path, "%s%s", *path ? "." : "",
		    scalar(k));
		for (b = n->data.mapping.pairs.start; b < a; b++) {
			yaml_node_t *kb = node(c, b->key);

			if (kb->type == YAML_SCALAR_NODE &&
			    !strcmp(scalar(kb), scalar(k)))
				break;
		}
		if (b < a) {
			ret = err(c, k, field,
				  "duplicate field (first at line %u)",
				  mark_of(node(c, b->key)).line);
			continue;
		}
		for (i = 0; allowed[i]; i++)
			if (!strcmp(allowed[i], scalar(k)))
				break;
		if (!allowed[i])
			ret = err(c, k, field, "unknown field");
	}
	return ret;
}

/* The value of field @key of mapping @n, or NULL. */
static yaml_node_t *get(struct ctx *c, const yaml_node_t *n, const char *key)
{
	yaml_node_pair_t *pr;

	if (n->type != YAML_MAPPING_NODE)
		return NULL;
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		yaml_node_t *k = node(c, pr->key);

		/* check_fields() refused any other key, maybe going on */
		if (k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key))
			return node(c, pr->value);
	}
	return NULL;
}

/* ---- scalars -------------------------------------------------------- */

static int get_u64(struct ctx *c, const yaml_node_t *n, const char *path,
		   uint64_t max, uint64_t *out)
{
	const char *s;
	char *end;
	int base = 10;

	if (!is_plain(n) || is_null(n))
		return err(c, n, path, "expected a number, got %s",
			   type_name(n));
	s = scalar(n);
	if (!strncasecmp(s, "0x", 2)) {
		base = 16;
		s += 2;
	}
	if (!*s || !strchr("0123456789abcdefABCDEF", *s) ||
	    (base == 10 && (*s < '0' || *s > '9')))
		return err(c, n, path, "expected a number, got \"%s\"",
			   scalar(n));
	errno = 0;
	*out = strtoull(s, &end, base);
	if (*end)
		return err(c, n, path, "expected a number, got \"%s\"",
			   scalar(n));
	/* the limit in the base the value was written in */
	if ((errno == ERANGE || *out > max) && base == 16)
		return err(c, n, path, "%s is out of range (at most 0x%" PRIx64 ")",
			   scalar(n), max);
	if (errno == ERANGE || *out > max)
		return err(c, n, path, "%s is out of range (at most %" PRIu64 ")",
			   scalar(n), max);
	return 0;
}

static int get_u32(struct ctx *c, const yaml_node_t *n, const char *path,
		   uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (get_u64(c, n, path, max, &v))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int get_bool(struct ctx *c, const yaml_node_t *n, const char *path,
		    bool *out)
{
	static const char *const yes[] = { "true", "yes", "on" };
	static const char *const no[] = { "false", "no", "off" };
	size_t i;

	if (is_plain(n)) {
		for (i = 0; i < ARRAY_SIZE(yes); i++) {
			if (!strcasecmp(scalar(n), yes[i])) {
				*out = true;
				return 0;
			}
			if (!strcasecmp(scalar(n), no[i])) {
				*out = false;
				return 0;
			}
		}
	}
	return err(c, n, path, "expected true or false, got %s%s%s%s",
		   type_name(n), n->type == YAML_SCALAR_NODE ? " \"" : "",
		   n->type == YAML_SCALAR_NODE ? scalar(n) : "",
		   n->type == YAML_SCALAR_NODE ? "\"" : "");
}

static int get_str(struct ctx *c, const yaml_node_t *n, const char *path,
		   const char **out)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n) || !*scalar(n))
		return err(c, n, path, "expected a string, got %s",
			   type_name(n));
	*out = scalar(n);
	return 0;
}

static int dup_str(struct ctx *c, const yaml_node_t *n, const char *path,
		   char **out)
{
	const char *s;

	if (get_str(c, n, path, &s))
		return -1;
	*out = strdup(s);
	if (!*out)
		return err(c, n, path, "out of memory");
	return 0;
}

/* rules[].severity: syslog's levels, in its order (enum policy_severity) */
static const char *const severity_names[] = {
	"emergency", "alert", "critical", "error", "warning", "notice",
	"info", "debug", NULL,
};

/* One of @names (NULL-terminated), giving its index. */
static int get_enum(struct ctx *c, const yaml_node_t *n, const char *path,
		    const char *const *names, const char *what, uint32_t *out)
{
	const char *s;
	uint32_t i;

	if (get_str(c, n, path, &s))
		return -1;
	for (i = 0; names[i]; i++) {
		if (!strcmp(names[i], s)) {
			*out = i;
			return 0;
		}
	}
	if (names == severity_names)
		return err(c, n, path,
			   "unknown severity \"%s\" (emergency, alert, critical, error, warning, notice, info, debug)",
			   s);
	return err(c, n, path, "unknown %s \"%s\"", what, s);
}

/* ---- names ---------------------------------------------------------- */

/*
 * The policy's words are libxenintro's names (xenintro_reason_name(),
 * xenintro_verdict_name()), except "cr" for control-register writes,
 * shorter in a policy, and the agent's own "skip".
 */
const char *policy_event_name(uint32_t event)
{
	if (event == XENINTRO_EVENT_CTRLREG)
		return "cr";
	return xenintro_reason_name(event);
}

bool policy_event_by_name(const char *name, uint32_t *event)
{
	uint32_t i;

	if (!strcmp(name, "unknown"))
		return false;
	/* interrupts are reported, never ruled or monitored here */
	for (i = 0; i < 32; i++) {
		if (i != XENINTRO_EVENT_INTERRUPT &&
		    !strcmp(policy_event_name(i), name)) {
			*event = i;
			return true;
		}
	}
	return false;
}

const char *policy_verdict_name(uint32_t verdict)
{
	if (verdict == DECIDE_SKIP)
		return "skip";
	return xenintro_verdict_name(verdict);
}

bool policy_verdict_by_name(const char *name, uint32_t *verdict)
{
	uint32_t i;

	if (!strcmp(name, "skip")) {
		*verdict = DECIDE_SKIP;
		return true;
	}
	if (!strcmp(name, "unknown"))
		return false;
	for (i = 0; i <= XENINTRO_VERDICT_MAX; i++) {
		if (!strcmp(xenintro_verdict_name(i), name)) {
			*verdict = i;
			return true;
		}
	}
	return false;
}

static int get_event(struct ctx *c, const yaml_node_t *n, const char *path,
		     uint32_t *event)
{
	const char *s;

	if (get_str(c, n, path, &s))
		return -1;
	if (!policy_event_by_name(s, event))
		return err(c, n, path,
			   "unknown event \"%s\" (mem_access, cr, msr, cpuid, breakpoint, singlestep, guest_request, debug_exception, desc_access, emul_unimpl, vmexit)",
			   s);
	return 0;
}

/* "w", "rx": the letters of XENINTRO_ACCESS_* bits */
static const char *rights_letters(uint32_t rights, char buf[4])
{
	char *q = buf;

	if (rights & XENINTRO_ACCESS_R)
		*q++ = 'r';
	if (rights & XENINTRO_ACCESS_W)
		*q++ = 'w';
	if (rights & XENINTRO_ACCESS_X)
		*q++ = 'x';
	*q = '\0';
	return buf;
}

/*
 * Can an @event ever happen under this policy? Xen raises one only where
 * a monitor asks for it, a page fault only where the access: section took
 * the right away; both are read before the rules, decisions and log that
 * refer to events. @first..@last: the registers or MSRs (cr, msr) or the
 * frames (mem_access) concerned; @access: the fault kinds of a mem_access
 * rule (0: any), @where: what to call those frames in @why (NULL: by
 * number). True, or false with the reason in @why.
 */
static bool event_possible(struct ctx *c, uint32_t event, uint64_t first,
			   uint64_t last, uint32_t access, const char *where,
			   char *why, size_t len)
{
	static const char *const crs[] = { "cr0", "cr3", "cr4", "xcr0" };
	uint32_t need = access ? access : XENINTRO_ACCESS_RWX;
	char hint[64], l1[4], frames[48], what[48] = "";

	if (c->refs_broken)
		return true;	/* the monitors or rights are not all known */
	if (event != XENINTRO_EVENT_MEM_ACCESS) {
		if (policy_monitored(c->p, event, first, last, hint,
				     sizeof(hint)))
			return true;
		if (event == XENINTRO_EVENT_CTRLREG && last < 4)
			snprintf(what, sizeof(what), " for %s%s%s", crs[first],
				 first == last ? "" : "..",
				 first == last ? "" : crs[last]);
		else if (event == XENINTRO_EVENT_MSR && first == last &&
			 x86_msr_name((uint32_t)first))
			snprintf(what, sizeof(what), " for %s",
				 x86_msr_name((uint32_t)first));
		else if (event == XENINTRO_EVENT_MSR && first == last)
			snprintf(what, sizeof(what), " for MSR 0x%" PRIx64,
				 first);
		else if (event == XENINTRO_EVENT_MSR && last <= UINT32_MAX)
			snprintf(what, sizeof(what),
				 " for MSRs 0x%" PRIx64 "..0x%" PRIx64, first,
				 last);
		snprintf(why, len, "no monitor raises %s events%s (add %s)",
			 policy_event_name(event), what, hint);
		return false;
	}
	if (!c->amap_built) {
		if (access_map_build(c->p, &c->amap)) {
			snprintf(why, len, "out of memory");
			return false;
		}
		c->amap_built = true;
	}
	if (access_map_removed(&c->amap, first, last) & need)
		return true;
	if (where)
		snprintf(frames, sizeof(frames), "%s", where);
	else if (first == 0 && last == UINT64_MAX)
		snprintf(frames, sizeof(frames), "any frame");
	else if (first == last)
		snprintf(frames, sizeof(frames), "frame 0x%" PRIx64, first);
	else
		snprintf(frames, sizeof(frames),
			 "frames 0x%" PRIx64 "..0x%" PRIx64, first, last);
	snprintf(why, len,
		 "no access: entry takes %s away from %s, and only that makes a page fault",
		 access ? rights_letters(need, l1) : "a right", frames);
	return false;
}

static int get_verdict(struct ctx *c, const yaml_node_t *n, const char *path,
		       bool skip_ok, uint32_t *verdict)
{
	const char *s;

	if (get_str(c, n, path, &s))
		return -1;
	if (!policy_verdict_by_name(s, verdict) ||
	    *verdict == XENINTRO_VERDICT_EMULATE_READ_DATA ||
	    (*verdict == DECIDE_SKIP && !skip_ok))
		return err(c, n, path, "unknown action \"%s\"", s);
	return 0;
}

/* "rwx", "r-x", "w", "none" */
static int get_rights(struct ctx *c, const yaml_node_t *n, const char *path,
		      uint32_t *rights)
{
	const char *s, *q;

	if (get_str(c, n, path, &s))
		return -1;
	*rights = 0;
	if (!strcmp(s, "none"))
		return 0;
	for (q = s; *q; q++) {
		uint32_t bit = *q == 'r' ? XENINTRO_ACCESS_R :
			       *q == 'w' ? XENINTRO_ACCESS_W :
			       *q == 'x' ? XENINTRO_ACCESS_X : 0;

		if (*q == '-')
			continue;
		if (!bit || (*rights & bit))
			return err(c, n, path,
				   "expected r, w and x letters (e.g. rx) or none, got \"%s\"",
				   s);
		*rights |= bit;
	}
	return 0;
}

/* ---- keys and ranges ------------------------------------------------ */

typedef int (*key_fn)(struct ctx *c, const yaml_node_t *n, const char *path,
		      uint64_t *out);

static int key_u64(struct ctx *c, const yaml_node_t *n, const char *path,
		   uint64_t *out)
{
	return get_u64(c, n, path, UINT64_MAX, out);
}

static int key_u32(struct ctx *c, const yaml_node_t *n, const char *path,
		   uint64_t *out)
{
	return get_u64(c, n, path, UINT32_MAX, out);
}

static int key_cr(struct ctx *c, const yaml_node_t *n, const char *path,
		  uint64_t *out)
{
	const char *s;
	uint32_t cr;

	if (get_str(c, n, path, &s))
		return -1;
	if (!x86_cr_index(s, &cr))
		return err(c, n, path,
			   "unknown control register \"%s\" (cr0, cr3, cr4, xcr0)",
			   s);
	*out = cr;
	return 0;
}

static int key_msr(struct ctx *c, const yaml_node_t *n, const char *path,
		   uint64_t *out)
{
	uint32_t msr;

	if (n->type == YAML_SCALAR_NODE && is_plain(n) && *scalar(n) &&
	    (scalar(n)[0] < '0' || scalar(n)[0] > '9')) {
		if (!x86_msr_by_name(scalar(n), &msr))
			return err(c, n, path, "unknown MSR name \"%s\"",
				   scalar(n));
		*out = msr;
		return 0;
	}
	return get_u64(c, n, path, UINT32_MAX, out);
}

/* A kernel symbol's name: what kallsyms names hold. */
static bool symbol_char(char ch, bool first)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       ch == '_' || (!first && ((ch >= '0' && ch <= '9') ||
					ch == '.' || ch == '$'));
}

static bool is_symbol_expr(const yaml_node_t *n)
{
	return n->type == YAML_SCALAR_NODE && is_plain(n) &&
	       symbol_char(*scalar(n), true);
}

/*
 * An address: a number, or a kernel symbol with an optional offset
 * ("commit_creds", "_etext-1", "sys_call_table+0x8"), resolved by the
 * caller's environment to the address the guest uses.
 */
static int key_addr(struct ctx *c, const yaml_node_t *n, const char *path,
		    uint64_t *out)
{
	const char *s = scalar(n), *op;
	char name[128];
	uint64_t base, off = 0;
	char *end;
	size_t len;

	if (!is_symbol_expr(n))
		return get_u64(c, n, path, UINT64_MAX, out);
	for (op = s + 1; *op && symbol_char(*op, false); op++)
		;
	len = (size_t)(op - s);
	if (len >= sizeof(name))
		return err(c, n, path, "symbol name \"%.20s...\" is too long", s);
	memcpy(name, s, len);
	name[len] = '\0';
	if (*op) {
		if ((*op != '+' && *op != '-') || !op[1] ||
		    op[1] < '0' || op[1] > '9')
			return err(c, n, path,
				   "expected SYMBOL, SYMBOL+OFFSET or SYMBOL-OFFSET, got \"%s\"",
				   s);
		errno = 0;
		off = strtoull(op + 1, &end, 0);
		if (*end || errno)
			return err(c, n, path, "bad offset in \"%s\"", s);
	}
	if (!c->kernel_ok)
		return err(c, n, path,
			   "\"%s\" is a kernel symbol: name the guest's kernel image in kernel.image",
			   name);
	if (c->env->provisional) {
		*out = 0;	/* known at attach; this read is thrown away */
		return 0;
	}
	if (c->env->symbol(c->env, name, &base))
		return err(c, n, path, "no symbol \"%s\" in the guest kernel's symbols",
			   name);
	*out = *op == '-' ? base - off : base + off;
	return 0;
}

/* A single key, or {first: A, last: B}. */
static int get_range(struct ctx *c, const yaml_node_t *n, const char *path,
		     key_fn fn, uint64_t *first, uint64_t *last)
{
	static const char *const fields[] = { "first", "last", NULL };
	char p1[PATH_MAX_LEN];
	yaml_node_t *f, *l;

	if (n->type != YAML_MAPPING_NODE) {
		if (n->type == YAML_SEQUENCE_NODE)
			return err(c, n, path,
				   "expected one value or {first: A, last: B}, got a list");
		if (fn(c, n, path, first))
			return -1;
		*last = *first;
		return 0;
	}
	if (check_fields(c, n, path, fields))
		return -1;
	f = get(c, n, "first");
	l = get(c, n, "last");
	if (!f || !l)
		return err(c, n, path, "a range needs both first and last");
	if (fn(c, f, sub(p1, sizeof(p1), path, ".first"), first) ||
	    fn(c, l, sub(p1, sizeof(p1), path, ".last"), last))
		return -1;
	return 0;
}

static int get_list(struct ctx *c, const yaml_node_t *n, const char *path)
{
	if (n->type != YAML_SEQUENCE_NODE)
		return err(c, n, path, "expected a list, got %s", type_name(n));
	return 0;
}

#define for_each_item(c, n, it, i)					\
	for ((i) = 0, (it) = (n)->data.sequence.items.start;		\
	     (it) < (n)->data.sequence.items.top; (it)++, (i)++)

/* [WP, PG] for control register @cr */
static int get_cr_bits(struct ctx *c, const yaml_node_t *n, const char *path,
		       uint32_t cr, uint64_t *mask)
{
	char p1[PATH_MAX_LEN];
	yaml_node_item_t *it;
	const char *s;
	uint64_t bit;
	size_t i;

	if (get_list(c, n, path))
		return -1;
	*mask = 0;
	for_each_item(c, n, it, i) {
		yaml_node_t *b = node(c, *it);

		sub(p1, sizeof(p1), path, "[%zu]", i);
		if (get_str(c, b, p1, &s))
			return -1;
		bit = x86_cr_bit(cr, s);
		if (!bit) {
			static const char *const crs[] = {
				"CR0", "CR3", "CR4", "XCR0",
			};
			return err(c, b, p1, "%s has no bit \"%s\" (%s)",
				   crs[cr], s, x86_cr_bit_names(cr));
		}
		*mask |= bit;
	}
	return 0;
}

/* [0, 2, 3] or "all" */
/* vCPU numbers 0..127 (an HVM guest's most) into two 64-bit masks. */
static int get_vcpus(struct ctx *c, const yaml_node_t *n, const char *path,
		     uint64_t *mask, uint64_t *mask_hi)
{
	char p1[PATH_MAX_LEN];
	yaml_node_item_t *it;
	uint64_t v;
	size_t i;

	*mask = 0;
	*mask_hi = 0;
	if (is_plain(n) && !strcmp(scalar(n), "all"))
		return 0;
	if (n->type != YAML_SEQUENCE_NODE)
		return err(c, n, path, "expected a list of vCPU numbers or all");
	for_each_item(c, n, it, i) {
		sub(p1, sizeof(p1), path, "[%zu]", i);
		if (get_u64(c, node(c, *it), p1, 127, &v))
			return -1;
		if (v < 64)
			*mask |= 1ULL << v;
		else
			*mask_hi |= 1ULL << (v - 64);
	}
	if (!*mask && !*mask_hi)
		return err(c, n, path, "an empty list matches no vCPU; say all");
	return 0;
}

/* ---- rule metadata -------------------------------------------------- */

const char *policy_severity_name(int severity)
{
	return severity >= 0 && severity < SEVERITY_NR ?
	       severity_names[severity] : "";
}

const struct policy_rule_meta *policy_rule_meta(const struct policy *p,
						uint32_t index)
{
	unsigned int src;

	if (index >= p->nr_rules)
		return NULL;
	src = p->rules[index].source;
	return src < p->nr_rule_meta ? &p->rule_meta[src] : NULL;
}

/*
 * A tag or a key goes into every log format bare (logfmt, journald field
 * values, syslog lines): letters, digits and _ - . : / only, so that no
 * reader has to unquote it and tags can be joined with commas.
 */
static bool word_chars(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || strchr("_-.:/", *s)))
			return false;
	return true;
}

/* A word for tags: and key: of at most @max bytes. */
static int get_word(struct ctx *c, const yaml_node_t *n, const char *path,
		    const char *what, size_t max, char **out)
{
	const char *s;

	if (get_str(c, n, path, &s))
		return -1;
	if (strlen(s) > max)
		return err(c, n, path, "%zu bytes: a %s is at most %zu",
			   strlen(s), what, max);
	if (!word_chars(s))
		return err(c, n, path,
			   "\"%s\": a %s is letters, digits and _ - . : / only",
			   s, what);
	*out = strdup(s);
	if (!*out)
		return err(c, n, path, "out of memory");
	return 0;
}

static int parse_description(struct ctx *c, const yaml_node_t *n,
			     const char *path, char **out)
{
	const unsigned char *q;
	size_t len;
	char *d;

	if (dup_str(c, n, path, &d))
		return -1;
	/* a block scalar (| or >) ends with a newline: not part of it */
	len = strlen(d);
	while (len && d[len - 1] == '\n')
		d[--len] = '\0';
	*out = d;
	if (len > POLICY_DESCRIPTION_MAX)
		return err(c, n, path, "%zu bytes: a description is at most %d",
			   len, POLICY_DESCRIPTION_MAX);
	for (q = (const unsigned char *)d; *q; q++)
		if (*q < ' ' || *q == 0x7f)
			return err(c, n, path,
				   "a control character (0x%02x) at byte %zu: a description is one line of text",
				   *q, (size_t)(q - (const unsigned char *)d));
	return 0;
}

static int parse_tags(struct ctx *c, const yaml_node_t *n, const char *path,
		      struct policy_rule_meta *m)
{
	char p1[PATH_MAX_LEN];
	yaml_node_item_t *it;
	size_t i, k, nr;

	if (n->type != YAML_SEQUENCE_NODE)
		return err(c, n, path, "expected a list of tags, got %s",
			   type_name(n));
	nr = (size_t)(n->data.sequence.items.top -
		      n->data.sequence.items.start);
	if (!nr)
		return err(c, n, path, "an empty list; leave tags out");
	if (nr > POLICY_TAGS_MAX)
		return err(c, n, path, "%zu tags, at most %d", nr,
			   POLICY_TAGS_MAX);
	m->tags = calloc(nr, sizeof(*m->tags));
	if (!m->tags)
		return err(c, n, path, "out of memory");
	for_each_item(c, n, it, i) {
		sub(p1, sizeof(p1), path, "[%zu]", i);
		if (get_word(c, node(c, *it), p1, "tag", POLICY_TAG_MAX,
			     &m->tags[i]))
			return -1;
		m->nr_tags = i + 1;
		for (k = 0; k < i; k++)
			if (!strcmp(m->tags[k], m->tags[i]))
				return err(c, node(c, *it), p1,
					   "duplicate tag \"%s\" (first at [%zu])",
					   m->tags[i], k);
	}
	return 0;
}

/* rate_limit: {events: N, per: SECONDS} */
static int parse_rate_limit(struct ctx *c, const yaml_node_t *n,
			    const char *path, struct policy_rate_limit *r)
{
	static const char *const fields[] = { "events", "per", NULL };
	char p1[PATH_MAX_LEN];
	yaml_node_t *ev, *per;

	if (check_fields(c, n, path, fields))
		return -1;
	ev = get(c, n, "events");
	per = get(c, n, "per");
	if (!ev || !per)
		return err(c, n, path,
			   "needs events (records logged) and per (seconds): {events: 10, per: 60}");
	if (get_u32(c, ev, sub(p1, sizeof(p1), path, ".events"),
		    POLICY_RATE_EVENTS_MAX, &r->events))
		return -1;
	if (!r->events)
		return err(c, ev, p1,
			   "0 would log none of the rule's records; leave its event out of log.events instead");
	if (get_u32(c, per, sub(p1, sizeof(p1), path, ".per"),
		    POLICY_RATE_PER_MAX, &r->per_s))
		return -1;
	if (!r->per_s)
		return err(c, per, p1, "an interval of 0 seconds: at least 1");
	return 0;
}

/* description, severity, tags, key, rate_limit of a rule */
static int parse_rule_meta(struct ctx *c, const yaml_node_t *n,
			   const char *path, struct policy_rule_meta *m)
{
	char p1[PATH_MAX_LEN];
	uint32_t sev;
	yaml_node_t *v;
	int ret = 0;

	m->severity = SEVERITY_NONE;
	v = get(c, n, "description");
	if (v && parse_description(c, v, sub(p1, sizeof(p1), path,
					     ".description"), &m->description))
		ret = -1;
	v = get(c, n, "severity");
	if (v) {
		sub(p1, sizeof(p1), path, ".severity");
		if (get_enum(c, v, p1, severity_names, "severity", &sev))
			ret = -1;
		else
			m->severity = (int)sev;
	}
	v = get(c, n, "tags");
	if (v && parse_tags(c, v, sub(p1, sizeof(p1), path, ".tags"), m))
		ret = -1;
	v = get(c, n, "key");
	if (v && get_word(c, v, sub(p1, sizeof(p1), path, ".key"), "key",
			  POLICY_KEY_MAX, &m->key))
		ret = -1;
	v = get(c, n, "rate_limit");
	if (v && parse_rate_limit(c, v, sub(p1, sizeof(p1), path,
					    ".rate_limit"), &m->rate))
		ret = -1;
	v = get(c, n, "dedup");
	if (v && get_bool(c, v, sub(p1, sizeof(p1), path, ".dedup"),
			  &m->dedup))
		ret = -1;
	return ret;
}

/* ---- sections ------------------------------------------------------- */

static int add_monitor(struct ctx *c, const yaml_node_t *n, const char *path,
		       uint32_t event, uint32_t index, uint32_t flags,
		       uint64_t ignore)
{
	struct policy *p = c->p;
	struct policy_monitor *m;
	size_t i;

	for (i = 0; i < p->nr_monitors; i++)
		if (p->monitors[i].event == event &&
		    p->monitors[i].index == index)
			return err(c, n, path, "monitored twice");
	if (p->nr_monitors == POLICY_MONITORS_MAX) {
		c->list_full = true;
		return err(c, n, path,
			   "more than %d monitors (each is an ioctl at attach); monitor fewer MSRs",
			   POLICY_MONITORS_MAX);
	}
	m = policy_grow(p->monitors, &p->monitors_room, p->nr_monitors,
			sizeof(*m));
	if (!m)
		return err(c, n, path, "out of memory");
	p->monitors = m;
	m[p->nr_monitors].event = event;
	m[p->nr_monitors].index = index;
	m[p->nr_monitors].flags = flags;
	m[p->nr_monitors].ignore_mask = ignore;
	p->nr_monitors++;
	return 0;
}

struct flag_field {
	const char *name;
	uint32_t flag;
};

/*
 * A monitor's value: true/false, or a mapping of the flags in @flags (and
 * "ignore" for a control register, @cr >= 0).
 */
static int parse_monitor_value(struct ctx *c, const yaml_node_t *n,
			       const char *path, const struct flag_field *flags,
			       int cr, bool *on, uint32_t *fl, uint64_t *ignore)
{
	const char *fields[8];
	char p1[PATH_MAX_LEN];
	size_t i, k = 0;
	bool b;

	*fl = 0;
	*ignore = 0;
	if (n->type != YAML_MAPPING_NODE)
		return get_bool(c, n, path, on);
	*on = true;
	for (i = 0; flags[i].name; i++)
		fields[k++] = flags[i].name;
	if (cr >= 0)
		fields[k++] = "ignore";
	fields[k] = NULL;
	if (check_fields(c, n, path, fields))
		return -1;
	for (i = 0; flags[i].name; i++) {
		yaml_node_t *v = get(c, n, flags[i].name);

		/* flag 0: a field the caller reads (an MSR's number) */
		if (!v || !flags[i].flag)
			continue;
		if (get_bool(c, v, sub(p1, sizeof(p1), path, ".%s",
				       flags[i].name), &b))
			return -1;
		if (b)
			*fl |= flags[i].flag;
	}
	if (cr >= 0 && get(c, n, "ignore") &&
	    get_cr_bits(c, get(c, n, "ignore"),
			sub(p1, sizeof(p1), path, ".ignore"), (uint32_t)cr,
			ignore))
		return -1;
	return 0;
}

static const struct flag_field cr_flags[] = {
	{ "sync", XENINTRO_MON_SYNC },
	{ "onchange", XENINTRO_MON_ONCHANGE },
	{ "deny_capable", XENINTRO_MON_DENY_CAPABLE },
	{ NULL, 0 },
};
static const struct flag_field msr_flags[] = {
	{ "msr", 0 },	/* the number; handled by the caller */
	{ "onchange", XENINTRO_MON_ONCHANGE },
	{ "deny_capable", XENINTRO_MON_DENY_CAPABLE },
	{ NULL, 0 },
};
static const struct flag_field sync_flag[] = {
	{ "sync", XENINTRO_MON_SYNC },
	{ NULL, 0 },
};
static const struct flag_field gr_flags[] = {
	{ "sync", XENINTRO_MON_SYNC },
	{ "allow_userspace", XENINTRO_MON_ALLOW_USERSPACE },
	{ NULL, 0 },
};
static const struct flag_field no_flags[] = {
	{ NULL, 0 },
};

static int parse_msr_monitors(struct ctx *c, const yaml_node_t *n,
			      const char *path)
{
	char p1[PATH_MAX_LEN], p2[PATH_MAX_LEN];
	yaml_node_item_t *it;
	uint64_t msr, ignore;
	uint32_t flags;
	size_t i;
	int ret = 0;
	bool on;

	if (get_list(c, n, path))
		return -1;
	for_each_item(c, n, it, i) {
		yaml_node_t *m = node(c, *it);
		yaml_node_t *num = m;

		if (too_many(c) || c->list_full)
			return -1;
		sub(p1, sizeof(p1), path, "[%zu]", i);
		flags = 0;
		if (m->type == YAML_MAPPING_NODE) {
			if (parse_monitor_value(c, m, p1, msr_flags, -1, &on,
						&flags, &ignore)) {
				ret = -1;
				continue;
			}
			num = get(c, m, "msr");
			if (!num) {
				ret = err(c, m, p1, "needs msr: NAME or number");
				continue;
			}
			sub(p2, sizeof(p2), p1, ".msr");
		} else {
			snprintf(p2, sizeof(p2), "%s", p1);
		}
		if (key_msr(c, num, p2, &msr) ||
		    add_monitor(c, num, p2, XENINTRO_MONITOR_MSR,
				(uint32_t)msr, flags, 0))
			ret = -1;
	}
	return ret;
}

static int parse_monitors(struct ctx *c, const yaml_node_t *n)
{
	static const char *const fields[] = {
		"cr0", "cr3", "cr4", "xcr0", "msr", "cpuid", "breakpoint",
		"singlestep", "guest_request", "debug_exception",
		"desc_access", "emul_unimpl", "vmexit", NULL,
	};
	static const struct {
		const char *name;
		uint32_t event;
		const struct flag_field *flags;
	} simple[] = {
		{ "cpuid", XENINTRO_MONITOR_CPUID, no_flags },
		{ "breakpoint", XENINTRO_MONITOR_BREAKPOINT, no_flags },
		{ "singlestep", XENINTRO_MONITOR_SINGLESTEP, no_flags },
		{ "guest_request", XENINTRO_MONITOR_GUEST_REQUEST, gr_flags },
		{ "debug_exception", XENINTRO_MONITOR_DEBUG_EXCEPTION,
		  sync_flag },
		{ "desc_access", XENINTRO_MONITOR_DESC_ACCESS, no_flags },
		{ "emul_unimpl", XENINTRO_MONITOR_EMUL_UNIMPL, no_flags },
		{ "vmexit", XENINTRO_MONITOR_VMEXIT, sync_flag },
	};
	char p1[PATH_MAX_LEN];
	uint64_t ignore;
	uint32_t cr, flags;
	yaml_node_t *v;
	size_t i;
	int ret;
	bool on;

	/* a misspelt monitor leaves the others to check */
	ret = check_fields(c, n, "monitors", fields);
	if (n->type != YAML_MAPPING_NODE)
		return -1;
	for (i = 0; i < 4; i++) {
		v = get(c, n, fields[i]);
		if (!v)
			continue;
		x86_cr_index(fields[i], &cr);
		sub(p1, sizeof(p1), "monitors.", "%s", fields[i]);
		if (parse_monitor_value(c, v, p1, cr_flags, (int)cr, &on,
					&flags, &ignore) ||
		    (on && add_monitor(c, v, p1, XENINTRO_MONITOR_CTRLREG, cr,
				       flags, ignore)))
			ret = -1;
	}
	v = get(c, n, "msr");
	if (v && parse_msr_monitors(c, v, "monitors.msr"))
		ret = -1;
	for (i = 0; i < ARRAY_SIZE(simple); i++) {
		v = get(c, n, simple[i].name);
		if (!v)
			continue;
		sub(p1, sizeof(p1), "monitors.", "%s", simple[i].name);
		if (parse_monitor_value(c, v, p1, simple[i].flags, -1, &on,
					&flags, &ignore) ||
		    (on && add_monitor(c, v, p1, simple[i].event, 0, flags, 0)))
			ret = -1;
	}
	return ret;
}

/*
 * Page rights for a range of kernel virtual addresses: the frames behind
 * it (from the environment, which walks the guest's page tables), as
 * few entries as contiguous runs allow.
 */
static int add_access(struct ctx *c, const yaml_node_t *n, const char *path,
		      uint64_t gfn, uint64_t nr, uint8_t rights)
{
	struct policy *p = c->p;
	struct policy_access *a;

	if (p->nr_access == POLICY_ACCESS_MAX) {
		c->list_full = true;
		return err(c, n, path,
			   "more than %d page ranges (a va: range counts once per run of contiguous frames); merge neighbouring ranges",
			   POLICY_ACCESS_MAX);
	}
	a = policy_grow(p->access, &p->access_room, p->nr_access,
			sizeof(*a));
	if (!a)
		return err(c, n, path, "out of memory");
	p->access = a;
	a[p->nr_access].gfn = gfn;
	a[p->nr_access].nr = nr;
	a[p->nr_access].rights = rights;
	p->nr_access++;
	return 0;
}

/*
 * The frames behind a range of kernel virtual addresses, from the
 * environment (which walks the guest's page tables), as contiguous runs:
 * a malloc'd array in @runs. 0, or -1 with the error reported.
 */
static int va_runs(struct ctx *c, const yaml_node_t *n, const char *path,
		   uint64_t first, uint64_t last, struct rule_key **runs,
		   size_t *nr)
{
	uint64_t va = first & ~0xfffULL, gfn;
	uint64_t pages = ((last | 0xfff) - va + 1) >> 12;
	struct rule_key *r = NULL, *nr_r;
	char why[160];
	size_t n_runs = 0, room = 0;

	if (!pages || pages > XENINTRO_ACCESS_NR_MAX)
		return err(c, n, path, "more than %u pages in one range",
			   XENINTRO_ACCESS_NR_MAX);
	for (; pages--; va += 0x1000) {
		if (c->env->frame(c->env, va, &gfn, why, sizeof(why))) {
			free(r);
			return err(c, n, path, "0x%" PRIx64 ": %s", va, why);
		}
		if (n_runs && gfn == r[n_runs - 1].last + 1) {
			r[n_runs - 1].last = gfn;
			continue;
		}
		nr_r = policy_grow(r, &room, n_runs, sizeof(*r));
		if (!nr_r) {
			free(r);
			return err(c, n, path, "out of memory");
		}
		r = nr_r;
		r[n_runs].first = r[n_runs].last = gfn;
		n_runs++;
	}
	*runs = r;
	*nr = n_runs;
	return 0;
}

/* access[@i]: {gfn: RANGE or va: RANGE, rights: LETTERS} */
static int parse_access_entry(struct ctx *c, const yaml_node_t *e, size_t i)
{
	static const char *const fields[] = { "gfn", "va", "rights", NULL };
	char p1[PATH_MAX_LEN], p2[PATH_MAX_LEN], p3[PATH_MAX_LEN];
	struct rule_key *runs;
	uint64_t first, last;
	uint32_t rights;
	yaml_node_t *va;
	size_t k, nr;

	sub(p1, sizeof(p1), "access", "[%zu]", i);
	if (check_fields(c, e, p1, fields))
		return -1;
	va = get(c, e, "va");
	if (!!get(c, e, "gfn") + !!va != 1 || !get(c, e, "rights"))
		return err(c, e, p1,
			   "needs rights and one of gfn (frames) or va (kernel addresses)");
	if (get_range(c, va ? va : get(c, e, "gfn"),
		      sub(p2, sizeof(p2), p1, va ? ".va" : ".gfn"),
		      va ? key_addr : key_u64, &first, &last))
		return -1;
	if (first > last)
		return err(c, va ? va : get(c, e, "gfn"), p2,
			   "first (0x%" PRIx64 ") is above last (0x%" PRIx64 ")",
			   first, last);
	if (!va && last - first >= XENINTRO_ACCESS_NR_MAX)
		return err(c, get(c, e, "gfn"), p2,
			   "more than %u frames in one range",
			   XENINTRO_ACCESS_NR_MAX);
	if (get_rights(c, get(c, e, "rights"),
		       sub(p3, sizeof(p3), p1, ".rights"), &rights))
		return -1;
	if (!va)
		return add_access(c, e, p1, first, last - first + 1,
				  (uint8_t)rights);
	if (va_runs(c, va, p2, first, last, &runs, &nr))
		return -1;
	for (k = 0; k < nr; k++)
		if (add_access(c, e, p1, runs[k].first,
			       runs[k].last - runs[k].first + 1,
			       (uint8_t)rights))
			break;
	free(runs);
	return k < nr ? -1 : 0;
}

static int parse_access(struct ctx *c, const yaml_node_t *n)
{
	yaml_node_item_t *it;
	size_t i;
	int ret = 0;

	if (get_list(c, n, "access"))
		return -1;
	for_each_item(c, n, it, i) {
		/* past the bound, every entry would only say so again */
		if (too_many(c) || c->list_full)
			return -1;
		if (parse_access_entry(c, node(c, *it), i))
			ret = -1;
	}
	return ret;
}

/* The fields each event's rules may have, besides the common ones. */
static const char *const *rule_fields(uint32_t event)
{
	static const char *const mem[] = { "gfn", "va", "access", "gla", NULL };
	static const char *const cr[] = { "cr", "set", "cleared", NULL };
	static const char *const msr[] = { "msr", NULL };
	static const char *const cpuid[] = { "leaf", "subleaf", "answer", NULL };
	static const char *const bp[] = { "rip", "rips", "gfn", NULL };
	static const char *const rip[] = { "rip", NULL };

	switch (event) {
	case XENINTRO_EVENT_MEM_ACCESS:
		return mem;
	case XENINTRO_EVENT_CTRLREG:
		return cr;
	case XENINTRO_EVENT_MSR:
		return msr;
	case XENINTRO_EVENT_CPUID:
		return cpuid;
	case XENINTRO_EVENT_BREAKPOINT:
		return bp;
	default:
		return rip;
	}
}

static int parse_answer(struct ctx *c, const yaml_node_t *n, const char *path,
			struct rule_spec *s)
{
	static const char *const regs[] = { "eax", "ebx", "ecx", "edx", NULL };
	char p1[PATH_MAX_LEN];
	yaml_node_t *v;
	size_t i;

	if (check_fields(c, n, path, regs))
		return -1;
	for (i = 0; i < 4; i++) {
		v = get(c, n, regs[i]);
		s->answer[i] = 0;	/* a register not named reads 0 */
		if (v && get_u32(c, v, sub(p1, sizeof(p1), path, ".%s", regs[i]),
				 UINT32_MAX, &s->answer[i]))
			return -1;
	}
	s->has_answer = true;
	s->answer_mark = mark_of(n);
	return 0;
}

/* The rule's key fields, by event. */
static int parse_rule_key(struct ctx *c, const yaml_node_t *n,
			  const char *path, struct rule_spec *s)
{
	char p1[PATH_MAX_LEN];
	yaml_node_t *v, *rips;
	yaml_node_item_t *it;
	uint64_t lf, ll, sub_l;
	size_t i;

	switch (s->event) {
	case XENINTRO_EVENT_MEM_ACCESS:
		s->key_field = "gfn";
		break;
	case XENINTRO_EVENT_CTRLREG:
		s->key_field = "cr";
		break;
	case XENINTRO_EVENT_MSR:
		s->key_field = "msr";
		break;
	case XENINTRO_EVENT_CPUID:
		s->key_field = "leaf";
		break;
	default:
		s->key_field = "rip";
		break;
	}

	if (s->event == XENINTRO_EVENT_BREAKPOINT) {
		rips = get(c, n, "rips");
		v = get(c, n, "gfn");
		if (!!rips + !!v + !!get(c, n, "rip") > 1)
			return err(c, n, path,
				   "give one of rip, rips or gfn");
		if (v) {
			s->key_gfn = true;
			s->key_field = "gfn";
		}
		if (rips) {
			sub(p1, sizeof(p1), path, ".rips");
			if (get_list(c, rips, p1))
				return -1;
			s->nr_keys = (size_t)(rips->data.sequence.items.top -
					      rips->data.sequence.items.start);
			if (!s->nr_keys)
				return err(c, rips, p1, "an empty list");
			s->keys = calloc(s->nr_keys, sizeof(*s->keys));
			if (!s->keys)
				return err(c, rips, p1, "out of memory");
			for_each_item(c, rips, it, i) {
				sub(p1, sizeof(p1), path, ".rips[%zu]", i);
				if (key_addr(c, node(c, *it), p1,
					     &s->keys[i].first))
					return -1;
				s->keys[i].last = s->keys[i].first;
			}
			return 0;
		}
	}

	v = get(c, n, "va");
	if (s->event == XENINTRO_EVENT_MEM_ACCESS && v) {
		uint64_t vf, vl;

		sub(p1, sizeof(p1), path, ".va");
		if (get(c, n, "gfn"))
			return err(c, n, path, "give one of gfn or va");
		if (get_range(c, v, p1, key_addr, &vf, &vl))
			return -1;
		if (vf > vl)
			return err(c, v, p1,
				   "first (0x%" PRIx64 ") is above last (0x%" PRIx64 ")",
				   vf, vl);
		s->key_mark = mark_of(v);
		return va_runs(c, v, p1, vf, vl, &s->keys, &s->nr_keys);
	}
	v = get(c, n, s->key_field);
	sub(p1, sizeof(p1), path, ".%s", s->key_field);
	if (!v) {
		/* rules on RIP may omit it: every RIP */
		if (!strcmp(s->key_field, "rip"))
			return 0;
		return err(c, n, path, "%s rules need %s",
			   policy_event_name(s->event),
			   s->event == XENINTRO_EVENT_MEM_ACCESS ?
			   "gfn (frames) or va (kernel addresses)" :
			   s->key_field);
	}
	s->has_key = true;
	s->key_mark = mark_of(v);
	switch (s->event) {
	case XENINTRO_EVENT_CTRLREG:
		return get_range(c, v, p1, key_cr, &s->first, &s->last);
	case XENINTRO_EVENT_MSR:
		return get_range(c, v, p1, key_msr, &s->first, &s->last);
	case XENINTRO_EVENT_CPUID:
		if (get_range(c, v, p1, key_u32, &lf, &ll))
			return -1;
		/* subleaf: one, or every subleaf of the leaves */
		s->first = XENINTRO_CPUID_KEY(lf, 0);
		s->last = XENINTRO_CPUID_KEY(ll, UINT32_MAX);
		v = get(c, n, "subleaf");
		if (v) {
			sub(p1, sizeof(p1), path, ".subleaf");
			if (lf != ll)
				return err(c, v, p1,
					   "a subleaf needs a single leaf");
			if (key_u32(c, v, p1, &sub_l))
				return -1;
			s->first = s->last = XENINTRO_CPUID_KEY(lf, sub_l);
		}
		return 0;
	default:
		/* RIPs, and a breakpoint's frame numbers */
		return get_range(c, v, p1, s->key_gfn ? key_u64 : key_addr,
				 &s->first, &s->last);
	}
}

/*
 * A rule on events that never happen would look like protection and do
 * nothing: one of its kernel records (from @from on) must be reachable.
 */
static int check_rule_fires(struct ctx *c, const yaml_node_t *ev,
			    const struct rule_spec *s, size_t from)
{
	char why[256], field[PATH_MAX_LEN];
	size_t i;

	for (i = from; i < c->p->nr_rules; i++) {
		const struct xenintro_rule *r = &c->p->rules[i].rule;

		if (event_possible(c, r->event, r->first, r->last,
				   r->event == XENINTRO_EVENT_MEM_ACCESS ?
				   r->u.mem_access.access : 0,
				   s->nr_keys ? "the frames behind it" : NULL,
				   why, sizeof(why)))
			return 0;
	}
	if (s->event == XENINTRO_EVENT_MEM_ACCESS) {
		sub(field, sizeof(field), s->path, ".%s",
		    s->nr_keys ? "va" : "gfn");
		return diag_error(c->d, s->key_mark, field,
				  "the rule never fires: %s", why);
	}
	return err(c, ev, sub(field, sizeof(field), s->path, ".event"),
		   "the rule never fires: %s", why);
}

/* ---- when: and actions: ---------------------------------------------- */

/* the registers a capture or a dump may be at (defined with log:) */
static const char *const mem_at_names[MEM_AT_NR];

/* cpl: N or [N, ...], each 0..3, into a mask of levels */
static int parse_cpl(struct ctx *c, const yaml_node_t *n, const char *path,
		     uint8_t *cpls)
{
	char p1[PATH_MAX_LEN];
	yaml_node_item_t *it;
	uint64_t v;
	size_t i;

	*cpls = 0;
	if (n->type != YAML_SEQUENCE_NODE) {
		if (get_u64(c, n, path, 3, &v))
			return -1;
		*cpls = (uint8_t)(1U << v);
		return 0;
	}
	for_each_item(c, n, it, i) {
		sub(p1, sizeof(p1), path, "[%zu]", i);
		if (get_u64(c, node(c, *it), p1, 3, &v))
			return -1;
		*cpls |= (uint8_t)(1U << v);
	}
	if (!*cpls)
		return err(c, n, path, "an empty list matches no privilege level; leave cpl out");
	return 0;
}

/* cr3: a value, a range, or a list of them */
static int parse_cr3(struct ctx *c, const yaml_node_t *n, const char *path,
		     struct policy_when *w)
{
	char p1[PATH_MAX_LEN];
	yaml_node_item_t *it;
	struct policy_range *r;
	size_t i, nr = 1;

	if (n->type == YAML_SEQUENCE_NODE) {
		nr = (size_t)(n->data.sequence.items.top -
			      n->data.sequence.items.start);
		if (!nr)
			return err(c, n, path, "an empty list matches no CR3; leave cr3 out");
		if (nr > POLICY_WHEN_CR3_MAX)
			return err(c, n, path, "%zu values, at most %d", nr,
				   POLICY_WHEN_CR3_MAX);
	}
	for (i = 0; i < nr; i++) {
		const yaml_node_t *e = n;

		if (n->type == YAML_SEQUENCE_NODE) {
			it = n->data.sequence.items.start + i;
			e = node(c, *it);
			sub(p1, sizeof(p1), path, "[%zu]", i);
		} else {
			sub(p1, sizeof(p1), path, "%s", "");
		}
		r = &w->cr3[i];
		if (get_range(c, e, p1, key_u64, &r->first, &r->last))
			return -1;
		if (r->first > r->last)
			return err(c, e, p1,
				   "first (0x%" PRIx64 ") is above last (0x%" PRIx64 ")",
				   r->first, r->last);
	}
	w->nr_cr3 = nr;
	return 0;
}

/*
 * when: {cpl, cr3, value, value_set, value_clear} of a rule for @s's
 * event. The value conditions need an event that writes one; bit names
 * a single control register.
 */
static int parse_when(struct ctx *c, const yaml_node_t *n, const char *path,
		      const struct rule_spec *s, struct policy_when *w)
{
	static const char *const fields[] = {
		"cpl", "cr3", "value", "value_set", "value_clear", NULL,
	};
	char p1[PATH_MAX_LEN];
	yaml_node_t *v;
	bool writes = s->event == XENINTRO_EVENT_CTRLREG ||
		      s->event == XENINTRO_EVENT_MSR;
	size_t i;

	if (check_fields(c, n, path, fields))
		return -1;
	if (!n->data.mapping.pairs.top ||
	    n->data.mapping.pairs.top == n->data.mapping.pairs.start)
		return err(c, n, path, "no condition; leave when out");
	v = get(c, n, "cpl");
	if (v && parse_cpl(c, v, sub(p1, sizeof(p1), path, ".cpl"), &w->cpls))
		return -1;
	v = get(c, n, "cr3");
	if (v && parse_cr3(c, v, sub(p1, sizeof(p1), path, ".cr3"), w))
		return -1;
	v = get(c, n, "value");
	if (v) {
		sub(p1, sizeof(p1), path, ".value");
		if (!writes)
			return err(c, v, p1,
				   "%s events write no value (only cr and msr events do)",
				   policy_event_name(s->event));
		w->has_value = true;
		if (get_range(c, v, p1, key_addr, &w->value_first,
			      &w->value_last))
			return -1;
		if (w->value_first > w->value_last)
			return err(c, v, p1,
				   "first (0x%" PRIx64 ") is above last (0x%" PRIx64 ")",
				   w->value_first, w->value_last);
	}
	for (i = 0; i < 2; i++) {
		const char *f = i ? "value_clear" : "value_set";

		v = get(c, n, f);
		if (!v)
			continue;
		sub(p1, sizeof(p1), path, ".%s", f);
		if (s->event != XENINTRO_EVENT_CTRLREG)
			return err(c, v, p1,
				   "bit names exist for cr rules only; on %s events use value: {first, last}",
				   policy_event_name(s->event));
		if (s->first != s->last)
			return err(c, v, p1, "bit names need a single register in cr");
		if (get_cr_bits(c, v, p1, (uint32_t)s->first,
				i ? &w->value_clear : &w->value_set))
			return -1;
	}
	if (w->value_set & w->value_clear)
		return err(c, n, path,
			   "a bit in both value_set and value_clear: no value matches");
	return 0;
}

/* A signed byte offset: N or -N. */
static int get_offset(struct ctx *c, const yaml_node_t *n, const char *path,
		      int64_t *out)
{
	const char *s = is_plain(n) ? scalar(n) : "";
	uint64_t mag;
	char *end;
	int base = 10;
	bool neg = *s == '-';

	if (!neg) {
		if (get_u64(c, n, path, INT64_MAX, &mag))
			return -1;
		*out = (int64_t)mag;
		return 0;
	}
	s++;
	if (!strncasecmp(s, "0x", 2)) {
		base = 16;
		s += 2;
	}
	errno = 0;
	mag = *s >= '0' && *s <= '9' ? strtoull(s, &end, base) : 0;
	if (!mag || *end || errno || mag > (uint64_t)INT64_MAX)
		return err(c, n, path, "expected a byte offset (N or -N, at most 2^63-1), got \"%s\"",
			   scalar(n));
	*out = -(int64_t)mag;
	return 0;
}

/* actions.pause: true, or {seconds: N} */
static int parse_pause(struct ctx *c, const yaml_node_t *n, const char *path,
		       struct policy_actions *a)
{
	static const char *const fields[] = { "seconds", NULL };
	char p1[PATH_MAX_LEN];
	yaml_node_t *v;

	if (n->type != YAML_MAPPING_NODE)
		return get_bool(c, n, path, &a->pause);
	if (check_fields(c, n, path, fields))
		return -1;
	v = get(c, n, "seconds");
	if (!v)
		return err(c, n, path, "needs seconds (or say pause: true, until resumed)");
	if (get_u32(c, v, sub(p1, sizeof(p1), path, ".seconds"),
		    POLICY_PAUSE_SECONDS_MAX, &a->pause_s))
		return -1;
	if (!a->pause_s)
		return err(c, v, p1, "0 seconds pauses nothing; at least 1");
	a->pause = true;
	return 0;
}

/*
 * A dump's file: an absolute path whose last component may hold
 * {domid}, {guest}, {rule}, {seq} and {time}; its directory must exist
 * now (the agent creates files, never directories).
 */
static int check_dump_file(struct ctx *c, const yaml_node_t *n,
			   const char *path, const char *f)
{
	static const char *const holes[] = {
		"{domid}", "{guest}", "{rule}", "{seq}", "{time}", NULL,
	};
	const char *slash = strrchr(f, '/'), *q;
	char dir[4096];
	struct stat st;
	size_t i;

	if (f[0] != '/')
		return err(c, n, path, "\"%s\": an absolute path is needed", f);
	if (strlen(f) >= sizeof(dir))
		return err(c, n, path, "a path of %zu bytes: at most %zu",
			   strlen(f), sizeof(dir) - 1);
	for (q = strchr(f, '{'); q; q = strchr(q + 1, '{')) {
		for (i = 0; holes[i]; i++)
			if (!strncmp(q, holes[i], strlen(holes[i])))
				break;
		if (!holes[i])
			return err(c, n, path,
				   "unknown placeholder at \"%.16s\" ({domid}, {guest}, {rule}, {seq}, {time})",
				   q);
		if (q < slash)
			return err(c, n, path,
				   "placeholders only in the file's name, not in its directory");
	}
	if (slash == f || (slash && !slash[1]))
		return err(c, n, path, "\"%s\": names no file in a directory", f);
	memcpy(dir, f, (size_t)(slash - f));
	dir[slash - f] = '\0';
	if (stat(dir, &st))
		return err(c, n, path, "directory %s: %s", dir,
			   strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err(c, n, path, "%s is not a directory", dir);
	return 0;
}

/* actions.dump: {at, offset, length, physical, file, max_files} */
static int parse_dump(struct ctx *c, const yaml_node_t *n, const char *path,
		      struct policy_actions *a)
{
	static const char *const fields[] = {
		"at", "offset", "length", "physical", "file", "max_files",
		NULL,
	};
	char p1[PATH_MAX_LEN];
	yaml_node_t *v;
	int r;

	if (check_fields(c, n, path, fields))
		return -1;
	v = get(c, n, "at");
	if (!v)
		return err(c, n, path, "needs at: a register (rip, rsp, ...) or an address");
	a->dump_at = MEM_AT_ADDR;
	for (r = 0; r < MEM_AT_NR && is_plain(v); r++)
		if (!strcmp(scalar(v), mem_at_names[r]))
			a->dump_at = r;
	sub(p1, sizeof(p1), path, ".at");
	if (a->dump_at == MEM_AT_ADDR && is_symbol_expr(v) && !c->kernel_ok)
		return err(c, v, p1, "unknown register \"%s\": rax..rdx, rsi, rdi, rbp, rsp, r8..r15, rip, cr2, an address, or a kernel symbol (with kernel.image)",
			   scalar(v));
	if (a->dump_at == MEM_AT_ADDR && key_addr(c, v, p1, &a->dump_addr))
		return -1;
	v = get(c, n, "offset");
	if (v && get_offset(c, v, sub(p1, sizeof(p1), path, ".offset"),
			    &a->dump_offset))
		return -1;
	v = get(c, n, "length");
	if (!v)
		return err(c, n, path, "needs length: 1 to %u bytes",
			   POLICY_DUMP_MAX);
	if (get_u32(c, v, sub(p1, sizeof(p1), path, ".length"),
		    POLICY_DUMP_MAX, &a->dump_length))
		return -1;
	if (!a->dump_length)
		return err(c, v, p1, "0 bytes: nothing to dump");
	v = get(c, n, "physical");
	if (v && get_bool(c, v, sub(p1, sizeof(p1), path, ".physical"),
			  &a->dump_physical))
		return -1;
	v = get(c, n, "file");
	if (!v)
		return err(c, n, path, "needs file: where to write, e.g. /var/lib/xenintro/dump-{domid}-{rule}-{seq}.bin");
	sub(p1, sizeof(p1), path, ".file");
	if (dup_str(c, v, p1, &a->dump_file) ||
	    check_dump_file(c, v, p1, a->dump_file))
		return -1;
	a->dump_max_files = POLICY_DUMP_FILES_DEFAULT;
	v = get(c, n, "max_files");
	if (v && get_u32(c, v, sub(p1, sizeof(p1), path, ".max_files"),
			 POLICY_DUMP_FILES_MAX, &a->dump_max_files))
		return -1;
	if (!a->dump_max_files)
		return err(c, v, p1, "0 files would dump nothing; leave dump out");
	a->dump = true;
	return 0;
}

/* actions.hook: {argv: [PROGRAM, ARG...] | shell: COMMAND, timeout, max_running} */
static int parse_hook(struct ctx *c, const yaml_node_t *n, const char *path,
		      struct policy_actions *a)
{
	static const char *const fields[] = {
		"argv", "shell", "timeout", "max_running", NULL,
	};
	char p1[PATH_MAX_LEN];
	yaml_node_item_t *it;
	yaml_node_t *v, *sh;
	const char *prog;
	size_t i, nr;

	if (check_fields(c, n, path, fields))
		return -1;
	v = get(c, n, "argv");
	sh = get(c, n, "shell");
	if (!v == !sh)
		return err(c, n, path,
			   "needs argv: [PROGRAM, ARG...] (run directly) or shell: COMMAND (run by /bin/sh -c), not both");
	if (sh) {
		a->hook_argv = calloc(4, sizeof(*a->hook_argv));
		if (!a->hook_argv)
			return err(c, sh, path, "out of memory");
		a->hook_argv[0] = strdup("/bin/sh");
		a->hook_argv[1] = strdup("-c");
		if (!a->hook_argv[0] || !a->hook_argv[1])
			return err(c, sh, path, "out of memory");
		if (dup_str(c, sh, sub(p1, sizeof(p1), path, ".shell"),
			    &a->hook_argv[2]))
			return -1;
	} else {
		sub(p1, sizeof(p1), path, ".argv");
		if (get_list(c, v, p1))
			return -1;
		nr = (size_t)(v->data.sequence.items.top -
			      v->data.sequence.items.start);
		if (!nr)
			return err(c, v, p1, "an empty list: the program is missing");
		if (nr > POLICY_HOOK_ARGS_MAX)
			return err(c, v, p1, "%zu arguments, at most %d", nr,
				   POLICY_HOOK_ARGS_MAX);
		a->hook_argv = calloc(nr + 1, sizeof(*a->hook_argv));
		if (!a->hook_argv)
			return err(c, v, p1, "out of memory");
		for_each_item(c, v, it, i) {
			sub(p1, sizeof(p1), path, ".argv[%zu]", i);
			if (get_str(c, node(c, *it), p1, &prog))
				return -1;
			a->hook_argv[i] = strdup(prog);
			if (!a->hook_argv[i])
				return err(c, node(c, *it), p1, "out of memory");
		}
		/* no PATH search: the program the operator means, or none */
		prog = a->hook_argv[0];
		sub(p1, sizeof(p1), path, ".argv[0]");
		it = v->data.sequence.items.start;
		if (prog[0] != '/')
			return err(c, node(c, *it), p1,
				   "\"%s\": an absolute path is needed (no PATH search)",
				   prog);
		if (access(prog, X_OK))
			return err(c, node(c, *it), p1, "%s: %s", prog,
				   strerror(errno));
	}
	a->hook_timeout_s = POLICY_HOOK_TIMEOUT_DEFAULT;
	v = get(c, n, "timeout");
	if (v && get_u32(c, v, sub(p1, sizeof(p1), path, ".timeout"),
			 POLICY_HOOK_TIMEOUT_MAX, &a->hook_timeout_s))
		return -1;
	if (!a->hook_timeout_s)
		return err(c, v, p1, "0 seconds: a hook needs at least 1 to run");
	a->hook_max_running = POLICY_HOOK_RUNNING_DEFAULT;
	v = get(c, n, "max_running");
	if (v && get_u32(c, v, sub(p1, sizeof(p1), path, ".max_running"),
			 POLICY_HOOK_RUNNING_MAX, &a->hook_max_running))
		return -1;
	if (!a->hook_max_running)
		return err(c, v, p1, "0 would run no hook; leave hook out");
	return 0;
}

static int parse_actions(struct ctx *c, const yaml_node_t *n,
			 const char *path, struct policy_actions *a)
{
	static const char *const fields[] = { "pause", "dump", "hook", NULL };
	char p1[PATH_MAX_LEN];
	yaml_node_t *v;

	if (check_fields(c, n, path, fields))
		return -1;
	v = get(c, n, "pause");
	if (v && parse_pause(c, v, sub(p1, sizeof(p1), path, ".pause"), a))
		return -1;
	v = get(c, n, "dump");
	if (v && parse_dump(c, v, sub(p1, sizeof(p1), path, ".dump"), a))
		return -1;
	v = get(c, n, "hook");
	if (v && parse_hook(c, v, sub(p1, sizeof(p1), path, ".hook"), a))
		return -1;
	if (!a->pause && !a->dump && !a->hook_argv)
		return err(c, n, path, "no action; leave actions out");
	return 0;
}

/*
 * when: and actions: of rule @s, once its action and notify are known.
 * The agent evaluates and runs them on the rule's events that reach it:
 * forwarded ones, or the kernel's notify copies. A rule the kernel
 * answers alone sends it nothing, and no condition of the agent's can
 * change a verdict the kernel has given: refused, with what would work.
 */
static int parse_when_actions(struct ctx *c, const yaml_node_t *n,
			      const char *path, const struct rule_spec *s,
			      struct policy_rule_meta *m)
{
	const char *const what[] = { "when", "actions" };
	char p1[PATH_MAX_LEN];
	yaml_node_t *v;
	size_t i;

	for (i = 0; i < 2; i++) {
		v = get(c, n, what[i]);
		if (!v || s->notify || s->action == XENINTRO_VERDICT_FORWARD)
			continue;
		return err(c, v, sub(p1, sizeof(p1), path, ".%s", what[i]),
			   "the kernel answers this rule's events without the agent, which %s; add notify: true (the kernel's verdict stands, the agent sees a copy), or action: forward (the agent decides; forwarded.decide takes cpl, cr3 and value too)",
			   i ? "runs actions" : "evaluates when: (a condition cannot change a kernel verdict)");
	}
	v = get(c, n, "when");
	if (v) {
		m->has_when = true;
		m->when_mark = mark_of(v);
		if (parse_when(c, v, sub(p1, sizeof(p1), path, ".when"), s,
			       &m->when))
			return -1;
	}
	v = get(c, n, "actions");
	if (v) {
		m->has_actions = true;
		if (parse_actions(c, v, sub(p1, sizeof(p1), path, ".actions"),
				  &m->actions))
			return -1;
	}
	return 0;
}

/* Rule @idx of the policy, the file's rules[@local]. */
static int parse_rule(struct ctx *c, const yaml_node_t *n, unsigned int idx,
		      unsigned int local)
{
	static const char *const common[] = {
		"name", "event", "vcpus", "priority", "action", "notify",
		"description", "severity", "tags", "key", "rate_limit",
		"enabled", "dedup", "when", "actions",
	};
	const char *fields[26];
	const char *const *extra;
	char path[PATH_MAX_LEN], p1[PATH_MAX_LEN];
	struct rule_spec s;
	yaml_node_t *v, *ev;
	size_t i, k = 0, nr_before;
	bool enabled = true;
	int ret = -1;

	memset(&s, 0, sizeof(s));
	snprintf(path, sizeof(path), "rules[%u]", local);
	s.index = idx;
	s.path = path;
	s.mark = mark_of(n);
	if (n->type != YAML_MAPPING_NODE)
		return err(c, n, path, "expected a mapping, got %s",
			   type_name(n));
	/* the event decides which other fields exist: read it first */
	ev = get(c, n, "event");
	if (!ev)
		return err(c, n, path, "needs event");
	if (get_event(c, ev, sub(p1, sizeof(p1), path, ".event"), &s.event))
		return -1;
	for (i = 0; i < ARRAY_SIZE(common); i++)
		fields[k++] = common[i];
	for (extra = rule_fields(s.event); *extra; extra++)
		fields[k++] = *extra;
	fields[k] = NULL;
	if (check_fields(c, n, path, fields))
		return -1;

	v = get(c, n, "name");
	if (v && dup_str(c, v, sub(p1, sizeof(p1), path, ".name"), &s.name))
		goto out;
	/*
	 * Stats, logs and decisions refer to rules by name: two rules of
	 * one name would make them ambiguous.
	 */
	for (i = 0; v && i < c->p->nr_rules; i++)
		if (!strcmp(c->p->rules[i].name, s.name)) {
			err(c, v, p1, "\"%s\" is already the name of rules[%u] (line %u)",
			    s.name, c->p->rules[i].source,
			    c->p->rules[i].mark.line);
			goto out;
		}
	for (i = 0; v && i < c->p->nr_rule_meta; i++)
		if (c->p->rule_meta[i].disabled_name &&
		    !strcmp(c->p->rule_meta[i].disabled_name, s.name)) {
			err(c, v, p1, "\"%s\" is already the name of rules[%zu], which is disabled",
			    s.name, i);
			goto out;
		}
	v = get(c, n, "enabled");
	if (v && get_bool(c, v, sub(p1, sizeof(p1), path, ".enabled"),
			  &enabled))
		goto out;
	if (idx < c->p->nr_rule_meta &&
	    parse_rule_meta(c, n, path, &c->p->rule_meta[idx]))
		goto out;
	v = get(c, n, "priority");
	if (v && get_u32(c, v, sub(p1, sizeof(p1), path, ".priority"),
			 UINT32_MAX, &s.priority))
		goto out;
	v = get(c, n, "vcpus");
	if (v && get_vcpus(c, v, sub(p1, sizeof(p1), path, ".vcpus"),
			   &s.vcpu_mask, &s.vcpu_mask_hi))
		goto out;
	v = get(c, n, "notify");
	if (v) {
		s.notify_mark = mark_of(v);
		if (get_bool(c, v, sub(p1, sizeof(p1), path, ".notify"),
			     &s.notify))
			goto out;
	}
	if (parse_rule_key(c, n, path, &s))
		goto out;

	v = get(c, n, "answer");
	if (v && parse_answer(c, v, sub(p1, sizeof(p1), path, ".answer"), &s))
		goto out;
	v = get(c, n, "action");
	if (v) {
		s.action_mark = mark_of(v);
		if (get_verdict(c, v, sub(p1, sizeof(p1), path, ".action"),
				false, &s.action))
			goto out;
	} else if (s.has_answer) {
		s.action = XENINTRO_VERDICT_SET_REGISTERS;
		s.action_mark = s.answer_mark;
	} else {
		err(c, n, path, "needs action");
		goto out;
	}

	v = get(c, n, "access");
	if (v && get_rights(c, v, sub(p1, sizeof(p1), path, ".access"),
			    &s.access))
		goto out;
	v = get(c, n, "gla");
	if (v) {
		s.has_gla = true;
		s.gla_mark = mark_of(v);
		if (get_range(c, v, sub(p1, sizeof(p1), path, ".gla"), key_addr,
			      &s.gla_first, &s.gla_last))
			goto out;
	}
	for (i = 0; i < 2; i++) {
		const char *f = i ? "cleared" : "set";

		v = get(c, n, f);
		if (!v)
			continue;
		sub(p1, sizeof(p1), path, ".%s", f);
		if (s.first != s.last) {
			err(c, v, p1, "bit names need a single register in cr");
			goto out;
		}
		if (get_cr_bits(c, v, p1, (uint32_t)s.first,
				i ? &s.clear_mask : &s.set_mask))
			goto out;
	}
	if (idx < c->p->nr_rule_meta &&
	    parse_when_actions(c, n, path, &s, &c->p->rule_meta[idx]))
		goto out;
	nr_before = c->p->nr_rules;
	ret = rule_build(&s, c->p, c->d);
	if (!ret)
		ret = check_rule_fires(c, ev, &s, nr_before);
	if (!ret && !enabled) {
		/*
		 * Checked like an enabled rule, so that enabling it later
		 * cannot fail; but nothing goes to the kernel. Its records
		 * are the last ones built: take them back out.
		 */
		for (i = nr_before; i < c->p->nr_rules; i++)
			free(c->p->rules[i].name);
		c->p->nr_rules = nr_before;
		c->p->nr_disabled_rules++;
		if (idx < c->p->nr_rule_meta) {
			c->p->rule_meta[idx].disabled = true;
			c->p->rule_meta[idx].disabled_name = s.name;
			s.name = NULL;
		}
	}
out:
	free(s.name);
	free(s.keys);
	return ret;
}

/*
 * rules: of every file of the policy, the policy's own first: one table,
 * numbered across files (the index of a rule's metadata and its default
 * name rules[N]), while errors give each file's own rules[i].
 */
static int parse_rules(struct ctx *c)
{
	yaml_node_item_t *it;
	yaml_node_t *n;
	size_t i, k, nr = 0, idx = 0;
	int ret = 0;

	for (k = 0; k < c->nr_files; k++) {
		use_file(c, k);
		n = get(c, file_root(c, k), "rules");
		if (!n)
			continue;
		if (get_list(c, n, "rules")) {
			ret = -1;
			continue;
		}
		nr += (size_t)(n->data.sequence.items.top -
			       n->data.sequence.items.start);
	}
	if (nr > XENINTRO_RULES_MAX)
		nr = XENINTRO_RULES_MAX;	/* the rest is refused below */
	c->p->rule_meta = calloc(nr ? nr : 1, sizeof(*c->p->rule_meta));
	if (!c->p->rule_meta)
		return err(c, file_root(c, 0), "rules", "out of memory");
	c->p->nr_rule_meta = nr;
	for (i = 0; i < nr; i++)
		c->p->rule_meta[i].severity = SEVERITY_NONE;
	for (k = 0; k < c->nr_files; k++) {
		use_file(c, k);
		n = get(c, file_root(c, k), "rules");
		if (!n || n->type != YAML_SEQUENCE_NODE)
			continue;
		for_each_item(c, n, it, i) {
			if (idx >= XENINTRO_RULES_MAX)
				return err(c, node(c, *it), "rules",
					   "more than %u rules",
					   XENINTRO_RULES_MAX);
			if (too_many(c))
				return -1;
			if (parse_rule(c, node(c, *it), (unsigned int)idx,
				       (unsigned int)i))
				ret = -1;
			idx++;
		}
		c->p->nr_policy_rules = idx;
		if (c->p->nr_rules > XENINTRO_RULES_MAX)
			return err(c, n, "rules", "%zu kernel rules, more than %u",
				   c->p->nr_rules, XENINTRO_RULES_MAX);
	}
	return ret;
}

/* Does a decision's verdict suit its event? (as rule actions do) */
static const char *decision_problem(uint32_t event, uint32_t verdict)
{
	switch (verdict) {
	case XENINTRO_VERDICT_CONTINUE:
		return NULL;
	case DECIDE_SKIP:
		if (!event || event == XENINTRO_EVENT_BREAKPOINT ||
		    event == XENINTRO_EVENT_CPUID)
			return NULL;
		return "only breakpoint and cpuid events can be skipped";
	case XENINTRO_VERDICT_SET_REGISTERS:
	case XENINTRO_VERDICT_FORWARD:
		return "not a verdict the agent gives (use skip, or a cpuid rule with answer)";
	case XENINTRO_VERDICT_DENY:
	case XENINTRO_VERDICT_EMULATE:
	case XENINTRO_VERDICT_EMULATE_NOWRITE:
	case XENINTRO_VERDICT_REINJECT:
		/* any event: checked again per event at run time */
		return event ? rule_action_problem(event, verdict) : NULL;
	}
	return NULL;
}

/* process: [comm, ...] of a decision: the names task->comm holds */
static int parse_process_list(struct ctx *c, const yaml_node_t *n,
			      const char *path, struct policy_decision *dc)
{
	char p1[PATH_MAX_LEN];
	yaml_node_item_t *it;
	size_t i, nr;

	if (!c->kernel_ok)
		return err(c, n, path,
			   "the process comes from the guest kernel's task_struct: name its image in kernel.image");
	if (get_list(c, n, path))
		return -1;
	nr = (size_t)(n->data.sequence.items.top -
		      n->data.sequence.items.start);
	if (!nr)
		return err(c, n, path, "an empty list");
	dc->processes = calloc(nr, sizeof(*dc->processes));
	if (!dc->processes)
		return err(c, n, path, "out of memory");
	for_each_item(c, n, it, i) {
		sub(p1, sizeof(p1), path, "[%zu]", i);
		if (dup_str(c, node(c, *it), p1, &dc->processes[i]))
			return -1;
		dc->nr_processes = i + 1;
		/* task->comm is TASK_COMM_LEN (16) bytes with its NUL */
		if (!*dc->processes[i] || strlen(dc->processes[i]) > 15)
			return err(c, node(c, *it), p1,
				   "a process name (task->comm) is 1 to 15 characters");
	}
	return 0;
}

static int parse_decision(struct ctx *c, const yaml_node_t *n,
			  const char *path, struct policy_decision *dc)
{
	static const char *const fields[] = {
		"event", "rule", "rip", "value", "process", "verdict", "log",
		"cpl", "cr3", NULL,
	};
	char p1[PATH_MAX_LEN], why[256];
	const char *problem;
	yaml_node_t *v;
	size_t i, k;

	memset(dc, 0, sizeof(*dc));
	dc->log = true;
	if (check_fields(c, n, path, fields))
		return -1;
	v = get(c, n, "event");
	if (v && get_event(c, v, sub(p1, sizeof(p1), path, ".event"),
			   &dc->event))
		return -1;
	if (v && !event_possible(c, dc->event, 0, UINT64_MAX, 0, NULL, why,
				 sizeof(why)))
		return err(c, v, p1, "the decision never applies: %s", why);
	v = get(c, n, "rule");
	if (v) {
		sub(p1, sizeof(p1), path, ".rule");
		if (dup_str(c, v, p1, &dc->rule))
			return -1;
		for (i = 0; i < c->p->nr_rules; i++)
			if (!strcmp(c->p->rules[i].name, dc->rule))
				break;
		/*
		 * A disabled rule forwards nothing: the decision stays, to
		 * apply again once the rule is enabled.
		 */
		for (k = 0; i == c->p->nr_rules && k < c->p->nr_rule_meta; k++)
			if (c->p->rule_meta[k].disabled_name &&
			    !strcmp(c->p->rule_meta[k].disabled_name, dc->rule))
				i = SIZE_MAX;
		/* with a rule in error, it may be that one */
		if (i == c->p->nr_rules && !c->refs_broken)
			return err(c, v, p1, "no rule is named \"%s\"",
				   dc->rule);
	}
	v = get(c, n, "rip");
	if (v) {
		dc->has_rip = true;
		if (get_range(c, v, sub(p1, sizeof(p1), path, ".rip"), key_addr,
			      &dc->rip_first, &dc->rip_last))
			return -1;
		if (dc->rip_first > dc->rip_last)
			return err(c, v, p1,
				   "first (0x%" PRIx64 ") is above last (0x%" PRIx64 ")",
				   dc->rip_first, dc->rip_last);
	}
	v = get(c, n, "value");
	if (v) {
		sub(p1, sizeof(p1), path, ".value");
		if (dc->event != XENINTRO_EVENT_MSR &&
		    dc->event != XENINTRO_EVENT_CTRLREG)
			return err(c, v, p1,
				   "a written value needs event: msr or event: cr");
		dc->has_value = true;
		if (get_range(c, v, p1, key_addr, &dc->value_first,
			      &dc->value_last))
			return -1;
		if (dc->value_first > dc->value_last)
			return err(c, v, p1,
				   "first (0x%" PRIx64 ") is above last (0x%" PRIx64 ")",
				   dc->value_first, dc->value_last);
	}
	v = get(c, n, "cpl");
	if (v && parse_cpl(c, v, sub(p1, sizeof(p1), path, ".cpl"),
			   &dc->when.cpls))
		return -1;
	v = get(c, n, "cr3");
	if (v && parse_cr3(c, v, sub(p1, sizeof(p1), path, ".cr3"), &dc->when))
		return -1;
	v = get(c, n, "process");
	if (v && parse_process_list(c, v, sub(p1, sizeof(p1), path, ".process"),
				    dc))
		return -1;
	v = get(c, n, "verdict");
	if (!v)
		return err(c, n, path, "needs verdict");
	sub(p1, sizeof(p1), path, ".verdict");
	if (get_verdict(c, v, p1, true, &dc->verdict))
		return -1;
	problem = decision_problem(dc->event, dc->verdict);
	if (problem)
		return err(c, v, p1, "%s: %s", policy_verdict_name(dc->verdict),
			   problem);
	v = get(c, n, "log");
	if (v && get_bool(c, v, sub(p1, sizeof(p1), path, ".log"), &dc->log))
		return -1;
	return 0;
}

static int parse_forwarded(struct ctx *c, const yaml_node_t *n)
{
	static const char *const fields[] = { "default", "log", "decide", NULL };
	char p1[PATH_MAX_LEN];
	struct policy *p = c->p;
	yaml_node_item_t *it;
	const char *why;
	yaml_node_t *v;
	size_t i, nr;
	int ret;

	ret = check_fields(c, n, "forwarded", fields);
	if (n->type != YAML_MAPPING_NODE)
		return -1;
	v = get(c, n, "default");
	if (v) {
		if (get_verdict(c, v, "forwarded.default", true,
				&p->forward_default)) {
			ret = -1;
		} else {
			why = decision_problem(0, p->forward_default);
			if (why)
				ret = err(c, v, "forwarded.default", "%s: %s",
					  policy_verdict_name(p->forward_default),
					  why);
		}
	}
	v = get(c, n, "log");
	if (v && get_bool(c, v, "forwarded.log", &p->forward_default_log))
		ret = -1;
	v = get(c, n, "decide");
	if (!v)
		return ret;
	if (get_list(c, v, "forwarded.decide"))
		return -1;
	nr = (size_t)(v->data.sequence.items.top -
		      v->data.sequence.items.start);
	p->decisions = calloc(nr ? nr : 1, sizeof(*p->decisions));
	if (!p->decisions)
		return err(c, v, "forwarded.decide", "out of memory");
	for_each_item(c, v, it, i) {
		if (too_many(c))
			return -1;
		sub(p1, sizeof(p1), "forwarded.decide", "[%zu]", i);
		p->nr_decisions = i + 1;
		if (parse_decision(c, node(c, *it), p1, &p->decisions[i]))
			ret = -1;
	}
	return ret;
}

static const char *const mem_at_names[MEM_AT_NR] = {
	"rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rbp", "rsp", "r8", "r9",
	"r10", "r11", "r12", "r13", "r14", "r15", "rip", "cr2",
};

const char *policy_mem_at_name(int at)
{
	return at >= 0 && at < MEM_AT_NR ? mem_at_names[at] : "addr";
}

uint64_t policy_mem_at_value(int at, const struct xenintro_regs *r)
{
	const uint64_t v[MEM_AT_NR] = {
		r->rax, r->rbx, r->rcx, r->rdx, r->rsi, r->rdi, r->rbp,
		r->rsp, r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14,
		r->r15, r->rip, r->cr2,
	};

	return at >= 0 && at < MEM_AT_NR ? v[at] : 0;
}

/*
 * log.memory[]: { events: [...], at: REG|ADDRESS, offset: N, length: N,
 * as: string|hex }
 */
static int parse_mem_capture(struct ctx *c, const yaml_node_t *n,
			     const char *path, struct policy_mem_capture *m)
{
	static const char *const fields[] = {
		"events", "at", "offset", "length", "as", NULL,
	};
	static const char *const kinds[] = { "hex", "string", NULL };
	char p1[PATH_MAX_LEN], why[256];
	yaml_node_item_t *it;
	uint32_t kind, ev;
	yaml_node_t *v;
	size_t i;
	int r;

	if (n->type != YAML_MAPPING_NODE)
		return err(c, n, path, "expected a mapping: at, length, as");
	if (check_fields(c, n, path, fields))
		return -1;
	memset(m, 0, sizeof(*m));
	v = get(c, n, "at");
	if (!v)
		return err(c, n, path, "needs at: a register (rsi, rdi, ...) or an address");
	m->at = MEM_AT_ADDR;
	for (r = 0; r < MEM_AT_NR && is_plain(v); r++)
		if (!strcmp(scalar(v), mem_at_names[r]))
			m->at = r;
	sub(p1, sizeof(p1), path, ".at");
	if (m->at == MEM_AT_ADDR && is_symbol_expr(v) && !c->kernel_ok)
		return err(c, v, p1, "unknown register \"%s\": rax..rdx, rsi, rdi, rbp, rsp, r8..r15, rip, cr2, an address, or a kernel symbol (with kernel.image)",
			   scalar(v));
	if (m->at == MEM_AT_ADDR && key_addr(c, v, p1, &m->addr))
		return -1;
	v = get(c, n, "offset");
	if (v && get_u64(c, v, sub(p1, sizeof(p1), path, ".offset"),
			 UINT64_MAX, &m->offset))
		return -1;
	v = get(c, n, "length");
	if (!v)
		return err(c, n, path, "needs length: 1 to %d bytes",
			   POLICY_MEM_MAX);
	if (get_u32(c, v, sub(p1, sizeof(p1), path, ".length"),
		    POLICY_MEM_MAX, &m->length))
		return -1;
	if (!m->length)
		return err(c, v, p1, "0 bytes: nothing to read");
	v = get(c, n, "as");
	if (v) {
		if (get_enum(c, v, sub(p1, sizeof(p1), path, ".as"), kinds,
			     "format", &kind))
			return -1;
		m->string = kind == 1;
	}
	v = get(c, n, "events");
	if (v) {
		if (v->type != YAML_SEQUENCE_NODE)
			return err(c, v, sub(p1, sizeof(p1), path, ".events"),
				   "expected a list of event names");
		for_each_item(c, v, it, i) {
			sub(p1, sizeof(p1), path, ".events[%zu]", i);
			if (get_event(c, node(c, *it), p1, &ev))
				return -1;
			if (!c->p->provisional &&
			    !event_possible(c, ev, 0, UINT64_MAX, 0, NULL, why,
					    sizeof(why)))
				return err(c, node(c, *it), p1,
					   "never captured: %s", why);
			m->events |= 1U << ev;
		}
	}
	return 0;
}

/* log.syslog: true, or {facility: NAME, ident: WORD} */
static int parse_syslog(struct ctx *c, const yaml_node_t *n,
			struct policy_log *l)
{
	static const char *const fields[] = { "facility", "ident", NULL };
	static const char *const facilities[] = {
		"daemon", "user", "auth", "authpriv", "local0", "local1",
		"local2", "local3", "local4", "local5", "local6", "local7",
		NULL,
	};
	static const int facility_values[] = {
		LOG_DAEMON, LOG_USER, LOG_AUTH, LOG_AUTHPRIV, LOG_LOCAL0,
		LOG_LOCAL1, LOG_LOCAL2, LOG_LOCAL3, LOG_LOCAL4, LOG_LOCAL5,
		LOG_LOCAL6, LOG_LOCAL7,
	};
	uint32_t f;
	yaml_node_t *v;
	int ret = 0;

	l->syslog_facility = LOG_DAEMON;
	if (n->type != YAML_MAPPING_NODE)
		return get_bool(c, n, "log.syslog", &l->syslog);
	l->syslog = true;
	if (check_fields(c, n, "log.syslog", fields))
		return -1;
	v = get(c, n, "facility");
	if (v) {
		const char *s;

		if (get_str(c, v, "log.syslog.facility", &s))
			return -1;
		for (f = 0; facilities[f] && strcmp(facilities[f], s); f++)
			;
		if (!facilities[f])
			return err(c, v, "log.syslog.facility",
				   "unknown facility \"%s\" (daemon, user, auth, authpriv, local0..local7)",
				   s);
		l->syslog_facility = facility_values[f];
	}
	v = get(c, n, "ident");
	if (v && get_word(c, v, "log.syslog.ident", "syslog ident",
			  POLICY_IDENT_MAX, &l->syslog_ident))
		ret = -1;
	return ret;
}

static int parse_log(struct ctx *c, const yaml_node_t *n)
{
	static const char *const fields[] = {
		"format", "file", "events", "notify", "forwarded", "async",
		"memory", "process", "syslog", NULL,
	};
	static const char *const formats[] = { "json", "text", NULL };
	struct policy_log *l = &c->p->log;
	char p1[PATH_MAX_LEN], why[256];
	yaml_node_item_t *it;
	uint32_t fmt, ev;
	yaml_node_t *v;
	size_t i;
	int ret;

	ret = check_fields(c, n, "log", fields);
	if (n->type != YAML_MAPPING_NODE)
		return -1;
	v = get(c, n, "process");
	if (v) {
		if (get_bool(c, v, "log.process", &l->process))
			ret = -1;
		else if (l->process && !c->kernel_ok)
			ret = err(c, v, "log.process",
				  "the process comes from the guest kernel's task_struct: name its image in kernel.image");
	}
	v = get(c, n, "format");
	if (v) {
		if (get_enum(c, v, "log.format", formats, "format", &fmt))
			ret = -1;
		else
			l->format = fmt ? LOG_TEXT : LOG_JSON;
	}
	v = get(c, n, "file");
	if (v) {
		l->file_mark = mark_of(v);
		if (dup_str(c, v, "log.file", &l->file)) {
			ret = -1;
		} else if (!strcmp(l->file, "-")) {
			free(l->file);
			l->file = NULL;
		}
	}
	v = get(c, n, "events");
	if (v && !(is_plain(v) && !strcmp(scalar(v), "all"))) {
		if (v->type != YAML_SEQUENCE_NODE)
			ret = err(c, v, "log.events",
				  "expected a list of event names or all");
		else
			l->events = 0;
	}
	if (v && v->type == YAML_SEQUENCE_NODE) {
		for_each_item(c, v, it, i) {
			sub(p1, sizeof(p1), "log.events", "[%zu]", i);
			if (get_event(c, node(c, *it), p1, &ev)) {
				ret = -1;
				continue;
			}
			if (!c->p->provisional &&
			    !event_possible(c, ev, 0, UINT64_MAX, 0, NULL, why,
					    sizeof(why)))
				ret = err(c, node(c, *it), p1,
					  "nothing to log: %s", why);
			l->events |= 1U << ev;
		}
	}
	v = get(c, n, "syslog");
	if (v && parse_syslog(c, v, l))
		ret = -1;
	v = get(c, n, "notify");
	if (v && get_bool(c, v, "log.notify", &l->notify))
		ret = -1;
	v = get(c, n, "forwarded");
	if (v && get_bool(c, v, "log.forwarded", &l->forwarded))
		ret = -1;
	v = get(c, n, "async");
	if (v && get_bool(c, v, "log.async", &l->async))
		ret = -1;
	v = get(c, n, "memory");
	if (v && v->type != YAML_SEQUENCE_NODE)
		return err(c, v, "log.memory",
			   "expected a list of {at, length, as}");
	if (!v)
		return ret;
	for_each_item(c, v, it, i) {
		if (too_many(c))
			return -1;
		sub(p1, sizeof(p1), "log.memory", "[%zu]", i);
		if (i >= POLICY_MEM_CAPTURES)
			return err(c, node(c, *it), p1,
				   "at most %d memory captures",
				   POLICY_MEM_CAPTURES);
		if (parse_mem_capture(c, node(c, *it), p1,
				      &l->memory[l->nr_memory]))
			ret = -1;
		else
			l->nr_memory++;
	}
	return ret;
}

/*
 * A domid or a guest's name, by guest_is_domid()'s rule (xl's): only
 * plain decimal digits are a domid, so "2019-web" is a name.
 */
static int parse_guest(struct ctx *c, const yaml_node_t *n)
{
	struct policy *p = c->p;
	char why[96];

	if (n->type == YAML_SCALAR_NODE && guest_is_domid(scalar(n))) {
		if (!is_plain(n))
			return err(c, n, "guest",
				   "\"%s\" is quoted: all digits are a domid, never a name; write %s for domain %s",
				   scalar(n), scalar(n), scalar(n));
		if (guest_domid(scalar(n), &p->domid, why, sizeof(why)))
			return err(c, n, "guest", "%s", why);
		return 0;
	}
	if (n->type != YAML_SCALAR_NODE || is_null(n) || !*scalar(n))
		return err(c, n, "guest",
			   "expected a guest name or domid, got %s",
			   type_name(n));
	return dup_str(c, n, "guest", &p->guest_name);
}

/* kernel: where the symbols that addresses may name come from */
static int parse_kernel(struct ctx *c, const yaml_node_t *n)
{
	static const char *const fields[] = {
		"image", "system_map", "isf", "memory", NULL,
	};
	struct policy *p = c->p;
	char why[600];
	yaml_node_t *v;

	if (check_fields(c, n, "kernel", fields))
		return -1;
	v = get(c, n, "image");
	if (v && dup_str(c, v, "kernel.image", &p->kernel_image))
		return -1;
	v = get(c, n, "system_map");
	if (v && dup_str(c, v, "kernel.system_map", &p->kernel_system_map))
		return -1;
	v = get(c, n, "isf");
	if (v && dup_str(c, v, "kernel.isf", &p->kernel_isf))
		return -1;
	v = get(c, n, "memory");
	if (v && get_bool(c, v, "kernel.memory", &p->kernel_memory))
		return -1;
	if (p->kernel_memory && (p->kernel_image || p->kernel_system_map ||
				 p->kernel_isf))
		return err(c, v, "kernel.memory",
			   "reads the symbols and types from the guest itself: give no files with it");
	if (!p->kernel_image && !p->kernel_system_map && !p->kernel_isf &&
	    !p->kernel_memory)
		return err(c, n, "kernel",
			   "needs image (the guest kernel's vmlinuz or vmlinux), system_map, isf or memory: true");
	if (p->kernel_system_map && p->kernel_isf)
		return err(c, n, "kernel",
			   "give one of system_map or isf: both are symbol tables");
	p->has_kernel = true;
	if (!c->env)
		return err(c, n, "kernel", "kernel symbols cannot be resolved here");
	if (c->env->kernel(c->env, p, why, sizeof(why)))
		return err(c, n, "kernel", "%s", why);
	c->kernel_ok = true;
	return 0;
}

/* ---- lists and include files ---------------------------------------- */

/* libyaml's problem text, at its mark. */
static int yaml_problem(struct diag *d, const yaml_parser_t *y)
{
	struct src_mark m = {
		.line = (unsigned int)y->problem_mark.line + 1,
		.col = (unsigned int)y->problem_mark.column + 1,
	};

	if (y->error == YAML_MEMORY_ERROR)
		return diag_error(d, m, NULL, "out of memory");
	if (y->context)
		return diag_error(d, m, NULL, "YAML syntax error: %s %s",
				  y->problem ? y->problem : "error",
				  y->context);
	return diag_error(d, m, NULL, "YAML syntax error: %s",
			  y->problem ? y->problem : "error");
}

/* @rel, relative to the directory of @base unless it is absolute. */
static char *include_path(const char *base, const char *rel)
{
	const char *slash = strrchr(base, '/');
	size_t len;
	char *out;

	if (rel[0] == '/' || !slash)
		return strdup(rel);
	len = (size_t)(slash - base) + 1 + strlen(rel) + 1;
	out = malloc(len);
	if (out)
		snprintf(out, len, "%.*s/%s", (int)(slash - base), base, rel);
	return out;
}

/*
 * A policy decides verdicts on a guest and may run programs and write
 * files as the agent (hook:, dump:; the agent runs as root): only its
 * owner may be able to change it, as sshd's StrictModes and sudo demand
 * of their files. Refused: a file owned by a user other than root and
 * the one reading it, or writable by its group or by others. 0, or -1
 * with the reason in @why.
 */
static int untrusted_file(const struct stat *st, char *why, size_t len)
{
	uid_t me = geteuid();

	if (st->st_uid != 0 && st->st_uid != me) {
		snprintf(why, len,
			 "owned by uid %u, neither root nor this user (uid %u): whoever owns a policy controls what the agent runs",
			 (unsigned int)st->st_uid, (unsigned int)me);
		return -1;
	}
	if (st->st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len,
			 "writable by %s (mode %04o): a policy runs as the agent; chmod go-w it",
			 st->st_mode & S_IWOTH ? "every user" : "its group",
			 (unsigned int)(st->st_mode & 07777));
		return -1;
	}
	return 0;
}

/*
 * Read an included file into a new document: a regular file only (a
 * FIFO or a device would block or never end), within what is left of the
 * policy's POLICY_FILE_MAX bytes. NULL with the error said at @n, the
 * include: entry, or in the file itself for its YAML.
 */
static yaml_document_t *read_include(struct ctx *c, const yaml_node_t *n,
				     const char *path, const char *file)
{
	yaml_document_t *doc = NULL, extra;
	yaml_parser_t y;
	struct stat st;
	size_t left = POLICY_FILE_MAX - c->bytes, len = 0;
	char *buf = NULL, why[192];
	ssize_t r;
	int fd;

	fd = open(file, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		err(c, n, path, "cannot open %s: %s", file, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		err(c, n, path, "%s is not a regular file", file);
		goto out;
	}
	if (untrusted_file(&st, why, sizeof(why))) {
		err(c, n, path, "%s: %s", file, why);
		goto out;
	}
	if ((uint64_t)st.st_size > left) {
		err(c, n, path,
		    "%s makes the policy and its includes more than %d bytes in all",
		    file, POLICY_FILE_MAX);
		goto out;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		err(c, n, path, "out of memory");
		goto out;
	}
	/* it may grow while read: never past the size it had */
	while (len < (size_t)st.st_size &&
	       (r = read(fd, buf + len, (size_t)st.st_size - len)) > 0)
		len += (size_t)r;
	c->bytes += len;
	doc = calloc(1, sizeof(*doc));
	if (!doc || !yaml_parser_initialize(&y)) {
		err(c, n, path, "out of memory");
		free(doc);
		doc = NULL;
		goto out;
	}
	yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&y, doc)) {
		const char *main_file = c->d->file;

		c->d->file = file;
		c->d->file_seq = (unsigned int)c->nr_files;
		yaml_problem(c->d, &y);
		c->d->file = main_file;
		free(doc);
		doc = NULL;
	} else if (!yaml_document_get_root_node(doc)) {
		err(c, n, path, "%s is empty", file);
		yaml_document_delete(doc);
		free(doc);
		doc = NULL;
	} else if (yaml_parser_load(&y, &extra)) {
		/* a second document would be ignored: refuse it, as at the top */
		if (yaml_document_get_root_node(&extra))
			err(c, n, path, "%s holds a second YAML document; a policy file is one",
			    file);
		if (yaml_document_get_root_node(&extra)) {
			yaml_document_delete(doc);
			free(doc);
			doc = NULL;
		}
		yaml_document_delete(&extra);
	}
	yaml_parser_delete(&y);
out:
	free(buf);
	close(fd);
	return doc;
}

/*
 * include: of file @from, and theirs, depth first: each file once, no
 * cycle, at most POLICY_INCLUDE_DEPTH deep.
 */
static int load_includes(struct ctx *c, size_t from)
{
	static const char *const fields[] = {
		"include", "lists", "monitors", "rules", NULL,
	};
	char p1[PATH_MAX_LEN], *file, *real;
	const char *rel;
	yaml_node_item_t *it;
	yaml_document_t *doc;
	struct policy_file *f;
	yaml_node_t *v, *e;
	size_t i, k, nr;
	int ret = 0;

	use_file(c, from);
	v = get(c, file_root(c, from), "include");
	if (!v)
		return 0;
	if (get_list(c, v, "include"))
		return -1;
	nr = (size_t)(v->data.sequence.items.top -
		      v->data.sequence.items.start);
	for (i = 0; i < nr && !too_many(c); i++) {
		use_file(c, from);
		v = get(c, file_root(c, from), "include");
		it = v->data.sequence.items.start + i;
		e = node(c, *it);
		sub(p1, sizeof(p1), "include", "[%zu]", i);
		if (get_str(c, e, p1, &rel) ||
		    !(file = include_path(c->files[from].path, rel))) {
			ret = -1;
			continue;
		}
		if (c->files[from].depth + 1 > POLICY_INCLUDE_DEPTH) {
			free(file);
			return err(c, e, p1,
				   "includes nest more than %d deep",
				   POLICY_INCLUDE_DEPTH);
		}
		real = realpath(file, NULL);
		for (k = 0; real && k < c->nr_files; k++) {
			size_t up;

			if (!c->files[k].real || strcmp(c->files[k].real, real))
				continue;
			/* on the way here: a cycle; else only twice */
			for (up = from; up && up != k; up = c->files[up].parent)
				;
			if (up == k)
				err(c, e, p1, "%s includes itself (an include cycle through %s)",
				    c->files[k].path, c->files[from].path);
			else
				err(c, e, p1, "%s is included already (by %s)",
				    file, c->files[c->files[k].parent].path);
			break;
		}
		if (!real || k < c->nr_files) {
			if (!real)
				err(c, e, p1, "cannot open %s: %s", file,
				    strerror(errno));
			free(real);
			free(file);
			ret = -1;
			continue;
		}
		if (c->nr_files == POLICY_FILES_MAX) {
			free(real);
			free(file);
			return err(c, e, p1, "more than %d files in the policy",
				   POLICY_FILES_MAX);
		}
		doc = read_include(c, e, p1, file);
		if (!doc) {
			free(real);
			free(file);
			ret = -1;
			continue;
		}
		f = &c->files[c->nr_files];
		f->path = file;
		f->real = real;
		f->doc = doc;
		f->own_doc = true;
		f->depth = c->files[from].depth + 1;
		f->parent = from;
		c->nr_files++;
		/* an included file holds these sections only */
		use_file(c, c->nr_files - 1);
		if (check_fields(c, file_root(c, c->nr_files - 1), "",
				 fields)) {
			c->refs_broken = true;
			ret = -1;
			if (file_root(c, c->nr_files - 1)->type !=
			    YAML_MAPPING_NODE)
				continue;
		}
		if (load_includes(c, c->nr_files - 1))
			ret = -1;
	}
	use_file(c, from);
	return ret;
}

static void free_files(struct ctx *c)
{
	size_t i, k;

	for (i = 0; i < c->nr_files; i++) {
		if (c->files[i].own_doc) {
			yaml_document_delete(c->files[i].doc);
			free(c->files[i].doc);
			free(c->files[i].path);
		}
		free(c->files[i].real);
	}
	for (i = 0; i < c->nr_lists; i++) {
		for (k = 0; k < c->lists[i].nr; k++)
			free(c->lists[i].values[k]);
		free(c->lists[i].values);
		free(c->lists[i].styles);
		free(c->lists[i].name);
	}
	free(c->lists);
}

/* "@name" quoted: a reference to list @name (*@name set) */
static bool list_ref(const yaml_node_t *n, const char **name)
{
	const char *s;

	if (n->type != YAML_SCALAR_NODE || is_plain(n))
		return false;
	s = scalar(n);
	if (s[0] != '@' || !s[1])
		return false;
	for (*name = ++s; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '_' || *s == '-'))
			return false;
	return true;
}

static struct named_list *find_list(struct ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nr_lists; i++)
		if (!strcmp(c->lists[i].name, name))
			return &c->lists[i];
	return NULL;
}

/* lists: {NAME: [value, ...], ...} of the current file */
static int parse_lists(struct ctx *c, const yaml_node_t *n, size_t file)
{
	char p1[PATH_MAX_LEN], p2[PATH_MAX_LEN];
	yaml_node_pair_t *pr;
	yaml_node_item_t *it;
	struct named_list *l, *nl;
	const char *ref;
	yaml_node_t *k, *v, *e;
	size_t i, nr;
	int ret = 0;

	if (n->type != YAML_MAPPING_NODE)
		return err(c, n, "lists", "expected a mapping, got %s",
			   type_name(n));
	for (pr = n->data.mapping.pairs.start; pr < n->data.mapping.pairs.top;
	     pr++) {
		k = node(c, pr->key);
		v = node(c, pr->value);
		sub(p1, sizeof(p1), "lists.", "%s", is_plain(k) ? scalar(k) : "");
		if (!is_plain(k) || !*scalar(k) ||
		    strlen(scalar(k)) > POLICY_LIST_NAME_MAX ||
		    strspn(scalar(k), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != strlen(scalar(k))) {
			ret = err(c, k, "lists",
				  "a list name is 1 to %d letters, digits, _ and -",
				  POLICY_LIST_NAME_MAX);
			continue;
		}
		l = find_list(c, scalar(k));
		if (l) {
			ret = err(c, k, p1, "a list of this name is defined already (%s:%u)",
				  c->files[l->file].path, l->line);
			continue;
		}
		if (v->type != YAML_SEQUENCE_NODE) {
			ret = err(c, v, p1, "expected a list, got %s",
				  type_name(v));
			continue;
		}
		nr = (size_t)(v->data.sequence.items.top -
			      v->data.sequence.items.start);
		if (!nr) {
			ret = err(c, v, p1, "an empty list");
			continue;
		}
		nl = realloc(c->lists, (c->nr_lists + 1) * sizeof(*nl));
		if (!nl)
			return err(c, v, p1, "out of memory");
		c->lists = nl;
		l = &c->lists[c->nr_lists];
		memset(l, 0, sizeof(*l));
		l->name = strdup(scalar(k));
		l->values = calloc(nr, sizeof(*l->values));
		l->styles = calloc(nr, sizeof(*l->styles));
		l->file = file;
		l->line = mark_of(k).line;
		c->nr_lists++;
		if (!l->name || !l->values || !l->styles)
			return err(c, v, p1, "out of memory");
		for_each_item(c, v, it, i) {
			e = node(c, *it);
			sub(p2, sizeof(p2), p1, "[%zu]", i);
			if (e->type != YAML_SCALAR_NODE || is_null(e)) {
				ret = err(c, e, p2, "expected a value, got %s",
					  type_name(e));
				break;
			}
			if (list_ref(e, &ref)) {
				ret = err(c, e, p2, "a list cannot name another list (\"@%s\")",
					  ref);
				break;
			}
			l->values[i] = strdup(scalar(e));
			if (!l->values[i])
				return err(c, e, p2, "out of memory");
			l->styles[i] = e->data.scalar.style;
			l->nr = i + 1;
		}
	}
	return ret;
}

/* A new scalar node in the current document, at @at's place. */
static int add_value(struct ctx *c, const struct named_list *l, size_t i,
		     yaml_mark_t start, yaml_mark_t end)
{
	yaml_node_t *n;
	int id;

	id = yaml_document_add_scalar(c->doc, NULL,
				      (yaml_char_t *)l->values[i],
				      (int)strlen(l->values[i]), l->styles[i]);
	if (!id)
		return 0;
	n = node(c, id);
	n->start_mark = start;
	n->end_mark = end;
	return id;
}

/*
 * Fields that hold one string of the operator's own: a quoted "@word"
 * there is that text, never a list.
 */
static bool is_text_field(const char *key)
{
	static const char *const text[] = {
		"name", "description", "key", "guest", "rule", "file",
		"ident", "image", "system_map", "isf", "shell", NULL,
	};
	size_t i;

	for (i = 0; text[i]; i++)
		if (!strcmp(text[i], key))
			return true;
	return false;
}

/*
 * Replace every "@name" in the document under node @id: in a list by the
 * list's values, in place; as a field's whole value by a list of them.
 * The new values carry the reference's line:col, so that an error in one
 * points at the place that used it. @seen: nodes done (aliases share
 * nodes, and must cost once); @depth bounds the walk.
 */
static int expand_refs(struct ctx *c, int id, const char *path,
		       unsigned char *seen, size_t nr_seen, unsigned int depth)
{
	char p1[PATH_MAX_LEN];
	yaml_node_t *n = node(c, id), *e;
	struct named_list *l;
	const char *ref;
	size_t i, k, nr, nr_new;
	int *items, ret = 0, seq;

	if (!n || (size_t)id > nr_seen || seen[id - 1] || depth > 32 ||
	    too_many(c))
		return 0;
	seen[id - 1] = 1;
	if (n->type == YAML_MAPPING_NODE) {
		nr = (size_t)(n->data.mapping.pairs.top -
			      n->data.mapping.pairs.start);
		for (i = 0; i < nr; i++) {
			yaml_node_pair_t pr;
			yaml_node_t *k_node;

			n = node(c, id);	/* adding nodes may move them */
			pr = n->data.mapping.pairs.start[i];
			k_node = node(c, pr.key);
			if (k_node->type != YAML_SCALAR_NODE)
				continue;
			/* lists: themselves are values, not references */
			if (!depth && !strcmp(scalar(k_node), "lists"))
				continue;
			sub(p1, sizeof(p1), path, "%s%s", *path ? "." : "",
			    scalar(k_node));
			e = node(c, pr.value);
			if (list_ref(e, &ref) && !is_text_field(scalar(k_node))) {
				yaml_mark_t s = e->start_mark, en = e->end_mark;

				l = find_list(c, ref);
				if (!l) {
					ret = err(c, e, p1, "no list is named \"%s\"",
						  ref);
					continue;
				}
				c->expanded += l->nr;
				if (c->expanded > POLICY_LIST_VALUES_MAX)
					return err(c, e, p1,
						   "lists expand to more than %d values in all",
						   POLICY_LIST_VALUES_MAX);
				seq = yaml_document_add_sequence(c->doc, NULL,
						YAML_FLOW_SEQUENCE_STYLE);
				if (!seq)
					return err(c, e, p1, "out of memory");
				node(c, seq)->start_mark = s;
				node(c, seq)->end_mark = en;
				for (k = 0; k < l->nr; k++) {
					int v = add_value(c, l, k, s, en);

					if (!v || !yaml_document_append_sequence_item(c->doc, seq, v))
						return err(c, e, p1, "out of memory");
				}
				node(c, id)->data.mapping.pairs.start[i].value = seq;
				continue;
			}
			if (expand_refs(c, pr.value, p1, seen, nr_seen,
					depth + 1))
				ret = -1;
		}
		return ret;
	}
	if (n->type != YAML_SEQUENCE_NODE)
		return 0;
	nr = (size_t)(n->data.sequence.items.top -
		      n->data.sequence.items.start);
	for (i = 0, nr_new = 0; i < nr; i++) {
		e = node(c, node(c, id)->data.sequence.items.start[i]);
		l = list_ref(e, &ref) ? find_list(c, ref) : NULL;
		nr_new += l ? l->nr : 1;
	}
	items = calloc(nr_new ? nr_new : 1, sizeof(*items));
	if (!items)
		return err(c, n, path, "out of memory");
	for (i = 0, k = 0; i < nr; i++) {
		int item = node(c, id)->data.sequence.items.start[i];
		size_t j;

		e = node(c, item);
		sub(p1, sizeof(p1), path, "[%zu]", i);
		if (!list_ref(e, &ref)) {
			items[k++] = item;
			if (expand_refs(c, item, p1, seen, nr_seen, depth + 1))
				ret = -1;
			continue;
		}
		l = find_list(c, ref);
		if (!l) {
			/* left out: as a value it would only be refused again */
			ret = err(c, e, p1, "no list is named \"%s\"", ref);
			continue;
		}
		c->expanded += l->nr;
		if (c->expanded > POLICY_LIST_VALUES_MAX) {
			free(items);
			return err(c, e, p1,
				   "lists expand to more than %d values in all",
				   POLICY_LIST_VALUES_MAX);
		}
		for (j = 0; j < l->nr; j++) {
			items[k] = add_value(c, l, j, e->start_mark,
					     e->end_mark);
			if (!items[k++]) {
				free(items);
				return err(c, e, p1, "out of memory");
			}
			e = node(c, item);	/* the nodes may have moved */
		}
	}
	n = node(c, id);
	/* libyaml frees a sequence's items with free() (yaml_free) */
	free(n->data.sequence.items.start);
	n->data.sequence.items.start = items;
	n->data.sequence.items.top = items + k;
	n->data.sequence.items.end = items + (nr_new ? nr_new : 1);
	return ret;
}

/*
 * Every file of the policy: its include: files read, the lists of all of
 * them gathered, then each file's references to them replaced.
 */
static int read_files(struct ctx *c)
{
	unsigned char *seen;
	yaml_node_t *v;
	size_t k, nr;
	int ret = 0;

	if (load_includes(c, 0))
		ret = -1;
	for (k = 0; k < c->nr_files && !too_many(c); k++) {
		use_file(c, k);
		v = get(c, file_root(c, k), "lists");
		if (v && parse_lists(c, v, k))
			ret = -1;
	}
	for (k = 0; k < c->nr_files && !too_many(c); k++) {
		use_file(c, k);
		nr = (size_t)(c->doc->nodes.top - c->doc->nodes.start);
		seen = calloc(nr ? nr : 1, 1);
		if (!seen)
			return err(c, file_root(c, k), "", "out of memory");
		if (expand_refs(c, 1, "", seen, nr, 0))
			ret = -1;
		free(seen);
	}
	use_file(c, 0);
	if (ret)
		c->refs_broken = true;
	return ret;
}

static int parse_top(struct ctx *c, const yaml_node_t *root)
{
	static const char *const fields[] = {
		"guest", "kernel", "default_verdict", "deadline_ms",
		"ring_entries", "stats_interval", "monitors", "access",
		"rules", "forwarded", "log", "lists", "include", NULL,
	};
	static const char *const verdicts[] = { "continue", "deny", NULL };
	struct policy *p = c->p;
	uint32_t v32;
	yaml_node_t *v;
	size_t k;

	/* a misspelt section is reported; the others are read all the same */
	if (check_fields(c, root, "", fields)) {
		if (root->type != YAML_MAPPING_NODE)
			return -1;
		c->refs_broken = true;
	}
	/* every file and list first: any section may use a list */
	read_files(c);
	v = get(c, root, "guest");
	if (!v)
		err(c, root, "guest", "missing (a domid or a name)");
	else
		parse_guest(c, v);
	v = get(c, root, "default_verdict");
	if (v)
		get_enum(c, v, "default_verdict", verdicts, "verdict",
			 &p->default_verdict);
	v = get(c, root, "deadline_ms");
	if (v && !get_u32(c, v, "deadline_ms", XENINTRO_DEADLINE_MAX_MS,
			  &p->deadline_ms) && !p->deadline_ms)
		err(c, v, "deadline_ms",
		    "0 would answer every event at once; leave it out for the default");
	v = get(c, root, "ring_entries");
	if (v && !get_u32(c, v, "ring_entries", XENINTRO_RING_MAX, &v32)) {
		if (v32 < XENINTRO_RING_MIN || (v32 & (v32 - 1)))
			err(c, v, "ring_entries",
			    "must be a power of two from %u to %u",
			    XENINTRO_RING_MIN, XENINTRO_RING_MAX);
		else
			p->ring_entries = v32;
	}
	v = get(c, root, "stats_interval");
	if (v)
		get_u32(c, v, "stats_interval", 86400, &p->stats_interval);
	/*
	 * Before everything that may name a symbol; without the symbols
	 * every one of them would only be an error again.
	 */
	v = get(c, root, "kernel");
	if (v && parse_kernel(c, v))
		return -1;
	if (c->env && c->env->provisional) {
		/* only what attaching needs: the rest once symbols are known */
		p->provisional = true;
		v = get(c, root, "log");
		if (v)
			parse_log(c, v);
		return c->d->failed ? -1 : 0;
	}
	/* what the rules, decisions and log refer to comes first */
	/* the included files' monitors and rules after the policy's own */
	for (k = 0; k < c->nr_files && !too_many(c); k++) {
		use_file(c, k);
		v = get(c, file_root(c, k), "monitors");
		if (v && parse_monitors(c, v))
			c->refs_broken = true;
	}
	use_file(c, 0);
	v = get(c, root, "access");
	if (v && !too_many(c) && parse_access(c, v))
		c->refs_broken = true;
	if (!too_many(c) && parse_rules(c))
		c->refs_broken = true;
	use_file(c, 0);
	v = get(c, root, "forwarded");
	if (v && !too_many(c))
		parse_forwarded(c, v);
	v = get(c, root, "log");
	if (v && !too_many(c))
		parse_log(c, v);
	/* across the whole table: only once every part of it was read */
	if (c->d->failed)
		return -1;
	return rules_check_table(p, c->d);
}

static void policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->domid = POLICY_DOMID_NONE;
	p->default_verdict = XENINTRO_VERDICT_CONTINUE;
	p->forward_default = XENINTRO_VERDICT_CONTINUE;
	p->forward_default_log = true;
	p->log.format = LOG_JSON;
	p->log.events = UINT32_MAX;
	p->log.notify = true;
	p->log.forwarded = true;
	p->log.async = true;
}

int policy_load_buffer(const char *name, const char *buf, size_t len,
		       struct policy *p, struct diag *d)
{
	return policy_load_buffer_env(name, buf, len, NULL, p, d);
}

int policy_load_buffer_env(const char *name, const char *buf, size_t len,
			   struct policy_env *env, struct policy *p,
			   struct diag *d)
{
	yaml_parser_t y;
	yaml_document_t doc;
	yaml_node_t *root;
	struct ctx c = { .doc = &doc, .d = d, .p = p, .env = env };
	struct src_mark start = { 1, 1 };
	struct policy_file files[POLICY_FILES_MAX];
	int ret;

	/* every error, as compilers report them (see too_many()) */
	diag_init_max(d, name, DIAG_MAX_ERRORS);
	policy_defaults(p);
	/* A policy is a few KiB: the bound keeps memory and time bounded. */
	if (len > POLICY_FILE_MAX)
		return diag_error(d, start, NULL,
				  "%zu bytes: a policy file is at most %d bytes",
				  len, POLICY_FILE_MAX);
	if (!yaml_parser_initialize(&y))
		return diag_error(d, start, NULL, "out of memory");
	yaml_parser_set_input_string(&y, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&y, &doc)) {
		ret = yaml_problem(d, &y);
		yaml_parser_delete(&y);
		return ret;
	}
	root = yaml_document_get_root_node(&doc);
	memset(&files[0], 0, sizeof(files[0]));
	files[0].path = (char *)name;
	files[0].real = realpath(name, NULL);
	files[0].doc = &doc;
	c.files = files;
	c.nr_files = 1;
	c.bytes = len;
	if (!root)
		ret = diag_error(d, start, NULL, "empty policy");
	else
		ret = parse_top(&c, root);
	/* errors from here on are the policy's own */
	use_file(&c, 0);
	free_files(&c);
	access_map_free(&c.amap);
	yaml_document_delete(&doc);
	/* a second document ("---") would be ignored silently: refuse it */
	if (!ret) {
		if (!yaml_parser_load(&y, &doc)) {
			ret = yaml_problem(d, &y);
		} else {
			root = yaml_document_get_root_node(&doc);
			if (root)
				ret = err(&c, root, NULL,
					  "a second YAML document; a policy is one");
			yaml_document_delete(&doc);
		}
	}
	yaml_parser_delete(&y);
	diag_sort(d);
	if (ret) {
		policy_free(p);
		policy_defaults(p);
	} else {
		p->file = strdup(name);
		if (!p->file) {
			policy_free(p);
			return diag_error(d, start, NULL, "out of memory");
		}
	}
	return ret;
}

int policy_load(const char *path, struct policy *p, struct diag *d)
{
	return policy_load_env(path, NULL, p, d);
}

int policy_load_env(const char *path, struct policy_env *env,
		    struct policy *p, struct diag *d)
{
	struct src_mark start = { 0, 0 };
	char *buf = NULL, why[192] = "";
	size_t len = 0, cap = 0, n;
	struct stat st;
	FILE *f;
	int ret;

	diag_init(d, path);
	policy_defaults(p);
	f = fopen(path, "re");
	if (!f)
		return diag_error(d, start, NULL, "cannot open: %s",
				  strerror(errno));
	if (fstat(fileno(f), &st) || untrusted_file(&st, why, sizeof(why))) {
		fclose(f);
		return diag_error(d, start, NULL, "%s",
				  why[0] ? why : strerror(errno));
	}
	do {
		if (len == cap) {
			char *nb;

			cap = cap ? 2 * cap : 8192;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				fclose(f);
				return diag_error(d, start, NULL,
						  "out of memory");
			}
			buf = nb;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		/* no need to read further: it is refused whatever follows */
		if (len > POLICY_FILE_MAX)
			break;
	} while (n);
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return diag_error(d, start, NULL, "cannot read: %s",
				  strerror(errno));
	}
	fclose(f);
	ret = policy_load_buffer_env(path, buf, len, env, p, d);
	free(buf);
	return ret;
}

void policy_free(struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nr_rules; i++)
		free(p->rules[i].name);
	for (i = 0; i < p->nr_decisions; i++) {
		size_t k;

		free(p->decisions[i].rule);
		for (k = 0; k < p->decisions[i].nr_processes; k++)
			free(p->decisions[i].processes[k]);
		free(p->decisions[i].processes);
	}
	for (i = 0; i < p->nr_rule_meta; i++) {
		struct policy_rule_meta *m = &p->rule_meta[i];
		size_t k;

		free(m->description);
		free(m->key);
		free(m->disabled_name);
		free(m->actions.dump_file);
		for (k = 0; m->actions.hook_argv && m->actions.hook_argv[k]; k++)
			free(m->actions.hook_argv[k]);
		free(m->actions.hook_argv);
		for (k = 0; k < m->nr_tags; k++)
			free(m->tags[k]);
		free(m->tags);
	}
	free(p->rule_meta);
	free(p->rules);
	free(p->decisions);
	free(p->monitors);
	free(p->access);
	free(p->guest_name);
	free(p->kernel_image);
	free(p->kernel_system_map);
	free(p->kernel_isf);
	free(p->log.file);
	free(p->log.syslog_ident);
	free(p->file);
	memset(p, 0, sizeof(*p));
}

struct xenintro_rule *policy_rule_table(const struct policy *p)
{
	struct xenintro_rule *t = calloc(p->nr_rules ? p->nr_rules : 1,
					 sizeof(*t));
	size_t i;

	if (!t)
		return NULL;
	for (i = 0; i < p->nr_rules; i++)
		t[i] = p->rules[i].rule;
	return t;
}
