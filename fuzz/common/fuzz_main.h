/*
 * fuzz_main.h - one fuzz target source, three builds (the Concurrency Kit
 * habit: regressions/ck_ec/validate/fuzz_harness.h).
 *
 * A target defines LLVMFuzzerTestOneInput and includes this header once,
 * after it.  The build picks the engine with one define:
 *
 *   (none)             libFuzzer: clang -fsanitize=fuzzer supplies main().
 *   WKF_ENGINE_AFL     AFL++ persistent mode (afl-clang-fast/-lto): the test
 *                      case arrives in shared memory (__AFL_FUZZ_TESTCASE_BUF)
 *                      and up to WKF_AFL_LOOP inputs run in one process.
 *                      With file arguments it replays them instead, so that
 *                      afl-tmin / afl-cmin (which pass @@) and a person at a
 *                      terminal can run the same binary.
 *   WKF_ENGINE_REPLAY  a plain program: every file named on the command line,
 *                      and every regular file of every directory named (sorted
 *                      by name, not recursive), is run once.  ctest runs it on
 *                      the committed corpus and regressions in every preset, so
 *                      every input ever saved also runs under ASan, TSan and
 *                      Valgrind.  Exit 0 when every input ran to the end; an
 *                      oracle violation aborts (the status says which input:
 *                      each is named on stderr before it runs when
 *                      WKF_VERBOSE=1, and always in the crash message).
 *
 * A target may define WKF_INIT (a function run once before the first input,
 * given &argc and &argv so that it can take options of its own, e.g.
 * --adapter) before including this header, and WKF_WARMUP: inputs run once
 * before AFL++'s fork server starts, so that every one-time initialisation
 * (a thread's first id, a lazily made static) happens before the first
 * measured run and AFL++ reads the same edges for the same input (its
 * stability figure).
 */
#ifndef WKF_FUZZ_MAIN_H
#define WKF_FUZZ_MAIN_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#if defined(WKF_ENGINE_AFL) || defined(WKF_ENGINE_REPLAY)

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The input currently running, for crash messages (wkf_current_input). */
static const char *wkf__current = "(memory)";

const char *wkf_current_input(void)
{
	return wkf__current;
}

static int wkf__run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;
	if (f == NULL) {
		fprintf(stderr, "fuzz replay: cannot open %s\n", path);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		fprintf(stderr, "fuzz replay: cannot size %s\n", path);
		return -1;
	}
	/* A private copy of exactly len bytes: ASan sees a read past the end. */
	buf = malloc(len > 0 ? (size_t)len : 1);
	if (buf == NULL || (len > 0 && fread(buf, 1, (size_t)len, f) != (size_t)len)) {
		fclose(f);
		free(buf);
		fprintf(stderr, "fuzz replay: cannot read %s\n", path);
		return -1;
	}
	fclose(f);
	wkf__current = path;
	if (getenv("WKF_VERBOSE") != NULL)
		fprintf(stderr, "fuzz replay: %s (%ld bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	wkf__current = "(memory)";
	free(buf);
	return 0;
}

static int wkf__cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Run a file or every regular file of a directory.  Returns the count run,
 * or -1 on an I/O error. */
static long wkf__run_path(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	long ran = 0;
	if (stat(path, &st) != 0) {
		fprintf(stderr, "fuzz replay: no such file or directory: %s\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return wkf__run_file(path) == 0 ? 1 : -1;
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *full;
		size_t len;
		if (e->d_name[0] == '.')
			continue; /* ., .., and hidden files such as .gitkeep */
		len = strlen(path) + strlen(e->d_name) + 2;
		full = malloc(len);
		if (full == NULL)
			break;
		snprintf(full, len, "%s/%s", path, e->d_name);
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode) ||
		    strcmp(e->d_name + (strlen(e->d_name) > 3 ? strlen(e->d_name) - 3 : 0), ".md") == 0) {
			free(full); /* directories, and the README of a regression folder */
			continue;
		}
		if (n == cap) {
			char **g = realloc(names, (cap ? cap * 2 : 64) * sizeof *g);
			if (g == NULL) {
				free(full);
				break;
			}
			names = g;
			cap = cap ? cap * 2 : 64;
		}
		names[n++] = full;
	}
	closedir(d);
	if (n > 0)
		qsort(names, n, sizeof *names, wkf__cmp);
	for (i = 0; i < n; i++) {
		if (ran >= 0 && wkf__run_file(names[i]) == 0)
			ran++;
		else
			ran = -1;
		free(names[i]);
	}
	free(names);
	return ran;
}

static int wkf__replay(int argc, char **argv)
{
	long total = 0;
	int i;
	for (i = 1; i < argc; i++) {
		long r = wkf__run_path(argv[i]);
		if (r < 0)
			return 2;
		total += r;
	}
	printf("%s: %ld input%s ran, no oracle violation\n", argv[0], total, total == 1 ? "" : "s");
	return 0;
}

#ifndef WKF_INIT
#define WKF_INIT(argcp, argvp) ((void)0)
#endif

#if defined(WKF_ENGINE_AFL)

#ifndef WKF_AFL_LOOP
#define WKF_AFL_LOOP 10000
#endif

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
	WKF_INIT(&argc, &argv);
	if (argc > 1)
		return wkf__replay(argc, argv);
#ifdef WKF_WARMUP
	WKF_WARMUP();
#endif
	/* Deferred fork server: everything above runs once, before forking. */
	__AFL_INIT();
	{
		unsigned char *buf = __AFL_FUZZ_TESTCASE_BUF;
		while (__AFL_LOOP(WKF_AFL_LOOP)) {
			size_t len = (size_t)__AFL_FUZZ_TESTCASE_LEN;
			LLVMFuzzerTestOneInput(buf, len);
		}
	}
	return 0;
}

#else /* WKF_ENGINE_REPLAY */

int main(int argc, char **argv)
{
	WKF_INIT(&argc, &argv);
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...  (replays fuzz inputs; see fuzz/README.md)\n",
			argv[0]);
		return 2;
	}
	return wkf__replay(argc, argv);
}

#endif

#else /* libFuzzer */

const char *wkf_current_input(void)
{
	return "(libFuzzer input)";
}

#ifdef WKF_INIT
/* libFuzzer calls this before it parses its own flags: a target's options
 * (e.g. --adapter) are taken out of argv here.  libFuzzer treats other
 * arguments as corpus directories, so WKF_ADAPTER in the environment is the
 * safer way to name an adapter there. */
int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	WKF_INIT(argc, argv);
	return 0;
}
#endif

#endif

#endif /* WKF_FUZZ_MAIN_H */
