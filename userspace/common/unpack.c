// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xz (liblzma) and gzip (zlib) decoding into memory, for kimage.c and
 * isf.c: the same decoders the kernel's scripts/extract-vmlinux calls
 * through xz and gzip. The output grows by doubling, up to a limit the
 * caller gives, so that a hostile file cannot ask for unbounded memory.
 */
#include <lzma.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "unpack.h"

enum xi_packing xi_packing_of(const unsigned char *in, size_t len)
{
	if (len >= 6 && !memcmp(in, "\xfd" "7zXZ\0", 6))
		return XI_PACK_XZ;
	if (len >= 2 && in[0] == 0x1f && in[1] == 0x8b)
		return XI_PACK_GZIP;
	return XI_PACK_NONE;
}

const char *xi_packing_name(enum xi_packing how)
{
	switch (how) {
	case XI_PACK_XZ:
		return "xz";
	case XI_PACK_GZIP:
		return "gzip";
	default:
		return "none";
	}
}

/* Double *@cap (64 MiB first, or @max if smaller); -1 past @max. */
static int grow(unsigned char **out, size_t *cap, size_t max)
{
	size_t ncap = *cap ? *cap * 2 : 64u << 20;
	unsigned char *nb;

	if (*cap >= max)
		return -1;
	if (ncap > max)
		ncap = max;
	nb = realloc(*out, ncap);
	if (!nb)
		return -1;
	*out = nb;
	*cap = ncap;
	return 0;
}

static int unxz(const unsigned char *in, size_t in_len, size_t max,
		const char *what, unsigned char **out, size_t *out_len,
		struct diag *d)
{
	lzma_stream s = LZMA_STREAM_INIT;
	size_t cap = 0;
	lzma_ret r;

	if (lzma_stream_decoder(&s, UINT64_MAX, 0) != LZMA_OK)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "xz: cannot set up the decoder");
	s.next_in = in;
	s.avail_in = in_len;
	do {
		if (!s.avail_out) {
			if (grow(out, &cap, max)) {
				lzma_end(&s);
				return diag_error(d, (struct src_mark){ 0 }, NULL,
						  "xz: %s unpacks to more than %zu MiB (or memory ran out)",
						  what, max >> 20);
			}
			s.next_out = *out + s.total_out;
			s.avail_out = cap - s.total_out;
		}
		/* LZMA_FINISH: the input is all there is. */
		r = lzma_code(&s, LZMA_FINISH);
	} while (r == LZMA_OK);
	*out_len = s.total_out;
	lzma_end(&s);
	if (r != LZMA_STREAM_END)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "xz: %s is damaged (liblzma error %d)", what,
				  (int)r);
	return 0;
}

static int ungzip(const unsigned char *in, size_t in_len, size_t max,
		  const char *what, unsigned char **out, size_t *out_len,
		  struct diag *d)
{
	z_stream s;
	size_t cap = 0;
	int r;

	memset(&s, 0, sizeof(s));
	/* zlib counts in uInt: one call cannot take more than 4 GiB. */
	if (in_len > UINT32_MAX || inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "gzip: cannot set up the decoder");
	s.next_in = (unsigned char *)in;
	s.avail_in = (uInt)in_len;
	do {
		if (!s.avail_out) {
			if (grow(out, &cap, max) ||
			    cap - s.total_out > UINT32_MAX) {
				inflateEnd(&s);
				return diag_error(d, (struct src_mark){ 0 }, NULL,
						  "gzip: %s unpacks to more than %zu MiB (or memory ran out)",
						  what, max >> 20);
			}
			s.next_out = *out + s.total_out;
			s.avail_out = (uInt)(cap - s.total_out);
		}
		r = inflate(&s, Z_NO_FLUSH);
	} while (r == Z_OK);
	*out_len = s.total_out;
	inflateEnd(&s);
	if (r != Z_STREAM_END)
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "gzip: %s is damaged (zlib error %d)", what, r);
	return 0;
}

int xi_unpack(enum xi_packing how, const unsigned char *in, size_t in_len,
	      size_t max, const char *what, unsigned char **out,
	      size_t *out_len, struct diag *d)
{
	int ret;

	*out = NULL;
	*out_len = 0;
	switch (how) {
	case XI_PACK_XZ:
		ret = unxz(in, in_len, max, what, out, out_len, d);
		break;
	case XI_PACK_GZIP:
		ret = ungzip(in, in_len, max, what, out, out_len, d);
		break;
	default:
		return diag_error(d, (struct src_mark){ 0 }, NULL,
				  "%s is not compressed with xz or gzip", what);
	}
	if (ret) {
		free(*out);
		*out = NULL;
		*out_len = 0;
	}
	return ret;
}
