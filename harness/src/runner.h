/*
 * runner.h - runs checks, each in its own child process, up to `jobs` at
 * a time, with a timeout each; hands every finished check's result to a
 * callback as soon as it is known.  The runner's own process stays
 * single-threaded: it only forks, polls pipes and reaps.
 */
#ifndef WKC_RUNNER_H
#define WKC_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "harness.h"
#include "profile.h"
#include "result.h"
#include "wkc/check.h"

typedef struct wkc__runner_cfg {
	const wkc__build_info *bi;
	const char *out_dir;
	const wkc__profile *profile;
	const char *adapter_opt;   /* "--builtin" or "--adapter" */
	const char *adapter_value; /* built-in name or library path */
	uint64_t run_seed;
	bool pressure;
	double multiplier;
	unsigned jobs;
	void *ud;
	void (*on_start)(void *ud, const wkc_check *c);
	/* May take the result by moving it out (copy *r, then zero it);
	 * whatever is left in *r is freed after the call. */
	void (*on_result)(void *ud, const wkc_check *c, wkc__result *r);
} wkc__runner_cfg;

/* Base timeout of a check in ms (its own, or the default). */
unsigned wkc__check_timeout_ms(const wkc_check *c);

/*
 * Run the checks.  Returns 0 when all ran, or the number of the signal
 * (SIGINT, SIGTERM) that interrupted the run; the checks still running then
 * are killed and not recorded, so --resume runs them again.
 */
int wkc__runner_run(const wkc__runner_cfg *cfg, const wkc_check *const *checks, size_t n);

#endif /* WKC_RUNNER_H */
