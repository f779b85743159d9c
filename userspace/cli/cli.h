/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The xenintro tool's commands that live in files of their own.
 */
#ifndef XI_CLI_H
#define XI_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <xenintro/libxenintro.h>

#include "kimage.h"
#include "ksyms.h"
#include "kslide.h"

/* integrity.c: kernel text integrity (man 1 xenintro, "integrity") */
int cmd_integrity(int argc, char **argv);
/* profile.c: a guest kernel image's struct layouts ("profile") */
int cmd_profile(int argc, char **argv);
/* profile.c: a guest kernel image's symbols ("ksyms") */
int cmd_ksyms(int argc, char **argv);
/* ps.c: a running guest's processes from its task list */
int cmd_ps(int argc, char **argv);
/* kaslr.c: a running guest's KASLR slide */
int cmd_kaslr(int argc, char **argv);


/* kaslr.c: what the commands on a guest and its kernel image share */
struct kguest {
	const char *cmd;	/* for messages: "kaslr", "ps" */
	const char *image;	/* the kernel image's path */
	bool json;
	unsigned int secs;	/* --timeout */
	uint32_t domid;
	struct xi_kimage k;
	struct xi_ksyms s;
	struct xenintro x;
	struct kslide r;	/* after kguest_slide() */
};

int kguest_open(struct kguest *g, const char *cmd, int argc, char **argv,
		void (*print_usage)(FILE *f));
int kguest_slide(struct kguest *g);
void kguest_close(struct kguest *g);

#endif /* XI_CLI_H */
