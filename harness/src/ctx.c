/*
 * ctx.c - what a check can call (wkc/check.h), in the check's child
 * process.  Every report is one line on the pipe to the runner, sent at
 * once, so a crash right after a wkc_fail still leaves the failure on
 * record.
 */
#define _POSIX_C_SOURCE 200809L
#include "ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"
#include "util.h"
#include "watch.h"
#include "wkc/annotate.h"

void wkc__ctx_init(wkc_ctx *cx, const wkc_adapter *a, const wkc_check *c, uint64_t seed,
		   double scale, int report_fd)
{
	cx->adapter = a;
	cx->check = c;
	cx->seed = seed;
	cx->scale = scale;
	cx->report_fd = report_fd;
	atomic_init(&cx->rng, seed);
	atomic_init(&cx->expect, (const char *)NULL);
	/* For helgrind and DRD, which do not see C11 atomics. */
	wkc_annotate_atomic(&cx->rng, sizeof cx->rng);
	wkc_annotate_atomic(&cx->expect, sizeof cx->expect);
	cx->hammer_rounds = 0;
	/* The ids string up to its first space. */
	snprintf(cx->first_id, sizeof cx->first_id, "%.*s", (int)strcspn(c->ids, " "), c->ids);
}

const wkc_adapter *wkc_adapter_of(wkc_ctx *cx)
{
	return cx->adapter;
}

uint64_t wkc_seed(wkc_ctx *cx)
{
	return cx->seed;
}

uint64_t wkc_rand(wkc_ctx *cx)
{
	/* relaxed: the counter only has to hand out distinct values. */
	uint64_t x = atomic_fetch_add_explicit(&cx->rng, 0x9e3779b97f4a7c15ull,
					       memory_order_relaxed);
	return wkc__mix64(x);
}

double wkc_scale(wkc_ctx *cx)
{
	return cx->scale;
}

const char *wkc__ctx_current_id(wkc_ctx *cx)
{
	/* relaxed: a label for a report, no data is published through it. */
	const char *id = atomic_load_explicit(&cx->expect, memory_order_relaxed);
	return id != NULL ? id : cx->first_id;
}

static char *vformat(const char *fmt, va_list ap)
{
	wkc__buf b = {0};
	wkc__buf_vprintf(&b, fmt, ap);
	return b.s ? b.s : wkc__xstrdup("");
}

/* Report, then leave without running more of the check. */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
static void finish_early(wkc_ctx *cx, int status)
{
	if (status == 0)
		wkc__proto_send(cx->report_fd, "done", NULL, NULL);
	fflush(NULL);
	_exit(status);
}

wkc_executor *wkc_create(wkc_ctx *cx, const wkc_config *cfg)
{
	wkc_config def;
	char err[512] = "";
	wkc_executor *ex;
	if (cfg == NULL) {
		memset(&def, 0, sizeof def);
		def.size = sizeof def;
		def.cores = 0;
		def.seed = cx->seed;
		cfg = &def;
	}
	ex = wkc__watched_create(cx, cfg, err, sizeof err);
	if (ex == NULL) {
		err[sizeof err - 1] = '\0';
		if (err[0] == '\0')
			wkc_fail(cx, "WK-HARN-017",
				 "adapter contract: create() returned NULL without writing a reason "
				 "into err (adapter %s)",
				 cx->adapter->name);
		else
			wkc_fail(cx, wkc__ctx_current_id(cx), "adapter %s: create failed: %s",
				 cx->adapter->name, err);
		finish_early(cx, 0);
	}
	return ex;
}

void wkc_expect(wkc_ctx *cx, const char *id)
{
	/* relaxed: see wkc__ctx_current_id. */
	atomic_store_explicit(&cx->expect, id, memory_order_relaxed);
	wkc__proto_send(cx->report_fd, "expect", id, NULL);
}

void wkc_fail(wkc_ctx *cx, const char *id, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	wkc__proto_send(cx->report_fd, "fail", id, msg);
	/* Also in the log, next to whatever the executor printed. */
	fprintf(stderr, "wakerconf: FAIL %s: %s\n", id, msg);
	free(msg);
}

void wkc_note(wkc_ctx *cx, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	wkc__proto_send(cx->report_fd, "note", NULL, msg);
	free(msg);
}

void wkc_unexercised(wkc_ctx *cx, const char *id, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	wkc__proto_send(cx->report_fd, "unexercised", id, msg);
	free(msg);
}

void wkc_skip(wkc_ctx *cx, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	wkc__proto_send(cx->report_fd, "skip", NULL, msg);
	free(msg);
	/* _exit: executor threads may still run; atexit handlers and
	 * sanitizer leak checks have nothing to say about a skipped check. */
	fflush(NULL);
	_exit(0);
}

void wkc__ctx_harness_error(wkc_ctx *cx, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	va_start(ap, fmt);
	msg = vformat(fmt, ap);
	va_end(ap);
	wkc__proto_send(cx->report_fd, "error", NULL, msg);
	fprintf(stderr, "wakerconf: error: %s\n", msg);
	free(msg);
	finish_early(cx, 3);
}
