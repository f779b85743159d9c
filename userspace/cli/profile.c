// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xenintro profile: what a guest kernel image says about its own struct
 * layouts (common/kprofile.c), the offsets introspection of processes
 * needs: task_struct's comm, pid, mm, tasks..., mm_struct's pgd. Read from
 * the image's BTF; no profile has to be made beforehand.
 *
 * Output, text: a header line and one "NAME offset=N size=N" line per
 * member; --json: one object. Exit: 0, 1 for usage, 5 when the image
 * cannot be read or lacks what is needed (the message says which).
 */
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "kprofile.h"
#include "ksyms.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: xenintro profile [--json] KERNEL_IMAGE\n"
		   "  the struct offsets introspection needs, from the BTF of a vmlinuz\n"
		   "  (xz or gzip) or vmlinux\n");
}

static void print_json(const char *path, const struct xi_kprofile *p)
{
	json_t *o = json_object(), *fields = json_object();
	unsigned int i;

	json_object_set_new(o, "kernel", json_string(path));
	json_object_set_new(o, "format", json_string(p->format));
	json_object_set_new(o, "version", json_string(p->version));
	json_object_set_new(o, "btf_bytes", json_integer((json_int_t)p->btf_bytes));
	for (i = 0; i < XI_KF_NR; i++)
		json_object_set_new(fields, xi_kprofile_fields[i].name,
				    json_pack("{s:I, s:I, s:I}",
					      "offset", (json_int_t)p->offset[i],
					      "size", (json_int_t)p->size[i],
					      "struct_size",
					      (json_int_t)p->struct_size[i]));
	json_object_set_new(o, "fields", fields);
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

int cmd_profile(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct xi_kprofile p;
	bool json = false;
	struct diag d;
	unsigned int i;
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (argc - optind != 1) {
		usage(stderr);
		return 1;
	}
	if (xi_kprofile_load(argv[optind], &p, &d)) {
		fprintf(stderr, "xenintro profile: %s\n", d.msg);
		return 5;
	}
	if (json) {
		print_json(argv[optind], &p);
		return 0;
	}
	printf("kernel=%s format=%s btf_bytes=%zu version=\"%s\"\n",
	       argv[optind], p.format, p.btf_bytes, p.version);
	for (i = 0; i < XI_KF_NR; i++)
		printf("%s offset=%ld size=%ld struct_size=%ld\n",
		       xi_kprofile_fields[i].name, p.offset[i], p.size[i],
		       p.struct_size[i]);
	return 0;
}

static void ksyms_usage(FILE *f)
{
	fprintf(f, "usage: xenintro ksyms KERNEL_IMAGE [NAME...]\n"
		   "       xenintro ksyms --anchor KERNEL_IMAGE\n"
		   "  the kernel's symbols from the kallsyms tables in its image, at link\n"
		   "  addresses, as /proc/kallsyms lists them; with NAMEs only those.\n"
		   "  --anchor: the bytes `xenintro kaslr` expects in the guest at\n"
		   "  kallsyms_token_table + slide (NAME ADDRESS LENGTH HEX)\n");
}

int cmd_ksyms(int argc, char **argv)
{
	const struct xi_ksym *sym;
	struct xi_kimage k;
	struct xi_ksyms s;
	bool anchor = false;
	struct diag d;
	size_t b;
	int i, rc = 0;

	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		ksyms_usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	if (!strcmp(argv[1], "--anchor")) {
		if (argc != 3) {
			ksyms_usage(stderr);
			return 1;
		}
		anchor = true;
		argv++;
		argc--;
	}
	if (xi_kimage_load(argv[1], &k, &d) || xi_ksyms_load(&k, &s, &d)) {
		fprintf(stderr, "xenintro ksyms: %s\n", d.msg);
		if (k.elf)
			xi_kimage_free(&k);
		return 5;
	}
	if (anchor) {
		printf("kallsyms_token_table 0x%" PRIx64 " %zu ",
		       s.token_table_addr, s.token_table_len);
		for (b = 0; b < s.token_table_len; b++)
			printf("%02x", s.token_table[b]);
		putchar('\n');
	} else if (argc == 2) {
		for (i = 0; (size_t)i < s.nr; i++)
			printf("%016" PRIx64 " %c %s\n", s.syms[i].addr,
			       s.syms[i].type, s.syms[i].name);
	}
	for (i = 2; i < argc; i++) {
		sym = xi_ksyms_find(&s, argv[i]);
		if (!sym) {
			fprintf(stderr, "xenintro ksyms: %s: no symbol %s\n",
				argv[1], argv[i]);
			rc = 5;
			continue;
		}
		printf("%016" PRIx64 " %c %s\n", sym->addr, sym->type,
		       sym->name);
	}
	xi_ksyms_free(&s);
	xi_kimage_free(&k);
	return rc;
}
