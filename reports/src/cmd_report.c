/* cmd_report.c - `wakerconf report RESULTS_DIR... -o DIR`. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "html.h"
#include "model.h"
#include "pages.h"
#include "report_cmd.h"
#include "writers.h"

#ifndef WKC_SPEC_DIR
#define WKC_SPEC_DIR ""
#endif
#ifndef WKC_SPEC_INSTALL_DIR
#define WKC_SPEC_INSTALL_DIR ""
#endif

static void help(FILE *f)
{
	fputs("usage: wakerconf report RESULTS_DIR... -o DIR [--baseline DIR] [--fuzz DIR]...\n"
	      "                        [--certify FILE] [--spec DIR] [--source-map FROM=TO]\n"
	      "                        [--no-sources] [--quiet]\n"
	      "\n"
	      "Writes a self-contained static site into DIR (index.html: executor, profiles,\n"
	      "seeds and the requirement matrix; races.html: each distinct race with both\n"
	      "accesses side by side; memory.html; failures.html; fuzz.html; history.html;\n"
	      "spec.html), plus report.json and report.sarif (SARIF 2.1.0).  Sanitizer and\n"
	      "Valgrind reports are deduplicated: a race by its pair of access sites, any\n"
	      "other report by its kind and top frames.\n"
	      "\n"
	      "  RESULTS_DIR      a `run` output directory (with results.jsonl), or a\n"
	      "                   directory holding such directories (a `certify` output)\n"
	      "  -o, --out DIR    where to write the report (created)\n"
	      "  --baseline DIR   an earlier report: history.html lists new, fixed and\n"
	      "                   still-present races and failures\n"
	      "  --fuzz DIR       a fuzz campaign directory (campaign.json, crashes/)\n"
	      "  --certify FILE   the certify.txt of the certification the runs belong to,\n"
	      "                   shown on the overview (found by itself in a certify\n"
	      "                   output directory given as RESULTS_DIR)\n"
	      "  --spec DIR       the spec/ directory whose texts the ids link to\n"
	      "  --source-map FROM=TO\n"
	      "                   read sources printed under FROM from TO (results made in\n"
	      "                   another checkout or on another machine)\n"
	      "  --no-sources     no source snippets around stack frames\n"
	      "  --quiet          print only the path of index.html\n"
	      "\n"
	      "exit code: 0 the report was written (whatever the verdict: see index.html),\n"
	      "2 usage errors or no readable results directory.\n",
	      f);
}

static bool is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* DIR itself when it holds results.jsonl, else its subdirectories that do,
 * two levels down (certify writes OUT/<adapter>/<profile>/). */
static void expand(const char *dir, int depth, char ***out, size_t *n)
{
	char *rj = wkc__xasprintf("%s/results.jsonl", dir);
	DIR *d;
	struct dirent *e;
	char **subs = NULL;
	size_t ns = 0;
	if (is_file(rj)) {
		free(rj);
		*out = wkc__xrealloc(*out, (*n + 1) * sizeof **out);
		(*out)[(*n)++] = wkc__xstrdup(dir);
		return;
	}
	free(rj);
	if (depth == 0 || (d = opendir(dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char *p;
		if (e->d_name[0] == '.')
			continue;
		p = wkc__xasprintf("%s/%s", dir, e->d_name);
		if (is_dir(p)) {
			subs = wkc__xrealloc(subs, (ns + 1) * sizeof *subs);
			subs[ns++] = p;
		} else {
			free(p);
		}
	}
	closedir(d);
	if (ns > 1) /* qsort wants a non-NULL array even for none */
		qsort(subs, ns, sizeof *subs, cmp_str);
	for (size_t i = 0; i < ns; i++) {
		expand(subs[i], depth - 1, out, n);
		free(subs[i]);
	}
	free(subs);
}

static const char *find_spec(const char *given)
{
	static const char *const cands[] = {WKC_SPEC_DIR, WKC_SPEC_INSTALL_DIR};
	char *p;
	if (given)
		return given;
	for (size_t i = 0; i < 2; i++) {
		if (cands[i][0] == '\0')
			continue;
		p = wkc__xasprintf("%s/executor.md", cands[i]);
		if (is_file(p)) {
			free(p);
			return cands[i];
		}
		free(p);
	}
	return NULL;
}

static int write_one(const char *dir, const char *name, const wkc__buf *b)
{
	if (wkc__html_write(dir, name, b) != 0) {
		wkc__error("report: cannot write %s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	return 0;
}

int wkc__cmd_report(int argc, char **argv)
{
	const char *out = NULL, *baseline = NULL, *spec = NULL, *certify = NULL, *smap = NULL;
	char *smap_from = NULL;
	char **inputs = NULL, **dirs = NULL, **fuzz = NULL;
	size_t nin = 0, ndirs = 0, nfuzz = 0;
	bool quiet = false, sources = true;
	wkc__model m;
	int rc = WKC__EXIT_USAGE;
	double t0 = wkc__now_ms();

	memset(&m, 0, sizeof m);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			help(stdout);
			rc = WKC__EXIT_PASS;
			goto done;
		}
		if (!strcmp(a, "-o") || !strcmp(a, "--out"))
			slot = &out;
		else if (!strcmp(a, "--baseline"))
			slot = &baseline;
		else if (!strcmp(a, "--spec"))
			slot = &spec;
		else if (!strcmp(a, "--certify"))
			slot = &certify;
		else if (!strcmp(a, "--source-map"))
			slot = &smap;
		if (slot || !strcmp(a, "--fuzz")) {
			if (i + 1 >= argc) {
				wkc__error("report: %s needs a directory", a);
				help(stderr);
				goto done;
			}
			if (slot) {
				*slot = argv[++i];
			} else {
				fuzz = wkc__xrealloc(fuzz, (nfuzz + 1) * sizeof *fuzz);
				fuzz[nfuzz++] = argv[++i];
			}
		} else if (!strcmp(a, "--quiet")) {
			quiet = true;
		} else if (!strcmp(a, "--no-sources")) {
			sources = false;
		} else if (a[0] == '-' && a[1] != '\0') {
			wkc__error("report: unknown option '%s'", a);
			help(stderr);
			goto done;
		} else {
			inputs = wkc__xrealloc(inputs, (nin + 1) * sizeof *inputs);
			inputs[nin++] = argv[i];
		}
	}
	if (out == NULL || (nin == 0 && nfuzz == 0)) {
		wkc__error("report: give at least one results directory and -o DIR");
		help(stderr);
		goto done;
	}
	for (size_t i = 0; i < nin; i++) {
		size_t before = ndirs;
		char *ct = wkc__xasprintf("%s/certify.txt", inputs[i]);
		if (certify == NULL && is_file(ct))
			certify = inputs[i];
		free(ct);
		expand(inputs[i], 2, &dirs, &ndirs);
		if (ndirs == before)
			wkc__diag(&m.diag, inputs[i], 0, "no results.jsonl in it or in its subdirectories");
	}
	m.sources = sources;
	if (smap) {
		const char *eq = strchr(smap, '=');
		if (eq == NULL || eq == smap || eq[1] == '\0') {
			wkc__error("report: --source-map wants FROM=TO, not '%s'", smap);
			goto done;
		}
		smap_from = wkc__xstrdup(smap);
		smap_from[eq - smap] = '\0';
		m.src_from = smap_from;
		m.src_to = eq + 1;
	}
	if (certify) {
		size_t len;
		char *p = is_dir(certify) ? wkc__xasprintf("%s/certify.txt", certify) : wkc__xstrdup(certify);
		m.certify_text = wkc__read_file(p, &len);
		if (m.certify_text == NULL)
			wkc__diag(&m.diag, p, 0, "cannot read: %s", strerror(errno));
		else
			m.not_certified = strstr(m.certify_text, "NOT CERTIFIED") != NULL;
		free(p);
	}
	m.spec_dir = find_spec(spec);
	if (wkc__model_load_runs(&m, dirs, ndirs) != 0 && nfuzz == 0) {
		wkc__error("report: no readable results directory:");
		fputs(m.diag.s ? m.diag.s : "", stderr);
		goto done;
	}
	wkc__model_collect(&m);
	for (size_t i = 0; i < nfuzz; i++)
		wkc__model_add_campaign(&m, fuzz[i]);
	if (baseline && wkc__model_baseline(&m, baseline) != 0)
		wkc__warn("report: baseline %s unusable; history.html says so", baseline);
	if (wkc__mkdirs(out) != 0) {
		wkc__error("report: cannot create %s: %s", out, strerror(errno));
		goto done;
	}
	if (wkc__pages_write(&m, out) != 0)
		goto done;
	{
		wkc__buf j = {0}, s = {0};
		int w;
		wkc__report_json(&j, &m);
		wkc__report_sarif(&s, &m);
		w = write_one(out, "report.json", &j) | write_one(out, "report.sarif", &s);
		wkc__buf_free(&j);
		wkc__buf_free(&s);
		if (w != 0)
			goto done;
	}
	if (!quiet) {
		size_t nr = 0, nm = 0, nt = 0, lines = 0;
		for (size_t i = 0; i < m.groups.n; i++)
			(m.groups.g[i].cls == WKC__G_RACE ? &nr : m.groups.g[i].cls == WKC__G_MEMORY ? &nm : &nt)[0]++;
		fprintf(stderr,
			"wakerconf: report: %zu run%s, %s; %zu raw sanitizer/Valgrind report%s -> %zu distinct "
			"race%s, %zu memory error%s, %zu other; %zu failed check result%s; built in %.2f s\n",
			m.nruns, m.nruns == 1 ? "" : "s", m.verdict_fail ? "FAIL" : "PASS", m.raw_reports,
			m.raw_reports == 1 ? "" : "s", nr, nr == 1 ? "" : "s", nm, nm == 1 ? "" : "s", nt,
			m.nfails, m.nfails == 1 ? "" : "s", (wkc__now_ms() - t0) / 1000.0);
		for (const char *p = m.diag.s; p && *p && lines < 20; lines++) {
			const char *nl = strchr(p, '\n');
			fprintf(stderr, "wakerconf: report: input: %.*s\n", nl ? (int)(nl - p) : (int)strlen(p), p);
			p = nl ? nl + 1 : p + strlen(p);
		}
	}
	printf("%s/index.html\n", out);
	rc = WKC__EXIT_PASS;
done:
	for (size_t i = 0; i < ndirs; i++)
		free(dirs[i]);
	free(dirs);
	free(inputs);
	free(fuzz);
	free(smap_from);
	wkc__model_free(&m);
	return rc;
}
