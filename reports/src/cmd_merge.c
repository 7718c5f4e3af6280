/*
 * cmd_merge.c - `wakerconf merge SHARD_DIR... -o OUT`: the results of
 * `run --shard i/n` made on several machines (same adapter, profile, seed,
 * pressure and harness) into one results directory and one verdict.
 * Mismatched inputs are refused with the field that differs; a check
 * present in two shards means the shards overlap and is refused too.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_cmd.h"
#include "requirements.h"
#include "results_jsonl.h"
#include "summary.h"
#include "util.h"
#include "wkc/registry.h"

static void help(FILE *f)
{
	fputs("usage: wakerconf merge SHARD_DIR... -o OUT [--quiet]\n"
	      "\n"
	      "Combines the results directories of `wakerconf run --shard I/N` runs (made\n"
	      "on different machines with the same adapter, profile, seed and pressure)\n"
	      "into OUT: one results.jsonl, summary.txt, and the logs, sanitizer reports\n"
	      "and Valgrind XML of every shard; then prints the verdict of the whole run.\n"
	      "Refuses shards that differ in adapter, profile, seed, pressure, timeout\n"
	      "multiplier, harness version or build, and shards that overlap.  --quiet\n"
	      "leaves out the line saying what was merged.\n"
	      "\n"
	      "exit code: 0 every MUST requirement that applies passed, 1 one failed,\n"
	      "2 usage errors or mismatched inputs.\n",
	      f);
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* The first header field in which b differs from a, or NULL. */
static const char *mismatch(const wkc__run_header *a, const wkc__run_header *b, char *va, char *vb, size_t n)
{
	struct {
		const char *name, *x, *y;
	} s[] = {
		{"adapter", a->adapter, b->adapter},
		{"profile", a->profile, b->profile},
		{"harness_version", a->harness_version, b->harness_version},
		{"build", a->build, b->build},
		{"adapter_version", a->adapter_version, b->adapter_version},
	};
	for (size_t i = 0; i < sizeof s / sizeof *s; i++)
		if (strcmp(nz(s[i].x), nz(s[i].y)) != 0) {
			snprintf(va, n, "%s", nz(s[i].x));
			snprintf(vb, n, "%s", nz(s[i].y));
			return s[i].name;
		}
	if (a->seed != b->seed) {
		snprintf(va, n, "0x%016llx", (unsigned long long)a->seed);
		snprintf(vb, n, "0x%016llx", (unsigned long long)b->seed);
		return "seed";
	}
	if (a->pressure != b->pressure) {
		snprintf(va, n, "%s", a->pressure ? "on" : "off");
		snprintf(vb, n, "%s", b->pressure ? "on" : "off");
		return "pressure";
	}
	if (a->multiplier != b->multiplier) {
		snprintf(va, n, "%g", a->multiplier);
		snprintf(vb, n, "%g", b->multiplier);
		return "timeout_multiplier";
	}
	return NULL;
}

static int copy_file(const char *from, const char *to)
{
	int in = open(from, O_RDONLY | O_CLOEXEC | O_NOFOLLOW), outfd;
	char buf[65536];
	ssize_t r;
	if (in < 0)
		return -1;
	outfd = open(to, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (outfd < 0) {
		close(in);
		return -1;
	}
	while ((r = read(in, buf, sizeof buf)) > 0)
		if (write(outfd, buf, (size_t)r) != r) {
			r = -1;
			break;
		}
	close(in);
	if (close(outfd) != 0 || r < 0)
		return -1;
	return 0;
}

/* Copy the files of SHARD/sub into OUT/sub: regular files with plain names only. */
static int copy_sub(const char *shard, const char *out, const char *sub)
{
	char *from = wkc__xasprintf("%s/%s", shard, sub), *to = wkc__xasprintf("%s/%s", out, sub);
	DIR *d = opendir(from);
	struct dirent *e;
	int rc = 0;
	if (d == NULL) {
		free(from);
		free(to);
		return 0;
	}
	wkc__mkdirs(to);
	while ((e = readdir(d)) != NULL && rc == 0) {
		char *a, *b;
		struct stat st;
		if (e->d_name[0] == '.')
			continue;
		a = wkc__xasprintf("%s/%s", from, e->d_name);
		b = wkc__xasprintf("%s/%s", to, e->d_name);
		if (lstat(a, &st) == 0 && S_ISREG(st.st_mode) && copy_file(a, b) != 0) {
			/* The same Valgrind suppression file is in every shard. */
			if (!(errno == EEXIST && strcmp(e->d_name, "wkc-valgrind.supp") == 0)) {
				wkc__error("merge: cannot copy %s to %s: %s", a, b, strerror(errno));
				rc = -1;
			}
		}
		free(a);
		free(b);
	}
	closedir(d);
	free(from);
	free(to);
	return rc;
}

int wkc__cmd_merge(int argc, char **argv)
{
	const char *out = NULL;
	char **dirs = NULL;
	size_t nd = 0, nall = 0;
	bool quiet = false;
	wkc__run_header *hs = NULL;
	wkc__result **rss = NULL, *all = NULL;
	size_t *ns = NULL;
	int rc = WKC__EXIT_USAGE;
	char err[700];

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help(stdout);
			return WKC__EXIT_PASS;
		} else if (!strcmp(argv[i], "-o") || !strcmp(argv[i], "--out")) {
			if (i + 1 >= argc) {
				wkc__error("merge: %s needs a directory", argv[i]);
				return WKC__EXIT_USAGE;
			}
			out = argv[++i];
		} else if (!strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (argv[i][0] == '-') {
			wkc__error("merge: unknown option '%s'", argv[i]);
			help(stderr);
			return WKC__EXIT_USAGE;
		} else {
			dirs = wkc__xrealloc(dirs, (nd + 1) * sizeof *dirs);
			dirs[nd++] = argv[i];
		}
	}
	if (out == NULL || nd == 0) {
		wkc__error("merge: give the shards' results directories and -o OUT");
		help(stderr);
		free(dirs);
		return WKC__EXIT_USAGE;
	}
	hs = wkc__xcalloc(nd, sizeof *hs);
	rss = wkc__xcalloc(nd, sizeof *rss);
	ns = wkc__xcalloc(nd, sizeof *ns);
	for (size_t i = 0; i < nd; i++) {
		char *p = wkc__xasprintf("%s/results.jsonl", dirs[i]);
		char va[200], vb[200];
		const char *field;
		int r = wkc__results_read(p, NULL, &hs[i], &rss[i], &ns[i], err, sizeof err);
		free(p);
		if (r != 0) {
			wkc__error("merge: %s", err);
			goto done;
		}
		if (i > 0 && (field = mismatch(&hs[0], &hs[i], va, vb, sizeof va)) != NULL) {
			wkc__error("merge: %s and %s are not shards of one run: %s differs ('%s' vs '%s')",
				   dirs[0], dirs[i], field, va, vb);
			goto done;
		}
		if (strcmp(dirs[i], out) == 0) {
			wkc__error("merge: the output directory %s is also an input", out);
			goto done;
		}
	}
	/* Every check exactly once. */
	for (size_t i = 0; i < nd; i++)
		nall += ns[i];
	all = wkc__xcalloc(nall + 1, sizeof *all);
	nall = 0;
	{
		size_t cap = 64;
		struct { const char *check; size_t shard; } *tab;
		while (cap < 2 * (nall + 1) || cap < 4 * 1024)
			cap *= 2;
		for (size_t i = 0; i < nd; i++)
			while (cap < 2 * (ns[i] * nd + 1))
				cap *= 2;
		tab = wkc__xcalloc(cap, sizeof *tab);
		for (size_t i = 0; i < nd; i++)
			for (size_t k = 0; k < ns[i]; k++) {
				const char *c = rss[i][k].check;
				size_t h = (size_t)wkc__fnv1a64(c) & (cap - 1);
				while (tab[h].check && strcmp(tab[h].check, c) != 0)
					h = (h + 1) & (cap - 1);
				if (tab[h].check) {
					wkc__error("merge: check %s is in both %s and %s: the shards overlap (were they "
						   "made with the same --shard N?)", c, dirs[tab[h].shard], dirs[i]);
					free(tab);
					goto done;
				}
				tab[h].check = c;
				tab[h].shard = i;
				all[nall++] = rss[i][k];
			}
		free(tab);
	}
	{
		char *p = wkc__xasprintf("%s/results.jsonl", out);
		wkc__results_file f = {-1, NULL};
		struct stat st;
		if (stat(p, &st) == 0) {
			wkc__error("merge: %s already exists; merge into a new directory", p);
			free(p);
			goto done;
		}
		if (wkc__mkdirs(out) != 0 || wkc__results_create(&f, p, &hs[0], err, sizeof err) != 0) {
			wkc__error("merge: %s", errno ? strerror(errno) : err);
			free(p);
			goto done;
		}
		for (size_t i = 0; i < nall; i++)
			if (wkc__results_append(&f, &all[i]) != 0) {
				wkc__results_close(&f);
				free(p);
				goto done;
			}
		wkc__results_close(&f);
		free(p);
	}
	for (size_t i = 0; i < nd; i++)
		if (copy_sub(dirs[i], out, "logs") || copy_sub(dirs[i], out, "san") || copy_sub(dirs[i], out, "vg"))
			goto done;
	{
		wkc__req_table t;
		char *rp = wkc__xasprintf("%s/results.jsonl", out), *sp = wkc__xasprintf("%s/summary.txt", out);
		wkc__summary_info in = {
			.adapter = hs[0].adapter, .adapter_name = hs[0].adapter_name,
			.adapter_version = hs[0].adapter_version, .profile = hs[0].profile,
			.seed = (unsigned long long)hs[0].seed, .pressure = hs[0].pressure,
			.seconds = 0, .results_path = rp, .out_dir = out, .exe = "wakerconf",
		};
		FILE *f = fopen(sp, "w");
		size_t missing = 0;
		wkc__req_table_build(&t, all, nall);
		if (f) {
			wkc__summary_print(f, &in, all, nall, &t, false);
			fclose(f);
		}
		/* Checks of this harness with no result in any shard: a shard is missing. */
		for (size_t c = 0; c < wkc_check_count; c++) {
			bool found = false;
			for (size_t i = 0; i < nall && !found; i++)
				found = strcmp(all[i].check, wkc_check_list[c].name) == 0;
			missing += !found;
		}
		if (!quiet)
			fprintf(stderr, "wakerconf: merge: %zu results from %zu shard%s into %s\n", nall, nd,
				nd == 1 ? "" : "s", out);
		if (missing)
			wkc__warn("merge: %zu check%s of this harness %s no result in any shard (a shard is "
				  "missing, or the shards were filtered): their ids show NOT TESTED",
				  missing, missing == 1 ? "" : "s", missing == 1 ? "has" : "have");
		/* The failing checks and the verdict line; the whole summary is in summary.txt. */
		wkc__summary_print(stdout, &in, all, nall, &t, true);
		rc = wkc__req_table_must_failures(&t) > 0 ? WKC__EXIT_FAIL : WKC__EXIT_PASS;
		wkc__req_table_free(&t);
		free(rp);
		free(sp);
	}
done:
	/* all[] holds shallow copies of the shards' results: free those once. */
	free(all);
	for (size_t i = 0; i < nd; i++) {
		if (rss)
			wkc__results_free(rss[i], ns[i]);
		if (hs)
			wkc__header_free(&hs[i]);
	}
	free(hs);
	free(rss);
	free(ns);
	free(dirs);
	return rc;
}
