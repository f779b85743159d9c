// SPDX-License-Identifier: GPL-2.0
/*
 * sim_bench: events through the agent path on the simulated hypervisor.
 *
 * For each agent batch size, a storm of CPUID events from one kernel
 * thread per vCPU; this process is the agent: it reads up to <batch>
 * events, writes their verdicts and kicks once per batch. The simulator
 * measures each event from request placed to response applied.
 * Batch 0 means "kernel verdict": a rule answers every CPUID in the
 * kernel (CONTINUE) and nothing reaches this process.
 *
 *   sim_bench [events] [threads] [batch ...]
 *
 * Prints one line per batch size:
 *   bench sim-forward batch=B events=N threads=T eps=... p50_ns=... p99_ns=...
 *   bench sim-kernel events=N threads=T eps=... p50_ns=... p99_ns=...
 */
#define _GNU_SOURCE
#include <sys/ioctl.h>
#include <linux/xenintro.h>

#include "../selftests/xi_sim.h"

struct storm_arg {
	unsigned int domid;
	int events, threads;
	char result[512];
	int ret;
	volatile int done;
};

static void *storm_thread(void *arg)
{
	struct storm_arg *s = arg;

	s->ret = sim_cmd(s->result, sizeof(s->result),
			 "storm domid=%u events=%d threads=%d kind=cpuid",
			 s->domid, s->events, s->threads);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The agent loop: no syscall while events keep coming, one kick a batch. */
static long agent_loop(struct xenintro *x, struct storm_arg *s,
		       unsigned int batch)
{
	const struct xenintro_event *evs[256];
	long handled = 0;
	int n, i;

	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) ||
	       xenintro_events_ready(x) > 0) {
		n = xenintro_peek_batch(x, evs, batch);
		if (n <= 0) {
			if (n < 0)
				return n;
			xenintro_wait(x, 20);
			continue;
		}
		for (i = 0; i < n; i++) {
			struct xenintro_verdict *v;

			while (!(v = xenintro_verdict_for(x, evs[i],
						XENINTRO_VERDICT_CONTINUE)))
				xenintro_submit(x);
		}
		xenintro_event_advance(x, n);
		xenintro_submit(x);
		handled += n;
	}
	return handled;
}

/* One rule: every CPUID leaf is answered in the kernel. */
static int install_cpuid_rule(struct xenintro *x)
{
	struct xenintro_rule rule = {
		.event = XENINTRO_EVENT_CPUID,
		.action = XENINTRO_VERDICT_CONTINUE,
		.last = ~0ULL,
	};
	struct xenintro_rules r = {
		.size = sizeof(r),
		.nr = 1,
		.rule_size = sizeof(rule),
		.rules = (uintptr_t)&rule,
	};

	return ioctl(xenintro_fd(x), XENINTRO_IOC_SET_RULES, &r) ? -1 : 0;
}

static int run_one(unsigned int domid, int events, int threads,
		   unsigned int batch)
{
	struct storm_arg s = { .domid = domid, .events = events,
			       .threads = threads };
	struct xenintro_attach a = { .event_entries = 1024,
				     .verdict_entries = 1024 };
	struct xenintro x;
	long long t0, t1;
	pthread_t th;
	long handled;
	char eps[32], p50[32], p99[32];

	sim("destroy domid=%u", domid);
	if (sim("create domid=%u vcpus=%d frames=16", domid, threads))
		return -1;
	if (xenintro_open(&x, batch ? 0 : XENINTRO_FEATURE_RULES, 0) ||
	    xenintro_attach(&x, domid, &a) || xenintro_monitor_cpuid(&x, 0) ||
	    (!batch && install_cpuid_rule(&x))) {
		fprintf(stderr, "sim_bench: cannot attach\n");
		return -1;
	}
	t0 = now_ms();
	pthread_create(&th, NULL, storm_thread, &s);
	handled = agent_loop(&x, &s, batch);
	pthread_join(th, NULL);
	t1 = now_ms();
	xenintro_close(&x);
	sim("destroy domid=%u", domid);
	if (s.ret) {
		fprintf(stderr, "sim_bench: storm failed: %s\n", s.result);
		return -1;
	}
	kv_str(s.result, "events_per_s", eps, sizeof(eps));
	kv_str(s.result, "lat_median_ns", p50, sizeof(p50));
	kv_str(s.result, "lat_p99_ns", p99, sizeof(p99));
	if (batch)
		printf("bench sim-forward batch=%u events=%ld threads=%d wall_ms=%lld eps=%s p50_ns=%s p99_ns=%s\n",
		       batch, handled, threads, t1 - t0, eps, p50, p99);
	else
		printf("bench sim-kernel events=%d threads=%d wall_ms=%lld eps=%s p50_ns=%s p99_ns=%s forwarded=%ld\n",
		       events, threads, t1 - t0, eps, p50, p99, handled);
	printf("bench sim raw: %s\n", s.result);
	return 0;
}

int main(int argc, char **argv)
{
	int events = argc > 1 ? atoi(argv[1]) : 20000;
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	int i, ret = 0;

	if (access(SIM_CTL, F_OK)) {
		fprintf(stderr, "sim_bench: xenintro_sim is not loaded\n");
		return 2;
	}
	if (argc <= 3) {
		ret |= run_one(4000, events, threads, 1);
		ret |= run_one(4001, events, threads, 64);
		ret |= run_one(4002, events, threads, 0);
	}
	for (i = 3; i < argc; i++)
		ret |= run_one(4000 + i, events, threads, atoi(argv[i]));
	return ret ? 1 : 0;
}
