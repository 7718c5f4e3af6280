/*
 * html.h - writing HTML safely.  Every string that did not come from this
 * program (adapter names, check names, logs, file names, report text) goes
 * through wkc__html_text or wkc__html_attr: markup characters become
 * entities, control characters and invalid UTF-8 become U+FFFD, so no input
 * can open a tag, end an attribute or smuggle a URL.  Links are only ever
 * built from anchors this program makes (wkc__html_anchor).
 */
#ifndef WKC_REPORTS_HTML_H
#define WKC_REPORTS_HTML_H

#include <stddef.h>

#include "util.h"

/* Escaped text of s[0..n) (n = strlen when (size_t)-1). */
void wkc__html_text(wkc__buf *b, const char *s, size_t n);
void wkc__html_str(wkc__buf *b, const char *s); /* NULL prints nothing */
/* Same escaping; for attribute values between double quotes. */
void wkc__html_attr(wkc__buf *b, const char *s);
/* An anchor name from any string: [A-Za-z0-9_.-] kept, others '_'. */
void wkc__html_anchor(wkc__buf *b, const char *s);
/* printf whose %s arguments are escaped: only %s, %d, %u, %zu, %%, %.Ns supported. */
void wkc__html_printf(wkc__buf *b, const char *fmt, ...);

/* Page frame: the head with the inline style sheet and the navigation. */
void wkc__html_begin(wkc__buf *b, const char *title, const char *current);
void wkc__html_end(wkc__buf *b);

/* Write buf to DIR/name (name is one of this program's fixed names): created
 * fresh, never through a symbolic link.  0, or -1 with errno. */
int wkc__html_write(const char *dir, const char *name, const wkc__buf *b);

#endif /* WKC_REPORTS_HTML_H */
