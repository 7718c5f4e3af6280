/* result.c - building and freeing results. */
#include "result.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

void wkc__result_free(wkc__result *r)
{
	for (size_t i = 0; i < r->nfailures; i++) {
		free(r->failures[i].id);
		free(r->failures[i].msg);
	}
	for (size_t i = 0; i < r->nunexercised; i++) {
		free(r->unexercised[i].id);
		free(r->unexercised[i].msg);
	}
	for (size_t i = 0; i < r->nnotes; i++)
		free(r->notes[i]);
	free(r->unexercised);
	free(r->failures);
	free(r->notes);
	free(r->check);
	free(r->ids);
	free(r->reason);
	free(r->charged);
	free(r->log);
	free(r->report);
	free(r->replay);
	memset(r, 0, sizeof *r);
}

void wkc__header_free(wkc__run_header *h)
{
	free(h->adapter);
	free(h->adapter_name);
	free(h->adapter_version);
	free(h->profile);
	free(h->harness_version);
	free(h->build);
	memset(h, 0, sizeof *h);
}

const char *wkc__status_name(wkc__status s)
{
	return s == WKC__PASS ? "pass" : s == WKC__FAIL ? "fail" : "skip";
}

void wkc__result_add_failure(wkc__result *r, const char *id, const char *msg)
{
	if (r->nfailures >= WKC__MAX_ITEMS) {
		r->dropped_failures++;
		return;
	}
	r->failures = wkc__xrealloc(r->failures, (r->nfailures + 1) * sizeof *r->failures);
	r->failures[r->nfailures].id = wkc__xstrdup(id);
	r->failures[r->nfailures].msg = wkc__xstrdup(msg ? msg : "");
	r->nfailures++;
}

void wkc__result_add_note(wkc__result *r, const char *msg)
{
	if (r->nnotes >= WKC__MAX_ITEMS) {
		r->dropped_notes++;
		return;
	}
	r->notes = wkc__xrealloc(r->notes, (r->nnotes + 1) * sizeof *r->notes);
	r->notes[r->nnotes++] = wkc__xstrdup(msg ? msg : "");
}

void wkc__result_add_unexercised(wkc__result *r, const char *id, const char *msg)
{
	/* One reason per id is enough: the first. */
	if (wkc__result_unexercised(r, id) != NULL || r->nunexercised >= WKC__MAX_ITEMS)
		return;
	r->unexercised =
		wkc__xrealloc(r->unexercised, (r->nunexercised + 1) * sizeof *r->unexercised);
	r->unexercised[r->nunexercised].id = wkc__xstrdup(id);
	r->unexercised[r->nunexercised].msg = wkc__xstrdup(msg ? msg : "");
	r->nunexercised++;
}

const char *wkc__result_unexercised(const wkc__result *r, const char *id)
{
	for (size_t i = 0; i < r->nunexercised; i++)
		if (strcmp(r->unexercised[i].id, id) == 0)
			return r->unexercised[i].msg;
	return NULL;
}

bool wkc__result_failed(const wkc__result *r, const char *id)
{
	for (size_t i = 0; i < r->nfailures; i++)
		if (strcmp(r->failures[i].id, id) == 0)
			return true;
	return r->charged != NULL && strcmp(r->charged, id) == 0;
}

bool wkc__ids_contain(const char *ids, const char *id)
{
	size_t n = strlen(id);
	for (const char *p = ids; p && *p;) {
		size_t w = strcspn(p, " ");
		if (w == n && strncmp(p, id, n) == 0)
			return true;
		p += w;
		while (*p == ' ')
			p++;
	}
	return false;
}
