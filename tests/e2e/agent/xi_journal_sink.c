// SPDX-License-Identifier: GPL-2.0
/*
 * xi_journal_sink SOCKET OUT: a stand-in for systemd-journald's native
 * socket, for a dom0 that has no journald (the e2e dom0 is busybox).
 *
 * Binds an AF_UNIX datagram socket at SOCKET and decodes each datagram
 * as journald's native protocol does: fields "KEY=value\n", or "KEY\n"
 * followed by the value's length (64-bit little endian), the value and
 * "\n". Writes each record to OUT as "KEY=value" lines (a value's
 * newlines as "\n") and an empty line after it. A datagram that breaks
 * the protocol (a key journald refuses, a length beyond the datagram, a
 * missing newline) is written as one line "XI-SINK-BAD <why>", so the
 * test sees it. Runs until SIGTERM or SIGINT; removes SOCKET at exit.
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DGRAM_MAX	(256 * 1024)

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	(void)sig;
	stop = 1;
}

/* journald's rule for a field name: A-Z, 0-9 and '_', not first a digit */
static int key_ok(const char *k, size_t n)
{
	size_t i;

	if (!n || n > 64 || (k[0] >= '0' && k[0] <= '9'))
		return 0;
	for (i = 0; i < n; i++)
		if (!((k[i] >= 'A' && k[i] <= 'Z') ||
		      (k[i] >= '0' && k[i] <= '9') || k[i] == '_'))
			return 0;
	return 1;
}

static void put_value(FILE *out, const char *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (v[i] == '\n')
			fputs("\\n", out);
		else
			fputc(v[i], out);
	}
	fputc('\n', out);
}

static const char *decode(FILE *out, const char *p, size_t len)
{
	const char *end = p + len, *nl, *eq;
	uint64_t vlen, room;
	size_t klen;
	int i;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			return "a field without its newline";
		eq = memchr(p, '=', (size_t)(nl - p));
		if (eq) {
			klen = (size_t)(eq - p);
			if (!key_ok(p, klen))
				return "a field name journald refuses";
			fwrite(p, 1, klen + 1, out);
			put_value(out, eq + 1, (size_t)(nl - eq - 1));
			p = nl + 1;
			continue;
		}
		klen = (size_t)(nl - p);
		if (!key_ok(p, klen))
			return "a binary field's name journald refuses";
		if ((size_t)(end - nl - 1) < 8)
			return "a binary field without its length";
		for (vlen = 0, i = 7; i >= 0; i--)
			vlen = vlen << 8 | (unsigned char)nl[1 + i];
		/* the value and its newline must fit in what is left */
		room = (uint64_t)(end - nl - 9);
		if (!room || vlen > room - 1 || nl[9 + vlen] != '\n')
			return "a binary field's length beyond the datagram";
		fwrite(p, 1, klen, out);
		fputc('=', out);
		put_value(out, nl + 9, (size_t)vlen);
		p = nl + 10 + vlen;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct sigaction act;
	const char *bad;
	char *buf;
	FILE *out;
	ssize_t n;
	int fd;

	if (argc != 3 || strlen(argv[1]) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "usage: xi_journal_sink SOCKET OUT\n");
		return 1;
	}
	memset(&act, 0, sizeof(act));
	act.sa_handler = on_stop;	/* no SA_RESTART: recv() returns */
	sigaction(SIGTERM, &act, NULL);
	sigaction(SIGINT, &act, NULL);
	buf = malloc(DGRAM_MAX);
	out = fopen(argv[2], "w");
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	strcpy(sa.sun_path, argv[1]);
	unlink(argv[1]);
	if (!buf || !out || fd < 0 ||
	    bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		fprintf(stderr, "xi_journal_sink: %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	fprintf(stderr, "xi_journal_sink: listening on %s\n", argv[1]);
	while (!stop) {
		n = recv(fd, buf, DGRAM_MAX, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		bad = decode(out, buf, (size_t)n);
		if (bad)
			fprintf(out, "XI-SINK-BAD %s\n", bad);
		fputc('\n', out);
		fflush(out);
	}
	unlink(argv[1]);
	fclose(out);
	return 0;
}
