/* xml.c - a small non-validating XML reader (Valgrind's XML output). */
#define _GNU_SOURCE
#include "xml.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* Valgrind nests a dozen levels; a document nesting deeper is not one. */
#define MAX_DEPTH 64

typedef struct xp {
	const char *p, *end;
	size_t line;
	char *err;
	size_t errlen;
	size_t where;
} xp;

static void adv(xp *x, size_t n)
{
	for (size_t i = 0; i < n && x->p < x->end; i++, x->p++)
		if (*x->p == '\n')
			x->line++;
}

static bool at(const xp *x, const char *s)
{
	size_t k = strlen(s);
	return (size_t)(x->end - x->p) >= k && memcmp(x->p, s, k) == 0;
}

/* Skip to just after s; false at end of input. */
static bool skip_past(xp *x, const char *s)
{
	const char *q = memmem(x->p, (size_t)(x->end - x->p), s, strlen(s));
	if (q == NULL) {
		adv(x, (size_t)(x->end - x->p));
		return false;
	}
	adv(x, (size_t)(q - x->p) + strlen(s));
	return true;
}

static void put_utf8(wkc__buf *b, unsigned long c)
{
	if (c == 0 || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		c = 0xfffd;
	if (c < 0x80) {
		wkc__buf_putc(b, (char)c);
	} else if (c < 0x800) {
		wkc__buf_putc(b, (char)(0xc0 | (c >> 6)));
		wkc__buf_putc(b, (char)(0x80 | (c & 0x3f)));
	} else if (c < 0x10000) {
		wkc__buf_putc(b, (char)(0xe0 | (c >> 12)));
		wkc__buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		wkc__buf_putc(b, (char)(0x80 | (c & 0x3f)));
	} else {
		wkc__buf_putc(b, (char)(0xf0 | (c >> 18)));
		wkc__buf_putc(b, (char)(0x80 | ((c >> 12) & 0x3f)));
		wkc__buf_putc(b, (char)(0x80 | ((c >> 6) & 0x3f)));
		wkc__buf_putc(b, (char)(0x80 | (c & 0x3f)));
	}
}

/* Character data up to '<', entities decoded, appended to b (capped). */
static void chars(xp *x, wkc__buf *b)
{
	while (x->p < x->end && *x->p != '<') {
		if (*x->p == '&') {
			const char *semi = memchr(x->p, ';', (size_t)(x->end - x->p) < 12 ? (size_t)(x->end - x->p) : 12);
			if (semi) {
				size_t k = (size_t)(semi - x->p);
				char ent[16];
				memcpy(ent, x->p + 1, k - 1);
				ent[k - 1] = '\0';
				if (b->len < 65536) {
					if (!strcmp(ent, "lt")) wkc__buf_putc(b, '<');
					else if (!strcmp(ent, "gt")) wkc__buf_putc(b, '>');
					else if (!strcmp(ent, "amp")) wkc__buf_putc(b, '&');
					else if (!strcmp(ent, "quot")) wkc__buf_putc(b, '"');
					else if (!strcmp(ent, "apos")) wkc__buf_putc(b, '\'');
					else if (ent[0] == '#')
						put_utf8(b, strtoul(ent + 1 + (ent[1] == 'x'), NULL, ent[1] == 'x' ? 16 : 10));
					else
						wkc__buf_add(b, x->p, k + 1);
				}
				adv(x, k + 1);
				continue;
			}
		}
		if (b->len < 65536 && *x->p != '\0')
			wkc__buf_putc(b, *x->p);
		adv(x, 1);
	}
}

static int parse_kids(xp *x, wkc__xml *parent, int depth);

static void add_kid(wkc__xml *parent, wkc__xml *k)
{
	parent->kids = wkc__xrealloc(parent->kids, (parent->nkids + 1) * sizeof *parent->kids);
	parent->kids[parent->nkids++] = *k;
}

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-' || c == '.' || c == ':';
}

/* Returns 0 at the parent's end tag, 1 at end of input, -1 on error. */
static int parse_kids(xp *x, wkc__xml *parent, int depth)
{
	wkc__buf text = {0};
	int rc = parent->name ? 1 : 0; /* end of input: fine only for the document */
	while (x->p < x->end) {
		if (*x->p != '<') {
			chars(x, &text);
			continue;
		}
		if (at(x, "<!--")) {
			skip_past(x, "-->");
		} else if (at(x, "<?")) {
			skip_past(x, "?>");
		} else if (at(x, "<![CDATA[")) {
			const char *s;
			adv(x, 9);
			s = x->p;
			skip_past(x, "]]>");
			if (text.len < 65536)
				wkc__buf_add(&text, s, (size_t)(x->p - s) >= 3 ? (size_t)(x->p - s) - 3 : 0);
		} else if (at(x, "<!")) {
			skip_past(x, ">");
		} else if (at(x, "</")) {
			const char *s;
			adv(x, 2);
			s = x->p;
			while (x->p < x->end && name_char(*x->p))
				adv(x, 1);
			if (parent->name == NULL || (size_t)(x->p - s) != strlen(parent->name) ||
			    memcmp(s, parent->name, (size_t)(x->p - s)) != 0) {
				snprintf(x->err, x->errlen, "end tag does not match <%s>",
					 parent->name ? parent->name : "(document)");
				x->where = x->line;
				rc = -1;
				break;
			}
			skip_past(x, ">");
			rc = 0;
			break;
		} else {
			wkc__xml k = {0};
			const char *s;
			bool empty = false;
			adv(x, 1);
			s = x->p;
			while (x->p < x->end && name_char(*x->p))
				adv(x, 1);
			if (x->p == s) {
				snprintf(x->err, x->errlen, "'<' not followed by an element name");
				x->where = x->line;
				rc = -1;
				break;
			}
			k.name = wkc__xmalloc((size_t)(x->p - s) + 1);
			memcpy(k.name, s, (size_t)(x->p - s));
			k.name[x->p - s] = '\0';
			k.line = x->line;
			/* Attributes are not used by Valgrind's format: skip them. */
			while (x->p < x->end && *x->p != '>') {
				if (*x->p == '"' || *x->p == '\'') {
					char q = *x->p;
					adv(x, 1);
					while (x->p < x->end && *x->p != q)
						adv(x, 1);
				}
				if (x->p < x->end && *x->p == '/' && x->p + 1 < x->end && x->p[1] == '>')
					empty = true;
				adv(x, 1);
			}
			if (x->p >= x->end) {
				add_kid(parent, &k);
				x->where = k.line;
				rc = 1;
				break;
			}
			adv(x, 1);
			if (!empty) {
				int r;
				if (depth + 1 > MAX_DEPTH) {
					snprintf(x->err, x->errlen, "elements nested deeper than %d", MAX_DEPTH);
					x->where = x->line;
					add_kid(parent, &k);
					rc = -1;
					break;
				}
				r = parse_kids(x, &k, depth + 1);
				add_kid(parent, &k);
				if (r != 0) {
					if (r == 1 && x->where == 0)
						x->where = k.line;
					rc = r;
					break;
				}
			} else {
				add_kid(parent, &k);
			}
		}
	}
	if (text.s) {
		/* Trim: Valgrind indents its text. */
		char *s = text.s, *e = text.s + text.len;
		while (s < e && (*s == ' ' || *s == '\n' || *s == '\t' || *s == '\r'))
			s++;
		while (e > s && (e[-1] == ' ' || e[-1] == '\n' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		parent->text = wkc__xmalloc((size_t)(e - s) + 1);
		memcpy(parent->text, s, (size_t)(e - s));
		parent->text[e - s] = '\0';
		wkc__buf_free(&text);
	}
	return rc;
}

int wkc__xml_parse(const char *buf, size_t len, wkc__xml *root, size_t *where, char *err,
		   size_t errlen)
{
	xp x = {buf, buf + len, 1, err, errlen, 0};
	int rc;
	memset(root, 0, sizeof *root);
	err[0] = '\0';
	rc = parse_kids(&x, root, 0);
	if (rc == 1 && err[0] == '\0')
		snprintf(err, errlen, "input ended inside an element opened here (cut short?)");
	*where = x.where ? x.where : x.line;
	return rc;
}

void wkc__xml_free(wkc__xml *x)
{
	for (size_t i = 0; i < x->nkids; i++)
		wkc__xml_free(&x->kids[i]);
	free(x->kids);
	free(x->name);
	free(x->text);
	memset(x, 0, sizeof *x);
}

const wkc__xml *wkc__xml_child(const wkc__xml *x, const char *name)
{
	for (size_t i = 0; x && i < x->nkids; i++)
		if (strcmp(x->kids[i].name, name) == 0)
			return &x->kids[i];
	return NULL;
}

const char *wkc__xml_text(const wkc__xml *x, const char *name, const char *dflt)
{
	const wkc__xml *k = wkc__xml_child(x, name);
	return k && k->text ? k->text : dflt;
}
