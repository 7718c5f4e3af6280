/*
 * proto.h - the line protocol a check's child process uses to report to
 * the runner over a pipe.
 *
 *     expect <id>          an abnormal death from now on breaks <id>
 *     fail <id> <message>  requirement <id> failed; the check goes on
 *     note <message>       an observation, reported but not a failure
 *     unexercised <id> <message>
 *                          the check could not exercise <id> (why): the
 *                          id gets no PASS from this check
 *     skip <message>       the check does not apply; it ends here
 *     error <message>      the harness itself failed in the child
 *     done                 the check function returned
 *
 * One line per write(2), at most WKC__PROTO_MAX bytes, so that lines from
 * several threads of a check never interleave (POSIX makes pipe writes of
 * up to PIPE_BUF bytes atomic).  Messages escape '\\' and newlines.
 */
#ifndef WKC_PROTO_H
#define WKC_PROTO_H

#include <stddef.h>

#define WKC__PROTO_MAX 2048

/* Send one line; verb and id are plain words, msg may be NULL. */
void wkc__proto_send(int fd, const char *verb, const char *id, const char *msg);

typedef struct wkc__proto_line {
	char verb[16];
	char id[64];
	char *msg; /* unescaped, heap; "" when absent */
} wkc__proto_line;

/* Parse one line (without its '\n'); 0, or -1 when it is not protocol. */
int wkc__proto_parse(const char *line, wkc__proto_line *out);
void wkc__proto_line_free(wkc__proto_line *l);

#endif /* WKC_PROTO_H */
