/* spawn.c - fork and exec of one check's child process. */
#define _GNU_SOURCE
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "profile.h"
#include "util.h"

/* Between fork and exec: only this process's own state is touched; the
 * parent is single-threaded, so malloc and setenv are safe here. */
#if defined(__GNUC__)
__attribute__((noreturn))
#endif
static void child_side(const wkc__spawn_req *req, int wfd, pid_t parent)
{
	int log, nul;
	sigset_t none;
	char **argv;
	size_t nw = 0, na = 0;

	setpgid(0, 0);
	/* A runner killed with SIGKILL cannot kill its children: let the
	 * kernel do it, so no hanging check outlives its run. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	if (wfd != WKC__REPORT_FD) {
		if (dup2(wfd, WKC__REPORT_FD) < 0)
			_exit(127);
		close(wfd);
	} else {
		fcntl(wfd, F_SETFD, 0); /* keep it across exec */
	}
	log = open(req->log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	nul = open("/dev/null", O_RDONLY);
	if (log < 0 || nul < 0) {
		dprintf(WKC__REPORT_FD, "error cannot open %s: %s\n", req->log_path,
			strerror(errno));
		_exit(127);
	}
	dup2(nul, 0);
	dup2(log, 1);
	dup2(log, 2);
	if (log > WKC__REPORT_FD)
		close(log);
	if (nul > WKC__REPORT_FD)
		close(nul);

	wkc__profile_child_env(req->bi, req->san_prefix);

	while (req->wrapper && req->wrapper[nw])
		nw++;
	while (req->argv[na])
		na++;
	argv = wkc__xcalloc(nw + na + 1, sizeof *argv);
	for (size_t i = 0; i < nw; i++)
		argv[i] = req->wrapper[i];
	for (size_t i = 0; i < na; i++)
		argv[nw + i] = req->argv[i];
	if (nw)
		execvp(argv[0], argv);
	else
		execv(argv[0], argv);
	dprintf(WKC__REPORT_FD, "error cannot run %s: %s\n", argv[0], strerror(errno));
	fprintf(stderr, "wakerconf: error: cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

pid_t wkc__spawn(const wkc__spawn_req *req, int *report_fd, char *err, size_t errlen)
{
	int p[2];
	pid_t parent = getpid(), pid;
	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		close(p[0]);
		child_side(req, p[1], parent);
	}
	/* Also from this side, so a kill(-pid) right after fork finds the
	 * group (EACCES once the child has exec'd: it did it itself). */
	setpgid(pid, pid);
	close(p[1]);
	fcntl(p[0], F_SETFL, fcntl(p[0], F_GETFL) | O_NONBLOCK);
	*report_fd = p[0];
	return pid;
}
