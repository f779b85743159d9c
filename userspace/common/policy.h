/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * A policy: what xenintro-agent does to one guest, as read from its YAML
 * file (policy_parse.c) and turned into uAPI records (rule_build.c). The
 * reference of the file format is userspace/README.md.
 *
 * Everything here is plain data that the agent can apply to a session
 * (apply.c) and, on SIGHUP, compare with the policy it replaces.
 */
#ifndef XI_POLICY_H
#define XI_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <xenintro/libxenintro.h>

#include "diag.h"

/* No domid given (the guest is named): resolved when attaching. */
#define POLICY_DOMID_NONE	UINT32_MAX

/*
 * Verdicts a forwarded-event decision can give besides the uAPI's: SKIP
 * moves RIP past the instruction (SET_REGISTERS), for an INT3 the agent
 * planted or a CPUID it wants to swallow.
 */
#define DECIDE_SKIP		100

enum log_format { LOG_JSON, LOG_TEXT };

/* One XENINTRO_IOC_MONITOR call that enables an event. */
struct policy_monitor {
	uint32_t event;		/* XENINTRO_MONITOR_* */
	uint32_t index;		/* CR index or MSR number, else 0 */
	uint32_t flags;		/* XENINTRO_MON_*, ENABLE not included */
	uint64_t ignore_mask;	/* CTRLREG only */
};

/* One XENINTRO_IOC_SET_ACCESS call (range mode). */
struct policy_access {
	uint64_t gfn;
	uint64_t nr;
	uint8_t rights;		/* XENINTRO_ACCESS_* */
};

/* One kernel rule, where it came from and what to call it in logs. */
struct policy_rule {
	struct xenintro_rule rule;
	char *name;		/* the policy's name, or "rules[N]" */
	unsigned int source;	/* index in the policy's rules: list */
	struct src_mark mark;
};

/*
 * Rule metadata, as Falco's rules and auditd's keys have it: what the
 * operator reads in each record of a rule, never what the kernel
 * matches. Severities are syslog's levels, in its order, so that a
 * severity is also the record's syslog priority (LOG_EMERG + severity).
 */
enum policy_severity {
	SEVERITY_NONE = -1,	/* not given: records carry none */
	SEVERITY_EMERGENCY, SEVERITY_ALERT, SEVERITY_CRITICAL, SEVERITY_ERROR,
	SEVERITY_WARNING, SEVERITY_NOTICE, SEVERITY_INFO, SEVERITY_DEBUG,
	SEVERITY_NR,
};
#define POLICY_DESCRIPTION_MAX	512	/* bytes */
#define POLICY_KEY_MAX		64	/* bytes, auditd's -k is <= 256 */
#define POLICY_TAG_MAX		32	/* bytes per tag */
#define POLICY_TAGS_MAX		16	/* tags per rule */
/* rate_limit: bounds */
#define POLICY_RATE_EVENTS_MAX	1000000
#define POLICY_RATE_PER_MAX	86400	/* seconds */

/*
 * At most @events log records of the rule per @per_s seconds; the rest
 * are counted and summed up in one record. Logging only: every event
 * still gets its verdict. @events 0: no limit.
 */
struct policy_rate_limit {
	uint32_t events;
	uint32_t per_s;
};

/*
 * when: conditions on what an event carries, evaluated by the agent on
 * the events of a rule that reach it (notify copies and forwarded
 * events; rule_when.c). The kernel's filters cannot express them: its
 * CR filter is set:/cleared: (bit transitions), and it has none on the
 * written value's state, on CR3 or on the privilege level. The same
 * fields filter forwarded.decide entries.
 */
#define POLICY_WHEN_CR3_MAX	16	/* values or ranges of when.cr3 */
struct policy_range {
	uint64_t first, last;
};
struct policy_when {
	uint8_t cpls;		/* bit (1 << CPL) of the levels; 0: any */
	bool has_value;		/* the written value (cr, msr) in range */
	uint64_t value_first, value_last;
	uint64_t value_set;	/* bits 1 in the written value (cr) */
	uint64_t value_clear;	/* bits 0 in the written value (cr) */
	struct policy_range cr3[POLICY_WHEN_CR3_MAX];
	size_t nr_cr3;		/* 0: any CR3 */
};

/*
 * actions: what the agent does when an event of the rule reaches it
 * (and its when: holds), besides the record; actions.c runs them.
 */
#define POLICY_PAUSE_SECONDS_MAX	86400
#define POLICY_DUMP_MAX		(1U << 20)	/* bytes, one READ_MEM segment */
#define POLICY_DUMP_FILES_MAX	100000
#define POLICY_DUMP_FILES_DEFAULT	100
#define POLICY_HOOK_ARGS_MAX	64
#define POLICY_HOOK_TIMEOUT_MAX	3600	/* seconds */
#define POLICY_HOOK_TIMEOUT_DEFAULT	10
#define POLICY_HOOK_RUNNING_MAX	64
#define POLICY_HOOK_RUNNING_DEFAULT	4
struct policy_actions {
	bool pause;		/* pause the domain */
	uint32_t pause_s;	/* for this long; 0: until resumed */
	bool dump;		/* write guest memory to a file */
	int dump_at;		/* enum mem_at_reg */
	uint64_t dump_addr;	/* MEM_AT_ADDR */
	int64_t dump_offset;	/* added to the register or address */
	uint32_t dump_length;	/* 1 .. POLICY_DUMP_MAX */
	bool dump_physical;	/* the address is guest-physical */
	char *dump_file;	/* template: {domid} {guest} {rule} {seq} {time} */
	uint32_t dump_max_files;	/* dumps of the rule per agent run */
	char **hook_argv;	/* NULL-terminated; NULL: no hook */
	uint32_t hook_timeout_s;
	uint32_t hook_max_running;
};

/* One entry of rules: as written, shared by its kernel records. */
struct policy_rule_meta {
	char *description;	/* NULL: none */
	int severity;		/* enum policy_severity */
	char **tags;
	size_t nr_tags;
	char *key;		/* NULL: none */
	struct policy_rate_limit rate;
	bool dedup;		/* repeats of a record collapse (dedup.h) */
	/*
	 * enabled: false. The rule was parsed and checked like any other,
	 * but has no kernel records; @disabled_name (NULL if it has no
	 * name) lets decisions name it without error.
	 */
	bool disabled;
	char *disabled_name;
	bool has_when;
	struct policy_when when;
	struct src_mark when_mark;
	bool has_actions;
	struct policy_actions actions;
};

/* How the agent answers a forwarded event: first match wins. */
struct policy_decision {
	uint32_t event;		/* XENINTRO_EVENT_*, 0 = any */
	char *rule;		/* name of the rule that forwarded, or NULL */
	bool has_rip;
	uint64_t rip_first, rip_last;
	bool has_value;		/* MSR or CR: the value written */
	uint64_t value_first, value_last;
	char **processes;	/* task->comm of the current process, or NULL */
	size_t nr_processes;
	struct policy_when when;	/* cpl:, cr3: (value is above) */
	uint32_t verdict;	/* XENINTRO_VERDICT_* or DECIDE_SKIP */
	bool log;		/* write the event to the log */
};

/*
 * Memory to read into an event's log record: @length bytes at a register
 * (plus @offset) or at an address, through the event's page tables.
 */
#define POLICY_MEM_MAX		1024	/* bytes per capture */
#define POLICY_MEM_CAPTURES	8
enum mem_at_reg {
	MEM_AT_ADDR = -1,	/* @addr, not a register */
	MEM_AT_RAX, MEM_AT_RBX, MEM_AT_RCX, MEM_AT_RDX, MEM_AT_RSI,
	MEM_AT_RDI, MEM_AT_RBP, MEM_AT_RSP, MEM_AT_R8, MEM_AT_R9,
	MEM_AT_R10, MEM_AT_R11, MEM_AT_R12, MEM_AT_R13, MEM_AT_R14,
	MEM_AT_R15, MEM_AT_RIP, MEM_AT_CR2, MEM_AT_NR,
};
struct policy_mem_capture {
	uint32_t events;	/* bit (1 << XENINTRO_EVENT_*); 0: all logged */
	int at;			/* enum mem_at_reg */
	uint64_t addr;		/* MEM_AT_ADDR */
	uint64_t offset;	/* added to the register */
	uint32_t length;	/* 1 .. POLICY_MEM_MAX */
	bool string;		/* a C string, else hex */
};

/* log.syslog: the facilities a policy may name (syslog.h's values) */
#define POLICY_IDENT_MAX	32	/* bytes of log.syslog.ident */

struct policy_log {
	struct policy_mem_capture memory[POLICY_MEM_CAPTURES];
	size_t nr_memory;
	enum log_format format;
	char *file;		/* NULL: stdout */
	struct src_mark file_mark;	/* where the policy names it */
	uint32_t events;	/* bit (1 << XENINTRO_EVENT_*) per kind logged */
	bool notify;		/* log the kernel's NOTIFY copies */
	bool forwarded;		/* log events the agent decided */
	bool async;		/* log asynchronous events */
	bool process;		/* the guest's current process in each record */
	bool syslog;		/* log.syslog: records to syslog/journald too */
	int syslog_facility;	/* LOG_DAEMON, ...: syslog.h's, shifted */
	char *syslog_ident;	/* NULL: "xenintro-agent" */
};

struct policy {
	char *file;
	uint32_t domid;		/* POLICY_DOMID_NONE if @guest_name */
	char *guest_name;
	bool has_kernel;	/* a kernel: section */
	char *kernel_image;	/* kernel.image, or NULL */
	char *kernel_system_map;	/* kernel.system_map, or NULL */
	char *kernel_isf;	/* kernel.isf, or NULL */
	bool kernel_memory;	/* kernel.memory: from the guest itself */
	bool provisional;	/* read before the symbols were known */
	uint32_t default_verdict;	/* CONTINUE or DENY */
	uint32_t deadline_ms;		/* 0: the kernel's default */
	uint32_t ring_entries;		/* 0: the kernel's default */
	unsigned int stats_interval;	/* seconds, 0: none */

	struct policy_monitor *monitors;
	size_t nr_monitors;
	struct policy_access *access;
	size_t nr_access;
	struct policy_rule *rules;	/* kernel rules, in table order */
	size_t nr_rules;
	/* entries allocated in the three arrays above (policy_grow()) */
	size_t monitors_room, access_room, rules_room;
	size_t nr_policy_rules;		/* entries of rules: in the file */
	size_t nr_disabled_rules;	/* of them, enabled: false */
	/* metadata by index in rules: (policy_rule.source), nr_rule_meta */
	struct policy_rule_meta *rule_meta;
	size_t nr_rule_meta;
	struct policy_decision *decisions;
	size_t nr_decisions;
	uint32_t forward_default;	/* verdict when no decision matches */
	bool forward_default_log;
	struct policy_log log;
};

/**
 * struct policy_env - where the kernel symbols a policy names come from
 * @kernel: load what the policy's kernel: section names (@p's kernel_image,
 *	kernel_system_map, kernel_isf; at least one is set); called once per
 *	load, before any lookup. 0, or -1 with a sentence in @why.
 * @symbol: the address of symbol @name as the guest uses it (the caller
 *	adds the KASLR slide, or checks at link addresses). 0, or -1 for a
 *	symbol the image does not have.
 * @frame: the guest frame behind kernel virtual address @va. 0, or -1
 *	with a sentence in @why.
 * @provisional: set by @kernel when the symbols cannot be known yet
 *	(kernel.memory before attaching): the parser then reads only what
 *	attaching needs (the top-level values and log:, where a symbol reads
 *	as 0) and marks the policy provisional; the caller reads it again
 *	once they are known.
 *
 * Without one (policy_load()), a policy that names a symbol is refused.
 */
struct policy_env {
	bool provisional;
	int (*kernel)(struct policy_env *e, const struct policy *p, char *why,
		      size_t len);
	int (*symbol)(struct policy_env *e, const char *name, uint64_t *addr);
	int (*frame)(struct policy_env *e, uint64_t va, uint64_t *gfn,
		     char *why, size_t len);
};

/* Bigger files are refused (memory and time stay bounded on any input). */
#define POLICY_FILE_MAX		(1 << 20)
/*
 * Page ranges (access: entries, a va: range counting once per run of
 * contiguous frames) and monitors a policy may have: as many as the
 * kernel takes rules (XENINTRO_RULES_MAX), which is plenty, since a
 * mem_access rule needs its frames restricted and each range or monitor
 * is an ioctl at attach and is compared at every reload.
 */
#define POLICY_ACCESS_MAX	1024
#define POLICY_MONITORS_MAX	1024
/*
 * include: at most this deep (the policy itself is depth 0), and this
 * many files in all; the POLICY_FILE_MAX bytes are for all of them.
 */
#define POLICY_INCLUDE_DEPTH	8
#define POLICY_FILES_MAX	64
/* lists: a name's length, and the values references give in all */
#define POLICY_LIST_NAME_MAX	64
#define POLICY_LIST_VALUES_MAX	65536

/*
 * Read and check the policy in @path. 0 with @p filled (free it with
 * policy_free()), or -1 with its errors in @d, in the order of the file,
 * up to DIAG_MAX_ERRORS (d->msg is the first; @p then holds nothing to
 * free).
 */
int policy_load(const char *path, struct policy *p, struct diag *d);
/* The same from a buffer; @name is what errors call the file. */
int policy_load_buffer(const char *name, const char *buf, size_t len,
		       struct policy *p, struct diag *d);
/* The same, resolving kernel symbols through @env (may be NULL). */
int policy_load_env(const char *path, struct policy_env *env,
		    struct policy *p, struct diag *d);
int policy_load_buffer_env(const char *name, const char *buf, size_t len,
			   struct policy_env *env, struct policy *p,
			   struct diag *d);
void policy_free(struct policy *p);

/* Just the uAPI records of the rule table, for XENINTRO_IOC_SET_RULES. */
struct xenintro_rule *policy_rule_table(const struct policy *p);

/* Names used in the file and in logs. */
const char *policy_mem_at_name(int at);		/* enum mem_at_reg */
/* The value of register @at in @r. */
uint64_t policy_mem_at_value(int at, const struct xenintro_regs *r);
const char *policy_event_name(uint32_t event);	/* XENINTRO_EVENT_* */
bool policy_event_by_name(const char *name, uint32_t *event);
const char *policy_verdict_name(uint32_t verdict);
const char *policy_severity_name(int severity);	/* "" for SEVERITY_NONE */
/* The metadata of the rule behind kernel rule @index, or NULL. */
const struct policy_rule_meta *policy_rule_meta(const struct policy *p,
						uint32_t index);
bool policy_verdict_by_name(const char *name, uint32_t *verdict);

/*
 * The privilege level of the vCPU at @ev: SS.DPL, which the CPU keeps
 * equal to CPL (Xen's vm_event reports SS's access rights).
 */
unsigned int policy_event_cpl(const struct xenintro_event *ev);
/* Does @ev satisfy @w? (rule_when.c) */
bool policy_when_holds(const struct policy_when *w,
		       const struct xenintro_event *ev);

#endif /* XI_POLICY_H */
