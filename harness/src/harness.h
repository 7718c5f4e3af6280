/*
 * harness.h - what the wakerconf executable is made of: its build
 * description, the options of run-like subcommands, and the subcommands.
 */
#ifndef WKC_HARNESS_H
#define WKC_HARNESS_H

#include <stdbool.h>
#include <stdint.h>

/* Filled in by main.c, which is compiled once per executable. */
typedef struct wkc__build_info {
	const char *exe_name;     /* "wakerconf" */
	const char *version;      /* project version */
	const char *sanitize;     /* "", "address" or "thread": how this build is instrumented */
	const char *asan_harness; /* path of this executable's ASan build */
	const char *tsan_harness; /* path of this executable's TSan build */
} wkc__build_info;

int wkc__main(int argc, char **argv, const wkc__build_info *bi);

/* The process's own argv (for re-exec into an instrumented build) and the
 * name to print in replay commands (argv[0] as the user typed it). */
extern char **wkc__process_argv;
extern const char *wkc__exe_display;

/* The work of `run` (and of replay, and of each run certify starts). */
struct wkc__opts;
int wkc__run_checks(const struct wkc__opts *o, const wkc__build_info *bi);
int wkc__certify(const struct wkc__opts *o, const wkc__build_info *bi);
int wkc__list(const struct wkc__opts *o);
int wkc__adapters(const struct wkc__opts *o);

/* Subcommands (cli.c dispatches). */
int wkc__cmd_run(int argc, char **argv, const wkc__build_info *bi);
int wkc__cmd_certify(int argc, char **argv, const wkc__build_info *bi);
int wkc__cmd_list(int argc, char **argv, const wkc__build_info *bi);
int wkc__cmd_adapters(int argc, char **argv, const wkc__build_info *bi);
int wkc__cmd_replay(int argc, char **argv, const wkc__build_info *bi);
/* `fuzz`: replaces the process with fuzz/campaign (fuzz_cmd.c); returns only on error. */
int wkc__cmd_fuzz(int argc, char **argv);
int wkc__cmd_child(int argc, char **argv, const wkc__build_info *bi);

#endif /* WKC_HARNESS_H */
