/* junit.h - JUnit XML for CI: one testsuite per run, one testcase per check. */
#ifndef WKC_JUNIT_H
#define WKC_JUNIT_H

#include <stddef.h>

#include "result.h"

/* Write (replace) path; 0, or -1 after printing why. */
int wkc__junit_write(const char *path, const wkc__run_header *h, const wkc__result *rs, size_t n,
		     const char *exe);

#endif /* WKC_JUNIT_H */
