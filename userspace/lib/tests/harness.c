// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * TAP runner: "1..N", then "ok N - name" or "not ok N - name" per test,
 * diagnostics as "# " lines. Exit status 0 only if every test passed.
 *
 * Usage: xenintro-tests [--so path/to/libxenintro.so] [name-substring ...]
 */
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define XT_SKIP_STATUS	77
#define XT_TIMEOUT_S	120

const char *xt_so_path;

extern const struct xt_test *const __start_xt_tests[];
extern const struct xt_test *const __stop_xt_tests[];

void xt_diag(const char *fmt, ...)
{
	va_list ap;

	fputs("# ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

void xt_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	_exit(1);
}

void xt_skip(const char *fmt, ...)
{
	va_list ap;

	fputs("# SKIP: ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	_exit(XT_SKIP_STATUS);
}

static int xt_selected(const char *name, int argc, char **argv)
{
	int i;

	if (!argc)
		return 1;
	for (i = 0; i < argc; i++)
		if (strstr(name, argv[i]))
			return 1;
	return 0;
}

static int xt_run(const struct xt_test *t)
{
	pid_t pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		xt_diag("fork: %m");
		return 1;
	}
	if (pid == 0) {
		alarm(XT_TIMEOUT_S);
		t->fn();
		fflush(stdout);
		_exit(0);
	}
	if (waitpid(pid, &status, 0) < 0) {
		xt_diag("waitpid: %m");
		return 1;
	}
	if (WIFSIGNALED(status)) {
		xt_diag("%s: killed by signal %d (%s)", t->name,
			WTERMSIG(status), strsignal(WTERMSIG(status)));
		return 1;
	}
	if (WEXITSTATUS(status) == XT_SKIP_STATUS)
		return -1;
	return WEXITSTATUS(status) != 0;
}

/*
 * The section holds each file's tests together, files in link order, but
 * the compiler may emit a file's tests in any order: sort by position.
 */
static const struct xt_test **xt_sorted(size_t *np)
{
	size_t n = (size_t)(__stop_xt_tests - __start_xt_tests), i, j;
	const struct xt_test **v = malloc(n * sizeof(*v));
	int *file = malloc(n * sizeof(*file));

	if (!v || !file) {
		perror("malloc");
		exit(2);
	}
	for (i = 0; i < n; i++) {
		v[i] = __start_xt_tests[i];
		/* a file's rank: where its first test sits in the section */
		for (j = 0; j < i; j++)
			if (!strcmp(v[j]->file, v[i]->file))
				break;
		file[i] = (int)j;
	}
	/* insertion sort: a few dozen entries */
	for (i = 1; i < n; i++) {
		const struct xt_test *t = v[i];
		int f = file[i];

		for (j = i; j > 0 && (file[j - 1] > f ||
				      (file[j - 1] == f &&
				       v[j - 1]->line > t->line)); j--) {
			v[j] = v[j - 1];
			file[j] = file[j - 1];
		}
		v[j] = t;
		file[j] = f;
	}
	free(file);
	*np = n;
	return v;
}

int main(int argc, char **argv)
{
	const struct xt_test **tests;
	size_t nr, k;
	int n = 0, i = 0, failed = 0, ret;

	setvbuf(stdout, NULL, _IOLBF, 0);
	argc--, argv++;
	if (argc >= 2 && !strcmp(argv[0], "--so")) {
		xt_so_path = argv[1];
		argc -= 2, argv += 2;
	}

	tests = xt_sorted(&nr);
	for (k = 0; k < nr; k++)
		n += xt_selected(tests[k]->name, argc, argv);
	/* the header separates this document from the next test program's
	 * in `make -C userspace check` (tests/lib/tapcount.py splits on it) */
	printf("TAP version 13\n1..%d\n", n);
	for (k = 0; k < nr; k++) {
		if (!xt_selected(tests[k]->name, argc, argv))
			continue;
		ret = xt_run(tests[k]);
		i++;
		if (ret < 0)
			printf("ok %d - %s # SKIP\n", i, tests[k]->name);
		else
			printf("%sok %d - %s\n", ret ? "not " : "", i,
			       tests[k]->name);
		failed += ret > 0;
	}
	free(tests);
	if (failed)
		xt_diag("%d of %d tests failed", failed, n);
	return failed ? 1 : 0;
}
