// SPDX-License-Identifier: GPL-2.0
/*
 * kselftest: zero-copy guest frames (XENINTRO_IOC_MAP_FRAMES) on the
 * simulated hypervisor. The guest writes its memory with its own store
 * instructions ("access ... op=w"); the agent's mapping must show exactly
 * those bytes, stay read-only, raise SIGBUS where no frame is, and lose
 * every frame when the session ends. A frame the guest balloons out while
 * it is mapped must neither crash dom0 nor leak into a fresh map.
 */
#define _GNU_SOURCE
#include <linux/xenintro.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "xi_sim.h"

#define VCPUS	1
#define FRAMES	64
#define PG	4096ULL

static int poke(unsigned int domid, __u64 gfn, __u64 off, __u64 val)
{
	return sim("access domid=%u vcpu=0 gfn=%llu op=w offset=%llu value=0x%llx",
		   domid, (unsigned long long)gfn, (unsigned long long)off,
		   (unsigned long long)val);
}

/* mmap @nr pages at XENINTRO_OFF_FRAMES; MAP_FAILED with errno set. */
static void *frames_mmap(int fd, __u32 nr, int prot, int flags)
{
	return mmap(NULL, nr * PG, prot, flags, fd, XENINTRO_OFF_FRAMES);
}

/* MAP_FRAMES on @p; 0 or -errno; *mapped set. */
static int map_frames(int fd, void *p, const __u64 *gfns, __u32 nr,
		      __s32 *errs, __u32 *mapped)
{
	struct xenintro_map_frames mf = {
		.size = sizeof(mf), .nr = nr, .addr = (uintptr_t)p,
		.gfns = (uintptr_t)gfns, .errs = (uintptr_t)errs,
	};
	int ret = ioctl(fd, XENINTRO_IOC_MAP_FRAMES, &mf);

	if (mapped)
		*mapped = mf.mapped;
	return ret ? -errno : 0;
}

FIXTURE(frames) {
	struct xenintro x;
	unsigned int domid;
};

FIXTURE_SETUP(frames)
{
	self->x.fd = -1;
	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	self->domid = sim_test_domid();
	ASSERT_EQ(0, sim_fresh_domain(self->domid, VCPUS, FRAMES));
	ASSERT_EQ(0, poke(self->domid, 10, 0, 0x1010101010101010ULL));
	ASSERT_EQ(0, poke(self->domid, 10, 4088, 0x10ff10ff10ff10ffULL));
	ASSERT_EQ(0, poke(self->domid, 11, 8, 0x1111111111111111ULL));
	ASSERT_EQ(0, xenintro_open(&self->x, XENINTRO_FEATURE_RINGS |
				   XENINTRO_FEATURE_MEMORY |
				   XENINTRO_FEATURE_MEM_MAP, 0));
	ASSERT_EQ(0, xenintro_attach(&self->x, self->domid, NULL));
}

FIXTURE_TEARDOWN(frames)
{
	xenintro_close(&self->x);
	sim("destroy domid=%u", self->domid);
}

/*
 * The mapping shows the guest's bytes, the same as READ_MEM, and later
 * guest writes too (it is the frame, not a copy). A frame outside the
 * guest's memory is reported and its page raises SIGBUS.
 */
TEST_F(frames, maps_the_guest_frames_themselves)
{
	const __u64 gfns[] = { 10, 11, 12, FRAMES, 10 };
	__s32 errs[5] = { 99, 99, 99, 99, 99 };
	const __u8 *p;
	__u64 v, w;
	__u32 mapped;
	int i;

	p = frames_mmap(self->x.fd, 5, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, map_frames(self->x.fd, (void *)p, gfns, 5, errs,
				&mapped));
	EXPECT_EQ(4, mapped);
	EXPECT_EQ(0, errs[0]);
	EXPECT_EQ(0, errs[1]);
	EXPECT_EQ(0, errs[2]);
	EXPECT_EQ(-ENXIO, errs[3]);
	EXPECT_EQ(0, errs[4]);

	ASSERT_EQ(0, touch(p, &v));
	EXPECT_EQ(0x1010101010101010ULL, v);
	ASSERT_EQ(0, touch(p + 4088, &v));
	EXPECT_EQ(0x10ff10ff10ff10ffULL, v);
	ASSERT_EQ(0, touch(p + PG + 8, &v));
	EXPECT_EQ(0x1111111111111111ULL, v);
	ASSERT_EQ(0, touch(p + 2 * PG, &v));	/* never written: zeroes */
	EXPECT_EQ(0, v);
	EXPECT_EQ(SIGBUS, touch(p + 3 * PG, &v));
	ASSERT_EQ(0, touch(p + 4 * PG, &v));	/* frame 10 once more */
	EXPECT_EQ(0x1010101010101010ULL, v);

	/* every byte of every mapped frame as READ_MEM sees it */
	for (i = 0; i < 5; i++) {
		__u8 buf[PG];

		if (errs[i])
			continue;
		ASSERT_EQ((int64_t)PG, xenintro_read_phys(&self->x,
							  gfns[i] * PG, buf,
							  PG));
		EXPECT_EQ(0, memcmp(buf, p + i * PG, PG));
	}

	/* zero-copy: the guest writes, the mapping sees it at once */
	ASSERT_EQ(0, poke(self->domid, 11, 8, 0xabcdefULL));
	ASSERT_EQ(0, touch(p + PG + 8, &w));
	EXPECT_EQ(0xabcdefULL, w);
	ASSERT_EQ(0, poke(self->domid, 12, 16, 0x1212ULL));
	ASSERT_EQ(0, touch(p + 2 * PG + 16, &w));
	EXPECT_EQ(0x1212ULL, w);
	EXPECT_EQ(0, munmap((void *)p, 5 * PG));
}

/* Read-only for good, shared only, and only at the frames offset. */
TEST_F(frames, mappings_stay_read_only)
{
	const __u64 gfn = 10;
	__s32 err;
	void *p;

	EXPECT_EQ(MAP_FAILED, frames_mmap(self->x.fd, 1, PROT_READ | PROT_WRITE,
					  MAP_SHARED));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(MAP_FAILED, frames_mmap(self->x.fd, 1, PROT_READ | PROT_EXEC,
					  MAP_SHARED));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(MAP_FAILED, frames_mmap(self->x.fd, 1, PROT_READ,
					  MAP_PRIVATE));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, frames_mmap(self->x.fd,
					  XENINTRO_MAP_FRAMES_MAX + 1,
					  PROT_READ, MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(MAP_FAILED, mmap(NULL, PG, PROT_READ, MAP_SHARED,
				   self->x.fd, XENINTRO_OFF_FRAMES + PG));
	EXPECT_EQ(EINVAL, errno);

	p = frames_mmap(self->x.fd, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, map_frames(self->x.fd, p, &gfn, 1, &err, NULL));
	EXPECT_EQ(-1, mprotect(p, PG, PROT_READ | PROT_WRITE));
	EXPECT_EQ(EACCES, errno);
	EXPECT_EQ(-1, mprotect(p, PG, PROT_READ | PROT_EXEC));
	EXPECT_EQ(EACCES, errno);
	/* not inherited: the child has nothing there */
	pid_t pid = fork();

	ASSERT_LE(0, pid);
	if (!pid) {
		__u64 v;

		_exit(touch(p, &v) == SIGSEGV ? 0 : 1);
	}
	int status;

	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(0, munmap(p, PG));
}

/* Every malformed request is refused and maps nothing. */
TEST_F(frames, bad_requests)
{
	__u64 gfns[2] = { 10, 11 };
	struct xenintro_map_frames mf;
	__s32 errs[2];
	__u32 mapped;
	void *p, *anon, *other;
	__u64 v;

	p = frames_mmap(self->x.fd, 2, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	/* wrong counts, addresses, mappings */
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, p, gfns, 0, errs, NULL));
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, p, gfns, 1, errs, NULL));
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, (__u8 *)p + PG, gfns, 1,
				      errs, NULL));
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, (__u8 *)p + 8, gfns, 2,
				      errs, NULL));
	anon = mmap(NULL, 2 * PG, PROT_READ, MAP_SHARED | MAP_ANONYMOUS, -1,
		    0);
	ASSERT_NE(MAP_FAILED, anon);
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, anon, gfns, 2, errs, NULL));
	/* the ring regions are no frame window */
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, (void *)self->x.ctrl, gfns,
				      1, errs, NULL));
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, p, NULL, 2, errs, NULL));
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, p, gfns, 2, NULL, NULL));
	EXPECT_EQ(-EFAULT, map_frames(self->x.fd, p, (__u64 *)8, 2, errs,
				      NULL));
	gfns[1] = 1ULL << 40;	/* no frame number */
	EXPECT_EQ(-EINVAL, map_frames(self->x.fd, p, gfns, 2, errs, NULL));
	gfns[1] = 11;
	/* flags and reserved fields */
	memset(&mf, 0, sizeof(mf));
	mf.size = sizeof(mf);
	mf.nr = 2;
	mf.addr = (uintptr_t)p;
	mf.gfns = (uintptr_t)gfns;
	mf.errs = (uintptr_t)errs;
	mf.flags = 1;
	EXPECT_EQ(-1, ioctl(self->x.fd, XENINTRO_IOC_MAP_FRAMES, &mf));
	EXPECT_EQ(EINVAL, errno);
	mf.flags = 0;
	mf.reserved[1] = 1;
	EXPECT_EQ(-1, ioctl(self->x.fd, XENINTRO_IOC_MAP_FRAMES, &mf));
	EXPECT_EQ(EINVAL, errno);
	/* none of that mapped anything */
	EXPECT_EQ(SIGBUS, touch(p, &v));

	/* another session's window is not ours to fill */
	{
		struct xenintro y;
		unsigned int dom2 = self->domid + 1;

		ASSERT_EQ(0, sim_fresh_domain(dom2, VCPUS, FRAMES));
		ASSERT_EQ(0, xenintro_open(&y, XENINTRO_FEATURE_RINGS |
					   XENINTRO_FEATURE_MEM_MAP, 0));
		ASSERT_EQ(0, xenintro_attach(&y, dom2, NULL));
		other = frames_mmap(y.fd, 2, PROT_READ, MAP_SHARED);
		ASSERT_NE(MAP_FAILED, other);
		EXPECT_EQ(-EINVAL, map_frames(self->x.fd, other, gfns, 2,
					      errs, NULL));
		EXPECT_EQ(0, munmap(other, 2 * PG));
		xenintro_close(&y);
		sim("destroy domid=%u", dom2);
	}

	/* a good fill, then a second one of the same window */
	ASSERT_EQ(0, map_frames(self->x.fd, p, gfns, 2, errs, &mapped));
	EXPECT_EQ(2, mapped);
	EXPECT_EQ(-EBUSY, map_frames(self->x.fd, p, gfns, 2, errs, NULL));
	/* errs unwritable: reported, the window stays filled */
	other = frames_mmap(self->x.fd, 2, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, other);
	EXPECT_EQ(-EFAULT, map_frames(self->x.fd, other, gfns, 2,
				      (__s32 *)8, NULL));
	EXPECT_EQ(0, munmap(other, 2 * PG));
	EXPECT_EQ(0, munmap(anon, 2 * PG));
	EXPECT_EQ(0, munmap(p, 2 * PG));
}

/* Without the feature there is no frame window at all. */
TEST(needs_the_feature)
{
	unsigned int domid = sim_test_domid();
	const __u64 gfn = 1;
	struct xenintro x;
	__s32 err;

	if (access(SIM_CTL, F_OK))
		SKIP(return, NO_SIM);
	ASSERT_EQ(0, sim_fresh_domain(domid, VCPUS, FRAMES));
	ASSERT_EQ(0, xenintro_open(&x, XENINTRO_FEATURE_RINGS, 0));
	EXPECT_EQ(MAP_FAILED, frames_mmap(x.fd, 1, PROT_READ, MAP_SHARED));
	EXPECT_EQ(EINVAL, errno);	/* before ATTACH */
	ASSERT_EQ(0, xenintro_attach(&x, domid, NULL));
	EXPECT_EQ(MAP_FAILED, frames_mmap(x.fd, 1, PROT_READ, MAP_SHARED));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-EOPNOTSUPP, map_frames(x.fd, (void *)4096, &gfn, 1, &err,
					  NULL));
	xenintro_close(&x);
	sim("destroy domid=%u", domid);
}

/*
 * The guest gives a mapped frame back. The mapping keeps the old page
 * (no use-after-free: the PTE holds it), the gfn is now a hole for every
 * new access, and a guest write there makes a new frame that the old
 * mapping does not show.
 */
TEST_F(frames, frame_taken_away_while_mapped)
{
	const __u64 gfn = 10;
	struct xenintro_mem_seg seg;
	__u64 v, buf;
	__u32 mapped;
	__s32 err;
	void *p, *q;

	p = frames_mmap(self->x.fd, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, map_frames(self->x.fd, p, &gfn, 1, &err, &mapped));
	ASSERT_EQ(1, mapped);

	ASSERT_EQ(0, sim("balloon domid=%u gfn=10", self->domid));
	ASSERT_EQ(0, touch(p, &v));
	EXPECT_EQ(0x1010101010101010ULL, v);
	/* READ_MEM of the hole: outside the guest's memory */
	memset(&seg, 0, sizeof(seg));
	seg.addr = gfn * PG;
	seg.buf = (uintptr_t)&buf;
	seg.len = 8;
	ASSERT_EQ(0, xenintro_read_segs(&self->x, NULL, &seg, 1));
	EXPECT_EQ(0, seg.done);
	EXPECT_EQ(XENINTRO_STOP_OUTSIDE, seg.stop);
	/* a fresh map of the hole is refused */
	q = frames_mmap(self->x.fd, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, map_frames(self->x.fd, q, &gfn, 1, &err, &mapped));
	EXPECT_EQ(0, mapped);
	EXPECT_EQ(-ENXIO, err);
	EXPECT_EQ(SIGBUS, touch(q, &v));
	EXPECT_EQ(0, munmap(q, PG));

	/* the guest populates the gfn again: a new frame */
	ASSERT_EQ(0, poke(self->domid, 10, 0, 0x2020ULL));
	EXPECT_EQ(8, xenintro_read_phys(&self->x, gfn * PG, &buf, 8));
	EXPECT_EQ(0x2020ULL, buf);
	ASSERT_EQ(0, touch(p, &v));
	EXPECT_EQ(0x1010101010101010ULL, v);	/* the old frame, kept */

	/* the domain dies with the old frame still mapped */
	ASSERT_EQ(0, sim("destroy domid=%u", self->domid));
	/* the session sees the death; every frame is revoked with it */
	for (int i = 0; i < 200 && touch(p, &v) == 0; i++)
		usleep(10000);
	EXPECT_EQ(SIGBUS, touch(p, &v));
	EXPECT_EQ(0, munmap(p, PG));
}

/*
 * A failure after some frames went in (the simulator's map_frame fault
 * point, at the second frame) leaves nothing mapped, and the same window
 * can be filled afterwards.
 */
TEST_F(frames, failure_halfway_maps_nothing)
{
	const __u64 gfns[2] = { 10, 11 };
	__u32 mapped = 99;
	__s32 errs[2];
	__u64 v;
	void *p;

	p = frames_mmap(self->x.fd, 2, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, sim("fault domid=%u op=map_frame action=fail errno=%d skip=1",
			 self->domid, ENOMEM));
	EXPECT_EQ(-ENOMEM, map_frames(self->x.fd, p, gfns, 2, errs, &mapped));
	EXPECT_EQ(SIGBUS, touch(p, &v));	/* frame 10 came out again */
	EXPECT_EQ(SIGBUS, touch((__u8 *)p + PG, &v));
	ASSERT_EQ(0, map_frames(self->x.fd, p, gfns, 2, errs, &mapped));
	EXPECT_EQ(2, mapped);
	ASSERT_EQ(0, touch(p, &v));
	EXPECT_EQ(0x1010101010101010ULL, v);
	EXPECT_EQ(0, munmap(p, 2 * PG));
}

/* DETACH takes every frame away; nothing can be mapped after it. */
TEST_F(frames, detach_revokes_every_mapping)
{
	const __u64 gfns[2] = { 10, 11 };
	__s32 errs[2];
	__u64 v;
	void *p, *q;

	p = frames_mmap(self->x.fd, 2, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_EQ(0, map_frames(self->x.fd, p, gfns, 2, errs, NULL));
	q = frames_mmap(self->x.fd, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, q);
	ASSERT_EQ(0, map_frames(self->x.fd, q, gfns + 1, 1, errs, NULL));
	ASSERT_EQ(0, touch((__u8 *)p + PG + 8, &v));
	EXPECT_EQ(0x1111111111111111ULL, v);

	ASSERT_EQ(0, xenintro_detach(&self->x));
	EXPECT_EQ(SIGBUS, touch(p, &v));
	EXPECT_EQ(SIGBUS, touch((__u8 *)p + PG, &v));
	EXPECT_EQ(SIGBUS, touch(q, &v));
	EXPECT_EQ(0, munmap(q, PG));
	q = frames_mmap(self->x.fd, 1, PROT_READ, MAP_SHARED);
	ASSERT_NE(MAP_FAILED, q);
	EXPECT_EQ(-ESRCH, map_frames(self->x.fd, q, gfns, 1, errs, NULL));
	EXPECT_EQ(0, munmap(q, PG));
	EXPECT_EQ(0, munmap(p, 2 * PG));
}

/* The library's pair: map, read, unmap; its checks. */
TEST_F(frames, library_map_and_unmap)
{
	/* the library's types: stdint's, not the uAPI's __u64 */
	const unsigned long gfns[3] = { 11, FRAMES + 5, 10 };
	const __u8 *p = NULL;
	int errs[3];
	__u64 v;

	EXPECT_EQ(2, xenintro_map_frames(&self->x, gfns, 3, errs,
					 (const void **)&p));
	ASSERT_NE(NULL, p);
	EXPECT_EQ(-ENXIO, errs[1]);
	ASSERT_EQ(0, touch(p + 8, &v));
	EXPECT_EQ(0x1111111111111111ULL, v);
	ASSERT_EQ(0, touch(p + 2 * PG, &v));
	EXPECT_EQ(0x1010101010101010ULL, v);
	EXPECT_EQ(0, xenintro_unmap_frames(p, 3));
	/* without an errs array the library brings its own */
	p = NULL;
	EXPECT_EQ(2, xenintro_map_frames(&self->x, gfns, 3, NULL,
					 (const void **)&p));
	EXPECT_EQ(0, xenintro_unmap_frames(p, 3));
	EXPECT_EQ(-EINVAL, xenintro_map_frames(&self->x, gfns, 0, NULL,
					       (const void **)&p));
	EXPECT_EQ(-EINVAL, xenintro_unmap_frames(NULL, 1));
}

TEST_HARNESS_MAIN
