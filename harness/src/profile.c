/*
 * profile.c - the default, asan, tsan and valgrind profiles.
 *
 * ASan and TSan need instrumented code, and the checks and built-in
 * adapters are linked into the harness, so those profiles run an
 * instrumented build of the harness itself: a default build execs its
 * twin from the asan / tsan build tree.  Valgrind needs no instrumentation
 * and wraps each child instead (the route for binary-only executors).
 */
#define _POSIX_C_SOURCE 200809L
#include "profile.h"

#include "wkc/adapter.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int wkc__profile_parse(const char *s, wkc__profile *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof *p);
	if (strcmp(s, "default") == 0) {
		p->kind = WKC__PROF_DEFAULT;
	} else if (strcmp(s, "asan") == 0) {
		p->kind = WKC__PROF_ASAN;
	} else if (strcmp(s, "tsan") == 0) {
		p->kind = WKC__PROF_TSAN;
	} else if (strncmp(s, "valgrind", 8) == 0 && (s[8] == '\0' || s[8] == ':')) {
		const char *tool = s[8] ? s + 9 : "memcheck";
		if (strcmp(tool, "memcheck") != 0 && strcmp(tool, "helgrind") != 0 &&
		    strcmp(tool, "drd") != 0) {
			snprintf(err, errlen,
				 "unknown Valgrind tool '%s' (memcheck, helgrind or drd)", tool);
			return -1;
		}
		p->kind = WKC__PROF_VALGRIND;
		snprintf(p->tool, sizeof p->tool, "%s", tool);
		snprintf(p->name, sizeof p->name, "valgrind:%s", tool);
		return 0;
	} else {
		snprintf(err, errlen,
			 "unknown profile '%s' (default, asan, tsan, valgrind[:memcheck|helgrind|drd])",
			 s);
		return -1;
	}
	snprintf(p->name, sizeof p->name, "%s", s);
	return 0;
}

double wkc__profile_multiplier(const wkc__profile *p)
{
	switch (p->kind) {
	case WKC__PROF_ASAN: return 3;
	case WKC__PROF_TSAN: return 5;
	case WKC__PROF_VALGRIND: return 30;
	default: return 1;
	}
}

double wkc__profile_scale(const wkc__profile *p)
{
	switch (p->kind) {
	case WKC__PROF_ASAN: return 0.5;
	case WKC__PROF_TSAN: return 0.25;
	case WKC__PROF_VALGRIND:
		/* helgrind and drd serialise threads and run ~100x slower. */
		return strcmp(p->tool, "memcheck") == 0 ? 0.1 : 0.02;
	default: return 1;
	}
}

double wkc__profile_scale_for(const wkc__profile *p, double multiplier)
{
	double scale = wkc__profile_scale(p), def = wkc__profile_multiplier(p);
	return multiplier > def ? scale * def / multiplier : scale;
}

const char *wkc__profile_sanitizer(const wkc__profile *p)
{
	if (p->kind == WKC__PROF_ASAN)
		return "address";
	if (p->kind == WKC__PROF_TSAN)
		return "thread";
	return NULL;
}

const char *wkc__profile_harness_path(const wkc__profile *p, const wkc__build_info *bi,
				      bool *exists)
{
	const char *need = wkc__profile_sanitizer(p);
	const char *path;
	*exists = true;
	if (need == NULL || strcmp(need, bi->sanitize) == 0)
		return NULL;
	/* The environment overrides the path built in (tests, relocated trees). */
	path = getenv(strcmp(need, "thread") == 0 ? "WKC_TSAN_HARNESS" : "WKC_ASAN_HARNESS");
	if (path == NULL || *path == '\0')
		path = strcmp(need, "thread") == 0 ? bi->tsan_harness : bi->asan_harness;
	*exists = path != NULL && *path && access(path, X_OK) == 0;
	return path ? path : "";
}

char *wkc__profile_build_hint(const wkc__profile *p, const wkc__build_info *bi)
{
	bool exists;
	const char *path = wkc__profile_harness_path(p, bi, &exists);
	const char *preset = p->kind == WKC__PROF_TSAN ? "tsan" : "asan";
	const char *san = p->kind == WKC__PROF_TSAN ? "thread" : "address";
	const char *var = p->kind == WKC__PROF_TSAN ? "WKC_TSAN_HARNESS" : "WKC_ASAN_HARNESS";
	return wkc__xasprintf(
		"profile %s needs the %s build of %s at %s, which is missing: build it with "
		"`cmake --preset %s && cmake --build --preset %s` from the source tree (or configure "
		"a tree with -DCMAKE_C_COMPILER=clang -DWK_SANITIZE=%s and point -D%s at its "
		"harness/%s)",
		p->name, p->kind == WKC__PROF_TSAN ? "ThreadSanitizer" : "AddressSanitizer",
		bi->exe_name, path ? path : "(unset)", preset, preset, san, var, bi->exe_name);
}

int wkc__profile_ensure_build(const wkc__profile *p, const wkc__build_info *bi, char **argv)
{
	bool exists;
	const char *path = wkc__profile_harness_path(p, bi, &exists);
	if (path == NULL)
		return 0;
	if (!exists) {
		char *hint = wkc__profile_build_hint(p, bi);
		wkc__error("%s", hint);
		free(hint);
		return WKC__EXIT_USAGE;
	}
	/* A twin that is not instrumented as promised would exec us back. */
	if (getenv("WKC_REEXEC") != NULL) {
		wkc__error("%s is not built with -fsanitize=%s (WK_SANITIZE); refusing to loop", path,
			   wkc__profile_sanitizer(p));
		return WKC__EXIT_USAGE;
	}
	setenv("WKC_REEXEC", "1", 1);
	fflush(NULL);
	execv(path, argv);
	wkc__error("cannot run %s: %s", path, strerror(errno));
	return WKC__EXIT_USAGE;
}

static void add_options(const char *var, const char *ours)
{
	/* The user's own options first; ours after them win where they clash
	 * (log_path and the exit code must be ours for the verdict). */
	const char *user = getenv(var);
	char *v = user && *user ? wkc__xasprintf("%s:%s", user, ours) : wkc__xstrdup(ours);
	setenv(var, v, 1);
	free(v);
}

void wkc__profile_child_env(const wkc__build_info *bi, const char *prefix)
{
	char *o;
	if (strcmp(bi->sanitize, "thread") == 0) {
		/* halt_on_error: the first report ends the child, status 66. */
		o = wkc__xasprintf("log_path=%s:halt_on_error=1:abort_on_error=0:exitcode=%d:"
				   "second_deadlock_stack=1",
				   prefix, WKC__TSAN_EXIT);
		add_options("TSAN_OPTIONS", o);
		free(o);
	} else if (strcmp(bi->sanitize, "address") == 0) {
		o = wkc__xasprintf("log_path=%s:halt_on_error=1:abort_on_error=0:exitcode=%d:"
				   "detect_leaks=1",
				   prefix, WKC__ASAN_EXIT);
		add_options("ASAN_OPTIONS", o);
		free(o);
		/* exitcode: UBSan's own runtime (gcc's libubsan) reads it from
		 * here, not from ASAN_OPTIONS. */
		o = wkc__xasprintf("log_path=%s:halt_on_error=1:print_stacktrace=1:exitcode=%d",
				   prefix, WKC__ASAN_EXIT);
		add_options("UBSAN_OPTIONS", o);
		free(o);
		o = wkc__xasprintf("log_path=%s:exitcode=%d", prefix, WKC__ASAN_EXIT);
		add_options("LSAN_OPTIONS", o);
		free(o);
	}
}

/*
 * Suppressions for what the tools misreport inside the C library itself,
 * never for executor or harness code: each entry says why on its first
 * line.  Written next to the XML reports (one file per run directory), so
 * that no installed path is needed.
 */
static const char valgrind_supp[] =
	"# glibc 2.36's pthread_cond_timedwait, when its timeout races a signal, broadcasts\n"
	"# internally without the caller's mutex (__condvar_cancel_waiting); helgrind reports\n"
	"# that broadcast as the caller's \"lock not held\" misuse. A 20-line program that only\n"
	"# uses timedwait and broadcast under the mutex reproduces it.\n"
	"{\n"
	"   glibc-cond-timedwait-timeout-broadcast\n"
	"   Helgrind:Misc\n"
	"   obj:*/vgpreload_helgrind-*.so\n"
	"   fun:__pthread_cond_wait_common\n"
	"   fun:pthread_cond_timedwait*\n"
	"}\n";

/* The suppression file beside xml_file, written if missing; NULL on error. */
static char *supp_file(const char *xml_file)
{
	const char *slash = strrchr(xml_file, '/');
	char *path = slash ? wkc__xasprintf("%.*s/wkc-valgrind.supp", (int)(slash - xml_file), xml_file)
			   : wkc__xstrdup("wkc-valgrind.supp");
	char *tmp;
	FILE *f;
	bool ok;
	if (access(path, R_OK) == 0)
		return path;
	/* Checks start in parallel: write aside, then rename (atomic). */
	tmp = wkc__xasprintf("%s.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	ok = f != NULL && fputs(valgrind_supp, f) != EOF;
	ok = (f != NULL && fclose(f) == 0) && ok && rename(tmp, path) == 0;
	if (!ok) {
		unlink(tmp);
		free(path);
		path = NULL;
	}
	free(tmp);
	return path;
}

char **wkc__profile_valgrind_argv(const wkc__profile *p, const char *xml_file)
{
	char **v;
	char *supp;
	int n = 0;
	if (p->kind != WKC__PROF_VALGRIND)
		return NULL;
	v = wkc__xcalloc(16, sizeof *v);
	v[n++] = wkc__xstrdup("valgrind");
	v[n++] = wkc__xasprintf("--tool=%s", p->tool);
	v[n++] = wkc__xstrdup("--xml=yes");
	v[n++] = wkc__xasprintf("--xml-file=%s", xml_file);
	v[n++] = wkc__xasprintf("--error-exitcode=%d", WKC__VALGRIND_EXIT);
	v[n++] = wkc__xstrdup("--child-silent-after-fork=yes");
	supp = strcmp(p->tool, "helgrind") == 0 ? supp_file(xml_file) : NULL;
	if (supp != NULL) {
		v[n++] = wkc__xasprintf("--suppressions=%s", supp);
		free(supp);
	}
	if (strcmp(p->tool, "helgrind") == 0 || strcmp(p->tool, "drd") == 0)
		/* Valgrind runs one thread at a time; by default a thread that
		 * spins without blocking (a hammer, a busy task) keeps the lock
		 * for long stretches, and a check whose other threads starve
		 * runs several times longer (an adapter call then outlives its
		 * deadline).  The race tools spend most in those spinning
		 * threads; the fair lock hands the CPU round in turn. */
		v[n++] = wkc__xstrdup("--fair-sched=yes");
	if (strcmp(p->tool, "memcheck") == 0) {
		/* Definite leaks are errors: they are what the no-leak
		 * requirement is about; "possibly lost" is too noisy. */
		v[n++] = wkc__xstrdup("--leak-check=full");
		v[n++] = wkc__xstrdup("--show-leak-kinds=definite");
		v[n++] = wkc__xstrdup("--errors-for-leak-kinds=definite");
	}
	v[n] = NULL;
	return v;
}

wkc__trust wkc__profile_trust(const wkc__profile *p, unsigned caps)
{
	bool races = p->kind == WKC__PROF_TSAN ||
		     (p->kind == WKC__PROF_VALGRIND &&
		      (strcmp(p->tool, "helgrind") == 0 || strcmp(p->tool, "drd") == 0));
	if (!races)
		return WKC__TRUST_FULL;
	if (caps & WKC_CAP_ANNOTATED)
		return WKC__TRUST_ANNOTATED;
	/* TSan sees an instrumented executor's atomics (--adapter-tsan);
	 * helgrind and DRD never do. */
	return p->kind == WKC__PROF_TSAN ? WKC__TRUST_FULL : WKC__TRUST_ADVISORY;
}

const char *wkc__profile_label(const wkc__profile *p, unsigned caps, char *buf, size_t len)
{
	switch (wkc__profile_trust(p, caps)) {
	case WKC__TRUST_ANNOTATED:
		snprintf(buf, len, "%s (annotated)", p->name);
		break;
	case WKC__TRUST_ADVISORY:
		snprintf(buf, len, "%s (advisory: the adapter does not annotate its synchronisation)",
			 p->name);
		break;
	default:
		snprintf(buf, len, "%s", p->name);
		break;
	}
	return buf;
}

const char *wkc__profile_certifies(const wkc__profile *p)
{
	switch (p->kind) {
	case WKC__PROF_DEFAULT:
		return "behaviour: every oracle, lost wakeups, placement, lifetimes, leaks counted by "
		       "live_tasks";
	case WKC__PROF_ASAN:
		return "memory errors, leaks and undefined behaviour in instrumented code "
		       "(--adapter-asan)";
	case WKC__PROF_TSAN:
		return "data races in instrumented code (--adapter-tsan); in code that is not "
		       "instrumented, only across the edges the adapter annotates";
	default:
		break;
	}
	if (strcmp(p->tool, "memcheck") == 0)
		return "memory errors and leaks in all code, instrumented or not";
	return "data races in all code, given annotations of every lock-free edge "
	       "(WKC_CAP_ANNOTATED); advisory otherwise";
}

