/* SPDX-License-Identifier: LGPL-2.1-only OR MIT */
/*
 * The xenintro tool's commands that live in files of their own.
 */
#ifndef XI_CLI_H
#define XI_CLI_H

/* integrity.c: kernel text integrity (man 1 xenintro, "integrity") */
int cmd_integrity(int argc, char **argv);
/* profile.c: a guest kernel image's struct layouts ("profile") */
int cmd_profile(int argc, char **argv);
/* profile.c: a guest kernel image's symbols ("ksyms") */
int cmd_ksyms(int argc, char **argv);
/* kaslr.c: a running guest's KASLR slide */
int cmd_kaslr(int argc, char **argv);

#endif /* XI_CLI_H */
