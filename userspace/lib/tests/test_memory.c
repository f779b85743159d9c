// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Guest memory through the library, on the fake kernel's three pages of
 * identity-mapped memory: whole and partial reads, strings across pages
 * and at the end of memory, writes, roots passed through unchanged.
 */
#include "fake_kernel.h"
#include "harness.h"

static const struct xenintro_mem_root flat = {
	.kind = XENINTRO_ROOT_CR3, .mode = XENINTRO_PAGING_NONE,
};

static void attach_mem(struct xenintro *x, uint64_t features)
{
	XT_EQ(xenintro_open_path(x, "/dev/null", XENINTRO_FEATURE_RINGS |
				 features, 0), 0);
	XT_EQ(xenintro_attach(x, 1, NULL), 0);
	for (unsigned int i = 0; i < FK_GMEM_SIZE; i++)
		fk.gmem[i] = (uint8_t)(i * 7);
}

XT_TEST(memory_read_phys_whole_and_partial)
{
	struct xenintro x;
	uint8_t buf[64];

	attach_mem(&x, XENINTRO_FEATURE_MEMORY);
	XT_EQ(xenintro_read_phys(&x, 4090, buf, 16), 16);
	XT_EQ(buf[0], (uint8_t)(4090 * 7));
	XT_EQ(buf[15], (uint8_t)(4105 * 7));
	XT_EQ(fk.last_mem.nr_segs, 1);
	XT_EQ(fk.last_mem.seg_size, sizeof(struct xenintro_mem_seg));
	XT_EQ(fk.last_segs[0].flags, 0);
	/* the memory ends after 10 bytes */
	XT_EQ(xenintro_read_phys(&x, FK_GMEM_SIZE - 10, buf, 64), 10);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(memory_needs_the_feature)
{
	struct xenintro x;
	uint8_t b;

	attach_mem(&x, 0);
	XT_EQ(xenintro_read_phys(&x, 0, &b, 1), -EOPNOTSUPP);
	XT_EQ(xenintro_write_phys(&x, 0, &b, 1), -EOPNOTSUPP);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(memory_string_across_pages)
{
	static const char s[] = "a string across a page boundary";
	struct xenintro x;
	char buf[64];

	attach_mem(&x, XENINTRO_FEATURE_MEMORY);
	memcpy(fk.gmem + 4090, s, sizeof(s));
	XT_EQ(xenintro_read_string(&x, &flat, 4090, buf, sizeof(buf)),
	      (int64_t)strlen(s));
	XT_STREQ(buf, s);
	/* one ioctl per page touched */
	XT_EQ(fk.calls[_XENINTRO_READ_MEM], 2);
	XT_EQ(fk.last_mem.root.kind, XENINTRO_ROOT_CR3);
	XT_EQ(fk.last_segs[0].flags, XENINTRO_SEG_VIRT);

	/* no NUL within max - 1: truncated and said so */
	XT_EQ(xenintro_read_string(&x, &flat, 4090, buf, 8), -ENAMETOOLONG);
	XT_EQ(strlen(buf), 7);
	/* memory ends before the NUL */
	memset(fk.gmem + FK_GMEM_SIZE - 4, 'z', 4);
	XT_EQ(xenintro_read_string(&x, &flat, FK_GMEM_SIZE - 4, buf,
				   sizeof(buf)), -EFAULT);
	XT_STREQ(buf, "zzzz");
	XT_EQ(xenintro_read_string(&x, NULL, 0, buf, sizeof(buf)), -EINVAL);
	XT_EQ(xenintro_close(&x), 0);
}

XT_TEST(memory_write_and_roots)
{
	struct xenintro_event ev;
	struct xenintro_mem_root r;
	struct xenintro x;
	uint8_t b = 0x5a;

	attach_mem(&x, XENINTRO_FEATURE_MEMORY | XENINTRO_FEATURE_MEM_WRITE);
	XT_EQ(xenintro_write_phys(&x, 100, &b, 1), 1);
	XT_EQ(fk.gmem[100], 0x5a);
	XT_EQ(fk.calls[_XENINTRO_WRITE_MEM], 1);

	memset(&ev, 0, sizeof(ev));
	ev.vcpu = 3;
	ev.seq = 77;
	r = xenintro_root_event(&ev);
	XT_EQ(r.kind, XENINTRO_ROOT_EVENT);
	XT_EQ(r.vcpu, 3);
	XT_EQ(r.seq, 77);
	XT_EQ(r.cr3 | r.mode | r.flags, 0);
	r = xenintro_root_vcpu(5);
	XT_EQ(r.kind, XENINTRO_ROOT_VCPU);
	XT_EQ(r.vcpu, 5);
	r = xenintro_root_cr3(0x1000, XENINTRO_PAGING_LM4, XENINTRO_ROOTF_NXE);
	XT_EQ(r.cr3, 0x1000);
	XT_EQ(r.mode, XENINTRO_PAGING_LM4);
	XT_EQ(xenintro_read_virt(&x, NULL, 0, &b, 1), -EINVAL);
	XT_EQ(xenintro_close(&x), 0);
}

/*
 * xenintro_root_regs() picks the paging mode as the CPU (and the kernel's
 * walker) does: CR0.PG off is no paging, EFER.LMA long mode with CR4.LA57
 * choosing 5 levels, else CR4.PAE, else 32-bit; NXE and PSE carried over.
 */
XT_TEST(memory_root_from_registers)
{
	const uint64_t pg = 1ULL << 31, pae = 1ULL << 5, la57 = 1ULL << 12;
	const uint64_t lma = 1ULL << 10, nxe = 1ULL << 11, pse = 1ULL << 4;
	struct xenintro_regs regs;
	struct xenintro_mem_root r;

	memset(&regs, 0, sizeof(regs));
	regs.cr3 = 0x1234000;
	regs.cr4 = pae | la57;
	regs.msr_efer = lma | nxe;
	r = xenintro_root_regs(&regs);		/* paging off: the rest ignored */
	XT_EQ(r.kind, XENINTRO_ROOT_CR3);
	XT_EQ(r.mode, XENINTRO_PAGING_NONE);
	XT_EQ(r.cr3, 0x1234000);

	regs.cr0 = pg;
	XT_EQ(xenintro_root_regs(&regs).mode, XENINTRO_PAGING_LM5);
	regs.cr4 = pae;
	XT_EQ(xenintro_root_regs(&regs).mode, XENINTRO_PAGING_LM4);
	XT_EQ(xenintro_root_regs(&regs).flags, XENINTRO_ROOTF_NXE);
	regs.msr_efer = 0;
	XT_EQ(xenintro_root_regs(&regs).mode, XENINTRO_PAGING_PAE);
	XT_EQ(xenintro_root_regs(&regs).flags, 0);
	regs.cr4 = pse;
	r = xenintro_root_regs(&regs);
	XT_EQ(r.mode, XENINTRO_PAGING_32);
	XT_EQ(r.flags, XENINTRO_ROOTF_PSE);
	XT_EQ(r.vcpu | r.seq, 0);
}

XT_TEST(memory_translate)
{
	struct xenintro_translate t;
	struct xenintro x;

	attach_mem(&x, XENINTRO_FEATURE_MEMORY);
	XT_EQ(xenintro_translate(&x, &flat, 0x1234, &t), 0);
	XT_EQ(t.stop, XENINTRO_STOP_NONE);
	XT_EQ(t.gpa, 0x1234);
	XT_EQ(t.size, sizeof(t));
	XT_EQ(xenintro_translate(&x, &flat, FK_GMEM_SIZE, &t), 0);
	XT_EQ(t.stop, XENINTRO_STOP_OUTSIDE);
	XT_EQ(xenintro_translate(&x, NULL, 0, &t), -EINVAL);
	XT_EQ(xenintro_close(&x), 0);
}
