/*
 * campaign.c - a fuzz campaign: DIR/campaign.json and DIR/crashes/.
 *
 * fuzz/ defines the schema (fuzz/README.md); until it is final this reader
 * is tolerant (reports/README.md lists what it accepts): any of several
 * names for each figure, missing fields default to nothing shown, unknown
 * fields are ignored, and a sample that is not an object is reported with
 * its line and skipped.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "json.h"
#include "runs.h"

static double num_any(const wkc__json *o, const char *const *keys, double dflt)
{
	for (; *keys; keys++) {
		const wkc__json *v = wkc__json_get(o, *keys);
		if (v && v->kind == WKC__J_NUM)
			return v->num;
	}
	return dflt;
}

static const char *str_any(const wkc__json *o, const char *const *keys, const char *dflt)
{
	for (; *keys; keys++) {
		const wkc__json *v = wkc__json_get(o, *keys);
		if (v && v->kind == WKC__J_STR)
			return v->str;
	}
	return dflt;
}

static const wkc__json *arr_any(const wkc__json *o, const char *const *keys)
{
	for (; *keys; keys++) {
		const wkc__json *v = wkc__json_get(o, *keys);
		if (v && v->kind == WKC__J_ARR)
			return v;
	}
	return NULL;
}

/* Line of the n-th '{' at depth 2 (a sample inside the timeline array): for diagnostics only. */
static size_t line_at(const char *buf, size_t len, size_t off)
{
	size_t line = 1;
	for (size_t i = 0; i < off && i < len; i++)
		line += buf[i] == '\n';
	return line;
}

int wkc__campaign_parse(const char *buf, size_t len, const char *name, wkc__campaign *c,
			wkc__buf *diag)
{
	static const char *const k_name[] = {"name", "campaign", NULL};
	static const char *const k_target[] = {"target", "fuzz_target", NULL};
	static const char *const k_engine[] = {"engine", "fuzzer", NULL};
	static const char *const k_secs[] = {"seconds", "duration_s", "duration", "elapsed_s", NULL};
	static const char *const k_series[] = {"timeline", "samples", "stats", "series", NULL};
	static const char *const k_t[] = {"t", "time", "elapsed_s", "seconds", NULL};
	static const char *const k_eps[] = {"execs_per_sec", "exec_per_s", "execs_per_s", "exec_s", NULL};
	static const char *const k_cov[] = {"coverage", "cov", "edges", "features", NULL};
	static const char *const k_corp[] = {"corpus", "corpus_size", "corpus_count", NULL};
	static const char *const k_crash[] = {"crashes", "crash_count", "unique_crashes", NULL};
	char *text;
	wkc__json *j;
	const wkc__json *series;

	memset(c, 0, sizeof *c);
	text = wkc__xmalloc(len + 1);
	memcpy(text, buf, len);
	text[len] = '\0';
	j = strlen(text) == len ? wkc__json_parse(text) : NULL;
	if (j == NULL || j->kind != WKC__J_OBJ) {
		/* The harness's JSON parser does not say where; find the first bad byte roughly. */
		size_t off = len;
		for (size_t i = 0; i < len; i++)
			if (text[i] == '\0') {
				off = i;
				break;
			}
		wkc__diag(diag, name, line_at(buf, len, off), "not a JSON object (campaign.json unreadable)");
		wkc__json_free(j);
		free(text);
		return -1;
	}
	c->name = wkc__xstrdup(str_any(j, k_name, name));
	c->target = wkc__xstrdup(str_any(j, k_target, "?"));
	c->engine = wkc__xstrdup(str_any(j, k_engine, "?"));
	c->seconds = num_any(j, k_secs, 0);
	series = arr_any(j, k_series);
	if (series == NULL)
		wkc__diag(diag, name, 1, "no timeline (none of timeline, samples, stats, series): no plots");
	for (size_t i = 0; series && i < series->n; i++) {
		const wkc__json *s = &series->items[i];
		wkc__fuzz_point p;
		if (s->kind != WKC__J_OBJ) {
			wkc__diag(diag, name, 1, "timeline entry %zu is not an object; skipped", i);
			continue;
		}
		p.t = num_any(s, k_t, (double)i);
		p.execs_per_s = num_any(s, k_eps, -1);
		p.coverage = num_any(s, k_cov, -1);
		p.corpus = num_any(s, k_corp, -1);
		p.crashes = num_any(s, k_crash, -1);
		c->pts = wkc__xrealloc(c->pts, (c->npts + 1) * sizeof *c->pts);
		c->pts[c->npts++] = p;
	}
	wkc__json_free(j);
	free(text);
	return 0;
}

static bool safe_name(const char *n)
{
	return n[0] != '.' && strchr(n, '/') == NULL;
}

int wkc__campaign_load(wkc__campaign *c, const char *dir, wkc__buf *diag)
{
	size_t len;
	char *path = wkc__xasprintf("%s/campaign.json", dir);
	char *text = wkc__read_file(path, &len);
	char *cdir;
	DIR *d;
	struct dirent *e;
	int rc;

	if (text == NULL) {
		wkc__diag(diag, path, 0, "cannot read: %s", strerror(errno));
		free(path);
		memset(c, 0, sizeof *c);
		return -1;
	}
	rc = wkc__campaign_parse(text, len, path, c, diag);
	free(text);
	free(path);
	if (rc != 0)
		return rc;
	c->dir = wkc__xstrdup(dir);
	cdir = wkc__xasprintf("%s/crashes", dir);
	d = opendir(cdir);
	while (d && (e = readdir(d)) != NULL) {
		/* A crash input is "crash-*" (libFuzzer) or "id:*" (AFL); its sanitizer
		 * output, when the campaign kept it, is beside it as NAME.log / .txt. */
		const char *n = e->d_name;
		size_t nl = strlen(n);
		wkc__fuzz_crash *fc;
		char *logp, *log;
		size_t ll;
		if (!safe_name(n) || (nl > 4 && (!strcmp(n + nl - 4, ".log") || !strcmp(n + nl - 4, ".txt"))))
			continue;
		c->crashes = wkc__xrealloc(c->crashes, (c->ncrashes + 1) * sizeof *c->crashes);
		fc = &c->crashes[c->ncrashes++];
		memset(fc, 0, sizeof *fc);
		fc->file = wkc__xstrdup(n);
		fc->target = wkc__xstrdup(c->target);
		for (int k = 0; k < 2; k++) {
			logp = wkc__xasprintf("%s/%s%s", cdir, n, k ? ".txt" : ".log");
			log = wkc__read_file(logp, &ll);
			if (log) {
				wkc__san_parse_any(log, ll, logp, &fc->reports, diag);
				free(log);
			}
			free(logp);
		}
		/* Move the reports into the groups; the crash keeps only a count. */
		for (size_t i = 0; i < fc->reports.n; i++) {
			wkc__hit h = {.run = c->name, .check = fc->file, .file = fc->file, .line = fc->reports.r[i].line};
			wkc__san_report keep = {0};
			keep.tool = wkc__xstrdup(fc->reports.r[i].tool);
			keep.kind = wkc__xstrdup(fc->reports.r[i].kind);
			wkc__groups_add(&c->groups, &fc->reports.r[i], &h);
			fc->reports.r[i] = keep;
		}
	}
	if (d)
		closedir(d);
	free(cdir);
	return 0;
}

void wkc__campaign_free(wkc__campaign *c)
{
	free(c->dir);
	free(c->name);
	free(c->target);
	free(c->engine);
	free(c->pts);
	for (size_t i = 0; i < c->ncrashes; i++) {
		free(c->crashes[i].file);
		free(c->crashes[i].target);
		wkc__san_list_free(&c->crashes[i].reports);
	}
	free(c->crashes);
	wkc__groups_free(&c->groups);
	memset(c, 0, sizeof *c);
}
