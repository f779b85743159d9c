// SPDX-License-Identifier: GPL-2.0
/*
 * storm_bench: can a guest that raises events as fast as it can starve
 * dom0? On the simulated hypervisor, for a CPUID storm and a CR3 storm,
 * answered in the kernel by a rule and answered by an agent (this
 * process, batch 64), and with no storm at all for reference.
 *
 * The layout models Xen: kicks interrupt CPU 0 (xenintro_sim's kick_cpu,
 * as Xen binds the event channel to dom0's vCPU0); the guest's vCPUs
 * (the storm's kernel threads) and the agent run on CPU 1. On CPU 0 runs
 * the dom0 process being measured: a spinner (its CPU share: thread CPU
 * time over wall time) and a 1 ms timerfd loop (its wakeup latency: how
 * late each expiry is read). CPU 0's split between user, system, hard
 * and soft IRQ comes from /proc/stat over the same window.
 *
 *   storm_bench [events] [threads]
 *
 * One line per case:
 *   bench storm kind=K answer=A events=N elapsed_ms=.. eps=..
 *     victim_cpu_pct=.. cpu0_user_pct=.. cpu0_sys_pct=.. cpu0_irq_pct=..
 *     cpu0_softirq_pct=.. wake_p50_us=.. wake_p99_us=.. wake_max_us=..
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>
#include <linux/xenintro.h>

#include "../selftests/xi_sim.h"

#define KICK_CPU_PARAM	"/sys/module/xenintro_sim/parameters/kick_cpu"
#define MAX_SAMPLES	200000
#define IDLE_MS		3000

struct cpu_times {
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
};

struct victim {
	volatile int stop;
	double spin_cpu_s;		/* spinner's CPU time in the window */
	long long *lat_ns;
	int n;
	pthread_t spin, timer;
};

struct storm {
	unsigned int domid;
	int events, threads;
	const char *kind;
	char result[512];
	int ret;
	volatile int done;
};

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static int write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");
	int ret;

	if (!f)
		return -1;
	ret = fputs(s, f) < 0 ? -1 : 0;
	return fclose(f) ? -1 : ret;
}

static int read_cpu0(struct cpu_times *t)
{
	char line[256];
	FILE *f = fopen("/proc/stat", "r");
	int ret = -1;

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "cpu0 ", 5))
			continue;
		if (sscanf(line + 5, "%llu %llu %llu %llu %llu %llu %llu %llu",
			   &t->user, &t->nice, &t->sys, &t->idle, &t->iowait,
			   &t->irq, &t->softirq, &t->steal) == 8)
			ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

static double thread_cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *spin_fn(void *arg)
{
	struct victim *v = arg;
	double start;

	pin(0);
	start = thread_cpu_s();
	while (!v->stop)
		;
	v->spin_cpu_s = thread_cpu_s() - start;
	return NULL;
}

static long long ts_ns(const struct timespec *ts)
{
	return ts->tv_sec * 1000000000LL + ts->tv_nsec;
}

/* A 1 ms periodic timer: how late is each expiry seen? */
static void *timer_fn(void *arg)
{
	struct itimerspec its = { .it_interval.tv_nsec = 1000000,
				  .it_value.tv_nsec = 1000000 };
	struct victim *v = arg;
	long long start, due;
	unsigned long long exp, total = 0;
	struct timespec now;
	int fd;

	pin(0);
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (fd < 0)
		return NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	start = ts_ns(&now);
	timerfd_settime(fd, 0, &its, NULL);
	while (!v->stop && v->n < MAX_SAMPLES) {
		if (read(fd, &exp, sizeof(exp)) != sizeof(exp))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		total += exp;
		due = start + (long long)total * 1000000LL;
		v->lat_ns[v->n++] = ts_ns(&now) - due;
	}
	close(fd);
	return NULL;
}

static void *storm_fn(void *arg)
{
	struct storm *s = arg;

	pin(1);
	s->ret = sim_cmd(s->result, sizeof(s->result),
			 "storm domid=%u events=%d threads=%d kind=%s",
			 s->domid, s->events, s->threads, s->kind);
	__atomic_store_n(&s->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

/* The guest's vCPUs run on CPU 1: move the storm's threads there. */
static void pin_storm_threads(void)
{
	char path[300], comm[32];
	struct dirent *de;
	cpu_set_t set;
	DIR *d;
	FILE *f;

	CPU_ZERO(&set);
	CPU_SET(1, &set);
	d = opendir("/proc");
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "xisim-storm/", 12))
			sched_setaffinity(atoi(de->d_name), sizeof(set), &set);
		fclose(f);
	}
	closedir(d);
}

static long agent_loop(struct xenintro *x, struct storm *s)
{
	const struct xenintro_event *evs[64];
	long handled = 0;
	int n, i;

	while (!__atomic_load_n(&s->done, __ATOMIC_ACQUIRE) ||
	       xenintro_events_ready(x) > 0) {
		n = xenintro_peek_batch(x, evs, 64);
		if (n <= 0) {
			if (n < 0)
				return n;
			xenintro_wait(x, 20);
			pin_storm_threads();
			continue;
		}
		for (i = 0; i < n; i++)
			while (!xenintro_verdict_for(x, evs[i],
						     XENINTRO_VERDICT_CONTINUE))
				xenintro_submit(x);
		xenintro_event_advance(x, n);
		xenintro_submit(x);
		handled += n;
	}
	return handled;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static long long pct_ll(long long *v, int n, int pct)
{
	int rank = (n * pct + 99) / 100;

	return n ? v[rank ? rank - 1 : 0] : 0;
}

static int install_rule(struct xenintro *x, bool cpuid)
{
	struct xenintro_rule rule = {
		.event = cpuid ? XENINTRO_EVENT_CPUID : XENINTRO_EVENT_CTRLREG,
		.action = XENINTRO_VERDICT_CONTINUE,
		.first = cpuid ? 0 : XENINTRO_CR3,
		.last = cpuid ? ~0ULL : XENINTRO_CR3,
	};

	return xenintro_set_rules(x, &rule, 1, NULL, NULL);
}

/* kind NULL: no storm, IDLE_MS of the victim alone. */
static int run_case(unsigned int domid, const char *kind, bool kernel,
		    int events, int threads)
{
	struct xenintro_attach a = { .event_entries = 1024,
				     .verdict_entries = 1024 };
	struct storm s = { .domid = domid, .events = events,
			   .threads = threads, .kind = kind };
	struct victim v = { 0 };
	struct cpu_times t0, t1;
	unsigned long long total;
	long long w0, w1;
	struct xenintro x;
	pthread_t th;
	bool cpuid = kind && !strcmp(kind, "cpuid");
	char eps[32] = "0";
	double wall_s;

	v.lat_ns = calloc(MAX_SAMPLES, sizeof(*v.lat_ns));
	if (!v.lat_ns)
		return -1;
	if (kind) {
		sim("destroy domid=%u", domid);
		if (sim("create domid=%u vcpus=%d frames=16", domid, threads))
			return -1;
		if (xenintro_open(&x, XENINTRO_FEATURE_RULES, 0) ||
		    xenintro_attach(&x, domid, &a) ||
		    (cpuid ? xenintro_monitor_cpuid(&x, 0) :
			     xenintro_monitor_cr(&x, XENINTRO_CR3,
						 XENINTRO_MON_SYNC, 0)) ||
		    (kernel && install_rule(&x, cpuid))) {
			fprintf(stderr, "storm_bench: cannot attach\n");
			return -1;
		}
	}
	pthread_create(&v.spin, NULL, spin_fn, &v);
	pthread_create(&v.timer, NULL, timer_fn, &v);
	usleep(100000);		/* both running, on CPU 0 */
	v.n = 0;
	read_cpu0(&t0);
	w0 = now_ms();
	if (kind) {
		pthread_create(&th, NULL, storm_fn, &s);
		usleep(20000);
		pin_storm_threads();
		if (kernel) {
			while (!__atomic_load_n(&s.done, __ATOMIC_ACQUIRE)) {
				usleep(50000);
				pin_storm_threads();
			}
		} else {
			agent_loop(&x, &s);
		}
		pthread_join(th, NULL);
	} else {
		usleep(IDLE_MS * 1000);
	}
	w1 = now_ms();
	read_cpu0(&t1);
	v.stop = 1;
	pthread_join(v.spin, NULL);
	pthread_join(v.timer, NULL);
	if (kind) {
		xenintro_close(&x);
		sim("destroy domid=%u", domid);
		if (s.ret) {
			fprintf(stderr, "storm_bench: storm failed: %s\n",
				s.result);
			free(v.lat_ns);
			return -1;
		}
		kv_str(s.result, "events_per_s", eps, sizeof(eps));
	}
	/* The spinner ran a little before and after the window: clamp. */
	wall_s = (w1 - w0) / 1000.0;
	total = (t1.user + t1.nice + t1.sys + t1.idle + t1.iowait + t1.irq +
		 t1.softirq + t1.steal) -
		(t0.user + t0.nice + t0.sys + t0.idle + t0.iowait + t0.irq +
		 t0.softirq + t0.steal);
	if (!total)
		total = 1;
	qsort(v.lat_ns, v.n, sizeof(*v.lat_ns), cmp_ll);
	printf("bench storm kind=%s answer=%s events=%d elapsed_ms=%lld eps=%s victim_cpu_pct=%.0f cpu0_user_pct=%.0f cpu0_sys_pct=%.0f cpu0_irq_pct=%.0f cpu0_softirq_pct=%.0f wake_p50_us=%lld wake_p99_us=%lld wake_max_us=%lld\n",
	       kind ? kind : "none", kind ? (kernel ? "kernel" : "agent") : "-",
	       kind ? events : 0, w1 - w0, eps,
	       100.0 * (v.spin_cpu_s > wall_s ? wall_s : v.spin_cpu_s) /
	       wall_s,
	       100.0 * (t1.user + t1.nice - t0.user - t0.nice) / total,
	       100.0 * (t1.sys - t0.sys) / total,
	       100.0 * (t1.irq - t0.irq) / total,
	       100.0 * (t1.softirq - t0.softirq) / total,
	       pct_ll(v.lat_ns, v.n, 50) / 1000,
	       pct_ll(v.lat_ns, v.n, 99) / 1000,
	       v.n ? v.lat_ns[v.n - 1] / 1000 : 0);
	if (kind)
		printf("bench storm raw: %s\n", s.result);
	fflush(stdout);
	free(v.lat_ns);
	return 0;
}

int main(int argc, char **argv)
{
	int events = argc > 1 ? atoi(argv[1]) : 20000;
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	static const char * const kinds[] = { "cpuid", "cr3" };
	unsigned int i;
	int ret = 0;

	if (access(SIM_CTL, F_OK)) {
		fprintf(stderr, "storm_bench: xenintro_sim is not loaded\n");
		return 2;
	}
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2) {
		fprintf(stderr, "storm_bench: needs 2 CPUs\n");
		return 2;
	}
	pin(1);	/* the agent and the storm command: the guest side */
	if (write_file(KICK_CPU_PARAM, "0"))
		fprintf(stderr, "storm_bench: cannot set %s\n", KICK_CPU_PARAM);
	ret |= run_case(0, NULL, false, 0, threads);
	for (i = 0; i < 2; i++) {
		ret |= run_case(4100 + 2 * i, kinds[i], true, events, threads);
		ret |= run_case(4101 + 2 * i, kinds[i], false, events, threads);
	}
	write_file(KICK_CPU_PARAM, "-1");
	return ret ? 1 : 0;
}
