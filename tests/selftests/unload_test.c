// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: the modules are never unloaded from under a session. A
 * package upgrade or removal (DKMS) replaces the .ko files but leaves the
 * loaded modules alone; what stands between an administrator's
 * `modprobe -r` and a live session is the module reference count:
 *
 *  - every open /dev/xenintro holds a reference to xenintro.ko (the
 *    file operations' owner), so delete_module() refuses with
 *    EWOULDBLOCK (kmod's rmmod checks the count first and says
 *    "Module xenintro is in use");
 *  - every attached session holds one to its backend's module (the core
 *    takes it at ATTACH), so the backend cannot go either while a domain
 *    is attached, and neither can the core, which the backend uses.
 *
 * Both counts go back when the fd is closed. Runs against the simulated
 * backend, the one loaded in the test VM; xenintro_xen takes its
 * reference through the same code (backend.c).
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xi_modules.h"
#include "xi_sim.h"

/* /sys/module/<name>/refcnt, or -1 if it cannot be read. */
static long module_refcount(const char *name)
{
	char path[128];
	long n = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/%s/refcnt", name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fscanf(f, "%ld", &n) != 1)
		n = -1;
	fclose(f);
	return n;
}

/*
 * Put back what a failed expectation may have unloaded, so that the
 * tests after this one still find both modules.
 */
static void reload(void)
{
	const char *dir = getenv("XENINTRO_KO_DIR");

	if (!dir)
		return;
	if (!module_loaded("xenintro"))
		load_module(dir, "xenintro", "");
	if (!module_loaded("xenintro_sim"))
		load_module(dir, "xenintro_sim", "");
}

/* The rmmod a shell would run: its exit status, its message in @msg. */
static int shell_rmmod(const char *name, char *msg, size_t len)
{
	char cmd[128];
	size_t n = 0;
	FILE *p;
	int st;

	snprintf(cmd, sizeof(cmd), "rmmod %s 2>&1", name);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	msg[0] = '\0';
	while (n + 1 < len && fgets(msg + n, (int)(len - n), p))
		n = strlen(msg);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST(open_fd_pins_the_core)
{
	struct xenintro x = { .fd = -1 }, y = { .fd = -1 };
	char msg[256];
	long before, during;

	if (access("/dev/xenintro", F_OK))
		SKIP(return, "no /dev/xenintro (xenintro.ko not loaded)");
	before = module_refcount("xenintro");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, xenintro_open(&x, 0, 0));
	during = module_refcount("xenintro");
	/* the fd itself holds one reference */
	EXPECT_EQ(before + 1, during);
	EXPECT_EQ(-EWOULDBLOCK, unload_module("xenintro"));
	EXPECT_TRUE(module_loaded("xenintro"));
	/* and a shell's rmmod fails, saying why */
	EXPECT_NE(0, shell_rmmod("xenintro", msg, sizeof(msg)));
	TH_LOG("rmmod xenintro with a session open: %s", msg);
	EXPECT_TRUE(module_loaded("xenintro"));
	/* the device still works: a second session opens */
	EXPECT_EQ(0, xenintro_open(&y, 0, 0));
	xenintro_close(&y);
	xenintro_close(&x);
	EXPECT_EQ(before, module_refcount("xenintro"));
	reload();
}

TEST(attached_session_pins_the_backend)
{
	struct xenintro x = { .fd = -1 };
	unsigned int domid;
	long before, during;
	char msg[256];

	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(domid, 1, 16));
	before = module_refcount("xenintro_sim");
	ASSERT_LE(0, before);
	ASSERT_EQ(0, xenintro_open(&x, XENINTRO_FEATURE_RINGS, 0));
	ASSERT_EQ(0, xenintro_attach(&x, domid, NULL));
	during = module_refcount("xenintro_sim");
	EXPECT_LT(before, during);
	EXPECT_EQ(-EWOULDBLOCK, unload_module("xenintro_sim"));
	EXPECT_NE(0, shell_rmmod("xenintro_sim", msg, sizeof(msg)));
	TH_LOG("rmmod xenintro_sim with a domain attached: %s", msg);
	EXPECT_TRUE(module_loaded("xenintro_sim"));
	/* the core is held by the backend and by the fd */
	EXPECT_EQ(-EWOULDBLOCK, unload_module("xenintro"));
	/* still attached, still answering */
	EXPECT_EQ(XENINTRO_STATE_ATTACHED, xenintro_state(&x));
	xenintro_close(&x);
	sim("destroy domid=%u", domid);
	EXPECT_EQ(before, module_refcount("xenintro_sim"));
	reload();
}

TEST_HARNESS_MAIN
