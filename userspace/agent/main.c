// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xenintro-agent: applies a policy file to one guest and runs until told
 * to stop. The kernel decides what the rules cover; the agent answers the
 * events the rules forward, writes the event log, reports stats and
 * reloads its policy on SIGHUP. See man 8 xenintro-agent.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "actions.h"
#include "apply.h"
#include "decide.h"
#include "dedup.h"
#include "event_log.h"
#include "follow.h"
#include "mem_capture.h"
#include "guest.h"
#include "kenv.h"
#include "kproc.h"
#include "policy.h"
#include "ratelimit.h"
#include "registry.h"
#include "signals.h"
#include "stats.h"
#include "version.h"
#include "watch.h"

/* Exit codes: documented in xenintro-agent(8) and userspace/README.md. */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_POLICY = 2,
	EXIT_ATTACH = 3,
	EXIT_DOMAIN_DIED = 4,
	EXIT_RUNTIME = 5,
};

#define BATCH			64
/* how long attaching waits for an event to find the KASLR slide with */
#define KSLIDE_WAIT_SECS	10
/* how often the registry file is refreshed for `xenintro list` */
#define REGISTRY_PERIOD_MS	5000

/* Command-line values that win over the policy file's, reloads too. */
struct overrides {
	const char *guest;
	const char *kernel;	/* the guest kernel's image */
	const char *log_file;
	int format;		/* -1: the policy's */
	long stats_interval;	/* -1: the policy's */
	/*
	 * --follow[=S]: after the domain died, wait S seconds (-1: for
	 * ever, the default with --follow) for a domain of its name
	 */
	bool follow;
	long follow_secs;
	const char *watch;	/* --watch PATTERN: an agent per guest */
	unsigned int busy_poll_us;
};

struct agent {
	struct xenintro x;
	struct policy pol;
	struct kenv kenv;	/* the symbols the policy names */
	struct kproc kproc;	/* the guest's current process */
	bool have_kproc;
	const char *policy_path;
	const char *device;
	struct overrides ov;
	uint32_t domid;
	/* who the records are about: read once at attach (read_identity()) */
	char guest[64];
	char uuid[GUEST_UUID_LEN];
	char host[256];
	struct event_log log;
	struct ratelimit rl;	/* the policy's rules' rate_limit: */
	struct dedup dd;	/* the policy's rules' dedup: */
	struct actions act;	/* the policy's rules' when: and actions: */
	long long (*clock_ms)(void);	/* now_ms(), a fake one in tests */
	struct agent_counters ac;
	int sigfd;
	char started[40];
	long long next_stats_ms, next_registry_ms;
};

static const char *prog = "xenintro-agent";

__attribute__((format(printf, 3, 4)))
static void say(struct agent *a, const char *level, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s: %s\n", prog, msg);
	/* into the log too, unless that is the terminal we just wrote to */
	if (a && ((a->log.f && a->log.own) || a->log.syslog))
		event_log_msg(&a->log, level, "%s", msg);
}

/* "1 rule", "2 rules": the noun's plural ending for @n */
static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTION]... POLICY\n"
		"Apply the policy file POLICY (YAML) to a Xen guest through /dev/xenintro.\n"
		"\n"
		"  -c, --check              validate POLICY and exit (no device needed)\n"
		"  -g, --guest GUEST        monitor GUEST (domid or name) instead of the policy's\n"
		"  -k, --kernel IMAGE       the guest kernel's image instead of the policy's\n"
		"                           kernel.image (for policies naming symbols)\n"
		"  -o, --log FILE           write the event log to FILE (- for stdout)\n"
		"  -f, --format json|text   event log format\n"
		"  -s, --stats-interval S   log stats every S seconds (0: never)\n"
		"  -b, --busy-poll USEC     spin on the event ring up to USEC microseconds\n"
		"                           before sleeping (0..%u; costs a dom0 CPU)\n"
		"  -d, --device PATH        the xenintro device (default %s)\n"
		"      --follow[=SECONDS]   when the domain dies, wait for a domain of the same\n"
		"                           name (a reboot), re-attach and go on; give up after\n"
		"                           SECONDS (default: never). Also waits at start\n"
		"  -w, --watch PATTERN      one agent (with --follow) for every guest whose name\n"
		"                           matches the shell PATTERN, now and later\n"
		"  -h, --help               this help\n"
		"  -V, --version            the agent's version line, and exit\n"
		"\n"
		"Signals: SIGHUP reloads POLICY, SIGUSR1 logs stats now, SIGRTMIN+1\n"
		"(xenintro resume) resumes a guest a rule's actions paused, SIGINT/SIGTERM\n"
		"detach and exit 0. Exit codes: 0 ok, 1 usage, 2 policy invalid, 3 cannot\n"
		"attach or no device, 4 the domain died (with --follow: and no domain of\n"
		"its name came back in time), 5 runtime error.\n",
		prog, XENINTRO_BUSY_POLL_MAX_US, XENINTRO_DEVICE);
}

static void apply_overrides(const struct overrides *ov, struct policy *p)
{
	if (ov->log_file) {
		free(p->log.file);
		p->log.file = strcmp(ov->log_file, "-") ?
			      strdup(ov->log_file) : NULL;
	}
	if (ov->format >= 0)
		p->log.format = (enum log_format)ov->format;
	if (ov->stats_interval >= 0)
		p->stats_interval = (unsigned int)ov->stats_interval;
}

/* The domain the policy (or --guest) names. */
static int resolve(const struct agent *a, const struct policy *p,
		   uint32_t *domid, char *why, size_t len)
{
	char buf[16];
	const char *g = a->ov.guest;

	if (!g && p->guest_name)
		g = p->guest_name;
	if (!g) {
		snprintf(buf, sizeof(buf), "%u", p->domid);
		g = buf;
	}
	return guest_resolve(g, domid, why, len);
}

static void write_registry(struct agent *a, json_t *stats)
{
	json_t *rec = json_object();
	char now[40];

	iso_time_now(now, sizeof(now));
	json_object_set_new(rec, "domid", json_integer(a->domid));
	json_object_set_new(rec, "guest", json_string(a->guest));
	json_object_set_new(rec, "pid", json_integer(getpid()));
	json_object_set_new(rec, "policy", json_string(a->policy_path));
	json_object_set_new(rec, "started", json_string(a->started));
	json_object_set_new(rec, "updated", json_string(now));
	if (stats)
		json_object_set_new(rec, "stats", json_incref(stats));
	if (registry_write(a->domid, rec) == -EACCES)
		say(a, "warning", "cannot write %s: %s", registry_dir(),
		    strerror(EACCES));
	json_decref(rec);
}

/* Stats into the log (@to_log) and the registry file. */
static void report_stats(struct agent *a, bool to_log)
{
	json_t *st;
	int err;

	st = stats_collect(&a->x, &a->pol, &a->ac, &err);
	if (!st) {
		say(a, "error", "stats: %s", strerror(-err));
		return;
	}
	json_object_set_new(st, "actions", actions_json(&a->act));
	write_registry(a, st);
	if (to_log) {
		json_t *rec = json_object();

		json_object_set_new(rec, "domid", json_integer(a->domid));
		json_object_update(rec, st);
		event_log_record(&a->log, "stats", rec);
	}
	json_decref(st);
	a->next_registry_ms = now_ms() + REGISTRY_PERIOD_MS;
}

static bool kind_logged(const struct policy *p, const struct xenintro_event *ev)
{
	return ev->reason < 32 && (p->log.events & (1U << ev->reason));
}

/* Does @p need the guest's current process (log.process, decisions)? */
static bool wants_process(const struct policy *p)
{
	size_t i;

	if (p->log.process)
		return true;
	for (i = 0; i < p->nr_decisions; i++)
		if (p->decisions[i].nr_processes)
			return true;
	return false;
}

/* Does @p monitor every CR3 write, so that a process cache can be kept? */
static bool sees_cr3_writes(const struct policy *p)
{
	size_t i;

	for (i = 0; i < p->nr_monitors; i++)
		if (p->monitors[i].event == XENINTRO_MONITOR_CTRLREG &&
		    p->monitors[i].index == XENINTRO_CR3)
			return true;
	return false;
}

/*
 * Printable ASCII for a name the guest chose: anything else, and the
 * quote and backslash, as \xNN, so that no log format can be forged.
 */
static void safe_comm(const char *comm, char *out, size_t len)
{
	size_t o = 0;

	for (; *comm && o + 5 < len; comm++) {
		unsigned char ch = (unsigned char)*comm;

		if (ch >= 0x20 && ch < 0x7f && ch != '"' && ch != '\\')
			out[o++] = (char)ch;
		else
			o += (size_t)snprintf(out + o, len - o, "\\x%02x", ch);
	}
	out[o] = '\0';
}

/* The process of @ev for a record, or NULL if the policy asks none. */
struct event_process {
	bool tried;
	int err;
	struct kproc_id id;
};

static const struct kproc_id *event_process(struct agent *a,
					    const struct xenintro_event *ev,
					    struct event_process *ep)
{
	if (!a->have_kproc)
		return NULL;
	if (!ep->tried) {
		ep->tried = true;
		ep->err = kproc_current(&a->kproc, ev, &ep->id);
	}
	return ep->err ? NULL : &ep->id;
}

/* @id as a record's field; else why not (@owner: for a CR3's owner) */
static json_t *id_json(const struct kproc_id *id, int err, bool owner)
{
	char comm[4 * KPROC_COMM_LEN + 1];

	if (!id)
		return json_pack("{s:s}", "error",
				 owner && err == -ENOENT ?
				 "no task has this address space" :
				 strerror(-err));
	safe_comm(id->comm, comm, sizeof(comm));
	return json_pack("{s:i, s:i, s:s, s:o}", "pid", (int)id->pid,
			 "tgid", (int)id->tgid, "comm", comm,
			 "task", json_hex(id->task));
}

/*
 * {"process": the one running, "next_process": for a CR3 write, the one
 * whose address space it loads}, or NULL if the policy asks none.
 */
static json_t *process_json(struct agent *a, const struct xenintro_event *ev,
			    struct event_process *ep)
{
	const struct kproc_id *id;
	struct kproc_id next;
	json_t *o;
	int err;

	if (!a->have_kproc || !a->pol.log.process)
		return NULL;
	o = json_object();
	if (xenintro_event_needs_verdict(ev)) {
		/* the vCPU waits for us: current_task is still its task */
		id = event_process(a, ev, ep);
		json_object_set_new(o, "process", id_json(id, ep->err, false));
	} else {
		/*
		 * The guest ran on (asynchronous, or a copy of an event the
		 * kernel answered): current_task has moved on by now. The
		 * event's own CR3 still says whose address space it was.
		 */
		err = kproc_cr3_owner(&a->kproc, ev, ev->regs.cr3, &next);
		json_object_set_new(o, "process",
				    id_json(err ? NULL : &next, err, true));
	}
	if (ev->reason == XENINTRO_EVENT_CTRLREG &&
	    ev->u.ctrlreg.index == XENINTRO_CR3) {
		err = kproc_cr3_owner(&a->kproc, ev, ev->u.ctrlreg.new_value,
				      &next);
		json_object_set_new(o, "next_process",
				    id_json(err ? NULL : &next, err, true));
	}
	return o;
}

/*
 * Does the rule's rate_limit: let this record into the log? Asked only
 * once the event's verdict is settled: a limit suppresses records, never
 * decisions. An event no rule matched has no limit.
 */
static bool rate_admit(struct agent *a, const struct xenintro_event *ev)
{
	if (ratelimit_admit(&a->rl, &a->pol, ev->rule,
			    (uint64_t)a->clock_ms(), &a->log))
		return true;
	a->ac.records_suppressed = a->rl.suppressed;
	return false;
}

/*
 * Log one event, unless it repeats the record before it (dedup:) or its
 * rule's rate_limit: holds it back; both count what they drop. The
 * memory and process are read only for a record that can be written,
 * except under dedup:, whose comparison needs them.
 */
static void log_event(struct agent *a, const struct xenintro_event *ev,
		      const char *rule, const struct policy_rule_meta *meta,
		      int verdict, struct event_process *ep)
{
	json_t *memory = NULL, *procs = NULL;
	bool dedup = meta && meta->dedup;
	char *fp = NULL;

	if (dedup) {
		memory = mem_capture(&a->x, &a->pol.log, ev);
		procs = process_json(a, ev, ep);
		fp = dedup_fingerprint(ev, rule, verdict, memory, procs);
	}
	if (!dedup_admit(&a->dd, fp, rule, dedup, (uint64_t)a->clock_ms(),
			 &a->log)) {
		a->ac.records_deduplicated = a->dd.total;
		goto drop;
	}
	if (!rate_admit(a, ev))
		goto drop;
	if (!dedup) {
		memory = mem_capture(&a->x, &a->pol.log, ev);
		procs = process_json(a, ev, ep);
	}
	event_log_event_ctx(&a->log, ev, rule, meta, verdict, memory, procs);
	return;
drop:
	json_decref(memory);
	json_decref(procs);
}

/* Answer or log one event; -EAGAIN if the verdict ring stays full. */
static int handle_event(struct agent *a, const struct xenintro_event *ev)
{
	const struct policy *p = &a->pol;
	const char *rule = ev->rule < p->nr_rules ? p->rules[ev->rule].name :
						    NULL;
	const struct policy_rule_meta *meta = policy_rule_meta(p, ev->rule);
	struct event_process ep = { 0 };
	const struct kproc_id *id;
	struct xenintro_verdict *v;
	struct decision dc;

	a->ac.events_seen++;
	/* a new address space on that vCPU: its cached process goes */
	if (a->have_kproc && ev->reason == XENINTRO_EVENT_CTRLREG &&
	    ev->u.ctrlreg.index == XENINTRO_CR3)
		kproc_forget(&a->kproc, ev->vcpu);
	if (!xenintro_event_needs_verdict(ev)) {
		bool copy = ev->flags & XENINTRO_EF_NOTIFY;

		/*
		 * A notify copy was answered in the kernel by its rule's
		 * own verdict: log that one. Events still in the ring at a
		 * reload are drained under the old policy first, so the
		 * index names the table the kernel used.
		 */
		int verdict = copy && rule ?
			      (int)p->rules[ev->rule].rule.action : -1;

		/* the rule's when: picks its records and actions */
		if (copy && !actions_event(&a->act, p, ev, verdict))
			return 0;
		if (kind_logged(p, ev) && (copy ? p->log.notify : p->log.async))
			log_event(a, ev, rule, meta, verdict, &ep);
		return 0;
	}
	id = NULL;
	for (size_t i = 0; i < p->nr_decisions && !id; i++)
		if (p->decisions[i].nr_processes)
			id = event_process(a, ev, &ep);
	dc = decide(p, ev, id ? id->comm : NULL);
	v = xenintro_get_verdict(&a->x);
	if (!v) {
		/* full: hand the kernel what we have, then there is room */
		xenintro_submit(&a->x);
		v = xenintro_get_verdict(&a->x);
		if (!v)
			return -EAGAIN;
	}
	/*
	 * Logged before the verdict goes out: the event's tables still hold.
	 * The verdict is dc's whatever the log does (rate_admit()).
	 */
	if (actions_event(&a->act, p, ev, (int)dc.verdict) && dc.log &&
	    p->log.forwarded && kind_logged(p, ev))
		log_event(a, ev, rule, meta, (int)dc.verdict, &ep);
	decide_fill(v, ev, dc.verdict);
	a->ac.verdicts_sent++;
	return 0;
}

/*
 * Everything in the event ring. 0, or -errno for a broken ring. With
 * @then_poll, the caller's next call is xenintro_wait(): in a KICK_WAIT
 * session its one kick hands the last batch's verdicts over and waits,
 * which saves a separate kick (a system call per event for a guest with one busy
 * vCPU). Batches with more events behind them are kicked at once, so no
 * vCPU waits for the agent to get through the rest.
 */
static int drain(struct agent *a, bool then_poll)
{
	const struct xenintro_event *evs[BATCH];
	int n, i, done, ret;

	while ((n = xenintro_peek_batch(&a->x, evs, BATCH)) > 0) {
		for (done = 0, i = 0; i < n; i++, done++) {
			ret = handle_event(a, evs[i]);
			if (ret == -EAGAIN)
				break;
		}
		xenintro_event_advance(&a->x, (unsigned int)done);
		if (then_poll && done == n && !xenintro_events_ready(&a->x) &&
		    xenintro_feature_enabled(&a->x,
					     XENINTRO_FEATURE_KICK_WAIT)) {
			xenintro_publish(&a->x);
			return 0;
		}
		ret = xenintro_submit(&a->x);
		if (ret < 0 && ret != -ESRCH)
			say(a, "error", "kick: %s", strerror(-ret));
		if (done < n && !done)
			return -EIO;	/* no slot even after a kick */
	}
	return n;
}

static int open_log(struct agent *a, const struct policy *p,
		    struct event_log *l)
{
	int ret = event_log_open(l, p->log.file, p->log.format);
	const char *ident = p->log.syslog_ident ?: "xenintro-agent";
	const char *journal;

	if (ret)
		return ret;
	if (p->log.syslog) {
		/* syslog is where the records go; stdout only with a file */
		if (!p->log.file)
			l->f = NULL;
		/* under systemd, journald's native fields; else syslog(3) */
		journal = event_log_journal_socket();
		if (!journal ||
		    event_log_open_syslog(l, p->log.syslog_facility, ident,
					  journal))
			event_log_open_syslog(l, p->log.syslog_facility, ident,
					      NULL);
	}
	l->host = a->host;
	l->domid = a->domid;
	l->guest = a->guest[0] ? a->guest : NULL;
	l->uuid = a->uuid;
	return 0;
}

/*
 * The host, the guest's name and UUID (xenstore), read once at attach:
 * a guest keeps them while it runs, and every record carries them.
 */
static void read_identity(struct agent *a)
{
	guest_name(a->domid, a->guest, sizeof(a->guest));
	if (!a->guest[0] && a->pol.guest_name && !a->ov.guest)
		snprintf(a->guest, sizeof(a->guest), "%s", a->pol.guest_name);
	guest_uuid(a->domid, a->uuid, sizeof(a->uuid));
	if (gethostname(a->host, sizeof(a->host)))
		a->host[0] = '\0';
	a->host[sizeof(a->host) - 1] = '\0';
}

/* SIGHUP: all or nothing. A bad policy leaves the old one in force. */
/*
 * Ready the process reader if @p asks for processes (the kernel symbols
 * are live by then). 0, or -1 with the reason said.
 */
static int process_live(struct agent *a, const struct policy *p)
{
	char why[512];

	if (a->have_kproc) {
		/* a reload may add or drop the CR3 monitor the cache needs */
		if (a->kproc.cache != sees_cr3_writes(p)) {
			for (size_t i = 0; i < a->kproc.nr_slots; i++)
				kproc_forget(&a->kproc, (uint32_t)i);
			a->kproc.cache = sees_cr3_writes(p);
		}
		return 0;
	}
	if (!wants_process(p))
		return 0;
	if (kproc_init(&a->kproc, &a->kenv, &a->x, sees_cr3_writes(p), why,
		       sizeof(why))) {
		say(a, "error", "process names: %s", why);
		return -1;
	}
	a->have_kproc = true;
	say(a, "info",
	    "process names from current_task (per-CPU 0x%" PRIx64 "), task_struct pid@%ld tgid@%ld comm@%ld; %s",
	    a->kproc.current_task, a->kproc.off_pid, a->kproc.off_tgid,
	    a->kproc.off_comm,
	    a->kproc.cache ? "cached per vCPU until its next CR3 write" :
			     "read at every event (no CR3 monitor to cache by)");
	return 0;
}

/*
 * The policy names kernel symbols: find the guest's KASLR slide, then
 * read the policy again with the guest's addresses and frames. Before
 * any monitor of the policy is on, so no event of the policy's is lost.
 */
static int kernel_live(struct agent *a)
{
	const struct kslide *f = &a->kenv.found;
	struct policy np;
	struct diag d;
	char why[768];

	if (kenv_go_live(&a->kenv, &a->x, KSLIDE_WAIT_SECS, why,
			 sizeof(why))) {
		say(a, "error", "domain %u: %s", a->domid, why);
		return -1;
	}
	if (a->kenv.memory)
		say(a, "info",
		    "kernel from guest memory: %zu symbols, BTF %zu bytes (%zu bytes of its mapping read); LSTAR 0x%" PRIx64 " is entry_SYSCALL_64",
		    a->kenv.s.nr, a->kenv.prof.btf_bytes, a->kenv.mem_bytes,
		    f->lstar);
	else
		say(a, "info",
		    "kernel %s: KASLR slide 0x%" PRIx64 " (LSTAR 0x%" PRIx64 " is entry_SYSCALL_64, %s matches at the slide)",
		    a->kenv.sym_path, f->slide, f->lstar, f->anchor_name);
	if (policy_load_env(a->policy_path, &a->kenv.env, &np, &d)) {
		for (unsigned int i = 0; i < diag_kept(&d); i++)
			say(a, "error", "%s", diag_message(&d, i));
		return -1;
	}
	apply_overrides(&a->ov, &np);
	policy_free(&a->pol);
	a->pol = np;
	return process_live(a, &a->pol);
}

static void reload(struct agent *a)
{
	struct policy np, old;
	struct event_log nl;
	struct diag d;
	char why[512];
	uint32_t domid;
	int ret;

	if (policy_load_env(a->policy_path, &a->kenv.env, &np, &d)) {
		a->ac.reload_failures++;
		/* one record per reload: the first error, and how many */
		if (d.nr > 1)
			say(a, "error",
			    "reload failed, keeping the old policy: %s (and %u more error%s; --check lists them)",
			    d.msg, d.nr - 1, plural(d.nr - 1));
		else
			say(a, "error",
			    "reload failed, keeping the old policy: %s", d.msg);
		return;
	}
	if (np.has_kernel && !a->kenv.x) {
		/* the slide is found at attach, before any event is ours */
		a->ac.reload_failures++;
		say(a, "error",
		    "reload failed, keeping the old policy: %s: kernel.image is new; restart the agent to use kernel symbols",
		    a->policy_path);
		policy_free(&np);
		return;
	}
	apply_overrides(&a->ov, &np);
	if (resolve(a, &np, &domid, why, sizeof(why)) || domid != a->domid) {
		a->ac.reload_failures++;
		say(a, "error",
		    "reload failed, keeping the old policy: %s: the guest cannot change (restart the agent)",
		    a->policy_path);
		policy_free(&np);
		return;
	}
	if (process_live(a, &np)) {
		a->ac.reload_failures++;
		say(a, "error", "reload failed, keeping the old policy: %s",
		    a->policy_path);
		policy_free(&np);
		return;
	}
	if (np.default_verdict != a->pol.default_verdict ||
	    np.deadline_ms != a->pol.deadline_ms ||
	    np.ring_entries != a->pol.ring_entries)
		say(a, "warning",
		    "default_verdict, deadline_ms and ring_entries are fixed at attach; the new values apply after a restart");
	/* the new log first, so that a bad log path fails the reload too */
	ret = open_log(a, &np, &nl);
	if (ret) {
		a->ac.reload_failures++;
		say(a, "error", "reload failed, keeping the old policy: log %s: %s",
		    np.log.file ? np.log.file : "stdout", strerror(-ret));
		policy_free(&np);
		return;
	}
	ret = apply_policy(&a->x, &a->pol, &np, why, sizeof(why));
	if (ret) {
		a->ac.reload_failures++;
		event_log_close(&nl);
		say(a, "error", "reload failed, keeping the old policy: %s",
		    why);
		policy_free(&np);
		return;
	}
	/*
	 * Events still in the ring were forwarded under the old table:
	 * decide them under the old policy before it goes.
	 */
	if (drain(a, false) < 0)
		say(a, "error", "event ring inconsistent");
	/* the old rules' suppressed records are summed up under their names */
	dedup_flush(&a->dd, (uint64_t)a->clock_ms(), true, &a->log);
	ratelimit_flush(&a->rl, &a->pol, (uint64_t)a->clock_ms(), true,
			&a->log);
	ratelimit_free(&a->rl);
	/* dumps per rule count afresh; a pause held stays held */
	if (actions_init(&a->act, &np))
		say(a, "error", "actions: out of memory; dump counts not reset");
	if (ratelimit_init(&a->rl, &np))
		say(a, "error", "rate limits: out of memory; the new policy's rules log unlimited");
	old = a->pol;
	a->pol = np;
	policy_free(&old);
	event_log_close(&a->log);
	a->log = nl;
	a->ac.reloads++;
	a->next_stats_ms = a->pol.stats_interval ?
		now_ms() + a->pol.stats_interval * 1000LL : 0;
	say(a, "info", "policy %s reloaded: %zu rule%s, %zu monitor%s",
	    a->policy_path, a->pol.nr_rules, plural(a->pol.nr_rules),
	    a->pol.nr_monitors, plural(a->pol.nr_monitors));
	report_stats(a, false);
}

static int run(struct agent *a)
{
	struct pollfd pfd[2];
	long long now, wake;
	uint64_t rate_end;
	int sig, ret, timeout;

	for (;;) {
		ret = drain(a, true);
		if (ret < 0) {
			say(a, "error", "event ring inconsistent");
			return EXIT_RUNTIME;
		}
		if (xenintro_state(&a->x) == XENINTRO_STATE_DEAD &&
		    !xenintro_events_ready(&a->x)) {
			say(a, "error", "domain %u died", a->domid);
			return EXIT_DOMAIN_DIED;
		}

		now = now_ms();
		wake = a->next_registry_ms;
		if (a->next_stats_ms && a->next_stats_ms < wake)
			wake = a->next_stats_ms;
		/* a rate-limit window that suppressed records ends: say so */
		rate_end = ratelimit_next_ms(&a->rl, &a->pol);
		if (rate_end < (uint64_t)wake)
			wake = (long long)rate_end;
		/* a run of repeats that went quiet: its summary */
		rate_end = dedup_next_ms(&a->dd);
		if (rate_end < (uint64_t)wake)
			wake = (long long)rate_end;
		/* a timed pause that ends, a hook past its timeout */
		if (actions_next_ms(&a->act) < wake)
			wake = actions_next_ms(&a->act);
		timeout = wake > now ? (int)(wake - now) : 0;

		pfd[0].fd = xenintro_fd(&a->x);
		pfd[0].events = POLLIN;
		pfd[0].revents = 0;
		pfd[1].fd = a->sigfd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		/*
		 * --busy-poll: libxenintro hands the verdicts over, spins on
		 * the event ring for the budget and polls without sleeping.
		 * Events that came meanwhile skip the sleep, which is the
		 * agent's wake-up latency; signals wait at most the budget.
		 */
		if (!a->x.busy_poll_us || xenintro_wait(&a->x, 0) <= 0) {
			ret = poll(pfd, 2, timeout);
			if (ret < 0 && errno != EINTR) {
				say(a, "error", "poll: %s", strerror(errno));
				return EXIT_RUNTIME;
			}
		}

		while ((sig = signals_next(a->sigfd)) > 0) {
			if (sig == ACTIONS_RESUME_SIGNAL) {
				actions_resume(&a->act, "signal");
				/* xenintro resume reads it back from there */
				report_stats(a, false);
			}
			switch (sig) {
			case SIGINT:
			case SIGTERM:
				/* answer what we hold, then detach on close */
				drain(a, false);
				say(a, "info", "signal %d: detaching from domain %u",
				    sig, a->domid);
				return EXIT_OK;
			case SIGHUP:
				reload(a);
				break;
			case SIGUSR1:
				report_stats(a, true);
				break;
			case SIGUSR2:
				report_stats(a, false);
				break;
			case SIGCHLD:
				actions_reap(&a->act);
				break;
			}
		}

		now = now_ms();
		ratelimit_flush(&a->rl, &a->pol, (uint64_t)now, false, &a->log);
		dedup_flush(&a->dd, (uint64_t)now, false, &a->log);
		actions_tick(&a->act, now);
		if (a->next_stats_ms && now >= a->next_stats_ms) {
			report_stats(a, true);
			a->next_stats_ms = now + a->pol.stats_interval * 1000LL;
		}
		if (now >= a->next_registry_ms)
			report_stats(a, false);
		if ((pfd[0].revents & (POLLHUP | POLLERR)) &&
		    !xenintro_events_ready(&a->x) &&
		    xenintro_state(&a->x) == XENINTRO_STATE_DEAD) {
			say(a, "error", "domain %u died", a->domid);
			return EXIT_DOMAIN_DIED;
		}
	}
}

/*
 * Attach to a->domid, apply the policy and lock the session to the
 * domain: 0, or an exit code with the session closed again.
 */
static int attach_guest(struct agent *a)
{
	char why[512];
	int ret;

	if (apply_attach(&a->x, a->device, &a->pol, a->domid, why,
			 sizeof(why))) {
		say(a, "error", "%s", why);
		return EXIT_ATTACH;
	}
	ret = EXIT_ATTACH;
	if (a->pol.has_kernel && kernel_live(a))
		goto out_close;
	if (apply_policy(&a->x, NULL, &a->pol, why, sizeof(why))) {
		say(a, "error", "policy %s: %s", a->policy_path, why);
		goto out_close;
	}
	/*
	 * Set up: the fd gives up what a running agent never uses, ATTACH
	 * (to another domain) and writing guest memory, and is locked to
	 * this domain. An agent subverted later by what it reads from the
	 * guest can then do no more than its policy's own operations. A
	 * kernel without RESTRICT (before uAPI 1's RESTRICT) runs as before.
	 */
	if (xenintro_has_ioctl(&a->x, _XENINTRO_RESTRICT)) {
		ret = xenintro_restrict(&a->x, XENINTRO_RESTRICT_DOMAIN,
					(uint16_t)a->domid,
					a->x.ioctls & ~((1ULL << _XENINTRO_ATTACH) |
							(1ULL << _XENINTRO_WRITE_MEM)));
		if (ret) {
			say(a, "error", "cannot restrict the session to domain %u: %s",
			    a->domid, strerror(-ret));
			ret = EXIT_ATTACH;
			goto out_close;
		}
	}
	ret = EXIT_RUNTIME;
	if (ratelimit_init(&a->rl, &a->pol) ||
	    actions_init(&a->act, &a->pol)) {
		say(a, "error", "rate limits: out of memory");
		goto out_close;
	}
	/* in range (checked in main()); run() reads it back from the library */
	xenintro_set_busy_poll(&a->x, a->ov.busy_poll_us);
	iso_time_now(a->started, sizeof(a->started));
	a->next_stats_ms = a->pol.stats_interval ?
		now_ms() + a->pol.stats_interval * 1000LL : 0;
	say(a, "info", "attached to domain %u%s%s%s: %zu rule%s, %zu monitor%s",
	    a->domid, a->guest[0] ? " (" : "", a->guest, a->guest[0] ? ")" : "",
	    a->pol.nr_rules, plural(a->pol.nr_rules), a->pol.nr_monitors,
	    plural(a->pol.nr_monitors));
	report_stats(a, false);
	return 0;
out_close:
	xenintro_close(&a->x);
	return ret;
}

/*
 * The session with a->domid ends (run() returned @ret): the suppressed
 * records are counted, the last stats logged, the registry file goes,
 * and closing detaches: pending events get the default verdict, the
 * kernel restores monitors and page rights, the guest runs on.
 */
static void end_session(struct agent *a, int ret)
{
	dedup_flush(&a->dd, (uint64_t)now_ms(), true, &a->log);
	ratelimit_flush(&a->rl, &a->pol, (uint64_t)now_ms(), true, &a->log);
	/* hooks killed, and the guest resumed: never left paused by us, nor
	 * a pause carried over to a followed guest's next domain */
	actions_finish(&a->act);
	if (ret == EXIT_OK || ret == EXIT_DOMAIN_DIED)
		report_stats(a, true);
	registry_remove(a->domid);
	xenintro_close(&a->x);
	ratelimit_free(&a->rl);
	dedup_free(&a->dd);
	if (a->have_kproc) {
		kproc_free(&a->kproc);
		a->have_kproc = false;
	}
}

/* follow_wait(): a signal said stop (exit 0); not an exit code */
#define FOLLOW_STOPPED		(-1)

/* The name --follow looks for: --guest's, the policy's, xenstore's. */
static const char *follow_name(const struct agent *a)
{
	if (a->ov.guest && !guest_is_domid(a->ov.guest))
		return a->ov.guest;
	if (!a->ov.guest && a->pol.guest_name)
		return a->pol.guest_name;
	return a->guest[0] ? a->guest : NULL;
}

/*
 * Wait for a domain named follow_name() other than @old (0: any): 0 with
 * a->domid set; FOLLOW_STOPPED on SIGINT/SIGTERM; EXIT_DOMAIN_DIED when
 * --follow=S runs out; EXIT_RUNTIME. @since: when the wait began (ms),
 * NULL for now.
 */
static int follow_wait(struct agent *a, uint32_t old, const long long *since)
{
	const char *name = follow_name(a);
	long long start = since ? *since : now_ms(), left;
	struct follow_watch w;
	uint32_t domid;
	int ret, sig;

	follow_watch_open(&w);
	for (;;) {
		ret = follow_find(&w, name, old, &domid);
		if (!ret) {
			a->domid = domid;
			break;
		}
		left = a->ov.follow_secs < 0 ? FOLLOW_POLL_MS :
		       start + a->ov.follow_secs * 1000LL - now_ms();
		if (left <= 0) {
			say(a, "error", "no domain named %s ran within %ld s (--follow=%ld)",
			    name, a->ov.follow_secs, a->ov.follow_secs);
			ret = EXIT_DOMAIN_DIED;
			break;
		}
		ret = follow_watch_wait(&w, a->sigfd, (int)left);
		if (ret < 0) {
			say(a, "error", "poll: %s", strerror(-ret));
			ret = EXIT_RUNTIME;
			break;
		}
		while ((sig = signals_next(a->sigfd)) > 0)
			if (sig == SIGINT || sig == SIGTERM)
				break;
		if (sig == SIGINT || sig == SIGTERM) {
			say(a, "info", "signal %d while waiting for %s: exiting",
			    sig, name);
			ret = FOLLOW_STOPPED;
			break;
		}
	}
	follow_watch_close(&w);
	return ret;
}

/*
 * Read the policy file again for a new domain, as at a start: symbols
 * move with each boot's KASLR slide, and the file may have changed.
 */
static int fresh_policy(struct agent *a)
{
	struct policy np;
	struct diag d;

	kenv_free(&a->kenv);
	a->kenv.image_override = a->ov.kernel;
	if (policy_load_env(a->policy_path, &a->kenv.env, &np, &d)) {
		for (unsigned int i = 0; i < diag_kept(&d); i++)
			say(a, "error", "%s", diag_message(&d, i));
		return EXIT_POLICY;
	}
	apply_overrides(&a->ov, &np);
	policy_free(&a->pol);
	a->pol = np;
	return 0;
}

/*
 * How long a new domain that refuses the attach is tried, and how far
 * apart: it may still be being built, or, for a policy with kernel
 * symbols, not yet have set up the kernel the slide is found from.
 */
#define FOLLOW_ATTACH_MS	120000
#define FOLLOW_ATTACH_GAP_MS	2000

/*
 * --follow: a->domid died. Wait for the guest's next domain, attach to
 * it and apply the policy afresh; a "gap" record says how long nothing
 * was monitored. 0 when attached again, FOLLOW_STOPPED, or an exit code.
 */
static int follow_guest(struct agent *a)
{
	/* a copy: the policy read afresh frees the one it names */
	const char *named = follow_name(a);
	char name[256];
	uint32_t old = a->domid, skip = old, tried = 0;
	long long start = now_ms();
	char began[40], ended[40];
	long long found_ms = 0;
	json_t *gap;
	int ret;

	iso_time_now(began, sizeof(began));
	snprintf(name, sizeof(name), "%s", named ? named : "");
	if (!named) {
		say(a, "error", "--follow: domain %u has no name in xenstore to follow",
		    old);
		return EXIT_DOMAIN_DIED;
	}
	say(a, "warning", "domain %u (%s) is gone; --follow: waiting for a new domain named %s",
	    old, name, name);
	for (;;) {
		ret = follow_wait(a, skip, &start);
		if (!ret)
			ret = fresh_policy(a);
		if (ret)
			break;
		if (a->domid != tried) {
			tried = a->domid;	/* each domain its own budget */
			found_ms = now_ms();
		}
		read_identity(a);
		a->log.domid = a->domid;
		a->log.guest = a->guest[0] ? a->guest : NULL;
		ret = attach_guest(a);
		if (!ret)
			break;
		/*
		 * Too early (the toolstack still builds it, its kernel is
		 * not up), or it died again: try again, for a bounded time.
		 */
		if (now_ms() - found_ms >= FOLLOW_ATTACH_MS)
			break;
		usleep(FOLLOW_ATTACH_GAP_MS * 1000);
		skip = 0;
	}
	iso_time_now(ended, sizeof(ended));
	gap = json_pack("{s:s, s:i, s:s, s:s, s:f}", "severity", "warning",
			"old_domid", (int)old, "start", began, "end", ended,
			"seconds", (double)(now_ms() - start) / 1000.0);
	if (!ret)
		json_object_set_new(gap, "new_domid", json_integer(a->domid));
	json_object_set_new(gap, "result", json_string(!ret ? "re-attached" :
			    ret == FOLLOW_STOPPED ? "stopped" : "gave up"));
	event_log_record(&a->log, "gap", gap);
	if (!ret)
		say(a, "info", "re-attached to %s as domain %u after %.1f s unmonitored",
		    name, a->domid, (double)(now_ms() - start) / 1000.0);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "guest", required_argument, NULL, 'g' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "log", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "stats-interval", required_argument, NULL, 's' },
		{ "busy-poll", required_argument, NULL, 'b' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "follow", optional_argument, NULL, 'F' },
		{ "watch", required_argument, NULL, 'w' },
		{ NULL, 0, NULL, 0 },
	};
	struct agent a;
	struct diag d;
	char why[512], *end;
	bool check = false;
	long busy = 0;
	int c, ret;

	memset(&a, 0, sizeof(a));
	a.clock_ms = now_ms;
	a.act.x = &a.x;
	a.act.log = &a.log;
	a.act.clock_ms = now_ms;
	a.ov.format = -1;
	a.ov.stats_interval = -1;
	a.sigfd = -1;
	while ((c = getopt_long(argc, argv, "cg:k:o:f:s:b:d:hVw:", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			check = true;
			break;
		case 'k':
			a.ov.kernel = optarg;
			break;
		case 'g':
			a.ov.guest = optarg;
			break;
		case 'o':
			a.ov.log_file = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "json")) {
				a.ov.format = LOG_JSON;
			} else if (!strcmp(optarg, "text")) {
				a.ov.format = LOG_TEXT;
			} else {
				fprintf(stderr, "%s: --format: json or text\n",
					prog);
				return EXIT_USAGE;
			}
			break;
		case 's':
			errno = 0;
			a.ov.stats_interval = strtol(optarg, &end, 10);
			if (*end || errno || a.ov.stats_interval < 0 ||
			    a.ov.stats_interval > 86400) {
				fprintf(stderr, "%s: --stats-interval: seconds, 0..86400\n",
					prog);
				return EXIT_USAGE;
			}
			break;
		case 'b':
			errno = 0;
			busy = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || busy < 0 ||
			    busy > XENINTRO_BUSY_POLL_MAX_US) {
				fprintf(stderr, "%s: --busy-poll: microseconds, 0..%u\n",
					prog, XENINTRO_BUSY_POLL_MAX_US);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			a.device = optarg;
			break;
		case 'F':
			a.ov.follow = true;
			a.ov.follow_secs = -1;
			if (!optarg)
				break;
			errno = 0;
			a.ov.follow_secs = strtol(optarg, &end, 10);
			if (!*optarg || *end || errno || a.ov.follow_secs < 0 ||
			    a.ov.follow_secs > 86400 * 365) {
				fprintf(stderr, "%s: --follow: seconds, 0..31536000\n",
					prog);
				return EXIT_USAGE;
			}
			break;
		case 'w':
			a.ov.watch = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			xi_print_version(stdout, prog);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return EXIT_USAGE;
	}
	a.policy_path = argv[optind];
	a.ov.busy_poll_us = (unsigned int)busy;
	if (a.ov.watch && (a.ov.guest || !*a.ov.watch)) {
		fprintf(stderr, "%s: --watch: %s\n", prog, *a.ov.watch ?
			"the guests are the pattern's; no --guest with it" :
			"an empty pattern");
		return EXIT_USAGE;
	}
	/* a domid that cannot be a guest's is wrong now, --check or not;
	 * a name is looked up at attach (xenstore need not run for --check) */
	if (a.ov.guest && guest_is_domid(a.ov.guest) &&
	    guest_domid(a.ov.guest, &a.domid, why, sizeof(why))) {
		fprintf(stderr, "%s: --guest: %s\n", prog, why);
		return EXIT_USAGE;
	}
	if (a.ov.guest && !*a.ov.guest) {
		fprintf(stderr, "%s: --guest: an empty guest name\n", prog);
		return EXIT_USAGE;
	}

	/* symbols at the image's link addresses: checks every name */
	kenv_init(&a.kenv);
	a.kenv.image_override = a.ov.kernel;
	if (policy_load_env(a.policy_path, &a.kenv.env, &a.pol, &d)) {
		diag_print(stderr, &d);	/* every error, as compilers do */
		kenv_free(&a.kenv);
		return EXIT_POLICY;
	}
	apply_overrides(&a.ov, &a.pol);
	if (check && a.pol.has_kernel && !a.pol.provisional &&
	    wants_process(&a.pol) && !kenv_profile(&a.kenv, why, sizeof(why))) {
		/* process names would fail at attach: say it now */
		fprintf(stderr, "%s: process names: %s\n", a.policy_path, why);
		policy_free(&a.pol);
		kenv_free(&a.kenv);
		return EXIT_POLICY;
	}
	/*
	 * The log opens only at attach: a path that cannot be opened would
	 * pass --check and stop the agent later. Checked without creating
	 * the file; -o's own path is an option's error.
	 */
	if (a.pol.log.file &&
	    event_log_check(a.pol.log.file, why, sizeof(why))) {
		if (a.ov.log_file) {
			fprintf(stderr, "%s: --log: %s\n", prog, why);
			ret = EXIT_USAGE;
		} else {
			diag_init(&d, a.policy_path);
			diag_error(&d, a.pol.log.file_mark, "log.file", "%s",
				   why);
			fprintf(stderr, "%s\n", d.msg);
			ret = EXIT_POLICY;
		}
		policy_free(&a.pol);
		kenv_free(&a.kenv);
		return ret;
	}
	if (check) {
		printf("%s: ok: %zu rule%s, %zu monitor%s, %zu page range%s, %zu decision%s\n",
		       a.policy_path, a.pol.nr_rules, plural(a.pol.nr_rules),
		       a.pol.nr_monitors, plural(a.pol.nr_monitors),
		       a.pol.nr_access, plural(a.pol.nr_access),
		       a.pol.nr_decisions, plural(a.pol.nr_decisions));
		/* parsed and checked, but not installed: say so, not silently */
		if (a.pol.nr_disabled_rules)
			printf("%s: %zu rule%s disabled (enabled: false): checked, not installed\n",
			       a.policy_path, a.pol.nr_disabled_rules,
			       plural(a.pol.nr_disabled_rules));
		if (a.pol.provisional)
			printf("%s: kernel.memory: monitors, access, rules and forwarded are read at attach, with the guest's own symbols (--kernel IMAGE checks them now)\n",
			       a.policy_path);
		else if (a.pol.has_kernel)
			printf("%s: kernel symbols found in %s (%zu symbols; addresses and frames are the image's own until the agent attaches)\n",
			       a.policy_path, a.kenv.sym_path, a.kenv.s.nr);
		policy_free(&a.pol);
		kenv_free(&a.kenv);
		return EXIT_OK;
	}

	/* --watch: this process only starts and stops an agent per guest */
	if (a.ov.watch) {
		policy_free(&a.pol);
		kenv_free(&a.kenv);
		return watch_main(a.ov.watch, argc, argv, a.ov.follow ?
				  a.ov.follow_secs : WATCH_FOLLOW_SECS);
	}

	/* signals first: a SIGTERM during setup must not kill us half-way */
	a.sigfd = signals_open();
	if (a.sigfd < 0) {
		say(NULL, "error", "signalfd: %s", strerror(-a.sigfd));
		ret = EXIT_RUNTIME;
		goto out_policy;
	}
	ret = EXIT_ATTACH;
	if (resolve(&a, &a.pol, &a.domid, why, sizeof(why))) {
		/* --follow waits for a guest that is not running yet */
		if (!a.ov.follow || !follow_name(&a) ||
		    guest_is_domid(follow_name(&a))) {
			say(NULL, "error", "%s", why);
			goto out_sig;
		}
		say(NULL, "info", "%s; --follow: waiting for it", why);
		ret = follow_wait(&a, 0, NULL);
		if (ret) {
			ret = ret == FOLLOW_STOPPED ? EXIT_OK : ret;
			goto out_sig;
		}
	}
	read_identity(&a);
	ret = open_log(&a, &a.pol, &a.log);
	if (ret) {
		say(NULL, "error", "log %s: %s", a.pol.log.file, strerror(-ret));
		ret = EXIT_RUNTIME;
		goto out_sig;
	}
	ret = attach_guest(&a);
	if (ret)
		goto out_log;
	while ((ret = run(&a)) == EXIT_DOMAIN_DIED && a.ov.follow) {
		end_session(&a, ret);
		ret = follow_guest(&a);
		if (ret) {
			ret = ret == FOLLOW_STOPPED ? EXIT_OK : ret;
			goto out_log;
		}
	}
	end_session(&a, ret);
out_log:
	event_log_close(&a.log);
out_sig:
	if (a.sigfd >= 0)
		close(a.sigfd);
out_policy:
	dedup_free(&a.dd);
	ratelimit_free(&a.rl);
	actions_finish(&a.act);
	policy_free(&a.pol);
	if (a.have_kproc)
		kproc_free(&a.kproc);
	kenv_free(&a.kenv);
	return ret;
}
