// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The shared library's ABI: its soname, exactly the exported symbols the
 * version script lists (nothing internal leaks), each at the version node
 * it was released in (LIBXENINTRO_1.0, then 1.1), and that the exported
 * functions work through the real system calls.
 *
 * This list is the ABI; a change to it must be deliberate.
 */
#define _GNU_SOURCE	/* dlvsym */
#include <dlfcn.h>
#include <elf.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "harness.h"

static const char *const abi_symbols[] = {
	"xenintro_open", "xenintro_open_path", "xenintro_close",
	"xenintro_attach", "xenintro_wait", "xenintro_monitor",
	"xenintro_set_access", "xenintro_set_access_list",
	"xenintro_get_access", "xenintro_get_access_list", "xenintro_pause",
	"xenintro_unpause", "xenintro_kick", "xenintro_get_stats",
	"xenintro_reason_name", "xenintro_verdict_name",
	"xenintro_monitor_name", "xenintro_state_name", "xenintro_cr_name",
	"xenintro_access_name", "xenintro_event_format",
};
#define NR_ABI_1_0 (sizeof(abi_symbols) / sizeof(abi_symbols[0]))

/* Added in LIBXENINTRO_1.1. */
static const char *const abi_symbols_1_1[] = {
	"xenintro_set_rules", "xenintro_get_rule_hits",
	"xenintro_set_busy_poll",
};
#define NR_ABI_1_1 (sizeof(abi_symbols_1_1) / sizeof(abi_symbols_1_1[0]))

/* Added in LIBXENINTRO_1.2. */
static const char *const abi_symbols_1_2[] = {
	"xenintro_detach", "xenintro_read_phys", "xenintro_read_virt",
	"xenintro_write_phys", "xenintro_write_virt", "xenintro_read_segs",
	"xenintro_write_segs", "xenintro_translate", "xenintro_read_string",
};
#define NR_ABI_1_2 (sizeof(abi_symbols_1_2) / sizeof(abi_symbols_1_2[0]))
#define NR_ABI (NR_ABI_1_0 + NR_ABI_1_1 + NR_ABI_1_2)

static const char *abi_symbol(size_t j)
{
	if (j < NR_ABI_1_0)
		return abi_symbols[j];
	j -= NR_ABI_1_0;
	return j < NR_ABI_1_1 ? abi_symbols_1_1[j] :
				abi_symbols_1_2[j - NR_ABI_1_1];
}

static const char *abi_version_of(size_t j)
{
	if (j < NR_ABI_1_0)
		return "LIBXENINTRO_1.0";
	return j < NR_ABI_1_0 + NR_ABI_1_1 ? "LIBXENINTRO_1.1" :
					     "LIBXENINTRO_1.2";
}

static const char *need_so(void)
{
	if (!xt_so_path)
		xt_skip("no --so given");
	return xt_so_path;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	struct stat sb;
	unsigned char *buf;
	ssize_t n;
	size_t off = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	XT_ASSERT(fd >= 0);
	XT_EQ(fstat(fd, &sb), 0);
	buf = malloc((size_t)sb.st_size);
	XT_ASSERT(buf != NULL);
	while (off < (size_t)sb.st_size) {
		n = read(fd, buf + off, (size_t)sb.st_size - off);
		XT_ASSERT(n > 0);
		off += (size_t)n;
	}
	close(fd);
	*len = off;
	return buf;
}

static const Elf64_Shdr *find_section(const unsigned char *elf, size_t len,
				      Elf64_Word type)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
	const Elf64_Shdr *sh;
	unsigned int i;

	XT_ASSERT(eh->e_shoff + (size_t)eh->e_shnum * sizeof(*sh) <= len);
	sh = (const Elf64_Shdr *)(elf + eh->e_shoff);
	for (i = 0; i < eh->e_shnum; i++)
		if (sh[i].sh_type == type)
			return &sh[i];
	return NULL;
}

static const char *strtab_of(const unsigned char *elf, const Elf64_Shdr *s)
{
	const Elf64_Ehdr *eh = (const Elf64_Ehdr *)elf;
	const Elf64_Shdr *sh = (const Elf64_Shdr *)(elf + eh->e_shoff);

	return (const char *)elf + sh[s->sh_link].sh_offset;
}

XT_TEST(abi_soname)
{
	const char *path = need_so();
	const Elf64_Shdr *dyn;
	const Elf64_Dyn *d;
	const char *soname = NULL;
	unsigned char *elf;
	size_t len;

	elf = read_file(path, &len);
	XT_EQ(memcmp(elf, ELFMAG, SELFMAG), 0);
	XT_EQ(elf[EI_CLASS], ELFCLASS64);
	dyn = find_section(elf, len, SHT_DYNAMIC);
	XT_ASSERT(dyn != NULL);
	for (d = (const Elf64_Dyn *)(elf + dyn->sh_offset);
	     d->d_tag != DT_NULL; d++)
		if (d->d_tag == DT_SONAME)
			soname = strtab_of(elf, dyn) + d->d_un.d_val;
	XT_STREQ(soname, "libxenintro.so.1");
	free(elf);
}

XT_TEST(abi_exports_exactly_the_map)
{
	const char *path = need_so();
	const Elf64_Shdr *dynsym;
	const Elf64_Sym *sym;
	const char *names;
	unsigned char *elf;
	unsigned int found[NR_ABI] = { 0 };
	size_t len, i, j, n;

	elf = read_file(path, &len);
	dynsym = find_section(elf, len, SHT_DYNSYM);
	XT_ASSERT(dynsym != NULL);
	names = strtab_of(elf, dynsym);
	sym = (const Elf64_Sym *)(elf + dynsym->sh_offset);
	n = dynsym->sh_size / sizeof(*sym);
	for (i = 0; i < n; i++) {
		const char *name = names + sym[i].st_name;
		int bind = ELF64_ST_BIND(sym[i].st_info);

		if (sym[i].st_shndx == SHN_UNDEF ||
		    (bind != STB_GLOBAL && bind != STB_WEAK))
			continue;
		/* the version node itself */
		if (sym[i].st_shndx == SHN_ABS &&
		    (!strcmp(name, "LIBXENINTRO_1.0") ||
		     !strcmp(name, "LIBXENINTRO_1.1") ||
		     !strcmp(name, "LIBXENINTRO_1.2")))
			continue;
		for (j = 0; j < NR_ABI; j++)
			if (!strcmp(name, abi_symbol(j)))
				break;
		if (j == NR_ABI)
			xt_fail(__FILE__, __LINE__, "exported, not in the ABI: %s",
				name);
		XT_EQ(ELF64_ST_TYPE(sym[i].st_info), STT_FUNC);
		found[j]++;
	}
	for (j = 0; j < NR_ABI; j++)
		if (found[j] != 1)
			xt_fail(__FILE__, __LINE__, "%s exported %u times",
				abi_symbol(j), found[j]);
	free(elf);
}

XT_TEST(abi_symbols_are_versioned)
{
	void *h = dlopen(need_so(), RTLD_NOW | RTLD_LOCAL);
	size_t j;

	if (!h)
		xt_fail(__FILE__, __LINE__, "dlopen: %s", dlerror());
	for (j = 0; j < NR_ABI; j++)
		if (!dlvsym(h, abi_symbol(j), abi_version_of(j)))
			xt_fail(__FILE__, __LINE__, "%s@%s missing",
				abi_symbol(j), abi_version_of(j));
	/* a 1.1 symbol is not also in 1.0: old binaries cannot bind it */
	XT_ASSERT(dlvsym(h, "xenintro_set_rules", "LIBXENINTRO_1.0") == NULL);
	XT_ASSERT(dlvsym(h, "xenintro_open", "LIBXENINTRO_0.9") == NULL);
	XT_ASSERT(dlsym(h, "xi_rings_idle") == NULL);
	XT_ASSERT(dlsym(h, "xi_check_geometry") == NULL);
	dlclose(h);
}

/* Through the shared object, with the real open() and ioctl(). */
XT_TEST(abi_real_syscalls)
{
	int (*open_path)(struct xenintro *, const char *, uint64_t,
			 unsigned int);
	int (*close_fn)(struct xenintro *);
	const char *(*reason)(uint32_t);
	void *h = dlopen(need_so(), RTLD_NOW | RTLD_LOCAL);
	struct xenintro x;
	int before, after;

	if (!h)
		xt_fail(__FILE__, __LINE__, "dlopen: %s", dlerror());
	*(void **)&open_path = dlvsym(h, "xenintro_open_path",
				      "LIBXENINTRO_1.0");
	*(void **)&close_fn = dlvsym(h, "xenintro_close", "LIBXENINTRO_1.0");
	*(void **)&reason = dlvsym(h, "xenintro_reason_name",
				   "LIBXENINTRO_1.0");
	XT_ASSERT(open_path && close_fn && reason);

	XT_EQ(open_path(&x, "/nonexistent/xenintro", 0, 0), -ENOENT);
	/* not a xenintro device: the handshake ioctl is refused */
	before = dup(0);
	close(before);
	XT_EQ(open_path(&x, "/dev/null", 0, 0), -ENOTTY);
	after = dup(0);
	close(after);
	XT_EQ(after, before);	/* no fd leaked */
	XT_EQ(close_fn(&x), 0);
	XT_STREQ(reason(XENINTRO_EVENT_CPUID), "cpuid");
	/* nothing went through the simulated kernel */
	XT_EQ(fk.calls[_XENINTRO_API], 0);
	dlclose(h);
}
