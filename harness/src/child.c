/*
 * child.c - `wakerconf __child`: run one check in this process and report
 * to the runner over the pipe on --report-fd.
 *
 * The runner forks and execs the harness itself with this hidden
 * subcommand, so every check starts from a clean process image (and, for
 * Valgrind, a process Valgrind can start).  Whatever happens in here - a
 * crash, an abort, a hang, a sanitizer report - the runner turns into a
 * verdict; this file only has to report what the check said.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctx.h"
#include "harness.h"
#include "loader.h"
#include "proto.h"
#include "watch.h"
#include "util.h"
#include "wkc/registry.h"

static void report_error(int fd, const char *msg)
{
	wkc__proto_send(fd, "error", NULL, msg);
	fprintf(stderr, "wakerconf: error: %s\n", msg);
}

int wkc__cmd_child(int argc, char **argv, const wkc__build_info *bi)
{
	const char *check_name = NULL, *builtin = NULL, *path = NULL;
	uint64_t seed = 0, fd64 = 3;
	double scale = 1, deadline_ms = 0;
	bool pressure = false;
	const wkc_adapter *a = NULL;
	const wkc_check *c = NULL;
	char err[600];
	static wkc_ctx cx; /* static: outlives anything a check leaves behind */
	(void)bi;

	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL) {
			fprintf(stderr, "wakerconf: error: __child: %s needs a value\n", argv[i]);
			return WKC__EXIT_USAGE;
		}
		if (strcmp(argv[i], "--check") == 0)
			check_name = v;
		else if (strcmp(argv[i], "--seed") == 0)
			wkc__parse_u64(v, &seed);
		else if (strcmp(argv[i], "--scale") == 0)
			scale = strtod(v, NULL);
		else if (strcmp(argv[i], "--deadline-ms") == 0)
			deadline_ms = strtod(v, NULL);
		else if (strcmp(argv[i], "--pressure") == 0)
			pressure = strcmp(v, "1") == 0;
		else if (strcmp(argv[i], "--report-fd") == 0)
			wkc__parse_u64(v, &fd64);
		else if (strcmp(argv[i], "--builtin") == 0)
			builtin = v;
		else if (strcmp(argv[i], "--adapter") == 0)
			path = v;
		else {
			fprintf(stderr, "wakerconf: error: __child: unknown option %s\n", argv[i]);
			return WKC__EXIT_USAGE;
		}
	}
	/* A crash must not lose what the check already printed. */
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (builtin != NULL) {
		a = wkc__builtin_find(builtin);
		if (a == NULL) {
			snprintf(err, sizeof err, "no built-in adapter named %s", builtin);
			report_error((int)fd64, err);
			return 3;
		}
	} else if (path != NULL) {
		a = wkc__adapter_load(path, err, sizeof err);
		if (a == NULL) {
			report_error((int)fd64, err);
			return 3;
		}
	}
	for (size_t i = 0; check_name && i < wkc_check_count; i++)
		if (strcmp(wkc_check_list[i].name, check_name) == 0)
			c = &wkc_check_list[i];
	if (a == NULL || c == NULL) {
		snprintf(err, sizeof err, "__child: %s", a == NULL ? "no adapter given" : "no such check");
		report_error((int)fd64, err);
		return 3;
	}

	wkc__ctx_init(&cx, a, c, seed, scale, (int)fd64);
	wkc__pressure_init(seed, pressure);
	wkc__watch_init(&cx, scale, deadline_ms);
	fprintf(stderr, "wakerconf: check %s (%s) on %s %s, seed 0x%016llx%s\n", c->name, c->ids,
		a->name, a->version, (unsigned long long)seed, pressure ? ", pressure on" : "");
	c->run(&cx);
	wkc__watch_stop();
	wkc__proto_send(cx.report_fd, "done", NULL, NULL);
	fflush(NULL);
	/* Return normally: sanitizer leak checks run at exit. */
	return 0;
}
