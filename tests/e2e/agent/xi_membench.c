// SPDX-License-Identifier: GPL-2.0
/*
 * Guest-memory benchmark for dom0, side by side in one run: xenintro's
 * READ_MEM and MAP_FRAMES against Debian's libxenforeignmemory, the path
 * every Xen VMI library takes (xenforeignmemory_map, read, unmap).
 *
 *   xi_membench <domid> <gva> [MiB] [virtual reads] [passes]
 *
 * The guest is paused (one xenintro PAUSE) for the whole run, so every
 * method reads the same bytes; each method's sum over what it read is
 * printed and must match the others' (a correctness check, not only a
 * speed figure). Frames from 16 MiB up, MiB * 256 of them (default 64
 * MiB), are read in order and in one random order by:
 *
 *   xi-read-1     READ_MEM, one 4 KiB segment per call
 *   xi-read-64    READ_MEM, 64 segments per call
 *   xi-map-64     MAP_FRAMES of 64 frames, read each, munmap
 *   fm-map-1      xenforeignmemory_map of one frame, read, unmap
 *   fm-map-64     xenforeignmemory_map of 64 frames, read each, unmap
 *
 * "Read" is a sum over the page's 512 words everywhere, kept per page.
 * Each page must read the same by every method, with one exception: Xen
 * itself writes a few guest pages while the guest is paused (an event
 * sent to it sets pending bits in its shared_info or vcpu_info page,
 * wherever in its memory the guest placed them).
 * A page that differs from the first method's reading is read again at
 * once: if that agrees with the new reading, Xen changed the page (it is
 * counted as "changed" and becomes the reference), otherwise the method
 * misread it ("bad"). At most MAX_CHANGED pages may change: anything
 * more is not Xen's doing. Then <virtual
 * reads> 64-byte reads at <gva> (a vmalloc address: 4 KiB page, 4-level
 * walk) through vCPU 0's CR3:
 *
 *   xi-virt       READ_MEM of a virtual segment (the walk in the kernel)
 *   fm-walk       what LibVMI does on a cache miss: map each table page
 *                 and the data page with xenforeignmemory_map, read the
 *                 entry, unmap
 *
 * Output, one line per measurement:
 *   XI-MEMBENCH|pages|order=seq method=xi-read-1 pass= pages= ns= pps= sum= bad= changed=
 *   XI-MEMBENCH|changed|gfn= method= (a page Xen wrote meanwhile)
 *   XI-MEMBENCH|virt|method=xi-virt reads= ns= ns_per_read= sum= bad=
 *   XI-MEMBENCH|done|ok=1 (every page read alike, nothing failed)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <xenctrl.h>
#include <xenforeignmemory.h>
#include <xen/hvm/save.h>
#include <xenintro/libxenintro.h>

#define PAGE		4096u
#define BATCH		64u
#define FIRST_GFN	0x1000u		/* 16 MiB: above firmware and holes */
#define VIRT_LEN	64u
/* shared_info, one vcpu_info and runstate area per vCPU, spare */
#define MAX_CHANGED	8u

struct bench {
	struct xenintro x;
	xenforeignmemory_handle *fm;
	uint32_t domid;
	uint64_t *gfns;			/* the order of this pass */
	uint32_t nr;
	unsigned char *bufs;		/* BATCH pages */
	uint64_t *sums;			/* per page (gfn - FIRST_GFN), last method */
};

/* A page's sum as a method read it: kept per page, and returned. */
static uint64_t note(struct bench *b, uint64_t gfn, uint64_t sum)
{
	b->sums[gfn - FIRST_GFN] = sum;
	return sum;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* What every method does with a page it got: sum its words. */
static uint64_t words_sum(const void *p, size_t len)
{
	const uint64_t *w = p;
	uint64_t s = 0;
	size_t i;

	for (i = 0; i < len / 8; i++)
		s += w[i] * (i + 1);
	return s;
}

static uint64_t page_sum(const void *p)
{
	return words_sum(p, PAGE);
}

/* Each returns the sum over the pages it read; *bad counts failures. */
static uint64_t xi_read(struct bench *b, uint32_t batch, uint32_t *bad)
{
	struct xenintro_mem_seg segs[BATCH];
	uint64_t sum = 0;
	uint32_t i, j, n;

	for (i = 0; i < b->nr; i += n) {
		n = b->nr - i < batch ? b->nr - i : batch;
		memset(segs, 0, sizeof(segs[0]) * n);
		for (j = 0; j < n; j++) {
			segs[j].addr = b->gfns[i + j] * PAGE;
			segs[j].buf = (uintptr_t)(b->bufs + j * PAGE);
			segs[j].len = PAGE;
		}
		if (xenintro_read_segs(&b->x, NULL, segs, n)) {
			*bad += n;
			continue;
		}
		for (j = 0; j < n; j++) {
			if (segs[j].done != PAGE)
				(*bad)++;
			else
				sum += note(b, b->gfns[i + j],
					    page_sum(b->bufs + j * PAGE));
		}
	}
	return sum;
}

static uint64_t xi_read_1(struct bench *b, uint32_t *bad)
{
	return xi_read(b, 1, bad);
}

static uint64_t xi_read_64(struct bench *b, uint32_t *bad)
{
	return xi_read(b, BATCH, bad);
}

static uint64_t xi_map_64(struct bench *b, uint32_t *bad)
{
	int32_t errs[BATCH];
	const unsigned char *p;
	uint64_t sum = 0;
	uint32_t i, j, n;
	int64_t got;

	for (i = 0; i < b->nr; i += n) {
		n = b->nr - i < BATCH ? b->nr - i : BATCH;
		got = xenintro_map_frames(&b->x, b->gfns + i, n, errs,
					  (const void **)&p);
		if (got < 0) {
			*bad += n;
			continue;
		}
		for (j = 0; j < n; j++) {
			if (errs[j])
				(*bad)++;
			else
				sum += note(b, b->gfns[i + j],
					    page_sum(p + j * PAGE));
		}
		xenintro_unmap_frames(p, n);
	}
	return sum;
}

static uint64_t fm_map(struct bench *b, uint32_t batch, uint32_t *bad)
{
	xen_pfn_t pfns[BATCH];
	int errs[BATCH];
	uint64_t sum = 0;
	uint32_t i, j, n;
	void *p;

	for (i = 0; i < b->nr; i += n) {
		n = b->nr - i < batch ? b->nr - i : batch;
		for (j = 0; j < n; j++)
			pfns[j] = b->gfns[i + j];
		p = xenforeignmemory_map(b->fm, b->domid, PROT_READ, n, pfns,
					 errs);
		if (!p) {
			*bad += n;
			continue;
		}
		for (j = 0; j < n; j++) {
			if (errs[j])
				(*bad)++;
			else
				sum += note(b, b->gfns[i + j],
					    page_sum((unsigned char *)p + j * PAGE));
		}
		xenforeignmemory_unmap(b->fm, p, n);
	}
	return sum;
}

static uint64_t fm_map_1(struct bench *b, uint32_t *bad)
{
	return fm_map(b, 1, bad);
}

static uint64_t fm_map_64(struct bench *b, uint32_t *bad)
{
	return fm_map(b, BATCH, bad);
}

static const struct {
	const char *name;
	uint64_t (*run)(struct bench *b, uint32_t *bad);
} methods[] = {
	{ "xi-read-1", xi_read_1 },
	{ "xi-read-64", xi_read_64 },
	{ "xi-map-64", xi_map_64 },
	{ "fm-map-1", fm_map_1 },
	{ "fm-map-64", fm_map_64 },
};
#define NR_METHODS (sizeof(methods) / sizeof(methods[0]))

/* One word of a guest frame through a one-page foreign map. */
static int fm_word(struct bench *b, uint64_t gpa, uint64_t *val)
{
	xen_pfn_t pfn = gpa / PAGE;
	int err = 0;
	void *p = xenforeignmemory_map(b->fm, b->domid, PROT_READ, 1, &pfn,
				       &err);

	if (!p || err)
		return -1;
	memcpy(val, (unsigned char *)p + (gpa & (PAGE - 1) & ~7u), 8);
	xenforeignmemory_unmap(b->fm, p, 1);
	return 0;
}

/*
 * A 4-level walk as a userspace VMI library does it on a cache miss: a
 * map per table page and one for the data. Large pages end it early.
 */
static int fm_walk_read(struct bench *b, uint64_t cr3, uint64_t gva,
			void *out)
{
	const uint64_t addr_mask = 0x000ffffffffff000ULL;
	uint64_t table = cr3 & addr_mask, e = 0, gpa = 0;
	xen_pfn_t pfn;
	int level, err = 0;
	void *p;

	for (level = 4; level >= 1; level--) {
		unsigned int shift = 12 + 9 * (level - 1);

		if (fm_word(b, table + ((gva >> shift) & 511) * 8, &e) ||
		    !(e & 1))
			return -1;
		if (level == 1 || (level <= 3 && (e & 0x80))) {
			gpa = (e & addr_mask & ~((1ULL << shift) - 1)) |
			      (gva & ((1ULL << shift) - 1));
			break;
		}
		table = e & addr_mask;
	}
	pfn = gpa / PAGE;
	p = xenforeignmemory_map(b->fm, b->domid, PROT_READ, 1, &pfn, &err);
	if (!p || err)
		return -1;
	memcpy(out, (unsigned char *)p + (gpa & (PAGE - 1)), VIRT_LEN);
	xenforeignmemory_unmap(b->fm, p, 1);
	return 0;
}

static bool bench_virt(struct bench *b, xc_interface *xc, uint64_t gva,
		       uint32_t reads)
{
	unsigned char data[VIRT_LEN], first[2][VIRT_LEN];
	struct xenintro_mem_root root;
	uint32_t i, bad[2] = { 0, 0 };
	struct hvm_hw_cpu cpu;
	uint64_t t0, ns;
	int m;

	memset(&cpu, 0, sizeof(cpu));
	if (xc_domain_hvm_getcontext_partial(xc, b->domid, HVM_SAVE_CODE(CPU),
					     0, &cpu, sizeof(cpu))) {
		printf("XI-MEMBENCH|error|what=getcontext errno=%d\n", errno);
		return false;
	}
	root = xenintro_root_cr3(cpu.cr3, XENINTRO_PAGING_LM4,
				 XENINTRO_ROOTF_NXE);
	memset(first, 0, sizeof(first));
	for (m = 0; m < 2; m++) {
		t0 = now_ns();
		for (i = 0; i < reads; i++) {
			bool ok;

			if (m == 0)
				ok = xenintro_read_virt(&b->x, &root, gva, data,
							VIRT_LEN) == VIRT_LEN;
			else
				ok = !fm_walk_read(b, cpu.cr3, gva, data);
			if (!ok)
				bad[m]++;
			else if (i == 0)
				memcpy(first[m], data, VIRT_LEN);
		}
		ns = now_ns() - t0;
		printf("XI-MEMBENCH|virt|method=%s reads=%u ns=%" PRIu64
		       " ns_per_read=%" PRIu64 " sum=0x%016" PRIx64
		       " bad=%u cr3=0x%" PRIx64 "\n",
		       m ? "fm-walk" : "xi-virt", reads, ns,
		       reads ? ns / reads : 0,
		       words_sum(first[m], VIRT_LEN), bad[m],
		       (uint64_t)cpu.cr3);
	}
	return !bad[0] && !bad[1] && !memcmp(first[0], first[1], VIRT_LEN);
}

/*
 * Pages in order, then the same pages in one random (fixed-seed) order,
 * in @passes passes; each pass starts with another method, so that the
 * emulator's speed drifting during the run favours none of them.
 */
static bool bench_pages(struct bench *b, uint64_t *seq, uint64_t *rnd,
			unsigned int passes)
{
	struct xenintro_mem_seg seg;
	uint32_t changed = 0, k;
	bool ok = true, have_ref = false;
	unsigned int p, o, i, m;
	uint64_t sum, *ref;

	ref = calloc(b->nr, sizeof(*ref));
	if (!ref)
		return false;
	for (p = 0; p < passes; p++) {
		for (o = 0; o < 2; o++) {
			b->gfns = o ? rnd : seq;
			for (i = 0; i < NR_METHODS; i++) {
				uint32_t bad = 0, moved = 0;
				uint64_t t0 = now_ns(), ns;

				m = (i + p) % NR_METHODS;
				memset(b->sums, 0, b->nr * sizeof(*b->sums));
				sum = methods[m].run(b, &bad);
				ns = now_ns() - t0;
				if (!have_ref) {
					memcpy(ref, b->sums, b->nr * sizeof(*ref));
					have_ref = true;
				}
				for (k = 0; k < b->nr; k++) {
					if (b->sums[k] == ref[k])
						continue;
					/* read it again now: Xen's write, or a misread? */
					memset(&seg, 0, sizeof(seg));
					seg.addr = (uint64_t)(FIRST_GFN + k) * PAGE;
					seg.buf = (uintptr_t)b->bufs;
					seg.len = PAGE;
					if (!xenintro_read_segs(&b->x, NULL, &seg, 1) &&
					    seg.done == PAGE &&
					    page_sum(b->bufs) == b->sums[k]) {
						printf("XI-MEMBENCH|changed|gfn=0x%x method=%s\n",
						       FIRST_GFN + k, methods[m].name);
						ref[k] = b->sums[k];
						moved++;
					} else {
						bad++;
					}
				}
				changed += moved;
				printf("XI-MEMBENCH|pages|order=%s method=%s pass=%u pages=%u ns=%" PRIu64
				       " pps=%" PRIu64 " sum=0x%016" PRIx64 " bad=%u changed=%u\n",
				       o ? "rand" : "seq", methods[m].name, p,
				       b->nr, ns,
				       ns ? (uint64_t)b->nr * 1000000000u / ns : 0,
				       sum, bad, moved);
				fflush(stdout);
				ok &= !bad;
			}
		}
	}
	free(ref);
	return ok && changed <= MAX_CHANGED;
}

int main(int argc, char **argv)
{
	uint32_t mib = argc > 3 ? strtoul(argv[3], NULL, 0) : 64;
	uint32_t reads = argc > 4 ? strtoul(argv[4], NULL, 0) : 2000;
	unsigned int passes = argc > 5 ? strtoul(argv[5], NULL, 0) : 1;
	struct bench b = { 0 };
	uint64_t *seq, *rnd, gva;
	xc_interface *xc;
	bool ok;
	uint32_t i;
	int ret;

	if (argc < 3) {
		fprintf(stderr, "usage: %s <domid> <gva> [MiB] [virtual reads] [passes]\n",
			argv[0]);
		return 2;
	}
	b.domid = strtoul(argv[1], NULL, 0);
	gva = strtoull(argv[2], NULL, 0);
	b.nr = mib * 256;
	seq = calloc(b.nr, sizeof(*seq));
	rnd = calloc(b.nr, sizeof(*rnd));
	b.bufs = aligned_alloc(PAGE, BATCH * PAGE);
	b.sums = calloc(b.nr, sizeof(*b.sums));
	if (!b.nr || !seq || !rnd || !b.bufs || !b.sums)
		return 2;
	for (i = 0; i < b.nr; i++)
		seq[i] = rnd[i] = FIRST_GFN + i;
	srandom(42);
	for (i = b.nr - 1; i > 0; i--) {
		uint32_t j = (uint32_t)random() % (i + 1);
		uint64_t t = rnd[i];

		rnd[i] = rnd[j];
		rnd[j] = t;
	}

	ret = xenintro_open(&b.x, XENINTRO_FEATURE_RINGS |
			    XENINTRO_FEATURE_MEMORY | XENINTRO_FEATURE_MEM_MAP,
			    0);
	if (!ret)
		ret = xenintro_attach(&b.x, b.domid, NULL);
	b.fm = xenforeignmemory_open(NULL, 0);
	xc = xc_interface_open(NULL, NULL, 0);
	if (ret || !b.fm || !xc) {
		printf("XI-MEMBENCH|error|what=open xenintro=%d fm=%d xc=%d\n",
		       ret, !!b.fm, !!xc);
		return 1;
	}
	/* The same bytes for every method: nothing runs in the guest (only
	 * Xen writes, see bench_pages()). */
	ret = xenintro_pause(&b.x);
	if (ret) {
		printf("XI-MEMBENCH|error|what=pause ret=%d\n", ret);
		return 1;
	}
	ok = bench_pages(&b, seq, rnd, passes ? passes : 1);
	ok &= bench_virt(&b, xc, gva, reads);
	xenintro_unpause(&b.x);
	printf("XI-MEMBENCH|done|ok=%d mib=%u reads=%u\n", ok, mib, reads);
	xc_interface_close(xc);
	xenforeignmemory_close(b.fm);
	xenintro_close(&b.x);
	return ok ? 0 : 1;
}
