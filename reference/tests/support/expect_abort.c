/* expect_abort.c - fork, capture stderr, expect SIGABRT (see expect_abort.h). */
#define _POSIX_C_SOURCE 200809L

#include "expect_abort.h"

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Exit codes a child uses when it did not get as far as aborting. */
enum { CHILD_RETURNED = 97, CHILD_SETUP_FAILED = 98 };

/* A child that hangs (deadlock in a misuse path) dies by SIGALRM instead of
 * stalling the test until the ctest timeout; generous for Valgrind. */
enum { CHILD_ALARM_SECONDS = 120 };

/* More than any abort message; the rest is read and discarded so the child
 * never blocks on a full pipe. */
enum { CAPTURE_MAX = 64 * 1024 };

static void run_child(int write_fd, wkt_child_fn fn, void *arg)
{
	sigset_t set;

	if (dup2(write_fd, STDERR_FILENO) < 0)
		_exit(CHILD_SETUP_FAILED);
	close(write_fd);
	/* The test runner may have changed SIGABRT's disposition or mask;
	 * the check needs the default action. */
	signal(SIGABRT, SIG_DFL);
	sigemptyset(&set);
	sigaddset(&set, SIGABRT);
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	alarm(CHILD_ALARM_SECONDS);

	fn(arg);

	fputs("expect_abort: the callback returned: it did not abort\n", stderr);
	fflush(stderr);
	/* _exit: no atexit handlers, no flush of buffers inherited from the
	 * parent, no sanitizer leak report for the child. */
	_exit(CHILD_RETURNED);
}

/* Read everything until EOF; keep at most CAPTURE_MAX bytes, NUL-terminated. */
static char *read_all(int fd, size_t *len_out)
{
	char *buf = malloc(CAPTURE_MAX + 1);
	size_t len = 0;
	char scratch[4096];

	if (buf == NULL)
		return NULL;
	for (;;) {
		ssize_t n = read(fd, scratch, sizeof scratch);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (n == 0)
			break;
		size_t keep = (size_t)n;
		if (keep > CAPTURE_MAX - len)
			keep = CAPTURE_MAX - len;
		memcpy(buf + len, scratch, keep);
		len += keep;
	}
	buf[len] = '\0';
	*len_out = len;
	return buf;
}

static void describe_status(int status, char *out, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(out, size, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == CHILD_RETURNED)
		snprintf(out, size, "did not abort (callback returned)");
	else if (WIFEXITED(status))
		snprintf(out, size, "exited with status %d", WEXITSTATUS(status));
	else
		snprintf(out, size, "ended with wait status 0x%x", (unsigned)status);
}

bool wkt_child_aborts(wkt_child_fn fn, void *arg, ...)
{
	int fds[2];
	pid_t pid;
	int status = 0;
	size_t len = 0;
	char *text;
	bool ok = true;
	char how[128];
	va_list ap;
	const char *needle;

	if (pipe(fds) != 0) {
		perror("expect_abort: pipe");
		return false;
	}
	/* Anything buffered now would otherwise be written twice. */
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("expect_abort: fork");
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		close(fds[0]);
		run_child(fds[1], fn, arg);
	}
	close(fds[1]);
	text = read_all(fds[0], &len);
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			perror("expect_abort: waitpid");
			free(text);
			return false;
		}
	}
	if (text == NULL) {
		fputs("expect_abort: out of memory\n", stderr);
		return false;
	}

	describe_status(status, how, sizeof how);
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT) {
		fprintf(stderr, "expect_abort: expected the child to die by SIGABRT; it %s\n", how);
		ok = false;
	}
	va_start(ap, arg);
	while ((needle = va_arg(ap, const char *)) != NULL) {
		if (needle[0] == '!') {
			if (strstr(text, needle + 1) != NULL) {
				fprintf(stderr, "expect_abort: the child's stderr has \"%s\"\n",
					needle + 1);
				ok = false;
			}
		} else if (strstr(text, needle) == NULL) {
			fprintf(stderr, "expect_abort: the child's stderr lacks \"%s\"\n", needle);
			ok = false;
		}
	}
	va_end(ap);
	if (!ok)
		fprintf(stderr, "expect_abort: captured stderr (%zu bytes):\n---\n%s%s---\n", len,
			text, (len > 0 && text[len - 1] != '\n') ? "\n" : "");
	free(text);
	return ok;
}
