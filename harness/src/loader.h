/*
 * loader.h - finding an adapter (built in or a shared library), checking it
 * before any of its functions is called, and describing its capabilities.
 */
#ifndef WKC_LOADER_H
#define WKC_LOADER_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"
#include "wkc/adapter.h"
#include "wkc/check.h"

/*
 * Check a table the way the harness reads it (sqlite3_vfs style): the
 * version first, then the required functions of that version, then the
 * strings, then the capability flags.  Returns 0, or -1 with a one-line
 * reason in err (no file name; the caller adds where the table came from).
 */
int wkc__adapter_validate(const wkc_adapter *a, char *err, size_t errlen);

/*
 * dlopen path, call its entry symbol and validate the table.  Returns the
 * table, or NULL with "adapter PATH: <problem>" in err.  The library stays
 * loaded for the life of the process: wakers may outlive everything.
 */
const wkc_adapter *wkc__adapter_load(const char *path, char *err, size_t errlen);

/* A built-in adapter by name, or NULL. */
const wkc_adapter *wkc__builtin_find(const char *name);

/* Validate every built-in; 0, or -1 after printing what is wrong. */
int wkc__builtins_validate(void);

/* "THREAD_SAFE_WAKERS|LIVE_TASKS" ("none" when 0). */
void wkc__caps_format(uint32_t caps, wkc__buf *out);

/* Why check c does not apply to an executor with these caps (heap string),
 * or NULL when it applies. */
char *wkc__skip_reason(const wkc_check *c, uint32_t caps);

#endif /* WKC_LOADER_H */
