/*
 * grandchild.h - run part of a check in a process of its own.
 *
 * Some behaviour can only be judged by the fate of a process: a context
 * that must abort loudly (WK-EXEC-022), a foreign wake that may abort by
 * policy (WK-EXEC-027).  The check's child forks a grandchild that makes
 * its own executor, collects what it writes on stderr, and reads how it
 * ended.  Fork before this process has any executor thread.
 */
#ifndef WKC_GRANDCHILD_H
#define WKC_GRANDCHILD_H

#include <stdbool.h>

#include "wkc/check.h"

typedef struct wkc_grandchild {
	int status;     /* waitpid status, when !killed */
	bool killed;    /* still running after the bound: killed with SIGKILL */
	char out[4096]; /* its stderr (the first 4095 bytes), NUL-terminated */
} wkc_grandchild;

/*
 * Forks; the grandchild points its stderr at a pipe and runs fn(arg), which
 * must end the process (_exit, abort).  Waits up to bound_ms for it, then
 * kills it.  A pipe or fork that fails skips the check (wkc_skip).
 */
void wkc_grandchild_run(wkc_ctx *cx, void (*fn)(void *arg), void *arg, double bound_ms,
			wkc_grandchild *g);

#endif /* WKC_GRANDCHILD_H */
