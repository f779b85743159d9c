// SPDX-License-Identifier: LGPL-2.1-only OR MIT
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "event_log.h"
#include "x86_names.h"

int event_log_check(const char *path, char *why, size_t len)
{
	const char *slash = strrchr(path, '/');
	char dir[4096];
	struct stat st;
	int e;

	if (!stat(path, &st)) {
		if (S_ISDIR(st.st_mode)) {
			snprintf(why, len, "%s is a directory", path);
			return -EISDIR;
		}
		if (access(path, W_OK)) {
			e = errno;
			snprintf(why, len, "cannot write %s: %s", path,
				 strerror(e));
			return -e;
		}
		return 0;
	}
	if (errno != ENOENT) {
		/* ENOTDIR: a part of the path is a file */
		e = errno;
		snprintf(why, len, "%s: %s", path, strerror(e));
		return -e;
	}
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "%s: no directory %s", path, dir);
		return -ENOENT;
	}
	if (access(dir, W_OK | X_OK)) {
		e = errno;
		snprintf(why, len, "%s: cannot create files in %s: %s", path,
			 dir, strerror(e));
		return -e;
	}
	return 0;
}

int event_log_open(struct event_log *l, const char *path,
		   enum log_format format)
{
	memset(l, 0, sizeof(*l));
	l->format = format;
	l->journal_fd = -1;
	if (!path) {
		l->f = stdout;
		return 0;
	}
	l->f = fopen(path, "ae");
	if (!l->f)
		return -errno;
	l->own = true;
	return 0;
}

const char *event_log_journal_socket(void)
{
	struct stat st;

	if (!getenv("INVOCATION_ID") && !getenv("JOURNAL_STREAM"))
		return NULL;
	if (stat(JOURNAL_SOCKET, &st) || !S_ISSOCK(st.st_mode))
		return NULL;
	return JOURNAL_SOCKET;
}

int event_log_open_syslog(struct event_log *l, int facility,
			  const char *ident, const char *journal)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, e;

	snprintf(l->ident, sizeof(l->ident), "%s", ident);
	l->facility = facility;
	if (journal) {
		if (strlen(journal) >= sizeof(sa.sun_path))
			return -ENAMETOOLONG;
		strcpy(sa.sun_path, journal);
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -errno;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
			e = errno;
			close(fd);
			return -e;
		}
		l->journal_fd = fd;
	} else {
		/* LOG_NDELAY: connected now, before any sandboxing */
		openlog(l->ident, LOG_PID | LOG_NDELAY, facility);
	}
	l->syslog = true;
	return 0;
}

void event_log_close(struct event_log *l)
{
	/*
	 * No closelog(): at a reload the new log has opened syslog(3)'s one
	 * connection already, with the same ident; exit closes it.
	 */
	if (l->journal_fd >= 0)
		close(l->journal_fd);
	l->journal_fd = -1;
	l->syslog = false;
	if (l->f && l->own)
		fclose(l->f);
	else if (l->f)
		fflush(l->f);
	l->f = NULL;
}

static void iso_time_real(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char day[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	/*
	 * tv_nsec is below 10^9; said as unsigned and modulo 10^6 the
	 * compiler knows the microseconds take 6 digits, and the 40 bytes of
	 * every caller fit (FORTIFY_SOURCE's -Wformat-truncation, as in
	 * Debian's package build, checks exactly that).
	 */
	snprintf(buf, len, "%s.%06uZ", day,
		 (unsigned int)(ts->tv_nsec / 1000) % 1000000U);
}

void iso_time_from_mono(uint64_t mono_ns, char *buf, size_t len)
{
	struct timespec mono, real;
	int64_t ago, real_ns;

	/* the event's age by the monotonic clock, taken off the wall clock */
	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ago = (int64_t)mono.tv_sec * 1000000000 + mono.tv_nsec -
	      (int64_t)mono_ns;
	if (ago < 0 || !mono_ns)
		ago = 0;
	real_ns = (int64_t)real.tv_sec * 1000000000 + real.tv_nsec - ago;
	real.tv_sec = real_ns / 1000000000;
	real.tv_nsec = real_ns % 1000000000;
	iso_time_real(&real, buf, len);
}

void iso_time_now(char *buf, size_t len)
{
	struct timespec real;

	clock_gettime(CLOCK_REALTIME, &real);
	iso_time_real(&real, buf, len);
}

json_t *json_hex(uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_string(buf);
}

static const char *cr_name(uint32_t index)
{
	static const char *const names[] = { "cr0", "cr3", "cr4", "xcr0" };

	return index < 4 ? names[index] : "unknown";
}

json_t *event_json(const struct xenintro_event *ev)
{
	json_t *o = json_object();
	const char *msr;

	json_object_set_new(o, "seq", json_integer((json_int_t)ev->seq));
	json_object_set_new(o, "domid", json_integer(ev->domid));
	json_object_set_new(o, "vcpu", json_integer(ev->vcpu));
	json_object_set_new(o, "event",
			    json_string(policy_event_name(ev->reason)));
	json_object_set_new(o, "sync",
			    json_boolean(ev->flags & XENINTRO_EF_SYNC));
	if (ev->flags & XENINTRO_EF_NOTIFY)
		json_object_set_new(o, "notify", json_true());
	if (ev->flags & XENINTRO_EF_ALTP2M)
		json_object_set_new(o, "view", json_integer(ev->altp2m_idx));
	json_object_set_new(o, "rip", json_hex(ev->regs.rip));
	json_object_set_new(o, "cr3", json_hex(ev->regs.cr3));

	switch (ev->reason) {
	case XENINTRO_EVENT_MEM_ACCESS:
		json_object_set_new(o, "gfn", json_hex(ev->u.mem_access.gfn));
		json_object_set_new(o, "offset",
				    json_hex(ev->u.mem_access.offset));
		if (ev->u.mem_access.flags & XENINTRO_MA_GLA_VALID)
			json_object_set_new(o, "gla",
					    json_hex(ev->u.mem_access.gla));
		json_object_set_new(o, "access", json_string(
			xenintro_access_name(ev->u.mem_access.access)));
		break;
	case XENINTRO_EVENT_CTRLREG:
		json_object_set_new(o, "cr",
				    json_string(cr_name(ev->u.ctrlreg.index)));
		json_object_set_new(o, "old", json_hex(ev->u.ctrlreg.old_value));
		json_object_set_new(o, "new", json_hex(ev->u.ctrlreg.new_value));
		break;
	case XENINTRO_EVENT_MSR:
		json_object_set_new(o, "msr", json_hex(ev->u.msr.msr));
		msr = x86_msr_name((uint32_t)ev->u.msr.msr);
		if (msr)
			json_object_set_new(o, "msr_name", json_string(msr));
		json_object_set_new(o, "old", json_hex(ev->u.msr.old_value));
		json_object_set_new(o, "new", json_hex(ev->u.msr.new_value));
		break;
	case XENINTRO_EVENT_BREAKPOINT:
	case XENINTRO_EVENT_DEBUG_EXCEPTION:
		json_object_set_new(o, "gfn", json_hex(ev->u.debug.gfn));
		json_object_set_new(o, "insn_length",
				    json_integer(ev->u.debug.insn_length));
		if (ev->reason == XENINTRO_EVENT_DEBUG_EXCEPTION)
			json_object_set_new(o, "pending_dbg",
					    json_hex(ev->u.debug.pending_dbg));
		break;
	case XENINTRO_EVENT_SINGLESTEP:
		json_object_set_new(o, "gfn", json_hex(ev->u.singlestep.gfn));
		break;
	case XENINTRO_EVENT_CPUID:
		json_object_set_new(o, "leaf", json_hex(ev->u.cpuid.leaf));
		json_object_set_new(o, "subleaf",
				    json_hex(ev->u.cpuid.subleaf));
		break;
	case XENINTRO_EVENT_INTERRUPT:
		json_object_set_new(o, "vector",
				    json_integer(ev->u.interrupt.vector));
		json_object_set_new(o, "error_code",
				    json_hex(ev->u.interrupt.error_code));
		json_object_set_new(o, "cr2", json_hex(ev->u.interrupt.cr2));
		break;
	case XENINTRO_EVENT_DESC_ACCESS:
		json_object_set_new(o, "descriptor",
				    json_integer(ev->u.desc_access.descriptor));
		json_object_set_new(o, "write",
				    json_boolean(ev->u.desc_access.is_write));
		break;
	case XENINTRO_EVENT_VMEXIT:
		json_object_set_new(o, "exit_reason",
				    json_hex(ev->u.vmexit.reason));
		json_object_set_new(o, "qualification",
				    json_hex(ev->u.vmexit.qualification));
		break;
	}
	return o;
}

int event_log_priority(const char *type, json_t *rec)
{
	static const char *const sev[] = {
		"emergency", "alert", "critical", "error", "warning", "notice",
		"info", "debug",
	};
	const char *s;
	int i;

	if (!strcmp(type, "agent")) {
		s = json_string_value(json_object_get(rec, "level"));
		if (s && !strcmp(s, "error"))
			return LOG_ERR;
		if (s && !strcmp(s, "warning"))
			return LOG_WARNING;
		return LOG_INFO;
	}
	/* an event's or a rate-limit summary's rule severity */
	s = json_string_value(json_object_get(rec, "severity"));
	for (i = 0; s && i < (int)(sizeof(sev) / sizeof(sev[0])); i++)
		if (!strcmp(s, sev[i]))
			return LOG_EMERG + i;
	return LOG_INFO;
}

/*
 * One field of a native journal record: KEY=value, or, for a value with
 * a newline, KEY, a newline, its length as 64-bit little endian and the
 * value (systemd's native journal protocol, which sd_journal_send()
 * speaks). Appended to @f.
 */
static void journal_field(FILE *f, const char *key, const char *value)
{
	uint64_t len = strlen(value);
	unsigned char le[8];
	int i;

	if (!strchr(value, '\n')) {
		fprintf(f, "%s=%s\n", key, value);
		return;
	}
	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)(len >> (8 * i));
	fprintf(f, "%s\n", key);
	fwrite(le, 1, 8, f);
	fprintf(f, "%s\n", value);
}

/*
 * The record's fields a journalctl user filters by: XENINTRO_TYPE,
 * _HOST, _DOMID, _GUEST, _UUID, _RULE, _SEVERITY, _KEY, _TAGS (comma-joined), _EVENT,
 * _VERDICT, _LEVEL, from the record's JSON form @rec.
 */
static void journal_send(struct event_log *l, const char *line, int prio,
			 const char *type, json_t *rec)
{
	static const char *const keys[] = {
		"host", "domid", "guest", "uuid", "rule", "severity", "key",
		"tags", "event", "verdict", "level",
	};
	char *buf = NULL, name[32], val[64];
	size_t len = 0, i, k;
	json_t *v, *t;
	FILE *f;

	f = open_memstream(&buf, &len);
	if (!f)
		return;
	journal_field(f, "MESSAGE", line);
	fprintf(f, "PRIORITY=%d\nSYSLOG_FACILITY=%d\nSYSLOG_IDENTIFIER=%s\n",
		prio, l->facility >> 3, l->ident);
	journal_field(f, "XENINTRO_TYPE", type);
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(rec, keys[i]);
		if (!v)
			continue;
		snprintf(name, sizeof(name), "XENINTRO_");
		for (k = 0; keys[i][k] && k < 16; k++)
			name[9 + k] = (char)(keys[i][k] - 'a' + 'A');
		name[9 + k] = '\0';
		if (json_is_string(v)) {
			journal_field(f, name, json_string_value(v));
		} else if (json_is_integer(v)) {
			snprintf(val, sizeof(val), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(v));
			journal_field(f, name, val);
		} else if (json_is_array(v)) {
			fprintf(f, "%s=", name);
			json_array_foreach(v, k, t)
				fprintf(f, "%s%s", k ? "," : "",
					json_string_value(t) ?: "");
			fputc('\n', f);
		}
	}
	fclose(f);
	if (buf)
		send(l->journal_fd, buf, len, MSG_NOSIGNAL);
	free(buf);
}

/*
 * @line and its newline in one writev(2), not through stdio, which would
 * split a record longer than its buffer: the file is O_APPEND, and Linux
 * appends each write to a regular file whole under the inode's lock, so
 * agents that share a log.file (--watch) never interleave their records,
 * and a SIEM tailing the file sees whole lines. Only a short write (a
 * full disk, a signal) continues in a second call.
 */
static void write_line(FILE *f, const char *line)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)line, .iov_len = strlen(line) },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	struct iovec *v = iov;
	int nr = 2, fd = fileno(f);
	ssize_t n;

	fflush(f);	/* anything stdio still holds goes first */
	while (nr) {
		n = writev(fd, v, nr);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;		/* a lost record; nothing to tell it to */
		while (nr && (size_t)n >= v->iov_len) {
			n -= (ssize_t)v->iov_len;
			v++;
			nr--;
		}
		if (nr) {
			v->iov_base = (char *)v->iov_base + n;
			v->iov_len -= (size_t)n;
		}
	}
}

/*
 * One record, @line, to where @l sends them: its file (stdout), and
 * syslog or journald, there with the priority of @rec (type @type).
 */
static void emit(struct event_log *l, const char *line, const char *type,
		 json_t *rec)
{
	int prio;

	if (l->f)
		write_line(l->f, line);
	if (!l->syslog)
		return;
	prio = event_log_priority(type, rec);
	if (l->journal_fd >= 0)
		journal_send(l, line, prio, type, rec);
	else
		syslog(l->facility | prio, "%s", line);
}

/*
 * The text form is logfmt: after the time, space-separated fields, each
 * key=value or a bare word (a flag such as "sync", and the event's own
 * words from xenintro_event_format()). A value goes bare only when nothing
 * in it could end it or split it; otherwise it is quoted, with \" \\ \n
 * \r \t and \xNN (any other byte outside printable ASCII) escapes, so that
 * a value the guest or the operator chose cannot forge a field.
 */
static bool text_bare(const char *s)
{
	const unsigned char *q = (const unsigned char *)s;

	if (!*q)
		return false;	/* key= would read as a missing value */
	for (; *q; q++)
		if (*q <= ' ' || *q >= 0x7f || *q == '"' || *q == '=' ||
		    *q == '\\')
			return false;
	return true;
}

/* @s as a value: bare when it can be, quoted when it must or @quote. */
static void text_value(FILE *f, const char *s, bool quote)
{
	const unsigned char *q = (const unsigned char *)s;

	if (!quote && text_bare(s)) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *q; q++) {
		switch (*q) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*q < ' ' || *q >= 0x7f)
				fprintf(f, "\\x%02x", *q);
			else
				fputc(*q, f);
		}
	}
	fputc('"', f);
}

/*
 * " key=value" for a JSON value; objects and arrays flattened into their
 * members' keys ("kernel.requests=5", "rules[0].name=leaf"), so that a
 * stats record is as many plain fields.
 */
static void text_field(FILE *f, const char *key, json_t *v)
{
	char sub[160];
	const char *k;
	json_t *m;
	size_t i;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		json_object_foreach(v, k, m) {
			snprintf(sub, sizeof(sub), "%s.%s", key, k);
			text_field(f, sub, m);
		}
		return;
	case JSON_ARRAY:
		json_array_foreach(v, i, m) {
			snprintf(sub, sizeof(sub), "%s[%zu]", key, i);
			text_field(f, sub, m);
		}
		return;
	case JSON_STRING:
		fprintf(f, " %s=", key);
		text_value(f, json_string_value(v), false);
		return;
	case JSON_INTEGER:
		fprintf(f, " %s=%" JSON_INTEGER_FORMAT, key,
			json_integer_value(v));
		return;
	case JSON_REAL:
		fprintf(f, " %s=%g", key, json_real_value(v));
		return;
	case JSON_TRUE:
	case JSON_FALSE:
	case JSON_NULL:
		fprintf(f, " %s=%s", key, json_is_true(v) ? "true" :
			json_is_false(v) ? "false" : "null");
		return;
	}
}

static bool known(const char *s)
{
	return s && *s;
}

/*
 * Host, guest, UUID and domid into @rec where it has none yet: every
 * record says which guest of which host it is about, so that the logs
 * of many agents and hosts can be merged.
 */
static void identity_json(const struct event_log *l, json_t *rec)
{
	if (known(l->host) && !json_object_get(rec, "host"))
		json_object_set_new(rec, "host", json_string(l->host));
	if (known(l->guest) && !json_object_get(rec, "guest"))
		json_object_set_new(rec, "guest", json_string(l->guest));
	if (known(l->uuid) && !json_object_get(rec, "uuid"))
		json_object_set_new(rec, "uuid", json_string(l->uuid));
	if (l->domid && !json_object_get(rec, "domid"))
		json_object_set_new(rec, "domid", json_integer(l->domid));
}

void event_log_record(struct event_log *l, const char *type, json_t *rec)
{
	char when[40], *line = NULL;
	size_t len = 0;
	const char *key;
	json_t *v;
	FILE *f;

	if (!l->f && !l->syslog) {
		json_decref(rec);
		return;
	}
	iso_time_now(when, sizeof(when));
	/* time first: jansson keeps insertion order (JSON_PRESERVE_ORDER) */
	if (!json_object_get(rec, "time")) {
		json_t *o = json_object();

		json_object_set_new(o, "time", json_string(when));
		json_object_set_new(o, "type", json_string(type));
		json_object_update(o, rec);
		json_decref(rec);
		rec = o;
	}
	identity_json(l, rec);
	if (l->format == LOG_JSON) {
		char *s = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER);

		if (s)
			emit(l, s, type, rec);
		free(s);
		json_decref(rec);
		return;
	}
	/* text: TIME TYPE key=value ...; both are ours, never quoted */
	f = open_memstream(&line, &len);
	if (!f) {
		json_decref(rec);
		return;
	}
	fprintf(f, "%s %s", json_string_value(json_object_get(rec, "time")),
		json_string_value(json_object_get(rec, "type")) ?: type);
	json_object_foreach(rec, key, v)
		if (strcmp(key, "time") && strcmp(key, "type"))
			text_field(f, key, v);
	fclose(f);
	if (line)
		emit(l, line, type, rec);
	free(line);
	json_decref(rec);
}

void event_log_event(struct event_log *l, const struct xenintro_event *ev,
		     const char *rule_name, int verdict)
{
	event_log_event_ctx(l, ev, rule_name, NULL, verdict, NULL, NULL);
}

/*
 * The rule's metadata as record fields, in the order the records give
 * them: severity, key, tags, description. Tags are words without commas
 * (policy_parse.c), so the text form joins them with commas.
 */
static void meta_json(json_t *o, const struct policy_rule_meta *m)
{
	json_t *tags;
	size_t i;

	if (m->severity != SEVERITY_NONE)
		json_object_set_new(o, "severity",
				    json_string(policy_severity_name(m->severity)));
	if (m->key)
		json_object_set_new(o, "key", json_string(m->key));
	if (m->nr_tags) {
		tags = json_array();
		for (i = 0; i < m->nr_tags; i++)
			json_array_append_new(tags, json_string(m->tags[i]));
		json_object_set_new(o, "tags", tags);
	}
	if (m->description)
		json_object_set_new(o, "description",
				    json_string(m->description));
}

static void meta_text(FILE *f, const struct policy_rule_meta *m)
{
	size_t i;

	if (m->severity != SEVERITY_NONE)
		fprintf(f, " severity=%s", policy_severity_name(m->severity));
	if (m->key) {
		fputs(" key=", f);
		text_value(f, m->key, false);
	}
	for (i = 0; i < m->nr_tags; i++) {
		fputs(i ? "," : " tags=", f);
		fputs(m->tags[i], f);
	}
	if (m->description) {
		fputs(" description=", f);
		text_value(f, m->description, false);
	}
}

/*
 * Text form of the captures: mem.<at>="<string>" (quoted always, so that
 * a string never reads as hex), mem.<at>=<hex>, or mem.<at>="error:...".
 */
static void text_memory(FILE *f, json_t *memory)
{
	char err[160];
	json_t *m, *v;
	size_t i;

	json_array_foreach(memory, i, m) {
		fprintf(f, " mem.%s=", json_string_value(json_object_get(m, "at")));
		v = json_object_get(m, "string");
		if (v) {
			text_value(f, json_string_value(v), true);
		} else if ((v = json_object_get(m, "hex"))) {
			text_value(f, json_string_value(v), false);
		} else {
			snprintf(err, sizeof(err), "error:%s", json_string_value(
				 json_object_get(m, "error")) ?: "");
			text_value(f, err, false);
		}
	}
}

/*
 * Text form of the processes: process=<tgid>/<pid>:<comm>, quoted when
 * the comm needs it, or process="error:<why>"; next_process alike.
 */
static void text_procs(FILE *f, json_t *procs)
{
	const char *key;
	json_t *p, *err;
	char val[256];

	json_object_foreach(procs, key, p) {
		err = json_object_get(p, "error");
		if (err)
			snprintf(val, sizeof(val), "error:%s",
				 json_string_value(err) ?: "");
		else
			snprintf(val, sizeof(val), "%lld/%lld:%s",
				 (long long)json_integer_value(json_object_get(p, "tgid")),
				 (long long)json_integer_value(json_object_get(p, "pid")),
				 json_string_value(json_object_get(p, "comm")) ?: "");
		fprintf(f, " %s=", key);
		text_value(f, val, false);
	}
}

void event_log_event_ctx(struct event_log *l, const struct xenintro_event *ev,
			 const char *rule_name,
			 const struct policy_rule_meta *meta, int verdict,
			 json_t *memory, json_t *procs)
{
	char when[40], line[512], *text = NULL;
	size_t len = 0;
	json_t *o, *e;
	FILE *f;

	if (!l->f && !l->syslog) {
		json_decref(memory);
		json_decref(procs);
		return;
	}
	iso_time_from_mono(ev->timestamp_ns, when, sizeof(when));
	if (l->format == LOG_TEXT) {
		f = open_memstream(&text, &len);
		if (!f) {
			json_decref(memory);
			json_decref(procs);
			return;
		}
		/* the library's one-line format, which people know */
		xenintro_event_format(line, sizeof(line), ev);
		fprintf(f, "%s dom%u %s", when, ev->domid, line);
		/* the library printed the rule's index as rule= */
		if (rule_name) {
			fputs(" rule_name=", f);
			text_value(f, rule_name, false);
		}
		if (meta)
			meta_text(f, meta);
		if (verdict >= 0)
			fprintf(f, " verdict=%s",
				policy_verdict_name((uint32_t)verdict));
		if (procs)
			text_procs(f, procs);
		if (memory)
			text_memory(f, memory);
		/* who it is about, as in every other record */
		if (known(l->host)) {
			fputs(" host=", f);
			text_value(f, l->host, false);
		}
		if (known(l->guest)) {
			fputs(" guest=", f);
			text_value(f, l->guest, false);
		}
		if (known(l->uuid))
			fprintf(f, " uuid=%s", l->uuid);
		fprintf(f, " domid=%u", ev->domid);
		fclose(f);
		/* syslog's priority and journald's fields from the JSON form */
		o = json_pack("{s:i, s:s}", "domid", (int)ev->domid, "event",
			      policy_event_name(ev->reason));
		identity_json(l, o);
		if (rule_name)
			json_object_set_new(o, "rule", json_string(rule_name));
		if (meta)
			meta_json(o, meta);
		if (verdict >= 0)
			json_object_set_new(o, "verdict", json_string(
				policy_verdict_name((uint32_t)verdict)));
		if (text)
			emit(l, text, "event", o);
		free(text);
		json_decref(o);
		json_decref(memory);
		json_decref(procs);
		return;
	}
	o = json_object();
	json_object_set_new(o, "time", json_string(when));
	json_object_set_new(o, "type", json_string("event"));
	if (known(l->host))
		json_object_set_new(o, "host", json_string(l->host));
	if (known(l->guest))
		json_object_set_new(o, "guest", json_string(l->guest));
	if (known(l->uuid))
		json_object_set_new(o, "uuid", json_string(l->uuid));
	e = event_json(ev);
	json_object_update(o, e);
	json_decref(e);
	if (rule_name)
		json_object_set_new(o, "rule", json_string(rule_name));
	if (meta)
		meta_json(o, meta);
	if (verdict >= 0)
		json_object_set_new(o, "verdict", json_string(
			policy_verdict_name((uint32_t)verdict)));
	if (procs) {
		json_object_update(o, procs);
		json_decref(procs);
	}
	if (memory)
		json_object_set_new(o, "memory", memory);
	event_log_record(l, "event", o);
}

void event_log_msg(struct event_log *l, const char *level, const char *fmt,
		   ...)
{
	char msg[512];
	json_t *o;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_object();
	json_object_set_new(o, "level", json_string(level));
	json_object_set_new(o, "msg", json_string(msg));
	event_log_record(l, "agent", o);
}
