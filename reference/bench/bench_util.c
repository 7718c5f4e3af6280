/*
 * bench_util.c - timer, CPU pinning, option parsing, the interleaved
 * min-of-K driver and the table / JSON printers (see bench_util.h).
 */
#define _GNU_SOURCE /* sched_setaffinity, sched_getcpu */

#include "bench_util.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- time -------------------------------------------------------------- */

uint64_t wk_bench_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int wk_bench_pin_cpu(void)
{
	cpu_set_t set;
	int cpu = sched_getcpu();
	if (cpu < 0)
		return -1;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof set, &set) != 0)
		return -1;
	return cpu;
}

/* ---- options ----------------------------------------------------------- */

static void print_usage(FILE *out, const char *prog, const char *about)
{
	if (about != NULL)
		fprintf(out, "%s\n\n", about);
	fprintf(out,
		"usage: %s [--quick] [--json] [--list] [--case NAME]... [--iters N] [--rounds K]\n"
		"          [--warmup W] [--instr FILE] [--help]\n"
		"  --quick      few iterations and rounds (a smoke run; figures are rough)\n"
		"  --json       print one JSON object instead of the table\n"
		"  --list       print the case names and exit\n"
		"  --case NAME  run only this case (repeatable); ratios of cases not run say n/a\n"
		"  --iters N    operations per round of each case\n"
		"  --rounds K   timed rounds per case, interleaved across cases (max %d)\n"
		"  --warmup W   untimed rounds per case before the timed ones\n"
		"  --instr FILE instructions per op of each case, measured by callgrind, printed\n"
		"               beside the times: lines \"CASE VALUE\" (what\n"
		"               reference/bench/tokio/instr_per_op.sh prints; other lines ignored)\n"
		"Every op a case performed, warm-up included, is printed as total_ops in --json:\n"
		"divide a callgrind instruction count of the case function by it\n"
		"(reference/bench/support/callgrind_per_op.sh does this for wk_bench).\n",
		prog, WK_BENCH_MAX_ROUNDS);
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (s == NULL || *s == '\0' || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0)
		return -1;
	*out = (uint64_t)v;
	return 0;
}

int wk_bench_parse_options(int argc, char **argv, wk_bench_options *o, uint64_t full_iters,
			   unsigned full_rounds, const char *about)
{
	const char *prog = argc > 0 ? argv[0] : "bench";
	uint64_t iters = 0, rounds = 0, warmup = 0;
	int i, have_warmup = 0;

	memset(o, 0, sizeof *o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
			print_usage(stdout, prog, about);
			return 1;
		} else if (strcmp(a, "--quick") == 0) {
			o->quick = 1;
		} else if (strcmp(a, "--json") == 0) {
			o->json = 1;
		} else if (strcmp(a, "--list") == 0) {
			o->list = 1;
		} else if (strcmp(a, "--case") == 0 && val != NULL) {
			if (o->nselect == WK_BENCH_MAX_SELECT) {
				fprintf(stderr, "%s: at most %d --case options\n", prog,
					WK_BENCH_MAX_SELECT);
				return -1;
			}
			o->select[o->nselect++] = val;
			i++;
		} else if (strcmp(a, "--instr") == 0 && val != NULL) {
			o->instr = val;
			i++;
		} else if (strcmp(a, "--iters") == 0 && parse_u64(val, &iters) == 0) {
			i++;
		} else if (strcmp(a, "--rounds") == 0 && parse_u64(val, &rounds) == 0 &&
			   rounds <= WK_BENCH_MAX_ROUNDS) {
			i++;
		} else if (strcmp(a, "--warmup") == 0 && val != NULL &&
			   (strcmp(val, "0") == 0 || parse_u64(val, &warmup) == 0) && warmup <= 1000) {
			have_warmup = 1;
			i++;
		} else {
			fprintf(stderr, "%s: bad option or value: %s\n", prog, a);
			print_usage(stderr, prog, about);
			return -1;
		}
	}

	/* --quick keeps every case and the interleaving, only the sizes shrink. */
	o->iters = o->quick ? (full_iters / 100 > 0 ? full_iters / 100 : 1) : full_iters;
	o->rounds = o->quick ? 5 : full_rounds;
	o->warmup = o->quick ? 1 : 2;
	if (iters != 0)
		o->iters = iters;
	if (rounds != 0)
		o->rounds = (unsigned)rounds;
	if (have_warmup)
		o->warmup = (unsigned)warmup;
	if (o->rounds == 0 || o->rounds > WK_BENCH_MAX_ROUNDS)
		o->rounds = WK_BENCH_MAX_ROUNDS;
	return 0;
}

/* ---- driver ------------------------------------------------------------ */

int wk_bench_selected(const wk_bench_options *o, const char *name)
{
	size_t i;
	if (o->nselect == 0)
		return 1;
	for (i = 0; i < o->nselect; i++)
		if (strcmp(o->select[i], name) == 0)
			return 1;
	return 0;
}

wk_bench_case *wk_bench_find(wk_bench_case *cases, size_t ncases, const char *name)
{
	size_t i;
	for (i = 0; i < ncases; i++)
		if (strcmp(cases[i].name, name) == 0)
			return &cases[i];
	return NULL;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* One round of one case: returns ns per op. */
static double time_round(wk_bench_case *c, const wk_bench_options *o)
{
	uint64_t n = o->iters / (c->iters_div > 1 ? c->iters_div : 1);
	uint64_t t0, t1, done;
	if (n == 0)
		n = 1;
	t0 = wk_bench_now_ns();
	done = c->run(c->arg, n);
	t1 = wk_bench_now_ns();
	c->total_ops += done;
	return done == 0 ? 0.0 : (double)(t1 - t0) / (double)done;
}

/* --instr FILE: "CASE VALUE" lines; a line whose first word is no case of
 * this program, or whose second is no positive number (a header), is
 * skipped.  An unreadable file is an error: figures the user asked for are
 * never silently left out. */
static void load_instr(wk_bench_case *cases, size_t ncases, const char *path)
{
	char line[256], name[128];
	double v;
	wk_bench_case *c;
	FILE *f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "bench: --instr %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(line, sizeof line, f) != NULL)
		if (sscanf(line, "%127s %lf", name, &v) == 2 && v > 0.0 &&
		    (c = wk_bench_find(cases, ncases, name)) != NULL)
			c->instr_per_op = v;
	fclose(f);
}

void wk_bench_run(wk_bench_case *cases, size_t ncases, const wk_bench_options *o)
{
	size_t i, j;
	unsigned r;

	for (i = 0; i < ncases; i++) {
		cases[i].ran = wk_bench_selected(o, cases[i].name);
		cases[i].nsamples = 0;
		cases[i].total_ops = 0;
		cases[i].min_ns = cases[i].median_ns = cases[i].max_ns = 0.0;
		cases[i].instr_per_op = 0.0;
	}
	if (o->instr != NULL)
		load_instr(cases, ncases, o->instr);
	if (ncases == 0)
		return;

	for (r = 0; r < o->warmup; r++)
		for (i = 0; i < ncases; i++)
			if (cases[i].ran)
				(void)time_round(&cases[i], o);

	/* Rotate the starting case each round: no case always runs right
	 * after the same neighbour or first after a pause. */
	for (r = 0; r < o->rounds && r < WK_BENCH_MAX_ROUNDS; r++) {
		for (j = 0; j < ncases; j++) {
			wk_bench_case *c = &cases[(j + r) % ncases];
			if (c->ran)
				c->samples[c->nsamples++] = time_round(c, o);
		}
	}

	for (i = 0; i < ncases; i++) {
		wk_bench_case *c = &cases[i];
		double sorted[WK_BENCH_MAX_ROUNDS];
		unsigned n = c->nsamples;
		if (!c->ran || n == 0)
			continue;
		memcpy(sorted, c->samples, n * sizeof sorted[0]);
		qsort(sorted, n, sizeof sorted[0], cmp_double);
		c->min_ns = sorted[0];
		c->max_ns = sorted[n - 1];
		c->median_ns = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
	}
}

/* ---- ratios ------------------------------------------------------------ */

/* Median over the rounds both cases ran of num / den within the round. */
static double paired_ratio(const wk_bench_case *num, const wk_bench_case *den)
{
	double r[WK_BENCH_MAX_ROUNDS];
	unsigned i, n = num->nsamples < den->nsamples ? num->nsamples : den->nsamples;
	unsigned k = 0;
	for (i = 0; i < n; i++)
		if (den->samples[i] > 0.0)
			r[k++] = num->samples[i] / den->samples[i];
	if (k == 0)
		return 0.0;
	qsort(r, k, sizeof r[0], cmp_double);
	return k % 2 ? r[k / 2] : (r[k / 2 - 1] + r[k / 2]) / 2.0;
}

void wk_bench_eval_ratios(wk_bench_ratio *ratios, size_t nratios, wk_bench_case *cases,
			  size_t ncases)
{
	size_t i;
	for (i = 0; i < nratios; i++) {
		wk_bench_ratio *q = &ratios[i];
		const wk_bench_case *num = wk_bench_find(cases, ncases, q->num);
		const wk_bench_case *den = wk_bench_find(cases, ncases, q->den);
		q->valid = num != NULL && den != NULL && num->ran && den->ran && den->min_ns > 0.0 &&
			   den->median_ns > 0.0;
		q->of_min = q->of_median = q->of_instr = 0.0;
		q->pass = 0;
		if (!q->valid)
			continue;
		q->of_min = num->min_ns / den->min_ns;
		q->of_median = num->median_ns / den->median_ns;
		q->paired = paired_ratio(num, den);
		if (num->instr_per_op > 0.0 && den->instr_per_op > 0.0)
			q->of_instr = num->instr_per_op / den->instr_per_op;
		switch (q->cmp) {
		case WK_BENCH_AT_MOST:
			q->pass = q->paired <= q->target;
			break;
		case WK_BENCH_AT_LEAST:
			q->pass = q->paired >= q->target;
			break;
		case WK_BENCH_INFO:
		default:
			q->pass = 1;
			break;
		}
	}
}

/* ---- output ------------------------------------------------------------ */

static const char *cmp_text(wk_bench_cmp c)
{
	return c == WK_BENCH_AT_MOST ? "<=" : c == WK_BENCH_AT_LEAST ? ">=" : "";
}

void wk_bench_print_table(FILE *out, const wk_bench_report *r)
{
	const wk_bench_options *o = r->opts;
	const wk_bench_case *base = NULL;
	size_t i;
	int w = 8; /* widest label, for alignment */
	int instr = 0; /* some case has an instruction count */

	if (r->baseline != NULL)
		base = wk_bench_find(r->cases, r->ncases, r->baseline);
	if (base != NULL && (!base->ran || base->min_ns <= 0.0))
		base = NULL;
	for (i = 0; i < r->ncases; i++)
		if ((int)strlen(r->cases[i].label) > w)
			w = (int)strlen(r->cases[i].label);
	for (i = 0; i < r->nratios; i++)
		if ((int)strlen(r->ratios[i].label) > w)
			w = (int)strlen(r->ratios[i].label);

	fprintf(out, "%s\n", r->title);
	if (r->build != NULL)
		fprintf(out, "build: %s\n", r->build);
	if (r->cpu >= 0)
		fprintf(out, "cpu: pinned to CPU %d\n", r->cpu);
	else
		fprintf(out, "cpu: not pinned (sched_setaffinity failed)\n");
	fprintf(out, "method: %u warm-up + %u timed rounds x %llu ops per case, rounds interleaved%s\n\n",
		o->warmup, o->rounds, (unsigned long long)o->iters,
		o->quick ? " (--quick: rough figures)" : "");

	for (i = 0; i < r->ncases; i++)
		if (r->cases[i].ran && r->cases[i].instr_per_op > 0.0)
			instr = 1;
	if (instr)
		fprintf(out, "instr/op: exact instructions per op measured by callgrind (%s)\n\n",
			o->instr);
	fprintf(out, "%-*s  %10s  %12s  %10s", w, "case", "min ns/op", "median ns/op", "max ns/op");
	if (instr)
		fprintf(out, "  %10s", "instr/op");
	if (base != NULL)
		fprintf(out, "  %9s %s", "x", base->name);
	fprintf(out, "\n");
	for (i = 0; i < r->ncases; i++) {
		const wk_bench_case *c = &r->cases[i];
		if (!c->ran)
			continue;
		fprintf(out, "%-*s  %10.3f  %12.3f  %10.3f", w, c->label, c->min_ns, c->median_ns,
			c->max_ns);
		if (instr && c->instr_per_op > 0.0)
			fprintf(out, "  %10.1f", c->instr_per_op);
		else if (instr)
			fprintf(out, "  %10s", "-");
		if (base != NULL)
			fprintf(out, "  %9.2f", c->min_ns / base->min_ns);
		fprintf(out, "\n");
	}

	if (r->nratios == 0)
		return;
	fprintf(out, "\n%-*s  %8s  %10s  %10s  %-10s  %-*s%s\n", w, "ratio", "paired", "of minima",
		"of medians", "target", instr ? 18 : 0, "verdict", instr ? "  of instr/op" : "");
	for (i = 0; i < r->nratios; i++) {
		const wk_bench_ratio *q = &r->ratios[i];
		char target[32] = "-";
		if (q->cmp != WK_BENCH_INFO)
			snprintf(target, sizeof target, "%s %.2fx", cmp_text(q->cmp), q->target);
		if (!q->valid) {
			fprintf(out, "%-*s  %8s  %10s  %10s  %-10s  %s\n", w, q->label, "n/a", "n/a",
				"n/a", target, "n/a (case not run)");
			continue;
		}
		fprintf(out, "%-*s  %7.2fx  %9.2fx  %9.2fx  %-10s  %-*s", w, q->label, q->paired,
			q->of_min, q->of_median, target, instr ? 18 : 0,
			q->cmp == WK_BENCH_INFO ? "info" : q->pass ? "PASS" : "MISS");
		if (instr && q->of_instr > 0.0)
			fprintf(out, "  %11.2fx", q->of_instr);
		else if (instr)
			fprintf(out, "  %12s", "-");
		fprintf(out, "\n");
	}
	fprintf(out, "paired: median over rounds of the ratio within one round (verdicts use it)\n");
	if (instr)
		fprintf(out, "of instr/op: instruction ratio, information (an atomic read-modify-write "
			     "is one instruction of some 20 cycles)\n");
}

/* Labels and names are program constants: escape only what JSON requires. */
static void json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (; s != NULL && *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(out, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(out, "\\u%04x", ch);
		else
			fputc(ch, out);
	}
	fputc('"', out);
}

void wk_bench_print_json(FILE *out, const wk_bench_report *r)
{
	const wk_bench_options *o = r->opts;
	size_t i;
	unsigned k;
	int first = 1;

	fprintf(out, "{\n  \"name\": ");
	json_string(out, r->title);
	fprintf(out, ",\n  \"build\": ");
	json_string(out, r->build);
	fprintf(out, ",\n  \"cpu\": %d,\n  \"quick\": %s,\n", r->cpu, o->quick ? "true" : "false");
	fprintf(out, "  \"warmup_rounds\": %u,\n  \"rounds\": %u,\n  \"iters\": %llu,\n", o->warmup,
		o->rounds, (unsigned long long)o->iters);
	fprintf(out, "  \"unit\": \"ns/op\",\n  \"cases\": [");
	for (i = 0; i < r->ncases; i++) {
		const wk_bench_case *c = &r->cases[i];
		if (!c->ran)
			continue;
		fprintf(out, "%s\n    {\"name\": ", first ? "" : ",");
		first = 0;
		json_string(out, c->name);
		fprintf(out, ", \"label\": ");
		json_string(out, c->label);
		fprintf(out, ", \"min\": %.4f, \"median\": %.4f, \"max\": %.4f, \"total_ops\": %llu, ",
			c->min_ns, c->median_ns, c->max_ns, (unsigned long long)c->total_ops);
		if (c->instr_per_op > 0.0)
			fprintf(out, "\"instr_per_op\": %.2f, ", c->instr_per_op);
		else
			fprintf(out, "\"instr_per_op\": null, ");
		fprintf(out, "\"samples\": [");
		for (k = 0; k < c->nsamples; k++)
			fprintf(out, "%s%.4f", k ? ", " : "", c->samples[k]);
		fprintf(out, "]}");
	}
	fprintf(out, "\n  ],\n  \"ratios\": [");
	for (i = 0; i < r->nratios; i++) {
		const wk_bench_ratio *q = &r->ratios[i];
		fprintf(out, "%s\n    {\"name\": ", i ? "," : "");
		json_string(out, q->name);
		fprintf(out, ", \"label\": ");
		json_string(out, q->label);
		fprintf(out, ", \"num\": ");
		json_string(out, q->num);
		fprintf(out, ", \"den\": ");
		json_string(out, q->den);
		if (q->valid)
			fprintf(out, ", \"paired\": %.4f, \"of_min\": %.4f, \"of_median\": %.4f",
				q->paired, q->of_min, q->of_median);
		else
			fprintf(out, ", \"paired\": null, \"of_min\": null, \"of_median\": null");
		if (q->valid && q->of_instr > 0.0)
			fprintf(out, ", \"of_instr\": %.4f", q->of_instr);
		else
			fprintf(out, ", \"of_instr\": null");
		if (q->cmp == WK_BENCH_INFO) {
			fprintf(out, ", \"target\": null, \"verdict\": \"info\"}");
		} else {
			fprintf(out, ", \"cmp\": \"%s\", \"target\": %.4f, \"verdict\": \"%s\"}",
				cmp_text(q->cmp), q->target,
				!q->valid ? "n/a" : q->pass ? "PASS" : "MISS");
		}
	}
	fprintf(out, "\n  ]\n}\n");
}

void wk_bench_print_list(FILE *out, const wk_bench_case *cases, size_t ncases)
{
	size_t i;
	for (i = 0; i < ncases; i++)
		fprintf(out, "%-24s %s\n", cases[i].name, cases[i].label);
}
