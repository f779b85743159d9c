// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: xenintro-agent's policies that name kernel symbols, on a
 * simulated Linux guest booted with KASLR.
 *
 * A real distribution kernel image (Debian's, with BTF and kallsyms; in
 * /xenintro/files as guest-vmlinuz) gives the symbols, the task_struct
 * offsets and the bytes of the slide's second anchor, through the
 * xenintro tool. The test lays that kernel's pieces out in a simulated
 * guest the way the kernel itself would after a KASLR boot:
 *
 *   - page tables that map the image SLIDE above its link address, at
 *     PHYS in guest-physical memory (KASLR moves both, independently),
 *     plus a direct map (PML4 slot 273) of the first GiB;
 *   - LSTAR at entry_SYSCALL_64 + SLIDE on every vCPU;
 *   - the image's kallsyms_token_table bytes at their slid address;
 *   - a per-CPU area (the GS base) whose current_task points at a task
 *     with a pid, a tgid and a name.
 *
 * The agent gets the image and the examples shipped in userspace/examples
 * and must find the slide on its own (a CR3 write the test keeps making
 * during the attach gives it LSTAR), then apply every address and frame
 * at the guest's values. Refusal is tested too: a LSTAR whose slide the
 * anchor does not confirm must stop the attach and leave the domain as
 * it was.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xi_sim.h"
#include "xi_agent.h"

#define VCPUS		2
/*
 * The agent unpacks the 8 MB xz image before it attaches, seconds of CPU
 * under QEMU's emulation and more on a loaded host: the waits are long.
 */
#define KSTART_MS	120000
#define FRAMES		0x8000		/* 128 MiB */
#define PG		4096ULL
#define SLIDE		0x3a00000ULL	/* 29 x 2 MiB */
#define PHYS		0x2000000ULL	/* where _text lands in guest memory */
#define KMAP		0xffffffff80000000ULL
#define DMAP		0xffff888000000000ULL	/* the direct map */
#define PERCPU_PA	0x100000ULL
#define TASK_PA		0x200000ULL	/* the task that runs */
#define MM_PA		0x300000ULL	/* its mm_struct */
/* page-table frames: two roots (CR3 switches), kernel PDPT/PD, DMAP PDPT */
#define ROOT_A		1
#define ROOT_B		4
#define PDPT_K		2
#define PD_K		3
#define PDPT_D		5
#define ROOT_C		6	/* a third address space, owned by nobody */
#define PTE_RW		0x3ULL		/* present, writable, supervisor */
#define PTE_LARGE	0x83ULL		/* ... and a 2 MiB / 1 GiB page */

#define MSR_EFER	0xc0000080
#define MSR_LSTAR	0xc0000082
#define MSR_GS_BASE	0xc0000101
#define EFER_LME_LMA_NXE	0xd00ULL
#define CR0_PG_PE	0x80000011ULL
#define CR4_PAE		0x20ULL

/*
 * The start of the kernel's version string (what a System.map's slide is
 * checked against: a map has no kallsyms token table).
 */
#define LINUX_BANNER	"Linux version 6.1.0-xi-sim"

/* What the test needs to know about the image, from the xenintro tool. */
struct kimg {
	unsigned long long text, stext, etext, end, entry, syscalls, creds;
	unsigned long long banner;		/* linux_banner */
	unsigned long long init_task, init_mm;
	unsigned long long current_task;	/* per-CPU offset */
	unsigned long long token;
	size_t token_len;
	unsigned char token_bytes[4096];
	long off_pid, off_tgid, off_comm;
	long off_tasks, off_mm, off_parent, off_pgd;
};

/* One line of `cmd` output at a time into @fn; the command's status. */
static int tool_lines(const char *cmd, void (*fn)(struct kimg *, char *),
		      struct kimg *k)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *p = popen(cmd, "r");
	int st;

	if (!p)
		return -1;
	while (getline(&line, &cap, p) > 0)
		fn(k, line);
	free(line);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void sym_line(struct kimg *k, char *line)
{
	static const struct { const char *name; size_t off; } want[] = {
		{ "_text", offsetof(struct kimg, text) },
		{ "_stext", offsetof(struct kimg, stext) },
		{ "_etext", offsetof(struct kimg, etext) },
		{ "_end", offsetof(struct kimg, end) },
		{ "entry_SYSCALL_64", offsetof(struct kimg, entry) },
		{ "sys_call_table", offsetof(struct kimg, syscalls) },
		{ "commit_creds", offsetof(struct kimg, creds) },
		{ "current_task", offsetof(struct kimg, current_task) },
		{ "linux_banner", offsetof(struct kimg, banner) },
		{ "init_task", offsetof(struct kimg, init_task) },
		{ "init_mm", offsetof(struct kimg, init_mm) },
	};
	unsigned long long addr;
	char type, name[64];
	size_t i;

	if (sscanf(line, "%llx %c %63s", &addr, &type, name) != 3)
		return;
	for (i = 0; i < ARRAY_SIZE(want); i++)
		if (!strcmp(name, want[i].name))
			*(unsigned long long *)((char *)k + want[i].off) = addr;
}

static void anchor_line(struct kimg *k, char *line)
{
	char *hex = NULL;
	size_t i;

	if (sscanf(line, "kallsyms_token_table %llx %zu %ms", &k->token,
		   &k->token_len, &hex) != 3)
		return;
	if (k->token_len > sizeof(k->token_bytes) ||
	    strlen(hex) != 2 * k->token_len) {
		k->token_len = 0;
	} else {
		for (i = 0; i < k->token_len; i++)
			if (sscanf(hex + 2 * i, "%2hhx",
				   &k->token_bytes[i]) != 1)
				k->token_len = 0;	/* not hex: no anchor */
	}
	free(hex);
}

static void profile_line(struct kimg *k, char *line)
{
	long off;

	if (sscanf(line, "task_struct.pid offset=%ld", &off) == 1)
		k->off_pid = off;
	else if (sscanf(line, "task_struct.tgid offset=%ld", &off) == 1)
		k->off_tgid = off;
	else if (sscanf(line, "task_struct.comm offset=%ld", &off) == 1)
		k->off_comm = off;
	else if (sscanf(line, "task_struct.tasks offset=%ld", &off) == 1)
		k->off_tasks = off;
	else if (sscanf(line, "task_struct.mm offset=%ld", &off) == 1)
		k->off_mm = off;
	else if (sscanf(line, "task_struct.real_parent offset=%ld", &off) == 1)
		k->off_parent = off;
	else if (sscanf(line, "mm_struct.pgd offset=%ld", &off) == 1)
		k->off_pgd = off;
}

/*
 * Each test runs in a child of the harness; the first one's findings are
 * kept in a file for the others (unpacking the image takes seconds under
 * TCG, three times over).
 */
#define KIMG_CACHE	"/tmp/xi-kguest-kimg"

static int kimg_load(struct kimg *k, const char *tool, const char *image)
{
	char cmd[768];
	FILE *f;

	f = fopen(KIMG_CACHE, "re");
	if (f) {
		size_t got = fread(k, 1, sizeof(*k), f);

		fclose(f);
		if (got == sizeof(*k))
			return 0;
	}
	memset(k, 0, sizeof(*k));
	snprintf(cmd, sizeof(cmd),
		 "%s ksyms %s _text _stext _etext _end entry_SYSCALL_64 sys_call_table commit_creds current_task linux_banner init_task init_mm",
		 tool, image);
	if (tool_lines(cmd, sym_line, k))
		return -1;
	snprintf(cmd, sizeof(cmd), "%s ksyms --anchor %s", tool, image);
	if (tool_lines(cmd, anchor_line, k) || !k->token_len)
		return -1;
	snprintf(cmd, sizeof(cmd), "%s profile %s", tool, image);
	if (tool_lines(cmd, profile_line, k))
		return -1;
	if (!k->text || !k->stext || !k->etext || !k->end || !k->entry ||
	    !k->syscalls || !k->creds || !k->current_task || !k->off_pid ||
	    !k->off_comm || !k->banner || !k->init_task || !k->init_mm ||
	    !k->off_tasks || !k->off_mm || !k->off_pgd)
		return -1;
	f = fopen(KIMG_CACHE, "we");
	if (f) {
		fwrite(k, 1, sizeof(*k), f);
		fclose(f);
	}
	return 0;
}

/* Guest-physical address of slid kernel virtual address @va. */
static unsigned long long kpa(const struct kimg *k, unsigned long long va)
{
	return va - (k->text + SLIDE) + PHYS;
}

/* ------------------------------------------------ guest memory */

static int wr64(unsigned int domid, unsigned long long gpa,
		unsigned long long val)
{
	return sim("access domid=%u vcpu=0 gfn=%llu op=w offset=%llu value=0x%llx",
		   domid, gpa >> 12, gpa & 0xfff, val);
}

static int rd64(unsigned int domid, unsigned long long gpa,
		unsigned long long *val)
{
	char out[512];
	int ret = sim_cmd(out, sizeof(out),
			  "access domid=%u vcpu=0 gfn=%llu op=r offset=%llu",
			  domid, gpa >> 12, gpa & 0xfff);

	*val = (unsigned long long)kv_num(out, "value");
	return ret;
}

/* @len bytes at @gpa, whole 8-byte words read, changed and written. */
static int write_bytes(unsigned int domid, unsigned long long gpa,
		       const void *buf, size_t len)
{
	const unsigned char *b = buf;
	unsigned long long w, at;
	size_t i;
	int ret = 0;

	for (at = gpa & ~7ULL; at < gpa + len && !ret; at += 8) {
		ret = rd64(domid, at, &w);
		for (i = 0; i < 8; i++)
			if (at + i >= gpa && at + i < gpa + len)
				((unsigned char *)&w)[i] = b[at + i - gpa];
		if (!ret)
			ret = wr64(domid, at, w);
	}
	return ret;
}

/* The current task's pid, tgid and name (what kproc.c reads). */
static int set_task(unsigned int domid, const struct kimg *k, int pid,
		    int tgid, const char *comm)
{
	char name[16] = { 0 };

	strncpy(name, comm, sizeof(name) - 1);
	return write_bytes(domid, TASK_PA + k->off_pid, &pid, 4) ||
	       write_bytes(domid, TASK_PA + k->off_tgid, &tgid, 4) ||
	       write_bytes(domid, TASK_PA + k->off_comm, name, sizeof(name));
}

/*
 * The task list: init_task (the kernel's own, address space ROOT_A as
 * init_mm's pgd) and the one task, whose mm's pgd is @root's direct-map
 * address (what a CR3 write to @root switches to).
 */
static int task_list(unsigned int domid, const struct kimg *k,
		     unsigned long long root)
{
	unsigned long long init = k->init_task + SLIDE, task = DMAP + TASK_PA;
	unsigned long long zero = 0, v;
	int ret = 0;

	v = task + k->off_tasks;
	ret |= write_bytes(domid, kpa(k, init + k->off_tasks), &v, 8);
	v = init + k->off_tasks;
	ret |= write_bytes(domid, TASK_PA + k->off_tasks, &v, 8);
	ret |= write_bytes(domid, kpa(k, init + k->off_mm), &zero, 8);
	ret |= write_bytes(domid, kpa(k, init + k->off_pid), &zero, 8);
	ret |= write_bytes(domid, kpa(k, init + k->off_comm), "swapper/0", 10);
	ret |= write_bytes(domid, TASK_PA + k->off_parent, &init, 8);
	v = DMAP + MM_PA;
	ret |= write_bytes(domid, TASK_PA + k->off_mm, &v, 8);
	v = DMAP + root * PG;
	ret |= write_bytes(domid, MM_PA + k->off_pgd, &v, 8);
	v = DMAP + ROOT_A * PG;
	ret |= write_bytes(domid, kpa(k, k->init_mm + SLIDE + k->off_pgd), &v, 8);
	return ret;
}

/* Everything the kernel would have set up by the time the agent comes. */
static int boot_kernel(unsigned int domid, const struct kimg *k,
		       unsigned long long lstar)
{
	unsigned long long va, task = DMAP + TASK_PA;
	int ret = 0, v;

	ret |= wr64(domid, ROOT_A * PG + 511 * 8, PDPT_K * PG | PTE_RW);
	ret |= wr64(domid, ROOT_A * PG + 273 * 8, PDPT_D * PG | PTE_RW);
	ret |= wr64(domid, ROOT_B * PG + 511 * 8, PDPT_K * PG | PTE_RW);
	ret |= wr64(domid, ROOT_B * PG + 273 * 8, PDPT_D * PG | PTE_RW);
	ret |= wr64(domid, ROOT_C * PG + 511 * 8, PDPT_K * PG | PTE_RW);
	ret |= wr64(domid, ROOT_C * PG + 273 * 8, PDPT_D * PG | PTE_RW);
	ret |= wr64(domid, PDPT_K * PG + 510 * 8, PD_K * PG | PTE_RW);
	ret |= wr64(domid, PDPT_D * PG, 0 | PTE_LARGE);	/* 1 GiB at 0 */
	for (va = k->text + SLIDE; va < k->end + SLIDE; va += 2 << 20)
		ret |= wr64(domid, PD_K * PG + ((va >> 21) & 511) * 8,
			    kpa(k, va) | PTE_LARGE);
	ret |= write_bytes(domid, kpa(k, k->token + SLIDE), k->token_bytes,
			   k->token_len);
	ret |= write_bytes(domid, kpa(k, k->banner + SLIDE), LINUX_BANNER,
			   sizeof(LINUX_BANNER));
	ret |= wr64(domid, PERCPU_PA + k->current_task, task);
	ret |= set_task(domid, k, 4242, 4240, "xi-exploit");
	ret |= task_list(domid, k, ROOT_B);
	for (v = 0; v < VCPUS; v++) {
		ret |= sim("cr domid=%u vcpu=%d index=2 value=0x%llx", domid,
			   v, CR4_PAE);
		ret |= sim("msr domid=%u vcpu=%d msr=0x%x value=0x%llx", domid,
			   v, MSR_EFER, EFER_LME_LMA_NXE);
		ret |= sim("cr domid=%u vcpu=%d index=1 value=0x%llx", domid,
			   v, ROOT_A * PG);
		ret |= sim("cr domid=%u vcpu=%d index=0 value=0x%llx", domid,
			   v, CR0_PG_PE);
		ret |= sim("msr domid=%u vcpu=%d msr=0x%x value=0x%llx", domid,
			   v, MSR_LSTAR, lstar);
		ret |= sim("msr domid=%u vcpu=%d msr=0x%x value=0x%llx", domid,
			   v, MSR_GS_BASE, DMAP + PERCPU_PA);
	}
	return ret ? -1 : 0;
}

/*
 * The guest's scheduler at work: vCPU 1 switches between two address
 * spaces until told to stop, so that an attaching agent sees CR3 writes.
 */
struct switcher {
	pthread_t thread;
	unsigned int domid;
	atomic_bool stop;	/* set by the test, read by the thread */
	bool started;
};

static void *switcher_run(void *arg)
{
	struct switcher *s = arg;
	unsigned long long root[2] = { ROOT_B * PG, ROOT_A * PG };
	int i = 0;

	while (!atomic_load(&s->stop)) {
		sim("cr domid=%u vcpu=1 index=1 value=0x%llx", s->domid,
		    root[i++ & 1]);
		usleep(20000);
	}
	return NULL;
}

/* ------------------------------------------------------------ fixture */

FIXTURE(kguest) {
	unsigned int domid;
	struct agent_proc ap;
	struct kimg k;
	struct switcher sw;
	char image[256];
	char policy[256];
	char res[512];
	char st[1536];
};

FIXTURE_SETUP(kguest)
{
	char tool[256], agent[256];

	memset(&self->ap, 0, sizeof(self->ap));
	memset(&self->sw, 0, sizeof(self->sw));
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	file_path(agent, sizeof(agent), "xenintro-agent.static");
	file_path(tool, sizeof(tool), "xenintro.static");
	file_path(self->image, sizeof(self->image), KGUEST_IMAGE);
	ASSERT_EQ(0, access(agent, X_OK)) TH_LOG("no %s", agent);
	ASSERT_EQ(0, access(self->image, R_OK))
		TH_LOG("no guest kernel image %s (tests/qemu/vm-tests.sh copies Debian's)",
		       self->image);
	ASSERT_EQ(0, kimg_load(&self->k, tool, self->image))
		TH_LOG("cannot read symbols, anchor and offsets of %s with %s",
		       self->image, tool);
	mkdir(RUN_DIR, 0755);
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
}

FIXTURE_TEARDOWN(kguest)
{
	if (self->sw.started) {
		atomic_store(&self->sw.stop, true);
		pthread_join(self->sw.thread, NULL);
	}
	if (self->ap.pid) {
		kill(self->ap.pid, SIGKILL);
		waitpid(self->ap.pid, NULL, 0);
	}
	if (self->domid)
		sim("destroy domid=%u", self->domid);
}

static void switcher_start(struct __test_metadata *_metadata,
			   struct _test_data_kguest *self)
{
	self->sw.domid = self->domid;
	atomic_store(&self->sw.stop, false);
	ASSERT_EQ(0, pthread_create(&self->sw.thread, NULL, switcher_run,
				    &self->sw));
	self->sw.started = true;
}

static void switcher_stop(struct _test_data_kguest *self)
{
	if (!self->sw.started)
		return;
	atomic_store(&self->sw.stop, true);
	pthread_join(self->sw.thread, NULL);
	self->sw.started = false;
}

/*
 * Boot the kernel with LSTAR at entry_SYSCALL_64 + SLIDE, then start the
 * agent on example @name with the image while the guest switches address
 * spaces, and wait until it has applied the policy.
 */
#define KSTART(name)							\
	do {								\
		file_path(self->policy, sizeof(self->policy), name);	\
		KSTART_AT(self->policy, "--kernel", self->image);	\
	} while (0)
/* The same for the policy file at @path, with the agent options given. */
#define KSTART_AT(path, ...)						\
	do {								\
		ASSERT_EQ(0, boot_kernel(self->domid, &self->k,		\
					 self->k.entry + SLIDE));	\
		switcher_start(_metadata, self);			\
		ASSERT_EQ(0, agent_start(&self->ap, self->domid,	\
					 path, ##__VA_ARGS__, NULL));	\
		ASSERT_EQ(0, agent_wait_ready_ms(&self->ap, KSTART_MS)) { \
			char *e = slurp(self->ap.err);			\
			TH_LOG("agent: %s", e);				\
			free(e);					\
		}							\
		switcher_stop(self);					\
		EXPECT_EQ(1, count_lines(self->ap.err, "KASLR slide 0x3a00000", \
					 NULL));			\
	} while (0)

XI_AGENT_FIXTURE_HELPERS(kguest)

/*
 * The agent on @policy (with --kernel @image unless NULL) while the guest
 * switches address spaces must refuse to attach: exit status 3, @why and
 * "refusing to guess" on its standard error, the domain untouched.
 */
static void expect_refused(struct __test_metadata *_metadata,
			   struct _test_data_kguest *self, const char *policy,
			   const char *why, const char *image)
{
	switcher_start(_metadata, self);
	/* the options end at the first NULL: none without an image */
	ASSERT_EQ(0, agent_start(&self->ap, self->domid, policy,
				 image ? "--kernel" : NULL, image, NULL));
	EXPECT_EQ(3, agent_wait_exit(&self->ap, KSTART_MS));
	switcher_stop(self);
	EXPECT_EQ(1, count_lines(self->ap.err, why, "refusing to guess",
				 NULL)) {
		char *e = slurp(self->ap.err);

		TH_LOG("agent: %s", e);
		free(e);
	}
	ASSERT_TRUE(dom_state(self->domid, self->st, sizeof(self->st)));
	EXPECT_EQ(0, kv_num(self->st, "attached")) TH_LOG("%s", self->st);
	EXPECT_EQ(0, kv_num(self->st, "monitors")) TH_LOG("%s", self->st);
	EXPECT_EQ(0, kv_num(self->st, "restricted")) TH_LOG("%s", self->st);
	EXPECT_EQ(0, kv_num(self->st, "pause")) TH_LOG("%s", self->st);
}

/* -------------------------------------------------------------- tests */

/* lstar-guard.yaml: LSTAR held to entry_SYSCALL_64 at its slid address */
TEST_F_TIMEOUT(kguest, lstar_held_to_entry_syscall_64, 300)
{
	unsigned long long entry = self->k.entry + SLIDE;
	char hex[40];

	/* what the log must never show denied: the entry point itself */
	snprintf(hex, sizeof(hex), "\"new\":\"0x%llx\"", entry);
	KSTART("lstar-guard.yaml");
	/* a CPU coming online writes the entry point again: allowed */
	vcpu(_metadata, self, "msr domid=%u vcpu=0 msr=0x%x value=0x%llx",
	     self->domid, MSR_LSTAR, entry);
	EXPECT_TRUE(kv_is(self->res, "result", "done") ||
		    kv_is(self->res, "result", "no-event"))
		TH_LOG("%s", self->res);
	/* a hook: denied, LSTAR keeps the entry point */
	vcpu(_metadata, self, "msr domid=%u vcpu=1 msr=0x%x value=0x%llx",
	     self->domid, MSR_LSTAR, entry + 0x40);
	result_is(_metadata, self, "denied");
	EXPECT_EQ(entry, (unsigned long long)kv_num(self->res, "value"));
	/* the entry point at its link address is a hook too now */
	vcpu(_metadata, self, "msr domid=%u vcpu=1 msr=0x%x value=0x%llx",
	     self->domid, MSR_LSTAR, self->k.entry);
	result_is(_metadata, self, "denied");
	vcpu(_metadata, self, "msr domid=%u vcpu=0 msr=0x174 value=0x10",
	     self->domid);
	result_is(_metadata, self, "denied");

	EXPECT_TRUE(wait_log(self->ap.log, "\"msr\":\"0x174\"", 5000));
	EXPECT_EQ(2, count_lines(self->ap.log, "\"rule\":\"lstar-write\"",
				 "\"verdict\":\"deny\"", NULL));
	/* the rewrite of the entry point itself went through */
	EXPECT_EQ(0, count_lines(self->ap.log, "\"rule\":\"lstar-write\"",
				 "\"verdict\":\"deny\"", hex, NULL));
	stop_and_check_clean(_metadata, self);
}

/* kernel-integrity.yaml: text and syscall table, by symbol, by frame */
TEST_F_TIMEOUT(kguest, kernel_integrity_by_symbol, 300)
{
	const struct kimg *k = &self->k;
	unsigned long long text0 = kpa(k, k->stext + SLIDE) >> 12;
	unsigned long long text1 = kpa(k, k->etext + SLIDE - 1) >> 12;
	unsigned long long sys0 = kpa(k, k->syscalls + SLIDE) >> 12;
	unsigned long long sys1 = kpa(k, k->syscalls + SLIDE + 0xfff) >> 12;
	unsigned long long mid = (text0 + text1) / 2;

	ASSERT_EQ(0, boot_kernel(self->domid, k, k->entry + SLIDE));
	ASSERT_EQ(0, wr64(self->domid, mid * PG + 8, 0xaaaa));
	KSTART("kernel-integrity.yaml");

	vcpu(_metadata, self, "access domid=%u vcpu=0 gfn=%llu op=w offset=8 value=0x1234",
	     self->domid, mid);
	result_is(_metadata, self, "emulated-nowrite");
	EXPECT_EQ(0xaaaa, kv_num(self->res, "value"));
	vcpu(_metadata, self, "access domid=%u vcpu=1 gfn=%llu op=w value=0x1",
	     self->domid, text1);
	result_is(_metadata, self, "emulated-nowrite");
	vcpu(_metadata, self, "access domid=%u vcpu=1 gfn=%llu op=w value=0x1",
	     self->domid, sys1);
	result_is(_metadata, self, "emulated-nowrite");
	/* reads and fetches of text are free */
	vcpu(_metadata, self, "access domid=%u vcpu=0 gfn=%llu op=x",
	     self->domid, text0);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "events"));
	/* the frame after the text is not the text */
	vcpu(_metadata, self, "access domid=%u vcpu=0 gfn=%llu op=w value=0x1",
	     self->domid, text1 + 1);
	result_is(_metadata, self, "done");
	EXPECT_EQ(0, kv_num(self->res, "events"));
	/* at the link address (no slide, no physical offset): nothing */
	vcpu(_metadata, self, "access domid=%u vcpu=0 gfn=%llu op=w value=0x1",
	     self->domid, (k->stext - KMAP) >> 12);
	result_is(_metadata, self, "done");

	ASSERT_TRUE(dom_state(self->domid, self->st, sizeof(self->st)));
	EXPECT_EQ(text1 - text0 + 1 + sys1 - sys0 + 1,
		  (unsigned long long)kv_num(self->st, "restricted"))
		TH_LOG("%s", self->st);
	EXPECT_TRUE(wait_log(self->ap.log, "syscall-table-write", 5000));
	EXPECT_EQ(2, count_lines(self->ap.log, "\"rule\":\"kernel-text-write\"",
				 "\"notify\":true", NULL));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"rule\":\"syscall-table-write\"",
				 NULL));
	stop_and_check_clean(_metadata, self);
}

/* cred-watch.yaml: commit_creds by symbol, the process by name */
TEST_F_TIMEOUT(kguest, cred_watch_names_the_process, 300)
{
	unsigned long long creds = self->k.creds + SLIDE;

	KSTART("cred-watch.yaml");
	EXPECT_EQ(1, count_lines(self->ap.err, "process names from current_task",
				 NULL));
	vcpu(_metadata, self, "int3 domid=%u vcpu=0 rip=0x%llx", self->domid,
	     creds + 4);
	result_is(_metadata, self, "reinjected");
	EXPECT_EQ(1, kv_num(self->res, "events"));
	/* an expected process: answered the same, not logged */
	ASSERT_EQ(0, set_task(self->domid, &self->k, 777, 777, "sudo"));
	vcpu(_metadata, self, "int3 domid=%u vcpu=1 rip=0x%llx", self->domid,
	     creds + 4);
	result_is(_metadata, self, "reinjected");
	/* a name the guest chose to break a log line: escaped */
	ASSERT_EQ(0, set_task(self->domid, &self->k, 31337, 31337,
			      "a\"b\\c"));
	vcpu(_metadata, self, "int3 domid=%u vcpu=1 rip=0x%llx", self->domid,
	     creds);
	result_is(_metadata, self, "reinjected");
	/* the function at its link address is some other code now */
	vcpu(_metadata, self, "int3 domid=%u vcpu=0 rip=0x%llx", self->domid,
	     self->k.creds);
	result_is(_metadata, self, "reinjected");

	EXPECT_TRUE(wait_log(self->ap.log, "31337", 5000));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"rule\":\"commit-creds\"",
				 "\"pid\":4242", "\"tgid\":4240",
				 "\"comm\":\"xi-exploit\"", NULL));
	EXPECT_EQ(0, count_lines(self->ap.log, "\"comm\":\"sudo\"", NULL));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"rule\":\"commit-creds\"",
				 "a\\\\x22b\\\\x5cc", NULL));
	EXPECT_EQ(2, count_lines(self->ap.log, "\"type\":\"event\"", NULL));
	stop_and_check_clean(_metadata, self);
}

/*
 * A LSTAR the anchor does not confirm: not 2 MiB away from the image's
 * entry point, or 2 MiB away where the guest holds no such table. The
 * agent refuses to attach (exit 3) and leaves the domain untouched.
 */
TEST_F_TIMEOUT(kguest, unconfirmed_slide_refused, 400)
{
	static const unsigned long long off[] = { 0x1000, 2 << 20 };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(off); i++) {
		ASSERT_EQ(0, boot_kernel(self->domid, &self->k,
					 self->k.entry + SLIDE + off[i]));
		file_path(self->policy, sizeof(self->policy),
			  "kernel-integrity.yaml");
		expect_refused(_metadata, self, self->policy,
			       "the guest's bytes at kallsyms_token_table",
			       self->image);
	}
}

/* A CR3 write on vCPU 0 that must complete. */
static void cr3_write(struct __test_metadata *_metadata,
		      struct _test_data_kguest *self, unsigned long long cr3)
{
	vcpu(_metadata, self, "cr domid=%u vcpu=0 index=1 value=0x%llx",
	     self->domid, cr3);
}

/*
 * CR3 records name the process that was running and the one whose address
 * space the write loads: found in the task list by mm->pgd, checked
 * before each use. The process "exits" and its mm gets another page
 * table: the old CR3 is nobody's any more, never the old name.
 */
TEST_F_TIMEOUT(kguest, cr3_names_the_next_process, 300)
{
	static const char pol[] = "/tmp/xi-kguest-cr3.yaml";
	FILE *f;
	int i;

	f = fopen(pol, "we");
	ASSERT_NE(NULL, f);
	fprintf(f,
		"guest: %u\n"
		"kernel: {image: /nonexistent/overridden}\n"
		"monitors: {cr3: {sync: false}}\n"
		"log: {events: [cr], process: true}\n", self->domid);
	fclose(f);
	KSTART_AT(pol, "--kernel", self->image);
	EXPECT_EQ(1, count_lines(self->ap.err, "process names from current_task",
				 "cached per vCPU", NULL));

	/* A -> B -> A -> B: the kernel's space and the task's */
	cr3_write(_metadata, self, ROOT_B * PG);
	cr3_write(_metadata, self, ROOT_A * PG);
	cr3_write(_metadata, self, ROOT_B * PG);
	/*
	 * The agent reads the names after these writes (they did not wait
	 * for it): let it log them before the guest's memory changes.
	 */
	for (i = 0; i < 250 && count_lines(self->ap.log, "\"vcpu\":0",
					   "\"new\":\"0x4000\"", NULL) < 2; i++)
		usleep(20000);
	/* the task goes; a new one gets its task_struct, mm and ROOT_C */
	usleep(100000);
	ASSERT_EQ(0, task_list(self->domid, &self->k, ROOT_C));
	cr3_write(_metadata, self, ROOT_C * PG | 0x5);	/* with a PCID */
	cr3_write(_metadata, self, ROOT_A * PG);

	EXPECT_TRUE(wait_log(self->ap.log, "\"new\":\"0x6005\"", 5000));
	/* and the last write's record (back to A), logged after that one */
	for (i = 0; i < 250 && count_lines(self->ap.log, "\"vcpu\":0",
					   "\"new\":\"0x1000\"", NULL) < 2; i++)
		usleep(20000);
	/*
	 * These writes did not wait for the agent: "process" is the owner
	 * of the space switched away from (the event's CR3), and
	 * "next_process" the owner of the one loaded.
	 */
	EXPECT_EQ(2, count_lines(self->ap.log, "\"vcpu\":0", "\"new\":\"0x4000\"",
				 "\"process\":{\"pid\":0,\"tgid\":0,\"comm\":\"swapper/0\"",
				 "\"next_process\":{\"pid\":4242,\"tgid\":4240,\"comm\":\"xi-exploit\"",
				 NULL)) {
		char *l = slurp(self->ap.log);

		TH_LOG("log: %.3000s", l);
		free(l);
	}
	EXPECT_EQ(2, count_lines(self->ap.log, "\"vcpu\":0", "\"new\":\"0x1000\"",
				 "\"process\":{\"pid\":4242,",
				 "\"next_process\":{\"pid\":0,\"tgid\":0,\"comm\":\"swapper/0\"",
				 NULL));
	/* ROOT_B was the task's until it changed: checked, not trusted */
	EXPECT_EQ(1, count_lines(self->ap.log, "\"vcpu\":0", "\"new\":\"0x6005\"",
				 "\"process\":{\"error\":\"no task has this address space\"}",
				 "\"next_process\":{\"pid\":4242,", NULL));
	stop_and_check_clean(_metadata, self);
	unlink(pol);
}

/*
 * The symbols from a System.map instead of the image (here the image's
 * own list, as `xenintro ksyms` prints it): a map has no kallsyms token
 * table, so the slide's second anchor is the linux_banner text. LSTAR is
 * held to entry_SYSCALL_64 as before; with the banner's bytes wrong the
 * attach is refused.
 */
TEST_F_TIMEOUT(kguest, system_map_and_linux_banner, 300)
{
	static const char map[] = "/tmp/xi-kguest.map";
	static const char pol[] = "/tmp/xi-kguest-map.yaml";
	unsigned long long entry = self->k.entry + SLIDE;
	char tool[256];
	FILE *f;

	file_path(tool, sizeof(tool), "xenintro.static");
	ASSERT_EQ(0, run_cmd("%s ksyms %s >%s", tool, self->image, map));
	f = fopen(pol, "we");
	ASSERT_NE(NULL, f);
	fprintf(f,
		"guest: %u\n"
		"kernel: {system_map: %s}\n"
		"monitors: {msr: [{msr: LSTAR, deny_capable: true}]}\n"
		"rules: [{name: lstar-write, event: msr, msr: LSTAR, action: forward}]\n"
		"forwarded:\n"
		"  default: deny\n"
		"  decide: [{event: msr, value: entry_SYSCALL_64, verdict: continue}]\n"
		"log: {events: [msr]}\n", self->domid, map);
	fclose(f);

	KSTART_AT(pol);
	EXPECT_EQ(1, count_lines(self->ap.err, "linux_banner matches", NULL));
	vcpu(_metadata, self, "msr domid=%u vcpu=1 msr=0x%x value=0x%llx",
	     self->domid, MSR_LSTAR, entry + 0x40);
	result_is(_metadata, self, "denied");
	EXPECT_EQ(entry, (unsigned long long)kv_num(self->res, "value"));
	stop_and_check_clean(_metadata, self);

	/* the banner is not where the map says: no slide, no attach */
	ASSERT_EQ(0, write_bytes(self->domid,
				 kpa(&self->k, self->k.banner + SLIDE),
				 "Linux versi0n", 13));
	expect_refused(_metadata, self, pol, "linux_banner + slide differ",
		       NULL);
	unlink(map);
	unlink(pol);
}

TEST_HARNESS_MAIN
