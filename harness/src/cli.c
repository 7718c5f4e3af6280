/* cli.c - the wakerconf command line: subcommands and their help. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "opts.h"
#include "replay.h"
#include "util.h"

/* The report and merge subcommands live in reports/ (report_cmd.h). */
int wkc__cmd_report(int argc, char **argv);
int wkc__cmd_merge(int argc, char **argv);

char **wkc__process_argv;
const char *wkc__exe_display = "wakerconf";

static void usage(FILE *f, const wkc__build_info *bi)
{
	fprintf(f,
		"usage: %s <command> [options]\n"
		"\n"
		"Conformance and safety harness for async task wakers (version %s%s%s): plug\n"
		"an executor in through an adapter, get a verdict per requirement id.\n"
		"\n"
		"commands:\n"
		"  run        run the checks against one executor (or every built-in)\n"
		"  certify    run the default and tsan profiles; CERTIFIED / NOT CERTIFIED\n"
		"  list       list the checks, their ids and capabilities, and which ones an\n"
		"             executor would skip; --requirements lists the requirement ids\n"
		"  adapters   list the built-in adapters, or check an adapter library loads\n"
		"  replay     run one check again from the token a failure printed\n"
		"  report     an HTML report (races side by side, memory errors, failures,\n"
		"             requirement matrix), report.json and SARIF from results dirs\n"
		"  merge      combine the results of --shard I/N runs into one directory\n"
		"  fuzz       a fuzz campaign: AFL++ over the fuzz targets, crash triage,\n"
		"             campaign.json (fuzz/campaign; `%s fuzz --help`)\n"
		"  help       this text; `%s <command> --help` for one command\n"
		"\n"
		"exit codes: 0 every applicable MUST requirement passed (certify: CERTIFIED)\n"
		"            1 a MUST requirement failed (certify: NOT CERTIFIED)\n"
		"            2 bad usage, an adapter that does not load, a missing build\n"
		"            128+N interrupted by signal N (results kept: use --resume)\n",
		bi->exe_name, bi->version, bi->sanitize[0] ? ", built with -fsanitize=" : "",
		bi->sanitize, bi->exe_name, bi->exe_name);
}

static void help_executor(FILE *f)
{
	fputs("executor:\n"
	      "  --builtin NAME       a built-in adapter (see `adapters`)\n"
	      "  --adapter PATH       a shared-library adapter (default and valgrind profiles)\n"
	      "  --adapter-tsan PATH  that adapter built with -fsanitize=thread (tsan profile)\n"
	      "  --adapter-asan PATH  that adapter built with -fsanitize=address,undefined\n"
	      "                       (asan profile)\n",
	      f);
}

static void help_run(FILE *f, const wkc__build_info *bi)
{
	fprintf(f,
		"usage: %s run (--builtin NAME|all | --adapter PATH...) [options]\n"
		"\n"
		"Runs each selected check in its own child process against a fresh executor,\n"
		"with a timeout, and prints a verdict per requirement id.  A crash, abort,\n"
		"hang or sanitizer report fails the check; every failure prints a replay\n"
		"command.  Results are appended to OUT/results.jsonl as checks finish.\n"
		"\n",
		bi->exe_name);
	help_executor(f);
	fprintf(f,
		"                       --builtin all runs every built-in in turn, into OUT/<name>/\n"
		"selection:\n"
		"  --filter GLOBS       comma-separated globs on check names and requirement ids;\n"
		"                       a leading '-' excludes (e.g. 'exec.*,-*.slow')\n"
		"  --shard I/N          only the I-th (1-based) of N round-robin shards\n"
		"running:\n"
		"  --profile P          default | asan | tsan | valgrind[:memcheck|helgrind|drd]\n"
		"                       (default: default).  asan and tsan exec the instrumented\n"
		"                       build of this program (the environment variables\n"
		"                       WKC_ASAN_HARNESS / WKC_TSAN_HARNESS override these):\n"
		"                         asan: %s\n"
		"                         tsan: %s\n"
		"                       valgrind wraps each child (no instrumentation needed)\n"
		"  --seed S             run seed, decimal or 0x hex (default: from the clock;\n"
		"                       printed).  A check's seed derives from it and its name\n"
		"  --pressure           seeded PCT-style yields and delays at harness call sites\n"
		"  --no-pressure        (the default for run)\n"
		"  --timeout-multiplier X\n"
		"                       scale check timeouts (default 1; asan 3, tsan 5,\n"
		"                       valgrind 30); above the default, the checks' own\n"
		"                       bounded waits grow by the same factor\n"
		"  --jobs N             children at once (default: CPUs, here %u)\n"
		"output:\n"
		"  --out DIR            results directory (default wakerconf-out): results.jsonl,\n"
		"                       summary.txt, logs/<check>.log, san/ sanitizer reports,\n"
		"                       vg/ Valgrind XML\n"
		"  --resume             continue the run in DIR (same adapter, profile, seed and\n"
		"                       pressure; the seed is taken from DIR when not given),\n"
		"                       running only the checks it has no result for\n"
		"  --junit FILE         also write JUnit XML (with --builtin all: FILE.<name>.xml)\n"
		"  --quiet              print only failures and the verdict line\n"
		"  --show-logs          print each failed check's log and report at the end\n"
		"\n"
		"exit code: 0 when every MUST requirement that applies passed, 1 when one\n"
		"failed, 2 on usage or load errors, 128+N when interrupted by signal N.\n",
		bi->asan_harness, bi->tsan_harness, wkc__cpu_count());
}

static void help_certify(FILE *f, const wkc__build_info *bi)
{
	fprintf(f,
		"usage: %s certify (--builtin NAME|all | --adapter PATH --adapter-tsan PATH)\n"
		"                 [--profiles LIST] [--seed S] [--out DIR] [--jobs N]\n"
		"                 [--no-pressure] [--timeout-multiplier X] [--resume]\n"
		"\n"
		"Runs every check under each profile of LIST (default: default,tsan) with\n"
		"schedule pressure on, one `run` per profile into OUT/<adapter>/<profile>/\n"
		"(default OUT: wakerconf-certify), then prints one line per requirement with\n"
		"its verdict under each profile, and CERTIFIED or NOT CERTIFIED.  The table\n"
		"is also written to OUT/certify.txt.\n"
		"\n"
		"An adapter is CERTIFIED only when every profile ran and no MUST requirement\n"
		"failed under any of them.  A profile that cannot run (the ThreadSanitizer\n"
		"build of wakerconf is missing, or no --adapter-tsan was given) is reported\n"
		"as \"not certified under tsan\" with what to build, and the verdict is NOT\n"
		"CERTIFIED.  A profile in which every check was skipped counts as not run.\n"
		"\n"
		"What each profile certifies:\n"
		"  default            behaviour: every oracle (lost wakeups, placement,\n"
		"                     lifetimes, exactly-once drops, leaks counted by live_tasks)\n"
		"  asan               memory errors, leaks and undefined behaviour in the code\n"
		"                     built with -fsanitize=address,undefined (--adapter-asan)\n"
		"  tsan               data races in code built with -fsanitize=thread\n"
		"                     (--adapter-tsan); across code that is not (a Rust executor\n"
		"                     on a stable toolchain, a binary-only library) only where the\n"
		"                     adapter annotates its wake -> poll edges with wkc/annotate.h\n"
		"                     and claims WKC_CAP_ANNOTATED: shown as \"tsan (annotated)\"\n"
		"  valgrind:memcheck  memory errors and leaks in all code, instrumented or not\n"
		"  valgrind:helgrind, valgrind:drd\n"
		"                     data races in all code, but these tools do not understand\n"
		"                     C11 atomics: only for an adapter that annotates every\n"
		"                     lock-free edge (WKC_CAP_ANNOTATED); for any other they are\n"
		"                     advisory, shown and never part of the certificate\n"
		"An executor that cannot be built with ThreadSanitizer (Rust, binary-only):\n"
		"annotate in the adapter, build the adapter's C side with -fsanitize=thread\n"
		"for --adapter-tsan, and certify with --profiles default,tsan,valgrind:memcheck\n"
		"(harness/docs/ADAPTERS.md, \"Race verdicts\").\n"
		"\n",
		bi->exe_name);
	help_executor(f);
	fputs("\nexit code: 0 CERTIFIED (every adapter), 1 NOT CERTIFIED, 2 usage or load\n"
	      "errors, 128+N when interrupted (continue with --resume).\n",
	      f);
}

static void help_list(FILE *f, const wkc__build_info *bi)
{
	fprintf(f,
		"usage: %s list [--builtin NAME | --adapter PATH] [--filter GLOBS] [--shard I/N]\n"
		"       %s list --requirements\n"
		"\n"
		"Lists the checks with their timeout, requirement ids and the capabilities\n"
		"they need or refuse; with an adapter, also which checks it would skip and\n"
		"why.  --requirements lists the ids of spec/ with level, profile and the\n"
		"number of checks that name them.\n",
		bi->exe_name, bi->exe_name);
}

static void help_adapters(FILE *f, const wkc__build_info *bi)
{
	fprintf(f,
		"usage: %s adapters [--adapter PATH]\n"
		"\n"
		"Lists the built-in adapters (name, version, ABI version, capabilities).\n"
		"With --adapter, loads and validates that library and describes it: exit 2\n"
		"with a one-line reason when it does not load.\n",
		bi->exe_name);
}

static void help_replay(FILE *f, const wkc__build_info *bi)
{
	fprintf(f,
		"usage: %s replay TOKEN [--out DIR] [--quiet]\n"
		"\n"
		"Runs the one check a failure's replay line names, with the same adapter,\n"
		"profile, seed, pressure and timeout multiplier, then prints its log (not\n"
		"with --quiet).  Results go to DIR (default wakerconf-replay).  Exit code as\n"
		"for run.  The replay line's equivalent `run ... --filter CHECK --seed S`\n"
		"command does the same.\n",
		bi->exe_name);
}

static int parse(int argc, char **argv, unsigned allowed, const char *cmd, wkc__opts *o,
		 void (*help)(FILE *, const wkc__build_info *), const wkc__build_info *bi)
{
	int rc = wkc__opts_parse(argc, argv, allowed, cmd, o);
	if (rc < 0) {
		help(stdout, bi);
		return -1;
	}
	return rc;
}

#define O_EXECUTOR (WKC__O_BUILTIN | WKC__O_ADAPTER)

int wkc__cmd_run(int argc, char **argv, const wkc__build_info *bi)
{
	wkc__opts o;
	int rc = parse(argc, argv,
		       O_EXECUTOR | WKC__O_PROFILE | WKC__O_SEED | WKC__O_MULT | WKC__O_FILTER |
			       WKC__O_JOBS | WKC__O_OUT | WKC__O_RESUME | WKC__O_JUNIT |
			       WKC__O_PRESSURE | WKC__O_QUIET | WKC__O_SHOW_LOGS,
		       "run", &o, help_run, bi);
	if (rc != 0)
		return rc < 0 ? WKC__EXIT_PASS : rc;
	return wkc__run_checks(&o, bi);
}

int wkc__cmd_certify(int argc, char **argv, const wkc__build_info *bi)
{
	wkc__opts o;
	int rc = parse(argc, argv,
		       O_EXECUTOR | WKC__O_PROFILES | WKC__O_SEED | WKC__O_MULT | WKC__O_JOBS |
			       WKC__O_OUT | WKC__O_RESUME | WKC__O_PRESSURE,
		       "certify", &o, help_certify, bi);
	if (rc != 0)
		return rc < 0 ? WKC__EXIT_PASS : rc;
	return wkc__certify(&o, bi);
}

int wkc__cmd_list(int argc, char **argv, const wkc__build_info *bi)
{
	wkc__opts o;
	int rc = parse(argc, argv, O_EXECUTOR | WKC__O_FILTER | WKC__O_REQUIREMENTS, "list", &o,
		       help_list, bi);
	if (rc != 0)
		return rc < 0 ? WKC__EXIT_PASS : rc;
	return wkc__list(&o);
}

int wkc__cmd_adapters(int argc, char **argv, const wkc__build_info *bi)
{
	wkc__opts o;
	int rc = parse(argc, argv, WKC__O_ADAPTER, "adapters", &o, help_adapters, bi);
	if (rc != 0)
		return rc < 0 ? WKC__EXIT_PASS : rc;
	return wkc__adapters(&o);
}

/* Escape glob characters: the filter must select exactly this check. */
static char *exact_glob(const char *name)
{
	wkc__buf b = {0};
	for (const char *p = name; *p; p++) {
		if (strchr("*?[]\\,", *p))
			wkc__buf_putc(&b, '\\');
		wkc__buf_putc(&b, *p);
	}
	return b.s;
}

int wkc__cmd_replay(int argc, char **argv, const wkc__build_info *bi)
{
	wkc__opts o, run;
	wkc__replay r;
	char err[300];
	char *filter, *cmd;
	int rc = parse(argc, argv, WKC__O_TOKEN | WKC__O_OUT | WKC__O_QUIET, "replay", &o,
		       help_replay, bi);
	if (rc != 0)
		return rc < 0 ? WKC__EXIT_PASS : rc;
	if (wkc__replay_decode(o.token, &r, err, sizeof err) != 0) {
		wkc__error("replay: %s", err);
		return WKC__EXIT_USAGE;
	}
	memset(&run, 0, sizeof run);
	if (strncmp(r.adapter, "builtin:", 8) == 0)
		run.builtin = r.adapter + 8;
	else if (strcmp(r.profile, "tsan") == 0)
		run.adapter_tsan = r.adapter + 5;
	else if (strcmp(r.profile, "asan") == 0)
		run.adapter_asan = r.adapter + 5;
	else
		run.adapter = r.adapter + 5;
	run.profile = r.profile;
	run.seed = r.seed;
	run.seed_set = true;
	run.multiplier = r.multiplier;
	run.pressure = r.pressure ? 1 : 0;
	filter = exact_glob(r.check);
	run.filter = filter;
	run.jobs = 1;
	run.out = o.out ? o.out : "wakerconf-replay";
	run.quiet = o.quiet;
	run.show_logs = !o.quiet;
	cmd = wkc__replay_command(wkc__exe_display, &r);
	fprintf(stderr, "wakerconf: replay: %s\n", cmd);
	free(cmd);
	rc = wkc__run_checks(&run, bi);
	free(filter);
	wkc__replay_free(&r);
	return rc;
}

int wkc__main(int argc, char **argv, const wkc__build_info *bi)
{
	const char *cmd = argc > 1 ? argv[1] : NULL;
	wkc__process_argv = argv;
	if (argv[0] != NULL && strchr(argv[0], '/') != NULL)
		wkc__exe_display = argv[0];
	else
		wkc__exe_display = bi->exe_name;
	if (cmd == NULL) {
		usage(stderr, bi);
		return WKC__EXIT_USAGE;
	}
	if (strcmp(cmd, "run") == 0)
		return wkc__cmd_run(argc - 1, argv + 1, bi);
	if (strcmp(cmd, "certify") == 0)
		return wkc__cmd_certify(argc - 1, argv + 1, bi);
	if (strcmp(cmd, "list") == 0)
		return wkc__cmd_list(argc - 1, argv + 1, bi);
	if (strcmp(cmd, "adapters") == 0)
		return wkc__cmd_adapters(argc - 1, argv + 1, bi);
	if (strcmp(cmd, "replay") == 0)
		return wkc__cmd_replay(argc - 1, argv + 1, bi);
	if (strcmp(cmd, "report") == 0)
		return wkc__cmd_report(argc - 1, argv + 1);
	if (strcmp(cmd, "merge") == 0)
		return wkc__cmd_merge(argc - 1, argv + 1);
	if (strcmp(cmd, "fuzz") == 0)
		return wkc__cmd_fuzz(argc - 1, argv + 1);
	if (strcmp(cmd, "__child") == 0)
		return wkc__cmd_child(argc - 1, argv + 1, bi);
	if (strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) {
		usage(stdout, bi);
		return WKC__EXIT_PASS;
	}
	if (strcmp(cmd, "--version") == 0) {
		printf("%s %s%s%s\n", bi->exe_name, bi->version, bi->sanitize[0] ? " -fsanitize=" : "",
		       bi->sanitize);
		return WKC__EXIT_PASS;
	}
	wkc__error("unknown command '%s'", cmd);
	usage(stderr, bi);
	return WKC__EXIT_USAGE;
}
