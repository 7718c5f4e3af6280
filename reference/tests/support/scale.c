/* scale.c - see scale.h. */
#include "scale.h"

#include <stdlib.h>

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#define WKT_HAVE_VALGRIND_H 1
#endif
#endif

#if defined(__SANITIZE_THREAD__)
#define WKT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WKT_TSAN 1
#endif
#endif

bool wkt_on_valgrind(void)
{
#ifdef WKT_HAVE_VALGRIND_H
	return RUNNING_ON_VALGRIND != 0;
#else
	return false;
#endif
}

unsigned long wkt_scaled(unsigned long native)
{
	unsigned long divisor = 1;
	bool explicit_scale = false;
	const char *env = getenv("WK_TEST_SCALE");

	if (env != NULL && *env != '\0') {
		char *end;
		unsigned long v = strtoul(env, &end, 10);
		if (*end == '\0' && v > 0) {
			divisor = v; /* an explicit factor replaces the guesses below */
			explicit_scale = true;
		}
	}
	if (!explicit_scale) {
		if (wkt_on_valgrind())
			divisor = 20;
#ifdef WKT_TSAN
		divisor = 4;
#endif
	}
	native /= divisor;
	return native > 0 ? native : 1;
}
