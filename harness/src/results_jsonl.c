/* results_jsonl.c - writing and reading results.jsonl. */
#define _POSIX_C_SOURCE 200809L
#include "results_jsonl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "json.h"

#define FORMAT_VERSION 1

static void put_key(wkc__buf *b, const char *key)
{
	wkc__buf_printf(b, ",\"%s\":", key);
}

static void put_str_or_null(wkc__buf *b, const char *key, const char *v)
{
	put_key(b, key);
	if (v)
		wkc__json_str(b, v);
	else
		wkc__buf_puts(b, "null");
}

static void header_to_json(const wkc__run_header *h, wkc__buf *b)
{
	wkc__buf_printf(b, "{\"type\":\"run\",\"format\":%d", FORMAT_VERSION);
	put_str_or_null(b, "adapter", h->adapter);
	put_str_or_null(b, "adapter_name", h->adapter_name);
	put_str_or_null(b, "adapter_version", h->adapter_version);
	wkc__buf_printf(b, ",\"caps\":%u", h->caps);
	put_str_or_null(b, "profile", h->profile);
	wkc__buf_printf(b, ",\"seed\":\"0x%016llx\"", (unsigned long long)h->seed);
	wkc__buf_printf(b, ",\"pressure\":%s", h->pressure ? "true" : "false");
	wkc__buf_printf(b, ",\"timeout_multiplier\":%g", h->multiplier);
	put_str_or_null(b, "harness_version", h->harness_version);
	put_str_or_null(b, "build", h->build);
	wkc__buf_puts(b, "}\n");
}

/* "key":[{"id":...,"msg":...},...] */
static void put_items(wkc__buf *b, const char *key, const wkc__failure *items, size_t n)
{
	put_key(b, key);
	wkc__buf_putc(b, '[');
	for (size_t i = 0; i < n; i++) {
		wkc__buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
		wkc__json_str(b, items[i].id);
		wkc__buf_puts(b, ",\"msg\":");
		wkc__json_str(b, items[i].msg);
		wkc__buf_putc(b, '}');
	}
	wkc__buf_putc(b, ']');
}

static void result_to_json(const wkc__result *r, wkc__buf *b)
{
	wkc__buf_puts(b, "{\"type\":\"result\"");
	put_str_or_null(b, "check", r->check);
	put_str_or_null(b, "ids", r->ids);
	put_str_or_null(b, "status", wkc__status_name(r->status));
	put_str_or_null(b, "reason", r->reason);
	put_str_or_null(b, "charged", r->charged);
	put_items(b, "failures", r->failures, r->nfailures);
	wkc__buf_printf(b, ",\"dropped_failures\":%zu", r->dropped_failures);
	put_items(b, "unexercised", r->unexercised, r->nunexercised);
	put_key(b, "notes");
	wkc__buf_putc(b, '[');
	for (size_t i = 0; i < r->nnotes; i++) {
		if (i)
			wkc__buf_putc(b, ',');
		wkc__json_str(b, r->notes[i]);
	}
	wkc__buf_printf(b, "],\"dropped_notes\":%zu", r->dropped_notes);
	wkc__buf_printf(b, ",\"completed\":%s", r->completed ? "true" : "false");
	wkc__buf_printf(b, ",\"seed\":\"0x%016llx\"", (unsigned long long)r->seed);
	wkc__buf_printf(b, ",\"ms\":%.1f", r->ms);
	wkc__buf_printf(b, ",\"exit_code\":%d,\"signal\":%d", r->exit_code, r->signal);
	wkc__buf_printf(b, ",\"timed_out\":%s", r->timed_out ? "true" : "false");
	put_str_or_null(b, "log", r->log);
	put_str_or_null(b, "report", r->report);
	put_str_or_null(b, "replay", r->replay);
	wkc__buf_puts(b, "}\n");
}

static char *dup_or_null(const char *s)
{
	return s ? wkc__xstrdup(s) : NULL;
}

static uint64_t hex_of(const wkc__json *j, const char *key)
{
	uint64_t v = 0;
	wkc__parse_u64(wkc__json_get_str(j, key, "0"), &v);
	return v;
}

static int header_from_json(const wkc__json *j, wkc__run_header *h)
{
	if (strcmp(wkc__json_get_str(j, "type", ""), "run") != 0)
		return -1;
	h->adapter = dup_or_null(wkc__json_get_str(j, "adapter", NULL));
	h->adapter_name = dup_or_null(wkc__json_get_str(j, "adapter_name", NULL));
	h->adapter_version = dup_or_null(wkc__json_get_str(j, "adapter_version", NULL));
	h->caps = (unsigned)wkc__json_get_num(j, "caps", 0);
	h->profile = dup_or_null(wkc__json_get_str(j, "profile", NULL));
	h->seed = hex_of(j, "seed");
	h->pressure = wkc__json_get_bool(j, "pressure", false);
	h->multiplier = wkc__json_get_num(j, "timeout_multiplier", 1);
	h->harness_version = dup_or_null(wkc__json_get_str(j, "harness_version", NULL));
	h->build = dup_or_null(wkc__json_get_str(j, "build", ""));
	return h->adapter && h->profile ? 0 : -1;
}

static int result_from_json(const wkc__json *j, wkc__result *r)
{
	const char *status = wkc__json_get_str(j, "status", "");
	const wkc__json *arr;
	memset(r, 0, sizeof *r);
	if (strcmp(wkc__json_get_str(j, "type", ""), "result") != 0 ||
	    wkc__json_get_str(j, "check", NULL) == NULL)
		return -1;
	r->check = wkc__xstrdup(wkc__json_get_str(j, "check", ""));
	r->ids = wkc__xstrdup(wkc__json_get_str(j, "ids", ""));
	r->status = strcmp(status, "pass") == 0   ? WKC__PASS
		    : strcmp(status, "skip") == 0 ? WKC__SKIP
						  : WKC__FAIL;
	r->reason = dup_or_null(wkc__json_get_str(j, "reason", NULL));
	r->charged = dup_or_null(wkc__json_get_str(j, "charged", NULL));
	arr = wkc__json_get(j, "failures");
	for (size_t i = 0; arr && arr->kind == WKC__J_ARR && i < arr->n; i++)
		wkc__result_add_failure(r, wkc__json_get_str(&arr->items[i], "id", "?"),
					wkc__json_get_str(&arr->items[i], "msg", ""));
	r->dropped_failures = (size_t)wkc__json_get_num(j, "dropped_failures", 0);
	arr = wkc__json_get(j, "unexercised");
	for (size_t i = 0; arr && arr->kind == WKC__J_ARR && i < arr->n; i++)
		wkc__result_add_unexercised(r, wkc__json_get_str(&arr->items[i], "id", "?"),
					    wkc__json_get_str(&arr->items[i], "msg", ""));
	arr = wkc__json_get(j, "notes");
	for (size_t i = 0; arr && arr->kind == WKC__J_ARR && i < arr->n; i++)
		if (arr->items[i].kind == WKC__J_STR)
			wkc__result_add_note(r, arr->items[i].str);
	r->dropped_notes = (size_t)wkc__json_get_num(j, "dropped_notes", 0);
	r->completed = wkc__json_get_bool(j, "completed", false);
	r->seed = hex_of(j, "seed");
	r->ms = wkc__json_get_num(j, "ms", 0);
	r->exit_code = (int)wkc__json_get_num(j, "exit_code", -1);
	r->signal = (int)wkc__json_get_num(j, "signal", 0);
	r->timed_out = wkc__json_get_bool(j, "timed_out", false);
	r->log = dup_or_null(wkc__json_get_str(j, "log", NULL));
	r->report = dup_or_null(wkc__json_get_str(j, "report", NULL));
	r->replay = dup_or_null(wkc__json_get_str(j, "replay", NULL));
	return 0;
}

static int write_all(int fd, const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		s += w;
		n -= (size_t)w;
	}
	return 0;
}

int wkc__results_create(wkc__results_file *f, const char *path, const wkc__run_header *h,
			char *err, size_t errlen)
{
	wkc__buf b = {0};
	int rc;
	f->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (f->fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	f->path = wkc__xstrdup(path);
	header_to_json(h, &b);
	rc = write_all(f->fd, b.s, b.len);
	if (rc == 0)
		rc = fsync(f->fd);
	wkc__buf_free(&b);
	if (rc != 0)
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
	return rc;
}

int wkc__results_append(wkc__results_file *f, const wkc__result *r)
{
	wkc__buf b = {0};
	int rc;
	result_to_json(r, &b);
	/* One write: a kill between two writes cannot leave half a record
	 * followed by another record. */
	rc = write_all(f->fd, b.s, b.len);
	if (rc == 0)
		rc = fsync(f->fd);
	wkc__buf_free(&b);
	if (rc != 0)
		wkc__error("cannot append to %s: %s", f->path, strerror(errno));
	return rc;
}

void wkc__results_close(wkc__results_file *f)
{
	if (f->fd >= 0)
		close(f->fd);
	f->fd = -1;
	free(f->path);
	f->path = NULL;
}

void wkc__results_free(wkc__result *rs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		wkc__result_free(&rs[i]);
	free(rs);
}

int wkc__results_read(const char *path, wkc__results_file *f, wkc__run_header *h,
		      wkc__result **rs_out, size_t *n_out, char *err, size_t errlen)
{
	size_t len, good = 0, n = 0;
	char *text = wkc__read_file(path, &len);
	wkc__result *rs = NULL;
	bool have_header = false;
	char *line;

	memset(h, 0, sizeof *h);
	if (text == NULL) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	line = text;
	while (line < text + len) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		wkc__json *j;
		if (nl == NULL)
			break; /* cut short by a kill: not a record */
		*nl = '\0';
		j = wkc__json_parse(line);
		if (j == NULL) {
			/* A complete line that does not parse: only the last one
			 * can be a partial write; anything else is damage. */
			if (nl + 1 < text + len) {
				snprintf(err, errlen, "%s: line %zu is not JSON; refusing to go on",
					 path, n + 2);
				free(text);
				wkc__results_free(rs, n);
				return -1;
			}
			break;
		}
		if (!have_header) {
			if (header_from_json(j, h) != 0) {
				snprintf(err, errlen, "%s: not a wakerconf results file", path);
				wkc__json_free(j);
				free(text);
				return -1;
			}
			have_header = true;
		} else {
			wkc__result r;
			if (result_from_json(j, &r) == 0) {
				/* A check recorded twice keeps its last record. */
				size_t k = 0;
				while (k < n && strcmp(rs[k].check, r.check) != 0)
					k++;
				if (k == n)
					rs = wkc__xrealloc(rs, ++n * sizeof *rs);
				else
					wkc__result_free(&rs[k]);
				rs[k] = r;
			}
		}
		wkc__json_free(j);
		line = nl + 1;
		good = (size_t)(line - text);
	}
	free(text);
	if (!have_header) {
		snprintf(err, errlen, "%s: no run header (empty or damaged file)", path);
		wkc__results_free(rs, n);
		return -1;
	}
	if (f != NULL) {
		f->fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
		if (f->fd < 0 || ftruncate(f->fd, (off_t)good) != 0) {
			snprintf(err, errlen, "cannot reopen %s: %s", path, strerror(errno));
			wkc__results_free(rs, n);
			return -1;
		}
		f->path = wkc__xstrdup(path);
	}
	*rs_out = rs;
	*n_out = n;
	return 0;
}
