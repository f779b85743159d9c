/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel APIs xenintro uses that differ between the kernels it builds
 * for (Debian 12's 6.1 and Debian 13's 6.12), bridged here and nowhere
 * else, by the kernel's own version macros: the code is written against
 * the newer API, and this file provides it on older kernels.
 */
#ifndef _XENINTRO_COMPAT_H
#define _XENINTRO_COMPAT_H

#include <linux/mm.h>
#include <linux/version.h>

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
/*
 * 6.3 made vma->vm_flags read-only (changes go through these helpers,
 * which also assert the mmap lock). Before, the field was written
 * directly; ->mmap() runs with the mmap lock held either way.
 */
static inline void vm_flags_set(struct vm_area_struct *vma, vm_flags_t flags)
{
	vma->vm_flags |= flags;
}

static inline void vm_flags_clear(struct vm_area_struct *vma,
				  vm_flags_t flags)
{
	vma->vm_flags &= ~flags;
}

/* 6.3 replaced zap_page_range() with this, for a whole vma. */
static inline void zap_vma_pages(struct vm_area_struct *vma)
{
	zap_page_range(vma, vma->vm_start, vma->vm_end - vma->vm_start);
}
#endif

#endif /* _XENINTRO_COMPAT_H */
