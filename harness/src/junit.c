/*
 * junit.c - JUnit XML.  The file is written to a temporary name and
 * renamed, so a reader never sees half a document.
 */
#define _POSIX_C_SOURCE 200809L
#include "junit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* XML 1.0 text: escape markup, drop control bytes other than tab and
 * newline, and keep to ASCII so the file is valid whatever a check
 * printed. */
static void xml(wkc__buf *b, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '&': wkc__buf_puts(b, "&amp;"); break;
		case '<': wkc__buf_puts(b, "&lt;"); break;
		case '>': wkc__buf_puts(b, "&gt;"); break;
		case '"': wkc__buf_puts(b, "&quot;"); break;
		case '\'': wkc__buf_puts(b, "&apos;"); break;
		case '\n': wkc__buf_puts(b, "&#10;"); break;
		case '\t': wkc__buf_puts(b, "&#9;"); break;
		default:
			if (*p >= 0x20 && *p < 0x7f)
				wkc__buf_putc(b, (char)*p);
			else if (*p >= 0x7f)
				wkc__buf_putc(b, '?');
		}
	}
}

/* "exec.wake.foreign" -> classname "exec.wake", name "foreign". */
static void split_name(const char *check, char **cls, char **name)
{
	const char *dot = strrchr(check, '.');
	if (dot == NULL) {
		*cls = wkc__xstrdup("wakerconf");
		*name = wkc__xstrdup(check);
		return;
	}
	*cls = wkc__xasprintf("%.*s", (int)(dot - check), check);
	*name = wkc__xstrdup(dot + 1);
}

static void testcase(wkc__buf *b, const wkc__run_header *h, const wkc__result *r, const char *exe)
{
	char *cls, *name, *full;
	split_name(r->check, &cls, &name);
	full = wkc__xasprintf("%s.%s", h->profile, cls);
	wkc__buf_puts(b, "    <testcase classname=\"");
	xml(b, full);
	wkc__buf_puts(b, "\" name=\"");
	xml(b, name);
	wkc__buf_printf(b, "\" time=\"%.3f\">\n", r->ms / 1000.0);
	if (r->status == WKC__SKIP) {
		wkc__buf_puts(b, "      <skipped message=\"");
		xml(b, r->reason);
		wkc__buf_puts(b, "\"/>\n");
	} else if (r->status == WKC__FAIL) {
		const char *first_id = r->charged ? r->charged : r->nfailures ? r->failures[0].id : "?";
		const char *msg = r->reason ? r->reason : r->nfailures ? r->failures[0].msg : "failed";
		wkc__buf_puts(b, "      <failure type=\"");
		xml(b, first_id);
		wkc__buf_puts(b, "\" message=\"");
		xml(b, msg);
		wkc__buf_puts(b, "\">");
		if (r->reason) {
			xml(b, r->charged ? r->charged : "?");
			wkc__buf_puts(b, ": ");
			xml(b, r->reason);
			wkc__buf_puts(b, "&#10;");
		}
		for (size_t i = 0; i < r->nfailures; i++) {
			xml(b, r->failures[i].id);
			wkc__buf_puts(b, ": ");
			xml(b, r->failures[i].msg);
			wkc__buf_puts(b, "&#10;");
		}
		if (r->replay) {
			char *cmd = wkc__xasprintf("replay: %s replay %s", exe, r->replay);
			xml(b, cmd);
			free(cmd);
		}
		wkc__buf_puts(b, "</failure>\n");
	}
	wkc__buf_puts(b, "      <system-out>");
	{
		char *s = wkc__xasprintf("ids: %s\nseed: 0x%016llx\nlog: %s\n%s%s%s", r->ids,
					 (unsigned long long)r->seed, r->log ? r->log : "-",
					 r->report ? "report: " : "", r->report ? r->report : "",
					 r->report ? "\n" : "");
		xml(b, s);
		free(s);
	}
	for (size_t i = 0; i < r->nnotes; i++) {
		wkc__buf_puts(b, "note: ");
		xml(b, r->notes[i]);
		wkc__buf_puts(b, "&#10;");
	}
	wkc__buf_puts(b, "</system-out>\n    </testcase>\n");
	free(cls);
	free(name);
	free(full);
}

int wkc__junit_write(const char *path, const wkc__run_header *h, const wkc__result *rs, size_t n,
		     const char *exe)
{
	wkc__buf b = {0};
	size_t fails = 0, skips = 0;
	double secs = 0;
	char *tmp = wkc__xasprintf("%s.tmp", path);
	FILE *f;
	for (size_t i = 0; i < n; i++) {
		fails += rs[i].status == WKC__FAIL;
		skips += rs[i].status == WKC__SKIP;
		secs += rs[i].ms / 1000.0;
	}
	wkc__buf_puts(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n");
	wkc__buf_puts(&b, "  <testsuite name=\"");
	{
		char *name = wkc__xasprintf("wakerconf.%s.%s", h->adapter_name, h->profile);
		xml(&b, name);
		free(name);
	}
	wkc__buf_printf(&b, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"%zu\" time=\"%.3f\">\n",
			n, fails, skips, secs);
	wkc__buf_puts(&b, "    <properties>\n");
	{
		const char *keys[] = {"adapter", "adapter_version", "profile"};
		const char *vals[] = {h->adapter, h->adapter_version, h->profile};
		for (int i = 0; i < 3; i++) {
			wkc__buf_printf(&b, "      <property name=\"%s\" value=\"", keys[i]);
			xml(&b, vals[i]);
			wkc__buf_puts(&b, "\"/>\n");
		}
		wkc__buf_printf(&b, "      <property name=\"seed\" value=\"0x%016llx\"/>\n",
				(unsigned long long)h->seed);
	}
	wkc__buf_puts(&b, "    </properties>\n");
	for (size_t i = 0; i < n; i++)
		testcase(&b, h, &rs[i], exe);
	wkc__buf_puts(&b, "  </testsuite>\n</testsuites>\n");

	f = fopen(tmp, "w");
	if (f == NULL || fwrite(b.s, 1, b.len, f) != b.len || fclose(f) != 0 ||
	    rename(tmp, path) != 0) {
		wkc__error("cannot write JUnit file %s: %s", path, strerror(errno));
		free(tmp);
		wkc__buf_free(&b);
		return -1;
	}
	free(tmp);
	wkc__buf_free(&b);
	return 0;
}
