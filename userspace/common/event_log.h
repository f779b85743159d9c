/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The event log: one record per line, JSON (jansson) for a SIEM, or text
 * for people. Records are "event", "stats" and "agent" (the agent's own
 * messages: reloads, errors). Timestamps are ISO 8601 UTC with
 * microseconds, taken from the event's own CLOCK_MONOTONIC stamp.
 */
#ifndef XI_EVENT_LOG_H
#define XI_EVENT_LOG_H

#include <stdio.h>

#include <jansson.h>

#include "policy.h"

struct event_log {
	FILE *f;		/* NULL: syslog only */
	bool own;		/* we opened @f (else stdout) */
	enum log_format format;
	/*
	 * Who every record is about, read once at attach: this host (dom0),
	 * the guest's name and UUID (NULL or "": unknown) and its domid.
	 */
	const char *host;
	uint32_t domid;
	const char *guest;	/* name for the records, may be NULL */
	const char *uuid;
	/* log.syslog: each record to journald (journal_fd) or syslog(3) */
	bool syslog;
	int facility;		/* LOG_DAEMON, ... */
	char ident[40];
	int journal_fd;		/* -1: syslog(3) */
};

/* journald's socket for native records (sd_journal_send()'s) */
#define JOURNAL_SOCKET	"/run/systemd/journal/socket"

/*
 * Where journald takes native records when this process runs under
 * systemd (a service: INVOCATION_ID or JOURNAL_STREAM set) and its socket
 * is there; else NULL, and syslog(3) it is.
 */
const char *event_log_journal_socket(void);
/*
 * Send every record of @l to syslog too: to journald's native socket
 * @journal (NULL: syslog(3)) with facility @facility (LOG_DAEMON, ...) and
 * @ident. 0, or -errno when @journal cannot be used.
 */
int event_log_open_syslog(struct event_log *l, int facility,
			  const char *ident, const char *journal);
/*
 * The syslog priority of a record (LOG_EMERG..LOG_DEBUG): an event's
 * rule severity, an agent message's level; LOG_INFO otherwise.
 */
int event_log_priority(const char *type, json_t *rec);

/*
 * Could event_log_open() open @path? Checked without creating it: an
 * existing file must be writable and not a directory, else its directory
 * must exist and take new files. 0, or -errno with a sentence in @why.
 */
int event_log_check(const char *path, char *why, size_t len);
/* Open @path for appending (NULL: stdout). 0 or -errno. No syslog. */
int event_log_open(struct event_log *l, const char *path,
		   enum log_format format);
void event_log_close(struct event_log *l);

/*
 * One event. @rule_name: the rule that matched, or NULL; @verdict: what
 * the agent answered (XENINTRO_VERDICT_* or DECIDE_SKIP), or -1 if it gave
 * no verdict (a copy, an asynchronous event).
 */
void event_log_event(struct event_log *l, const struct xenintro_event *ev,
		     const char *rule_name, int verdict);
/*
 * The same with the matched rule's metadata (@meta, may be NULL: severity,
 * description, tags, key into the record), the memory the policy asked
 * for (mem_capture.h) and the
 * guest processes: @procs holds "process" (the one that was running) and,
 * for a CR3 write, "next_process" (the one whose address space it
 * loads), each {"pid", "tgid", "comm", "task"} or {"error"}. Either may
 * be NULL; both are consumed.
 */
void event_log_event_ctx(struct event_log *l, const struct xenintro_event *ev,
			 const char *rule_name,
			 const struct policy_rule_meta *meta, int verdict,
			 json_t *memory, json_t *procs);
/* A record built elsewhere (stats): adds time and type, then writes. */
void event_log_record(struct event_log *l, const char *type, json_t *rec);
__attribute__((format(printf, 3, 4)))
void event_log_msg(struct event_log *l, const char *level,
		   const char *fmt, ...);

/* The event's details as JSON (also for `xenintro watch --json`). */
json_t *event_json(const struct xenintro_event *ev);
/* "2026-11-22T11:30:00.123456Z" for a CLOCK_MONOTONIC time in ns. */
void iso_time_from_mono(uint64_t mono_ns, char *buf, size_t len);
/* The same for now. */
void iso_time_now(char *buf, size_t len);
/* "0x1234": 64-bit values as strings, which JSON doubles cannot mangle. */
json_t *json_hex(uint64_t v);

#endif /* XI_EVENT_LOG_H */
