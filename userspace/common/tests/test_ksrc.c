// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Unit tests, TAP on stdout: a guest kernel's symbols and struct offsets
 * from a System.map and from an ISF file (ksrc.h), written here; bad
 * files with their file:line messages; and a policy whose kernel: section
 * names a System.map, resolved through the agent's environment (kenv.h).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <elf.h>
#include <lzma.h>
#include <stdbool.h>
#include <stdint.h>
#include <zlib.h>

#include "kenv.h"
#include "kmem.h"
#include "ksrc.h"

static int test_failed;
/* mkdtemp() replaces the six X with a unique name */
static char dir[] = "/tmp/xi-ksrc-XXXXXX";

#define FAIL(...)							\
	do {								\
		printf("# %s:%d: ", __FILE__, __LINE__);		\
		printf(__VA_ARGS__);					\
		printf("\n");						\
		test_failed = 1;					\
	} while (0)
#define EXPECT_EQ(a, b)							\
	do {								\
		unsigned long long _a = (unsigned long long)(a);	\
		unsigned long long _b = (unsigned long long)(b);	\
		if (_a != _b)						\
			FAIL("%s = %#llx, want %#llx", #a, _a, _b);	\
	} while (0)
#define EXPECT_STREQ(a, b)						\
	do {								\
		const char *_a = (a), *_b = (b);			\
		if (!_a || strcmp(_a, _b))				\
			FAIL("%s:\n#   got  \"%s\"\n#   want \"%s\"", #a, \
			     _a ? _a : "(null)", _b);			\
	} while (0)

/* @text into DIR/@name; the path, static until the next call */
static const char *file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "we");
	if (!f || fputs(text, f) < 0 || fclose(f))
		FAIL("cannot write %s", path);
	return path;
}

static const char sysmap[] =
	"0000000000000000 A fixed_percpu_data\n"
	"000000000001fb80 A current_task\n"
	"ffffffff81000000 T _text\n"
	"ffffffff810d3bc0 T commit_creds\n"
	"\n"
	"ffffffff81c00080 T entry_SYSCALL_64\n"
	"ffffffffc0a01000 t xfs_init\t[xfs]\n";

static void check_sysmap(void)
{
	const struct xi_ksym *k;
	struct xi_ksyms s;
	struct diag d;
	char want[512];

	if (xi_sysmap_load(file("System.map", sysmap), &s, &d)) {
		FAIL("%s", d.msg);
		return;
	}
	EXPECT_EQ(s.nr, 5);	/* the module's symbol is not the kernel's */
	k = xi_ksyms_find(&s, "commit_creds");
	EXPECT_EQ(k ? k->addr : 0, 0xffffffff810d3bc0ULL);
	k = xi_ksyms_find(&s, "current_task");
	EXPECT_EQ(k ? k->type : 0, 'A');
	EXPECT_EQ(!!xi_ksyms_find(&s, "xfs_init"), 0);
	EXPECT_EQ(s.token_table_len, 0);
	xi_ksyms_free(&s);

	EXPECT_EQ(xi_sysmap_load(file("bad.map",
				      "ffffffff81000000 T _text\n"
				      "ffffffff81000000 _stext\n"), &s, &d), -1);
	snprintf(want, sizeof(want), "%s/bad.map:2: expected \"ADDRESS TYPE NAME\" (hex address, one-letter type)", dir);
	EXPECT_STREQ(d.msg, want);
	EXPECT_EQ(xi_sysmap_load(file("debian-placeholder.map",
				      "ffffffffffffffff B The real System.map is in the linux-image-<version>-dbg package\n"),
				 &s, &d), -1);
	snprintf(want, sizeof(want), "%s/debian-placeholder.map:1: Debian's one-line placeholder, not a System.map: use the kernel image (kernel.image) instead", dir);
	EXPECT_STREQ(d.msg, want);
	EXPECT_EQ(xi_sysmap_load(file("empty.map", "\n"), &s, &d), -1);
	snprintf(want, sizeof(want), "%s/empty.map: no symbols", dir);
	EXPECT_STREQ(d.msg, want);
	EXPECT_EQ(xi_sysmap_load("/nonexistent/System.map", &s, &d), -1);
	EXPECT_STREQ(d.msg, "/nonexistent/System.map: cannot open: No such file or directory");
}

/*
 * An ISF the way dwarf2json writes one: addresses as plain integers
 * beyond int64, mm_struct.pgd inside an anonymous struct (as in Linux
 * 6.1), a string that looks like a big number left alone.
 */
static const char isf[] =
	"{\"metadata\": {\"format\": \"6.2.0\", \"note\": \"18446744073709551615\"},\n"
	" \"base_types\": {\"int\": {\"size\": 4, \"signed\": true, \"kind\": \"int\", \"endian\": \"little\"},\n"
	"                \"char\": {\"size\": 1, \"signed\": true, \"kind\": \"char\", \"endian\": \"little\"},\n"
	"                \"unsigned int\": {\"size\": 4, \"signed\": false, \"kind\": \"int\", \"endian\": \"little\"}},\n"
	" \"user_types\": {\n"
	"  \"task_struct\": {\"kind\": \"struct\", \"size\": 9792, \"fields\": {\n"
	"    \"pid\": {\"offset\": 2416, \"type\": {\"kind\": \"base\", \"name\": \"int\"}},\n"
	"    \"tgid\": {\"offset\": 2420, \"type\": {\"kind\": \"base\", \"name\": \"int\"}},\n"
	"    \"comm\": {\"offset\": 2976, \"type\": {\"kind\": \"array\", \"count\": 16, \"subtype\": {\"kind\": \"base\", \"name\": \"char\"}}},\n"
	"    \"mm\": {\"offset\": 2272, \"type\": {\"kind\": \"pointer\", \"subtype\": {\"kind\": \"struct\", \"name\": \"mm_struct\"}}},\n"
	"    \"active_mm\": {\"offset\": 2280, \"type\": {\"kind\": \"pointer\", \"subtype\": {\"kind\": \"struct\", \"name\": \"mm_struct\"}}},\n"
	"    \"tasks\": {\"offset\": 2192, \"type\": {\"kind\": \"struct\", \"name\": \"list_head\"}},\n"
	"    \"real_parent\": {\"offset\": 2432, \"type\": {\"kind\": \"pointer\", \"subtype\": {\"kind\": \"struct\", \"name\": \"task_struct\"}}},\n"
	"    \"cred\": {\"offset\": 2960, \"type\": {\"kind\": \"pointer\", \"subtype\": {\"kind\": \"struct\", \"name\": \"cred\"}}}}},\n"
	"  \"mm_struct\": {\"kind\": \"struct\", \"size\": 1152, \"fields\": {\n"
	"    \"unnamed_field_0\": {\"offset\": 0, \"anonymous\": true, \"type\": {\"kind\": \"struct\", \"name\": \"unnamed_8d4e\"}}}},\n"
	"  \"unnamed_8d4e\": {\"kind\": \"struct\", \"size\": 1088, \"fields\": {\n"
	"    \"pgd\": {\"offset\": 72, \"type\": {\"kind\": \"pointer\", \"subtype\": {\"kind\": \"base\", \"name\": \"int\"}}}}},\n"
	"  \"cred\": {\"kind\": \"struct\", \"size\": 184, \"fields\": {\n"
	"    \"uid\": {\"offset\": 4, \"type\": {\"kind\": \"base\", \"name\": \"unsigned int\"}}}},\n"
	"  \"list_head\": {\"kind\": \"struct\", \"size\": 16, \"fields\": {\n"
	"    \"next\": {\"offset\": 0, \"type\": {\"kind\": \"pointer\", \"subtype\": {\"kind\": \"struct\", \"name\": \"list_head\"}}}}}},\n"
	" \"enums\": {},\n"
	" \"symbols\": {\n"
	"  \"commit_creds\": {\"address\": 18446744071576582080, \"type\": {\"kind\": \"function\"}},\n"
	"  \"current_task\": {\"address\": 129920},\n"
	"  \"linux_banner\": {\"address\": 18446744071600000000}}}\n";

static void check_isf(void)
{
	const struct xi_ksym *k;
	struct xi_kprofile p;
	struct xi_ksyms s;
	struct diag d;
	char want[512];

	char why[128];

	if (xi_isf_load(file("kernel.json", isf), &s, &p, why, sizeof(why),
			&d)) {
		FAIL("%s", d.msg);
		return;
	}
	EXPECT_EQ(s.nr, 3);
	k = xi_ksyms_find(&s, "commit_creds");
	EXPECT_EQ(k ? k->addr : 0, 18446744071576582080ULL);
	k = xi_ksyms_find(&s, "current_task");
	EXPECT_EQ(k ? k->addr : 0, 129920);
	EXPECT_EQ(k ? k->type : 0, 'A');
	EXPECT_EQ(p.offset[XI_KF_TASK_PID], 2416);
	EXPECT_EQ(p.offset[XI_KF_TASK_COMM], 2976);
	EXPECT_EQ(p.size[XI_KF_TASK_COMM], 16);
	EXPECT_EQ(p.size[XI_KF_TASK_PID], 4);
	EXPECT_EQ(p.offset[XI_KF_MM_PGD], 72);
	EXPECT_EQ(p.size[XI_KF_MM_PGD], 8);
	EXPECT_EQ(p.struct_size[XI_KF_TASK_COMM], 9792);
	EXPECT_STREQ(p.format, "ISF");
	EXPECT_STREQ(why, "");
	xi_ksyms_free(&s);

	EXPECT_EQ(xi_isf_load(file("broken.json", "{\"symbols\": {\n  \"a\": {\"address\": 1},\n  \"b\": }\n}\n"),
			      &s, &p, why, sizeof(why), &d), -1);
	snprintf(want, sizeof(want), "%s/broken.json:3:", dir);
	if (strncmp(d.msg, want, strlen(want)))
		FAIL("got \"%s\", want it to start with \"%s\"", d.msg, want);
	/* symbols without the types: the symbols, and why no offsets */
	EXPECT_EQ(xi_isf_load(file("nocomm.json",
				   "{\"symbols\": {\"x\": {\"address\": 5}}, \"user_types\": {\"task_struct\": {\"size\": 1, \"fields\": {}}}}"),
			      &s, &p, why, sizeof(why), &d), 0);
	EXPECT_EQ(s.nr, 1);
	EXPECT_STREQ(why, "no member task_struct.comm");
	EXPECT_EQ(p.offset[XI_KF_TASK_PID], 0);
	xi_ksyms_free(&s);
	EXPECT_EQ(xi_isf_load(file("nosyms.json", "{\"user_types\": {}}"), &s,
			      NULL, NULL, 0, &d), -1);
	snprintf(want, sizeof(want), "%s/nosyms.json: no \"symbols\" object: not an ISF file", dir);
	EXPECT_STREQ(d.msg, want);
	EXPECT_EQ(xi_isf_load(file("badaddr.json", "{\"symbols\": {\"x\": {\"address\": \"12ab\"}}}"),
			      &s, NULL, NULL, 0, &d), -1);
	snprintf(want, sizeof(want), "%s/badaddr.json: symbols.x has no integer address", dir);
	EXPECT_STREQ(d.msg, want);
}

/* @text written to @name compressed, xz or gzip; its path */
static const char *packed_file(const char *name, const char *text, bool xz,
			       size_t keep)
{
	static char path[256];
	size_t len = strlen(text), n = 0;
	unsigned char *out = malloc(len + 4096);
	gzFile g;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!out)
		return path;
	if (xz) {
		if (lzma_easy_buffer_encode(6, LZMA_CHECK_CRC64, NULL,
					    (const uint8_t *)text, len, out, &n,
					    len + 4096) != LZMA_OK)
			FAIL("xz: cannot compress");
		f = fopen(path, "we");
		if (!f || fwrite(out, 1, keep && keep < n ? keep : n, f) == 0 ||
		    fclose(f))
			FAIL("cannot write %s", path);
	} else {
		g = gzopen(path, "wb");
		if (!g || gzputs(g, text) < 0 || gzclose(g) != Z_OK)
			FAIL("cannot write %s", path);
	}
	free(out);
	return path;
}

/* Volatility's symbol packs: the same ISF as .json.xz and .json.gz */
static void check_isf_packed(void)
{
	const struct xi_ksym *k;
	struct xi_kprofile p;
	struct xi_ksyms s;
	struct diag d;
	char why[128], want[512];
	int i;

	for (i = 0; i < 2; i++) {
		const char *path = i ? packed_file("kernel.json.gz", isf, false, 0)
				     : packed_file("kernel.json.xz", isf, true, 0);

		if (xi_isf_load(path, &s, &p, why, sizeof(why), &d)) {
			FAIL("%s", d.msg);
			continue;
		}
		EXPECT_EQ(s.nr, 3);
		k = xi_ksyms_find(&s, "commit_creds");
		EXPECT_EQ(k ? k->addr : 0, 18446744071576582080ULL);
		EXPECT_EQ(p.offset[XI_KF_MM_PGD], 72);
		xi_ksyms_free(&s);
	}
	/* cut short: the decoder's message, nothing loaded */
	EXPECT_EQ(xi_isf_load(packed_file("cut.json.xz", isf, true, 200), &s,
			      &p, why, sizeof(why), &d), -1);
	snprintf(want, sizeof(want), "%s/cut.json.xz: xz: the ISF file is damaged", dir);
	if (strncmp(d.msg, want, strlen(want)))
		FAIL("got \"%s\", want it to start with \"%s\"", d.msg, want);
	EXPECT_EQ(s.nr, 0);
}

/* A policy naming symbols of a System.map, through the agent's kenv. */
static void check_policy_with_map(void)
{
	char doc[1024], want[600];
	struct policy p;
	struct kenv e;
	struct diag d;

	snprintf(doc, sizeof(doc),
		 "guest: 7\n"
		 "kernel: {system_map: %s/System.map}\n"
		 "monitors: {breakpoint: true}\n"
		 "rules: [{event: breakpoint, rip: commit_creds+0x10, action: forward}]\n",
		 dir);
	kenv_init(&e);
	if (policy_load_buffer_env("map.yaml", doc, strlen(doc), &e.env, &p,
				   &d)) {
		FAIL("%s", d.msg);
	} else {
		EXPECT_EQ(p.rules[0].rule.first, 0xffffffff810d3bd0ULL);
		snprintf(want, sizeof(want), "%s/System.map", dir);
		EXPECT_STREQ(e.sym_path, want);
		policy_free(&p);
	}
	kenv_free(&e);

	/* a symbol the map lacks, at its line; a broken map, at the map's */
	snprintf(doc, sizeof(doc),
		 "guest: 7\nkernel: {system_map: %s/System.map}\n"
		 "monitors: {breakpoint: true}\n"
		 "rules: [{event: breakpoint, rip: prepare_creds, action: forward}]\n",
		 dir);
	kenv_init(&e);
	EXPECT_EQ(policy_load_buffer_env("map.yaml", doc, strlen(doc), &e.env,
					 &p, &d), -1);
	EXPECT_STREQ(d.msg, "map.yaml:4:34: rules[0].rip: no symbol \"prepare_creds\" in the guest kernel's symbols");
	kenv_free(&e);
	snprintf(doc, sizeof(doc), "guest: 7\nkernel: {system_map: %s/bad.map}\n", dir);
	kenv_init(&e);
	EXPECT_EQ(policy_load_buffer_env("map.yaml", doc, strlen(doc), &e.env,
					 &p, &d), -1);
	snprintf(want, sizeof(want), "map.yaml:2:9: kernel: %s/bad.map:2: expected \"ADDRESS TYPE NAME\" (hex address, one-letter type)", dir);
	EXPECT_STREQ(d.msg, want);
	kenv_free(&e);
	/* process names need offsets: a map has none */
	snprintf(doc, sizeof(doc), "guest: 7\nkernel: {system_map: %s/System.map}\nlog: {process: true}\n", dir);
	kenv_init(&e);
	if (!policy_load_buffer_env("map.yaml", doc, strlen(doc), &e.env, &p,
				    &d)) {
		char why[256];

		EXPECT_EQ(!!kenv_profile(&e, why, sizeof(why)), 0);
		EXPECT_STREQ(why, "struct offsets need kernel.image (its BTF) or kernel.isf");
		policy_free(&p);
	} else {
		FAIL("%s", d.msg);
	}
	kenv_free(&e);
}

/*
 * The guest-memory path on a real kernel: the image's loadable segments
 * laid out at their addresses, from the 2 MiB page of entry_SYSCALL_64 on
 * (what the agent reads from LSTAR), must give the same symbols and
 * offsets as the image file. XI_KERNEL_IMAGE names it (the userspace
 * layer sets Debian's); without it this says so and is skipped.
 */
static int check_memory_scan(void)
{
	const char *path = getenv("XI_KERNEL_IMAGE");
	const struct xi_ksym *e, *c, *mc;
	struct xi_kprofile fp, mp;
	struct xi_ksyms fs, ms;
	struct xi_kimage k;
	const Elf64_Ehdr *eh;
	const Elf64_Phdr *ph;
	unsigned char *buf;
	uint64_t base;
	struct diag d;
	unsigned int i;

	if (!path || !*path)
		return 1;
	if (xi_kimage_load(path, &k, &d) || xi_ksyms_load(&k, &fs, &d) ||
	    xi_kprofile_from(&k, &fp, &d)) {
		FAIL("%s", d.msg);
		return 0;
	}
	e = xi_ksyms_find(&fs, "entry_SYSCALL_64");
	if (!e) {
		FAIL("no entry_SYSCALL_64");
		return 0;
	}
	base = e->addr & ~((2ULL << 20) - 1);
	buf = calloc(1, XI_KMEM_SPAN);
	eh = (const Elf64_Ehdr *)k.elf;
	ph = (const Elf64_Phdr *)(k.elf + eh->e_phoff);
	for (i = 0; buf && i < eh->e_phnum; i++) {
		uint64_t lo = ph[i].p_vaddr, hi = lo + ph[i].p_filesz;

		if (ph[i].p_type != PT_LOAD || hi <= base ||
		    lo >= base + XI_KMEM_SPAN)
			continue;
		if (lo < base)
			lo = base;
		if (hi > base + XI_KMEM_SPAN)
			hi = base + XI_KMEM_SPAN;
		memcpy(buf + (lo - base),
		       k.elf + ph[i].p_offset + (lo - ph[i].p_vaddr), hi - lo);
	}
	diag_init(&d, "memory");
	if (!buf || xi_kmem_scan(buf, XI_KMEM_SPAN, base, &ms, &mp, &d)) {
		FAIL("%s", buf ? d.msg : "out of memory");
	} else {
		EXPECT_EQ(ms.nr, fs.nr);
		c = xi_ksyms_find(&fs, "commit_creds");
		mc = xi_ksyms_find(&ms, "commit_creds");
		EXPECT_EQ(mc ? mc->addr : 0, c ? c->addr : 1);
		for (i = 0; i < XI_KF_NR; i++)
			EXPECT_EQ(mp.offset[i], fp.offset[i]);
		EXPECT_EQ(mp.btf_bytes, fp.btf_bytes);
		printf("# %s from memory: %zu symbols, BTF %zu bytes, task_struct.comm at %ld\n",
		       path, ms.nr, mp.btf_bytes, mp.offset[XI_KF_TASK_COMM]);
		xi_ksyms_free(&ms);
	}
	free(buf);
	xi_ksyms_free(&fs);
	xi_kimage_free(&k);
	return 0;
}

int main(void)
{
	int failed = 0, n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	printf("TAP version 13\n1..5\n");
#define RUN(name, call)							\
	do {								\
		test_failed = 0;					\
		call;							\
		failed += test_failed;					\
		printf("%sok %d - %s\n", test_failed ? "not " : "", ++n, \
		       name);						\
	} while (0)
	RUN("System.map: symbols, module lines, bad lines at their line", check_sysmap());
	RUN("ISF: big addresses, offsets through anonymous structs, bad files", check_isf());
	RUN("ISF packed as .json.xz and .json.gz; a cut .xz gives the decoder's message", check_isf_packed());
	RUN("a policy naming symbols of a System.map", check_policy_with_map());
	test_failed = 0;
	if (check_memory_scan()) {
		printf("ok %d - symbols and BTF from a kernel's memory # SKIP no XI_KERNEL_IMAGE (a distribution vmlinuz)\n", ++n);
	} else {
		failed += test_failed;
		printf("%sok %d - symbols and BTF from a kernel's memory, laid out from the image's segments\n",
		       test_failed ? "not " : "", ++n);
	}
	{
		char cmd[64];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd))
			perror("rm");
	}
	return failed ? 1 : 0;
}
