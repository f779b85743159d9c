// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Response actions; see actions.h. Nothing here sleeps: the event loop
 * answers vCPUs that wait for verdicts, so a hook is only spawned here
 * and collected at its SIGCHLD, and a dump is one bounded read (at most
 * POLICY_DUMP_MAX bytes) written to a new local file.
 */
#define _GNU_SOURCE	/* memfd_create */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"

extern char **environ;

int actions_init(struct actions *a, const struct policy *p)
{
	struct rule_action_state *s = calloc(p->nr_rule_meta ?
					     p->nr_rule_meta : 1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	free(a->per_rule);
	a->per_rule = s;
	a->nr_per_rule = p->nr_rule_meta;
	return 0;
}

/* An "action" record: @rule's action @what and how it went. */
static void say(struct actions *a, const char *rule, const char *what,
		const char *result, json_t *more)
{
	json_t *rec = json_object();

	json_object_set_new(rec, "rule", json_string(rule ? rule : ""));
	json_object_set_new(rec, "action", json_string(what));
	json_object_set_new(rec, "result", json_string(result));
	if (more)
		json_object_update(rec, more);
	json_decref(more);
	event_log_record(a->log, "action", rec);
}

static void do_pause(struct actions *a, const struct policy_actions *pa,
		     const char *rule)
{
	long long end = pa->pause_s ?
		a->clock_ms() + pa->pause_s * 1000LL : 0;
	int ret;

	if (a->paused) {
		/* one pause held: the longest wish wins, never stacked */
		a->n.pauses_held++;
		if (a->resume_at_ms && (!end || end > a->resume_at_ms))
			a->resume_at_ms = end;
		return;
	}
	ret = xenintro_pause(a->x);
	if (ret) {
		a->n.pause_failures++;
		say(a, rule, "pause", "failed",
		    json_pack("{s:s}", "error", strerror(-ret)));
		return;
	}
	a->paused = true;
	a->resume_at_ms = end;
	a->n.pauses++;
	say(a, rule, "pause", "paused",
	    json_pack("{s:i, s:s}", "seconds", (int)pa->pause_s, "resume",
		      pa->pause_s ? "at the end of seconds, or xenintro resume" :
				    "xenintro resume, or the agent's exit"));
}

void actions_resume(struct actions *a, const char *why)
{
	int ret;

	if (!a->paused)
		return;
	ret = xenintro_unpause(a->x);
	if (ret && ret != -ESRCH) {
		a->n.resume_failures++;
		say(a, NULL, "resume", "failed",
		    json_pack("{s:s, s:s}", "error", strerror(-ret), "by", why));
		return;
	}
	/* -ESRCH: the session ended, and with it the kernel's pause */
	a->paused = false;
	a->resume_at_ms = 0;
	a->n.resumes++;
	say(a, NULL, "resume", "resumed", json_pack("{s:s}", "by", why));
}

/* A name as one safe file-name component: [A-Za-z0-9._-], else '_'. */
static void put_safe(char *out, size_t len, size_t *o, const char *s)
{
	for (; *s && *o + 1 < len; s++)
		out[(*o)++] = (strchr("._-", *s) ||
			       (*s >= '0' && *s <= '9') ||
			       ((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z')) ?
			      *s : '_';
	out[*o] = '\0';
}

/* The dump file's name: the template with its placeholders filled. */
static int dump_path(const char *tmpl, const char *rule,
		     const struct event_log *l, const struct xenintro_event *ev,
		     char *out, size_t len)
{
	char num[32], stamp[32];
	const char *q = tmpl;
	struct tm tm;
	time_t now = time(NULL);
	size_t o = 0;

	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	while (*q && o + 1 < len) {
		if (!strncmp(q, "{domid}", 7)) {
			snprintf(num, sizeof(num), "%u", l->domid);
			put_safe(out, len, &o, num);
			q += 7;
		} else if (!strncmp(q, "{guest}", 7)) {
			put_safe(out, len, &o, l->guest && *l->guest ?
				 l->guest : "unknown");
			q += 7;
		} else if (!strncmp(q, "{rule}", 6)) {
			put_safe(out, len, &o, rule ? rule : "none");
			q += 6;
		} else if (!strncmp(q, "{seq}", 5)) {
			snprintf(num, sizeof(num), "%" PRIu64, (uint64_t)ev->seq);
			put_safe(out, len, &o, num);
			q += 5;
		} else if (!strncmp(q, "{time}", 6)) {
			put_safe(out, len, &o, stamp);
			q += 6;
		} else {
			out[o++] = *q++;
		}
	}
	out[o] = '\0';
	return *q ? -ENAMETOOLONG : 0;
}

/* Write the dump; 0 with @file set, or -errno. The record says which. */
static int do_dump(struct actions *a, const struct policy_actions *pa,
		   unsigned int src, const char *rule,
		   const struct xenintro_event *ev, char *file, size_t len)
{
	struct rule_action_state *st;
	struct xenintro_mem_root root;
	uint64_t addr;
	unsigned char *buf;
	int64_t got;
	int fd, ret = 0;
	json_t *more;

	file[0] = '\0';
	st = src < a->nr_per_rule ? &a->per_rule[src] : NULL;
	if (st && st->dumps_done >= pa->dump_max_files) {
		a->n.dumps_dropped++;
		if (!st->dump_drop_said) {
			st->dump_drop_said = true;
			say(a, rule, "dump", "dropped",
			    json_pack("{s:s, s:i}", "reason", "max_files",
				      "max_files", (int)pa->dump_max_files));
		}
		return -EDQUOT;
	}
	addr = (pa->dump_at == MEM_AT_ADDR ? pa->dump_addr :
		policy_mem_at_value(pa->dump_at, &ev->regs)) +
	       (uint64_t)pa->dump_offset;
	more = json_pack("{s:s, s:o, s:i, s:b}", "at",
			 policy_mem_at_name(pa->dump_at), "addr",
			 json_hex(addr), "length", (int)pa->dump_length,
			 "physical", pa->dump_physical);
	buf = malloc(pa->dump_length);
	if (!buf) {
		ret = -ENOMEM;
		goto fail;
	}
	if (!xenintro_feature_enabled(a->x, XENINTRO_FEATURE_MEMORY)) {
		got = -EOPNOTSUPP;
	} else if (pa->dump_physical) {
		got = xenintro_read_phys(a->x, addr, buf, pa->dump_length);
	} else {
		/* pending: the event's own tables; else its registers' */
		root = xenintro_event_needs_verdict(ev) ?
		       xenintro_root_event(ev) : xenintro_root_regs(&ev->regs);
		got = xenintro_read_virt(a->x, &root, addr, buf,
					 pa->dump_length);
	}
	if (got < 0) {
		ret = (int)got;
		goto fail;
	}
	if (!got) {
		ret = -EFAULT;	/* not one byte there: no empty file */
		goto fail;
	}
	ret = dump_path(pa->dump_file, rule, a->log, ev, file, len);
	if (ret)
		goto fail;
	fd = open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
		  0600);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (write(fd, buf, (size_t)got) != (ssize_t)got)
		ret = errno ? -errno : -EIO;
	if (close(fd) && !ret)
		ret = -errno;
	if (ret) {
		unlink(file);
		goto fail;
	}
	free(buf);
	if (st)
		st->dumps_done++;
	a->n.dumps++;
	json_object_set_new(more, "file", json_string(file));
	json_object_set_new(more, "got", json_integer(got));
	say(a, rule, "dump", "written", more);
	return 0;
fail:
	free(buf);
	a->n.dump_failures++;
	if (file[0])
		json_object_set_new(more, "file", json_string(file));
	json_object_set_new(more, "error", json_string(strerror(-ret)));
	say(a, rule, "dump", "failed", more);
	file[0] = '\0';
	return ret;
}

/* The hook's stdin: the record, from a memory file (no pipe to fill). */
static int stdin_of(json_t *rec)
{
	char *s = json_dumps(rec, JSON_COMPACT);
	size_t n, off = 0;
	ssize_t w;
	int fd;

	if (!s)
		return -ENOMEM;
	fd = memfd_create("xenintro-hook", MFD_CLOEXEC);
	if (fd < 0) {
		free(s);
		return -errno;
	}
	n = strlen(s);
	s[n++] = '\n';	/* json_dumps' NUL becomes the line's end */
	while (off < n) {
		w = write(fd, s + off, n - off);
		if (w <= 0) {
			free(s);
			close(fd);
			return -EIO;
		}
		off += (size_t)w;
	}
	free(s);
	if (lseek(fd, 0, SEEK_SET)) {
		close(fd);
		return -errno;
	}
	return fd;
}

/* environ, and XENINTRO_RULE, _DOMID, _GUEST, _DUMP for the hook */
static char **hook_env(const char *rule, const struct event_log *l,
		       const char *dump)
{
	size_t n = 0, base, i;
	char **env;

	while (environ && environ[n])
		n++;
	base = n;
	env = calloc(n + 5, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; i < n; i++)
		env[i] = environ[i];
	if (asprintf(&env[n], "XENINTRO_RULE=%s", rule ? rule : "") < 0)
		goto fail;
	n++;
	if (asprintf(&env[n], "XENINTRO_DOMID=%u", l->domid) < 0)
		goto fail;
	n++;
	if (asprintf(&env[n], "XENINTRO_GUEST=%s", l->guest ? l->guest : "") < 0)
		goto fail;
	n++;
	if (asprintf(&env[n], "XENINTRO_DUMP=%s", dump) < 0)
		goto fail;
	return env;
fail:
	for (i = base; i < n; i++)
		free(env[i]);
	free(env);
	return NULL;
}

/* the four variables hook_env() added after environ's own */
static void free_env(char **env)
{
	size_t i = 0;

	while (environ && environ[i])
		i++;
	for (; env[i]; i++)
		free(env[i]);
	free(env);
}

static void do_hook(struct actions *a, const struct policy_actions *pa,
		    unsigned int src, const char *rule, json_t *rec,
		    const char *dump)
{
	struct rule_action_state *st = src < a->nr_per_rule ?
				       &a->per_rule[src] : NULL;
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t at;
	sigset_t none, dfl;
	char **env = NULL;
	size_t i, mine = 0;
	pid_t pid;
	int fd, ret;

	for (i = 0; i < a->nr_runs; i++)
		mine += !strcmp(a->runs[i].rule, rule ? rule : "");
	if (mine >= pa->hook_max_running || a->nr_runs >= ACTIONS_HOOKS_MAX) {
		a->n.hooks_dropped++;
		if (st && !st->hook_drops++)
			say(a, rule, "hook", "dropped",
			    json_pack("{s:s, s:i, s:i}", "reason",
				      mine >= pa->hook_max_running ?
				      "max_running" : "agent_limit",
				      "running", (int)mine, "max_running",
				      (int)(mine >= pa->hook_max_running ?
					    pa->hook_max_running :
					    ACTIONS_HOOKS_MAX)));
		return;
	}
	fd = stdin_of(rec);
	if (fd < 0) {
		ret = fd;
		goto fail;
	}
	env = hook_env(rule, a->log, dump);
	if (!env) {
		close(fd);
		ret = -ENOMEM;
		goto fail;
	}
	/*
	 * The child starts clean: the agent's blocked signals (its signalfd
	 * set) unblocked and at their defaults, SIGPIPE no longer ignored;
	 * its own process group, so that the timeout kills all it started;
	 * stdout to /dev/null (the agent's may be the log), stderr the
	 * agent's. Every other fd of the agent is O_CLOEXEC.
	 */
	sigemptyset(&none);
	sigfillset(&dfl);
	posix_spawnattr_init(&at);
	posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&at, &none);
	posix_spawnattr_setsigdefault(&at, &dfl);
	posix_spawnattr_setpgroup(&at, 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	ret = -posix_spawn(&pid, pa->hook_argv[0], &fa, &at, pa->hook_argv,
			   env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&at);
	close(fd);
	free_env(env);
	if (ret)
		goto fail;
	a->runs[a->nr_runs].pid = pid;
	snprintf(a->runs[a->nr_runs].rule, sizeof(a->runs[0].rule), "%s",
		 rule ? rule : "");
	a->runs[a->nr_runs].deadline_ms = a->clock_ms() +
					 pa->hook_timeout_s * 1000LL;
	a->runs[a->nr_runs].killed = false;
	a->nr_runs++;
	a->n.hooks_started++;
	if (st && st->hook_drops) {
		say(a, rule, "hook", "started",
		    json_pack("{s:i, s:I}", "pid", (int)pid, "dropped_before",
			      (json_int_t)st->hook_drops));
		st->hook_drops = 0;
	}
	return;
fail:
	a->n.hook_spawn_failures++;
	say(a, rule, "hook", "failed",
	    json_pack("{s:s, s:s}", "program", pa->hook_argv[0], "error",
		      strerror(-ret)));
}

/*
 * What a hook reads on its stdin: the event as the log's JSON record
 * has it, with the rule's metadata, the verdict, the CPL and the dump.
 */
static json_t *hook_record(const struct actions *a,
			   const struct xenintro_event *ev, const char *rule,
			   const struct policy_rule_meta *m, int verdict,
			   const char *dump)
{
	const struct event_log *l = a->log;
	json_t *rec = json_object(), *tags, *ej;
	size_t i;

	json_object_set_new(rec, "type", json_string("event"));
	if (l->host && *l->host)
		json_object_set_new(rec, "host", json_string(l->host));
	if (l->guest && *l->guest)
		json_object_set_new(rec, "guest", json_string(l->guest));
	if (l->uuid && *l->uuid)
		json_object_set_new(rec, "uuid", json_string(l->uuid));
	ej = event_json(ev);
	json_object_update(rec, ej);
	json_decref(ej);
	json_object_set_new(rec, "rule", json_string(rule ? rule : ""));
	if (m->severity != SEVERITY_NONE)
		json_object_set_new(rec, "severity",
				    json_string(policy_severity_name(m->severity)));
	if (m->key)
		json_object_set_new(rec, "key", json_string(m->key));
	if (m->nr_tags) {
		tags = json_array();
		for (i = 0; i < m->nr_tags; i++)
			json_array_append_new(tags, json_string(m->tags[i]));
		json_object_set_new(rec, "tags", tags);
	}
	if (m->description)
		json_object_set_new(rec, "description",
				    json_string(m->description));
	if (verdict >= 0)
		json_object_set_new(rec, "verdict",
				    json_string(policy_verdict_name((uint32_t)verdict)));
	json_object_set_new(rec, "cpl", json_integer(policy_event_cpl(ev)));
	if (*dump)
		json_object_set_new(rec, "dump", json_string(dump));
	return rec;
}

bool actions_event(struct actions *a, const struct policy *p,
		   const struct xenintro_event *ev, int verdict)
{
	const struct policy_rule_meta *m = policy_rule_meta(p, ev->rule);
	const char *rule = ev->rule < p->nr_rules ? p->rules[ev->rule].name :
						    NULL;
	const struct policy_actions *pa;
	char dump[4096] = "";
	json_t *rec;

	if (!m)
		return true;
	if (m->has_when && !policy_when_holds(&m->when, ev)) {
		a->n.when_unmatched++;
		return false;
	}
	if (!m->has_actions)
		return true;
	pa = &m->actions;
	/* the pause first: the dump then sees the guest as it stopped */
	if (pa->pause)
		do_pause(a, pa, rule);
	if (pa->dump)
		do_dump(a, pa, p->rules[ev->rule].source, rule, ev, dump,
			sizeof(dump));
	if (pa->hook_argv) {
		rec = hook_record(a, ev, rule, m, verdict, dump);
		do_hook(a, pa, p->rules[ev->rule].source, rule, rec, dump);
		json_decref(rec);
	}
	return true;
}

long long actions_next_ms(const struct actions *a)
{
	long long next = INT64_MAX;
	size_t i;

	if (a->paused && a->resume_at_ms)
		next = a->resume_at_ms;
	for (i = 0; i < a->nr_runs; i++)
		if (!a->runs[i].killed && a->runs[i].deadline_ms < next)
			next = a->runs[i].deadline_ms;
	return next;
}

void actions_tick(struct actions *a, long long now_ms)
{
	size_t i;

	if (a->paused && a->resume_at_ms && now_ms >= a->resume_at_ms)
		actions_resume(a, "timer");
	for (i = 0; i < a->nr_runs; i++) {
		struct hook_run *r = &a->runs[i];

		if (r->killed || now_ms < r->deadline_ms)
			continue;
		/* the group: a shell hook's children go with it */
		kill(-r->pid, SIGKILL);
		r->killed = true;
	}
}

void actions_reap(struct actions *a)
{
	size_t i = 0;
	int status;
	pid_t got;

	while (i < a->nr_runs) {
		struct hook_run *r = &a->runs[i];

		got = waitpid(r->pid, &status, WNOHANG);
		if (got == 0) {
			i++;
			continue;
		}
		if (got < 0 && errno == EINTR)
			continue;
		if (r->killed) {
			a->n.hooks_timed_out++;
			say(a, r->rule, "hook", "timed_out",
			    json_pack("{s:i}", "pid", (int)r->pid));
		} else if (got > 0 && WIFEXITED(status) &&
			   !WEXITSTATUS(status)) {
			a->n.hooks_ok++;
		} else {
			a->n.hooks_failed++;
			say(a, r->rule, "hook", "failed",
			    got < 0 ? json_pack("{s:i, s:s}", "pid", (int)r->pid,
						"error", strerror(errno)) :
			    WIFEXITED(status) ?
			    json_pack("{s:i, s:i}", "pid", (int)r->pid, "status",
				      WEXITSTATUS(status)) :
			    json_pack("{s:i, s:i}", "pid", (int)r->pid, "signal",
				      WTERMSIG(status)));
		}
		a->runs[i] = a->runs[--a->nr_runs];
	}
}

void actions_finish(struct actions *a)
{
	size_t i;
	int status;

	for (i = 0; i < a->nr_runs; i++) {
		kill(-a->runs[i].pid, SIGKILL);
		while (waitpid(a->runs[i].pid, &status, 0) < 0 &&
		       errno == EINTR)
			;
		a->n.hooks_killed_at_exit++;
	}
	if (a->nr_runs)
		say(a, NULL, "hook", "killed_at_exit",
		    json_pack("{s:i}", "hooks", (int)a->nr_runs));
	a->nr_runs = 0;
	actions_resume(a, "exit");
	free(a->per_rule);
	a->per_rule = NULL;
	a->nr_per_rule = 0;
}

json_t *actions_json(const struct actions *a)
{
	json_t *o = json_object();

#define C(f) json_object_set_new(o, #f, json_integer((json_int_t)a->n.f))
	C(when_unmatched);
	C(pauses);
	C(pauses_held);
	C(pause_failures);
	C(resumes);
	C(resume_failures);
	C(dumps);
	C(dump_failures);
	C(dumps_dropped);
	C(hooks_started);
	C(hooks_ok);
	C(hooks_failed);
	C(hooks_timed_out);
	C(hooks_dropped);
	C(hook_spawn_failures);
	C(hooks_killed_at_exit);
#undef C
	json_object_set_new(o, "hooks_running", json_integer((json_int_t)a->nr_runs));
	return o;
}
