// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * System.map (or a saved /proc/kallsyms): one "ADDRESS TYPE NAME" line a
 * symbol; /proc/kallsyms adds "\t[module]" for module symbols, which are
 * skipped (they live wherever the module was loaded).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ksrc.h"

/*
 * Debian's /boot/System.map is a single line that says where the real map
 * is (the -dbg package); this is how it starts.
 */
#define DEBIAN_PLACEHOLDER	"The real System.map is in"

static int add(struct xi_ksyms *s, size_t *cap, size_t *names_len,
	       size_t *names_cap, uint64_t addr, char type, const char *name)
{
	size_t len = strlen(name) + 1;

	if (s->nr == *cap) {
		size_t n = *cap ? *cap * 2 : 4096;
		struct xi_ksym *ns = realloc(s->syms, n * sizeof(*ns));

		if (!ns)
			return -1;
		s->syms = ns;
		*cap = n;
	}
	if (*names_len + len > *names_cap) {
		size_t n = *names_cap ? *names_cap * 2 : 65536;
		char *nn;

		while (n < *names_len + len)
			n *= 2;
		nn = realloc(s->names, n);
		if (!nn)
			return -1;
		s->names = nn;
		*names_cap = n;
	}
	memcpy(s->names + *names_len, name, len);
	/* an offset for now: names may still move */
	s->syms[s->nr].name = (const char *)(uintptr_t)*names_len;
	s->syms[s->nr].addr = addr;
	s->syms[s->nr].type = type;
	*names_len += len;
	s->nr++;
	return 0;
}

int xi_sysmap_load(const char *path, struct xi_ksyms *s, struct diag *d)
{
	size_t cap = 0, names_len = 0, names_cap = 0, i;
	unsigned int line = 0;
	struct src_mark m = { 0, 0 };
	char buf[1024], name[512], type, *end;
	unsigned long long addr;
	FILE *f;
	int n;

	memset(s, 0, sizeof(*s));
	diag_init(d, path);
	f = fopen(path, "re");
	if (!f)
		return diag_error(d, m, NULL, "cannot open: %s", strerror(errno));
	while (fgets(buf, sizeof(buf), f)) {
		m.line = ++line;
		if (!strchr(buf, '\n') && !feof(f)) {
			fclose(f);
			xi_ksyms_free(s);
			return diag_error(d, m, NULL, "line too long");
		}
		if (line == 1 && strstr(buf, DEBIAN_PLACEHOLDER)) {
			fclose(f);
			return diag_error(d, m, NULL,
					  "Debian's one-line placeholder, not a System.map: use the kernel image (kernel.image) instead");
		}
		if (strspn(buf, " \t\r\n") == strlen(buf))
			continue;
		errno = 0;
		addr = strtoull(buf, &end, 16);
		n = sscanf(end, " %c %511s", &type, name);
		if (end == buf || errno || !isspace((unsigned char)*end) ||
		    n != 2 || !isalpha((unsigned char)type)) {
			fclose(f);
			xi_ksyms_free(s);
			return diag_error(d, m, NULL,
					  "expected \"ADDRESS TYPE NAME\" (hex address, one-letter type)");
		}
		if (strchr(end, '['))	/* a module's symbol */
			continue;
		if (s->nr >= (4u << 20) ||
		    add(s, &cap, &names_len, &names_cap, addr, type, name)) {
			fclose(f);
			xi_ksyms_free(s);
			return diag_error(d, m, NULL, "too many symbols, or out of memory");
		}
	}
	fclose(f);
	if (!s->nr)
		return diag_error(d, (struct src_mark){ 0 }, NULL, "no symbols");
	for (i = 0; i < s->nr; i++)
		s->syms[i].name = s->names + (uintptr_t)s->syms[i].name;
	return 0;
}
