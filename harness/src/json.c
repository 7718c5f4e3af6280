/* json.c - a JSON string writer and a small recursive-descent parser. */
#include "json.h"

#include <stdlib.h>
#include <string.h>

void wkc__json_str(wkc__buf *b, const char *s)
{
	wkc__buf_putc(b, '"');
	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; p++) {
		switch (*p) {
		case '"': wkc__buf_puts(b, "\\\""); break;
		case '\\': wkc__buf_puts(b, "\\\\"); break;
		case '\n': wkc__buf_puts(b, "\\n"); break;
		case '\r': wkc__buf_puts(b, "\\r"); break;
		case '\t': wkc__buf_puts(b, "\\t"); break;
		default:
			if (*p < 0x20)
				wkc__buf_printf(b, "\\u%04x", *p);
			else if (*p >= 0x7f)
				wkc__buf_putc(b, '?');
			else
				wkc__buf_putc(b, (char)*p);
		}
	}
	wkc__buf_putc(b, '"');
}

typedef struct parser {
	const char *p;
	int depth;
} parser;

static void skip_ws(parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static bool parse_value(parser *ps, wkc__json *out);

static bool parse_string(parser *ps, char **out)
{
	wkc__buf b = {0};
	if (*ps->p != '"')
		return false;
	ps->p++;
	while (*ps->p != '"') {
		char c = *ps->p;
		if (c == '\0') {
			wkc__buf_free(&b);
			return false;
		}
		if (c == '\\') {
			char e = *++ps->p;
			switch (e) {
			case 'n': c = '\n'; break;
			case 'r': c = '\r'; break;
			case 't': c = '\t'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case '/': case '\\': case '"': c = e; break;
			case 'u': {
				unsigned v = 0;
				for (int i = 1; i <= 4; i++) {
					char h = ps->p[i];
					v <<= 4;
					if (h >= '0' && h <= '9')
						v |= (unsigned)(h - '0');
					else if (h >= 'a' && h <= 'f')
						v |= (unsigned)(h - 'a' + 10);
					else if (h >= 'A' && h <= 'F')
						v |= (unsigned)(h - 'A' + 10);
					else {
						wkc__buf_free(&b);
						return false;
					}
				}
				ps->p += 4;
				/* The writer only escapes control bytes this way. */
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			default:
				wkc__buf_free(&b);
				return false;
			}
		}
		wkc__buf_putc(&b, c);
		ps->p++;
	}
	ps->p++;
	*out = b.s ? b.s : wkc__xstrdup("");
	return true;
}

static bool parse_container(parser *ps, wkc__json *out, bool object)
{
	char close = object ? '}' : ']';
	size_t cap = 0;
	out->kind = object ? WKC__J_OBJ : WKC__J_ARR;
	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return true;
	}
	for (;;) {
		char *key = NULL;
		skip_ws(ps);
		if (object) {
			if (!parse_string(ps, &key))
				return false;
			skip_ws(ps);
			if (*ps->p != ':') {
				free(key);
				return false;
			}
			ps->p++;
		}
		if (out->n == cap) {
			cap = cap ? cap * 2 : 8;
			out->items = wkc__xrealloc(out->items, cap * sizeof *out->items);
			if (object)
				out->keys = wkc__xrealloc(out->keys, cap * sizeof *out->keys);
		}
		memset(&out->items[out->n], 0, sizeof out->items[0]);
		if (object)
			out->keys[out->n] = key;
		out->n++;
		if (!parse_value(ps, &out->items[out->n - 1]))
			return false;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return true;
		}
		return false;
	}
}

static bool parse_value(parser *ps, wkc__json *out)
{
	skip_ws(ps);
	if (++ps->depth > 32)
		return false;
	switch (*ps->p) {
	case '{': case '[': {
		bool ok = parse_container(ps, out, *ps->p == '{');
		ps->depth--;
		return ok;
	}
	case '"':
		out->kind = WKC__J_STR;
		ps->depth--;
		return parse_string(ps, &out->str);
	case 't': case 'f': case 'n': {
		const char *w = *ps->p == 't' ? "true" : *ps->p == 'f' ? "false" : "null";
		if (strncmp(ps->p, w, strlen(w)) != 0)
			return false;
		out->kind = *w == 'n' ? WKC__J_NULL : WKC__J_BOOL;
		out->b = *w == 't';
		ps->p += strlen(w);
		ps->depth--;
		return true;
	}
	default: {
		char *end;
		out->num = strtod(ps->p, &end);
		if (end == ps->p)
			return false;
		out->kind = WKC__J_NUM;
		ps->p = end;
		ps->depth--;
		return true;
	}
	}
}

static void free_inner(wkc__json *v)
{
	for (size_t i = 0; i < v->n; i++) {
		free_inner(&v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->str);
}

wkc__json *wkc__json_parse(const char *text)
{
	parser ps = {text, 0};
	wkc__json *v = wkc__xcalloc(1, sizeof *v);
	if (!parse_value(&ps, v)) {
		wkc__json_free(v);
		return NULL;
	}
	skip_ws(&ps);
	if (*ps.p != '\0') {
		wkc__json_free(v);
		return NULL;
	}
	return v;
}

void wkc__json_free(wkc__json *v)
{
	if (v == NULL)
		return;
	free_inner(v);
	free(v);
}

const wkc__json *wkc__json_get(const wkc__json *obj, const char *key)
{
	if (obj == NULL || obj->kind != WKC__J_OBJ)
		return NULL;
	for (size_t i = 0; i < obj->n; i++)
		if (obj->keys[i] && strcmp(obj->keys[i], key) == 0)
			return &obj->items[i];
	return NULL;
}

const char *wkc__json_get_str(const wkc__json *obj, const char *key, const char *dflt)
{
	const wkc__json *v = wkc__json_get(obj, key);
	return v && v->kind == WKC__J_STR ? v->str : dflt;
}

double wkc__json_get_num(const wkc__json *obj, const char *key, double dflt)
{
	const wkc__json *v = wkc__json_get(obj, key);
	return v && v->kind == WKC__J_NUM ? v->num : dflt;
}

bool wkc__json_get_bool(const wkc__json *obj, const char *key, bool dflt)
{
	const wkc__json *v = wkc__json_get(obj, key);
	return v && v->kind == WKC__J_BOOL ? v->b : dflt;
}
