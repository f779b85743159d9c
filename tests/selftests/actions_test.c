// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: the agent's when: conditions and response actions against
 * the simulated hypervisor. A rule pauses the domain (resumed by
 * `xenintro resume`, and in any case at the agent's exit), dumps guest
 * memory to a new file and runs a hook with the event's record on its
 * stdin; when: picks which of a rule's events count. The policies are
 * written here, next to what they are checked against.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xi_sim.h"
#include "xi_agent.h"

#define VCPUS		2
#define FRAMES		64
#define DUMP_DIR	"/tmp/xi-dumps"
#define HOOK_OUT	"/tmp/xi-hook.json"

FIXTURE(actions) {
	unsigned int domid;
	struct agent_proc ap;
	char policy[64];
	char tool[256];
	char res[512];
	char st[1536];
};

FIXTURE_SETUP(actions)
{
	const char *why = agent_fixture_start(&self->ap);

	if (why)
		SKIP(return, "%s", why);
	file_path(self->tool, sizeof(self->tool), "xenintro.static");
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
	snprintf(self->policy, sizeof(self->policy), "/tmp/actions-%u.yaml",
		 self->domid);
}

FIXTURE_TEARDOWN(actions)
{
	if (self->ap.pid) {
		kill(self->ap.pid, SIGKILL);
		waitpid(self->ap.pid, NULL, 0);
	}
	if (self->domid)
		sim("destroy domid=%u", self->domid);
}

XI_AGENT_FIXTURE_HELPERS(actions)

/* Write @text as the policy and start the agent on it. */
static void start_policy(struct __test_metadata *_metadata,
			 struct _test_data_actions *self, const char *text)
{
	FILE *f = fopen(self->policy, "we");

	ASSERT_NE(NULL, f);
	fputs(text, f);
	fclose(f);
	ASSERT_EQ(0, agent_start(&self->ap, self->domid, self->policy, NULL));
	ASSERT_EQ(0, agent_wait_ready(&self->ap)) {
		char *e = slurp(self->ap.err);

		TH_LOG("agent: %s", e);
		free(e);
	}
}

static long long pause_count(struct __test_metadata *_metadata,
			     struct _test_data_actions *self)
{
	EXPECT_TRUE(dom_state(self->domid, self->st, sizeof(self->st)));
	return kv_num(self->st, "pause");
}

/*
 * A forwarded CPUID pauses the domain, dumps frame 1 and runs a hook;
 * `xenintro resume` gives the pause back; a second pause ends with the
 * agent (SIGTERM), and the domain is left as it was.
 */
TEST_F_TIMEOUT(actions, pause_dump_hook_resume, 120)
{
	static const char policy[] =
		"guest: 1\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - name: probe\n"
		"    event: cpuid\n"
		"    leaf: 0x40000000\n"
		"    action: forward\n"
		"    severity: alert\n"
		"    actions:\n"
		"      pause: true\n"
		"      dump: {at: 0x1000, length: 64, physical: true,\n"
		"             file: \"" DUMP_DIR "/{domid}-{rule}-{seq}.bin\"}\n"
		"      hook: {argv: [/bin/sh, -c, \"cat > " HOOK_OUT "\"], timeout: 10}\n"
		"forwarded: {default: skip}\n";
	static struct vcpu_op op;
	char file[128], dom[16];
	unsigned char buf[64];
	struct stat st;
	sigset_t chld;
	int fd;

	mkdir(DUMP_DIR, 0700);
	unlink(HOOK_OUT);
	snprintf(file, sizeof(file), DUMP_DIR "/%u-probe-1.bin", self->domid);
	unlink(file);
	/* the guest's memory at frame 1: a word the dump must hold */
	vcpu(_metadata, self, "access domid=%u vcpu=0 gfn=1 op=w value=0x1122334455667788",
	     self->domid);
	result_is(_metadata, self, "done");
	start_policy(_metadata, self, policy);
	/*
	 * The vCPU threads wait interruptibly in the simulator. The
	 * SIGCHLD of `xenintro resume` below, blocked in the thread that
	 * runs it (system()), would be delivered to one of them and end
	 * its wait: blocked here, the threads inherit the block.
	 */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	ASSERT_EQ(0, pthread_sigmask(SIG_BLOCK, &chld, NULL));

	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=0 leaf=0x40000000",
				self->domid));
	ASSERT_TRUE(wait_log(self->ap.log, "\"result\":\"paused\"", 10000)) {
		char *e = slurp(self->ap.log);

		TH_LOG("log: %s", e);
		free(e);
	}
	EXPECT_EQ(1, pause_count(_metadata, self)) TH_LOG("%s", self->st);
	/* the dump: a new 0600 file with the guest's bytes */
	EXPECT_TRUE(wait_log(self->ap.log, "\"result\":\"written\"", 5000));
	ASSERT_EQ(0, stat(file, &st)) TH_LOG("%s", file);
	EXPECT_EQ(0600, st.st_mode & 0777);
	EXPECT_EQ(64, st.st_size);
	fd = open(file, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(64, read(fd, buf, sizeof(buf)));
	close(fd);
	EXPECT_EQ(0x88, buf[0]);
	EXPECT_EQ(0x11, buf[7]);
	/* the hook read the record: the rule, its severity, the dump */
	EXPECT_TRUE(wait_log(HOOK_OUT, "\"rule\":\"probe\"", 10000));
	EXPECT_EQ(1, count_lines(HOOK_OUT, "\"type\":\"event\"",
				 "\"event\":\"cpuid\"", "\"severity\":\"alert\"",
				 "\"verdict\":\"skip\"", "\"cpl\":0", file,
				 NULL)) {
		char *e = slurp(HOOK_OUT);

		TH_LOG("hook: %s", e);
		free(e);
	}

	/* the operator resumes the guest; the vCPU's CPUID completes */
	snprintf(dom, sizeof(dom), "%u", self->domid);
	EXPECT_EQ(0, run_cmd("XENINTRO_RUN_DIR=" RUN_DIR " %s resume %s >/tmp/resume.out 2>&1",
			     self->tool, dom)) {
		char *e = slurp("/tmp/resume.out");

		TH_LOG("resume: %s", e);
		free(e);
	}
	EXPECT_EQ(1, count_lines("/tmp/resume.out", "resumed by its agent",
				 NULL));
	EXPECT_EQ(0, pause_count(_metadata, self)) TH_LOG("%s", self->st);
	ASSERT_EQ(0, vcpu_join_ms(&op, FREE_MS)) TH_LOG("%s", op.result);
	EXPECT_TRUE(kv_is(op.result, "result", "done")) TH_LOG("%s", op.result);
	EXPECT_EQ(1, count_lines(self->ap.log, "\"action\":\"resume\"",
				 "\"by\":\"signal\"", NULL));
	/* nothing to resume now: said, and exit 0 */
	EXPECT_EQ(0, run_cmd("XENINTRO_RUN_DIR=" RUN_DIR " %s resume %s >/tmp/resume.out 2>&1",
			     self->tool, dom));
	EXPECT_EQ(1, count_lines("/tmp/resume.out", "not paused by its agent",
				 NULL));

	/* paused again, then the agent stops: the guest runs on */
	ASSERT_EQ(0, vcpu_start(&op, "cpuid domid=%u vcpu=1 leaf=0x40000000",
				self->domid));
	EXPECT_TRUE(wait_log(self->ap.log, "\"result\":\"written\",", 10000));
	EXPECT_TRUE(wait_log(self->ap.log, "-probe-2.bin", 10000));
	EXPECT_EQ(1, pause_count(_metadata, self)) TH_LOG("%s", self->st);
	stop_and_check_clean(_metadata, self);
	ASSERT_EQ(0, vcpu_join_ms(&op, FREE_MS)) TH_LOG("%s", op.result);
	EXPECT_TRUE(kv_is(op.result, "result", "done")) TH_LOG("%s", op.result);
	EXPECT_EQ(1, count_lines(self->ap.log, "\"by\":\"exit\"", NULL));
	/* the last stats count every action */
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"stats\"",
				 "\"pauses\":2", "\"resumes\":2", "\"dumps\":2",
				 "\"hooks_started\":2", NULL)) {
		char *e = slurp(self->ap.log);

		TH_LOG("log: %s", e);
		free(e);
	}
	unlink(file);
	snprintf(file, sizeof(file), DUMP_DIR "/%u-probe-2.bin", self->domid);
	unlink(file);
}

/*
 * when: on a notify rule: only the CR3 writes it names are logged and
 * acted on; the others are counted. The kernel's verdict holds for all.
 */
TEST_F_TIMEOUT(actions, when_selects_records_and_actions, 120)
{
	static const char policy[] =
		"guest: 1\n"
		"monitors: {cr3: {sync: true}}\n"
		"rules:\n"
		"  - name: switch\n"
		"    event: cr\n"
		"    cr: cr3\n"
		"    action: continue\n"
		"    notify: true\n"
		"    when: {cpl: 0, value: {first: 0x5000, last: 0x5fff}}\n"
		"    actions:\n"
		"      hook: {argv: [/bin/sh, -c, \"cat >> " HOOK_OUT "\"]}\n"
		"  - name: never\n"
		"    event: cr\n"
		"    cr: cr3\n"
		"    priority: 1\n"
		"    vcpus: [1]\n"
		"    action: continue\n"
		"    notify: true\n"
		"    when: {cpl: 3}\n";
	int i;

	unlink(HOOK_OUT);
	start_policy(_metadata, self, policy);
	for (i = 0; i < 3; i++) {
		vcpu(_metadata, self, "cr domid=%u vcpu=0 index=1 value=0x%x",
		     self->domid, 0x4000 + i * 0x1000);
		result_is(_metadata, self, "done");
	}
	/* rule "never": this write is at CPL 0 (MOV to CR3 is CPL 0 only) */
	vcpu(_metadata, self, "cr domid=%u vcpu=1 index=1 value=0x5000",
	     self->domid);
	result_is(_metadata, self, "done");
	EXPECT_TRUE(wait_log(HOOK_OUT, "\"new\":\"0x5000\"", 10000));
	kill(self->ap.pid, SIGUSR1);
	EXPECT_TRUE(wait_log(self->ap.log, "\"type\":\"stats\"", 5000));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"event\"", NULL));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"event\"",
				 "\"rule\":\"switch\"", "\"new\":\"0x5000\"",
				 NULL));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"stats\"",
				 "\"when_unmatched\":3", "\"hooks_started\":1",
				 NULL)) {
		char *e = slurp(self->ap.log);

		TH_LOG("log: %s", e);
		free(e);
	}
	EXPECT_EQ(1, count_lines(HOOK_OUT, "\"rule\":\"switch\"", NULL));
	stop_and_check_clean(_metadata, self);
}

/*
 * when: {cpl: 3} on the events a guest's user mode raises (CPUID runs at
 * any level): the simulator's cpl= puts the level in the event's SS and
 * CS, as Xen's registers carry it, and only the CPL 3 event is recorded
 * and runs the hook, which reads "cpl":3 in its record. The simulator
 * refuses a MOV to CR at CPL 3 as the CPU does (#GP, no exit).
 */
TEST_F_TIMEOUT(actions, when_cpl_user_mode, 120)
{
	static const char policy[] =
		"guest: 1\n"
		"monitors: {cpuid: true}\n"
		"rules:\n"
		"  - name: user-cpuid\n"
		"    event: cpuid\n"
		"    leaf: 0x40000000\n"
		"    action: continue\n"
		"    notify: true\n"
		"    when: {cpl: 3}\n"
		"    actions:\n"
		"      hook: {argv: [/bin/sh, -c, \"cat >> " HOOK_OUT "\"]}\n";
	char out[256];
	int i;

	unlink(HOOK_OUT);
	start_policy(_metadata, self, policy);
	for (i = 0; i < 2; i++) {
		vcpu(_metadata, self,
		     "cpuid domid=%u vcpu=%d leaf=0x40000000", self->domid, i);
		result_is(_metadata, self, "done");
	}
	vcpu(_metadata, self, "cpuid domid=%u vcpu=1 leaf=0x40000000 cpl=3",
	     self->domid);
	result_is(_metadata, self, "done");
	EXPECT_TRUE(wait_log(HOOK_OUT, "\"cpl\":3", 10000));
	kill(self->ap.pid, SIGUSR1);
	EXPECT_TRUE(wait_log(self->ap.log, "\"type\":\"stats\"", 5000));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"event\"", NULL));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"event\"",
				 "\"rule\":\"user-cpuid\"", "\"vcpu\":1", NULL));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"stats\"",
				 "\"when_unmatched\":2", "\"hooks_started\":1",
				 NULL)) {
		char *e = slurp(self->ap.log);

		TH_LOG("log: %s", e);
		free(e);
	}
	EXPECT_EQ(1, count_lines(HOOK_OUT, "\"rule\":\"user-cpuid\"",
				 "\"cpl\":3", NULL));
	EXPECT_EQ(0, count_lines(HOOK_OUT, "\"cpl\":0", NULL));
	/* no CPL 3 MOV to CR, and cpl is 0..3 */
	EXPECT_EQ(-EINVAL, sim_cmd(out, sizeof(out),
				   "cr domid=%u vcpu=0 index=1 value=0x9000 cpl=3",
				   self->domid));
	EXPECT_NE(NULL, strstr(out, "#GP")) TH_LOG("%s", out);
	EXPECT_EQ(-EINVAL, sim_cmd(out, sizeof(out),
				   "cpuid domid=%u vcpu=0 leaf=1 cpl=4",
				   self->domid));
	stop_and_check_clean(_metadata, self);
}

TEST_HARNESS_MAIN
