/*
 * scale.h - iteration counts that stay short under slow tools.
 *
 * Stress loops ask for a native count; wkt_scaled divides it by the integer
 * in the environment variable WK_TEST_SCALE when that is set (>= 1: the
 * slow test presets set it), and otherwise guesses: by 20 under Valgrind
 * (it serialises threads), by 4 in a ThreadSanitizer build.  The result is
 * at least 1.  Counts shape run time only, never a verdict.
 */
#ifndef WKT_SCALE_H
#define WKT_SCALE_H

#include <stdbool.h>

unsigned long wkt_scaled(unsigned long native);
bool wkt_on_valgrind(void);

#endif /* WKT_SCALE_H */
