/* html.c - escaping, the page frame and writing files into the output directory. */
#define _GNU_SOURCE
#include "html.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t k;
	unsigned cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4, cp = c & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (size_t i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates and values past U+10FFFF. */
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

void wkc__html_text(wkc__buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	if (s == NULL)
		return;
	if (n == (size_t)-1)
		n = strlen(s);
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];
		size_t run = i;
		/* Copy plain bytes in runs: a 20 MB log line must not cost a call per byte. */
		while (run < n && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '<' && p[run] != '>' &&
		       p[run] != '&' && p[run] != '"' && p[run] != '\'')
			run++;
		if (run > i) {
			wkc__buf_add(b, s + i, run - i);
			i = run;
			continue;
		}
		switch (c) {
		case '<': wkc__buf_puts(b, "&lt;"); i++; continue;
		case '>': wkc__buf_puts(b, "&gt;"); i++; continue;
		case '&': wkc__buf_puts(b, "&amp;"); i++; continue;
		case '"': wkc__buf_puts(b, "&quot;"); i++; continue;
		case '\'': wkc__buf_puts(b, "&#39;"); i++; continue;
		case '\n': case '\t': wkc__buf_putc(b, (char)c); i++; continue;
		default: break;
		}
		if (c < 0x20 || c == 0x7f) {
			wkc__buf_puts(b, "\xef\xbf\xbd");
			i++;
			continue;
		}
		{
			size_t k = utf8_len(p + i, n - i);
			if (k == 0) {
				wkc__buf_puts(b, "\xef\xbf\xbd");
				i++;
			} else {
				wkc__buf_add(b, s + i, k);
				i += k;
			}
		}
	}
}

void wkc__html_str(wkc__buf *b, const char *s)
{
	if (s)
		wkc__html_text(b, s, strlen(s));
}

void wkc__html_attr(wkc__buf *b, const char *s)
{
	/* Newlines too: attribute values stay on one line. */
	if (s == NULL)
		return;
	for (const char *p = s; *p; p++) {
		const char *q = p;
		while (*q && *q != '\n' && *q != '\r' && *q != '\t')
			q++;
		wkc__html_text(b, p, (size_t)(q - p));
		if (*q == '\0')
			break;
		wkc__buf_putc(b, ' ');
		p = q;
	}
}

void wkc__html_anchor(wkc__buf *b, const char *s)
{
	size_t n = 0;
	for (const char *p = s ? s : ""; *p && n < 200; p++, n++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
			  c == '_' || c == '-' || c == '.';
		wkc__buf_putc(b, ok ? c : '_');
	}
	if (n == 0)
		wkc__buf_putc(b, '_');
}

void wkc__html_printf(wkc__buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	for (const char *p = fmt; *p; p++) {
		if (*p != '%') {
			const char *q = p;
			while (*q && *q != '%')
				q++;
			wkc__buf_add(b, p, (size_t)(q - p));
			p = q - 1;
			continue;
		}
		p++;
		if (*p == 's') {
			wkc__html_str(b, va_arg(ap, const char *));
		} else if (*p == 'd') {
			wkc__buf_printf(b, "%d", va_arg(ap, int));
		} else if (*p == 'u') {
			wkc__buf_printf(b, "%u", va_arg(ap, unsigned));
		} else if (p[0] == 'z' && p[1] == 'u') {
			wkc__buf_printf(b, "%zu", va_arg(ap, size_t));
			p++;
		} else if (p[0] == '.' && p[1] == '*' && p[2] == 's') {
			int len = va_arg(ap, int);
			const char *s = va_arg(ap, const char *);
			size_t sl = s ? strnlen(s, (size_t)len) : 0;
			wkc__html_text(b, s, sl);
			p += 2;
		} else if (*p == '%') {
			wkc__buf_putc(b, '%');
		} else if (*p == '\0') {
			break;
		}
	}
	va_end(ap);
}

static const char style[] =
	"body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#fafbfc}"
	"header{background:#1d2330;color:#fff;padding:.6em 1.2em}header a{color:#cfe3ff;margin-right:1.2em;text-decoration:none}"
	"header a.cur{color:#fff;font-weight:bold;border-bottom:2px solid #fff}"
	"main{padding:1em 1.5em;max-width:110em}h1{font-size:1.5em}h2{font-size:1.2em;margin-top:1.6em}"
	"table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d5d9e0;padding:.2em .5em;text-align:left;vertical-align:top}"
	"th{background:#eef1f5}code,pre{font:12px/1.4 ui-monospace,monospace}pre{background:#f1f3f6;padding:.5em;overflow-x:auto;white-space:pre-wrap;word-break:break-all}"
	".PASS{background:#d9f2dc}.FAIL{background:#f8d4d4;font-weight:bold}.SKIP{background:#eee}.NOT-TESTED,.not-run{background:#fff3cd}"
	".verdict{font-size:1.3em;padding:.4em .8em;display:inline-block;border-radius:4px}"
	".pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}.side{border:1px solid #d5d9e0;background:#fff;padding:.5em;min-width:0}"
	".group{border-left:4px solid #c0392b;padding-left:1em;margin:1.5em 0}.meta{color:#555}"
	"ol.stack{margin:.2em 0;padding-left:2.2em}ol.stack li{font:12px/1.5 ui-monospace,monospace}"
	"ol.stack li.rt{color:#999}ol.stack li.probe{color:#777}.hl{background:#ffe9a8;display:block}"
	"details>summary{cursor:pointer}.new{color:#c0392b;font-weight:bold}.fixed{color:#1e8449;font-weight:bold}"
	"svg{background:#fff;border:1px solid #d5d9e0;margin:.3em}.matrix td:first-child{white-space:nowrap}td code{word-break:break-all}";

void wkc__html_begin(wkc__buf *b, const char *title, const char *current)
{
	static const char *const pages[][2] = {
		{"index.html", "Overview"},  {"races.html", "Races"},     {"memory.html", "Memory & threads"},
		{"failures.html", "Failures"}, {"fuzz.html", "Fuzzing"},   {"history.html", "History"},
		{"spec.html", "Requirements"},
	};
	wkc__buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
			 "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
			 "style-src 'unsafe-inline'; img-src data:\">"
			 "<meta name=\"viewport\" content=\"width=device-width\"><title>");
	wkc__html_str(b, title);
	wkc__buf_printf(b, "</title><style>%s</style></head><body><header>", style);
	for (size_t i = 0; i < sizeof pages / sizeof *pages; i++)
		wkc__buf_printf(b, "<a href=\"%s\"%s>%s</a>", pages[i][0],
				strcmp(pages[i][0], current) == 0 ? " class=\"cur\"" : "", pages[i][1]);
	wkc__buf_puts(b, "</header><main>\n<h1>");
	wkc__html_str(b, title);
	wkc__buf_puts(b, "</h1>\n");
}

void wkc__html_end(wkc__buf *b)
{
	wkc__buf_puts(b, "</main><footer></footer></body></html>\n");
}

int wkc__html_write(const char *dir, const char *name, const wkc__buf *b)
{
	int dfd, fd;
	const char *s = b->s ? b->s : "";
	size_t n = b->len;
	/* Relative to the directory's descriptor, without following a link that
	 * someone planted under our fixed name. */
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	unlinkat(dfd, name, 0);
	fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	close(dfd);
	if (fd < 0)
		return -1;
	while (n > 0) {
		ssize_t w = write(fd, s, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = errno;
			close(fd);
			errno = e;
			return -1;
		}
		s += w;
		n -= (size_t)w;
	}
	return close(fd);
}
