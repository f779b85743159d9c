// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xenintro kaslr: a running Linux guest's KASLR slide, from its kernel
 * image and one look at the guest.
 *
 * The syscall entry MSR, LSTAR, holds entry_SYSCALL_64 as the running
 * kernel placed it; the image's kallsyms tables (common/ksyms.c) say where
 * the symbol was linked. The difference is the slide. It is believed only
 * if a second, independent anchor agrees: the guest's memory at the
 * image's kallsyms_token_table address plus the slide must hold exactly
 * the image's bytes (read-only data the kernel never changes at run
 * time), and the slide must be a multiple of 2 MiB, as x86-64 KASLR
 * places the kernel. When they disagree the tool says so and gives no
 * slide: it never guesses.
 *
 * LSTAR comes from the registers of the guest's first event: the tool
 * monitors CR3 writes (asynchronously, the guest never waits) until one
 * arrives, which a Linux guest does at every switch to a process.
 *
 * Exit: 0 with the slide, 1 usage, 3 cannot attach, 5 no event in time,
 * an image without the symbols, or anchors that disagree.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <xenintro/libxenintro.h>

#include "cli.h"
#include "guest.h"
#include "ksyms.h"

#define KASLR_ALIGN	(2ULL << 20)	/* CONFIG_PHYSICAL_ALIGN on x86-64 */

static void usage(FILE *f)
{
	fprintf(f, "usage: xenintro kaslr [--json] [--timeout SECS] [--device PATH] GUEST KERNEL_IMAGE\n"
		   "  the running guest's KASLR slide: LSTAR against entry_SYSCALL_64 in its\n"
		   "  kernel image, checked against a second anchor in the guest's memory\n");
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* The registers of the guest's first CR3 write, within @secs. */
static int first_event_regs(struct xenintro *x, unsigned int secs,
			    struct xenintro_regs *regs)
{
	const struct xenintro_event *ev;
	long long end = now_ms() + secs * 1000LL;
	int ret;

	ret = xenintro_monitor_enable(x, XENINTRO_MONITOR_CTRLREG,
				      XENINTRO_CR3, 0);
	if (ret)
		return ret;
	while (now_ms() < end) {
		if (!xenintro_peek_event(x, &ev)) {
			*regs = ev->regs;
			if (xenintro_event_needs_verdict(ev))
				xenintro_verdict_for(x, ev,
						     XENINTRO_VERDICT_CONTINUE);
			xenintro_event_advance(x, 1);
			xenintro_submit(x);
			return 0;
		}
		xenintro_wait(x, 100);
	}
	return -ETIMEDOUT;
}

int cmd_kaslr(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct xi_ksym *entry;
	struct xenintro_mem_root root;
	struct xenintro_regs regs;
	const char *device = NULL;
	unsigned int secs = 10;
	unsigned char *guest = NULL;
	struct xi_kimage k;
	struct xi_ksyms s;
	struct xenintro x;
	bool json = false, aligned, anchor = false;
	uint64_t slide;
	struct diag d;
	char why[256];
	uint32_t domid;
	int o, ret, rc = 5;
	int64_t got = 0;

	memset(&x, 0, sizeof(x));
	x.fd = -1;
	optind = 1;
	while ((o = getopt_long(argc, argv, "jt:d:h", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			json = true;
			break;
		case 't':
			secs = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			device = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (argc - optind != 2 || !secs) {
		usage(stderr);
		return 1;
	}
	if (guest_resolve(argv[optind], &domid, why, sizeof(why))) {
		fprintf(stderr, "xenintro kaslr: %s\n", why);
		return 3;
	}
	if (xi_kimage_load(argv[optind + 1], &k, &d) ||
	    xi_ksyms_load(&k, &s, &d)) {
		fprintf(stderr, "xenintro kaslr: %s\n", d.msg);
		if (k.elf)
			xi_kimage_free(&k);
		return 5;
	}
	entry = xi_ksyms_find(&s, "entry_SYSCALL_64");
	if (!entry) {
		fprintf(stderr, "xenintro kaslr: %s: no entry_SYSCALL_64\n",
			argv[optind + 1]);
		goto out_syms;
	}
	ret = xenintro_open_path(&x, device ? device : XENINTRO_DEVICE,
				 XENINTRO_FEATURE_RINGS |
				 XENINTRO_FEATURE_MEMORY, 0);
	if (!ret)
		ret = xenintro_attach(&x, domid, NULL);
	if (ret) {
		fprintf(stderr, "xenintro kaslr: cannot attach to domain %u: %s\n",
			domid, strerror(-ret));
		rc = 3;
		goto out_close;
	}
	ret = first_event_regs(&x, secs, &regs);
	if (ret) {
		fprintf(stderr, "xenintro kaslr: domain %u: %s\n", domid,
			ret == -ETIMEDOUT ?
			"no CR3 write to read LSTAR from in time (is the guest running?)" :
			strerror(-ret));
		goto out_close;
	}
	slide = regs.msr_lstar - entry->addr;
	aligned = !(slide % KASLR_ALIGN);
	/* the second anchor, through the page tables of that moment */
	guest = malloc(s.token_table_len);
	root = xenintro_root_regs(&regs);
	if (guest)
		got = xenintro_read_virt(&x, &root, s.token_table_addr + slide,
					 guest, (uint32_t)s.token_table_len);
	anchor = guest && got == (int64_t)s.token_table_len &&
		 !memcmp(guest, s.token_table, s.token_table_len);
	if (json) {
		char hex[3][24];
		json_t *obj;

		snprintf(hex[0], sizeof(hex[0]), "0x%" PRIx64, slide);
		snprintf(hex[1], sizeof(hex[1]), "0x%" PRIx64,
			 (uint64_t)regs.msr_lstar);
		snprintf(hex[2], sizeof(hex[2]), "0x%" PRIx64, entry->addr);
		obj = json_pack("{s:I, s:o, s:s, s:s, s:b, s:s, s:b}",
			      "domid", (json_int_t)domid,
			      "slide", aligned && anchor ? json_string(hex[0]) :
							   json_null(),
			      "lstar", hex[1], "entry_SYSCALL_64", hex[2],
			      "aligned", aligned,
			      "anchor", "kallsyms_token_table",
			      "anchor_match", anchor);
		json_dumpf(obj, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(obj);
	} else if (aligned && anchor) {
		printf("slide=0x%" PRIx64 " lstar=0x%" PRIx64 " entry_SYSCALL_64=0x%" PRIx64 " anchor=kallsyms_token_table match=1 bytes=%zu\n",
		       slide, (uint64_t)regs.msr_lstar, entry->addr,
		       s.token_table_len);
	}
	if (aligned && anchor) {
		rc = 0;
	} else {
		fprintf(stderr, "xenintro kaslr: domain %u: LSTAR 0x%" PRIx64 " against entry_SYSCALL_64 0x%" PRIx64 " gives slide 0x%" PRIx64 "%s, and the guest's bytes at kallsyms_token_table + slide %s; this image is not the guest's running kernel: refusing to guess\n",
			domid, (uint64_t)regs.msr_lstar, entry->addr, slide,
			aligned ? "" : " (not a multiple of 2 MiB)",
			got < 0 ? "cannot be read" :
			anchor ? "match" : "differ from the image's");
	}
	free(guest);
out_close:
	xenintro_close(&x);
out_syms:
	xi_ksyms_free(&s);
	xi_kimage_free(&k);
	return rc;
}
