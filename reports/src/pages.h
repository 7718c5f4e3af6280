/* pages.h - the HTML pages of a report. */
#ifndef WKC_REPORTS_PAGES_H
#define WKC_REPORTS_PAGES_H

#include "model.h"

/* Write every page into dir (which exists); 0, or -1 with a message on stderr. */
int wkc__pages_write(const wkc__model *m, const char *dir);

/* An inline SVG line plot of ys against xs (n points); y < 0 means "no value". */
void wkc__svg_plot(wkc__buf *b, const char *title, const double *xs, const double *ys, size_t n);

#endif /* WKC_REPORTS_PAGES_H */
