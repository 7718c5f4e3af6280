/*
 * campaign.c - a fuzz campaign: DIR/campaign.json and DIR/crashes/.
 *
 * The format fuzz/campaign writes is documented in fuzz/README.md
 * ("wakerconf-fuzz-campaign/1"); anything else is read tolerantly
 * (reports/README.md lists what it accepts): any of several names for each
 * figure, missing fields default to nothing shown, unknown fields are
 * ignored, and a sample that is not an object is reported and skipped.
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

/* fuzz/campaign's format (schema "wakerconf-fuzz-campaign/1"): one campaign
 * per target; the timeline is the main instance's AFL++ plot rows
 * [relative_time, total_execs, corpus_count, map_size %, saved_crashes,
 * edges_found]; exec/s is the slope of total_execs between rows. */
static void from_targets(const wkc__json *j, const char *name, wkc__campaign **cs, size_t *n,
			 wkc__buf *diag)
{
	const wkc__json *ts = wkc__json_get(j, "targets");
	for (size_t i = 0; ts && ts->kind == WKC__J_OBJ && i < ts->n; i++) {
		const wkc__json *t = &ts->items[i], *inst = wkc__json_get(t, "instances"), *plot = NULL;
		const wkc__json *uc = wkc__json_get(t, "unique_crashes");
		wkc__campaign *c;
		*cs = wkc__xrealloc(*cs, (*n + 1) * sizeof **cs);
		c = &(*cs)[(*n)++];
		memset(c, 0, sizeof *c);
		c->name = wkc__xasprintf("%s: %s", wkc__json_get_str(j, "state", "?"), ts->keys[i]);
		c->target = wkc__xstrdup(ts->keys[i]);
		c->engine = wkc__xstrdup("AFL++");
		c->seconds = wkc__json_get_num(j, "minutes", 0) * 60;
		for (size_t k = 0; inst && inst->kind == WKC__J_ARR && k < inst->n; k++) {
			const wkc__json *p = wkc__json_get(&inst->items[k], "plot");
			if (p && p->kind == WKC__J_ARR && (plot == NULL || !strcmp(wkc__json_get_str(&inst->items[k], "name", ""), "main")))
				plot = p;
		}
		for (size_t k = 0; plot && k < plot->n; k++) {
			const wkc__json *row = &plot->items[k];
			wkc__fuzz_point pt = {0};
			double v[6] = {0};
			if (row->kind != WKC__J_ARR || row->n < 6) {
				wkc__diag(diag, name, 1, "target %.80s: plot row %zu is not six numbers; skipped", ts->keys[i], k);
				continue;
			}
			for (int q = 0; q < 6; q++)
				v[q] = row->items[q].kind == WKC__J_NUM ? row->items[q].num : 0;
			pt.t = v[0];
			pt.corpus = v[2];
			pt.crashes = v[4];
			pt.coverage = v[5];
			pt.execs_per_s = -1;
			if (c->npts > 0 && v[0] > c->pts[c->npts - 1].t)
				pt.execs_per_s = (v[1] - c->pts[c->npts - 1].execs_per_s_base) / (v[0] - c->pts[c->npts - 1].t);
			pt.execs_per_s_base = v[1];
			c->pts = wkc__xrealloc(c->pts, (c->npts + 1) * sizeof *c->pts);
			c->pts[c->npts++] = pt;
		}
		for (size_t k = 0; uc && uc->kind == WKC__J_ARR && k < uc->n; k++) {
			const wkc__json *u = &uc->items[k];
			wkc__fuzz_crash *fc;
			const char *in = wkc__json_get_str(u, "input", "?"), *base = strrchr(in, '/');
			c->crashes = wkc__xrealloc(c->crashes, (c->ncrashes + 1) * sizeof *c->crashes);
			fc = &c->crashes[c->ncrashes++];
			memset(fc, 0, sizeof *fc);
			fc->file = wkc__xstrdup(base ? base + 1 : in);
			fc->target = wkc__xstrdup(ts->keys[i]);
			fc->report_path = wkc__json_get_str(u, "report", NULL) ? wkc__xstrdup(wkc__json_get_str(u, "report", NULL)) : NULL;
			fc->signature = wkc__xstrdup(wkc__json_get_str(u, "signature", ""));
		}
	}
}

static int parse_generic(const wkc__json *j, const char *name, wkc__campaign *c, wkc__buf *diag);

int wkc__campaign_parse(const char *buf, size_t len, const char *name, wkc__campaign **cs, size_t *n,
			wkc__buf *diag)
{
	char *text;
	wkc__json *j;
	int rc = 0;
	text = wkc__xmalloc(len + 1);
	memcpy(text, buf, len);
	text[len] = '\0';
	j = strlen(text) == len ? wkc__json_parse(text) : NULL;
	free(text);
	if (j == NULL || j->kind != WKC__J_OBJ) {
		wkc__diag(diag, name, 1, "not a JSON object (campaign.json unreadable or cut short)");
		wkc__json_free(j);
		return -1;
	}
	if (wkc__json_get(j, "targets") != NULL) {
		from_targets(j, name, cs, n, diag);
	} else {
		wkc__campaign c;
		rc = parse_generic(j, name, &c, diag);
		if (rc == 0) {
			*cs = wkc__xrealloc(*cs, (*n + 1) * sizeof **cs);
			(*cs)[(*n)++] = c;
		}
	}
	wkc__json_free(j);
	return rc;
}

/* Anything else: the tolerant reader of reports/README.md. */
static int parse_generic(const wkc__json *j, const char *name, wkc__campaign *c, wkc__buf *diag)
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
	const wkc__json *series;

	memset(c, 0, sizeof *c);
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
	return 0;
}

static bool safe_name(const char *n)
{
	return n[0] != '.' && strchr(n, '/') == NULL;
}

/* Parse a crash's sanitizer output.  fuzz/campaign writes its paths as
 * "OUT/<target>/triage/...", OUT as it was given: absolute, relative to where
 * the campaign ran, or (read elsewhere) the campaign directory itself. */
static void crash_report(wkc__fuzz_crash *fc, const char *dir, const char *path, wkc__buf *diag)
{
	const char *slash = strchr(path, '/');
	char *cands[3] = {
		wkc__xstrdup(path),
		path[0] == '/' ? NULL : wkc__xasprintf("%s/%s", dir, path),
		path[0] == '/' || slash == NULL ? NULL : wkc__xasprintf("%s/%s", dir, slash + 1),
	};
	bool found = false;
	for (int i = 0; i < 3; i++) {
		size_t ll;
		char *log;
		if (cands[i] == NULL || found)
			continue;
		if ((log = wkc__read_file(cands[i], &ll)) != NULL) {
			wkc__san_parse_any(log, ll, cands[i], &fc->reports, diag);
			free(log);
			found = true;
		}
	}
	if (!found)
		wkc__diag(diag, path, 0, "crash report of %s not found (looked in %s)", fc->file, dir);
	for (int i = 0; i < 3; i++)
		free(cands[i]);
}

/* Move each crash's reports into the campaign's groups; the crash keeps its
 * first report's tool and kind for the table. */
static void group_crashes(wkc__campaign *c)
{
	for (size_t k = 0; k < c->ncrashes; k++) {
		wkc__fuzz_crash *fc = &c->crashes[k];
		for (size_t i = 0; i < fc->reports.n; i++) {
			wkc__hit h = {.run = c->name, .check = fc->file, .file = fc->file, .line = fc->reports.r[i].line};
			wkc__san_report keep = {0};
			keep.tool = wkc__xstrdup(fc->reports.r[i].tool);
			keep.kind = wkc__xstrdup(fc->reports.r[i].kind);
			wkc__groups_add(&c->groups, &fc->reports.r[i], &h);
			fc->reports.r[i] = keep;
		}
	}
}

int wkc__campaign_load(const char *dir, wkc__campaign **cs, size_t *n, wkc__buf *diag)
{
	size_t len, first = *n;
	char *path = wkc__xasprintf("%s/campaign.json", dir);
	char *text = wkc__read_file(path, &len);
	int rc;

	if (text == NULL) {
		wkc__diag(diag, path, 0, "cannot read: %s", strerror(errno));
		free(path);
		return -1;
	}
	rc = wkc__campaign_parse(text, len, path, cs, n, diag);
	free(text);
	free(path);
	if (rc != 0)
		return rc;
	for (size_t i = first; i < *n; i++) {
		wkc__campaign *c = &(*cs)[i];
		c->dir = wkc__xstrdup(dir);
		for (size_t k = 0; k < c->ncrashes; k++)
			if (c->crashes[k].report_path)
				crash_report(&c->crashes[k], dir, c->crashes[k].report_path, diag);
		if (c->ncrashes == 0) {
			/* No triage in the file: the crash directory, each input's
			 * sanitizer output beside it as NAME.log / NAME.txt. */
			char *cdir = wkc__xasprintf("%s/crashes", dir);
			DIR *d = opendir(cdir);
			struct dirent *e;
			while (d && (e = readdir(d)) != NULL) {
				const char *nm = e->d_name;
				size_t nl = strlen(nm);
				wkc__fuzz_crash *fc;
				if (!safe_name(nm) || (nl > 4 && (!strcmp(nm + nl - 4, ".log") || !strcmp(nm + nl - 4, ".txt"))))
					continue;
				c->crashes = wkc__xrealloc(c->crashes, (c->ncrashes + 1) * sizeof *c->crashes);
				fc = &c->crashes[c->ncrashes++];
				memset(fc, 0, sizeof *fc);
				fc->file = wkc__xstrdup(nm);
				fc->target = wkc__xstrdup(c->target);
				for (int k = 0; k < 2; k++) {
					char *lp = wkc__xasprintf("crashes/%s%s", nm, k ? ".txt" : ".log");
					crash_report(fc, dir, lp, diag);
					free(lp);
				}
			}
			if (d)
				closedir(d);
			free(cdir);
		}
		group_crashes(c);
	}
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
		free(c->crashes[i].report_path);
		free(c->crashes[i].signature);
		wkc__san_list_free(&c->crashes[i].reports);
	}
	free(c->crashes);
	wkc__groups_free(&c->groups);
	memset(c, 0, sizeof *c);
}
