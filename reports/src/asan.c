/* asan.c - AddressSanitizer, LeakSanitizer and UndefinedBehaviorSanitizer
 * text: the bad access with its stack, freed-by and allocated-by stacks,
 * one report per leak, and UBSan's "file:line:col: runtime error:" lines. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "san.h"

static bool starts(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);
	return n >= k && memcmp(s, p, k) == 0;
}

static const char *mem_find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

static wkc__sec_kind classify(const char *t, size_t n)
{
	if ((starts(t, n, "READ of size") || starts(t, n, "WRITE of size")))
		return WKC__SEC_ACCESS;
	if (mem_find(t, n, "freed by thread"))
		return WKC__SEC_FREED;
	if (mem_find(t, n, "allocated by thread") || mem_find(t, n, "allocated from"))
		return WKC__SEC_ALLOC;
	if (starts(t, n, "Thread T") && mem_find(t, n, "created by"))
		return WKC__SEC_THREAD;
	if (starts(t, n, "0x") && mem_find(t, n, " is located "))
		return WKC__SEC_LOCATION;
	return WKC__SEC_OTHER;
}

/* "file.c:4:41: runtime error: msg" -> true, with the message start. */
static bool ubsan_line(const char *t, size_t n, const char **msg)
{
	const char *p = mem_find(t, n, ": runtime error: ");
	if (p == NULL)
		return false;
	*msg = p + strlen(": runtime error: ");
	return true;
}

size_t wkc__san_parse_asan(const char *buf, size_t len, const char *name, wkc__san_list *out,
			   wkc__buf *diag)
{
	wkc__lines ls = {buf, buf + len, 0};
	const char *line, *msg;
	size_t n, found = 0, open_idx = 0;
	bool open = false, in_leaks = false;
	wkc__section *sec = NULL;
	const char *tool = "asan";

#define CUR (&out->r[open_idx])
	while (wkc__lines_next(&ls, &line, &n)) {
		const char *t = line, *p;
		size_t tn = n;
		while (tn > 0 && (*t == ' ' || *t == '\t'))
			t++, tn--;
		/* "==1573==ERROR: AddressSanitizer: heap-use-after-free on address ..." */
		if (tn > 2 && t[0] == '=' && (p = mem_find(t, tn, "==ERROR: ")) != NULL) {
			const char *k = p + 9, *e = t + tn;
			const char *colon = memchr(k, ':', (size_t)(e - k));
			if (open && CUR->summary == NULL) {
				CUR->truncated = true;
				wkc__diag(diag, name, CUR->line, "sanitizer report cut short (no SUMMARY line)");
			}
			open = false;
			sec = NULL;
			tool = starts(k, (size_t)(e - k), "LeakSanitizer") ? "lsan" : "asan";
			if (strcmp(tool, "lsan") == 0) {
				in_leaks = true; /* one report per leak block below */
				continue;
			}
			in_leaks = false;
			{
				wkc__san_report *r = wkc__san_list_add(out);
				const char *ks = colon ? colon + 2 : k, *ke = mem_find(ks, (size_t)(e - ks > 0 ? e - ks : 0), " on ");
				if (ks > e)
					ks = e;
				open_idx = out->n - 1;
				open = true;
				found++;
				r->tool = wkc__xstrdup(tool);
				r->kind = wkc__xstrndup(ks, ke ? (size_t)(ke - ks) : (size_t)(e - ks));
				r->headline = wkc__xstrndup(t, tn);
				r->line = ls.lineno;
			}
			continue;
		}
		if (in_leaks && (starts(t, tn, "Direct leak of") || starts(t, tn, "Indirect leak of"))) {
			wkc__san_report *r = wkc__san_list_add(out);
			open_idx = out->n - 1;
			open = true;
			found++;
			r->tool = wkc__xstrdup("lsan");
			r->kind = wkc__xstrdup(t[0] == 'D' ? "Direct leak" : "Indirect leak");
			r->headline = wkc__xstrndup(t, tn);
			r->line = ls.lineno;
			sec = wkc__report_add_section(r, WKC__SEC_ALLOC, t, tn);
			continue;
		}
		if (ubsan_line(t, tn, &msg)) {
			wkc__san_report *r = wkc__san_list_add(out);
			const char *e = t + tn, *c = memchr(msg, ':', (size_t)(e - msg));
			wkc__frame f = {0};
			open_idx = out->n - 1;
			open = true;
			in_leaks = false;
			found++;
			r->tool = wkc__xstrdup("ubsan");
			/* The class of error is the message up to its first detail. */
			r->kind = wkc__xstrndup(msg, c ? (size_t)(c - msg) : (size_t)(e - msg));
			r->headline = wkc__xstrndup(t, tn);
			r->line = ls.lineno;
			sec = wkc__report_add_section(r, WKC__SEC_ACCESS, t, tn);
			{
				/* The site itself, as a frame: UBSan may print no stack. */
				char *loc = wkc__xstrndup(t, (size_t)(msg - t) - strlen(": runtime error: "));
				char *fake = wkc__xasprintf("#0 ?? %s", loc);
				if (wkc__frame_parse(fake, strlen(fake), &f)) {
					free(f.fn);
					f.fn = NULL;
					/* kept until a real stack replaces it */
					wkc__stack_push(&sec->stack, f);
				}
				free(loc);
				free(fake);
			}
			continue;
		}
		if (!open)
			continue;
		if (starts(t, tn, "SUMMARY: ")) {
			if (in_leaks) {
				/* One SUMMARY closes every leak of the block. */
				for (size_t i = open_idx + 1; i-- > 0 && i < out->n;) {
					if (strcmp(out->r[i].tool, "lsan") != 0 || out->r[i].summary)
						break;
					out->r[i].summary = wkc__xstrndup(t, tn);
				}
				in_leaks = false;
			} else {
				CUR->summary = wkc__xstrndup(t, tn);
			}
			open = false;
			sec = NULL;
			continue;
		}
		if (tn == 0) {
			if (CUR->tool[0] == 'u' && sec && sec->stack.n > 1)
				open = false; /* UBSan: a blank line ends its stack */
			continue;
		}
		if (t[0] == '#') {
			wkc__frame f;
			if (!wkc__frame_parse(t, tn, &f))
				continue;
			if (sec == NULL)
				sec = wkc__report_add_section(CUR, WKC__SEC_ACCESS, CUR->kind, strlen(CUR->kind));
			/* UBSan: the real stack replaces the site-only frame. */
			if (CUR->tool[0] == 'u' && sec->stack.n == 1 && sec->stack.f[0].fn == NULL) {
				free(sec->stack.f[0].file);
				free(sec->stack.f[0].module);
				sec->stack.n = 0;
			}
			wkc__stack_push(&sec->stack, f);
			continue;
		}
		if (starts(t, tn, "Shadow byte") || starts(t, tn, "=>") ||
		    (tn > 2 && t[0] == '0' && t[1] == 'x' && mem_find(t, tn, ": ") && !mem_find(t, tn, " is located ")))
			continue;
		if (CUR->tool[0] == 'u')
			continue;
		if (CUR->nsecs > 0 && CUR->secs[CUR->nsecs - 1].kind == WKC__SEC_OTHER &&
		    CUR->secs[CUR->nsecs - 1].stack.n == 0 && classify(t, tn) == WKC__SEC_OTHER)
			continue; /* legend and hint lines */
		sec = wkc__report_add_section(CUR, classify(t, tn), t, tn);
		if (sec->kind == WKC__SEC_ACCESS)
			wkc__access_fill(sec);
	}
	if (open && CUR->summary == NULL && CUR->tool[0] != 'u') {
		CUR->truncated = true;
		wkc__diag(diag, name, CUR->line, "sanitizer report cut short (input ended before its SUMMARY line)");
	}
#undef CUR
	return found;
}
