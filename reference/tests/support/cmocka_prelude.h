/* cmocka_prelude.h - the headers cmocka.h expects to be included before it. */
#ifndef WKT_CMOCKA_PRELUDE_H
#define WKT_CMOCKA_PRELUDE_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#endif /* WKT_CMOCKA_PRELUDE_H */
