/* writers.h - the machine outputs of a report: report.json and SARIF 2.1.0. */
#ifndef WKC_REPORTS_WRITERS_H
#define WKC_REPORTS_WRITERS_H

#include "model.h"

void wkc__report_json(wkc__buf *b, const wkc__model *m);
void wkc__report_sarif(wkc__buf *b, const wkc__model *m);
/* A JSON string literal: UTF-8 kept (invalid bytes -> U+FFFD), < > & escaped. */
void wkc__report_json_str(wkc__buf *b, const char *s);

#endif /* WKC_REPORTS_WRITERS_H */
