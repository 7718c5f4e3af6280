/*
 * certify.c - `wakerconf certify`: run the default and tsan profiles (by
 * default) against an adapter, or each built-in in turn, and print one
 * verdict table per adapter and CERTIFIED / NOT CERTIFIED.
 *
 * Each profile is a separate `wakerconf run` process (the tsan one execs
 * the ThreadSanitizer build of the harness), writing into its own results
 * directory; certify reads the results files back.  A profile that cannot
 * run (its build is missing, or no instrumented adapter was given) leaves
 * the adapter NOT CERTIFIED: certification means every profile passed.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "loader.h"
#include "opts.h"
#include "profile.h"
#include "requirements.h"
#include "results_jsonl.h"
#include "summary.h"
#include "util.h"
#include "wkc/registry.h"

#define MAX_PROFILES 8
#define DEFAULT_OUT "wakerconf-certify"

typedef struct profile_run {
	wkc__profile p;
	char *dir;
	char *not_run; /* why it did not run, or NULL */
	int rc;
	wkc__req_table table;
	bool have_table;
} profile_run;

static volatile sig_atomic_t child_pid;

static void forward(int sig)
{
	/* The run child stops its own checks and exits; we learn it from
	 * its status. */
	if (child_pid > 0)
		kill((pid_t)child_pid, sig);
}

static int spawn_run(char **argv)
{
	struct sigaction sa, old_int, old_term;
	pid_t pid;
	int st;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		wkc__error("fork: %s", strerror(errno));
		return WKC__EXIT_USAGE;
	}
	if (pid == 0) {
		execv(wkc__self_exe(), argv);
		wkc__error("cannot run %s: %s", wkc__self_exe(), strerror(errno));
		_exit(WKC__EXIT_USAGE);
	}
	child_pid = pid;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = forward;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	child_pid = 0;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

static char *dir_name(const char *profile)
{
	char *s = wkc__xstrdup(profile);
	for (char *c = s; *c; c++)
		if (*c == ':')
			*c = '-';
	return s;
}

static void run_profile(const wkc__opts *o, const wkc__build_info *bi, const wkc__adapter_sel *sel,
			uint64_t seed, bool pressure, profile_run *pr)
{
	char *argv[40], seed_hex[32], mult[32], jobs[16];
	int n = 0;
	bool exists;
	const char *twin = wkc__profile_harness_path(&pr->p, bi, &exists);

	if (twin != NULL && !exists) {
		pr->not_run = wkc__profile_build_hint(&pr->p, bi);
		return;
	}
	if (pr->p.kind == WKC__PROF_VALGRIND && bi->sanitize[0] != '\0') {
		pr->not_run = wkc__xasprintf("profile %s needs the uninstrumented build", pr->p.name);
		return;
	}
	argv[n++] = (char *)wkc__exe_display;
	argv[n++] = "run";
	if (strcmp(sel->opt, "--builtin") == 0) {
		argv[n++] = "--builtin";
		argv[n++] = sel->value;
	} else {
		const char *lib = pr->p.kind == WKC__PROF_TSAN   ? o->adapter_tsan
				  : pr->p.kind == WKC__PROF_ASAN ? o->adapter_asan
								 : o->adapter;
		if (lib == NULL) {
			pr->not_run = wkc__xasprintf(
				"no %s given (the adapter built with -fsanitize=%s)",
				pr->p.kind == WKC__PROF_TSAN ? "--adapter-tsan" : "--adapter-asan",
				pr->p.kind == WKC__PROF_TSAN ? "thread" : "address,undefined");
			return;
		}
		argv[n++] = pr->p.kind == WKC__PROF_TSAN   ? "--adapter-tsan"
			    : pr->p.kind == WKC__PROF_ASAN ? "--adapter-asan"
							   : "--adapter";
		argv[n++] = (char *)lib;
	}
	snprintf(seed_hex, sizeof seed_hex, "0x%016llx", (unsigned long long)seed);
	argv[n++] = "--profile";
	argv[n++] = pr->p.name;
	argv[n++] = "--seed";
	argv[n++] = seed_hex;
	argv[n++] = "--out";
	argv[n++] = pr->dir;
	argv[n++] = pressure ? "--pressure" : "--no-pressure";
	argv[n++] = "--quiet";
	if (o->jobs) {
		snprintf(jobs, sizeof jobs, "%u", o->jobs);
		argv[n++] = "--jobs";
		argv[n++] = jobs;
	}
	if (o->multiplier > 0) {
		snprintf(mult, sizeof mult, "%g", o->multiplier);
		argv[n++] = "--timeout-multiplier";
		argv[n++] = mult;
	}
	if (o->resume)
		argv[n++] = "--resume";
	{
		char *junit = wkc__xasprintf("%s/junit.xml", pr->dir);
		argv[n++] = "--junit";
		argv[n++] = junit;
		argv[n] = NULL;
		fprintf(stderr, "wakerconf: certify: %s under %s\n", sel->a->name, pr->p.name);
		pr->rc = spawn_run(argv);
		free(junit);
	}
	if (pr->rc == WKC__EXIT_PASS || pr->rc == WKC__EXIT_FAIL) {
		wkc__run_header h;
		wkc__result *rs;
		size_t nrs;
		char err[600];
		char *path = wkc__xasprintf("%s/results.jsonl", pr->dir);
		if (wkc__results_read(path, NULL, &h, &rs, &nrs, err, sizeof err) == 0) {
			wkc__req_table_build(&pr->table, rs, nrs);
			pr->have_table = true;
			if (!wkc__results_any_ran(rs, nrs))
				pr->not_run = wkc__xasprintf("no check ran (every check was skipped)");
			wkc__results_free(rs, nrs);
			wkc__header_free(&h);
		} else {
			pr->not_run = wkc__xasprintf("results unreadable: %s", err);
		}
		free(path);
	} else if (pr->rc > 128) {
		pr->not_run = wkc__xasprintf("interrupted");
	} else {
		pr->not_run = wkc__xasprintf("the run failed to start (exit %d; see above)", pr->rc);
	}
}

/* Print the table; returns true when the adapter is certified. */
static bool verdict(wkc__buf *out, const wkc__adapter_sel *sel, profile_run *prs, int np)
{
	wkc__req_table ids = {0};
	bool certified = true;

	/* Rows: every id any profile reported, in the order of the first. */
	for (int k = 0; k < np; k++)
		for (size_t i = 0; prs[k].have_table && i < prs[k].table.n; i++)
			if (!wkc__req_table_find(&ids, prs[k].table.rows[i].id)) {
				ids.rows = wkc__xrealloc(ids.rows, (ids.n + 1) * sizeof *ids.rows);
				ids.rows[ids.n] = prs[k].table.rows[i];
				ids.rows[ids.n].id = wkc__xstrdup(prs[k].table.rows[i].id);
				ids.rows[ids.n].why = NULL;
				ids.n++;
			}
	wkc__buf_printf(out, "\ncertify: adapter %s %s (%s)\n\n  %-14s %-6s", sel->a->name,
			sel->a->version, sel->header, "requirement", "level");
	for (int k = 0; k < np; k++)
		wkc__buf_printf(out, " %-10s", prs[k].p.name);
	wkc__buf_puts(out, " summary\n");
	for (size_t i = 0; i < ids.n; i++) {
		wkc__buf_printf(out, "  %-14s %-6s", ids.rows[i].id, ids.rows[i].level);
		for (int k = 0; k < np; k++) {
			const wkc__req_row *r =
				prs[k].have_table ? wkc__req_table_find(&prs[k].table, ids.rows[i].id) : NULL;
			wkc__buf_printf(out, " %-10s",
					r ? (r->v == WKC__V_NOT_TESTED ? "NOT-TESTED" : wkc__verdict_word(r->v))
					  : "not-run");
		}
		wkc__buf_printf(out, " %.60s\n", ids.rows[i].summary);
	}
	wkc__buf_printf(out, "\n");
	for (int k = 0; k < np; k++) {
		char label[160];
		wkc__buf_printf(out, "  %s certifies %s\n",
				wkc__profile_label(&prs[k].p, sel->a->caps, label, sizeof label),
				wkc__profile_certifies(&prs[k].p));
	}
	wkc__buf_printf(out, "\n");
	for (int k = 0; k < np; k++) {
		wkc__trust trust = wkc__profile_trust(&prs[k].p, sel->a->caps);
		if (prs[k].not_run) {
			certified = false;
			wkc__buf_printf(out, "  %s: not certified under %s: %s\n", sel->a->name,
					prs[k].p.name, prs[k].not_run);
		} else if (trust == WKC__TRUST_ADVISORY) {
			/* Shown, never silently part of the certificate. */
			wkc__buf_printf(out,
					"  %s: %s is advisory and not part of the certificate: %zu MUST "
					"requirement(s) failed under it, but %s cannot see the C11 atomics "
					"of an adapter that does not claim WKC_CAP_ANNOTATED (results %s)\n",
					sel->a->name, prs[k].p.name,
					wkc__req_table_must_failures(&prs[k].table), prs[k].p.tool,
					prs[k].dir);
		} else if (wkc__req_table_must_failures(&prs[k].table) > 0) {
			certified = false;
			wkc__buf_printf(out, "  %s: %zu MUST requirement(s) failed under %s (results %s)\n",
					sel->a->name, wkc__req_table_must_failures(&prs[k].table),
					prs[k].p.name, prs[k].dir);
		}
	}
	wkc__buf_printf(out, "%s: %s %s\n", certified ? "CERTIFIED" : "NOT CERTIFIED", sel->a->name,
			sel->a->version);
	wkc__req_table_free(&ids);
	return certified;
}

int wkc__certify(const wkc__opts *o, const wkc__build_info *bi)
{
	const char *out = o->out ? o->out : DEFAULT_OUT;
	const char *plist = o->profiles ? o->profiles : "default,tsan";
	wkc__profile profiles[MAX_PROFILES];
	int np = 0, rc = WKC__EXIT_PASS;
	bool all_certified = true;
	uint64_t seed;
	bool pressure = o->pressure != 0; /* on unless --no-pressure */
	const char **names;
	size_t nnames = 0;
	wkc__buf text = {0};

	{
		char *copy = wkc__xstrdup(plist), *save = NULL, err[300];
		for (char *s = strtok_r(copy, ",", &save); s; s = strtok_r(NULL, ",", &save)) {
			if (np == MAX_PROFILES || wkc__profile_parse(s, &profiles[np], err, sizeof err) != 0) {
				wkc__error("certify: %s", np == MAX_PROFILES ? "too many profiles" : err);
				free(copy);
				return WKC__EXIT_USAGE;
			}
			np++;
		}
		free(copy);
		if (np == 0) {
			wkc__error("certify: --profiles is empty");
			return WKC__EXIT_USAGE;
		}
	}
	if (wkc__builtins_validate() != 0)
		return WKC__EXIT_USAGE;
	if (o->seed_set) {
		seed = o->seed;
	} else {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = wkc__mix64((uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)getpid());
	}
	names = wkc__xcalloc(wkc_builtin_adapter_count + 1, sizeof *names);
	if (o->builtin && strcmp(o->builtin, "all") == 0) {
		for (size_t i = 0; i < wkc_builtin_adapter_count; i++)
			names[nnames++] = wkc_builtin_adapter_list[i]->name;
	} else {
		names[nnames++] = o->builtin; /* NULL: the --adapter library */
	}
	if (!o->builtin && !o->adapter) {
		wkc__error("certify: give --builtin NAME|all, or --adapter PATH (plus --adapter-tsan "
			   "PATH for the tsan profile)");
		free(names);
		return WKC__EXIT_USAGE;
	}
	fprintf(stderr, "wakerconf: certify: seed 0x%016llx, profiles %s, pressure %s\n",
		(unsigned long long)seed, plist, pressure ? "on" : "off");

	for (size_t a = 0; a < nnames; a++) {
		wkc__adapter_sel sel;
		profile_run prs[MAX_PROFILES];
		wkc__profile def;
		char err[8];
		int r;
		wkc__profile_parse("default", &def, err, sizeof err);
		/* The default build of the adapter names it. */
		r = wkc__adapter_select(o, &def, names[a], &sel);
		if (r != 0) {
			rc = r;
			all_certified = false;
			continue;
		}
		memset(prs, 0, sizeof prs);
		for (int k = 0; k < np; k++) {
			char *pd = dir_name(profiles[k].name);
			prs[k].p = profiles[k];
			prs[k].dir = wkc__xasprintf("%s/%s/%s", out, sel.a->name, pd);
			free(pd);
			run_profile(o, bi, &sel, seed, pressure, &prs[k]);
			if (prs[k].rc > 128) {
				wkc__error("certify interrupted; run it again with --resume to continue");
				return prs[k].rc;
			}
			if (prs[k].rc == WKC__EXIT_USAGE)
				rc = WKC__EXIT_USAGE;
			if (prs[k].not_run && prs[k].rc != WKC__EXIT_USAGE)
				wkc__warn("%s: not certified under %s: %s", sel.a->name, prs[k].p.name,
					  prs[k].not_run);
		}
		all_certified &= verdict(&text, &sel, prs, np);
		for (int k = 0; k < np; k++) {
			free(prs[k].dir);
			free(prs[k].not_run);
			if (prs[k].have_table)
				wkc__req_table_free(&prs[k].table);
		}
		wkc__adapter_sel_free(&sel);
	}
	if (nnames > 1)
		wkc__buf_printf(&text, "\n%s (%zu adapters)\n",
				all_certified ? "CERTIFIED" : "NOT CERTIFIED", nnames);
	if (text.s) {
		char *path = wkc__xasprintf("%s/certify.txt", out);
		FILE *f;
		fputs(text.s, stdout);
		fflush(stdout);
		wkc__mkdirs(out);
		f = fopen(path, "w");
		if (f) {
			fputs(text.s, f);
			fclose(f);
		}
		free(path);
	}
	wkc__buf_free(&text);
	free(names);
	if (rc == WKC__EXIT_USAGE)
		return rc;
	return all_certified ? WKC__EXIT_PASS : WKC__EXIT_FAIL;
}
