/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the kselftests that run against xenintro_sim: commands to
 * the simulated hypervisor's debugfs file, simulated vCPUs on threads, and
 * a few agent shortcuts over libxenintro.
 */
#ifndef XI_SIM_H
#define XI_SIM_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <xenintro/libxenintro.h>

#define SIM_CTL "/sys/kernel/debug/xenintro_sim/control"

/*
 * Run one command; its result line goes to @out. Returns 0 or the -errno
 * the command's write() failed with (the result line then says why).
 */
static inline int sim_cmdv(char *out, size_t outlen, const char *fmt,
			   va_list ap)
{
	char cmd[512];
	ssize_t n;
	int fd, ret = 0;

	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	if (out && outlen)
		out[0] = '\0';
	fd = open(SIM_CTL, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, cmd, strlen(cmd)) < 0)
		ret = -errno;
	if (out && outlen) {
		n = pread(fd, out, outlen - 1, 0);
		out[n > 0 ? n : 0] = '\0';
		if (n > 0 && out[n - 1] == '\n')
			out[n - 1] = '\0';
	}
	close(fd);
	return ret;
}

static inline int sim_cmd(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sim_cmdv(out, outlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* Command without caring for the result line. */
static inline int sim(const char *fmt, ...)
{
	char out[512];
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = sim_cmdv(out, sizeof(out), fmt, ap);
	va_end(ap);
	return ret;
}

/* The value of " key=" in a result line, as a string (empty if absent). */
#define NO_SIM "xenintro_sim is not loaded (no " SIM_CTL ")"

/* Each test runs in its own process: a domid of its own. */
static inline unsigned int sim_test_domid(void)
{
	return 1000 + getpid() % 20000;
}

/* A fresh simulated domain, whatever an earlier run left behind. */
static inline int sim_fresh_domain(unsigned int domid, int vcpus, int frames)
{
	sim("destroy domid=%u", domid);
	return sim("create domid=%u vcpus=%d frames=%d", domid, vcpus, frames);
}

static inline const char *kv_str(const char *line, const char *key,
				 char *buf, size_t len)
{
	size_t klen = strlen(key);
	const char *p = line;

	buf[0] = '\0';
	while ((p = strstr(p, key))) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=') {
			size_t n = strcspn(p + klen + 1, "\t\n ");

			if (n >= len)
				n = len - 1;
			memcpy(buf, p + klen + 1, n);
			buf[n] = '\0';
			return buf;
		}
		p += klen;
	}
	return buf;
}

/* The number after " key=", or -1 if absent. */
static inline long long kv_num(const char *line, const char *key)
{
	char buf[64];

	if (!*kv_str(line, key, buf, sizeof(buf)))
		return -1;
	return (long long)strtoull(buf, NULL, 0);
}

static inline bool kv_is(const char *line, const char *key, const char *val)
{
	char buf[64];

	return !strcmp(kv_str(line, key, buf, sizeof(buf)), val);
}

/* A simulated vCPU running one blocking command on its own thread. */
struct vcpu_op {
	pthread_t thread;
	char cmd[256];
	char result[512];
	int ret;
	bool started;
};

static inline void *vcpu_op_thread(void *arg)
{
	struct vcpu_op *op = arg;

	op->ret = sim_cmd(op->result, sizeof(op->result), "%s", op->cmd);
	return NULL;
}

static inline int vcpu_start(struct vcpu_op *op, const char *fmt, ...)
{
	va_list ap;

	memset(op, 0, sizeof(*op));
	va_start(ap, fmt);
	vsnprintf(op->cmd, sizeof(op->cmd), fmt, ap);
	va_end(ap);
	op->started = !pthread_create(&op->thread, NULL, vcpu_op_thread, op);
	return op->started ? 0 : -1;
}

/* Wait for the vCPU's command; returns its -errno (0: result is valid). */
static inline int vcpu_join(struct vcpu_op *op)
{
	if (!op->started)
		return -ECHILD;
	pthread_join(op->thread, NULL);
	op->started = false;
	return op->ret;
}

/*
 * vcpu_join() within @ms: -ETIMEDOUT if the command still runs (a vCPU
 * left waiting for the agent). Needs _GNU_SOURCE, as every test has.
 */
static inline int vcpu_join_ms(struct vcpu_op *op, int ms)
{
	struct timespec ts;
	int ret;

	if (!op->started)
		return -ECHILD;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	ret = pthread_timedjoin_np(op->thread, NULL, &ts);
	if (ret)
		return -ret;
	op->started = false;
	return op->ret;
}

static inline long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* Wait up to @ms for the next event; NULL on timeout. */
static inline const struct xenintro_event *next_event(struct xenintro *x,
						      int ms)
{
	const struct xenintro_event *ev;
	long long end = now_ms() + ms;

	do {
		if (!xenintro_peek_event(x, &ev))
			return ev;
		if (xenintro_wait(x, 50) < 0 && xenintro_peek_event(x, &ev))
			return NULL;
	} while (now_ms() < end);
	return xenintro_peek_event(x, &ev) ? NULL : ev;
}

/* Answer @ev with @verdict and consume it. */
static inline int answer(struct xenintro *x, const struct xenintro_event *ev,
			 __u32 verdict)
{
	struct xenintro_verdict *v = xenintro_verdict_for(x, ev, verdict);

	if (!v)
		return -ENOSPC;
	xenintro_event_advance(x, 1);
	return xenintro_submit(x);
}

static sigjmp_buf touch_jmp;

static inline void touch_signal(int sig)
{
	siglongjmp(touch_jmp, sig);
}

/*
 * Read the word at @p (a mapping of guest frames): 0 with *@val, or the
 * signal the read raised (SIGBUS where no frame is mapped, SIGSEGV where
 * nothing is mapped at all).
 */
static inline int touch(const void *p, __u64 *val)
{
	struct sigaction sa = { .sa_handler = touch_signal }, obus, osegv;
	int sig;

	sigaction(SIGBUS, &sa, &obus);
	sigaction(SIGSEGV, &sa, &osegv);
	sig = sigsetjmp(touch_jmp, 1);
	if (!sig)
		*val = __atomic_load_n((const __u64 *)p, __ATOMIC_RELAXED);
	sigaction(SIGBUS, &obus, NULL);
	sigaction(SIGSEGV, &osegv, NULL);
	return sig;
}

#endif /* XI_SIM_H */
