/*
 * fuzz_cmd.c - `wakerconf fuzz ARGS`: the fuzz campaign driver, fuzz/campaign.
 *
 * The driver builds the fuzz targets from the source tree (afl-clang-fast,
 * sanitizer and replay builds), so it runs from the checkout this program
 * was built from; the command hands its arguments over unchanged and
 * replaces this process, so exit status and signals are the driver's.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "util.h"

#ifndef WKC_FUZZ_CAMPAIGN
#define WKC_FUZZ_CAMPAIGN ""
#endif

int wkc__cmd_fuzz(int argc, char **argv)
{
	const char *script = getenv("WKC_FUZZ_CAMPAIGN");
	char **args;

	if (script == NULL || script[0] == '\0')
		script = WKC_FUZZ_CAMPAIGN;
	if (script[0] == '\0' || access(script, X_OK) != 0) {
		fprintf(stderr,
			"wakerconf: error: fuzz: the campaign driver %s%s is not there; it builds the "
			"targets from the source tree, so run it from a checkout (fuzz/campaign --help), "
			"or point WKC_FUZZ_CAMPAIGN at it\n",
			script[0] ? script : "fuzz/campaign", script[0] ? "" : " (not configured)");
		return WKC__EXIT_USAGE;
	}
	/* argv[0] is "fuzz": the script gets it as its own name. */
	args = calloc((size_t)argc + 1, sizeof *args);
	if (args == NULL) {
		fprintf(stderr, "wakerconf: error: fuzz: out of memory\n");
		return WKC__EXIT_USAGE;
	}
	args[0] = (char *)script;
	for (int i = 1; i < argc; i++)
		args[i] = argv[i];
	execv(script, args);
	fprintf(stderr, "wakerconf: error: fuzz: cannot run %s: %s\n", script, strerror(errno));
	free(args);
	return WKC__EXIT_USAGE;
}
