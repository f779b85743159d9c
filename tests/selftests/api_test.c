// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: /dev/xenintro before any domain is involved: who may open it,
 * the API handshake matrix, ioctl state rules, and a clean module unload.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/xenintro.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "xi_modules.h"
#include "xi_sim.h"

#define DEV "/dev/xenintro"

static int xi_open(void)
{
	return open(DEV, O_RDWR | O_CLOEXEC);
}

/* ioctl returning -errno, so results compare directly with the uAPI. */
static int xi_ioctl(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

static int handshake(int fd, __u64 features)
{
	struct xenintro_api api = {
		.size = sizeof(api),
		.api_version = XENINTRO_API_VERSION,
		.features = features,
	};

	return xi_ioctl(fd, XENINTRO_IOC_API, &api);
}

static bool device_absent(void)
{
	return access(DEV, F_OK) != 0;
}

#define NO_DEVICE DEV " is absent (module not loaded)"

/* Run @fn in a child with CAP_SYS_ADMIN dropped; returns its exit code. */
static int in_child(int (*fn)(void))
{
	pid_t pid = fork();
	int status;

	if (pid == 0)
		_exit(fn());
	if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
		return 255;
	return WEXITSTATUS(status);
}

static int open_without_sys_admin(void)
{
	int fd, ret = drop_sys_admin();

	if (ret)
		return ret;
	fd = xi_open();
	if (fd >= 0)
		return 0;	/* opened: the test fails */
	return errno == EPERM ? 1 : 2;
}

static int open_as_nobody(void)
{
	if (setgid(65534) || setuid(65534))
		return 100;
	if (xi_open() >= 0)
		return 0;
	return (errno == EACCES || errno == EPERM) ? 1 : 2;
}

TEST(open_needs_cap_sys_admin)
{
	if (device_absent())
		SKIP(return, NO_DEVICE);
	/* root without CAP_SYS_ADMIN: the driver's own check says EPERM */
	ASSERT_EQ(1, in_child(open_without_sys_admin));
	/* an unprivileged user does not even pass the 0600 mode */
	ASSERT_EQ(1, in_child(open_as_nobody));
}

TEST(device_mode_is_0600)
{
	struct stat st;

	if (device_absent())
		SKIP(return, NO_DEVICE);
	ASSERT_EQ(0, stat(DEV, &st));
	EXPECT_EQ(0600, st.st_mode & 0777);
	EXPECT_EQ(0, st.st_uid);
}

FIXTURE(session) {
	int fd;
};

FIXTURE_SETUP(session)
{
	self->fd = -1;
	if (device_absent())
		SKIP(return, NO_DEVICE);
	self->fd = xi_open();
	ASSERT_LE(0, self->fd);
}

FIXTURE_TEARDOWN(session)
{
	if (self->fd >= 0)
		close(self->fd);
}

/* The handshake matrix: each variant states what it changes. */
FIXTURE_VARIANT(session) {
	__u32 size;
	__u32 version;
	__u64 features;
	__u64 reserved1;
	int tail_byte;		/* index of a non-zero byte beyond sizeof */
	int expect;
};

#define GOOD_SIZE sizeof(struct xenintro_api)

FIXTURE_VARIANT_ADD(session, good) {
	.size = GOOD_SIZE, .version = 1, .expect = 0,
};

FIXTURE_VARIANT_ADD(session, good_all_features) {
	.size = GOOD_SIZE, .version = 1,
	.features = XENINTRO_FEATURE_RINGS | XENINTRO_FEATURE_EMUL_READ_DATA |
		    XENINTRO_FEATURE_RULES | XENINTRO_FEATURE_KICK_WAIT,
	.expect = 0,
};

FIXTURE_VARIANT_ADD(session, version_0) {
	.size = GOOD_SIZE, .version = 0, .expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(session, version_2) {
	.size = GOOD_SIZE, .version = 2, .expect = -EINVAL,
};

/* bit 3: retired (POLL_VERDICTS before the first release), never granted */
FIXTURE_VARIANT_ADD(session, retired_feature_bit_3) {
	.size = GOOD_SIZE, .version = 1, .features = 1ULL << 3,
	.expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(session, unknown_feature_bit_8) {
	.size = GOOD_SIZE, .version = 1, .features = 1ULL << 8,
	.expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(session, unknown_feature_bit_63) {
	.size = GOOD_SIZE, .version = 1, .features = 1ULL << 63,
	.expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(session, size_short) {
	.size = GOOD_SIZE - 8, .version = 1, .expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(session, size_zero) {
	.size = 0, .version = 1, .expect = -EINVAL,
};

FIXTURE_VARIANT_ADD(session, size_long_zero_tail) {
	.size = GOOD_SIZE + 16, .version = 1, .tail_byte = -1, .expect = 0,
};

FIXTURE_VARIANT_ADD(session, size_long_nonzero_tail) {
	.size = GOOD_SIZE + 16, .version = 1, .tail_byte = GOOD_SIZE + 3,
	.expect = -E2BIG,
};

FIXTURE_VARIANT_ADD(session, size_huge) {
	.size = 1 << 20, .version = 1, .tail_byte = -1, .expect = -E2BIG,
};

FIXTURE_VARIANT_ADD(session, reserved_nonzero) {
	.size = GOOD_SIZE, .version = 1, .reserved1 = 1, .expect = -EINVAL,
};

TEST_F(session, handshake)
{
	size_t bufsize = variant->size > GOOD_SIZE ? variant->size : GOOD_SIZE;
	struct xenintro_api *api;
	unsigned char *buf;

	/* A buffer as large as the declared size, so only the rules decide. */
	buf = calloc(1, bufsize + 64);
	ASSERT_NE(NULL, buf);
	api = (struct xenintro_api *)buf;
	api->size = variant->size;
	api->api_version = variant->version;
	api->features = variant->features;
	api->reserved[1] = variant->reserved1;
	if (variant->tail_byte > 0)
		buf[variant->tail_byte] = 0x42;

	ASSERT_EQ(variant->expect, xi_ioctl(self->fd, XENINTRO_IOC_API, api));
	if (!variant->expect) {
		EXPECT_EQ(XENINTRO_FEATURE_RINGS, api->supported_features &
			  XENINTRO_FEATURE_RINGS);
		EXPECT_NE(0, api->ioctls & (1ULL << _XENINTRO_ATTACH));
		EXPECT_NE(0, api->ioctls & (1ULL << _XENINTRO_KICK));
		EXPECT_NE(0, api->ioctls & (1ULL << _XENINTRO_SET_RULES));
		EXPECT_EQ(XENINTRO_FEATURE_RULES, api->supported_features &
			  XENINTRO_FEATURE_RULES);
		EXPECT_EQ(XENINTRO_FEATURE_KICK_WAIT,
			  api->supported_features &
			  XENINTRO_FEATURE_KICK_WAIT);
		EXPECT_NE(0, api->ioctls & (1ULL << _XENINTRO_DETACH));
		EXPECT_EQ(0, api->ioctls & (1ULL << _XENINTRO_API));
		/* the handshake is done: a second one is refused */
		EXPECT_EQ(-EBUSY, handshake(self->fd, 0));
	} else {
		/* a refused handshake changes nothing: a good one still works */
		EXPECT_EQ(0, handshake(self->fd, 0));
	}
	free(buf);
}

TEST_F(session, ioctl_before_handshake)
{
	struct xenintro_attach at = { .size = sizeof(at), .domid = 1 };
	struct xenintro_stats st = { .size = sizeof(st) };

	ASSERT_EQ(-EINVAL, xi_ioctl(self->fd, XENINTRO_IOC_ATTACH, &at));
	ASSERT_EQ(-EINVAL, xi_ioctl(self->fd, XENINTRO_IOC_STATS, &st));
	ASSERT_EQ(-EINVAL, xi_ioctl(self->fd, XENINTRO_IOC_PAUSE, NULL));
	/* and the handshake still works afterwards */
	ASSERT_EQ(0, handshake(self->fd, 0));
}

TEST_F(session, unknown_ioctls)
{
	struct xenintro_api api = { .size = sizeof(api), .api_version = 1 };

	/* unknown in every state: before and after the handshake */
	ASSERT_EQ(-ENOTTY, xi_ioctl(self->fd, _IO(XENINTRO_IOCTL_TYPE, 0x3f),
				    NULL));
	ASSERT_EQ(0, handshake(self->fd, 0));
	EXPECT_EQ(-ENOTTY, xi_ioctl(self->fd, _IO(XENINTRO_IOCTL_TYPE, 0x3f),
				    NULL));
	/* right number, wrong type or direction bits */
	EXPECT_EQ(-ENOTTY, xi_ioctl(self->fd, _IO('X', _XENINTRO_API), &api));
	EXPECT_EQ(-ENOTTY, xi_ioctl(self->fd, _IOWR(XENINTRO_IOCTL_TYPE,
						    _XENINTRO_API,
						    struct xenintro_api),
				    &api));
	/* one past the last ioctl this uAPI defines */
	EXPECT_EQ(-ENOTTY, xi_ioctl(self->fd,
				    _IO(XENINTRO_IOCTL_TYPE,
					_XENINTRO_RESTRICT + 1), NULL));
}

TEST_F(session, domain_ioctls_need_attach)
{
	struct xenintro_monitor mon = { .size = sizeof(mon) };
	struct xenintro_kick kick = { .size = sizeof(kick) };
	struct xenintro_rules rules = { .size = sizeof(rules) };
	void *p;

	ASSERT_EQ(0, handshake(self->fd, 0));
	EXPECT_EQ(-ENOTCONN, xi_ioctl(self->fd, XENINTRO_IOC_MONITOR, &mon));
	EXPECT_EQ(-ENOTCONN, xi_ioctl(self->fd, XENINTRO_IOC_KICK, &kick));
	EXPECT_EQ(-ENOTCONN, xi_ioctl(self->fd, XENINTRO_IOC_UNPAUSE, NULL));
	EXPECT_EQ(-ENOTCONN, xi_ioctl(self->fd, XENINTRO_IOC_SET_RULES, &rules));
	p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, self->fd,
		 XENINTRO_OFF_CTRL);
	EXPECT_EQ(MAP_FAILED, p);
	EXPECT_EQ(EINVAL, errno);
}

TEST_F(session, bad_pointer)
{
	EXPECT_EQ(-EFAULT, xi_ioctl(self->fd, XENINTRO_IOC_API,
				    (void *)16));
}

/*
 * The module cannot go while an fd is open and goes cleanly once every fd
 * is closed; it is loaded again for the tests that follow.
 */
TEST(module_unloads_after_close)
{
	const char *dir = getenv("XENINTRO_KO_DIR");
	bool had_sim = module_loaded("xenintro_sim");
	int fd;

	if (device_absent())
		SKIP(return, NO_DEVICE);
	if (!dir)
		SKIP(return, "XENINTRO_KO_DIR not set: cannot reload the module");

	if (had_sim)
		ASSERT_EQ(0, unload_module("xenintro_sim"));
	fd = xi_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, handshake(fd, 0));
	/* an open fd pins the module */
	EXPECT_NE(0, unload_module("xenintro"));
	close(fd);
	ASSERT_EQ(0, unload_module("xenintro"));
	EXPECT_FALSE(module_loaded("xenintro"));
	EXPECT_NE(0, access(DEV, F_OK));

	ASSERT_EQ(0, load_module(dir, "xenintro", ""));
	if (had_sim)
		ASSERT_EQ(0, load_module(dir, "xenintro_sim", ""));
	/* and it works again */
	fd = xi_open();
	ASSERT_LE(0, fd);
	EXPECT_EQ(0, handshake(fd, 0));
	close(fd);
}

static int xi_restrict(int fd, __u32 flags, __u16 domid, __u64 ioctls)
{
	struct xenintro_restrict r = {
		.size = sizeof(r),
		.flags = flags,
		.domid = domid,
		.ioctls = ioctls,
	};

	return xi_ioctl(fd, XENINTRO_IOC_RESTRICT, &r);
}

/* ATTACH with the defaults; the ring mappings are not needed here. */
static int attach(int fd, __u16 domid)
{
	struct xenintro_attach a = {
		.size = sizeof(a),
		.domid = domid,
	};

	return xi_ioctl(fd, XENINTRO_IOC_ATTACH, &a);
}

#define BIT_IOC(nr) (1ULL << (nr))
/* ATTACH (1) to RESTRICT (the last): every ioctl after the handshake */
#define ALL_IOCTLS (BIT_IOC(_XENINTRO_RESTRICT + 1) - BIT_IOC(_XENINTRO_ATTACH))

/*
 * RESTRICT drops ioctls for good: what it did not keep answers -EPERM,
 * keeping it again later brings nothing back, and RESTRICT itself stays.
 * Bad arguments change nothing.
 */
TEST(restrict_drops_ioctls_for_good)
{
	struct xenintro_stats st = { .size = sizeof(st) };
	int fd;

	if (device_absent())
		SKIP(return, NO_DEVICE);
	fd = xi_open();
	ASSERT_LE(0, fd);
	/* before the handshake, like every ioctl */
	EXPECT_EQ(-EINVAL, xi_restrict(fd, 0, 0, 0));
	ASSERT_EQ(0, handshake(fd, 0));

	/* refused, and nothing narrowed: ATTACH still gets to its own checks */
	EXPECT_EQ(-EINVAL, xi_restrict(fd, 1U << 5, 0, BIT_IOC(_XENINTRO_STATS)));
	EXPECT_EQ(-EINVAL, xi_restrict(fd, 0, 0, BIT_IOC(40)));
	EXPECT_EQ(-EINVAL, xi_restrict(fd, XENINTRO_RESTRICT_DOMAIN, 0, 0));
	EXPECT_EQ(-EINVAL, xi_restrict(fd, XENINTRO_RESTRICT_DOMAIN, 0x7ff0, 0));
	/* dom0: refused by the default domain policy (policy_test) */
	EXPECT_EQ(-EACCES, attach(fd, 0));

	/* keep STATS and DETACH only */
	ASSERT_EQ(0, xi_restrict(fd, 0, 0, BIT_IOC(_XENINTRO_STATS) |
				 BIT_IOC(_XENINTRO_DETACH)));
	EXPECT_EQ(-EPERM, attach(fd, 1));
	EXPECT_EQ(-EPERM, xi_ioctl(fd, XENINTRO_IOC_PAUSE, NULL));
	EXPECT_EQ(-EPERM, xi_ioctl(fd, XENINTRO_IOC_WRITE_MEM, NULL));
	EXPECT_EQ(-EPERM, handshake(fd, 0));
	/* kept: reaches its own check (no domain attached) */
	EXPECT_EQ(-ENOTCONN, xi_ioctl(fd, XENINTRO_IOC_STATS, &st));
	/* asking for ATTACH back brings nothing back */
	EXPECT_EQ(0, xi_restrict(fd, 0, 0, BIT_IOC(_XENINTRO_ATTACH) |
				 BIT_IOC(_XENINTRO_STATS)));
	EXPECT_EQ(-EPERM, attach(fd, 1));
	/* and that dropped DETACH */
	EXPECT_EQ(-EPERM, xi_ioctl(fd, XENINTRO_IOC_DETACH, NULL));
	/* drop everything: RESTRICT itself is all that is left */
	EXPECT_EQ(0, xi_restrict(fd, 0, 0, 0));
	EXPECT_EQ(-EPERM, xi_ioctl(fd, XENINTRO_IOC_STATS, &st));
	close(fd);
}

/*
 * RESTRICT_DOMAIN locks the fd to one domain: ATTACH to another gets
 * -EPERM, a second lock must name the same domain, and a lock naming
 * another domain than the one attached is refused.
 */
TEST(restrict_locks_one_domain)
{
	unsigned int d1 = sim_test_domid(), d2 = d1 + 1;
	int fd;

	if (device_absent())
		SKIP(return, NO_DEVICE);
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	ASSERT_EQ(0, sim_fresh_domain(d1, 1, 16));
	ASSERT_EQ(0, sim_fresh_domain(d2, 1, 16));
	fd = xi_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, handshake(fd, XENINTRO_FEATURE_RINGS));
	ASSERT_EQ(0, xi_restrict(fd, XENINTRO_RESTRICT_DOMAIN, d1, ALL_IOCTLS));
	EXPECT_EQ(-EPERM, xi_restrict(fd, XENINTRO_RESTRICT_DOMAIN, d2,
				      BIT_IOC(_XENINTRO_ATTACH)));
	EXPECT_EQ(-EPERM, attach(fd, d2));
	EXPECT_EQ(0, attach(fd, d1));
	/* the same domain again is fine, and keeps narrowing */
	EXPECT_EQ(0, xi_restrict(fd, XENINTRO_RESTRICT_DOMAIN, d1,
				 BIT_IOC(_XENINTRO_DETACH)));
	EXPECT_EQ(-EPERM, xi_ioctl(fd, XENINTRO_IOC_PAUSE, NULL));
	EXPECT_EQ(0, xi_ioctl(fd, XENINTRO_IOC_DETACH, NULL));
	close(fd);

	/* attached first, then locked to another domain: refused */
	fd = xi_open();
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, handshake(fd, XENINTRO_FEATURE_RINGS));
	ASSERT_EQ(0, attach(fd, d2));
	EXPECT_EQ(-EPERM, xi_restrict(fd, XENINTRO_RESTRICT_DOMAIN, d1,
				      BIT_IOC(_XENINTRO_DETACH)));
	/* nothing was narrowed by the refusal */
	EXPECT_EQ(0, xi_ioctl(fd, XENINTRO_IOC_PAUSE, NULL));
	EXPECT_EQ(0, xi_ioctl(fd, XENINTRO_IOC_UNPAUSE, NULL));
	close(fd);
	sim("destroy domid=%u", d1);
	sim("destroy domid=%u", d2);
}

/*
 * The fd carries its opener's privilege: a process that dropped
 * CAP_SYS_ADMIN cannot open the device, but the fd it inherited works.
 */
static int inherited_fd;

static int use_inherited_fd_without_sys_admin(void)
{
	int ret = drop_sys_admin();

	if (ret)
		return ret;
	if (xi_open() >= 0 || errno != EPERM)
		return 2;
	return handshake(inherited_fd, 0) ? 3 : 1;
}

TEST(fd_carries_the_openers_privilege)
{
	if (device_absent())
		SKIP(return, NO_DEVICE);
	inherited_fd = xi_open();
	ASSERT_LE(0, inherited_fd);
	EXPECT_EQ(1, in_child(use_inherited_fd_without_sys_admin));
	close(inherited_fd);
}

/* Whether the kernel log holds @text (klogctl: the whole ring buffer). */
static bool kmsg_has(const char *text)
{
	int len = klogctl(10 /* SYSLOG_ACTION_SIZE_BUFFER */, NULL, 0);
	bool found = false;
	char *buf;

	if (len <= 0)
		return false;
	buf = calloc(1, len + 1);
	if (!buf)
		return false;
	len = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, buf, len);
	if (len > 0)
		found = strstr(buf, text);
	free(buf);
	return found;
}

/*
 * The simulated hypervisor chooses the Xen release it plays through the
 * same table as the Xen backend (kmod/xen_release.c): a release the table
 * does not know, and a modified build that refuses its release's domctl
 * version, are refused at load with the reason in the kernel log; a known
 * one loads.
 */
#define UNKNOWN_RELEASE_MSG \
	"xenintro_sim: Xen 4.21 is not supported (this build knows Xen 4.16 to 4.20)"
#define MODIFIED_BUILD_MSG \
	"xenintro_sim: Xen 4.18 refused domctl interface 0x16, the one Xen 4.18 defines"

TEST(sim_xen_release_from_the_table)
{
	const char *dir = getenv("XENINTRO_KO_DIR");
	bool had_sim = module_loaded("xenintro_sim");

	if (device_absent())
		SKIP(return, NO_DEVICE);
	if (!dir)
		SKIP(return, "XENINTRO_KO_DIR not set: cannot reload the module");
	if (had_sim)
		ASSERT_EQ(0, unload_module("xenintro_sim"));

	EXPECT_EQ(-EOPNOTSUPP, load_module(dir, "xenintro_sim", "xen_release=4.21"));
	EXPECT_FALSE(module_loaded("xenintro_sim"));
	EXPECT_TRUE(kmsg_has(UNKNOWN_RELEASE_MSG));

	EXPECT_EQ(-EOPNOTSUPP, load_module(dir, "xenintro_sim",
					   "xen_release=4.18 domctl_version=0x15"));
	EXPECT_FALSE(module_loaded("xenintro_sim"));
	EXPECT_TRUE(kmsg_has(MODIFIED_BUILD_MSG));

	EXPECT_EQ(-EINVAL, load_module(dir, "xenintro_sim", "xen_release=four"));
	EXPECT_FALSE(module_loaded("xenintro_sim"));

	ASSERT_EQ(0, load_module(dir, "xenintro_sim", "xen_release=4.20"));
	EXPECT_TRUE(kmsg_has("xenintro_sim: simulated Xen 4.20 monitor interface ready"));
	ASSERT_EQ(0, unload_module("xenintro_sim"));

	if (had_sim)
		ASSERT_EQ(0, load_module(dir, "xenintro_sim", ""));
}

TEST_HARNESS_MAIN
