/*
 * verdict.c - how a child ended, as a verdict.
 *
 * A check passes only when it returned ("done"), exited with status 0,
 * left no sanitizer or Valgrind report and recorded no failure.  Anything
 * abnormal fails the id the check last named with wkc_expect (else its
 * first id), with a reason a person can act on: the signal and the last
 * line the process printed, the timeout, or the sanitizer's summary line
 * and the report file (or the log, where a runtime ignores log_path).
 */
#define _POSIX_C_SOURCE 200809L
#include "verdict.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "util.h"
#include "watch.h"

const char *wkc__signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV: return "SIGSEGV";
	case SIGABRT: return "SIGABRT";
	case SIGBUS: return "SIGBUS";
	case SIGILL: return "SIGILL";
	case SIGFPE: return "SIGFPE";
	case SIGKILL: return "SIGKILL";
	case SIGTERM: return "SIGTERM";
	case SIGINT: return "SIGINT";
	case SIGTRAP: return "SIGTRAP";
	case SIGPIPE: return "SIGPIPE";
	case SIGSYS: return "SIGSYS";
	case SIGQUIT: return "SIGQUIT";
	default: return "signal";
	}
}

static char *path_in(const char *out_dir, const char *rel)
{
	return wkc__xasprintf("%s/%s", out_dir, rel);
}

/* The line of the log that best explains a death: the last "wakerconf: "
 * message (checked-build aborts start that way) other than the harness's
 * own banner, else the last non-empty line. */
static char *last_words(const char *log_path)
{
	size_t len;
	char *text = wkc__read_file(log_path, &len), *best = NULL, *last = NULL;
	char *line;
	if (text == NULL)
		return NULL;
	for (line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		/* The harness's own banner says nothing about the death. */
		if (*line == '\0' || strncmp(line, "wakerconf: check ", 17) == 0)
			continue;
		last = line;
		if (strncmp(line, "wakerconf: ", 11) == 0)
			best = line;
	}
	line = best ? best : last;
	line = line ? wkc__xasprintf("%.200s", line) : NULL;
	free(text);
	return line;
}

/* The first WARNING / ERROR line of a report, without "(pid=N)". */
static char *headline(const char *text)
{
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, "\n");
		const char *w = strstr(p, "WARNING: "), *e = strstr(p, "ERROR: ");
		const char *u = strstr(p, "runtime error: "); /* UBSan */
		const char *h = w && w < p + len   ? w + 9
				: e && e < p + len ? e + 7
				: u && u < p + len ? u
						   : NULL;
		if (h != NULL) {
			size_t n = (size_t)(p + len - h);
			const char *pid = strstr(h, " (pid=");
			if (pid && pid < h + n)
				n = (size_t)(pid - h);
			return wkc__xasprintf("%.*s", (int)(n > 160 ? 160 : n), h);
		}
		p += len + (p[len] == '\n');
	}
	return NULL;
}

/* A sanitizer report in one line: its headline and its SUMMARY line
 * ("LeakSanitizer: detected memory leaks; AddressSanitizer: 128 byte(s)
 * leaked ..."), or just the SUMMARY when it starts with the headline
 * ("ThreadSanitizer: data race sample.c:84 in retain"). */
static char *sanitizer_summary(const char *text)
{
	const char *s = strstr(text, "SUMMARY: ");
	char *head = headline(text), *out;
	char *sum = NULL;
	if (s != NULL) {
		size_t n = strcspn(s + 9, "\n");
		sum = wkc__xasprintf("%.*s", (int)(n > 200 ? 200 : n), s + 9);
	}
	if (head && sum && strncmp(sum, head, strlen(head)) != 0)
		out = wkc__xasprintf("%s; %s", head, sum);
	else if (sum)
		out = wkc__xstrdup(sum);
	else if (head && strncmp(head, "runtime error: ", 15) == 0)
		out = wkc__xasprintf("UndefinedBehaviorSanitizer: %s", head); /* gcc: no SUMMARY */
	else if (head)
		out = wkc__xstrdup(head);
	else
		out = wkc__xasprintf("%.*s", (int)strcspn(text, "\n"), text);
	free(head);
	free(sum);
	return out;
}

/* Is this line a sanitizer's banner: "[==N==]ERROR: XSanitizer: ..." or
 * "[==N==]WARNING: XSanitizer: ..."? */
static bool is_banner(const char *line)
{
	const char *p = line, *tool;
	size_t n;
	if (strncmp(p, "==", 2) == 0) {
		p += 2 + strspn(p + 2, "0123456789");
		if (strncmp(p, "==", 2) != 0)
			return false;
		p += 2;
	}
	if (strncmp(p, "ERROR: ", 7) == 0)
		tool = p + 7;
	else if (strncmp(p, "WARNING: ", 9) == 0)
		tool = p + 9;
	else
		return false;
	n = strspn(tool, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
	return n >= 9 && strncmp(tool + n - 9, "Sanitizer: ", 11) == 0;
}

/* Where a sanitizer report starts in a log: the first line that is a
 * banner or a UBSan "file:line:col: runtime error: ...", else NULL. */
static const char *report_in_log(const char *text)
{
	const char *p = text;
	while (*p) {
		size_t len = strcspn(p, "\n");
		char line[512];
		snprintf(line, sizeof line, "%.*s", (int)(len < sizeof line ? len : sizeof line - 1),
			 p);
		if (strstr(line, ": runtime error: ") != NULL || is_banner(line))
			return p;
		p += len + (p[len] == '\n');
	}
	return NULL;
}

/* The child's sanitizer report: the file <prefix>.<pid> if it wrote one,
 * else - when the child ended with a sanitizer's exit status - the report
 * it printed to stderr, i.e. into its log.  gcc links UBSan as a runtime of
 * its own (libubsan) beside libasan, and libubsan's log_path setting goes to
 * libasan's copy of __sanitizer_set_report_path: its reports land on stderr
 * whatever UBSAN_OPTIONS say. */
static char *sanitizer_report(const wkc__child_outcome *o, char **summary)
{
	int st = o->wait_status;
	char *rel = wkc__xasprintf("%s.%d", o->san_rel, (int)o->pid);
	char *abs = path_in(o->out_dir, rel);
	size_t len = 0;
	char *text = wkc__read_file(abs, &len);
	const char *start;
	free(abs);
	if (text != NULL && len > 0) {
		*summary = sanitizer_summary(text);
		free(text);
		return rel;
	}
	free(text);
	free(rel);
	if (!WIFEXITED(st) ||
	    (WEXITSTATUS(st) != WKC__ASAN_EXIT && WEXITSTATUS(st) != WKC__TSAN_EXIT))
		return NULL;
	abs = path_in(o->out_dir, o->log_rel);
	text = wkc__read_file(abs, &len);
	free(abs);
	start = text ? report_in_log(text) : NULL;
	if (start == NULL) {
		free(text);
		return NULL;
	}
	*summary = sanitizer_summary(start);
	free(text);
	return wkc__xstrdup(o->log_rel);
}

/* Text between <tag> and </tag> after p, or NULL. */
static char *xml_text(const char *p, const char *tag)
{
	char open[32], close[32];
	const char *a, *b;
	snprintf(open, sizeof open, "<%s>", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	a = strstr(p, open);
	if (a == NULL)
		return NULL;
	a += strlen(open);
	b = strstr(a, close);
	if (b == NULL)
		return NULL;
	while (a < b && (*a == ' ' || *a == '\n'))
		a++;
	return wkc__xasprintf("%.*s", (int)(b - a > 200 ? 200 : b - a), a);
}

/* Valgrind's XML: the number of errors and the first one; *leak_only is
 * set when every error is a leak. */
static char *valgrind_summary(const wkc__child_outcome *o, int *nerrors, bool *leak_only)
{
	char *abs = path_in(o->out_dir, o->vg_rel);
	char *xml = wkc__read_file(abs, NULL), *kind, *what, *s;
	const char *first;
	int n = 0;
	free(abs);
	*nerrors = 0;
	*leak_only = true;
	if (xml == NULL)
		return NULL;
	for (const char *p = xml; (p = strstr(p, "<error>")) != NULL; p += 7) {
		char *k = xml_text(p, "kind");
		if (k == NULL || strncmp(k, "Leak_", 5) != 0)
			*leak_only = false;
		free(k);
		n++;
	}
	*nerrors = n;
	first = strstr(xml, "<error>");
	if (first == NULL) {
		free(xml);
		return NULL;
	}
	kind = xml_text(first, "kind");
	what = xml_text(first, "what");
	if (what == NULL)
		what = xml_text(first, "text"); /* leaks: <xwhat><text> */
	s = wkc__xasprintf("Valgrind %s: %d error%s; first: %s: %s", o->profile->tool, n,
			   n == 1 ? "" : "s", kind ? kind : "?", what ? what : "?");
	free(kind);
	free(what);
	free(xml);
	return s;
}

/* Every id of the check was reported not exercised. */
static bool none_exercised(const wkc__result *r)
{
	const char *p = r->ids;
	if (r->nunexercised == 0)
		return false;
	while (p && *p) {
		size_t w = strcspn(p, " ");
		char id[64];
		snprintf(id, sizeof id, "%.*s", (int)(w < sizeof id ? w : sizeof id - 1), p);
		if (w > 0 && wkc__result_unexercised(r, id) == NULL)
			return false;
		p += w;
		while (*p == ' ')
			p++;
	}
	return true;
}

void wkc__verdict(wkc__result *r, const wkc__child_outcome *o)
{
	int st = o->wait_status;
	char *log_abs = path_in(o->out_dir, o->log_rel);
	char *reason = NULL, *san = NULL, *vg = NULL, *words;
	int vg_errors = 0;
	bool vg_leaks_only = true;

	r->completed = o->done;
	r->timed_out = o->timed_out;
	r->exit_code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	free(r->log);
	r->log = wkc__xstrdup(o->log_rel);

	if (o->skip_msg != NULL) {
		r->status = WKC__SKIP;
		r->reason = wkc__xstrdup(o->skip_msg);
		free(log_abs);
		return;
	}
	r->report = sanitizer_report(o, &san);
	if (o->vg_rel != NULL) {
		vg = valgrind_summary(o, &vg_errors, &vg_leaks_only);
		if (vg_errors > 0 && r->report == NULL)
			r->report = wkc__xstrdup(o->vg_rel);
	}
	words = last_words(log_abs);

	if (o->timed_out)
		reason = wkc__xasprintf("timeout after %u ms (no verdict; process group killed)",
					o->timeout_ms);
	else if (o->error_msg)
		reason = wkc__xasprintf("harness error in the child: %s", o->error_msg);
	else if (san)
		reason = wkc__xasprintf("%s (report %s)", san, r->report);
	else if (vg_errors > 0)
		reason = wkc__xasprintf("%s (report %s)", vg, r->report);
	else if (WIFSIGNALED(st))
		reason = wkc__xasprintf("killed by signal %d (%s)%s%s", WTERMSIG(st),
					wkc__signal_name(WTERMSIG(st)), words ? ": " : "",
					words ? words : "");
	else if (WIFEXITED(st) && WEXITSTATUS(st) == WKC__EXIT_REPORTED && r->nfailures > 0)
		reason = NULL; /* the child reported its own end (watch.c) */
	else if (WIFEXITED(st) && WEXITSTATUS(st) != 0)
		reason = wkc__xasprintf("exited with status %d %s%s%s", WEXITSTATUS(st),
					o->done ? "after the check returned" : "without a verdict",
					words ? ": " : "", words ? words : "");
	else if (!o->done)
		reason = wkc__xstrdup("exited with status 0 before the check returned (exit() "
				      "inside the check or the executor?)");

	free(r->reason);
	r->reason = reason;
	if (reason != NULL) {
		r->status = WKC__FAIL;
		/* Valgrind judges at exit, where a check has named the no-leak id:
		 * that id is right for a leak, but a race or a bad access belongs
		 * to what the check was testing. */
		if (!o->timed_out && !o->error_msg && !san && vg_errors > 0 && !vg_leaks_only)
			r->charged = wkc__xstrdup(o->first_id);
		else
			r->charged = wkc__xstrdup(o->expect ? o->expect : o->first_id);
	} else if (r->nfailures > 0 || r->dropped_failures > 0) {
		r->status = WKC__FAIL;
	} else if (none_exercised(r)) {
		/* Nothing failed, but nothing was tested either: never a PASS. */
		r->status = WKC__SKIP;
		r->reason = wkc__xasprintf("not exercised: %s", r->unexercised[0].msg);
	} else {
		r->status = WKC__PASS;
	}
	free(san);
	free(vg);
	free(words);
	free(log_abs);
}
