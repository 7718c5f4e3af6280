/*
 * loud_vtable.h - a raw waker vtable that reports each call on stderr.
 *
 * Every call prints "vtable call N (clone|wake|wake_by_ref|drop)", numbered
 * from 1, so that a misuse test run in a child process (expect_abort.h) can
 * require that the abort came before any vtable call ("!vtable call") or
 * after exactly some ("vtable call 1 (clone)", "!vtable call 2").  clone
 * returns the same data with this vtable; the others do nothing else.  The
 * count is a plain int: child processes only, one thread at a time.
 */
#ifndef WKT_LOUD_VTABLE_H
#define WKT_LOUD_VTABLE_H

#include "wk/waker.h"

extern const wk_raw_waker_vtable wkt_loud_vtable;

/* A raw waker for data with the loud vtable. */
wk_raw_waker wkt_loud_raw(const void *data);

#endif /* WKT_LOUD_VTABLE_H */
