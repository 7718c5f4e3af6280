/*
 * opts.h - command-line options shared by the subcommands, the choice of
 * adapter they name, and the choice of checks (--filter, --shard).
 */
#ifndef WKC_OPTS_H
#define WKC_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "profile.h"
#include "wkc/adapter.h"
#include "wkc/check.h"

enum wkc__opt_set {
	WKC__O_BUILTIN = 1u << 0,
	WKC__O_ADAPTER = 1u << 1, /* --adapter, --adapter-tsan, --adapter-asan */
	WKC__O_PROFILE = 1u << 2,
	WKC__O_SEED = 1u << 3,
	WKC__O_MULT = 1u << 4,
	WKC__O_FILTER = 1u << 5, /* --filter, --shard */
	WKC__O_JOBS = 1u << 6,
	WKC__O_OUT = 1u << 7,
	WKC__O_RESUME = 1u << 8,
	WKC__O_JUNIT = 1u << 9,
	WKC__O_PRESSURE = 1u << 10,
	WKC__O_QUIET = 1u << 11,
	WKC__O_PROFILES = 1u << 12,
	WKC__O_SHOW_LOGS = 1u << 13,
	WKC__O_REQUIREMENTS = 1u << 14,
	WKC__O_TOKEN = 1u << 15, /* one positional argument */
};

typedef struct wkc__opts {
	const char *builtin, *adapter, *adapter_tsan, *adapter_asan;
	const char *profile, *profiles;
	uint64_t seed;
	bool seed_set;
	double multiplier; /* 0: the profile's default */
	const char *filter;
	unsigned shard_i, shard_n; /* 1-based; 0/0 = all */
	unsigned jobs;             /* 0: number of CPUs */
	const char *out, *junit, *token;
	int pressure;              /* -1: the subcommand's default */
	bool resume, quiet, show_logs, requirements;
} wkc__opts;

/* Returns 0, WKC__EXIT_USAGE after printing the problem, or -1 when help
 * was asked for (the caller prints it). */
int wkc__opts_parse(int argc, char **argv, unsigned allowed, const char *cmd, wkc__opts *o);

unsigned wkc__cpu_count(void);

/* The adapter a run uses, resolved and validated. */
typedef struct wkc__adapter_sel {
	const wkc_adapter *a;
	const char *opt; /* "--builtin" or "--adapter": how the child finds it */
	char *value;     /* built-in name or absolute library path */
	char *header;    /* "builtin:NAME" or "path:/abs/lib.so" */
} wkc__adapter_sel;

/* Resolve --builtin NAME (or `builtin`, overriding it) or the --adapter*
 * option the profile uses.  0, or WKC__EXIT_USAGE after printing why. */
int wkc__adapter_select(const wkc__opts *o, const wkc__profile *p, const char *builtin,
			wkc__adapter_sel *s);
void wkc__adapter_sel_free(wkc__adapter_sel *s);

/* Does the --filter value (comma-separated globs, "-GLOB" excludes) select
 * this check, by name or by one of its ids? */
bool wkc__filter_selects(const char *filter, const wkc_check *c);

/* The checks selected by --filter and --shard, in list order (heap array). */
size_t wkc__select_checks(const wkc__opts *o, const wkc_check ***out);

#endif /* WKC_OPTS_H */
