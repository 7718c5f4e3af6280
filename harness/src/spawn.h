/*
 * spawn.h - starting a check's child: its own process group (so a
 * timeout kills everything it started), stdout and stderr into its log
 * file, the report pipe on fd 3, the sanitizer options of this build, and
 * optionally a Valgrind wrapper.
 */
#ifndef WKC_SPAWN_H
#define WKC_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

#define WKC__REPORT_FD 3

typedef struct wkc__spawn_req {
	char *const *argv;        /* argv[0] is the executable's path */
	char *const *wrapper;     /* e.g. Valgrind's argv prefix, or NULL */
	const char *log_path;     /* stdout + stderr of the child */
	const char *san_prefix;   /* sanitizer log_path prefix */
	const wkc__build_info *bi;
} wkc__spawn_req;

/* Start the child; returns its pid (also its process group id) with the
 * non-blocking read end of the report pipe in *report_fd, or -1 with a
 * reason in err. */
pid_t wkc__spawn(const wkc__spawn_req *req, int *report_fd, char *err, size_t errlen);

#endif /* WKC_SPAWN_H */
