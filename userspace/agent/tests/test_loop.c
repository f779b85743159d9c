// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The agent's event loop (main.c, included here with its main renamed)
 * against libxenintro's simulated kernel (lib/tests/fake_kernel.c, linked
 * with --wrap) and a fake clock: what rules' rate_limit: does to the log,
 * and that it never costs an event its verdict. TAP, via the library
 * tests' harness.
 */
#define main agent_main
#include "../main.c"
#undef main

#include <fcntl.h>
#include <sys/stat.h>
#include <xenstore.h>

#include "fake_kernel.h"
#include "harness.h"

/*
 * xenstore as the toolstack fills it (guest.c's and follow.c's reads,
 * linked with --wrap): domain 5 is "web1", with its UUID under vm;
 * fake_xs_domains lists /local/domain, fake_xs_names the names of the
 * others ("<domid>=<name>" each).
 */
static const char *fake_xs_vm = "/vm/1b4e28ba-2fa1-11d2-883f-0016d3cca427";
static const char *fake_xs_domains[8] = { "0", "5" };
static const char *fake_xs_names[8] = { "0=Domain-0" };
static int fake_xs_handle;
static int fake_xs_pipe[2] = { -1, -1 };	/* the watch's fd */

struct xs_handle *__wrap_xs_open(unsigned long flags);
struct xs_handle *__wrap_xs_open(unsigned long flags)
{
	(void)flags;
	return (struct xs_handle *)&fake_xs_handle;
}

void __wrap_xs_close(struct xs_handle *h);
void __wrap_xs_close(struct xs_handle *h)
{
	XT_EQ(h == (struct xs_handle *)&fake_xs_handle, 1);
}

void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t,
		     const char *path, unsigned int *len);
void *__wrap_xs_read(struct xs_handle *h, xs_transaction_t t,
		     const char *path, unsigned int *len)
{
	const char *v = NULL;
	char want[64];
	size_t i, n;

	(void)h;
	(void)t;
	if (!strcmp(path, "/local/domain/5/name"))
		v = "web1";
	else if (!strncmp(path, "/local/domain/", 14) &&
		 !strcmp(path + strlen(path) - 3, "/vm"))
		v = fake_xs_vm;
	for (i = 0; !v && i < 8 && fake_xs_names[i]; i++) {
		n = strcspn(fake_xs_names[i], "=");
		snprintf(want, sizeof(want), "/local/domain/%.*s/name",
			 (int)n, fake_xs_names[i]);
		if (!strcmp(path, want))
			v = fake_xs_names[i] + n + 1;
	}
	if (!v)
		return NULL;
	*len = (unsigned int)strlen(v);
	return strdup(v);
}

char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t,
			   const char *path, unsigned int *num);
char **__wrap_xs_directory(struct xs_handle *h, xs_transaction_t t,
			   const char *path, unsigned int *num)
{
	char **v;
	size_t i, n;

	(void)h;
	(void)t;
	XT_EQ(strcmp(path, "/local/domain"), 0);
	for (n = 0; n < 8 && fake_xs_domains[n]; n++)
		;
	v = calloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = (char *)fake_xs_domains[i];	/* freed as one block */
	*num = (unsigned int)n;
	return v;
}

bool __wrap_xs_watch(struct xs_handle *h, const char *path,
		     const char *token);
bool __wrap_xs_watch(struct xs_handle *h, const char *path,
		     const char *token)
{
	(void)h;
	(void)token;
	XT_EQ(path[0], '@');
	return true;
}

int __wrap_xs_fileno(struct xs_handle *h);
int __wrap_xs_fileno(struct xs_handle *h)
{
	(void)h;
	if (fake_xs_pipe[0] < 0)
		XT_EQ(pipe(fake_xs_pipe), 0);
	return fake_xs_pipe[0];
}

char **__wrap_xs_check_watch(struct xs_handle *h);
char **__wrap_xs_check_watch(struct xs_handle *h)
{
	char b;

	(void)h;
	/* one queued watch event per byte written to the pipe */
	if (fake_xs_pipe[0] >= 0 && fcntl(fake_xs_pipe[0], F_SETFL, O_NONBLOCK) == 0 &&
	    read(fake_xs_pipe[0], &b, 1) == 1)
		return calloc(1, sizeof(char *));
	errno = EAGAIN;
	return NULL;
}

static long long fake_now;

static long long fake_clock_ms(void)
{
	return fake_now;
}

static const char limited[] =
	"guest: 5\n"
	"monitors: {cpuid: true}\n"
	"rules:\n"
	"  - name: leaf1\n"
	"    event: cpuid\n"
	"    leaf: 1\n"
	"    action: forward\n"
	"    severity: notice\n"
	"    key: cpuid-probe\n"
	"    rate_limit: {events: 2, per: 10}\n"
	"  - {name: leaf2, event: cpuid, leaf: 2, action: forward}\n";

static void start(struct agent *a, const char *doc, char *path)
{
	char why[256];
	struct diag d;
	int fd;

	memset(a, 0, sizeof(*a));
	a->clock_ms = fake_clock_ms;
	a->domid = 5;
	if (policy_load_buffer("inline.yaml", doc, strlen(doc), &a->pol, &d))
		xt_fail(__FILE__, __LINE__, "%s", d.msg);
	if (apply_attach(&a->x, "/dev/null", &a->pol, 5, why, sizeof(why)) ||
	    apply_policy(&a->x, NULL, &a->pol, why, sizeof(why)))
		xt_fail(__FILE__, __LINE__, "%s", why);
	XT_EQ(ratelimit_init(&a->rl, &a->pol), 0);
	fd = mkstemp(path);
	XT_EQ(fd >= 0, 1);
	close(fd);
	XT_EQ(event_log_open(&a->log, path, LOG_JSON), 0);
	a->log.domid = 5;
}

/* @n synchronous CPUID events, as kernel rule @rule forwarded them */
static void cpuid_events(unsigned int n, uint32_t rule)
{
	struct xenintro_event ev;

	while (n--) {
		memset(&ev, 0, sizeof(ev));
		ev.reason = XENINTRO_EVENT_CPUID;
		ev.flags = XENINTRO_EF_SYNC;
		ev.rule = rule;
		ev.u.cpuid.leaf = rule + 1;
		XT_EQ(fk_produce(&ev), 0);
	}
}

/*
 * Verdicts the kernel took since the last call, each for its event: the
 * agent's kicks hand them over (into fk.log), the rest is taken here.
 */
static size_t consumed(void)
{
	static uint64_t next_seq = 1;
	size_t i, n;

	pthread_mutex_lock(&fk.lock);
	fk_consume(NULL, NULL);
	n = fk.nlog;
	for (i = 0; i < n; i++)
		XT_EQ(fk.log[i].seq, next_seq++);
	fk.nlog = 0;
	pthread_mutex_unlock(&fk.lock);
	return n;
}

/* Lines of @path holding @what. */
static int lines_with(const char *path, const char *what)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = fopen(path, "re");
	int n = 0;

	while (f && getline(&line, &cap, f) > 0)
		n += !!strstr(line, what);
	if (f)
		fclose(f);
	free(line);
	return n;
}

XT_TEST(rate_limit_suppresses_records_never_verdicts)
{
	char path[] = "/tmp/xi-loop-log-XXXXXX";
	struct agent a;

	start(&a, limited, path);
	fake_now = 1000;
	cpuid_events(5, 0);
	cpuid_events(3, 1);	/* leaf2 has no limit */
	XT_EQ(drain(&a, false), 0);
	/* every event answered, whatever the log did */
	XT_EQ(consumed(), 8);
	XT_EQ(a.ac.verdicts_sent, 8);
	XT_EQ(lines_with(path, "\"rule\":\"leaf1\""), 2);
	XT_EQ(lines_with(path, "\"rule\":\"leaf2\""), 3);
	XT_EQ(a.ac.records_suppressed, 3);
	/* the window is not over: no summary yet, and the timer knows when */
	ratelimit_flush(&a.rl, &a.pol, 10999, false, &a.log);
	XT_EQ(lines_with(path, "\"type\":\"ratelimit\""), 0);
	XT_EQ(ratelimit_next_ms(&a.rl, &a.pol), 11000);
	/* over: one summary, with the rule's name, severity and key */
	ratelimit_flush(&a.rl, &a.pol, 11000, false, &a.log);
	XT_EQ(lines_with(path, "\"type\":\"ratelimit\",\"domid\":5,\"rule\":\"leaf1\",\"severity\":\"notice\",\"key\":\"cpuid-probe\",\"suppressed\":3,\"logged\":2,\"events\":2,\"per\":10"), 1);
	XT_EQ(ratelimit_next_ms(&a.rl, &a.pol), UINT64_MAX);
	/* a new window logs again */
	fake_now = 12000;
	cpuid_events(1, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 1);
	XT_EQ(lines_with(path, "\"rule\":\"leaf1\""), 4);	/* 3 events + summary */
	/* at exit, nothing more suppressed: no second summary */
	ratelimit_flush(&a.rl, &a.pol, 12001, true, &a.log);
	XT_EQ(lines_with(path, "\"type\":\"ratelimit\""), 1);
	event_log_close(&a.log);
	unlink(path);
	ratelimit_free(&a.rl);
	xenintro_close(&a.x);
	policy_free(&a.pol);
}

XT_TEST(rate_limit_summary_at_exit_and_for_notify_copies)
{
	static const char doc[] =
		"guest: 5\n"
		"monitors: {cr3: {sync: true}}\n"
		"rules:\n"
		"  - name: switch\n"
		"    event: cr\n"
		"    cr: cr3\n"
		"    action: continue\n"
		"    notify: true\n"
		"    rate_limit: {events: 1, per: 60}\n";
	char path[] = "/tmp/xi-loop-log-XXXXXX";
	struct xenintro_event ev;
	struct agent a;
	int i;

	start(&a, doc, path);
	fake_now = 5000;
	for (i = 0; i < 4; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.reason = XENINTRO_EVENT_CTRLREG;
		ev.flags = XENINTRO_EF_NOTIFY;	/* the kernel's copy */
		ev.u.ctrlreg.index = XENINTRO_CR3;
		XT_EQ(fk_produce(&ev), 0);
	}
	XT_EQ(drain(&a, false), 0);
	XT_EQ(lines_with(path, "\"type\":\"event\""), 1);
	/* the agent exits long before the window ends: counted all the same */
	ratelimit_flush(&a.rl, &a.pol, 5001, true, &a.log);
	XT_EQ(lines_with(path, "\"rule\":\"switch\",\"suppressed\":3,\"logged\":1"), 1);
	event_log_close(&a.log);
	unlink(path);
	ratelimit_free(&a.rl);
	xenintro_close(&a.x);
	policy_free(&a.pol);
}

/*
 * Every record names the host, the guest's name and UUID (read from
 * xenstore once at attach) and the domid: events in JSON and text, and
 * the agent's own records.
 */
XT_TEST(records_name_host_guest_uuid_domid)
{
	char path[] = "/tmp/xi-loop-log-XXXXXX", host[256], want[512];
	struct agent a;
	int fmt, fd;

	start(&a, limited, path);
	read_identity(&a);
	XT_EQ(strcmp(a.guest, "web1"), 0);
	XT_EQ(strcmp(a.uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca427"), 0);
	XT_EQ(gethostname(host, sizeof(host)), 0);
	XT_EQ(strcmp(a.host, host), 0);
	fake_now = 1000;
	for (fmt = 0; fmt < 2; fmt++) {
		event_log_close(&a.log);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
		fd = mkstemp(path);
		XT_EQ(fd >= 0, 1);
		close(fd);
		free(a.pol.log.file);
		a.pol.log.file = strdup(path);
		a.pol.log.format = fmt ? LOG_TEXT : LOG_JSON;
		XT_EQ(open_log(&a, &a.pol, &a.log), 0);
		cpuid_events(1, 1);
		XT_EQ(drain(&a, false), 0);
		XT_EQ(consumed(), 1);
		event_log_msg(&a.log, "info", "attached");
		if (fmt) {
			/* the simulated kernel's events say domid 0 themselves */
			snprintf(want, sizeof(want),
				 " host=%s guest=web1 uuid=1b4e28ba-2fa1-11d2-883f-0016d3cca427 domid=0",
				 host);
			XT_EQ(lines_with(path, want), 1);
			snprintf(want, sizeof(want),
				 " agent level=info msg=attached host=%s guest=web1 uuid=1b4e28ba-2fa1-11d2-883f-0016d3cca427 domid=5",
				 host);
			XT_EQ(lines_with(path, want), 1);
		} else {
			snprintf(want, sizeof(want),
				 "\"type\":\"event\",\"host\":\"%s\",\"guest\":\"web1\",\"uuid\":\"1b4e28ba-2fa1-11d2-883f-0016d3cca427\",\"seq\":",
				 host);
			XT_EQ(lines_with(path, want), 1);
			snprintf(want, sizeof(want),
				 "\"msg\":\"attached\",\"host\":\"%s\",\"guest\":\"web1\",\"uuid\":\"1b4e28ba-2fa1-11d2-883f-0016d3cca427\",\"domid\":5}",
				 host);
			XT_EQ(lines_with(path, want), 1);
		}
	}
	event_log_close(&a.log);
	unlink(path);
	ratelimit_free(&a.rl);
	xenintro_close(&a.x);
	policy_free(&a.pol);
	/* what xenstore holds under vm that is no "/vm/<uuid>" goes nowhere */
	fake_xs_vm = "/vm/1b4e28ba\" forged=1";
	read_identity(&a);
	XT_EQ(a.uuid[0], '\0');
	fake_xs_vm = "/vm/1b4e28ba-2fa1-11d2-883f-0016d3cca427";
}

/* Line @n (from 0) of @path into @buf, or "". */
static const char *line_at(const char *path, int n, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");

	buf[0] = '\0';
	while (f && n-- >= 0 && fgets(buf, (int)len, f))
		;
	if (n >= 0)
		buf[0] = '\0';
	if (f)
		fclose(f);
	return buf;
}

/*
 * dedup: records of a rule that differ only in time and sequence, back
 * to back, are one record and a "repeated N times" summary when the run
 * ends (a different record, DEDUP_QUIET_MS of quiet, exit); a rule
 * without dedup: logs every one; every event is answered.
 */
XT_TEST(dedup_collapses_repeats_into_one_record_and_a_summary)
{
	static const char doc[] =
		"guest: 5\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - {name: probe, event: cpuid, leaf: 1, action: forward, dedup: true}\n"
		"  - {name: plain, event: cpuid, leaf: 2, action: forward}\n";
	char path[] = "/tmp/xi-loop-log-XXXXXX", line[1024];
	struct agent a;

	start(&a, doc, path);
	fake_now = 1000;
	cpuid_events(3, 0);
	cpuid_events(2, 1);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 5);
	XT_EQ(a.ac.verdicts_sent, 5);
	XT_EQ(a.ac.records_deduplicated, 2);
	XT_EQ(lines_with(path, "\"rule\":\"probe\",\"verdict\""), 1);
	XT_EQ(lines_with(path, "\"rule\":\"plain\",\"verdict\""), 2);
	/* the summary right after the record it repeats, before leaf2's */
	XT_EQ(strstr(line_at(path, 0, line, sizeof(line)), "\"rule\":\"probe\",\"verdict\"") != NULL, 1);
	XT_EQ(strstr(line_at(path, 1, line, sizeof(line)),
		     "\"type\":\"dedup\",\"domid\":5,\"rule\":\"probe\",\"repeated\":2,\"msg\":\"repeated 2 times\"") != NULL, 1);
	XT_EQ(strstr(line_at(path, 2, line, sizeof(line)), "\"rule\":\"plain\"") != NULL, 1);
	/* a new run: logged once, its one repeat summed up when quiet */
	fake_now = 2000;
	cpuid_events(2, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 2);
	XT_EQ(lines_with(path, "\"rule\":\"probe\",\"verdict\""), 2);
	XT_EQ(dedup_next_ms(&a.dd), 2000 + DEDUP_QUIET_MS);
	dedup_flush(&a.dd, 2000 + DEDUP_QUIET_MS - 1, false, &a.log);
	XT_EQ(lines_with(path, "\"type\":\"dedup\""), 1);
	dedup_flush(&a.dd, 2000 + DEDUP_QUIET_MS, false, &a.log);
	XT_EQ(lines_with(path, "\"repeated\":1,\"msg\":\"repeated 1 time\""), 1);
	XT_EQ(a.ac.records_deduplicated, 3);
	/* after the run, the same record is logged again */
	cpuid_events(1, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 1);
	XT_EQ(lines_with(path, "\"rule\":\"probe\",\"verdict\""), 3);
	dedup_flush(&a.dd, 4000, true, &a.log);
	XT_EQ(lines_with(path, "\"type\":\"dedup\""), 2);
	event_log_close(&a.log);
	unlink(path);
	dedup_free(&a.dd);
	ratelimit_free(&a.rl);
	xenintro_close(&a.x);
	policy_free(&a.pol);
}

/* The agent's actions, wired as main() wires them. */
static void start_actions(struct agent *a)
{
	a->act.x = &a->x;
	a->act.log = &a->log;
	a->act.clock_ms = fake_clock_ms;
	XT_EQ(actions_init(&a->act, &a->pol), 0);
}

static void stop(struct agent *a, char *path)
{
	actions_finish(&a->act);
	event_log_close(&a->log);
	unlink(path);
	ratelimit_free(&a->rl);
	xenintro_close(&a->x);
	policy_free(&a->pol);
}

/*
 * pause: one pause of the domain held however many events ask for it,
 * ended by its timer, by the resume signal's call, or at exit; the
 * forwarded event still gets its verdict.
 */
XT_TEST(pause_action_holds_one_pause_and_always_resumes)
{
	static const char doc[] =
		"guest: 5\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - {name: timed, event: cpuid, leaf: 1, action: forward, actions: {pause: {seconds: 5}}}\n"
		"  - {name: held, event: cpuid, leaf: 2, action: forward, actions: {pause: true}}\n";
	char path[] = "/tmp/xi-loop-log-XXXXXX";
	struct agent a;

	start(&a, doc, path);
	start_actions(&a);
	fake_now = 1000;
	cpuid_events(2, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 2);
	XT_EQ(fk.paused, 1);
	XT_EQ(a.act.n.pauses, 1);
	XT_EQ(a.act.n.pauses_held, 1);
	XT_EQ(actions_next_ms(&a.act), 6000);
	XT_EQ(lines_with(path, "\"type\":\"action\",\"rule\":\"timed\",\"action\":\"pause\",\"result\":\"paused\",\"seconds\":5,"), 1);
	actions_tick(&a.act, 5999);
	XT_EQ(fk.paused, 1);
	actions_tick(&a.act, 6000);
	XT_EQ(fk.paused, 0);
	XT_EQ(a.act.n.resumes, 1);
	XT_EQ(lines_with(path, "\"action\":\"resume\",\"result\":\"resumed\",\"by\":\"timer\""), 1);
	/* until resumed: no timer; a timed pause then does not shorten it */
	cpuid_events(1, 1);
	cpuid_events(1, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 2);
	XT_EQ(fk.paused, 1);
	XT_EQ(actions_next_ms(&a.act), INT64_MAX);
	actions_resume(&a.act, "signal");
	XT_EQ(fk.paused, 0);
	/* at exit the agent resumes what it paused */
	cpuid_events(1, 1);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 1);
	XT_EQ(fk.paused, 1);
	actions_finish(&a.act);
	XT_EQ(fk.paused, 0);
	XT_EQ(a.act.n.pauses, 3);
	XT_EQ(a.act.n.resumes, 3);
	XT_EQ(lines_with(path, "\"by\":\"exit\""), 1);
	stop(&a, path);
}

/*
 * when: on notify copies: the events it passes over get no record and
 * no action, and are counted; the kernel's verdict is not the agent's.
 */
XT_TEST(when_picks_records_and_actions_of_notify_copies)
{
	static const char doc[] =
		"guest: 5\n"
		"monitors: {cr3: true}\n"
		"rules:\n"
		"  - name: user-switch\n"
		"    event: cr\n"
		"    cr: cr3\n"
		"    action: continue\n"
		"    notify: true\n"
		"    when: {cpl: 3, cr3: {first: 0x10000, last: 0x1ffff}}\n"
		"    actions: {pause: true}\n";
	char path[] = "/tmp/xi-loop-log-XXXXXX";
	struct xenintro_event ev;
	struct agent a;
	int i;

	start(&a, doc, path);
	start_actions(&a);
	for (i = 0; i < 4; i++) {
		memset(&ev, 0, sizeof(ev));
		ev.reason = XENINTRO_EVENT_CTRLREG;
		ev.flags = XENINTRO_EF_NOTIFY;
		ev.rule = 0;
		ev.u.ctrlreg.index = XENINTRO_CR3;
		ev.regs.ss.ar = i & 1 ? 0xcf3 : 0xc93;	/* CPL 3 or 0 */
		ev.regs.cr3 = i < 2 ? 0x10000 : 0x20000;
		XT_EQ(fk_produce(&ev), 0);
	}
	XT_EQ(drain(&a, false), 0);
	XT_EQ(lines_with(path, "\"type\":\"event\""), 1);
	XT_EQ(a.act.n.when_unmatched, 3);
	XT_EQ(a.act.n.pauses, 1);
	XT_EQ(fk.paused, 1);
	stop(&a, path);
	XT_EQ(fk.paused, 0);
}

/* Read a whole (small) file into @buf; its length, or -1. */
static ssize_t slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len);
	close(fd);
	return n;
}

/*
 * dump: guest memory to a new 0600 file named by the template; a file
 * that exists is never overwritten; max_files bounds a rule's dumps.
 */
XT_TEST(dump_action_writes_new_private_files_bounded)
{
	static const char tmpl[] =
		"guest: 5\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - name: probe\n"
		"    event: cpuid\n"
		"    leaf: 1\n"
		"    action: forward\n"
		"    actions:\n"
		"      dump: {at: 0x1000, offset: -16, length: 64, physical: true, max_files: 2, file: \"%s/d-{domid}-{rule}-{seq}.bin\"}\n";
	char dir[] = "/tmp/xi-dump-XXXXXX", path[] = "/tmp/xi-loop-log-XXXXXX";
	char doc[1024], file[256], got[128];
	struct stat st;
	struct agent a;
	int i;

	XT_EQ(mkdtemp(dir) != NULL, 1);
	snprintf(doc, sizeof(doc), tmpl, dir);
	start(&a, doc, path);
	start_actions(&a);
	for (i = 0; i < 64; i++)
		fk.gmem[0x1000 - 16 + i] = (unsigned char)(i + 1);
	/* seq 1's file exists already: not overwritten, counted */
	snprintf(file, sizeof(file), "%s/d-5-probe-1.bin", dir);
	XT_EQ(close(open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0644)), 0);
	cpuid_events(4, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 4);
	XT_EQ(a.act.n.dump_failures, 1);
	XT_EQ(a.act.n.dumps, 2);
	XT_EQ(a.act.n.dumps_dropped, 1);
	/* said once when the rule starts dropping; after that only counted */
	cpuid_events(2, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 2);
	XT_EQ(a.act.n.dumps_dropped, 3);
	XT_EQ(lines_with(path, "\"rule\":\"probe\",\"action\":\"dump\",\"result\":\"dropped\",\"reason\":\"max_files\",\"max_files\":2"), 1);
	XT_EQ(lines_with(path, "\"result\":\"failed\",\"at\":\"addr\",\"addr\":\"0x1000\""), 0);
	XT_EQ(lines_with(path, "\"error\":\"File exists\""), 1);
	XT_EQ(stat(file, &st), 0);
	XT_EQ(st.st_size, 0);
	snprintf(file, sizeof(file), "%s/d-5-probe-2.bin", dir);
	XT_EQ(stat(file, &st), 0);
	XT_EQ(st.st_mode & 0777, 0600);
	XT_EQ(slurp(file, got, sizeof(got)), 64);
	XT_EQ(got[0], 1);
	XT_EQ(got[63], 64);
	XT_EQ(lines_with(path, "\"action\":\"dump\",\"result\":\"written\""), 2);
	unlink(file);
	snprintf(file, sizeof(file), "%s/d-5-probe-3.bin", dir);
	XT_EQ(unlink(file), 0);
	snprintf(file, sizeof(file), "%s/d-5-probe-1.bin", dir);
	unlink(file);
	XT_EQ(rmdir(dir), 0);
	stop(&a, path);
}

/* Wait (really) until the agent has collected @n more hooks. */
static int reap_until(struct agent *a, uint64_t done_before, uint64_t n)
{
	int tries;

	for (tries = 0; tries < 500; tries++) {
		actions_reap(&a->act);
		if (a->act.n.hooks_ok + a->act.n.hooks_failed +
		    a->act.n.hooks_timed_out - done_before >= n)
			return 0;
		usleep(10000);
	}
	return -1;
}

/*
 * hook: the record on its stdin and its variables; no shell unless
 * asked; max_running bounds it (the rest dropped, counted); killed at
 * its timeout; a failing hook is counted and said.
 */
XT_TEST(hook_action_gets_the_record_bounded_in_time_and_number)
{
	static const char tmpl[] =
		"guest: 5\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - name: probe\n"
		"    event: cpuid\n"
		"    leaf: 1\n"
		"    action: forward\n"
		"    severity: alert\n"
		"    actions:\n"
		"      hook: {shell: \"cat > %s/in; echo \\\"$XENINTRO_RULE $XENINTRO_DOMID\\\" > %s/env\", max_running: 1}\n"
		"  - name: slow\n"
		"    event: cpuid\n"
		"    leaf: 2\n"
		"    action: forward\n"
		"    actions:\n"
		"      hook: {argv: [/bin/sleep, \"30\"], timeout: 2, max_running: 1}\n"
		"  - name: failing\n"
		"    event: cpuid\n"
		"    leaf: 3\n"
		"    action: forward\n"
		"    actions:\n"
		"      hook: {argv: [/bin/false]}\n";
	char dir[] = "/tmp/xi-hook-XXXXXX", path[] = "/tmp/xi-loop-log-XXXXXX";
	char doc[2048], file[256], got[4096];
	struct agent a;
	ssize_t n;

	XT_EQ(mkdtemp(dir) != NULL, 1);
	snprintf(doc, sizeof(doc), tmpl, dir, dir);
	start(&a, doc, path);
	start_actions(&a);
	a.log.guest = "web1";	/* read_identity()'s, as at attach */
	fake_now = 1000;
	/* two at once: the second is over max_running */
	cpuid_events(2, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 2);
	XT_EQ(a.act.n.hooks_started, 1);
	XT_EQ(a.act.n.hooks_dropped, 1);
	XT_EQ(reap_until(&a, 0, 1), 0);
	XT_EQ(a.act.n.hooks_ok, 1);
	XT_EQ(a.act.nr_runs, 0);
	XT_EQ(lines_with(path, "\"rule\":\"probe\",\"action\":\"hook\",\"result\":\"dropped\",\"reason\":\"max_running\",\"running\":1,\"max_running\":1"), 1);
	/* the rule's next start says how many were dropped before it */
	cpuid_events(1, 0);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 1);
	XT_EQ(reap_until(&a, 1, 1), 0);
	XT_EQ(a.act.n.hooks_ok, 2);
	XT_EQ(lines_with(path, "\"rule\":\"probe\",\"action\":\"hook\",\"result\":\"started\",\"pid\":"), 1);
	XT_EQ(lines_with(path, "\"dropped_before\":1"), 1);
	snprintf(file, sizeof(file), "%s/in", dir);
	n = slurp(file, got, sizeof(got) - 1);
	XT_EQ(n > 0, 1);
	got[n > 0 ? n : 0] = '\0';
	XT_EQ(strstr(got, "\"type\":\"event\"") != NULL, 1);
	XT_EQ(strstr(got, "\"event\":\"cpuid\",\"sync\":true,") != NULL, 1);
	XT_EQ(strstr(got, "\"rule\":\"probe\",\"severity\":\"alert\",\"verdict\":\"continue\",\"cpl\":0") != NULL, 1);
	XT_EQ(strstr(got, "\"guest\":\"web1\"") != NULL, 1);
	XT_EQ(got[n - 1], '\n');
	unlink(file);
	snprintf(file, sizeof(file), "%s/env", dir);
	n = slurp(file, got, sizeof(got) - 1);
	XT_EQ(n, 8);
	XT_EQ(strncmp(got, "probe 5\n", 8), 0);
	unlink(file);
	XT_EQ(rmdir(dir), 0);

	/* the slow one: killed once its 2 s are over */
	cpuid_events(1, 1);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 1);
	XT_EQ(a.act.nr_runs, 1);
	XT_EQ(actions_next_ms(&a.act), 3000);
	actions_tick(&a.act, 2999);
	actions_reap(&a.act);
	XT_EQ(a.act.nr_runs, 1);
	actions_tick(&a.act, 3000);
	XT_EQ(reap_until(&a, 2, 1), 0);
	XT_EQ(a.act.n.hooks_timed_out, 1);
	XT_EQ(lines_with(path, "\"rule\":\"slow\",\"action\":\"hook\",\"result\":\"timed_out\""), 1);

	cpuid_events(1, 2);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 1);
	XT_EQ(reap_until(&a, 3, 1), 0);
	XT_EQ(a.act.n.hooks_failed, 1);
	XT_EQ(lines_with(path, "\"rule\":\"failing\",\"action\":\"hook\",\"result\":\"failed\",\"pid\":"), 1);
	XT_EQ(lines_with(path, "\"status\":1"), 1);

	/* at exit a hook still running is killed, and counted */
	cpuid_events(1, 1);
	XT_EQ(drain(&a, false), 0);
	XT_EQ(consumed(), 1);
	XT_EQ(a.act.nr_runs, 1);
	actions_finish(&a.act);
	XT_EQ(a.act.n.hooks_killed_at_exit, 1);
	stop(&a, path);
}

/* A policy file for --follow (it re-reads the file for the new domain). */
static void follow_start(struct agent *a, const char *doc, char *log,
			 char *pol)
{
	FILE *f;
	int fd;

	fd = mkstemp(pol);
	XT_EQ(fd >= 0, 1);
	f = fdopen(fd, "w");
	fputs(doc, f);
	fclose(f);
	start(a, doc, log);
	a->policy_path = pol;
	a->device = "/dev/null";
	a->ov.format = -1;
	a->ov.stats_interval = -1;
	a->ov.follow = true;
	a->sigfd = -1;
	snprintf(a->guest, sizeof(a->guest), "web1");
	a->log.guest = a->guest;
	setenv("XENINTRO_RUN_DIR", "/tmp", 1);
}

static const char follow_doc[] =
	"guest: web1\n"
	"monitors: {cpuid: true}\n"
	"rules: [{name: leaf1, event: cpuid, leaf: 1, action: forward}]\n"
	"log: {events: [cpuid]}\n";

/*
 * --follow=@secs on web1 (domain 5, xenstore listing dom0 and 5): run it
 * with @events CPUID events queued until its domain dies, and end that
 * session as the agent's loop does.
 */
static void follow_until_death(struct agent *a, char *log, char *pol,
			       int secs, unsigned int events)
{
	memset(a, 0, sizeof(*a));
	follow_start(a, follow_doc, log, pol);
	a->ov.follow_secs = secs;
	fake_xs_domains[0] = "0";
	fake_xs_domains[1] = "5";
	fake_xs_domains[2] = NULL;
	if (events)
		cpuid_events(events, 0);
	fk_set_dead();
	XT_EQ(run(a), EXIT_DOMAIN_DIED);
	XT_EQ(consumed(), events);
	end_session(a, EXIT_DOMAIN_DIED);
	fk_reset();	/* the kernel forgot the dead domain's session */
}

static void follow_end(struct agent *a, const char *log, const char *pol)
{
	event_log_close(&a->log);
	policy_free(&a->pol);
	kenv_free(&a->kenv);
	unlink(log);
	unlink(pol);
}

/*
 * --follow: web1's domain 5 dies (a reboot); xenstore still lists 5
 * (dying) under the same name, and then domain 7, web1 again. The agent
 * must skip 5, attach to 7, log a gap record from 5 to 7, and log the
 * new domain's events under domid 7.
 */
XT_TEST(follow_reattaches_to_the_guests_next_domain_with_a_gap_record)
{
	char path[] = "/tmp/xi-loop-log-XXXXXX", pol[] = "/tmp/xi-loop-pol-XXXXXX";
	struct agent a;

	follow_until_death(&a, path, pol, 5, 1);
	XT_EQ(lines_with(path, "\"rule\":\"leaf1\""), 1);
	/* the new domain, with the dying one still listed under its name */
	fake_xs_domains[2] = "7";
	fake_xs_domains[3] = NULL;
	fake_xs_names[1] = "7=web1";
	XT_EQ(follow_guest(&a), 0);
	XT_EQ(a.domid, 7);
	XT_EQ(a.log.domid, 7);
	XT_EQ(lines_with(path, "\"type\":\"gap\""), 1);
	XT_EQ(lines_with(path, "\"old_domid\":5,"), 1);
	XT_EQ(lines_with(path, "\"new_domid\":7,\"result\":\"re-attached\""), 1);
	XT_EQ(lines_with(path, "\"severity\":\"warning\""), 1);
	XT_EQ(lines_with(path, "re-attached to web1 as domain 7"), 1);
	/* the policy holds on the new domain: its events are answered and logged */
	cpuid_events(2, 0);
	XT_EQ(drain(&a, false), 0);
	/* the new session's sequence starts over: counted, not compared */
	pthread_mutex_lock(&fk.lock);
	fk_consume(NULL, NULL);
	XT_EQ(fk.nlog, 2);
	fk.nlog = 0;
	pthread_mutex_unlock(&fk.lock);
	XT_EQ(a.ac.verdicts_sent, 3);
	XT_EQ(lines_with(path, "\"rule\":\"leaf1\""), 3);
	/* the agent's own records name domain 7 (the fake kernel's events
	 * carry their own domid, 0): attached, the gap, re-attached */
	XT_EQ(lines_with(path, "\"domid\":7"), 3);
	end_session(&a, EXIT_OK);
	fk_reset();
	follow_end(&a, path, pol);
	fake_xs_domains[2] = NULL;
	fake_xs_names[1] = NULL;
}

/*
 * --follow=0: the guest does not come back (shut down for good): the
 * agent gives up with exit 4 and a gap record that says so, with no
 * new domid; the dying domain's own name never counts as its return.
 */
XT_TEST(follow_gives_up_with_exit_4_when_no_domain_comes_back)
{
	char path[] = "/tmp/xi-loop-log-XXXXXX", pol[] = "/tmp/xi-loop-pol-XXXXXX";
	struct agent a;

	follow_until_death(&a, path, pol, 0, 0);
	XT_EQ(follow_guest(&a), EXIT_DOMAIN_DIED);
	XT_EQ(lines_with(path, "\"type\":\"gap\""), 1);
	XT_EQ(lines_with(path, "\"result\":\"gave up\""), 1);
	XT_EQ(lines_with(path, "new_domid"), 0);
	XT_EQ(lines_with(path, "no domain named web1 ran within 0 s (--follow=0)"), 1);
	follow_end(&a, path, pol);
}

/* --watch's list: names matching the pattern, never dom0, with domids. */
XT_TEST(follow_list_matches_names_and_never_dom0)
{
	struct follow_guest g[4];
	struct follow_watch w;
	uint32_t d;

	fake_xs_domains[0] = "0";
	fake_xs_domains[1] = "5";
	fake_xs_domains[2] = "7";
	fake_xs_domains[3] = "9";
	fake_xs_domains[4] = NULL;
	fake_xs_names[1] = "7=web2";
	fake_xs_names[2] = "9=db1";
	fake_xs_names[3] = NULL;
	follow_watch_open(&w);
	XT_EQ(w.watching, 1);
	XT_EQ(follow_list(&w, "web*", g, 4), 2);
	XT_EQ(strcmp(g[0].name, "web1"), 0);
	XT_EQ(g[0].domid, 5);
	XT_EQ(strcmp(g[1].name, "web2"), 0);
	XT_EQ(g[1].domid, 7);
	XT_EQ(follow_list(&w, "*", g, 4), 3);	/* Domain-0 is not one */
	XT_EQ(follow_list(&w, "*", g, 1), 1);	/* bounded by the caller */
	XT_EQ(follow_list(&w, "db[0-9]", g, 4), 1);
	XT_EQ(follow_find(&w, "web2", 0, &d), 0);
	XT_EQ(d, 7);
	XT_EQ(follow_find(&w, "web2", 7, &d), -ENOENT);
	XT_EQ(follow_find(&w, "Domain-0", 0, &d), -ENOENT);
	/* a watch event wakes the wait up, and is consumed */
	XT_EQ(write(fake_xs_pipe[1], "x", 1), 1);
	XT_EQ(follow_watch_wait(&w, -1, 50), 0);
	follow_watch_close(&w);
	fake_xs_domains[2] = NULL;
	fake_xs_names[1] = NULL;
}
