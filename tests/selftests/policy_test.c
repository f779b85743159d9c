// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: the domain policy (which domains ATTACH may reach) and the
 * audit records of every use of xenintro, on the simulated hypervisor.
 *
 * The policy is the module parameter domain_policy, written here through
 * /sys/module/xenintro/parameters/domain_policy and given at load time.
 * Simulated domains get a name and a role (driver, stub) at "create", and
 * the simulator's own_domid parameter names the domain "this kernel runs
 * in".
 *
 * Audit records are read over audit netlink: a socket bound to the
 * read-only multicast group (AUDIT_NLGRP_READLOG) gets every record the
 * kernel emits, with no auditd needed (the VM has none). Without auditd
 * the kernel also prints them ("audit: type=1316 ..."), rate limited by
 * printk: one test finds a record there too.
 */
#define _GNU_SOURCE
#include <linux/audit.h>
#include <linux/capability.h>
#include <linux/netlink.h>
#include <linux/xenintro.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xi_modules.h"
#include "xi_sim.h"

#define POLICY	"/sys/module/xenintro/parameters/domain_policy"
#define OWN_DOMID	"/sys/module/xenintro_sim/parameters/own_domid"
#define AUDIT_WAIT_MS	5000
#define RECORDS_MAX	(256 * 1024)

/* Write @text to a sysfs file: 0 or -errno. */
static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, strlen(text)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	buf[0] = '\0';
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	if (n && buf[n - 1] == '\n')
		buf[n - 1] = '\0';
	return 0;
}

static int set_policy(const char *fmt, ...)
{
	char text[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	/* sysfs ignores an empty write: a blank line is the empty policy */
	return write_file(POLICY, text[0] ? text : "\n");
}

/*
 * The audit trail as this process saw it: a socket on the multicast group
 * and every record received so far, one per line.
 */
struct trail {
	int fd;
	char *text;
	size_t len;
};

/* 0, or -errno (no audit in this kernel: -EPROTONOSUPPORT). */
static int trail_open(struct trail *t)
{
	struct sockaddr_nl sa = {
		.nl_family = AF_NETLINK,
		.nl_groups = 1U << (AUDIT_NLGRP_READLOG - 1),
	};

	t->len = 0;
	t->text = calloc(1, RECORDS_MAX);
	t->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
	if (t->fd < 0 || !t->text)
		return -errno;
	if (bind(t->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(t->fd);
		t->fd = -1;
		return -errno;
	}
	return 0;
}

static void trail_close(struct trail *t)
{
	if (t->fd >= 0)
		close(t->fd);
	free(t->text);
	t->text = NULL;
}

/* Take in what arrived, waiting up to @ms for something. */
static void trail_read(struct trail *t, int ms)
{
	char buf[9000];
	struct pollfd p = { .fd = t->fd, .events = POLLIN };
	struct nlmsghdr *nh;
	ssize_t n;
	size_t len;

	while (poll(&p, 1, ms) > 0) {
		n = recv(t->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n <= 0)
			break;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, n);
		     nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_type != AUDIT_KERNEL_OTHER)
				continue;
			len = nh->nlmsg_len - NLMSG_HDRLEN;
			if (t->len + len + 2 >= RECORDS_MAX)
				continue;
			memcpy(t->text + t->len, NLMSG_DATA(nh), len);
			t->len += strnlen(t->text + t->len, len);
			t->text[t->len++] = '\n';
			t->text[t->len] = '\0';
		}
		ms = 0;
	}
}

/*
 * The first record (from @from on) holding every one of the NULL-ended
 * @needles, copied to @out; waits up to AUDIT_WAIT_MS for it. Returns the
 * offset after it, or 0 if none came.
 */
static size_t trail_find(struct trail *t, size_t from, char *out,
			 size_t outlen, const char *const *needles)
{
	long long end = now_ms() + AUDIT_WAIT_MS;
	const char *line, *nl;
	size_t i, n;

	out[0] = '\0';
	for (;;) {
		for (line = t->text + from; *line; line = nl + 1) {
			nl = strchr(line, '\n');
			n = nl - line;
			for (i = 0; needles[i]; i++)
				if (!memmem(line, n, needles[i],
					    strlen(needles[i])))
					break;
			if (!needles[i]) {
				if (n >= outlen)
					n = outlen - 1;
				memcpy(out, line, n);
				out[n] = '\0';
				return nl + 1 - t->text;
			}
		}
		from = line - t->text;
		if (now_ms() > end)
			return 0;
		trail_read(t, 100);
	}
}

/* How many records hold all @needles (after waiting @ms for more). */
static int trail_count(struct trail *t, int ms, const char *const *needles)
{
	const char *line, *nl;
	int count = 0;
	size_t i;

	trail_read(t, ms);
	for (line = t->text; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		for (i = 0; needles[i]; i++)
			if (!memmem(line, nl - line, needles[i],
				    strlen(needles[i])))
				break;
		count += !needles[i];
	}
	return count;
}

#define NEEDLES(...)	((const char *const []){ __VA_ARGS__, NULL })

/*
 * The fields every record must carry about who did it: this process's
 * pid and uid, an auid, its comm and its executable.
 */
static bool record_names_me(const char *rec, char *why, size_t whylen)
{
	char pid[32], want[32], buf[256];

	snprintf(want, sizeof(want), "%d", getpid());
	kv_str(rec, "pid", pid, sizeof(pid));
	if (strcmp(pid, want)) {
		snprintf(why, whylen, "pid=%s, want %s", pid, want);
		return false;
	}
	if (!kv_is(rec, "uid", "0") || kv_num(rec, "auid") < 0) {
		snprintf(why, whylen, "no uid=0 or auid=");
		return false;
	}
	if (!kv_is(rec, "comm", "\"policy_test\"")) {
		kv_str(rec, "comm", buf, sizeof(buf));
		snprintf(why, whylen, "comm=%s", buf);
		return false;
	}
	kv_str(rec, "exe", buf, sizeof(buf));
	if (!strstr(buf, "/policy_test\"")) {
		snprintf(why, whylen, "exe=%s", buf);
		return false;
	}
	return true;
}

/* Does /dev/kmsg (from @fd's position on) get a line with @needle? */
static bool kmsg_has(int fd, const char *needle, int ms)
{
	long long end = now_ms() + ms;
	char rec[2048];
	ssize_t n;

	for (;;) {
		n = read(fd, rec, sizeof(rec) - 1);
		if (n > 0) {
			rec[n] = '\0';
			if (strstr(rec, needle))
				return true;
			continue;
		}
		if (n < 0 && errno == EPIPE)
			continue;	/* overwritten records: read on */
		if (now_ms() > end)
			return false;
		usleep(20000);
	}
}

static int kmsg_open_at_end(void)
{
	int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd >= 0)
		lseek(fd, 0, SEEK_END);
	return fd;
}

FIXTURE(pol)
{
	unsigned int guest, driver, stub, self_dom, denied;
	char guest_name[32], denied_name[32], stub_name[32];
	struct trail trail;
	bool audit;
	int kmsg;
	struct xenintro x;
};

FIXTURE_SETUP(pol)
{
	int ret;

	memset(&self->x, 0, sizeof(self->x));
	self->trail.fd = -1;
	self->kmsg = -1;
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	self->guest = sim_test_domid();
	self->driver = self->guest + 1;
	self->stub = self->guest + 2;
	self->self_dom = self->guest + 3;
	self->denied = self->guest + 4;
	snprintf(self->guest_name, sizeof(self->guest_name), "pt-guest-%u",
		 self->guest);
	snprintf(self->denied_name, sizeof(self->denied_name), "pt-deny-%u",
		 self->guest);
	snprintf(self->stub_name, sizeof(self->stub_name), "pt-guest-%u-dm",
		 self->guest);
	ASSERT_EQ(0, set_policy(""));
	ASSERT_EQ(0, write_file(OWN_DOMID, "0"));
	for (unsigned int d = self->guest; d <= self->denied; d++)
		sim("destroy domid=%u", d);
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=16 name=%s",
			 self->guest, self->guest_name));
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=16 name=pt-net-%u role=driver",
			 self->driver, self->guest));
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=16 name=%s role=stub",
			 self->stub, self->stub_name));
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=16",
			 self->self_dom));
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=16 name=%s",
			 self->denied, self->denied_name));
	ret = trail_open(&self->trail);
	self->audit = !ret;
	if (ret)
		TH_LOG("no audit netlink (%s): audit records not checked",
		       strerror(-ret));
	self->kmsg = kmsg_open_at_end();
	ASSERT_EQ(0, xenintro_open(&self->x, XENINTRO_FEATURE_RINGS |
				   XENINTRO_FEATURE_RULES |
				   XENINTRO_FEATURE_MEMORY |
				   XENINTRO_FEATURE_MEM_MAP, 0));
}

FIXTURE_TEARDOWN(pol)
{
	xenintro_close(&self->x);
	if (access(SIM_CTL, F_OK))
		return;
	set_policy("");
	write_file(OWN_DOMID, "0");
	for (unsigned int d = self->guest; d <= self->denied; d++)
		sim("destroy domid=%u", d);
	trail_close(&self->trail);
	if (self->kmsg >= 0)
		close(self->kmsg);
}

/* ATTACH on a fresh fd; the errno, the fd closed again. */
static int try_attach(unsigned int domid)
{
	struct xenintro y;
	int ret;

	ret = xenintro_open(&y, XENINTRO_FEATURE_RINGS, 0);
	if (ret)
		return ret;
	ret = xenintro_attach(&y, domid, NULL);
	xenintro_close(&y);
	return ret;
}

/* The refusal's audit record: res=0, the reason, and who asked. */
static void expect_refusal_record(struct __test_metadata *_metadata,
				  struct trail *t, unsigned int domid,
				  const char *reason)
{
	char dom[32], why[128], rec[2048], r[64];

	snprintf(dom, sizeof(dom), " domid=%u ", domid);
	snprintf(r, sizeof(r), " reason=%s ", reason);
	ASSERT_NE(0, trail_find(t, 0, rec, sizeof(rec),
				NEEDLES("module=xenintro op=attach", dom, r,
					" res=0")))
		TH_LOG("no refusal record for dom%u (%s)", domid, reason);
	EXPECT_TRUE(record_names_me(rec, why, sizeof(why)))
		TH_LOG("%s: %s", why, rec);
	EXPECT_EQ(13, kv_num(rec, "err")) TH_LOG("%s", rec);
}

/*
 * With the default policy: dom0, the domain this kernel runs in, driver
 * and stub domains are refused with EACCES, a log line that says why and
 * an audit record; an ordinary guest is not.
 */
TEST_F(pol, default_refuses_dom0_self_driver_and_stub)
{
	char want[160], text[1024];

	ASSERT_EQ(0, read_file(POLICY, text, sizeof(text)));
	EXPECT_STREQ("default=allow", text);
	ASSERT_EQ(0, write_file(OWN_DOMID, (snprintf(want, sizeof(want), "%u",
						     self->self_dom), want)));

	EXPECT_EQ(-EACCES, try_attach(0));
	EXPECT_EQ(-EACCES, try_attach(self->driver));
	EXPECT_EQ(-EACCES, try_attach(self->stub));
	EXPECT_EQ(-EACCES, try_attach(self->self_dom));
	EXPECT_EQ(0, try_attach(self->guest));

	if (self->kmsg >= 0) {
		snprintf(want, sizeof(want),
			 "ATTACH to dom%u (pt-net-%u) refused (pid %d, %s): %s",
			 self->driver, self->guest, getpid(), "policy_test",
			 "a driver domain");
		EXPECT_TRUE(kmsg_has(self->kmsg, want, 2000))
			TH_LOG("no kernel log line '%s'", want);
		snprintf(want, sizeof(want),
			 "ATTACH to dom%u (%s) refused (pid %d, %s): %s",
			 self->stub, self->stub_name, getpid(), "policy_test",
			 "a stub domain");
		EXPECT_TRUE(kmsg_has(self->kmsg, want, 2000))
			TH_LOG("no kernel log line '%s'", want);
	}
	if (!self->audit)
		SKIP(return, "kernel without audit netlink: records not checked");
	expect_refusal_record(_metadata, &self->trail, 0, "dom0");
	expect_refusal_record(_metadata, &self->trail, self->driver, "driver");
	expect_refusal_record(_metadata, &self->trail, self->stub, "stub");
	expect_refusal_record(_metadata, &self->trail, self->self_dom, "self");
}

/* An explicit allow, by domid or by name, lifts the protection. */
TEST_F(pol, explicit_allow_lifts_the_protection)
{
	char own[16];

	snprintf(own, sizeof(own), "%u", self->self_dom);
	ASSERT_EQ(0, write_file(OWN_DOMID, own));
	ASSERT_EQ(0, set_policy("allow=%u,name:%s allow=%u", self->driver,
				self->stub_name, self->self_dom));
	EXPECT_EQ(0, try_attach(self->driver));
	EXPECT_EQ(0, try_attach(self->stub));
	EXPECT_EQ(0, try_attach(self->self_dom));
	/* dom0 stays refused: the simulator has none, allowed or not */
	EXPECT_EQ(-EACCES, try_attach(0));
	ASSERT_EQ(0, set_policy("allow=0"));
	EXPECT_EQ(-ESRCH, try_attach(0));
}

/*
 * deny= refuses by domid and by name, whatever allow= says; default=deny
 * refuses every domain no allow names.
 */
TEST_F(pol, deny_and_default_deny)
{
	ASSERT_EQ(0, set_policy("deny=%u;deny=%s", self->guest,
				self->denied_name));
	EXPECT_EQ(-EACCES, try_attach(self->guest));
	EXPECT_EQ(-EACCES, try_attach(self->denied));
	/* deny wins over allow, in either order */
	ASSERT_EQ(0, set_policy("allow=%u deny=name:%s", self->guest,
				self->guest_name));
	EXPECT_EQ(-EACCES, try_attach(self->guest));
	ASSERT_EQ(0, set_policy("deny=%u allow=%s", self->guest,
				self->guest_name));
	EXPECT_EQ(-EACCES, try_attach(self->guest));

	ASSERT_EQ(0, set_policy("default=deny allow=%s", self->guest_name));
	EXPECT_EQ(0, try_attach(self->guest));
	EXPECT_EQ(-EACCES, try_attach(self->denied));
	/* a refused ATTACH left nothing behind: the domain is free */
	ASSERT_EQ(0, set_policy(""));
	EXPECT_EQ(0, try_attach(self->denied));
	if (!self->audit)
		SKIP(return, "kernel without audit netlink: records not checked");
	expect_refusal_record(_metadata, &self->trail, self->guest,
			      "deny-domid");
	expect_refusal_record(_metadata, &self->trail, self->denied,
			      "deny-name");
	expect_refusal_record(_metadata, &self->trail, self->denied,
			      "default-deny");
}

/* Drop CAP_SYS_ADMIN, then write the policy: 0 if refused with EPERM. */
static int write_policy_without_sys_admin(void)
{
	int ret = drop_sys_admin();

	if (ret)
		return ret;
	return write_file(POLICY, "default=deny") == -EPERM ? 0 : 1;
}

/*
 * The policy file: root's only, refuses bad text and changes nothing
 * then, refuses root without CAP_SYS_ADMIN, reads back in normal form,
 * and every change is audited with the policy before and after.
 */
TEST_F(pol, policy_file)
{
	char text[1024], want[256], rec[2048], why[128], newf[300];
	struct stat st;
	pid_t pid;
	int status;

	ASSERT_EQ(0, stat(POLICY, &st));
	EXPECT_EQ(0600, st.st_mode & 07777);
	EXPECT_EQ(0, st.st_uid);

	ASSERT_EQ(0, set_policy("deny=%s,%u default=deny allow=%u",
				self->denied_name, self->guest + 7,
				self->guest));
	ASSERT_EQ(0, read_file(POLICY, text, sizeof(text)));
	snprintf(want, sizeof(want), "default=deny;allow=%u;deny=name:%s,%u",
		 self->guest, self->denied_name, self->guest + 7);
	EXPECT_STREQ(want, text);

	EXPECT_EQ(-EINVAL, set_policy("allow=%u,,", self->guest));
	EXPECT_EQ(-EINVAL, set_policy("permit=%u", self->guest));
	EXPECT_EQ(-EINVAL, set_policy("deny=32752"));
	ASSERT_EQ(0, read_file(POLICY, text, sizeof(text)));
	EXPECT_STREQ(want, text);

	pid = fork();
	if (!pid)
		_exit(write_policy_without_sys_admin());
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
		TH_LOG("root without CAP_SYS_ADMIN: status %d", status);
	ASSERT_EQ(0, read_file(POLICY, text, sizeof(text)));
	EXPECT_STREQ(want, text);

	if (!self->audit)
		SKIP(return, "kernel without audit netlink: records not checked");
	snprintf(newf, sizeof(newf), " new=\"%s\" ", want);
	ASSERT_NE(0, trail_find(&self->trail, 0, rec, sizeof(rec),
				NEEDLES("module=xenintro op=set-policy",
					" old=\"default=allow\" ", newf,
					" res=1")));
	EXPECT_TRUE(record_names_me(rec, why, sizeof(why)))
		TH_LOG("%s: %s", why, rec);
	/* the refused writes: recorded too, res=0 */
	EXPECT_GE(trail_count(&self->trail, 200,
			      NEEDLES("module=xenintro op=set-policy",
				      " err=22 res=0")), 3);
}

/* One record of @op for @domid with @fields, res=1, naming this process. */
static void expect_record(struct __test_metadata *_metadata, struct trail *t,
			  const char *op, unsigned int domid,
			  const char *fields)
{
	char o[64], dom[32], rec[2048], why[128];

	snprintf(o, sizeof(o), "module=xenintro op=%s ", op);
	snprintf(dom, sizeof(dom), " domid=%u ", domid);
	ASSERT_NE(0, trail_find(t, 0, rec, sizeof(rec),
				NEEDLES(o, dom, fields, " res=1")))
		TH_LOG("no '%s' record for dom%u with '%s'", op, domid,
		       fields);
	EXPECT_TRUE(record_names_me(rec, why, sizeof(why)))
		TH_LOG("%s: %s", why, rec);
}

/*
 * Each control action is one record with what changed; reads are counted:
 * one record for the first READ_MEM and the first MAP_FRAMES, and the
 * totals in the detach record.
 */
TEST_F(pol, audit_records_every_change)
{
	struct xenintro_rule rule = {
		.event = XENINTRO_EVENT_CPUID,
		.action = XENINTRO_VERDICT_CONTINUE,
		.last = ~0ULL,
	};
	char dom[32], f[160];
	const void *addr;
	/* the library's type: stdint's, not the uAPI's __u64 */
	const unsigned long gfns[2] = { 1, 2 };
	__u8 buf[64];
	int i;

	if (!self->audit)
		SKIP(return, "kernel without audit netlink (CONFIG_AUDIT off?)");
	/* frames the guest wrote, so that they can be mapped */
	ASSERT_EQ(0, sim("access domid=%u vcpu=0 gfn=1 op=w value=1",
			 self->guest));
	ASSERT_EQ(0, sim("access domid=%u vcpu=0 gfn=2 op=w value=2",
			 self->guest));
	ASSERT_EQ(0, xenintro_attach(&self->x, self->guest, NULL));
	ASSERT_EQ(0, xenintro_monitor_enable(&self->x,
					     XENINTRO_MONITOR_CPUID, 0, 0));
	ASSERT_EQ(0, xenintro_set_access(&self->x, 3, 2, XENINTRO_ACCESS_R));
	ASSERT_EQ(0, xenintro_set_rules(&self->x, &rule, 1, NULL, NULL));
	ASSERT_EQ(0, xenintro_pause(&self->x));
	ASSERT_EQ(0, xenintro_unpause(&self->x));
	for (i = 0; i < 5; i++)
		ASSERT_EQ(64, xenintro_read_phys(&self->x, 4096 + i, buf, 64));
	ASSERT_EQ(2, xenintro_map_frames(&self->x, gfns, 2, NULL, &addr));
	xenintro_unmap_frames(addr, 2);
	ASSERT_EQ(0, xenintro_restrict(&self->x, XENINTRO_RESTRICT_DOMAIN,
				       self->guest, 1ULL << _XENINTRO_DETACH));
	ASSERT_EQ(0, xenintro_detach(&self->x));

	snprintf(f, sizeof(f), " dom_name=\"%s\" backend=sim vcpus=1 ",
		 self->guest_name);
	expect_record(_metadata, &self->trail, "attach", self->guest, f);
	/* the kernel's %#x prints 0 as 0x0 */
	snprintf(f, sizeof(f), " event=%u index=0x0 enable=1 ",
		 XENINTRO_MONITOR_CPUID);
	expect_record(_metadata, &self->trail, "monitor", self->guest, f);
	expect_record(_metadata, &self->trail, "set-access", self->guest,
		      " list=0 gfn=0x3 nr=2 rights=0x1 ");
	expect_record(_metadata, &self->trail, "set-rules", self->guest,
		      " rules=1 generation=1 ");
	expect_record(_metadata, &self->trail, "pause", self->guest, " ");
	expect_record(_metadata, &self->trail, "unpause", self->guest, " ");
	expect_record(_metadata, &self->trail, "read-mem", self->guest,
		      " reads=1 read_bytes=64 ");
	expect_record(_metadata, &self->trail, "map-frames", self->guest,
		      " maps=1 map_frames=2 ");
	expect_record(_metadata, &self->trail, "restrict", self->guest,
		      " ioctls=");
	/* monitors come off at detach: no record, that is teardown */
	expect_record(_metadata, &self->trail, "detach", self->guest,
		      " reason=detach reads=5 read_bytes=320 maps=1 map_frames=2 ");

	/* five reads, one record: the rest are in the totals */
	snprintf(dom, sizeof(dom), " domid=%u ", self->guest);
	EXPECT_EQ(1, trail_count(&self->trail, 200,
				 NEEDLES("module=xenintro op=read-mem ", dom)));
}

/*
 * Without auditd the kernel prints the records to its log too (rate
 * limited by printk, 10 per 5 s: waited out first).
 */
TEST_F(pol, records_reach_the_kernel_log)
{
	char want[128];

	if (!self->audit)
		SKIP(return, "kernel without audit netlink (CONFIG_AUDIT off?)");
	if (self->kmsg < 0)
		SKIP(return, "no /dev/kmsg");
	sleep(6);
	ASSERT_EQ(0, xenintro_attach(&self->x, self->guest, NULL));
	/* the kernel prints "audit: type=1316 audit(<time>:<serial>): ..." */
	snprintf(want, sizeof(want), "module=xenintro op=attach domid=%u dom_name=\"%s\"",
		 self->guest, self->guest_name);
	EXPECT_TRUE(kmsg_has(self->kmsg, want, 3000))
		TH_LOG("no '%s' in the kernel log", want);
}

/*
 * A policy given at load time is in force from the start, and one that
 * does not parse stops the load. Memory writes (allowed at load time) are
 * recorded one by one.
 */
TEST(load_time_policy_and_writes)
{
	const char *dir = getenv("XENINTRO_KO_DIR");
	unsigned int domid = sim_test_domid();
	char params[128], text[256], dom[32], rec[2048];
	struct trail t = { .fd = -1 };
	struct xenintro x;
	__u64 w = 0x1122334455667788ULL;

	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	if (!dir)
		SKIP(return, "XENINTRO_KO_DIR not set: cannot reload the module");
	sim("destroy domid=%u", domid);
	sim("destroy domid=%u", domid + 1);

	unload_module("xenintro_sim");
	ASSERT_EQ(0, unload_module("xenintro"));
	EXPECT_EQ(-EINVAL, load_module(dir, "xenintro",
				       "domain_policy=allow=,,"));
	EXPECT_FALSE(module_loaded("xenintro"));
	/*
	 * A good policy, then a parameter that fails the load: the parsed
	 * policy is freed with it (kmemleak, at the end of the VM run, would
	 * report it otherwise).
	 */
	EXPECT_EQ(-EINVAL, load_module(dir, "xenintro",
				       "domain_policy=deny=7 drain_budget=0"));
	EXPECT_FALSE(module_loaded("xenintro"));
	snprintf(params, sizeof(params),
		 "allow_guest_writes=1 domain_policy=deny=%u", domid + 1);
	ASSERT_EQ(0, reload_core(dir, params));
	ASSERT_EQ(0, read_file(POLICY, text, sizeof(text)));
	snprintf(params, sizeof(params), "default=allow;deny=%u", domid + 1);
	EXPECT_STREQ(params, text);

	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=16", domid));
	ASSERT_EQ(0, sim("create domid=%u vcpus=1 frames=16", domid + 1));
	ASSERT_EQ(0, xenintro_open(&x, XENINTRO_FEATURE_RINGS |
				   XENINTRO_FEATURE_MEMORY |
				   XENINTRO_FEATURE_MEM_WRITE, 0));
	EXPECT_EQ(-EACCES, xenintro_attach(&x, domid + 1, NULL));
	ASSERT_EQ(0, xenintro_attach(&x, domid, NULL));
	if (!trail_open(&t)) {
		EXPECT_EQ(8, xenintro_write_phys(&x, 4096 + 8, &w, 8));
		EXPECT_EQ(8, xenintro_write_phys(&x, 8192, &w, 8));
		snprintf(dom, sizeof(dom), " domid=%u ", domid);
		EXPECT_NE(0, trail_find(&t, 0, rec, sizeof(rec),
					NEEDLES("module=xenintro op=write-mem ",
						dom, " segs=1 bytes=8 addr=0x1008 virt=0 ",
						" res=1")));
		EXPECT_EQ(2, trail_count(&t, 300,
					 NEEDLES("module=xenintro op=write-mem ",
						 dom)));
	} else {
		TH_LOG("no audit netlink: write records not checked");
	}
	xenintro_close(&x);
	trail_close(&t);
	sim("destroy domid=%u", domid);
	sim("destroy domid=%u", domid + 1);
	ASSERT_EQ(0, reload_core(dir, ""));
}

TEST_HARNESS_MAIN
