// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the guest page walker (walk.c) on synthetic page tables in a
 * small fake guest memory, for every paging mode, page size and hostile
 * table.
 */
#include <kunit/test.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../xenintro.h"

#define MEM_FRAMES	64
#define P	BIT_ULL(0)
#define RW	BIT_ULL(1)
#define US	BIT_ULL(2)
#define PS	BIT_ULL(7)
#define NX	BIT_ULL(63)
#define RWXU	(XENINTRO_XLAT_R | XENINTRO_XLAT_W | XENINTRO_XLAT_X | \
		 XENINTRO_XLAT_U)

struct fake_mem {
	u8 *mem;
	unsigned int reads;
};

static int fake_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	struct fake_mem *m = ctx;

	m->reads++;
	if (gpa + len > MEM_FRAMES * SZ_4K || gpa + len < gpa)
		return -ENXIO;
	memcpy(buf, m->mem + gpa, len);
	return 0;
}

static struct fake_mem *fake_mem(struct kunit *test)
{
	struct fake_mem *m = kunit_kzalloc(test, sizeof(*m), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, m);
	m->mem = kunit_kzalloc(test, MEM_FRAMES * SZ_4K, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, m->mem);
	return m;
}

static void put64(struct fake_mem *m, u64 frame, unsigned int idx, u64 e)
{
	memcpy(m->mem + frame * SZ_4K + idx * 8, &e, 8);
}

static void put32(struct fake_mem *m, u64 frame, unsigned int idx, u32 e)
{
	memcpy(m->mem + frame * SZ_4K + idx * 4, &e, 4);
}

static unsigned int idx(u64 gva, unsigned int level)
{
	return (gva >> (12 + 9 * (level - 1))) & 0x1ff;
}

static int walk(struct fake_mem *m, u32 mode, u64 cr3, bool nxe, bool pse,
		u64 gva, struct xenintro_walk *w)
{
	struct xenintro_paging pg = {
		.cr3 = cr3, .mode = mode, .nxe = nxe, .pse = pse,
	};

	m->reads = 0;
	return xenintro_walk(&pg, gva, fake_read, m, w);
}

/* Long mode, 4 levels: PML4 at frame 1, PDPT 2, PD 3, PT 4, data 10. */
#define GVA4	0x00007f1234567abcULL

static void lm4_tables(struct fake_mem *m, u64 gva)
{
	put64(m, 1, idx(gva, 4), 2 * SZ_4K | P | RW | US);
	put64(m, 2, idx(gva, 3), 3 * SZ_4K | P | RW | US);
	put64(m, 3, idx(gva, 2), 4 * SZ_4K | P | RW | US);
	put64(m, 4, idx(gva, 1), 10 * SZ_4K | P | RW | US);
}

static void walk_lm4_4k(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;

	lm4_tables(m, GVA4);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_LM4, 1 * SZ_4K, true,
				   false, GVA4, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gpa, 10ULL * SZ_4K + 0xabc);
	KUNIT_EXPECT_EQ(test, w.page_size, (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, w.levels, 4U);
	KUNIT_EXPECT_EQ(test, w.rights, (u32)RWXU);
	KUNIT_EXPECT_EQ(test, w.stop, (u32)XENINTRO_STOP_NONE);
	KUNIT_EXPECT_EQ(test, w.entries[0], 2ULL * SZ_4K | P | RW | US);
	KUNIT_EXPECT_EQ(test, w.entries[3], 10ULL * SZ_4K | P | RW | US);
	KUNIT_EXPECT_EQ(test, m->reads, 4U);

	/* PCID in CR3's low bits and the no-flush bit 63 are no address. */
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_LM4,
				   1 * SZ_4K | 0xabc | BIT_ULL(63), true,
				   false, GVA4, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gpa, 10ULL * SZ_4K + 0xabc);
}

/* R/W, U/S and NX combine over the levels as the CPU does. */
static void walk_rights_combine(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;

	lm4_tables(m, GVA4);
	put64(m, 2, idx(GVA4, 3), 3 * SZ_4K | P | US);		/* no RW */
	put64(m, 4, idx(GVA4, 1), 10 * SZ_4K | P | RW | NX);	/* no US */
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   GVA4, &w), 0);
	KUNIT_EXPECT_EQ(test, w.rights, (u32)XENINTRO_XLAT_R);

	/* Without EFER.NXE bit 63 is reserved. */
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, false,
				   false, GVA4, &w), -EINVAL);
	KUNIT_EXPECT_EQ(test, w.stop, (u32)XENINTRO_STOP_RESERVED);
	KUNIT_EXPECT_EQ(test, w.fail_level, 1U);
}

static void walk_lm4_large_pages(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;
	u64 gva = 0x40201234ULL;	/* PML4 0, PDPT 1, PD 1 */

	/* 2M page at 6M */
	put64(m, 1, idx(gva, 4), 2 * SZ_4K | P | RW);
	put64(m, 2, idx(gva, 3), 3 * SZ_4K | P | RW);
	put64(m, 3, idx(gva, 2), 3 * SZ_2M | P | RW | PS);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   gva, &w), 0);
	KUNIT_EXPECT_EQ(test, w.page_size, (u64)SZ_2M);
	KUNIT_EXPECT_EQ(test, w.gpa, 3ULL * SZ_2M + (gva & (SZ_2M - 1)));
	KUNIT_EXPECT_EQ(test, w.levels, 3U);
	KUNIT_EXPECT_EQ(test, w.rights, (u32)(RWXU & ~XENINTRO_XLAT_U));

	/* A 2M entry with address bits below 2M set: reserved. */
	put64(m, 3, idx(gva, 2), 3 * SZ_2M | BIT_ULL(13) | P | PS);
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   gva, &w), -EINVAL);
	KUNIT_EXPECT_EQ(test, w.stop, (u32)XENINTRO_STOP_RESERVED);
	KUNIT_EXPECT_EQ(test, w.fail_level, 2U);

	/* 1G page at 5G */
	put64(m, 2, idx(gva, 3), 5ULL * SZ_1G | P | RW | US | PS);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   gva, &w), 0);
	KUNIT_EXPECT_EQ(test, w.page_size, (u64)SZ_1G);
	KUNIT_EXPECT_EQ(test, w.gpa, 5ULL * SZ_1G + (gva & (SZ_1G - 1)));
	KUNIT_EXPECT_EQ(test, w.levels, 2U);

	/* PS in a PML4 entry: reserved. */
	put64(m, 1, idx(gva, 4), 2 * SZ_4K | P | PS);
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   gva, &w), -EINVAL);
	KUNIT_EXPECT_EQ(test, w.fail_level, 4U);
}

static void walk_not_present_each_level(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;
	static const u64 frames[] = { 1, 2, 3, 4 };
	unsigned int level;

	for (level = 4; level >= 1; level--) {
		lm4_tables(m, GVA4);
		put64(m, frames[4 - level], idx(GVA4, level), 0);
		KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true,
					   false, GVA4, &w), -EFAULT);
		KUNIT_EXPECT_EQ(test, w.stop, (u32)XENINTRO_STOP_NOT_PRESENT);
		KUNIT_EXPECT_EQ(test, w.fail_level, level);
		KUNIT_EXPECT_EQ(test, w.levels, 5 - level);
	}
}

static void walk_canonical(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;

	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   0x0000800000000000ULL, &w), -ERANGE);
	KUNIT_EXPECT_EQ(test, w.stop, (u32)XENINTRO_STOP_NONCANONICAL);
	KUNIT_EXPECT_EQ(test, m->reads, 0U);
	/* The same address is canonical with 5 levels. */
	KUNIT_EXPECT_NE(test, walk(m, XENINTRO_PAGING_LM5, SZ_4K, true, false,
				   0x0000800000000000ULL, &w), -ERANGE);
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM5, SZ_4K, true, false,
				   0x0100000000000000ULL, &w), -ERANGE);
	/* Upper half, sign-extended: canonical (not present here). */
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   0xffff888000000000ULL, &w), -EFAULT);
}

/* Five levels: PML5 at frame 5 above the 4-level tables. */
static void walk_lm5(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;
	u64 gva = 0x00ff7f1234567abcULL;	/* PML5 index 1 */

	lm4_tables(m, gva);
	put64(m, 5, idx(gva, 5), 1 * SZ_4K | P | RW | US);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_LM5, 5 * SZ_4K, true,
				   false, gva, &w), 0);
	KUNIT_EXPECT_EQ(test, w.levels, 5U);
	KUNIT_EXPECT_EQ(test, w.gpa, 10ULL * SZ_4K + 0xabc);
	KUNIT_EXPECT_EQ(test, m->reads, 5U);
}

static void walk_pae(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;
	u64 gva = 0xc0801234ULL;	/* PDPT 3, PD 4, PT 1 */
	u64 pdpt = 7 * SZ_4K + 0x20;	/* 32-byte aligned, in frame 7 */

	memcpy(m->mem + pdpt + 3 * 8, &(u64){ 8 * SZ_4K | P }, 8);
	put64(m, 8, (gva >> 21) & 0x1ff, 9 * SZ_4K | P | RW | US);
	put64(m, 9, (gva >> 12) & 0x1ff, 11 * SZ_4K | P | RW | US | NX);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_PAE, pdpt, true, false,
				   gva, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gpa, 11ULL * SZ_4K + 0x234);
	KUNIT_EXPECT_EQ(test, w.levels, 3U);
	KUNIT_EXPECT_EQ(test, w.rights, (u32)(RWXU & ~XENINTRO_XLAT_X));

	/* 2M page */
	put64(m, 8, (gva >> 21) & 0x1ff, 2 * SZ_2M | P | PS);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_PAE, pdpt, true, false,
				   gva, &w), 0);
	KUNIT_EXPECT_EQ(test, w.page_size, (u64)SZ_2M);
	KUNIT_EXPECT_EQ(test, w.gpa, 2ULL * SZ_2M + (gva & (SZ_2M - 1)));

	/* A PDPTE with a reserved bit (R/W is reserved there). */
	memcpy(m->mem + pdpt + 3 * 8, &(u64){ 8 * SZ_4K | P | RW }, 8);
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_PAE, pdpt, true, false,
				   gva, &w), -EINVAL);
	KUNIT_EXPECT_EQ(test, w.fail_level, 3U);
	/* Nothing above 4 GiB in a 32-bit mode. */
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_PAE, pdpt, true, false,
				   1ULL << 32, &w), -ERANGE);
}

static void walk_32bit(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;
	u64 gva = 0x80403123ULL;	/* PD 0x201, PT 3 */

	put32(m, 12, gva >> 22, 13 * SZ_4K | P | RW | US);
	put32(m, 13, (gva >> 12) & 0x3ff, 14 * SZ_4K | P | US);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_32, 12 * SZ_4K, false,
				   false, gva, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gpa, 14ULL * SZ_4K + 0x123);
	KUNIT_EXPECT_EQ(test, w.levels, 2U);
	KUNIT_EXPECT_EQ(test, w.rights, (u32)(RWXU & ~XENINTRO_XLAT_W));

	/* 4M page with PSE, PSE-36 bits 20:13 giving address bits 39:32 */
	put32(m, 12, gva >> 22, 0x00c00000 | (1U << 13) | P | RW | PS);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_32, 12 * SZ_4K, false,
				   true, gva, &w), 0);
	KUNIT_EXPECT_EQ(test, w.page_size, (u64)SZ_4M);
	KUNIT_EXPECT_EQ(test, w.gpa, (1ULL << 32) + 0x00c00000 +
				     (gva & (SZ_4M - 1)));
	/* Without CR4.PSE the PS bit is ignored: a page table again. */
	put32(m, 12, gva >> 22, 13 * SZ_4K | P | RW | US | PS);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_32, 12 * SZ_4K, false,
				   false, gva, &w), 0);
	KUNIT_EXPECT_EQ(test, w.page_size, (u64)SZ_4K);
	KUNIT_EXPECT_EQ(test, w.gpa, 14ULL * SZ_4K + 0x123);
}

/* Hostile tables: bounded walks and clear errors, never more reads. */
static void walk_hostile(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;
	u64 gva = 0;

	/* Every level's entry 0 points at the table itself. */
	put64(m, 1, 0, 1 * SZ_4K | P | RW);
	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_LM5, SZ_4K, true, false,
				   gva, &w), 0);
	KUNIT_EXPECT_EQ(test, m->reads, 5U);
	KUNIT_EXPECT_EQ(test, w.gpa, 1ULL * SZ_4K);

	/* A table outside guest memory: the read's error, at that level. */
	put64(m, 1, 0, (u64)(MEM_FRAMES + 100) * SZ_4K | P | RW);
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   gva, &w), -ENXIO);
	KUNIT_EXPECT_EQ(test, w.stop, (u32)XENINTRO_STOP_OUTSIDE);
	KUNIT_EXPECT_EQ(test, w.fail_level, 3U);
	KUNIT_EXPECT_EQ(test, w.levels, 1U);

	/* An address at the top of the physical space (MMIO-like). */
	put64(m, 1, 0, GENMASK_ULL(51, 12) | P | RW);
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, SZ_4K, true, false,
				   gva, &w), -ENXIO);

	/* A root outside guest memory. */
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_LM4, BIT_ULL(40), true,
				   false, gva, &w), -ENXIO);
	KUNIT_EXPECT_EQ(test, w.fail_level, 4U);
	/* An unknown mode. */
	KUNIT_EXPECT_EQ(test, walk(m, 99, SZ_4K, true, false, gva, &w),
			-EINVAL);
}

static void walk_modes_from_regs(struct kunit *test)
{
	struct xenintro_paging pg;
	const u64 pg_bit = BIT_ULL(31), pae = BIT_ULL(5), pse = BIT_ULL(4);
	const u64 la57 = BIT_ULL(12), lma = BIT_ULL(10), nxe = BIT_ULL(11);

	xenintro_paging_from_regs(&pg, 0x11, 0x1000, 0, 0);
	KUNIT_EXPECT_EQ(test, pg.mode, (u32)XENINTRO_PAGING_NONE);
	xenintro_paging_from_regs(&pg, pg_bit | 1, 0x1000, pse, 0);
	KUNIT_EXPECT_EQ(test, pg.mode, (u32)XENINTRO_PAGING_32);
	KUNIT_EXPECT_TRUE(test, pg.pse);
	xenintro_paging_from_regs(&pg, pg_bit | 1, 0x1000, pae, nxe);
	KUNIT_EXPECT_EQ(test, pg.mode, (u32)XENINTRO_PAGING_PAE);
	KUNIT_EXPECT_TRUE(test, pg.nxe);
	xenintro_paging_from_regs(&pg, pg_bit | 1, 0x1000, pae, lma | nxe);
	KUNIT_EXPECT_EQ(test, pg.mode, (u32)XENINTRO_PAGING_LM4);
	xenintro_paging_from_regs(&pg, pg_bit | 1, 0x1000, pae | la57, lma);
	KUNIT_EXPECT_EQ(test, pg.mode, (u32)XENINTRO_PAGING_LM5);
	KUNIT_EXPECT_FALSE(test, pg.nxe);
	KUNIT_EXPECT_EQ(test, pg.cr3, 0x1000ULL);
}

static void walk_no_paging(struct kunit *test)
{
	struct fake_mem *m = fake_mem(test);
	struct xenintro_walk w;

	KUNIT_ASSERT_EQ(test, walk(m, XENINTRO_PAGING_NONE, 0, false, false,
				   0x12345, &w), 0);
	KUNIT_EXPECT_EQ(test, w.gpa, 0x12345ULL);
	KUNIT_EXPECT_EQ(test, w.levels, 0U);
	KUNIT_EXPECT_EQ(test, m->reads, 0U);
	KUNIT_EXPECT_EQ(test, walk(m, XENINTRO_PAGING_NONE, 0, false, false,
				   BIT_ULL(60), &w), -ENXIO);
}

static struct kunit_case walk_cases[] = {
	KUNIT_CASE(walk_lm4_4k),
	KUNIT_CASE(walk_rights_combine),
	KUNIT_CASE(walk_lm4_large_pages),
	KUNIT_CASE(walk_not_present_each_level),
	KUNIT_CASE(walk_canonical),
	KUNIT_CASE(walk_lm5),
	KUNIT_CASE(walk_pae),
	KUNIT_CASE(walk_32bit),
	KUNIT_CASE(walk_hostile),
	KUNIT_CASE(walk_modes_from_regs),
	KUNIT_CASE(walk_no_paging),
	{}
};

static struct kunit_suite walk_suite = {
	.name = "xenintro_walk",
	.test_cases = walk_cases,
};

kunit_test_suites(&walk_suite);
