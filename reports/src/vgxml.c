/* vgxml.c - Valgrind's XML (protocol 4): memcheck, helgrind and DRD errors
 * with every stack, and the thread announcements helgrind makes. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "san.h"
#include "xml.h"

static void stack_of(const wkc__xml *st, wkc__stack *out)
{
	for (size_t i = 0; i < st->nkids; i++) {
		const wkc__xml *fr = &st->kids[i];
		wkc__frame f = {0};
		const char *fn, *file, *dir, *line, *obj;
		if (strcmp(fr->name, "frame") != 0)
			continue;
		fn = wkc__xml_text(fr, "fn", NULL);
		file = wkc__xml_text(fr, "file", NULL);
		dir = wkc__xml_text(fr, "dir", NULL);
		line = wkc__xml_text(fr, "line", NULL);
		obj = wkc__xml_text(fr, "obj", NULL);
		f.fn = fn ? wkc__xstrndup(fn, strlen(fn)) : NULL;
		if (file)
			f.file = dir ? wkc__xasprintf("%.1000s/%.1000s", dir, file)
				     : wkc__xstrndup(file, strlen(file));
		f.line = line ? atoi(line) : 0;
		f.module = obj ? wkc__xstrndup(obj, strlen(obj)) : NULL;
		wkc__stack_push(out, f);
	}
}

/* hthreadid -> its announcement (helgrind). */
static const wkc__xml *announced(const wkc__xml *doc, const char *tid)
{
	for (size_t i = 0; i < doc->nkids; i++) {
		const wkc__xml *a = &doc->kids[i];
		if (strcmp(a->name, "announcethread") == 0 &&
		    strcmp(wkc__xml_text(a, "hthreadid", ""), tid) == 0)
			return a;
	}
	return NULL;
}

static void add_thread(wkc__san_report *r, const wkc__xml *doc, const char *tid)
{
	const wkc__xml *a;
	char *title;
	if (tid == NULL || (a = announced(doc, tid)) == NULL || wkc__xml_child(a, "stack") == NULL)
		return;
	for (size_t i = 0; i < r->nsecs; i++)
		if (r->secs[i].kind == WKC__SEC_THREAD && r->secs[i].thread &&
		    strcmp(r->secs[i].thread + 8, tid) == 0)
			return;
	title = wkc__xasprintf("Thread #%.20s was created", tid);
	{
		wkc__section *s = wkc__report_add_section(r, WKC__SEC_THREAD, title, strlen(title));
		s->thread = wkc__xasprintf("thread #%.20s", tid);
		stack_of(wkc__xml_child(a, "stack"), &s->stack);
	}
	free(title);
}

static void one_error(const wkc__xml *doc, const wkc__xml *e, const char *tool, wkc__san_report *r)
{
	const char *kind = wkc__xml_text(e, "kind", "unknown");
	const char *pending = NULL; /* title waiting for its stack */
	wkc__sec_kind pkind = WKC__SEC_ACCESS;
	const char *tids[2] = {NULL, NULL};
	int ntids = 0, naccess = 0;

	r->tool = wkc__xstrdup(tool);
	r->kind = wkc__xstrndup(kind, strlen(kind));
	r->is_race = strcmp(kind, "Race") == 0 || strcmp(kind, "ConflictingAccess") == 0;
	r->line = e->line;
	for (size_t i = 0; i < e->nkids; i++) {
		const wkc__xml *k = &e->kids[i];
		const char *txt = NULL;
		if (strcmp(k->name, "what") == 0) {
			txt = k->text;
		} else if (strcmp(k->name, "xwhat") == 0 || strcmp(k->name, "xauxwhat") == 0) {
			txt = wkc__xml_text(k, "text", "");
			if (ntids < 2 && wkc__xml_text(k, "hthreadid", NULL))
				tids[ntids++] = wkc__xml_text(k, "hthreadid", NULL);
		} else if (strcmp(k->name, "auxwhat") == 0) {
			txt = k->text;
		}
		if (txt != NULL) {
			bool first = r->headline == NULL;
			if (first)
				r->headline = wkc__xstrndup(txt, strlen(txt));
			/* helgrind: "This conflicts with a previous write of size 8 by thread #3" */
			if (first || (r->is_race && strstr(txt, " of size ") && naccess < 2 && k->name[0] == 'x'))
				pkind = WKC__SEC_ACCESS;
			else if (strstr(txt, "free'd"))
				pkind = WKC__SEC_FREED;
			else if (strncmp(txt, "Block was alloc'd", 17) == 0)
				pkind = WKC__SEC_ALLOC;
			else if (strstr(txt, "alloc'd") || strstr(txt, "inside a block") || strstr(txt, "Address "))
				pkind = WKC__SEC_LOCATION;
			else
				pkind = WKC__SEC_OTHER;
			if (pending != NULL) /* a title with no stack of its own */
				wkc__report_add_section(r, WKC__SEC_OTHER, pending, strlen(pending));
			pending = txt;
			continue;
		}
		if (strcmp(k->name, "stack") == 0 || wkc__xml_child(k, "stack") != NULL) {
			const wkc__xml *st = strcmp(k->name, "stack") == 0 ? k : wkc__xml_child(k, "stack");
			const char *title = pending ? pending : k->name;
			wkc__sec_kind sk = pending ? pkind
					  : strcmp(k->name, "allocation_context") == 0 ? WKC__SEC_ALLOC
										       : WKC__SEC_OTHER;
			wkc__section *s = wkc__report_add_section(r, sk, title, strlen(title));
			if (sk == WKC__SEC_ACCESS) {
				wkc__access_fill(s);
				naccess++;
			}
			stack_of(st, &s->stack);
			pending = NULL;
		}
	}
	if (pending != NULL)
		wkc__report_add_section(r, WKC__SEC_OTHER, pending, strlen(pending));
	if (r->headline == NULL)
		r->headline = wkc__xstrndup(kind, strlen(kind));
	for (int i = 0; i < ntids; i++)
		add_thread(r, doc, tids[i]);
}

size_t wkc__san_parse_vgxml(const char *buf, size_t len, const char *name, wkc__san_list *out,
			    wkc__buf *diag)
{
	wkc__xml root;
	const wkc__xml *doc;
	size_t where, found = 0;
	char err[200];
	int rc = wkc__xml_parse(buf, len, &root, &where, err, sizeof err);
	const char *tool;

	if (rc != 0)
		wkc__diag(diag, name, where, "Valgrind XML %s: %s", rc < 0 ? "malformed" : "cut short", err);
	doc = wkc__xml_child(&root, "valgrindoutput");
	if (doc == NULL) {
		wkc__diag(diag, name, 1, "not Valgrind XML output (no <valgrindoutput> element)");
		wkc__xml_free(&root);
		return 0;
	}
	tool = wkc__xml_text(doc, "tool", wkc__xml_text(doc, "protocoltool", "valgrind"));
	for (size_t i = 0; i < doc->nkids; i++) {
		if (strcmp(doc->kids[i].name, "error") != 0)
			continue;
		one_error(doc, &doc->kids[i], tool, wkc__san_list_add(out));
		found++;
	}
	wkc__xml_free(&root);
	return found;
}

size_t wkc__san_parse_any(const char *buf, size_t len, const char *name, wkc__san_list *out,
			  wkc__buf *diag)
{
	size_t n;
	const char *p = buf;
	while (p < buf + len && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
		p++;
	if (p < buf + len && *p == '<')
		return wkc__san_parse_vgxml(buf, len, name, out, diag);
	if (memmem(buf, len, "ThreadSanitizer", 15) != NULL)
		n = wkc__san_parse_tsan(buf, len, name, out, diag);
	else
		n = wkc__san_parse_asan(buf, len, name, out, diag);
	return n;
}
