// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * The shared library's ABI: its soname, exactly the exported symbols the
 * version script lists (nothing internal leaks), each at the version node
 * it was released in (LIBXENINTRO_1.0 to 1.3), and that the exported
 * functions work through the real system calls.
 *
 * This list is the ABI; a change to it must be deliberate.
 */
#define _GNU_SOURCE	/* dlvsym */
#include <dlfcn.h>
#include <elf.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fake_kernel.h"
#include "harness.h"

/* Every exported symbol with the version node it was released in. */
static const struct {
	const char *name;
	const char *version;
} abi[] = {
#define V10(n) { n, "LIBXENINTRO_1.0" }
	V10("xenintro_open"), V10("xenintro_open_path"), V10("xenintro_close"),
	V10("xenintro_attach"), V10("xenintro_wait"), V10("xenintro_monitor"),
	V10("xenintro_set_access"), V10("xenintro_set_access_list"),
	V10("xenintro_get_access"), V10("xenintro_get_access_list"),
	V10("xenintro_pause"), V10("xenintro_unpause"), V10("xenintro_kick"),
	V10("xenintro_get_stats"), V10("xenintro_reason_name"),
	V10("xenintro_verdict_name"), V10("xenintro_monitor_name"),
	V10("xenintro_state_name"), V10("xenintro_cr_name"),
	V10("xenintro_access_name"), V10("xenintro_event_format"),
#define V11(n) { n, "LIBXENINTRO_1.1" }
	V11("xenintro_set_rules"), V11("xenintro_get_rule_hits"),
	V11("xenintro_set_busy_poll"),
#define V12(n) { n, "LIBXENINTRO_1.2" }
	V12("xenintro_detach"), V12("xenintro_read_phys"),
	V12("xenintro_read_virt"), V12("xenintro_write_phys"),
	V12("xenintro_write_virt"), V12("xenintro_read_segs"),
	V12("xenintro_write_segs"), V12("xenintro_translate"),
	V12("xenintro_read_string"),
#define V13(n) { n, "LIBXENINTRO_1.3" }
	V13("xenintro_map_frames"), V13("xenintro_unmap_frames"),
#define V14(n) { n, "LIBXENINTRO_1.4" }
	V14("xenintro_restrict"),
};
#define NR_ABI (sizeof(abi) / sizeof(abi[0]))

static const char *abi_symbol(size_t j)
{
	return abi[j].name;
}

static const char *abi_version_of(size_t j)
{
	return abi[j].version;
}

/* A version node's own symbol, LIBXENINTRO_1.x. */
static bool abi_is_version_node(const char *name)
{
	size_t j;

	for (j = 0; j < NR_ABI; j++)
		if (!strcmp(name, abi[j].version))
			return true;
	return false;
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
		if (sym[i].st_shndx == SHN_ABS && abi_is_version_node(name))
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
