// SPDX-License-Identifier: GPL-2.0
/*
 * The guest page walker: guest-virtual to guest-physical, as the x86 CPU
 * translates, over a "read a guest-physical word" callback. Pure code: no
 * hypervisor, no locks, no allocation, so KUnit runs it on synthetic
 * tables (tests/walk_kunit.c) and the read path runs it on real ones.
 *
 * Modes: no paging, 32-bit (4K pages, 4M pages with CR4.PSE, PSE-36
 * address bits), PAE (4K and 2M pages), and long mode with 4 or 5 levels
 * (4K, 2M, 1G pages). The rights returned are those the CPU combines over
 * the levels: writable only if every level allows writes, user only if
 * every level allows user access, executable unless some level has NX
 * (with EFER.NXE). CR3's low bits (PCID, PWT/PCD) and bit 63 (no-flush on
 * a CR3 write) are not part of the table address. Supervisor-mode checks
 * that depend on the accessor (CR0.WP, SMEP, SMAP, protection keys) are
 * not applied: the rights describe the page.
 *
 * The guest owns its page tables and may be hostile. A walk reads at most
 * one entry per level, so a table that points to itself, or anything
 * else, ends after five reads at most; an entry outside guest memory ends
 * it with the read callback's error. Nothing here dereferences guest
 * memory directly.
 *
 * No translation is cached anywhere: every walk reads the tables as they
 * are now.
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/sizes.h>
#include <linux/string.h>
#include <kunit/visibility.h>

#include "xenintro.h"

#define X86_CR0_PG_BIT		31
#define X86_CR4_PSE_BIT		4
#define X86_CR4_PAE_BIT		5
#define X86_CR4_LA57_BIT	12
#define X86_EFER_LMA_BIT	10
#define X86_EFER_NXE_BIT	11

#define PTE_P		BIT_ULL(0)
#define PTE_RW		BIT_ULL(1)
#define PTE_US		BIT_ULL(2)
#define PTE_PS		BIT_ULL(7)
#define PTE_NX		BIT_ULL(63)
/* Physical address bits of a 64-bit entry or of CR3 (MAXPHYADDR 52). */
#define PTE_ADDR_MASK	GENMASK_ULL(51, 12)
/* PAE: CR3 bits 31:5 hold the 32-byte aligned PDPT. */
#define PAE_CR3_MASK	GENMASK_ULL(31, 5)
/* PAE PDPTE bits that must be zero: 2:1, 8:5 and 63. */
#define PAE_PDPTE_RSVD	(GENMASK_ULL(2, 1) | GENMASK_ULL(8, 5) | BIT_ULL(63))

/**
 * xenintro_paging_from_regs() - the paging of a vCPU from its registers
 * @pg: out
 * @cr0: CR0
 * @cr3: CR3
 * @cr4: CR4
 * @efer: EFER
 */
void xenintro_paging_from_regs(struct xenintro_paging *pg, u64 cr0, u64 cr3,
			       u64 cr4, u64 efer)
{
	memset(pg, 0, sizeof(*pg));
	pg->cr3 = cr3;
	pg->nxe = efer & BIT_ULL(X86_EFER_NXE_BIT);
	pg->pse = cr4 & BIT_ULL(X86_CR4_PSE_BIT);
	if (!(cr0 & BIT_ULL(X86_CR0_PG_BIT)))
		pg->mode = XENINTRO_PAGING_NONE;
	else if (efer & BIT_ULL(X86_EFER_LMA_BIT))
		pg->mode = (cr4 & BIT_ULL(X86_CR4_LA57_BIT)) ?
			   XENINTRO_PAGING_LM5 : XENINTRO_PAGING_LM4;
	else if (cr4 & BIT_ULL(X86_CR4_PAE_BIT))
		pg->mode = XENINTRO_PAGING_PAE;
	else
		pg->mode = XENINTRO_PAGING_32;
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_paging_from_regs);

/* Is @gva canonical for a long-mode walk of @top levels? */
static bool xenintro_canonical(u64 gva, unsigned int top)
{
	unsigned int bits = top == 5 ? 57 : 48;
	s64 sext = (s64)(gva << (64 - bits)) >> (64 - bits);

	return (u64)sext == gva;
}

static int xenintro_walk_stop(struct xenintro_walk *w, u32 stop,
			      unsigned int level, int err)
{
	w->stop = stop;
	w->fail_level = level;
	return err;
}

/* Read one entry of @size bytes; a failed read ends the walk. */
static int xenintro_walk_read(struct xenintro_walk *w, xenintro_gpa_read_t read,
			      void *ctx, u64 gpa, unsigned int size,
			      unsigned int level, u64 *entry)
{
	u32 e32;
	int ret;

	if (size == 4) {
		ret = read(ctx, gpa, &e32, 4);
		*entry = e32;
	} else {
		ret = read(ctx, gpa, entry, 8);
	}
	if (ret)
		return xenintro_walk_stop(w, XENINTRO_STOP_OUTSIDE, level,
					  ret);
	w->entries[w->levels++] = *entry;
	return 0;
}

/*
 * What one entry allows, combined into the walk's rights as the CPU does:
 * writable and user only if every level says so, executable unless one
 * level has NX. (A 32-bit entry has no NX bit: bit 63 of the u64 holding
 * it is clear.)
 */
static void xenintro_walk_rights(struct xenintro_walk *w, u64 e)
{
	if (!(e & PTE_RW))
		w->rights &= ~XENINTRO_XLAT_W;
	if (!(e & PTE_US))
		w->rights &= ~XENINTRO_XLAT_U;
	if (e & PTE_NX)
		w->rights &= ~XENINTRO_XLAT_X;
}

/* The leaf was found: the address and the page size. */
static int xenintro_walk_done(struct xenintro_walk *w, u64 frame, u64 gva,
			      u64 page_size)
{
	w->page_size = page_size;
	w->gpa = (frame & ~(page_size - 1)) | (gva & (page_size - 1));
	w->stop = XENINTRO_STOP_NONE;
	w->fail_level = 0;
	return 0;
}

static int xenintro_walk_long(const struct xenintro_paging *pg, u64 gva,
			      xenintro_gpa_read_t read, void *ctx,
			      struct xenintro_walk *w, unsigned int top)
{
	u64 table = pg->cr3 & PTE_ADDR_MASK, e, size;
	unsigned int level, shift;
	int ret;

	if (!xenintro_canonical(gva, top))
		return xenintro_walk_stop(w, XENINTRO_STOP_NONCANONICAL, top,
					  -ERANGE);
	for (level = top; level >= 1; level--) {
		shift = 12 + 9 * (level - 1);
		ret = xenintro_walk_read(w, read, ctx,
					 table + ((gva >> shift) & 0x1ff) * 8,
					 8, level, &e);
		if (ret)
			return ret;
		if (!(e & PTE_P))
			return xenintro_walk_stop(w, XENINTRO_STOP_NOT_PRESENT,
						  level, -EFAULT);
		if ((e & PTE_NX) && !pg->nxe)
			goto reserved;
		xenintro_walk_rights(w, e);
		if (level == 1)
			return xenintro_walk_done(w, e & PTE_ADDR_MASK, gva,
						  SZ_4K);
		if (e & PTE_PS) {
			/* No large pages at the two top levels. */
			if (level > 3)
				goto reserved;
			size = 1ULL << shift;
			/* Address bits below the page size, above the PAT bit. */
			if (e & GENMASK_ULL(shift - 1, 13))
				goto reserved;
			return xenintro_walk_done(w, e & PTE_ADDR_MASK, gva,
						  size);
		}
		table = e & PTE_ADDR_MASK;
	}
	return -EINVAL;	/* not reached: level 1 always returns */
reserved:
	return xenintro_walk_stop(w, XENINTRO_STOP_RESERVED, level, -EINVAL);
}

static int xenintro_walk_pae(const struct xenintro_paging *pg, u64 gva,
			     xenintro_gpa_read_t read, void *ctx,
			     struct xenintro_walk *w)
{
	u64 e;
	int ret;

	ret = xenintro_walk_read(w, read, ctx,
				 (pg->cr3 & PAE_CR3_MASK) + ((gva >> 30) & 3) * 8,
				 8, 3, &e);
	if (ret)
		return ret;
	if (!(e & PTE_P))
		return xenintro_walk_stop(w, XENINTRO_STOP_NOT_PRESENT, 3,
					  -EFAULT);
	if (e & PAE_PDPTE_RSVD)
		return xenintro_walk_stop(w, XENINTRO_STOP_RESERVED, 3, -EINVAL);

	ret = xenintro_walk_read(w, read, ctx,
				 (e & PTE_ADDR_MASK) + ((gva >> 21) & 0x1ff) * 8,
				 8, 2, &e);
	if (ret)
		return ret;
	if (!(e & PTE_P))
		return xenintro_walk_stop(w, XENINTRO_STOP_NOT_PRESENT, 2,
					  -EFAULT);
	if (((e & PTE_NX) && !pg->nxe) ||
	    ((e & PTE_PS) && (e & GENMASK_ULL(20, 13))))
		return xenintro_walk_stop(w, XENINTRO_STOP_RESERVED, 2, -EINVAL);
	xenintro_walk_rights(w, e);
	if (e & PTE_PS)
		return xenintro_walk_done(w, e & PTE_ADDR_MASK, gva, SZ_2M);

	ret = xenintro_walk_read(w, read, ctx,
				 (e & PTE_ADDR_MASK) + ((gva >> 12) & 0x1ff) * 8,
				 8, 1, &e);
	if (ret)
		return ret;
	if (!(e & PTE_P))
		return xenintro_walk_stop(w, XENINTRO_STOP_NOT_PRESENT, 1,
					  -EFAULT);
	if ((e & PTE_NX) && !pg->nxe)
		return xenintro_walk_stop(w, XENINTRO_STOP_RESERVED, 1, -EINVAL);
	xenintro_walk_rights(w, e);
	return xenintro_walk_done(w, e & PTE_ADDR_MASK, gva, SZ_4K);
}

static int xenintro_walk_32(const struct xenintro_paging *pg, u64 gva,
			    xenintro_gpa_read_t read, void *ctx,
			    struct xenintro_walk *w)
{
	u64 e, frame;
	int ret;

	ret = xenintro_walk_read(w, read, ctx,
				 (pg->cr3 & GENMASK_ULL(31, 12)) +
				 ((gva >> 22) & 0x3ff) * 4, 4, 2, &e);
	if (ret)
		return ret;
	if (!(e & PTE_P))
		return xenintro_walk_stop(w, XENINTRO_STOP_NOT_PRESENT, 2,
					  -EFAULT);
	xenintro_walk_rights(w, e);
	if ((e & PTE_PS) && pg->pse) {
		/* 4M page; PSE-36: entry bits 20:13 are address bits 39:32. */
		if (e & BIT_ULL(21))
			return xenintro_walk_stop(w, XENINTRO_STOP_RESERVED, 2,
						  -EINVAL);
		frame = (e & GENMASK_ULL(31, 22)) |
			(((e >> 13) & 0xff) << 32);
		return xenintro_walk_done(w, frame, gva, SZ_4M);
	}

	ret = xenintro_walk_read(w, read, ctx,
				 (e & GENMASK_ULL(31, 12)) +
				 ((gva >> 12) & 0x3ff) * 4, 4, 1, &e);
	if (ret)
		return ret;
	if (!(e & PTE_P))
		return xenintro_walk_stop(w, XENINTRO_STOP_NOT_PRESENT, 1,
					  -EFAULT);
	xenintro_walk_rights(w, e);
	return xenintro_walk_done(w, e & GENMASK_ULL(31, 12), gva, SZ_4K);
}

/**
 * xenintro_walk() - translate a guest-virtual address
 * @pg: the paging to walk (root and mode)
 * @gva: the address
 * @read: reads guest-physical memory: 4 or 8 bytes at an aligned address;
 *	0 or a negative errno (-ENXIO outside guest memory)
 * @ctx: for @read
 * @w: out: the result; on failure @w->stop says why and @w->fail_level
 *	at which level (5..1 from the top), with the entries read so far
 *
 * Return: 0, -EFAULT (not present), -EINVAL (reserved bit or mode),
 * -ERANGE (non-canonical, or above 4 GiB in a 32-bit mode), or @read's
 * error (the walk reached outside guest memory).
 */
int xenintro_walk(const struct xenintro_paging *pg, u64 gva,
		  xenintro_gpa_read_t read, void *ctx, struct xenintro_walk *w)
{
	memset(w, 0, sizeof(*w));
	w->rights = XENINTRO_XLAT_R | XENINTRO_XLAT_W | XENINTRO_XLAT_X |
		    XENINTRO_XLAT_U;

	switch (pg->mode) {
	case XENINTRO_PAGING_NONE:
		if (gva & ~PTE_ADDR_MASK & ~GENMASK_ULL(11, 0))
			return xenintro_walk_stop(w, XENINTRO_STOP_OUTSIDE, 0,
						  -ENXIO);
		return xenintro_walk_done(w, gva, gva, SZ_4K);
	case XENINTRO_PAGING_32:
	case XENINTRO_PAGING_PAE:
		if (gva >> 32)
			return xenintro_walk_stop(w,
						  XENINTRO_STOP_NONCANONICAL,
						  0, -ERANGE);
		if (pg->mode == XENINTRO_PAGING_PAE)
			return xenintro_walk_pae(pg, gva, read, ctx, w);
		return xenintro_walk_32(pg, gva, read, ctx, w);
	case XENINTRO_PAGING_LM4:
		return xenintro_walk_long(pg, gva, read, ctx, w, 4);
	case XENINTRO_PAGING_LM5:
		return xenintro_walk_long(pg, gva, read, ctx, w, 5);
	default:
		return xenintro_walk_stop(w, XENINTRO_STOP_RESERVED, 0,
					  -EINVAL);
	}
}
EXPORT_SYMBOL_IF_KUNIT(xenintro_walk);
