/*
 * json.h - just enough JSON for results.jsonl: a string escaper for
 * writing, and a small parser for reading the file back on --resume,
 * replay and certify.
 */
#ifndef WKC_JSON_H
#define WKC_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/* Append s as a JSON string literal.  Bytes outside printable ASCII are
 * escaped or replaced by '?', so the output is always valid UTF-8. */
void wkc__json_str(wkc__buf *b, const char *s);

typedef enum wkc__json_kind {
	WKC__J_NULL,
	WKC__J_BOOL,
	WKC__J_NUM,
	WKC__J_STR,
	WKC__J_ARR,
	WKC__J_OBJ,
} wkc__json_kind;

typedef struct wkc__json {
	wkc__json_kind kind;
	bool b;
	double num;
	char *str;
	struct wkc__json *items; /* array elements or object values */
	char **keys;             /* object keys */
	size_t n;
} wkc__json;

/* Parse one complete JSON value (trailing spaces allowed); NULL when the
 * text is not exactly one value, e.g. a line cut short by a kill. */
wkc__json *wkc__json_parse(const char *text);
void wkc__json_free(wkc__json *v);

const wkc__json *wkc__json_get(const wkc__json *obj, const char *key);
/* Typed getters with a fallback when absent or of another kind. */
const char *wkc__json_get_str(const wkc__json *obj, const char *key, const char *dflt);
double wkc__json_get_num(const wkc__json *obj, const char *key, double dflt);
bool wkc__json_get_bool(const wkc__json *obj, const char *key, bool dflt);

#endif /* WKC_JSON_H */
