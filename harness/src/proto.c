/* proto.c - encoding and decoding of the child-to-runner report lines. */
#define _POSIX_C_SOURCE 200809L
#include "proto.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

void wkc__proto_send(int fd, const char *verb, const char *id, const char *msg)
{
	char line[WKC__PROTO_MAX];
	size_t n = 0, cap = sizeof line - 5; /* room for "...\n" and NUL */
	const char *parts[2] = {verb, id};
	for (int i = 0; i < 2; i++) {
		const char *p = parts[i];
		if (p == NULL)
			continue;
		if (n > 0)
			line[n++] = ' ';
		for (; *p && n < cap; p++)
			line[n++] = (*p == ' ' || *p == '\n') ? '_' : *p;
	}
	if (msg != NULL) {
		line[n++] = ' ';
		for (const char *p = msg; *p; p++) {
			const char *esc = NULL;
			if (*p == '\\')
				esc = "\\\\";
			else if (*p == '\n')
				esc = "\\n";
			else if (*p == '\r')
				esc = "\\r";
			if (n + 2 > cap) {
				memcpy(line + n, "...", 3);
				n += 3;
				break;
			}
			if (esc) {
				line[n++] = esc[0];
				line[n++] = esc[1];
			} else {
				line[n++] = *p;
			}
		}
	}
	line[n++] = '\n';
	for (size_t off = 0; off < n;) {
		ssize_t w = write(fd, line + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* the runner is gone; nothing left to tell */
		off += (size_t)w;
	}
}

static const char *word(const char *s, char *dst, size_t dstlen)
{
	size_t n = 0;
	while (*s && *s != ' ') {
		if (n + 1 < dstlen)
			dst[n++] = *s;
		s++;
	}
	dst[n] = '\0';
	return *s == ' ' ? s + 1 : s;
}

static char *unescape(const char *s)
{
	char *out = wkc__xmalloc(strlen(s) + 1), *d = out;
	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*d++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
	return out;
}

int wkc__proto_parse(const char *line, wkc__proto_line *out)
{
	const char *rest = word(line, out->verb, sizeof out->verb);
	out->id[0] = '\0';
	out->msg = NULL;
	if (strcmp(out->verb, "expect") == 0 || strcmp(out->verb, "fail") == 0 ||
	    strcmp(out->verb, "unexercised") == 0)
		rest = word(rest, out->id, sizeof out->id);
	else if (strcmp(out->verb, "note") != 0 && strcmp(out->verb, "skip") != 0 &&
		 strcmp(out->verb, "error") != 0 && strcmp(out->verb, "done") != 0)
		return -1;
	out->msg = unescape(rest);
	return 0;
}

void wkc__proto_line_free(wkc__proto_line *l)
{
	free(l->msg);
	l->msg = NULL;
}
