// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: xenintro's trace events (kmod/xenintro_trace.h) through
 * tracefs, on the simulated hypervisor.
 *
 * events: every event exists under /sys/kernel/tracing/events/xenintro/;
 *   enabled, one attach, three CPUIDs (one a kernel rule answers, one the
 *   agent answers, one nobody answers until the deadline) and a detach
 *   leave exactly the lines they should, with the right fields: domain,
 *   vCPU, reason, rule and action, sequence numbers matching the agent's
 *   events, the verdict, a latency and a deadline wait that are real.
 * drain_budget: with the budget set to 2, a storm's requests are all
 *   answered (the storm's own count), and the drain lines show chunks of
 *   at most 2 adding up to every request; an impossible budget is refused.
 * irq_budget: CPUIDs one at a time (a guest at an ordinary pace) are all
 *   answered in the interrupt, no chunk in the worker; with irq_budget=0
 *   every chunk is the worker's; a storm spends the allowance of a tick
 *   (at most irq_budget requests in the interrupts of one CPU per jiffy)
 *   and the worker takes the rest.
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "kselftest_harness.h"
#include "xi_sim.h"

#define TRACEFS		"/sys/kernel/tracing"
#define XI_EVENTS	TRACEFS "/events/xenintro"
#define BUDGET_PARAM	"/sys/module/xenintro/parameters/drain_budget"
#define IRQ_BUDGET	"/sys/module/xenintro/parameters/irq_budget"
#define DEADLINE_MS	300
#define WAIT_MS		10000
#define NO_RULE		4294967295ULL

static const char * const xi_events[] = {
	"xenintro_event_received", "xenintro_event_decided",
	"xenintro_event_forwarded", "xenintro_event_answered",
	"xenintro_deadline_expired", "xenintro_drain",
	"xenintro_attach", "xenintro_detach",
};

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, s, strlen(s));
	close(fd);
	return n < 0 ? -errno : 0;
}

/* tracefs where it belongs; mounted if the kernel has it and nobody did. */
static bool have_tracefs(void)
{
	if (!access(TRACEFS "/trace", F_OK))
		return true;
	mount("tracefs", TRACEFS, "tracefs", 0, NULL);
	return !access(TRACEFS "/trace", F_OK);
}

/* The whole trace buffer as one string (caller frees). */
static char *read_trace(void)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = malloc(cap);
	ssize_t n;
	int fd;

	fd = open(TRACEFS "/trace", O_RDONLY | O_CLOEXEC);
	if (fd < 0 || !buf) {
		free(buf);
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	while ((n = read(fd, buf + len, cap - len - 1)) > 0) {
		len += n;
		if (len + 1 == cap) {
			char *p = realloc(buf, cap *= 2);

			if (!p)
				break;
			buf = p;
		}
	}
	buf[len] = '\0';
	close(fd);
	return buf;
}

/*
 * The lines of event @name for domain @domid, in order: their payload
 * (what follows "name: ") into @out[0..max), returning how many.
 */
static int trace_lines(const char *trace, const char *name,
		       unsigned int domid, char out[][256], int max)
{
	char tag[64], dom[32];
	const char *p = trace;
	int n = 0;

	snprintf(tag, sizeof(tag), " %s: ", name);
	snprintf(dom, sizeof(dom), "dom=%u ", domid);
	while ((p = strstr(p, tag))) {
		const char *payload = p + strlen(tag);
		size_t len = strcspn(payload, "\n");

		p = payload + len;
		if (strncmp(payload, dom, strlen(dom)))
			continue;
		if (n < max)
			snprintf(out[n], 256, "%.*s ", (int)len, payload);
		n++;
	}
	return n;
}

static int start_tracing(void)
{
	int ret;

	ret = write_str(TRACEFS "/trace", "");
	if (!ret)
		ret = write_str(XI_EVENTS "/enable", "1");
	if (!ret)
		ret = write_str(TRACEFS "/tracing_on", "1");
	return ret;
}

static void stop_tracing(void)
{
	write_str(XI_EVENTS "/enable", "0");
}

FIXTURE(trace) {
	unsigned int domid;
	bool traced;
};

FIXTURE_SETUP(trace)
{
	self->domid = sim_test_domid();
	self->traced = false;
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	if (!have_tracefs())
		SKIP(return, "no tracefs (kernel without CONFIG_EVENT_TRACING)");
	ASSERT_EQ(0, sim_fresh_domain(self->domid, 4, 16));
}

FIXTURE_TEARDOWN(trace)
{
	if (self->traced)
		stop_tracing();
	sim("destroy domid=%u", self->domid);
}

/* A module parameter's value into @buf (to put back); its length or -1. */
static ssize_t read_param(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return n;
}

static int cpuid_rule(struct xenintro *x, __u64 leaf)
{
	struct xenintro_rule rule = {
		.event = XENINTRO_EVENT_CPUID,
		.action = XENINTRO_VERDICT_CONTINUE,
		/* every subleaf of @leaf: the key is leaf:subleaf */
		.first = XENINTRO_CPUID_KEY(leaf, 0),
		.last = XENINTRO_CPUID_KEY(leaf, 0xffffffff),
	};

	return xenintro_set_rules(x, &rule, 1, NULL, NULL);
}

TEST_F(trace, events)
{
	struct xenintro_attach a = { .event_entries = 64, .verdict_entries = 64,
				     .deadline_ms = DEADLINE_MS };
	const struct xenintro_event *ev;
	static char lines[8][256];
	__u64 seq_answered, seq_late;
	struct xenintro x;
	struct vcpu_op op;
	char res[512], path[128];
	char *trace;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(xi_events); i++) {
		snprintf(path, sizeof(path), XI_EVENTS "/%s/format",
			 xi_events[i]);
		EXPECT_EQ(0, access(path, R_OK)) {
			TH_LOG("%s: %s", path, strerror(errno));
		}
	}
	ASSERT_EQ(0, start_tracing());
	self->traced = true;

	ASSERT_EQ(0, xenintro_open(&x, XENINTRO_FEATURE_RULES, 0));
	ASSERT_EQ(0, xenintro_attach(&x, self->domid, &a));
	ASSERT_EQ(0, xenintro_monitor_cpuid(&x, 0));
	ASSERT_EQ(0, cpuid_rule(&x, 0x100));

	/* 1: the rule answers it in the kernel. */
	ASSERT_EQ(0, sim_cmd(res, sizeof(res),
			     "cpuid domid=%u vcpu=0 leaf=0x100", self->domid));
	/* 2: forwarded, and the agent answers. */
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=1 leaf=0x1",
				self->domid));
	ev = next_event(&x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	seq_answered = ev->seq;
	usleep(10000);	/* a latency to see */
	/* xenintro_submit(): the number of verdicts taken, or -errno */
	ASSERT_LE(0, answer(&x, ev, XENINTRO_VERDICT_CONTINUE));
	ASSERT_EQ(0, vcpu_join_ms(&op, WAIT_MS));
	/* 3: forwarded, never answered: the deadline does. */
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=2 leaf=0x2",
				self->domid));
	ev = next_event(&x, WAIT_MS);
	ASSERT_NE(NULL, ev);
	seq_late = ev->seq;
	ASSERT_EQ(0, vcpu_join_ms(&op, WAIT_MS));
	xenintro_event_advance(&x, 1);
	ASSERT_EQ(0, xenintro_close(&x));
	stop_tracing();
	self->traced = false;

	trace = read_trace();
	ASSERT_NE(NULL, trace);

	ASSERT_EQ(1, trace_lines(trace, "xenintro_attach", self->domid,
				 lines, 8));
	EXPECT_EQ(4, kv_num(lines[0], "vcpus"));
	EXPECT_EQ(XENINTRO_FEATURE_RULES,
		  kv_num(lines[0], "features") & XENINTRO_FEATURE_RULES);

	ASSERT_EQ(3, trace_lines(trace, "xenintro_event_received",
				 self->domid, lines, 8));
	for (i = 0; i < 3; i++) {
		EXPECT_EQ(i, kv_num(lines[i], "vcpu"));
		EXPECT_EQ(XENINTRO_EVENT_CPUID, kv_num(lines[i], "reason"));
		/* VCPU_PAUSED: a synchronous event */
		EXPECT_EQ(1, kv_num(lines[i], "flags") & 1);
	}

	ASSERT_EQ(1, trace_lines(trace, "xenintro_event_decided", self->domid,
				 lines, 8));
	EXPECT_EQ(0, kv_num(lines[0], "vcpu"));
	EXPECT_EQ(0, kv_num(lines[0], "rule"));
	EXPECT_EQ(XENINTRO_VERDICT_CONTINUE, kv_num(lines[0], "action"));
	EXPECT_EQ(0, kv_num(lines[0], "notify"));

	ASSERT_EQ(2, trace_lines(trace, "xenintro_event_forwarded",
				 self->domid, lines, 8));
	EXPECT_EQ(1, kv_num(lines[0], "vcpu"));
	EXPECT_EQ(seq_answered, kv_num(lines[0], "seq"));
	EXPECT_EQ(2, kv_num(lines[1], "vcpu"));
	EXPECT_EQ(seq_late, kv_num(lines[1], "seq"));
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(NO_RULE, kv_num(lines[i], "rule"));
		EXPECT_EQ(1, kv_num(lines[i], "sync"));
	}

	ASSERT_EQ(1, trace_lines(trace, "xenintro_event_answered",
				 self->domid, lines, 8));
	EXPECT_EQ(1, kv_num(lines[0], "vcpu"));
	EXPECT_EQ(seq_answered, kv_num(lines[0], "seq"));
	EXPECT_EQ(XENINTRO_VERDICT_CONTINUE, kv_num(lines[0], "verdict"));
	EXPECT_LE(10 * 1000000LL, kv_num(lines[0], "latency_ns"));
	EXPECT_GT(WAIT_MS * 1000000LL, kv_num(lines[0], "latency_ns"));

	ASSERT_EQ(1, trace_lines(trace, "xenintro_deadline_expired",
				 self->domid, lines, 8));
	EXPECT_EQ(2, kv_num(lines[0], "vcpu"));
	EXPECT_EQ(seq_late, kv_num(lines[0], "seq"));
	/* a jiffy of slack below the deadline */
	EXPECT_LE((DEADLINE_MS - 20) * 1000000LL,
		  kv_num(lines[0], "waited_ns"));

	/* Every request went through a bounded drain. */
	{
		static char drains[64][256];
		long long sum = 0;
		int nd = trace_lines(trace, "xenintro_drain", self->domid,
				     drains, 64);

		ASSERT_GE(nd, 1);
		ASSERT_LE(nd, 64);
		for (i = 0; i < (unsigned int)nd; i++) {
			EXPECT_LE(kv_num(drains[i], "requests"),
				  kv_num(drains[i], "budget"));
			sum += kv_num(drains[i], "requests");
		}
		EXPECT_EQ(3, sum);
	}

	ASSERT_EQ(1, trace_lines(trace, "xenintro_detach", self->domid,
				 lines, 8));
	EXPECT_EQ(0, kv_num(lines[0], "dead"));
	free(trace);
}

/*
 * Attach @x to @domid with CPUID monitored and every CPUID answered by a
 * kernel rule (CONTINUE), so that drains are all the trace shows. 0 or
 * -errno.
 */
static int attach_answering_cpuid(struct xenintro *x, unsigned int domid)
{
	struct xenintro_attach a = { .event_entries = 64,
				     .verdict_entries = 64 };
	struct xenintro_rule rule = {
		.event = XENINTRO_EVENT_CPUID,
		.action = XENINTRO_VERDICT_CONTINUE,
		.last = ~0ULL,
	};
	int ret;

	ret = xenintro_open(x, XENINTRO_FEATURE_RULES, 0);
	if (ret)
		return ret;
	ret = xenintro_attach(x, domid, &a);
	if (!ret)
		ret = xenintro_monitor_cpuid(x, 0);
	if (!ret)
		ret = xenintro_set_rules(x, &rule, 1, NULL, NULL);
	if (ret)
		xenintro_close(x);
	return ret;
}

TEST_F(trace, drain_budget)
{
	static char drains[4096][256];
	const int events = 400;
	char res[512], old[32] = "";
	long long sum = 0, most = 0;
	struct xenintro x;
	int nd, i;
	char *trace;

	ASSERT_LT(0, read_param(BUDGET_PARAM, old, sizeof(old)));
	EXPECT_EQ(-EINVAL, write_str(BUDGET_PARAM, "0"));
	EXPECT_EQ(-EINVAL, write_str(BUDGET_PARAM, "5000"));
	ASSERT_EQ(0, write_str(BUDGET_PARAM, "2"));

	ASSERT_EQ(0, start_tracing());
	self->traced = true;
	ASSERT_EQ(0, attach_answering_cpuid(&x, self->domid));
	EXPECT_EQ(0, sim_cmd(res, sizeof(res),
			     "storm domid=%u events=%d threads=4 kind=cpuid",
			     self->domid, events)) {
		TH_LOG("%s", res);
	}
	xenintro_close(&x);
	stop_tracing();
	self->traced = false;
	write_str(BUDGET_PARAM, old);

	/* Nothing lost: every instruction of the storm was answered. */
	EXPECT_EQ(events, kv_num(res, "ops"));
	trace = read_trace();
	ASSERT_NE(NULL, trace);
	nd = trace_lines(trace, "xenintro_drain", self->domid, drains, 4096);
	ASSERT_GE(nd, events / 2);
	ASSERT_LE(nd, 4096);
	for (i = 0; i < nd; i++) {
		/* in the interrupt, what is left of the allowance may be less */
		EXPECT_LE(kv_num(drains[i], "budget"), 2);
		EXPECT_LE(kv_num(drains[i], "requests"),
			  kv_num(drains[i], "budget"));
		if (kv_num(drains[i], "requests") > most)
			most = kv_num(drains[i], "requests");
		sum += kv_num(drains[i], "requests");
	}
	EXPECT_LE(most, 2);
	EXPECT_EQ(events, sum);
	EXPECT_EQ(events, trace_lines(trace, "xenintro_event_received",
				      self->domid, drains, 0));
	TH_LOG("%d drains, %lld requests, at most %lld a drain", nd, sum,
	       most);
	free(trace);
}

/* Run @n CPUIDs one after the other on vCPU 0 (each answered first). */
static int cpuids_one_by_one(unsigned int domid, int n)
{
	char res[512];
	int i, ret;

	for (i = 0; i < n; i++) {
		ret = sim_cmd(res, sizeof(res),
			      "cpuid domid=%u vcpu=0 leaf=0x%x", domid, 0x100 + i);
		if (ret)
			return ret;
	}
	return 0;
}

/* How many of @nd drain lines ran in the interrupt (irq=1). */
static int irq_chunks(char drains[][256], int nd, long long *requests)
{
	int i, n = 0;

	*requests = 0;
	for (i = 0; i < nd; i++) {
		*requests += kv_num(drains[i], "requests");
		n += kv_num(drains[i], "irq") == 1;
	}
	return n;
}

TEST_F(trace, irq_budget)
{
	static char drains[4096][256];
	const int calm = 50, events = 2000;
	char res[512], old[32] = "";
	long long reqs;
	struct xenintro x;
	int nd, in_irq;
	char *trace;

	ASSERT_LT(0, read_param(IRQ_BUDGET, old, sizeof(old)));
	EXPECT_EQ(-EINVAL, write_str(IRQ_BUDGET, "5000"));
	ASSERT_EQ(0, attach_answering_cpuid(&x, self->domid));
	self->traced = true;

	/* A calm guest: every request answered in its interrupt. */
	ASSERT_EQ(0, write_str(IRQ_BUDGET, "1024"));
	ASSERT_EQ(0, start_tracing());
	EXPECT_EQ(0, cpuids_one_by_one(self->domid, calm));
	stop_tracing();
	trace = read_trace();
	ASSERT_NE(NULL, trace);
	nd = trace_lines(trace, "xenintro_drain", self->domid, drains, 4096);
	in_irq = irq_chunks(drains, nd, &reqs);
	EXPECT_EQ(calm, reqs);
	EXPECT_EQ(nd, in_irq) TH_LOG("%d of %d chunks in the interrupt", in_irq, nd);
	free(trace);

	/* irq_budget=0: every chunk is the worker's. */
	ASSERT_EQ(0, write_str(IRQ_BUDGET, "0"));
	ASSERT_EQ(0, start_tracing());
	EXPECT_EQ(0, cpuids_one_by_one(self->domid, calm));
	stop_tracing();
	trace = read_trace();
	ASSERT_NE(NULL, trace);
	nd = trace_lines(trace, "xenintro_drain", self->domid, drains, 4096);
	EXPECT_EQ(0, irq_chunks(drains, nd, &reqs));
	EXPECT_EQ(calm, reqs);
	free(trace);

	/*
	 * A storm with an allowance of 1 a jiffy: at most one request per
	 * tick and CPU in the interrupt, the worker takes the rest, none
	 * is lost.
	 */
	ASSERT_EQ(0, write_str(IRQ_BUDGET, "1"));
	ASSERT_EQ(0, start_tracing());
	EXPECT_EQ(0, sim_cmd(res, sizeof(res),
			     "storm domid=%u events=%d threads=4 kind=cpuid",
			     self->domid, events)) {
		TH_LOG("%s", res);
	}
	stop_tracing();
	self->traced = false;
	write_str(IRQ_BUDGET, old);
	xenintro_close(&x);
	EXPECT_EQ(events, kv_num(res, "ops"));
	trace = read_trace();
	ASSERT_NE(NULL, trace);
	nd = trace_lines(trace, "xenintro_drain", self->domid, drains, 4096);
	ASSERT_LE(nd, 4096);
	in_irq = irq_chunks(drains, nd, &reqs);
	EXPECT_EQ(events, reqs);
	EXPECT_LT(in_irq, nd);
	TH_LOG("storm: %d chunks, %d in the interrupt, %lld requests", nd,
	       in_irq, reqs);
	free(trace);
}

TEST_HARNESS_MAIN
