// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xenintro kaslr: a running Linux guest's KASLR slide, from its kernel
 * image and one look at the guest.
 *
 * How the slide is found and checked: common/kslide.c.
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

#include "apply.h"
#include "cli.h"
#include "guest.h"
#include "ksyms.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: xenintro kaslr [--json] [--timeout SECS] [--device PATH] GUEST KERNEL_IMAGE\n"
		   "  the running guest's KASLR slide: LSTAR against entry_SYSCALL_64 in its\n"
		   "  kernel image, checked against a second anchor in the guest's memory\n");
}

/**
 * kguest_open() - what kaslr and ps start with
 * @g: filled
 * @cmd: the command's name, for messages
 * @argc: its arguments: [--json] [--timeout SECS] [--device PATH] GUEST
 *	KERNEL_IMAGE
 * @argv: ditto
 * @print_usage: prints the command's usage
 *
 * Parses the options, loads the image's symbols and attaches a session
 * with the memory feature to the guest. On success kguest_close() ends it.
 *
 * Return: 0; -1 after --help (exit 0); else the exit status, with the
 * reason printed and nothing left to close.
 */
int kguest_open(struct kguest *g, const char *cmd, int argc, char **argv,
		void (*print_usage)(FILE *f))
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *device = XENINTRO_DEVICE;
	char why[256];
	struct diag d;
	int o, ret;

	memset(g, 0, sizeof(*g));
	g->cmd = cmd;
	g->secs = 10;
	g->x.fd = -1;
	optind = 1;
	while ((o = getopt_long(argc, argv, "jt:d:h", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			g->json = true;
			break;
		case 't':
			g->secs = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'd':
			device = optarg;
			break;
		case 'h':
			print_usage(stdout);
			return -1;
		default:
			print_usage(stderr);
			return 1;
		}
	}
	if (argc - optind != 2 || !g->secs) {
		print_usage(stderr);
		return 1;
	}
	if (guest_resolve(argv[optind], &g->domid, why, sizeof(why))) {
		fprintf(stderr, "xenintro %s: %s\n", cmd, why);
		return 3;
	}
	g->image = argv[optind + 1];
	if (xi_kimage_load(g->image, &g->k, &d))
		goto out_msg;
	if (xi_ksyms_load(&g->k, &g->s, &d)) {
		xi_kimage_free(&g->k);
		goto out_msg;
	}
	ret = xenintro_open_path(&g->x, device, XENINTRO_FEATURE_RINGS |
				 XENINTRO_FEATURE_MEMORY, 0);
	if (ret) {
		char problem[128];

		apply_device_problem(ret, problem, sizeof(problem));
		fprintf(stderr, "xenintro %s: %s: %s\n", cmd,
			device ? device : XENINTRO_DEVICE, problem);
		kguest_close(g);
		return 3;
	}
	ret = xenintro_attach(&g->x, g->domid, NULL);
	if (ret) {
		fprintf(stderr, "xenintro %s: cannot attach to domain %u: %s\n",
			cmd, g->domid, strerror(-ret));
		kguest_close(g);
		return 3;
	}
	return 0;
out_msg:
	fprintf(stderr, "xenintro %s: %s\n", cmd, d.msg);
	return 5;
}

void kguest_close(struct kguest *g)
{
	xenintro_close(&g->x);
	xi_ksyms_free(&g->s);
	xi_kimage_free(&g->k);
}

/* kslide_find() for kguest_open()'s session; the reason printed if not 0. */
int kguest_slide(struct kguest *g)
{
	char why[512];
	int ret = kslide_find(&g->x, &g->s, g->secs, &g->r);

	if (ret)
		fprintf(stderr, "xenintro %s: domain %u: %s\n", g->cmd,
			g->domid, kslide_why(ret, &g->r, why, sizeof(why)));
	return ret;
}

int cmd_kaslr(int argc, char **argv)
{
	struct kslide *r;
	struct kguest g;
	int ret;

	ret = kguest_open(&g, "kaslr", argc, argv, usage);
	if (ret)
		return ret < 0 ? 0 : ret;
	r = &g.r;
	ret = kguest_slide(&g);
	if (g.json && (!ret || ret == -EPROTO)) {
		char hex[3][24];
		json_t *obj;

		snprintf(hex[0], sizeof(hex[0]), "0x%" PRIx64, r->slide);
		snprintf(hex[1], sizeof(hex[1]), "0x%" PRIx64, r->lstar);
		snprintf(hex[2], sizeof(hex[2]), "0x%" PRIx64, r->entry);
		obj = json_pack("{s:I, s:o, s:s, s:s, s:b, s:s, s:b}",
				"domid", (json_int_t)g.domid,
				"slide", ret ? json_null() : json_string(hex[0]),
				"lstar", hex[1], "entry_SYSCALL_64", hex[2],
				"aligned", r->aligned,
				"anchor", r->anchor_name ? r->anchor_name : "",
				"anchor_match", r->anchor);
		json_dumpf(obj, stdout, JSON_COMPACT);
		putchar('\n');
		json_decref(obj);
	} else if (!ret) {
		printf("slide=0x%" PRIx64 " lstar=0x%" PRIx64 " entry_SYSCALL_64=0x%" PRIx64 " anchor=%s match=1 bytes=%" PRId64 "\n",
		       r->slide, r->lstar, r->entry, r->anchor_name, r->got);
	}
	kguest_close(&g);
	return ret ? 5 : 0;
}
