/* progress.c - progress output on stderr. */
#define _POSIX_C_SOURCE 200809L
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void wkc__progress_init(wkc__progress *p, bool quiet, size_t total, size_t done, const char *exe,
			const char *out_dir)
{
	const char *term = getenv("TERM");
	memset(p, 0, sizeof *p);
	p->quiet = quiet;
	p->tty = !quiet && isatty(2) && term != NULL && strcmp(term, "dumb") != 0;
	p->total = total;
	p->done = done;
	p->exe = exe;
	p->out_dir = out_dir;
}

static void clear_line(wkc__progress *p)
{
	if (p->tty && p->line_shown) {
		fputs("\r\033[K", stderr);
		p->line_shown = false;
	}
}

static void draw(wkc__progress *p)
{
	if (!p->tty)
		return;
	fprintf(stderr, "\r\033[K[%zu/%zu] %zu failed, %zu skipped  %s", p->done, p->total, p->failed,
		p->skipped, p->running);
	fflush(stderr);
	p->line_shown = true;
}

void wkc__progress_start(wkc__progress *p, const char *check)
{
	snprintf(p->running, sizeof p->running, "%s", check);
	draw(p);
}

static void print_failure(wkc__progress *p, const wkc__result *r)
{
	wkc__buf b = {0};
	wkc__buf_printf(&b, "FAIL %s", r->check);
	if (r->reason)
		wkc__buf_printf(&b, ": %s: %s", r->charged ? r->charged : "?", r->reason);
	wkc__buf_putc(&b, '\n');
	for (size_t i = 0; i < r->nfailures; i++)
		wkc__buf_printf(&b, "  %s: %s\n", r->failures[i].id, r->failures[i].msg);
	if (r->dropped_failures)
		wkc__buf_printf(&b, "  ... and %zu more failures\n", r->dropped_failures);
	if (r->log)
		wkc__buf_printf(&b, "  log: %s/%s\n", p->out_dir, r->log);
	if (r->report)
		wkc__buf_printf(&b, "  report: %s/%s\n", p->out_dir, r->report);
	if (r->replay)
		wkc__buf_printf(&b, "  replay: %s replay %s\n", p->exe, r->replay);
	fputs(b.s, stderr);
	wkc__buf_free(&b);
}

void wkc__progress_result(wkc__progress *p, const wkc__result *r)
{
	p->done++;
	p->failed += r->status == WKC__FAIL;
	p->skipped += r->status == WKC__SKIP;
	clear_line(p);
	if (r->status == WKC__FAIL) {
		print_failure(p, r);
	} else if (!p->quiet && !p->tty) {
		if (r->status == WKC__SKIP)
			fprintf(stderr, "[%zu/%zu] SKIP %s: %s\n", p->done, p->total, r->check,
				r->reason ? r->reason : "");
		else
			fprintf(stderr, "[%zu/%zu] PASS %s (%.1f ms)\n", p->done, p->total, r->check,
				r->ms);
	}
	if (!p->quiet)
		for (size_t i = 0; i < r->nnotes; i++)
			fprintf(stderr, "  note: %s: %s\n", r->check, r->notes[i]);
	fflush(stderr);
	draw(p);
}

void wkc__progress_end(wkc__progress *p)
{
	clear_line(p);
	fflush(stderr);
}
