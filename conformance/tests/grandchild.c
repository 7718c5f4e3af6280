/*
 * grandchild.c - run part of a check in a process of its own (grandchild.h).
 */
#define _POSIX_C_SOURCE 200809L

#include "grandchild.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "scene.h"

void wkc_grandchild_run(wkc_ctx *cx, void (*fn)(void *arg), void *arg, double bound_ms,
			wkc_grandchild *g)
{
	double deadline = wkc_scene_now_ms() + bound_ms;
	size_t len = 0, cap = sizeof g->out;
	int fds[2];
	pid_t pid;

	g->status = 0;
	g->killed = false;
	g->out[0] = '\0';
	if (pipe(fds) != 0)
		wkc_skip(cx, "harness: pipe: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		wkc_skip(cx, "harness: fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], STDERR_FILENO);
		fn(arg);
		_exit(127); /* fn must not return; say so by a status no check expects */
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = {fds[0], POLLIN, 0};
		if (poll(&pfd, 1, 20) > 0) {
			ssize_t r = read(fds[0], g->out + len, cap - 1 - len);
			if (r > 0)
				len += (size_t)r;
		}
		if (waitpid(pid, &g->status, WNOHANG) == pid)
			break;
		if (wkc_scene_now_ms() > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &g->status, 0);
			g->killed = true;
			break;
		}
	}
	/* What it wrote just before it ended. */
	for (ssize_t r; len < cap - 1 && (r = read(fds[0], g->out + len, cap - 1 - len)) > 0;)
		len += (size_t)r;
	g->out[len] = '\0';
	close(fds[0]);
}
