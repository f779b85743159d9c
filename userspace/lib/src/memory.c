// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Guest memory (XENINTRO_FEATURE_MEMORY): reads, writes and translations
 * through the kernel's READ_MEM, WRITE_MEM and TRANSLATE. The kernel walks
 * the guest's page tables anew for every page; nothing here caches.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "internal.h"

/* One ioctl over @nr segments; 0 or -errno. */
static int xi_mem_call(struct xenintro *x, unsigned long req,
		       const struct xenintro_mem_root *root,
		       struct xenintro_mem_seg *segs, uint32_t nr)
{
	struct xenintro_mem m;
	int ret = xi_check_open(x);

	if (ret)
		return ret;
	if (!segs || !nr)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	m.size = sizeof(m);
	m.nr_segs = nr;
	m.seg_size = sizeof(*segs);
	m.segs = (uintptr_t)segs;
	if (root)
		m.root = *root;
	if (ioctl(x->fd, req, &m) < 0)
		return -errno;
	return 0;
}

XENINTRO_EXPORT
int xenintro_read_segs(struct xenintro *x, const struct xenintro_mem_root *root,
		       struct xenintro_mem_seg *segs, uint32_t nr)
{
	return xi_mem_call(x, XENINTRO_IOC_READ_MEM, root, segs, nr);
}

XENINTRO_EXPORT
int xenintro_write_segs(struct xenintro *x,
			const struct xenintro_mem_root *root,
			struct xenintro_mem_seg *segs, uint32_t nr)
{
	return xi_mem_call(x, XENINTRO_IOC_WRITE_MEM, root, segs, nr);
}

/* One segment; the bytes moved, or -errno (nothing moved). */
static int64_t xi_one(struct xenintro *x, unsigned long req,
		      const struct xenintro_mem_root *root, uint64_t addr,
		      bool virt, void *buf, uint32_t len,
		      struct xenintro_mem_seg *out)
{
	struct xenintro_mem_seg seg;
	int ret;

	memset(&seg, 0, sizeof(seg));
	seg.addr = addr;
	seg.buf = (uintptr_t)buf;
	seg.len = len;
	seg.flags = virt ? XENINTRO_SEG_VIRT : 0;
	ret = xi_mem_call(x, req, root, &seg, 1);
	if (out)
		*out = seg;
	return ret ? ret : (int64_t)seg.done;
}

XENINTRO_EXPORT
int64_t xenintro_read_phys(struct xenintro *x, uint64_t gpa, void *buf,
			   uint32_t len)
{
	return xi_one(x, XENINTRO_IOC_READ_MEM, NULL, gpa, false, buf, len,
		      NULL);
}

XENINTRO_EXPORT
int64_t xenintro_read_virt(struct xenintro *x,
			   const struct xenintro_mem_root *root, uint64_t gva,
			   void *buf, uint32_t len)
{
	if (!root)
		return -EINVAL;
	return xi_one(x, XENINTRO_IOC_READ_MEM, root, gva, true, buf, len,
		      NULL);
}

XENINTRO_EXPORT
int64_t xenintro_write_phys(struct xenintro *x, uint64_t gpa, const void *buf,
			    uint32_t len)
{
	return xi_one(x, XENINTRO_IOC_WRITE_MEM, NULL, gpa, false, (void *)buf,
		      len, NULL);
}

XENINTRO_EXPORT
int64_t xenintro_write_virt(struct xenintro *x,
			    const struct xenintro_mem_root *root, uint64_t gva,
			    const void *buf, uint32_t len)
{
	if (!root)
		return -EINVAL;
	return xi_one(x, XENINTRO_IOC_WRITE_MEM, root, gva, true, (void *)buf,
		      len, NULL);
}

XENINTRO_EXPORT
int xenintro_translate(struct xenintro *x, const struct xenintro_mem_root *root,
		       uint64_t gva, struct xenintro_translate *out)
{
	int ret = xi_check_open(x);

	if (ret)
		return ret;
	if (!root || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->size = sizeof(*out);
	out->gva = gva;
	out->root = *root;
	if (ioctl(x->fd, XENINTRO_IOC_TRANSLATE, out) < 0)
		return -errno;
	return 0;
}

/*
 * A NUL-terminated string of at most @max - 1 bytes at @gva, read a page
 * at a time (one ioctl per page), so a string that ends just before an
 * unmapped page is still read whole. Returns its length (@buf is always
 * terminated), -ENAMETOOLONG when no NUL came within @max - 1 bytes (@buf
 * holds those), or -EFAULT when the memory ended first (@buf holds what
 * was read).
 */
XENINTRO_EXPORT
int64_t xenintro_read_string(struct xenintro *x,
			     const struct xenintro_mem_root *root,
			     uint64_t gva, char *buf, size_t max)
{
	size_t got = 0;

	if (!x || !root || !buf || !max)
		return -EINVAL;
	buf[0] = '\0';
	while (got < max - 1) {
		uint32_t want = 4096 - ((gva + got) & 4095);
		struct xenintro_mem_seg seg;
		char *nul;
		int64_t n;

		if (want > max - 1 - got)
			want = (uint32_t)(max - 1 - got);
		n = xi_one(x, XENINTRO_IOC_READ_MEM, root, gva + got, true,
			   buf + got, want, &seg);
		if (n < 0) {
			buf[got] = '\0';
			return n;
		}
		nul = memchr(buf + got, '\0', (size_t)n);
		if (nul)
			return nul - buf;
		got += (size_t)n;
		buf[got] = '\0';
		if ((uint32_t)n < want)
			return -EFAULT;
	}
	return -ENAMETOOLONG;
}

XENINTRO_EXPORT
int64_t xenintro_map_frames(struct xenintro *x, const uint64_t *gfns,
			    uint32_t nr, int32_t *errs, const void **addr)
{
	struct xenintro_map_frames mf;
	int32_t *own = NULL;
	size_t len;
	void *p;
	int ret = xi_check_open(x);

	if (ret)
		return ret;
	if (!gfns || !nr || nr > XENINTRO_MAP_FRAMES_MAX || !addr)
		return -EINVAL;
	if (!errs) {
		own = calloc(nr, sizeof(*own));
		if (!own)
			return -ENOMEM;
		errs = own;
	}
	len = (size_t)nr * 4096;
	p = mmap(NULL, len, PROT_READ, MAP_SHARED, x->fd, XENINTRO_OFF_FRAMES);
	if (p == MAP_FAILED) {
		ret = -errno;
		goto out;
	}
	memset(&mf, 0, sizeof(mf));
	mf.size = sizeof(mf);
	mf.nr = nr;
	mf.addr = (uintptr_t)p;
	mf.gfns = (uintptr_t)gfns;
	mf.errs = (uintptr_t)errs;
	if (ioctl(x->fd, XENINTRO_IOC_MAP_FRAMES, &mf) < 0) {
		ret = -errno;
		munmap(p, len);
		goto out;
	}
	*addr = p;
	ret = (int)mf.mapped;
out:
	free(own);
	return ret;
}

XENINTRO_EXPORT
int xenintro_unmap_frames(const void *addr, uint32_t nr)
{
	if (!addr || !nr || nr > XENINTRO_MAP_FRAMES_MAX)
		return -EINVAL;
	return munmap((void *)addr, (size_t)nr * 4096) ? -errno : 0;
}
