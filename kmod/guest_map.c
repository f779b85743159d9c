// SPDX-License-Identifier: GPL-2.0
/*
 * Zero-copy guest frames: mappings of the fd at XENINTRO_OFF_FRAMES that
 * XENINTRO_IOC_MAP_FRAMES fills with guest frames (see the uAPI header).
 *
 * Revocation. Every session gets an inode of its own on a private pseudo
 * filesystem and points its file's f_mapping at it (as DRM does for its
 * device files), so the mappings of this session, and no other's, hang in
 * one address_space's i_mmap tree. Teardown removes every frame from all
 * of them with unmap_mapping_range(), which needs no mmap_lock: the
 * tree's i_mmap_rwsem keeps each vma and its page tables alive while they
 * are zapped, against a concurrent munmap() or exit. Afterwards a touch
 * faults, and the fault handler answers SIGBUS.
 *
 * The frames themselves are held by the PTEs (Xen's reference for a
 * foreign mapping, a page reference on the simulator) and let go when a
 * PTE is zapped, whoever zaps it: munmap, exit or teardown.
 *
 * Locks, in this order: ctl_lock, then mmap_lock, then i_mmap_rwsem.
 * MAP_FRAMES takes ctl_lock (teardown cannot run between its check and
 * the insert) and then the caller's mmap_lock for writing (the backend may
 * set vm_flags, and the vma cannot be unmapped or moved under it). The
 * mmap() and fault handlers run under mmap_lock, so they never take
 * ctl_lock; the fields they read are fixed before ATTACH returns.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mount.h>
#include <linux/pseudo_fs.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "xenintro.h"

/* "xeni": the pseudo filesystem's magic, seen by nobody but the VFS. */
#define XENINTRO_FS_MAGIC	0x78656e69

/* vm_private_data of a frames mapping that MAP_FRAMES filled */
#define XENINTRO_FRAMES_FILLED	((void *)1)

/* Frame numbers a PTE can hold: 52-bit guest-physical addresses. */
#define XENINTRO_GFN_LIMIT	(1ULL << (52 - PAGE_SHIFT))

static struct vfsmount *xenintro_mnt;

static int xenintro_fs_init_fs_context(struct fs_context *fc)
{
	return init_pseudo(fc, XENINTRO_FS_MAGIC) ? 0 : -ENOMEM;
}

/*
 * No .owner: the kernel-internal mount would pin this module for good.
 * It is unmounted in module exit, after the misc device is gone.
 */
static struct file_system_type xenintro_fs_type = {
	.name = "xenintro",
	.init_fs_context = xenintro_fs_init_fs_context,
	.kill_sb = kill_anon_super,
};

int xenintro_map_init(void)
{
	xenintro_mnt = kern_mount(&xenintro_fs_type);
	return PTR_ERR_OR_ZERO(xenintro_mnt);
}

void xenintro_map_exit(void)
{
	kern_unmount(xenintro_mnt);
}

/**
 * xenintro_map_open() - give a new session's file an address_space of its own
 * @s: the session
 * @file: its file
 *
 * Return: 0 or -ENOMEM.
 */
int xenintro_map_open(struct xenintro_session *s, struct file *file)
{
	struct inode *inode = alloc_anon_inode(xenintro_mnt->mnt_sb);

	if (IS_ERR(inode))
		return PTR_ERR(inode);
	s->inode = inode;
	file->f_mapping = inode->i_mapping;
	return 0;
}

/* At release: every mapping of the file is gone (each held the file). */
void xenintro_map_release(struct xenintro_session *s)
{
	iput(s->inode);
}

/**
 * xenintro_frames_revoke() - take every guest frame out of the session's
 * mappings
 * @dom: the domain; ctl_lock held, torn_down set (no MAP_FRAMES after us)
 */
void xenintro_frames_revoke(struct xenintro_domain *dom)
{
	lockdep_assert_held(&dom->ctl_lock);
	/* holelen 0: from XENINTRO_OFF_FRAMES to the end; rings lie below. */
	unmap_mapping_range(dom->frames_mapping, XENINTRO_OFF_FRAMES, 0, 1);
}

/* Never filled, a frame the hypervisor refused, or revoked: SIGBUS. */
static vm_fault_t xenintro_frames_fault(struct vm_fault *vmf)
{
	return VM_FAULT_SIGBUS;
}

static const struct vm_operations_struct xenintro_frames_vm_ops = {
	.fault = xenintro_frames_fault,
};

/**
 * xenintro_frames_mmap() - mmap() at XENINTRO_OFF_FRAMES: an empty window
 * @dom: the session's domain
 * @vma: the new mapping; mmap_lock held for writing
 *
 * Return: 0, -EOPNOTSUPP without the feature, -EINVAL for a bad offset,
 * size or a private mapping, -EPERM for PROT_WRITE or PROT_EXEC.
 */
int xenintro_frames_mmap(struct xenintro_domain *dom,
			 struct vm_area_struct *vma)
{
	unsigned long pages = vma_pages(vma);

	if (!(dom->features & XENINTRO_FEATURE_MEM_MAP))
		return -EOPNOTSUPP;
	if (vma->vm_pgoff != XENINTRO_OFF_FRAMES >> PAGE_SHIFT ||
	    !pages || pages > XENINTRO_MAP_FRAMES_MAX)
		return -EINVAL;
	/* VM_MAYSHARE: MAP_SHARED, whatever the file's open mode. */
	if (!(vma->vm_flags & VM_MAYSHARE))
		return -EINVAL;
	if (vma->vm_flags & (VM_WRITE | VM_EXEC))
		return -EPERM;

	/* Read-only for good, not inherited, not dumped, never grown. */
	vm_flags_clear(vma, VM_MAYWRITE | VM_MAYEXEC);
	vm_flags_set(vma, VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_ops = &xenintro_frames_vm_ops;
	vma->vm_private_data = NULL;
	return 0;
}

/* The frames mapping of @s at exactly [addr, addr + nr pages), or NULL. */
static struct vm_area_struct *xenintro_frames_vma(struct xenintro_session *s,
						  u64 addr, u32 nr)
{
	struct vm_area_struct *vma = vma_lookup(current->mm, addr);

	if (!vma || vma->vm_ops != &xenintro_frames_vm_ops ||
	    vma->vm_file->private_data != s || vma->vm_start != addr ||
	    vma_pages(vma) != nr)
		return NULL;
	return vma;
}

/* Copy the frame list in; every entry must fit a PTE. */
static u64 *xenintro_gfns_in(const struct xenintro_map_frames *mf)
{
	u64 *gfns;
	u32 i;

	gfns = kvmalloc_array(mf->nr, sizeof(*gfns), GFP_KERNEL_ACCOUNT);
	if (!gfns)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(gfns, u64_to_user_ptr(mf->gfns),
			   array_size(mf->nr, sizeof(*gfns)))) {
		kvfree(gfns);
		return ERR_PTR(-EFAULT);
	}
	for (i = 0; i < mf->nr; i++) {
		if (gfns[i] >= XENINTRO_GFN_LIMIT) {
			kvfree(gfns);
			return ERR_PTR(-EINVAL);
		}
	}
	return gfns;
}

/* Under ctl_lock and mmap_lock: fill the vma, all or nothing. */
static int xenintro_frames_fill(struct xenintro_session *s,
				struct xenintro_map_frames *mf,
				const u64 *gfns, int *errs)
{
	struct xenintro_domain *dom = s->dom;
	struct vm_area_struct *vma;
	int ret;

	vma = xenintro_frames_vma(s, mf->addr, mf->nr);
	if (!vma)
		return -EINVAL;
	if (vma->vm_private_data)
		return -EBUSY;
	ret = dom->ops->map_frames(dom, vma, gfns, mf->nr, errs);
	if (ret < 0) {
		/*
		 * Whatever went in comes out; the agent may try again.
		 * zap_vma_pages(), not zap_vma_ptes(): that one handles
		 * VM_PFNMAP only, and the simulator maps struct pages
		 * (VM_MIXEDMAP).
		 */
		zap_vma_pages(vma);
		return ret;
	}
	mf->mapped = ret;
	vma->vm_private_data = XENINTRO_FRAMES_FILLED;
	return 0;
}

/**
 * xenintro_ioctl_map_frames() - XENINTRO_IOC_MAP_FRAMES
 * @s: the session (attached)
 * @mf: the request; @mf->mapped is written back
 *
 * Return: 0 (however many frames were mapped), or a negative errno with
 * nothing mapped (see struct xenintro_map_frames).
 */
int xenintro_ioctl_map_frames(struct xenintro_session *s,
			      struct xenintro_map_frames *mf)
{
	struct xenintro_domain *dom = s->dom;
	struct mm_struct *mm = current->mm;
	int *errs = NULL;
	u64 *gfns;
	int ret;

	if (!(dom->features & XENINTRO_FEATURE_MEM_MAP) ||
	    !dom->ops->map_frames)
		return -EOPNOTSUPP;
	if (mf->flags || mf->reserved[0] || mf->reserved[1])
		return -EINVAL;
	mf->mapped = 0;
	if (!mf->nr || mf->nr > XENINTRO_MAP_FRAMES_MAX || !mf->gfns ||
	    !mf->errs || !mf->addr || offset_in_page(mf->addr))
		return -EINVAL;

	gfns = xenintro_gfns_in(mf);
	if (IS_ERR(gfns))
		return PTR_ERR(gfns);
	errs = kvcalloc(mf->nr, sizeof(*errs), GFP_KERNEL_ACCOUNT);
	if (!errs) {
		ret = -ENOMEM;
		goto out;
	}

	mutex_lock(&dom->ctl_lock);
	if (dom->torn_down) {
		ret = -ESRCH;
	} else {
		mmap_write_lock(mm);
		ret = xenintro_frames_fill(s, mf, gfns, errs);
		mmap_write_unlock(mm);
		xenintro_audit_map_frames(dom, mf, ret);
	}
	mutex_unlock(&dom->ctl_lock);

	if (!ret && copy_to_user(u64_to_user_ptr(mf->errs), errs,
				 array_size(mf->nr, sizeof(*errs))))
		ret = -EFAULT;
out:
	kvfree(errs);
	kvfree(gfns);
	return ret;
}
