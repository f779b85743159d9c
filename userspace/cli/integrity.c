// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xenintro integrity: watch a guest's kernel text for changes.
 *
 * The pages of [FIRST_GVA, LAST_GVA] (the guest kernel's _stext.._etext
 * from its System.map or /proc/kallsyms) are translated once with vCPU
 * 0's page tables, then their frames are read by physical address (64 per
 * system call) and hashed; every --interval seconds they are read again
 * and each frame whose hash changed is reported, with the address it was
 * mapped at. Reading frames by physical address means a rootkit that
 * patches the text cannot hide the patch by changing the page tables the
 * check would otherwise walk. Where Xen has no mem_access (AMD), this is
 * how a kernel code patch becomes visible.
 *
 * Output, text: one "changed gva=... gfn=... old=... new=..." line per
 * change and a closing summary; --json: one object per line.
 * Exit: 0 when no frame changed, 2 when one did, else the tool's codes.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xenintro/libxenintro.h>

#include "apply.h"
#include "cli.h"
#include "guest.h"
#include "signals.h"

#define PAGE		4096ULL
#define BATCH		64
/* The text of a Linux kernel is tens of MiB at most. */
#define MAX_PAGES	(256U * 256U)

struct text_page {
	uint64_t gva;
	uint64_t gfn;
	uint64_t hash;
};

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	while (n--) {
		h ^= *p++;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* Read and hash @n frames; returns 0 or -errno, *unreadable counted. */
static int hash_frames(struct xenintro *x, struct text_page *pg, size_t n,
		       uint64_t *out, size_t *unreadable)
{
	static unsigned char buf[BATCH][PAGE];
	struct xenintro_mem_seg segs[BATCH];
	size_t i, j, k;
	int ret;

	*unreadable = 0;
	for (i = 0; i < n; i += k) {
		k = n - i < BATCH ? n - i : BATCH;
		memset(segs, 0, sizeof(segs));
		for (j = 0; j < k; j++) {
			segs[j].addr = pg[i + j].gfn * PAGE;
			segs[j].buf = (uintptr_t)buf[j];
			segs[j].len = PAGE;
		}
		ret = xenintro_read_segs(x, NULL, segs, (uint32_t)k);
		if (ret)
			return ret;
		for (j = 0; j < k; j++) {
			if (segs[j].done != PAGE) {
				(*unreadable)++;
				out[i + j] = 0;
				continue;
			}
			out[i + j] = fnv1a(buf[j], PAGE);
		}
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: xenintro integrity [--json] [--interval SECS] [--rounds N]\n"
		   "                          [--device DEV] GUEST FIRST_GVA LAST_GVA\n");
}

int cmd_integrity(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "interval", required_argument, NULL, 'i' },
		{ "rounds", required_argument, NULL, 'r' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xenintro_mem_root root = xenintro_root_vcpu(0);
	unsigned long interval = 5, rounds = 0, round;
	size_t nr = 0, unmapped = 0, unreadable = 0, i, changes = 0;
	uint64_t first, last, gva, *now = NULL;
	struct text_page *pages = NULL;
	const char *device = NULL;
	struct xenintro_translate t;
	bool json = false;
	struct xenintro x;
	struct pollfd pfd;
	char why[256];
	uint32_t domid;
	int o, ret, sigfd, rc = 1;

	optind = 1;
	while ((o = getopt_long(argc, argv, "ji:r:d:h", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			json = true;
			break;
		case 'i':
			interval = strtoul(optarg, NULL, 10);
			break;
		case 'r':
			rounds = strtoul(optarg, NULL, 10);
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
	if (argc - optind != 3 || !interval) {
		usage(stderr);
		return 1;
	}
	first = strtoull(argv[optind + 1], NULL, 0) & ~(PAGE - 1);
	last = strtoull(argv[optind + 2], NULL, 0);
	if (last < first || (last - first) / PAGE >= MAX_PAGES) {
		fprintf(stderr, "xenintro integrity: FIRST_GVA..LAST_GVA must be a range of at most %u pages\n",
			MAX_PAGES);
		return 1;
	}
	ret = guest_resolve(argv[optind], &domid, why, sizeof(why));
	if (ret) {
		fprintf(stderr, "xenintro integrity: %s\n", why);
		return 3;
	}
	ret = xenintro_open_path(&x, device ? device : XENINTRO_DEVICE,
				 XENINTRO_FEATURE_RINGS |
				 XENINTRO_FEATURE_MEMORY, 0);
	if (ret) {
		apply_device_problem(ret, why, sizeof(why));
		fprintf(stderr, "xenintro integrity: %s: %s\n",
			device ? device : XENINTRO_DEVICE, why);
		return 3;
	}
	ret = xenintro_attach(&x, domid, NULL);
	if (ret) {
		fprintf(stderr, "xenintro integrity: cannot attach to %s: %s\n",
			argv[optind], strerror(-ret));
		xenintro_close(&x);
		return 3;
	}

	pages = calloc((last - first) / PAGE + 1, sizeof(*pages));
	now = calloc((last - first) / PAGE + 1, sizeof(*now));
	if (!pages || !now)
		goto out;
	/* Where each text page lives now; the frames are then watched. */
	for (gva = first; gva <= last && gva >= first; gva += PAGE) {
		ret = xenintro_translate(&x, &root, gva, &t);
		if (ret) {
			fprintf(stderr, "xenintro integrity: translate: %s\n",
				strerror(-ret));
			goto out;
		}
		if (t.stop != XENINTRO_STOP_NONE) {
			unmapped++;
			continue;
		}
		pages[nr].gva = gva;
		pages[nr].gfn = t.gpa / PAGE;
		nr++;
	}
	ret = hash_frames(&x, pages, nr, now, &unreadable);
	if (ret) {
		fprintf(stderr, "xenintro integrity: read: %s\n", strerror(-ret));
		goto out;
	}
	for (i = 0; i < nr; i++)
		pages[i].hash = now[i];
	if (json)
		printf("{\"baseline\":{\"frames\":%zu,\"unmapped\":%zu,\"unreadable\":%zu}}\n",
		       nr, unmapped, unreadable);
	else
		printf("integrity: baseline frames=%zu unmapped=%zu unreadable=%zu\n",
		       nr, unmapped, unreadable);
	fflush(stdout);

	sigfd = signals_open();
	rc = 0;
	for (round = 1; !rounds || round <= rounds; round++) {
		pfd.fd = sigfd;
		pfd.events = POLLIN;
		if (sigfd >= 0 && poll(&pfd, 1, (int)(interval * 1000)) > 0) {
			ret = signals_next(sigfd);
			if (ret == SIGINT || ret == SIGTERM)
				break;
		}
		ret = hash_frames(&x, pages, nr, now, &unreadable);
		if (ret) {
			fprintf(stderr, "xenintro integrity: read: %s\n",
				strerror(-ret));
			rc = ret == -ESRCH ? 4 : 5;
			break;
		}
		for (i = 0; i < nr; i++) {
			if (now[i] == pages[i].hash)
				continue;
			changes++;
			if (json)
				printf("{\"changed\":{\"round\":%lu,\"gva\":\"0x%" PRIx64 "\",\"gfn\":\"0x%" PRIx64 "\",\"old\":\"0x%016" PRIx64 "\",\"new\":\"0x%016" PRIx64 "\"}}\n",
				       round, pages[i].gva, pages[i].gfn,
				       pages[i].hash, now[i]);
			else
				printf("integrity: changed round=%lu gva=0x%" PRIx64 " gfn=0x%" PRIx64 " old=0x%016" PRIx64 " new=0x%016" PRIx64 "\n",
				       round, pages[i].gva, pages[i].gfn,
				       pages[i].hash, now[i]);
			pages[i].hash = now[i];
		}
		fflush(stdout);
	}
	if (!rc && changes)
		rc = 2;
	if (json)
		printf("{\"summary\":{\"frames\":%zu,\"rounds\":%lu,\"changes\":%zu}}\n",
		       nr, round - 1, changes);
	else
		printf("integrity: done frames=%zu rounds=%lu changes=%zu\n", nr,
		       round - 1, changes);
out:
	free(pages);
	free(now);
	xenintro_close(&x);
	return rc;
}
