/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the kselftests that run xenintro-agent and the xenintro
 * tool (static binaries in /xenintro/files, or XI_FILES) against
 * xenintro_sim: start, wait for and stop the agent, read its log, and
 * run vCPU commands that must not hang.
 */
#ifndef XI_AGENT_H
#define XI_AGENT_H

#include <sys/stat.h>
#include <sys/wait.h>

#include "xi_sim.h"

#define START_MS	20000	/* agent up and policy applied */
#define FREE_MS		10000	/* a vCPU command that nobody should hold */
#define STOP_MS		20000
#define RUN_DIR		"/tmp/xi-run"
/* a distribution kernel image in XI_FILES (tests/qemu/vm-tests.sh) */
#define KGUEST_IMAGE	"guest-vmlinuz"

static inline const char *files_dir(void)
{
	const char *d = getenv("XI_FILES");

	return d && *d ? d : "/xenintro/files";
}

static inline void file_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", files_dir(), name);
}

/*
 * Why the agent's tests cannot run in this VM (no simulator, no agent
 * binary: the message in @buf), or NULL. A fixture's setup skips on it,
 * and makes the agents' run directory otherwise.
 */
static inline const char *agent_unavailable(char *buf, size_t len)
{
	char bin[256];

	if (access(SIM_CTL, F_OK))
		return NO_SIM;
	file_path(bin, sizeof(bin), "xenintro-agent.static");
	if (access(bin, X_OK)) {
		snprintf(buf, len, "no %.200s (XI_FILES=dir overrides)", bin);
		return buf;
	}
	mkdir(RUN_DIR, 0755);
	return NULL;
}

/* ------------------------------------------------------------ the agent */

struct agent_proc {
	pid_t pid;
	unsigned int domid;
	char log[128];
	char err[128];
	char reg[128];
};

/*
 * The start of an agent fixture's setup: @ap has no process yet. NULL,
 * or why the agent cannot run here (the fixture then skips).
 */
static inline const char *agent_fixture_start(struct agent_proc *ap)
{
	static char msg[256];

	memset(ap, 0, sizeof(*ap));
	return agent_unavailable(msg, sizeof(msg));
}

/* Start the agent on @policy (extra args may follow, NULL-terminated). */
static inline int agent_start(struct agent_proc *ap, unsigned int domid,
			      const char *policy, ...)
{
	char bin[256], guest[16];
	const char *argv[16];
	va_list va;
	int argc = 0, fd;
	const char *a;

	ap->domid = domid;
	snprintf(ap->log, sizeof(ap->log), "/tmp/agent-%u.log", domid);
	snprintf(ap->err, sizeof(ap->err), "/tmp/agent-%u.err", domid);
	snprintf(ap->reg, sizeof(ap->reg), RUN_DIR "/%u.json", domid);
	unlink(ap->log);
	unlink(ap->err);
	unlink(ap->reg);
	file_path(bin, sizeof(bin), "xenintro-agent.static");
	snprintf(guest, sizeof(guest), "%u", domid);
	argv[argc++] = bin;
	argv[argc++] = "--guest";
	argv[argc++] = guest;
	argv[argc++] = "--log";
	argv[argc++] = ap->log;
	va_start(va, policy);
	while ((a = va_arg(va, const char *)) && argc < 13)
		argv[argc++] = a;
	va_end(va);
	argv[argc++] = policy;
	argv[argc] = NULL;

	setenv("XENINTRO_RUN_DIR", RUN_DIR, 1);
	ap->pid = fork();
	if (ap->pid < 0)
		return -errno;
	if (!ap->pid) {
		fd = open(ap->err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	return 0;
}

/*
 * Wait for the agent to be attached with its policy applied: it writes
 * its registry file right after. -1 if it exited or took too long.
 */
static inline int agent_wait_ready_ms(struct agent_proc *ap, int ms)
{
	long long end = now_ms() + ms;
	int status;

	while (now_ms() < end) {
		if (!access(ap->reg, F_OK))
			return 0;
		if (waitpid(ap->pid, &status, WNOHANG) == ap->pid) {
			ap->pid = 0;
			return -1;
		}
		usleep(20000);
	}
	return -1;
}

static inline int agent_wait_ready(struct agent_proc *ap)
{
	return agent_wait_ready_ms(ap, START_MS);
}

/* Wait for the agent to exit: its exit status, or -1 (then it is killed). */
static inline int agent_wait_exit(struct agent_proc *ap, int ms)
{
	long long end = now_ms() + ms;
	int status;

	if (!ap->pid)
		return -1;
	while (now_ms() < end) {
		if (waitpid(ap->pid, &status, WNOHANG) == ap->pid) {
			ap->pid = 0;
			if (WIFEXITED(status))
				return WEXITSTATUS(status);
			return 128 + WTERMSIG(status);
		}
		usleep(20000);
	}
	kill(ap->pid, SIGKILL);
	waitpid(ap->pid, &status, 0);
	ap->pid = 0;
	return -1;
}

static inline int agent_stop(struct agent_proc *ap, int sig)
{
	if (!ap->pid)
		return -1;
	kill(ap->pid, sig);
	return agent_wait_exit(ap, STOP_MS);
}

static inline char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;
	ssize_t n;

	if (!f)
		return strdup("");
	n = getdelim(&buf, &len, '\0', f);
	fclose(f);
	if (n < 0) {
		free(buf);
		return strdup("");
	}
	return buf;
}

/* Lines of @path containing every one of the needles (NULL-terminated). */
static inline int count_lines(const char *path, ...)
{
	char *text = slurp(path), *line, *save = NULL;
	const char *needles[8], *nd;
	int n = 0, k = 0, i;
	va_list va;

	va_start(va, path);
	while ((nd = va_arg(va, const char *)) && k < 8)
		needles[k++] = nd;
	va_end(va);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		for (i = 0; i < k && strstr(line, needles[i]); i++)
			;
		n += i == k;
	}
	free(text);
	return n;
}

/* Wait until some line of @path has @needle. */
static inline bool wait_log(const char *path, const char *needle, int ms)
{
	long long end = now_ms() + ms;

	do {
		if (count_lines(path, needle, NULL))
			return true;
		usleep(20000);
	} while (now_ms() < end);
	return false;
}

/* ------------------------------------------------------------ the guest */

/*
 * Run a vCPU command that must complete within FREE_MS: its -errno, or
 * -ETIMEDOUT (then the agent is killed, which releases the vCPU).
 */
static inline int run_vcpu(struct agent_proc *ap, char *out, size_t len,
			   const char *fmt, ...)
{
	static struct vcpu_op op;	/* may outlive a failed call */
	va_list va;
	int ret;

	memset(&op, 0, sizeof(op));
	va_start(va, fmt);
	vsnprintf(op.cmd, sizeof(op.cmd), fmt, va);
	va_end(va);
	op.started = !pthread_create(&op.thread, NULL, vcpu_op_thread, &op);
	if (!op.started)
		return -EAGAIN;
	ret = vcpu_join_ms(&op, FREE_MS);
	if (ret == -ETIMEDOUT) {
		if (ap && ap->pid)
			kill(ap->pid, SIGKILL);
		vcpu_join(&op);
	}
	snprintf(out, len, "%s", op.result);
	return ret;
}

static inline bool dom_state(unsigned int domid, char *st, size_t len)
{
	return !sim_cmd(st, len, "state domid=%u", domid);
}

static inline int run_cmd(const char *fmt, ...)
{
	char cmd[768];
	va_list va;
	int st;

	va_start(va, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, va);
	va_end(va);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The vCPU and clean-stop helpers of a fixture with the fields ap, domid,
 * res and st: vcpu() runs a vCPU command that must complete (its result
 * line in self->res), result_is() checks it, stop_and_check_clean() stops
 * the agent with SIGTERM (exit 0) and checks the domain is as it was
 * before it: not attached, no monitors, no restricted frames, not paused;
 * the agent said goodbye in the log and left the registry.
 */
#define XI_AGENT_FIXTURE_HELPERS(fixture)				\
/* A vCPU command that must complete; its result line in self->res. */	\
static void vcpu(struct __test_metadata *_metadata,			\
		 struct _test_data_##fixture *self, const char *fmt, ...) \
{									\
	char cmd[256];							\
	va_list va;							\
									\
	va_start(va, fmt);						\
	vsnprintf(cmd, sizeof(cmd), fmt, va);				\
	va_end(va);							\
	ASSERT_EQ(0, run_vcpu(&self->ap, self->res, sizeof(self->res), "%s", \
			      cmd))					\
		TH_LOG("%s: %s", cmd, self->res);			\
}									\
									\
static void result_is(struct __test_metadata *_metadata,		\
		      struct _test_data_##fixture *self, const char *result) \
{									\
	EXPECT_TRUE(kv_is(self->res, "result", result))			\
		TH_LOG("want %s: %s", result, self->res);		\
}									\
									\
/* SIGTERM: exit 0, and the domain is as it was before the agent. */	\
static void stop_and_check_clean(struct __test_metadata *_metadata,	\
				 struct _test_data_##fixture *self)	\
{									\
	ASSERT_EQ(0, agent_stop(&self->ap, SIGTERM)) {			\
		char *e = slurp(self->ap.err);				\
									\
		TH_LOG("agent: %s", e);					\
		free(e);						\
	}								\
	ASSERT_TRUE(dom_state(self->domid, self->st, sizeof(self->st))); \
	EXPECT_EQ(0, kv_num(self->st, "attached")) TH_LOG("%s", self->st); \
	EXPECT_EQ(0, kv_num(self->st, "monitors")) TH_LOG("%s", self->st); \
	EXPECT_EQ(0, kv_num(self->st, "restricted")) TH_LOG("%s", self->st); \
	EXPECT_EQ(0, kv_num(self->st, "pause")) TH_LOG("%s", self->st);	\
	/* the agent said goodbye in the log and left the registry */	\
	EXPECT_LE(1, count_lines(self->ap.log, "detaching", NULL));	\
	EXPECT_NE(0, access(self->ap.reg, F_OK));			\
}

#endif /* XI_AGENT_H */
