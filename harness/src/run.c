/*
 * run.c - `wakerconf run`: choose the checks, start or resume the results
 * file, run the checks in children, print the summary, and turn the
 * requirement verdicts into the exit code.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "junit.h"
#include "loader.h"
#include "opts.h"
#include "profile.h"
#include "progress.h"
#include "replay.h"
#include "results_jsonl.h"
#include "runner.h"
#include "summary.h"
#include "util.h"
#include "wkc/registry.h"

#define DEFAULT_OUT "wakerconf-out"

typedef struct run_state {
	const wkc__opts *o;
	const wkc__profile *profile;
	const wkc__adapter_sel *sel;
	wkc__run_header h;
	wkc__results_file file;
	wkc__result *all; /* resumed results, then this invocation's */
	size_t nall, nresumed;
	wkc__progress prog;
	bool write_failed;
} run_state;

static uint64_t seed_from_time(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return wkc__mix64(((uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec) ^
			  ((uint64_t)getpid() << 32));
}

static void keep(run_state *st, wkc__result *r)
{
	st->all = wkc__xrealloc(st->all, (st->nall + 1) * sizeof *st->all);
	st->all[st->nall++] = *r;
	memset(r, 0, sizeof *r);
}

static void record(run_state *st, wkc__result *r)
{
	if (r->status != WKC__SKIP && r->replay == NULL) {
		wkc__replay rp = {r->check, st->h.seed, st->h.profile, st->h.pressure,
				  st->h.adapter, st->o->multiplier};
		r->replay = wkc__replay_encode(&rp);
	}
	if (wkc__results_append(&st->file, r) != 0)
		st->write_failed = true;
	wkc__progress_result(&st->prog, r);
	keep(st, r);
}

static void on_start(void *ud, const wkc_check *c)
{
	run_state *st = ud;
	wkc__progress_start(&st->prog, c->name);
}

static void on_result(void *ud, const wkc_check *c, wkc__result *r)
{
	(void)c;
	record(ud, r);
}

static bool already_done(const run_state *st, const char *check)
{
	for (size_t i = 0; i < st->nresumed; i++)
		if (strcmp(st->all[i].check, check) == 0)
			return true;
	return false;
}

/* Open results.jsonl: a new run, or the continuation of the one there. */
static int open_results(run_state *st, const char *out, const char *path)
{
	char err[600];
	struct stat sb;
	bool exists = stat(path, &sb) == 0;
	if (st->o->resume && exists) {
		wkc__run_header old;
		const char *why = NULL;
		if (wkc__results_read(path, &st->file, &old, &st->all, &st->nall, err, sizeof err) != 0) {
			wkc__error("cannot resume %s: %s", out, err);
			return WKC__EXIT_USAGE;
		}
		if (strcmp(old.adapter, st->h.adapter) != 0)
			why = "adapter";
		else if (strcmp(old.profile, st->h.profile) != 0)
			why = "profile";
		else if (st->o->seed_set && old.seed != st->h.seed)
			why = "seed";
		else if (old.pressure != st->h.pressure)
			why = "pressure setting";
		if (why != NULL) {
			wkc__error("cannot resume %s: it was run with a different %s (adapter %s, "
				   "profile %s, seed 0x%016llx, pressure %s); this command asks for "
				   "adapter %s, profile %s, seed 0x%016llx, pressure %s",
				   out, why, old.adapter, old.profile, (unsigned long long)old.seed,
				   old.pressure ? "on" : "off", st->h.adapter, st->h.profile,
				   (unsigned long long)st->h.seed, st->h.pressure ? "on" : "off");
			wkc__header_free(&old);
			return WKC__EXIT_USAGE;
		}
		st->h.seed = old.seed;
		st->nresumed = st->nall;
		wkc__header_free(&old);
		return 0;
	}
	if (st->o->resume)
		wkc__warn("nothing to resume in %s; starting a new run", out);
	else if (exists)
		wkc__warn("replacing the previous results in %s (use --resume to continue them)", out);
	if (wkc__results_create(&st->file, path, &st->h, err, sizeof err) != 0) {
		wkc__error("%s", err);
		return WKC__EXIT_USAGE;
	}
	return 0;
}

static void show_logs(const run_state *st, const char *out)
{
	for (size_t i = st->nresumed; i < st->nall; i++) {
		const wkc__result *r = &st->all[i];
		char *path, *text;
		if (r->status != WKC__FAIL || r->log == NULL)
			continue;
		path = wkc__xasprintf("%s/%s", out, r->log);
		text = wkc__read_file(path, NULL);
		fprintf(stderr, "---- %s (%s) ----\n%s", r->check, path, text ? text : "(no log)\n");
		free(text);
		free(path);
		if (r->report) {
			path = wkc__xasprintf("%s/%s", out, r->report);
			text = wkc__read_file(path, NULL);
			fprintf(stderr, "---- report %s ----\n%s", path, text ? text : "");
			free(text);
			free(path);
		}
	}
}

static int run_one(const wkc__opts *o, const wkc__build_info *bi, const wkc__profile *p,
		   const char *builtin, const char *out, const char *junit)
{
	run_state st;
	wkc__adapter_sel sel;
	const wkc_check **sel_checks, **to_run;
	size_t nsel, nrun = 0;
	char *path, *sum_path;
	double t0 = wkc__now_ms();
	int rc, sig;
	wkc__req_table table;

	memset(&st, 0, sizeof st);
	st.o = o;
	st.profile = p;
	st.file.fd = -1;
	rc = wkc__adapter_select(o, p, builtin, &sel);
	if (rc != 0)
		return rc;
	st.sel = &sel;
	/* A selection that is empty is a mistake in the command (a typo in a
	 * CI filter), never a pass. */
	nsel = wkc__select_checks(o, &sel_checks);
	if (nsel == 0) {
		wkc__error("no check matches --filter '%s'%s: nothing to run (`wakerconf list` shows "
			   "the checks)",
			   o->filter ? o->filter : "", o->shard_n ? " in this shard" : "");
		free(sel_checks);
		wkc__adapter_sel_free(&sel);
		return WKC__EXIT_USAGE;
	}
	if (wkc__mkdirs(out) != 0 || wkc__mkdirs(path = wkc__xasprintf("%s/logs", out)) != 0) {
		wkc__error("cannot create the output directory %s: %s", out, strerror(errno));
		free(sel_checks);
		wkc__adapter_sel_free(&sel);
		return WKC__EXIT_USAGE;
	}
	free(path);
	/* Report directories; a failure shows up when a child writes there. */
	path = wkc__xasprintf("%s/san", out);
	wkc__mkdirs(path);
	free(path);
	if (p->kind == WKC__PROF_VALGRIND) {
		path = wkc__xasprintf("%s/vg", out);
		wkc__mkdirs(path);
		free(path);
	}

	st.h.adapter = wkc__xstrdup(sel.header);
	st.h.adapter_name = wkc__xstrdup(sel.a->name);
	st.h.adapter_version = wkc__xstrdup(sel.a->version);
	st.h.caps = sel.a->caps;
	st.h.profile = wkc__xstrdup(p->name);
	st.h.seed = o->seed_set ? o->seed : seed_from_time();
	st.h.pressure = o->pressure == 1;
	st.h.multiplier = o->multiplier > 0 ? o->multiplier : wkc__profile_multiplier(p);
	st.h.harness_version = wkc__xstrdup(bi->version);
	st.h.build = wkc__xstrdup(bi->sanitize);

	path = wkc__xasprintf("%s/results.jsonl", out);
	rc = open_results(&st, out, path);
	if (rc != 0) {
		wkc__results_close(&st.file);
		wkc__results_free(st.all, st.nall);
		free(path);
		wkc__header_free(&st.h);
		wkc__adapter_sel_free(&sel);
		free(sel_checks);
		return rc;
	}

	to_run = wkc__xcalloc(nsel ? nsel : 1, sizeof *to_run);
	fprintf(stderr,
		"wakerconf: run: adapter %s %s, profile %s, seed 0x%016llx, pressure %s, %zu "
		"checks%s, out %s\n",
		sel.a->name, sel.a->version, p->name, (unsigned long long)st.h.seed,
		st.h.pressure ? "on" : "off", nsel, st.nresumed ? " (resuming)" : "", out);
	{
		size_t done = 0;
		for (size_t i = 0; i < nsel; i++)
			done += already_done(&st, sel_checks[i]->name);
		wkc__progress_init(&st.prog, o->quiet, nsel, done, wkc__exe_display, out);
	}
	for (size_t i = 0; i < nsel; i++) {
		const wkc_check *c = sel_checks[i];
		char *why;
		if (already_done(&st, c->name))
			continue;
		why = wkc__skip_reason(c, sel.a->caps);
		if (why != NULL) {
			/* Not applicable: recorded without starting a process. */
			wkc__result r;
			memset(&r, 0, sizeof r);
			r.check = wkc__xstrdup(c->name);
			r.ids = wkc__xstrdup(c->ids);
			r.status = WKC__SKIP;
			r.reason = why;
			r.completed = false;
			r.seed = wkc__check_seed(st.h.seed, c->name);
			record(&st, &r);
			continue;
		}
		to_run[nrun++] = c;
	}
	{
		wkc__runner_cfg cfg = {
			.bi = bi, .out_dir = out, .profile = p, .adapter_opt = sel.opt,
			.adapter_value = sel.value, .run_seed = st.h.seed, .pressure = st.h.pressure,
			.multiplier = st.h.multiplier, .jobs = o->jobs ? o->jobs : wkc__cpu_count(),
			.ud = &st, .on_start = on_start, .on_result = on_result,
		};
		sig = wkc__runner_run(&cfg, to_run, nrun);
	}
	wkc__progress_end(&st.prog);
	wkc__results_close(&st.file);
	free(sel_checks);
	free(to_run);

	if (sig != 0) {
		wkc__error("interrupted by %s: %zu of %zu checks are recorded in %s; run the same "
			   "command with --resume to finish",
			   sig == SIGINT ? "SIGINT" : "SIGTERM", st.nall, nsel, path);
		wkc__results_free(st.all, st.nall);
		free(path);
		wkc__header_free(&st.h);
		wkc__adapter_sel_free(&sel);
		return 128 + sig;
	}

	wkc__req_table_build(&table, st.all, st.nall);
	{
		char label[160];
		wkc__summary_info in = {
			.adapter = st.h.adapter, .adapter_name = st.h.adapter_name,
			.adapter_version = st.h.adapter_version,
			.profile = wkc__profile_label(p, sel.a->caps, label, sizeof label),
			.seed = (unsigned long long)st.h.seed, .pressure = st.h.pressure,
			.seconds = (wkc__now_ms() - t0) / 1000.0, .results_path = path, .out_dir = out,
			.exe = wkc__exe_display,
		};
		FILE *f;
		sum_path = wkc__xasprintf("%s/summary.txt", out);
		f = fopen(sum_path, "w");
		if (f != NULL) {
			wkc__summary_print(f, &in, st.all, st.nall, &table, false);
			fclose(f);
		}
		if (o->show_logs)
			show_logs(&st, out);
		fflush(stderr);
		wkc__summary_print(stdout, &in, st.all, st.nall, &table, o->quiet);
		fflush(stdout);
		free(sum_path);
	}
	if (junit != NULL && wkc__junit_write(junit, &st.h, st.all, st.nall, wkc__exe_display) != 0)
		st.write_failed = true;

	rc = wkc__req_table_must_failures(&table) > 0 || !wkc__results_any_ran(st.all, st.nall)
		     ? WKC__EXIT_FAIL
		     : WKC__EXIT_PASS;
	if (st.write_failed && rc == WKC__EXIT_PASS)
		rc = WKC__EXIT_USAGE; /* results not fully written: not a pass */
	wkc__req_table_free(&table);
	wkc__results_free(st.all, st.nall);
	free(path);
	wkc__header_free(&st.h);
	wkc__adapter_sel_free(&sel);
	return rc;
}

int wkc__run_checks(const wkc__opts *o, const wkc__build_info *bi)
{
	wkc__profile p;
	char err[300];
	const char *out = o->out ? o->out : DEFAULT_OUT;
	int rc = 0;

	if (wkc__profile_parse(o->profile ? o->profile : "default", &p, err, sizeof err) != 0) {
		wkc__error("%s", err);
		return WKC__EXIT_USAGE;
	}
	if (p.kind == WKC__PROF_VALGRIND && bi->sanitize[0] != '\0') {
		wkc__error("profile %s runs the uninstrumented build; this %s is built with "
			   "-fsanitize=%s",
			   p.name, bi->exe_name, bi->sanitize);
		return WKC__EXIT_USAGE;
	}
	rc = wkc__profile_ensure_build(&p, bi, wkc__process_argv);
	if (rc != 0)
		return rc;
	if (wkc__builtins_validate() != 0)
		return WKC__EXIT_USAGE;

	if (o->builtin && strcmp(o->builtin, "all") == 0) {
		/* One seed for every adapter (a resumed run takes each one's own
		 * from its results file). */
		wkc__opts shared = *o;
		if (!shared.seed_set && !shared.resume) {
			shared.seed = seed_from_time();
			shared.seed_set = true;
		}
		o = &shared;
		if (wkc_builtin_adapter_count == 0) {
			wkc__error("this harness has no built-in adapters");
			return WKC__EXIT_USAGE;
		}
		for (size_t i = 0; i < wkc_builtin_adapter_count; i++) {
			const char *name = wkc_builtin_adapter_list[i]->name;
			char *sub = wkc__xasprintf("%s/%s", out, name);
			char *junit = NULL;
			int one;
			if (o->junit) {
				/* junit.xml -> junit.<adapter>.xml */
				const char *dot = strrchr(o->junit, '.');
				junit = dot ? wkc__xasprintf("%.*s.%s%s", (int)(dot - o->junit), o->junit,
							     name, dot)
					    : wkc__xasprintf("%s.%s", o->junit, name);
			}
			one = run_one(o, bi, &p, name, sub, junit);
			free(sub);
			free(junit);
			if (one > 128 || one == WKC__EXIT_USAGE)
				return one; /* interrupted, or the command is wrong */
			if (one > rc)
				rc = one;
		}
		return rc;
	}
	return run_one(o, bi, &p, NULL, out, o->junit);
}
