// SPDX-License-Identifier: LGPL-2.1-only OR MIT
/*
 * xenintro: the operator's tool. version, list, stats, watch; see
 * man 1 xenintro. The kernel has no ioctl that lists sessions or reads
 * another session's counters, so list and stats read what running agents
 * publish in the registry ($XENINTRO_RUN_DIR, default /run/xenintro).
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "cli.h"
#include "decide.h"
#include "event_log.h"
#include "guest.h"
#include "policy.h"
#include "registry.h"
#include "signals.h"
#include "stats.h"
#include "version.h"
#include "x86_names.h"

#define EXIT_OK		0
#define EXIT_USAGE	1
#define EXIT_NODEV	3	/* no device, cannot attach, no such agent */
#define EXIT_DIED	4
#define EXIT_RUNTIME	5

static const char *const prog = "xenintro";

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *args;
	const char *help;
};

static void cmd_usage(FILE *f, const struct cmd *c);

/* Parse the options every command shares: --json, --help. */
static int common_opts(int argc, char **argv, const struct cmd *c, bool *json,
		       int min_args, int max_args)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int o;

	optind = 1;
	while ((o = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			*json = true;
			break;
		case 'h':
			cmd_usage(stdout, c);
			return -EXIT_OK - 100;
		default:
			cmd_usage(stderr, c);
			return -EXIT_USAGE;
		}
	}
	if (argc - optind < min_args || argc - optind > max_args) {
		cmd_usage(stderr, c);
		return -EXIT_USAGE;
	}
	return 0;
}

static int opts_exit(int r)
{
	return r == -EXIT_OK - 100 ? EXIT_OK : -r;
}

static void print_json(json_t *o)
{
	json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	putchar('\n');
	json_decref(o);
}

/* ---- version ------------------------------------------------------- */

static const struct {
	uint64_t bit;
	const char *name;
} feature_names[] = {
	{ XENINTRO_FEATURE_RINGS, "rings" },
	{ XENINTRO_FEATURE_EMUL_READ_DATA, "emul_read_data" },
	{ XENINTRO_FEATURE_RULES, "rules" },
	{ XENINTRO_FEATURE_KICK_WAIT, "kick_wait" },
	{ XENINTRO_FEATURE_MEMORY, "memory" },
	{ XENINTRO_FEATURE_MEM_WRITE, "mem_write" },
	{ XENINTRO_FEATURE_MEM_MAP, "mem_map" },
};

static int cmd_version(int argc, char **argv);
static int cmd_list(int argc, char **argv);
static int cmd_stats(int argc, char **argv);
static int cmd_watch(int argc, char **argv);
static int cmd_resume(int argc, char **argv);

static const struct cmd cmds[] = {
	{ "version", cmd_version, "[--json]",
	  "this tool's, the library's, the uAPI's and the module's versions and the kernel's features" },
	{ "list", cmd_list, "[--json]",
	  "domains monitored by xenintro-agent, with their stats" },
	{ "stats", cmd_stats, "[--json] GUEST",
	  "the stats of the agent monitoring GUEST (domid or name)" },
	{ "watch", cmd_watch,
	  "[--json] [--count N] GUEST --events EVENT[,EVENT]...",
	  "attach to GUEST and print its events until Ctrl-C" },
	{ "integrity", cmd_integrity,
	  "[--json] [--interval SECS] [--rounds N] GUEST FIRST_GVA LAST_GVA",
	  "hash the guest kernel's text pages and report every one that changes" },
	{ "profile", cmd_profile, "[--json] KERNEL_IMAGE",
	  "the struct offsets of a guest kernel, from its image's BTF" },
	{ "ksyms", cmd_ksyms, "KERNEL_IMAGE [NAME...]",
	  "a guest kernel's symbols, from the kallsyms tables in its image" },
	{ "kaslr", cmd_kaslr,
	  "[--json] [--timeout SECS] [--device PATH] GUEST KERNEL_IMAGE",
	  "a running guest's KASLR slide, checked against a second anchor" },
	{ "ps", cmd_ps,
	  "[--json] [--timeout SECS] [--device PATH] GUEST KERNEL_IMAGE",
	  "the guest's processes from its task list, with their CR3s" },
	{ "resume", cmd_resume, "GUEST",
	  "resume GUEST where a rule's actions.pause paused it (its agent unpauses)" },
};

static int cmd_version(int argc, char **argv)
{
	struct xenintro x;
	bool json = false;
	char module[64] = "not loaded";
	json_t *o, *feats;
	FILE *f;
	size_t i;
	int r;

	r = common_opts(argc, argv, &cmds[0], &json, 0, 0);
	if (r)
		return opts_exit(r);
	f = fopen("/sys/module/xenintro/version", "re");
	if (f) {
		if (fgets(module, sizeof(module), f))
			module[strcspn(module, "\n")] = '\0';
		fclose(f);
	} else if (!access("/sys/module/xenintro", F_OK)) {
		snprintf(module, sizeof(module), "loaded (no version)");
	}

	o = json_object();
	json_object_set_new(o, "module", json_string(module));
	json_object_set_new(o, "uapi", json_integer(XENINTRO_API_VERSION));
	json_object_set_new(o, "library", json_sprintf("%d.%d",
				LIBXENINTRO_VERSION_MAJOR,
				LIBXENINTRO_VERSION_MINOR));
	json_object_set_new(o, "device", json_string(XENINTRO_DEVICE));
	r = xenintro_open(&x, XENINTRO_FEATURE_RINGS, 0);
	if (r) {
		char problem[128];

		apply_device_problem(r, problem, sizeof(problem));
		json_object_set_new(o, "device_error", json_string(problem));
	} else {
		feats = json_array();
		for (i = 0; i < sizeof(feature_names) / sizeof(feature_names[0]); i++)
			if (xenintro_has_feature(&x, feature_names[i].bit))
				json_array_append_new(feats, json_string(
					feature_names[i].name));
		json_object_set_new(o, "features", feats);
		json_object_set_new(o, "supported_features",
				    json_hex(x.supported_features));
		json_object_set_new(o, "ioctls", json_hex(x.ioctls));
		xenintro_close(&x);
	}
	/*
	 * The module's part needs the device: without one the rest is
	 * printed and the exit status says the module is not there.
	 */
	r = json_object_get(o, "device_error") ? EXIT_NODEV : EXIT_OK;
	if (json) {
		print_json(o);
		return r;
	}
	/* the first line is --version's: this tool, its library and uAPI */
	xi_print_version(stdout, prog);
	printf("module:   %s\n", module);
	if (json_object_get(o, "device_error")) {
		printf("device:   %s: %s\n", XENINTRO_DEVICE,
		       json_string_value(json_object_get(o, "device_error")));
	} else {
		json_t *v;

		printf("device:   %s, handshake ok\nfeatures:", XENINTRO_DEVICE);
		json_array_foreach(json_object_get(o, "features"), i, v)
			printf(" %s", json_string_value(v));
		printf(" (%s)\n", json_string_value(json_object_get(o,
						"supported_features")));
	}
	json_decref(o);
	return r;
}

/* ---- list, stats --------------------------------------------------- */

/*
 * Ask running agents to refresh their registry files (SIGUSR2 writes it
 * without a log record), and wait a little for them to do it.
 */
static void refresh(json_t *recs)
{
	json_t *rec;
	size_t i, pending = 0;
	char **before = calloc(json_array_size(recs) + 1, sizeof(*before));
	int tries;

	if (!before)
		return;
	json_array_foreach(recs, i, rec) {
		json_int_t pid = json_integer_value(json_object_get(rec, "pid"));

		if (!json_is_true(json_object_get(rec, "running")) || pid <= 0)
			continue;
		before[i] = strdup(json_string_value(json_object_get(rec,
							"updated")) ?: "");
		if (!kill((pid_t)pid, SIGUSR2))
			pending++;
	}
	for (tries = 0; pending && tries < 20; tries++) {
		usleep(50000);
		pending = 0;
		json_array_foreach(recs, i, rec) {
			json_int_t d = json_integer_value(json_object_get(rec,
								"domid"));
			json_t *now;
			const char *u;

			if (!before[i])
				continue;
			now = registry_read((uint32_t)d);
			u = now ? json_string_value(json_object_get(now,
								"updated")) : NULL;
			if (u && strcmp(u, before[i])) {
				free(before[i]);
				before[i] = NULL;
			} else {
				pending++;
			}
			json_decref(now);
		}
	}
	for (i = 0; i < json_array_size(recs); i++)
		free(before[i]);
	free(before);
}

static json_int_t kstat(json_t *rec, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(
		json_object_get(rec, "stats"), "kernel"), key));
}

static int cmd_list(int argc, char **argv)
{
	bool json = false;
	json_t *recs, *rec;
	size_t i;
	int r;

	r = common_opts(argc, argv, &cmds[1], &json, 0, 0);
	if (r)
		return opts_exit(r);
	recs = registry_list();
	refresh(recs);
	json_decref(recs);
	recs = registry_list();
	if (json) {
		print_json(recs);
		return EXIT_OK;
	}
	if (!json_array_size(recs)) {
		printf("no domain is monitored by xenintro-agent (%s is empty)\n",
		       registry_dir());
		json_decref(recs);
		return EXIT_OK;
	}
	printf("%-6s %-16s %-8s %-8s %10s %10s %10s %8s  %s\n", "DOMID",
	       "GUEST", "PID", "STATE", "REQUESTS", "KERNEL", "FORWARDED",
	       "DROPPED", "POLICY");
	json_array_foreach(recs, i, rec) {
		printf("%-6" JSON_INTEGER_FORMAT " %-16s %-8" JSON_INTEGER_FORMAT
		       " %-8s %10" JSON_INTEGER_FORMAT " %10" JSON_INTEGER_FORMAT
		       " %10" JSON_INTEGER_FORMAT " %8" JSON_INTEGER_FORMAT "  %s\n",
		       json_integer_value(json_object_get(rec, "domid")),
		       json_string_value(json_object_get(rec, "guest")) ?: "",
		       json_integer_value(json_object_get(rec, "pid")),
		       json_is_true(json_object_get(rec, "running")) ?
		       "running" : "stale",
		       kstat(rec, "requests"), kstat(rec, "kernel_verdicts"),
		       kstat(rec, "forwarded"), kstat(rec, "dropped"),
		       json_string_value(json_object_get(rec, "policy")) ?: "");
	}
	json_decref(recs);
	return EXIT_OK;
}

static int cmd_stats(int argc, char **argv)
{
	bool json = false;
	json_t *recs, *rec;
	char why[256];
	uint32_t domid;
	int r;

	r = common_opts(argc, argv, &cmds[2], &json, 1, 1);
	if (r)
		return opts_exit(r);
	if (guest_resolve(argv[optind], &domid, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return EXIT_USAGE;
	}
	rec = registry_read(domid);
	if (!rec) {
		fprintf(stderr, "%s: no agent monitors domain %u (see xenintro list)\n",
			prog, domid);
		return EXIT_NODEV;
	}
	json_object_set_new(rec, "running", json_boolean(registry_alive(rec)));
	recs = json_array();
	json_array_append_new(recs, rec);
	refresh(recs);
	json_decref(recs);
	rec = registry_read(domid);
	if (!rec) {
		fprintf(stderr, "%s: the agent of domain %u has gone\n", prog,
			domid);
		return EXIT_NODEV;
	}
	json_object_set_new(rec, "running", json_boolean(registry_alive(rec)));
	if (json) {
		print_json(rec);
		return EXIT_OK;
	}
	printf("domain %" JSON_INTEGER_FORMAT " %s: agent pid %" JSON_INTEGER_FORMAT
	       " (%s), policy %s, updated %s\n",
	       json_integer_value(json_object_get(rec, "domid")),
	       json_string_value(json_object_get(rec, "guest")) ?: "",
	       json_integer_value(json_object_get(rec, "pid")),
	       json_is_true(json_object_get(rec, "running")) ? "running" : "gone",
	       json_string_value(json_object_get(rec, "policy")) ?: "",
	       json_string_value(json_object_get(rec, "updated")) ?: "");
	stats_print_text(stdout, json_object_get(rec, "stats"));
	json_decref(rec);
	return EXIT_OK;
}

/* ---- resume -------------------------------------------------------- */

/* The agent's actions counter @key from its registry record. */
static json_int_t action_count(json_t *rec, const char *key)
{
	return json_integer_value(json_object_get(json_object_get(
		json_object_get(rec, "stats"), "actions"), key));
}

/*
 * The pause of a rule's actions.pause is the agent's own (the kernel
 * counts it for the agent's session, and undoes it at detach): only the
 * agent can give it back. Ask it (REGISTRY_SIGNAL_RESUME), and read
 * back from its fresh registry record that it did.
 */
static int cmd_resume(int argc, char **argv)
{
	const struct cmd *c = &cmds[sizeof(cmds) / sizeof(cmds[0]) - 1];
	json_int_t pid, resumes;
	json_t *recs, *rec;
	char why[256];
	uint32_t domid;
	bool json = false;
	int r;

	r = common_opts(argc, argv, c, &json, 1, 1);
	if (r)
		return opts_exit(r);
	if (guest_resolve(argv[optind], &domid, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return EXIT_USAGE;
	}
	rec = registry_read(domid);
	if (!rec || !registry_alive(rec)) {
		fprintf(stderr, "%s: no agent monitors domain %u (see xenintro list)\n",
			prog, domid);
		json_decref(rec);
		return EXIT_NODEV;
	}
	json_object_set_new(rec, "running", json_true());
	recs = json_array();
	json_array_append(recs, rec);
	refresh(recs);
	json_decref(recs);
	json_decref(rec);
	rec = registry_read(domid);
	if (!rec) {
		fprintf(stderr, "%s: the agent of domain %u has gone\n", prog,
			domid);
		return EXIT_NODEV;
	}
	pid = json_integer_value(json_object_get(rec, "pid"));
	resumes = action_count(rec, "resumes");
	if (action_count(rec, "pauses") <= resumes) {
		printf("domain %u: not paused by its agent (pid %" JSON_INTEGER_FORMAT ")\n",
		       domid, pid);
		json_decref(rec);
		return EXIT_OK;
	}
	if (pid <= 0 || kill((pid_t)pid, REGISTRY_SIGNAL_RESUME)) {
		fprintf(stderr, "%s: cannot signal the agent of domain %u (pid %" JSON_INTEGER_FORMAT "): %s\n",
			prog, domid, pid, strerror(errno));
		json_decref(rec);
		return EXIT_RUNTIME;
	}
	/* the agent rewrites its record once it resumed: up to 2 s */
	json_decref(rec);
	for (r = 0; r < 40; r++) {
		usleep(50000);
		rec = registry_read(domid);
		if (rec && action_count(rec, "resumes") > resumes) {
			printf("domain %u: resumed by its agent (pid %" JSON_INTEGER_FORMAT ")\n",
			       domid, pid);
			json_decref(rec);
			return EXIT_OK;
		}
		json_decref(rec);
	}
	rec = NULL;
	fprintf(stderr, "%s: domain %u: the agent (pid %" JSON_INTEGER_FORMAT ") did not report a resume; see its log\n",
		prog, domid, pid);
	json_decref(rec);
	return EXIT_RUNTIME;
}

/* ---- watch --------------------------------------------------------- */

/*
 * One --events word as a monitor. Asynchronous where the uAPI allows it
 * (control registers, guest requests, #DB, VM exits): the kernel answers
 * those and the guest never waits for this tool.
 */
static int watch_monitor(const char *w, struct policy_monitor *m)
{
	static const struct {
		const char *name;
		uint32_t event;
	} simple[] = {
		{ "cpuid", XENINTRO_MONITOR_CPUID },
		{ "breakpoint", XENINTRO_MONITOR_BREAKPOINT },
		{ "int3", XENINTRO_MONITOR_BREAKPOINT },
		{ "singlestep", XENINTRO_MONITOR_SINGLESTEP },
		{ "guest_request", XENINTRO_MONITOR_GUEST_REQUEST },
		{ "debug_exception", XENINTRO_MONITOR_DEBUG_EXCEPTION },
		{ "desc_access", XENINTRO_MONITOR_DESC_ACCESS },
		{ "emul_unimpl", XENINTRO_MONITOR_EMUL_UNIMPL },
		{ "vmexit", XENINTRO_MONITOR_VMEXIT },
	};
	uint32_t cr, msr;
	size_t i;
	char *end;

	memset(m, 0, sizeof(*m));
	if (x86_cr_index(w, &cr)) {
		m->event = XENINTRO_MONITOR_CTRLREG;
		m->index = cr;
		m->flags = XENINTRO_MON_ONCHANGE;
		return 0;
	}
	if (!strncmp(w, "msr:", 4)) {
		m->event = XENINTRO_MONITOR_MSR;
		if (x86_msr_by_name(w + 4, &msr)) {
			m->index = msr;
			return 0;
		}
		errno = 0;
		m->index = (uint32_t)strtoul(w + 4, &end, 0);
		return *end || errno || end == w + 4 ? -1 : 0;
	}
	for (i = 0; i < sizeof(simple) / sizeof(simple[0]); i++) {
		if (!strcmp(simple[i].name, w)) {
			m->event = simple[i].event;
			return 0;
		}
	}
	return -1;
}

static int cmd_watch(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "events", required_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'n' },
		{ "device", required_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const struct xenintro_event *evs[64];
	struct policy_monitor *mons = NULL;
	const char *device = NULL;
	char *events = NULL, *w, *save, why[256];
	struct event_log log;
	struct pollfd pfd[2];
	struct policy pol;
	struct xenintro x;
	unsigned long count = 0, seen = 0;
	bool json = false, stop = false;
	uint32_t domid;
	int o, n, i, sigfd, ret = EXIT_OK;
	size_t nr = 0;

	optind = 1;
	while ((o = getopt_long(argc, argv, "je:n:d:h", opts, NULL)) != -1) {
		switch (o) {
		case 'j':
			json = true;
			break;
		case 'e':
			events = optarg;
			break;
		case 'n':
			count = strtoul(optarg, NULL, 10);
			break;
		case 'd':
			device = optarg;
			break;
		case 'h':
			cmd_usage(stdout, &cmds[3]);
			return EXIT_OK;
		default:
			cmd_usage(stderr, &cmds[3]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind != 1 || !events) {
		cmd_usage(stderr, &cmds[3]);
		return EXIT_USAGE;
	}
	if (guest_resolve(argv[optind], &domid, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", prog, why);
		return EXIT_USAGE;
	}

	/* a policy of monitors only: every event is the tool's to answer */
	memset(&pol, 0, sizeof(pol));
	pol.default_verdict = XENINTRO_VERDICT_CONTINUE;
	pol.forward_default = XENINTRO_VERDICT_CONTINUE;
	events = strdup(events);
	for (w = strtok_r(events, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
		struct policy_monitor *nm = realloc(mons, (nr + 1) * sizeof(*nm));

		if (!nm)
			break;
		mons = nm;
		if (watch_monitor(w, &mons[nr])) {
			fprintf(stderr,
				"%s: watch: unknown event \"%s\" (cpuid, cr0, cr3, cr4, xcr0, msr:NAME|NUMBER, breakpoint, singlestep, guest_request, debug_exception, desc_access, emul_unimpl, vmexit)\n",
				prog, w);
			free(events);
			free(mons);
			return EXIT_USAGE;
		}
		nr++;
	}
	free(events);
	pol.monitors = mons;
	pol.nr_monitors = nr;

	sigfd = signals_open();
	if (sigfd < 0) {
		fprintf(stderr, "%s: signalfd: %s\n", prog, strerror(-sigfd));
		free(mons);
		return EXIT_RUNTIME;
	}
	if (apply_attach(&x, device, &pol, domid, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", prog, why);
		ret = EXIT_NODEV;
		goto out;
	}
	if (apply_policy(&x, NULL, &pol, why, sizeof(why))) {
		fprintf(stderr, "%s: %s\n", prog, why);
		ret = EXIT_NODEV;
		goto out_close;
	}
	event_log_open(&log, NULL, json ? LOG_JSON : LOG_TEXT);
	fprintf(stderr, "%s: watching domain %u; Ctrl-C detaches\n", prog,
		domid);

	while (!stop) {
		while ((n = xenintro_peek_batch(&x, evs, 64)) > 0) {
			for (i = 0; i < n; i++) {
				struct xenintro_verdict *v;
				int verdict = -1;

				if (xenintro_event_needs_verdict(evs[i])) {
					v = xenintro_get_verdict(&x);
					if (!v) {
						xenintro_submit(&x);
						v = xenintro_get_verdict(&x);
					}
					if (v) {
						verdict = (int)decide_safe(evs[i],
							XENINTRO_VERDICT_CONTINUE);
						decide_fill(v, evs[i], (uint32_t)verdict);
					}
				}
				event_log_event(&log, evs[i], NULL, verdict);
				if (count && ++seen >= count)
					stop = true;
			}
			xenintro_event_advance(&x, (unsigned int)n);
			xenintro_submit(&x);
		}
		if (stop)
			break;
		if (xenintro_state(&x) == XENINTRO_STATE_DEAD) {
			fprintf(stderr, "%s: domain %u died\n", prog, domid);
			ret = EXIT_DIED;
			break;
		}
		pfd[0].fd = xenintro_fd(&x);
		pfd[0].events = POLLIN;
		pfd[1].fd = sigfd;
		pfd[1].events = POLLIN;
		if (poll(pfd, 2, 1000) < 0 && errno != EINTR)
			break;
		if (signals_next(sigfd) > 0) {
			/* any of INT, TERM, HUP: detach */
			stop = true;
		}
	}
	event_log_close(&log);
out_close:
	/* the kernel answers what is left and restores the guest */
	xenintro_close(&x);
out:
	close(sigfd);
	free(mons);
	return ret;
}

/* ---- main ---------------------------------------------------------- */

static void cmd_usage(FILE *f, const struct cmd *c)
{
	fprintf(f, "Usage: %s %s %s\n%c%s.\n", prog, c->name, c->args,
		toupper((unsigned char)c->help[0]), c->help + 1);
	if (!strcmp(c->name, "watch"))
		fprintf(f,
			"\nEVENT: cpuid, cr0, cr3, cr4, xcr0, msr:NAME or msr:NUMBER (msr:LSTAR),\n"
			"breakpoint, singlestep, guest_request, debug_exception, desc_access,\n"
			"emul_unimpl, vmexit. Control registers, guest requests, #DB and VM\n"
			"exits are watched asynchronously; other events are let through.\n"
			"  -n, --count N     stop after N events\n"
			"  -d, --device PATH the xenintro device\n");
	fprintf(f, "  -j, --json        JSON output\n  -h, --help        this help\n");
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "Usage: %s COMMAND [OPTION]... [ARG]...\n       %s --version | --help\n\nCommands:\n",
		prog, prog);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %-8s %s\n", cmds[i].name, cmds[i].help);
	fprintf(f, "\n'%s COMMAND --help' describes each; man 1 xenintro.\n", prog);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	/* the tool's own version: no device, unlike the version command */
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		if (argc > 2) {
			usage(stderr);
			return EXIT_USAGE;
		}
		xi_print_version(stdout, prog);
		return EXIT_OK;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "%s: unknown command \"%s\"\n", prog, argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
