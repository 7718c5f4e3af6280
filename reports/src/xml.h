/*
 * xml.h - just enough XML for Valgrind's --xml=yes output: elements, text,
 * the five named entities and numeric references.  No DTDs, no namespaces.
 * A document cut short (Valgrind killed mid-run) is closed at the end of
 * the input and reported; anything malformed gives the line it is on.
 */
#ifndef WKC_REPORTS_XML_H
#define WKC_REPORTS_XML_H

#include <stddef.h>

typedef struct wkc__xml {
	char *name;  /* element name */
	char *text;  /* concatenated character data directly inside */
	struct wkc__xml *kids;
	size_t nkids;
	size_t line; /* where it starts */
} wkc__xml;

/* Parse buf into *root (a synthetic element holding the top level).
 * Returns 0, 1 when the input ended inside an element (*where says where it
 * was opened), or -1 on malformed input (*where = its line); err gets a
 * short message either way. */
int wkc__xml_parse(const char *buf, size_t len, wkc__xml *root, size_t *where, char *err,
		   size_t errlen);
void wkc__xml_free(wkc__xml *x);
/* First child named name, or NULL. */
const wkc__xml *wkc__xml_child(const wkc__xml *x, const char *name);
/* Text of the first child named name, or dflt. */
const char *wkc__xml_text(const wkc__xml *x, const char *name, const char *dflt);

#endif /* WKC_REPORTS_XML_H */
