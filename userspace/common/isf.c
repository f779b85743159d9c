// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * Volatility 3's ISF JSON (what dwarf2json makes from a kernel's debug
 * info): "symbols" {name: {"address": N}}, "user_types" {struct: {"size",
 * "fields": {member: {"offset", "type"}}}}, "base_types" {name: {"size"}}.
 *
 * Parsed with jansson, which holds integers as signed 64-bit values: a
 * kernel address such as 18446744071578845184 is out of its range and
 * would fail the whole file. So before parsing, every integer outside a
 * string that does not fit in int64 is put in quotes, and read back with
 * strtoull. Nothing else changes, lines included (errors keep their
 * line; a column can be off by the quotes added before it).
 *
 * A file compressed with xz or gzip (by its magic bytes, whatever its
 * name) is unpacked first.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "ksrc.h"
#include "unpack.h"

static char *slurp(const char *path, size_t *len, struct diag *d)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL, *nb;
	size_t cap = 0, n;

	*len = 0;
	if (!f) {
		diag_error(d, (struct src_mark){ 0 }, NULL, "cannot open: %s",
			   strerror(errno));
		return NULL;
	}
	do {
		if (*len == cap) {
			cap = cap ? cap * 2 : 1 << 20;
			if (cap > XI_KSRC_FILE_MAX + 1)
				cap = XI_KSRC_FILE_MAX + 1;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				diag_error(d, (struct src_mark){ 0 }, NULL,
					   "out of memory");
				return NULL;
			}
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
	} while (n && *len <= XI_KSRC_FILE_MAX);
	fclose(f);
	if (*len > XI_KSRC_FILE_MAX) {
		free(buf);
		diag_error(d, (struct src_mark){ 0 }, NULL,
			   "more than %u bytes", XI_KSRC_FILE_MAX);
		return NULL;
	}
	return buf;
}

/* @in with each integer beyond int64 quoted (see above); NULL: no memory */
static char *quote_big_ints(const char *in, size_t len, size_t *out_len)
{
	/* at most one pair of quotes per 20-digit number */
	char *out = malloc(len + len / 10 + 2), *o = out;
	bool in_str = false;
	size_t i = 0, j;

	if (!out)
		return NULL;
	while (i < len) {
		char c = in[i];

		if (in_str) {
			*o++ = c;
			if (c == '\\' && i + 1 < len)
				*o++ = in[++i];
			else if (c == '"')
				in_str = false;
			i++;
			continue;
		}
		if (c == '"') {
			in_str = true;
			*o++ = c;
			i++;
			continue;
		}
		if ((c >= '0' && c <= '9') || c == '-') {
			bool integer = true, big;

			for (j = i + 1; j < len && strchr("0123456789.eE+-", in[j]); j++)
				if (strchr(".eE", in[j]))
					integer = false;
			/* 19 digits may still fit; 20 never do */
			big = integer && in[i] != '-' &&
			      (j - i > 19 || (j - i == 19 &&
					      strncmp(in + i, "9223372036854775807", 19) > 0));
			if (big)
				*o++ = '"';
			memcpy(o, in + i, j - i);
			o += j - i;
			if (big)
				*o++ = '"';
			i = j;
			continue;
		}
		*o++ = c;
		i++;
	}
	*out_len = (size_t)(o - out);
	return out;
}

/* An integer, or a quoted big one (above). */
static bool get_u64(json_t *v, uint64_t *out)
{
	char *end;

	if (json_is_integer(v)) {
		*out = (uint64_t)json_integer_value(v);
		return true;
	}
	if (!json_is_string(v))
		return false;
	errno = 0;
	*out = strtoull(json_string_value(v), &end, 10);
	return !errno && !*end && end != json_string_value(v);
}

static int isf_symbols(json_t *root, struct xi_ksyms *s, struct diag *d)
{
	json_t *syms = json_object_get(root, "symbols"), *v;
	size_t names_len = 0, at = 0, n;
	const char *name;
	uint64_t addr;

	if (!json_is_object(syms))
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "no \"symbols\" object: not an ISF file");
	n = json_object_size(syms);
	json_object_foreach(syms, name, v)
		names_len += strlen(name) + 1;
	s->syms = calloc(n ? n : 1, sizeof(*s->syms));
	s->names = malloc(names_len ? names_len : 1);
	if (!s->syms || !s->names) {
		xi_ksyms_free(s);
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "out of memory");
	}
	json_object_foreach(syms, name, v) {
		if (!get_u64(json_object_get(v, "address"), &addr)) {
			xi_ksyms_free(s);
			return diag_error(d, (struct src_mark){ 0 }, NULL,
					  "symbols.%s has no integer address",
					  name);
		}
		memcpy(s->names + at, name, strlen(name) + 1);
		s->syms[s->nr].name = s->names + at;
		s->syms[s->nr].addr = addr;
		/* ISF does not say; per-CPU offsets are 'A' as in kallsyms */
		s->syms[s->nr].type = addr < 0xffff800000000000ULL ? 'A' : 'T';
		at += strlen(name) + 1;
		s->nr++;
	}
	return 0;
}

static long type_size(json_t *root, json_t *type, int depth)
{
	const char *kind = json_string_value(json_object_get(type, "kind"));
	const char *name = json_string_value(json_object_get(type, "name"));
	json_t *def;
	uint64_t v;

	if (!kind || depth > 8)
		return -1;
	if (!strcmp(kind, "pointer"))
		return 8;
	if (!strcmp(kind, "array")) {
		long sub = type_size(root, json_object_get(type, "subtype"),
				     depth + 1);

		if (sub < 0 || !get_u64(json_object_get(type, "count"), &v))
			return -1;
		return sub * (long)v;
	}
	if (!name)
		return -1;
	if (!strcmp(kind, "base"))
		def = json_object_get(json_object_get(root, "base_types"), name);
	else if (!strcmp(kind, "enum"))
		def = json_object_get(json_object_get(root, "enums"), name);
	else
		def = json_object_get(json_object_get(root, "user_types"), name);
	return get_u64(json_object_get(def, "size"), &v) ? (long)v : -1;
}

/*
 * @member of user type @type: its offset and size; members of anonymous
 * structs and unions inside it count as its own, as in C.
 */
static bool find_member(json_t *root, const char *type, const char *member,
			long base, int depth, long *off, long *size)
{
	json_t *t = json_object_get(json_object_get(root, "user_types"), type);
	json_t *fields = json_object_get(t, "fields"), *f;
	const char *name;
	uint64_t o;

	if (!json_is_object(fields) || depth > 8)
		return false;
	f = json_object_get(fields, member);
	if (f && get_u64(json_object_get(f, "offset"), &o)) {
		*off = base + (long)o;
		*size = type_size(root, json_object_get(f, "type"), 0);
		return true;
	}
	json_object_foreach(fields, name, f) {
		json_t *ft = json_object_get(f, "type");
		const char *sub = json_string_value(json_object_get(ft, "name"));

		if (!json_is_true(json_object_get(f, "anonymous")) &&
		    strncmp(name, "unnamed_field", 13))
			continue;
		if (sub && get_u64(json_object_get(f, "offset"), &o) &&
		    find_member(root, sub, member, base + (long)o, depth + 1,
				off, size))
			return true;
	}
	return false;
}

static int isf_profile(json_t *root, struct xi_kprofile *p, char *why,
		       size_t len)
{
	unsigned int i;
	uint64_t v;

	memset(p, 0, sizeof(*p));
	p->format = "ISF";
	for (i = 0; i < XI_KF_NR; i++) {
		const struct xi_kfield_desc *f = &xi_kprofile_fields[i];
		json_t *t = json_object_get(json_object_get(root, "user_types"),
					    f->type);

		if (!find_member(root, f->type, f->member, 0, 0, &p->offset[i],
				 &p->size[i])) {
			snprintf(why, len, "no member %s", f->name);
			memset(p, 0, sizeof(*p));
			return -1;
		}
		p->struct_size[i] = get_u64(json_object_get(t, "size"), &v) ?
				    (long)v : -1;
	}
	return 0;
}

int xi_isf_load(const char *path, struct xi_ksyms *s, struct xi_kprofile *p,
		char *why_no_p, size_t why_len, struct diag *d)
{
	json_error_t je;
	size_t len, qlen;
	char *raw, *q;
	enum xi_packing how;
	json_t *root;
	int ret = 0;

	diag_init(d, path);
	if (s)
		memset(s, 0, sizeof(*s));
	raw = slurp(path, &len, d);
	if (!raw)
		return -1;
	/* Volatility's symbol packs ship ISF files as .json.xz or .json.gz. */
	how = xi_packing_of((unsigned char *)raw, len);
	if (how != XI_PACK_NONE) {
		unsigned char *plain;

		ret = xi_unpack(how, (unsigned char *)raw, len,
				XI_KSRC_FILE_MAX, "the ISF file", &plain, &len,
				d);
		free(raw);
		if (ret)
			return -1;
		raw = (char *)plain;
	}
	q = quote_big_ints(raw, len, &qlen);
	free(raw);
	if (!q)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "out of memory");
	root = json_loadb(q, qlen, 0, &je);
	free(q);
	if (!root)
		return diag_error(d, (struct src_mark){
					(unsigned int)(je.line > 0 ? je.line : 0),
					(unsigned int)(je.column > 0 ? je.column : 0) },
				  NULL, "%s", je.text);
	if (!json_is_object(root))
		ret = diag_error(d, (struct src_mark){ 0 }, NULL,
				 "not a JSON object: not an ISF file");
	if (!ret && s)
		ret = isf_symbols(root, s, d);
	if (why_no_p && why_len)
		why_no_p[0] = '\0';
	if (!ret && p)
		isf_profile(root, p, why_no_p, why_len);
	if (ret && s)
		xi_ksyms_free(s);
	json_decref(root);
	return ret ? -1 : 0;
}
