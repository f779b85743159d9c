// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: xenintro-agent --follow against the simulated hypervisor. A
 * guest is rebooted the way Xen's toolstack does it: its domain dies
 * (sim "destroy") and a new domain with a new domid and the same name is
 * created. The agent must log the gap, find the new domain by name,
 * re-attach and apply its policy there.
 *
 * Names live in xenstore, which the test VM has not: this test serves a
 * small xenstore of its own (the wire protocol's DIRECTORY, READ, WATCH,
 * UNWATCH and watch events, nothing else) on a unix socket, and points
 * the agent's libxenstore at it with XENSTORED_PATH, libxenstore's own
 * override of the daemon's socket. The domains and names in it are the
 * test's; the watches it fires are the toolstack's "@introduceDomain" and
 * "@releaseDomain", as xenstored fires them.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdint.h>
#include <linux/types.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xi_sim.h"
#include "xi_agent.h"

#define VCPUS		2
#define FRAMES		64
#define XS_SOCK		"/tmp/xi-follow-xenstored.sock"

/* The xenstore wire protocol (Xen's io/xs_wire.h): the numbers used. */
enum {
	XSW_DIRECTORY = 1,
	XSW_READ = 2,
	XSW_WATCH = 4,
	XSW_UNWATCH = 5,
	XSW_WATCH_EVENT = 15,
	XSW_ERROR = 16,
	XSW_RESET_WATCHES = 21,
};

struct xsw_msg {
	__u32 type, req_id, tx_id, len;
};

#define XS_CLIENTS	8
#define XS_DOMS		4
#define XS_WATCHES	8

/* The fake xenstore: its domains, their names, and who watches what. */
static struct {
	pthread_mutex_t lock;
	int listen_fd;
	int client[XS_CLIENTS];
	char watch[XS_CLIENTS][XS_WATCHES][64];	/* "path\0token\0" */
	size_t watch_len[XS_CLIENTS][XS_WATCHES];
	unsigned int dom[XS_DOMS];		/* 0: a free slot */
	char name[XS_DOMS][32];
	pthread_t thread;
} xs = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void xs_send(int fd, uint32_t type, uint32_t req, const void *p,
		    uint32_t len)
{
	struct xsw_msg h = { .type = type, .req_id = req, .len = len };
	char buf[sizeof(h) + 4096];

	if (len > 4096)
		return;
	memcpy(buf, &h, sizeof(h));
	memcpy(buf + sizeof(h), p, len);
	/*
	 * MSG_NOSIGNAL: a client that went away (an agent's one-off lookup)
	 * must not kill the test with SIGPIPE; its next poll says it is gone.
	 */
	if (send(fd, buf, sizeof(h) + len, MSG_NOSIGNAL) < 0)
		return;	/* nothing more to do: see above */
}

static void xs_error(int fd, uint32_t req, const char *e)
{
	xs_send(fd, XSW_ERROR, req, e, (uint32_t)strlen(e) + 1);
}

/* One request of client @c; called with xs.lock held. */
static void xs_request(int c, struct xsw_msg *h, char *p)
{
	int fd = xs.client[c];
	char out[1024];
	unsigned int i, w;
	size_t n = 0;

	p[h->len] = '\0';
	switch (h->type) {
	case XSW_DIRECTORY:
		if (strcmp(p, "/local/domain")) {
			xs_error(fd, h->req_id, "ENOENT");
			return;
		}
		n += (size_t)sprintf(out, "0") + 1;
		for (i = 0; i < XS_DOMS; i++)
			if (xs.dom[i])
				n += (size_t)sprintf(out + n, "%u", xs.dom[i]) + 1;
		xs_send(fd, h->type, h->req_id, out, (uint32_t)n);
		return;
	case XSW_READ:
		if (!strcmp(p, "/local/domain/0/name")) {
			xs_send(fd, h->type, h->req_id, "Domain-0", 8);
			return;
		}
		for (i = 0; i < XS_DOMS; i++) {
			snprintf(out, sizeof(out), "/local/domain/%u/name",
				 xs.dom[i]);
			if (xs.dom[i] && !strcmp(p, out)) {
				xs_send(fd, h->type, h->req_id, xs.name[i],
					(uint32_t)strlen(xs.name[i]));
				return;
			}
		}
		xs_error(fd, h->req_id, "ENOENT");
		return;
	case XSW_WATCH:
		for (w = 0; w < XS_WATCHES && xs.watch_len[c][w]; w++)
			;
		if (w == XS_WATCHES || h->len > sizeof(xs.watch[c][w])) {
			xs_error(fd, h->req_id, "ENOSPC");
			return;
		}
		memcpy(xs.watch[c][w], p, h->len);
		xs.watch_len[c][w] = h->len;
		xs_send(fd, h->type, h->req_id, "OK", 3);
		/* as xenstored: a new watch fires once at once */
		xs_send(fd, XSW_WATCH_EVENT, 0, p, h->len);
		return;
	case XSW_UNWATCH:
	case XSW_RESET_WATCHES:
		for (w = 0; w < XS_WATCHES; w++)
			if (h->type == XSW_RESET_WATCHES ||
			    !strcmp(xs.watch[c][w], p))
				xs.watch_len[c][w] = 0;
		xs_send(fd, h->type, h->req_id, "OK", 3);
		return;
	}
	xs_error(fd, h->req_id, "EINVAL");
}

/* Fire watch @path ("@introduceDomain") for every client watching it. */
static void xs_fire(const char *path)
{
	unsigned int c, w;

	for (c = 0; c < XS_CLIENTS; c++)
		for (w = 0; w < XS_WATCHES; w++)
			if (xs.client[c] >= 0 && xs.watch_len[c][w] &&
			    !strcmp(xs.watch[c][w], path))
				xs_send(xs.client[c], XSW_WATCH_EVENT, 0,
					xs.watch[c][w],
					(uint32_t)xs.watch_len[c][w]);
}

/* Read exactly @len bytes, or fail. */
static int read_all(int fd, void *buf, size_t len)
{
	ssize_t n;

	while (len) {
		n = read(fd, buf, len);
		if (n <= 0)
			return -1;
		buf = (char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

static void *xs_serve(void *arg)
{
	struct pollfd pfd[XS_CLIENTS + 1];
	struct xsw_msg h;
	char body[4097];
	int c, fd;

	(void)arg;
	for (;;) {
		pfd[0].fd = xs.listen_fd;
		pfd[0].events = POLLIN;
		for (c = 0; c < XS_CLIENTS; c++) {
			pfd[c + 1].fd = xs.client[c];
			pfd[c + 1].events = POLLIN;
		}
		if (poll(pfd, XS_CLIENTS + 1, -1) < 0)
			continue;
		if (pfd[0].revents & POLLIN) {
			fd = accept(xs.listen_fd, NULL, NULL);
			pthread_mutex_lock(&xs.lock);
			for (c = 0; c < XS_CLIENTS && xs.client[c] >= 0; c++)
				;
			if (c < XS_CLIENTS && fd >= 0) {
				xs.client[c] = fd;
				memset(xs.watch_len[c], 0, sizeof(xs.watch_len[c]));
			} else if (fd >= 0) {
				close(fd);
			}
			pthread_mutex_unlock(&xs.lock);
		}
		for (c = 0; c < XS_CLIENTS; c++) {
			if (xs.client[c] < 0 || !pfd[c + 1].revents)
				continue;
			if (read_all(xs.client[c], &h, sizeof(h)) ||
			    h.len > 4096 || read_all(xs.client[c], body, h.len)) {
				pthread_mutex_lock(&xs.lock);
				close(xs.client[c]);
				xs.client[c] = -1;
				pthread_mutex_unlock(&xs.lock);
				continue;
			}
			pthread_mutex_lock(&xs.lock);
			xs_request(c, &h, body);
			pthread_mutex_unlock(&xs.lock);
		}
	}
	return NULL;
}

static int xs_start(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int c;

	for (c = 0; c < XS_CLIENTS; c++)
		xs.client[c] = -1;
	strcpy(sa.sun_path, XS_SOCK);
	unlink(XS_SOCK);
	xs.listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (xs.listen_fd < 0 ||
	    bind(xs.listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(xs.listen_fd, 8))
		return -errno;
	setenv("XENSTORED_PATH", XS_SOCK, 1);
	return -pthread_create(&xs.thread, NULL, xs_serve, NULL);
}

/* Domain @domid is in xenstore with @name (NULL: it is gone). */
static void xs_domain(unsigned int domid, const char *name)
{
	unsigned int i;

	pthread_mutex_lock(&xs.lock);
	for (i = 0; i < XS_DOMS && xs.dom[i] != domid; i++)
		;
	if (i == XS_DOMS)
		for (i = 0; i < XS_DOMS && xs.dom[i]; i++)
			;
	if (i < XS_DOMS) {
		xs.dom[i] = name ? domid : 0;
		snprintf(xs.name[i], sizeof(xs.name[i]), "%s", name ? name : "");
	}
	xs_fire(name ? "@introduceDomain" : "@releaseDomain");
	pthread_mutex_unlock(&xs.lock);
}

/* ------------------------------------------------------------- fixture */

FIXTURE(follow) {
	unsigned int domid, domid2;
	struct agent_proc ap;
	char policy[256];
	char res[512];
};

FIXTURE_SETUP(follow)
{
	const char *why = agent_fixture_start(&self->ap);

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, xs_start());
	self->domid = sim_test_domid();
	self->domid2 = self->domid + 1;
	sim("destroy domid=%u", self->domid2);
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
	xs_domain(self->domid, "web1");
}

FIXTURE_TEARDOWN(follow)
{
	if (self->ap.pid) {
		kill(self->ap.pid, SIGKILL);
		waitpid(self->ap.pid, NULL, 0);
	}
	sim("destroy domid=%u", self->domid);
	sim("destroy domid=%u", self->domid2);
	unlink(XS_SOCK);
}

/* CPUID 0x40000000 on vCPU 0 of @domid: the eax the guest sees. */
static long long hidden_leaf_eax(struct __test_metadata *_metadata,
				 char *res, size_t len, unsigned int domid)
{
	EXPECT_EQ(0, sim_cmd(res, len,
			     "cpuid domid=%u vcpu=0 leaf=0x40000000", domid));
	return kv_num(res, "rax");
}

/* The same in a test, with the fixture's buffer. */
#define leaf_eax(self, domid) \
	hidden_leaf_eax(_metadata, (self)->res, sizeof((self)->res), (domid))

/*
 * The reboot: web1's domain dies, a new one named web1 appears. The
 * agent (--guest web1 --follow=60) re-attaches to it, logs one gap
 * record from the old domid to the new, and the policy holds there:
 * the hypervisor's leaf reads zero again.
 */
TEST_F_TIMEOUT(follow, reboot_reattaches_with_a_gap_record, 120)
{
	char gap[160];

	file_path(self->policy, sizeof(self->policy),
		  "cpuid-hide-hypervisor.yaml");
	ASSERT_EQ(0, agent_start(&self->ap, self->domid, self->policy,
				 "--guest", "web1", "--follow=60", NULL));
	ASSERT_EQ(0, agent_wait_ready(&self->ap)) {
		char *e = slurp(self->ap.err);

		TH_LOG("agent: %s", e);
		free(e);
	}
	EXPECT_EQ(0, leaf_eax(self, self->domid));

	/* the toolstack's reboot: destroy, then a new domain, same name */
	ASSERT_EQ(0, sim("destroy domid=%u", self->domid));
	xs_domain(self->domid, NULL);
	EXPECT_TRUE(wait_log(self->ap.log, "waiting for a new domain named web1",
			     STOP_MS));
	ASSERT_EQ(0, sim("create domid=%u vcpus=%d frames=%d", self->domid2,
			 VCPUS, FRAMES));
	xs_domain(self->domid2, "web1");
	EXPECT_TRUE(wait_log(self->ap.log, "re-attached to web1 as domain",
			     START_MS)) {
		char *e = slurp(self->ap.err);

		TH_LOG("agent: %s", e);
		free(e);
	}
	snprintf(gap, sizeof(gap), "\"old_domid\":%u,", self->domid);
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"gap\"", gap,
				 "\"result\":\"re-attached\"", NULL));
	snprintf(gap, sizeof(gap), "\"new_domid\":%u,", self->domid2);
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"gap\"", gap, NULL));
	EXPECT_EQ(0, leaf_eax(self, self->domid2));

	/* SIGTERM detaches from the new domain: its own answer again */
	EXPECT_EQ(0, agent_stop(&self->ap, SIGTERM));
	EXPECT_EQ(0x40000000, leaf_eax(self, self->domid2));
}

/*
 * Shut down for good: no domain named web1 comes back within
 * --follow=2: exit 4, a gap record that gave up.
 */
TEST_F_TIMEOUT(follow, gone_for_good_gives_up_with_4, 60)
{
	file_path(self->policy, sizeof(self->policy),
		  "cpuid-hide-hypervisor.yaml");
	ASSERT_EQ(0, agent_start(&self->ap, self->domid, self->policy,
				 "--guest", "web1", "--follow=2", NULL));
	ASSERT_EQ(0, agent_wait_ready(&self->ap));
	ASSERT_EQ(0, sim("destroy domid=%u", self->domid));
	xs_domain(self->domid, NULL);
	EXPECT_EQ(4, agent_wait_exit(&self->ap, STOP_MS));
	EXPECT_EQ(1, count_lines(self->ap.log, "\"type\":\"gap\"",
				 "\"result\":\"gave up\"", NULL));
	EXPECT_EQ(1, count_lines(self->ap.err,
				 "no domain named web1 ran within 2 s", NULL));
}

/*
 * --watch 'web*': an agent for each guest whose name matches, started
 * as the guest appears (web2 after the watcher), none for db1; each
 * attaches to its own domain (its registry file); SIGTERM stops them
 * all and the watcher exits 0, the guests' monitors gone.
 */
TEST_F_TIMEOUT(follow, watch_starts_an_agent_per_matching_guest, 120)
{
	unsigned int domid3 = self->domid + 2;
	char bin[256], reg[64], reg2[64], reg3[64];
	const char *argv[8];
	long long end;
	int status = -1;
	pid_t pid;

	sim("destroy domid=%u", domid3);
	ASSERT_EQ(0, sim_fresh_domain(domid3, VCPUS, FRAMES));
	xs_domain(domid3, "db1");
	file_path(bin, sizeof(bin), "xenintro-agent.static");
	file_path(self->policy, sizeof(self->policy),
		  "cpuid-hide-hypervisor.yaml");
	snprintf(reg, sizeof(reg), RUN_DIR "/%u.json", self->domid);
	snprintf(reg2, sizeof(reg2), RUN_DIR "/%u.json", self->domid2);
	snprintf(reg3, sizeof(reg3), RUN_DIR "/%u.json", domid3);
	unlink(reg);
	unlink(reg2);
	unlink(reg3);
	argv[0] = bin;
	argv[1] = "--watch";
	argv[2] = "web*";
	argv[3] = "--log";
	argv[4] = "/tmp/xi-follow-watch.log";
	argv[5] = self->policy;
	argv[6] = NULL;
	setenv("XENINTRO_RUN_DIR", RUN_DIR, 1);
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	self->ap.pid = pid;	/* the teardown kills it if we fail */
	end = now_ms() + START_MS;
	while (access(reg, F_OK) && now_ms() < end)
		usleep(50000);
	EXPECT_EQ(0, access(reg, F_OK));
	/* a guest that starts later gets its agent too */
	ASSERT_EQ(0, sim("create domid=%u vcpus=%d frames=%d", self->domid2,
			 VCPUS, FRAMES));
	xs_domain(self->domid2, "web2");
	end = now_ms() + START_MS;
	while (access(reg2, F_OK) && now_ms() < end)
		usleep(50000);
	EXPECT_EQ(0, access(reg2, F_OK));
	EXPECT_EQ(0, leaf_eax(self, self->domid));
	EXPECT_EQ(0, leaf_eax(self, self->domid2));
	/* db1 does not match: no agent, the hypervisor's own answer */
	EXPECT_NE(0, access(reg3, F_OK));
	EXPECT_EQ(0x40000000, leaf_eax(self, domid3));

	kill(pid, SIGTERM);
	end = now_ms() + STOP_MS;
	while (waitpid(pid, &status, WNOHANG) != pid && now_ms() < end)
		usleep(50000);
	self->ap.pid = 0;
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	/* every agent detached: the leaf is the hypervisor's again */
	EXPECT_EQ(0x40000000, leaf_eax(self, self->domid));
	EXPECT_EQ(0x40000000, leaf_eax(self, self->domid2));
	sim("destroy domid=%u", domid3);
}

TEST_HARNESS_MAIN
