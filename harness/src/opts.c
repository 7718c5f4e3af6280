/* opts.c - option parsing, adapter choice, check selection. */
#define _XOPEN_SOURCE 700
#include "opts.h"

#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loader.h"
#include "util.h"
#include "wkc/registry.h"

typedef struct opt_def {
	const char *name;
	unsigned set;
	bool takes_value;
} opt_def;

static const opt_def defs[] = {
	{"--builtin", WKC__O_BUILTIN, true},
	{"--adapter", WKC__O_ADAPTER, true},
	{"--adapter-tsan", WKC__O_ADAPTER, true},
	{"--adapter-asan", WKC__O_ADAPTER, true},
	{"--profile", WKC__O_PROFILE, true},
	{"--profiles", WKC__O_PROFILES, true},
	{"--seed", WKC__O_SEED, true},
	{"--timeout-multiplier", WKC__O_MULT, true},
	{"--filter", WKC__O_FILTER, true},
	{"--shard", WKC__O_FILTER, true},
	{"--jobs", WKC__O_JOBS, true},
	{"--out", WKC__O_OUT, true},
	{"--resume", WKC__O_RESUME, false},
	{"--junit", WKC__O_JUNIT, true},
	{"--pressure", WKC__O_PRESSURE, false},
	{"--no-pressure", WKC__O_PRESSURE, false},
	{"--quiet", WKC__O_QUIET, false},
	{"--show-logs", WKC__O_SHOW_LOGS, false},
	{"--requirements", WKC__O_REQUIREMENTS, false},
};

unsigned wkc__cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static int bad(const char *cmd, const char *what, const char *arg)
{
	wkc__error("%s: %s%s%s (see `wakerconf %s --help`)", cmd, what, arg ? " " : "",
		   arg ? arg : "", cmd);
	return WKC__EXIT_USAGE;
}

static int set_value(const char *cmd, wkc__opts *o, const char *name, const char *v)
{
	uint64_t u;
	if (strcmp(name, "--builtin") == 0)
		o->builtin = v;
	else if (strcmp(name, "--adapter") == 0)
		o->adapter = v;
	else if (strcmp(name, "--adapter-tsan") == 0)
		o->adapter_tsan = v;
	else if (strcmp(name, "--adapter-asan") == 0)
		o->adapter_asan = v;
	else if (strcmp(name, "--profile") == 0)
		o->profile = v;
	else if (strcmp(name, "--profiles") == 0)
		o->profiles = v;
	else if (strcmp(name, "--seed") == 0) {
		if (!wkc__parse_u64(v, &o->seed))
			return bad(cmd, "--seed wants a number (decimal or 0x hex), not", v);
		o->seed_set = true;
	} else if (strcmp(name, "--timeout-multiplier") == 0) {
		char *end;
		o->multiplier = strtod(v, &end);
		if (*end || !(o->multiplier > 0))
			return bad(cmd, "--timeout-multiplier wants a positive number, not", v);
	} else if (strcmp(name, "--filter") == 0)
		o->filter = v;
	else if (strcmp(name, "--shard") == 0) {
		unsigned i, n;
		char extra;
		if (sscanf(v, "%u/%u%c", &i, &n, &extra) != 2 || n == 0 || i == 0 || i > n)
			return bad(cmd, "--shard wants i/n with 1 <= i <= n, not", v);
		o->shard_i = i;
		o->shard_n = n;
	} else if (strcmp(name, "--jobs") == 0) {
		if (!wkc__parse_u64(v, &u) || u == 0 || u > 1024)
			return bad(cmd, "--jobs wants a number from 1 to 1024, not", v);
		o->jobs = (unsigned)u;
	} else if (strcmp(name, "--out") == 0)
		o->out = v;
	else if (strcmp(name, "--junit") == 0)
		o->junit = v;
	return 0;
}

int wkc__opts_parse(int argc, char **argv, unsigned allowed, const char *cmd, wkc__opts *o)
{
	memset(o, 0, sizeof *o);
	o->pressure = -1;
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i], *eq, *v = NULL;
		const opt_def *d = NULL;
		size_t len;
		if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
			return -1;
		if (arg[0] != '-' || arg[1] != '-') {
			if ((allowed & WKC__O_TOKEN) && o->token == NULL) {
				o->token = arg;
				continue;
			}
			return bad(cmd, "unexpected argument", arg);
		}
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg) : strlen(arg);
		for (size_t k = 0; k < sizeof defs / sizeof defs[0]; k++)
			if (strlen(defs[k].name) == len && strncmp(defs[k].name, arg, len) == 0)
				d = &defs[k];
		if (d == NULL || !(allowed & d->set))
			return bad(cmd, "unknown option", arg);
		if (d->takes_value) {
			if (eq)
				v = eq + 1;
			else if (i + 1 < argc)
				v = argv[++i];
			else
				return bad(cmd, "missing value for", d->name);
			if (set_value(cmd, o, d->name, v) != 0)
				return WKC__EXIT_USAGE;
		} else {
			if (eq)
				return bad(cmd, "option takes no value:", arg);
			if (strcmp(d->name, "--resume") == 0)
				o->resume = true;
			else if (strcmp(d->name, "--pressure") == 0)
				o->pressure = 1;
			else if (strcmp(d->name, "--no-pressure") == 0)
				o->pressure = 0;
			else if (strcmp(d->name, "--quiet") == 0)
				o->quiet = true;
			else if (strcmp(d->name, "--show-logs") == 0)
				o->show_logs = true;
			else if (strcmp(d->name, "--requirements") == 0)
				o->requirements = true;
		}
	}
	if ((allowed & WKC__O_TOKEN) && o->token == NULL)
		return bad(cmd, "missing argument", NULL);
	return 0;
}

static void list_builtins(void)
{
	wkc__buf b = {0};
	for (size_t i = 0; i < wkc_builtin_adapter_count; i++) {
		char why[400];
		const wkc_adapter *a = wkc_builtin_adapter_list[i];
		if (wkc__adapter_validate(a, why, sizeof why) == 0)
			wkc__buf_printf(&b, "%s%s", b.len ? ", " : "", a->name);
	}
	wkc__error("built-in adapters: %s", b.s ? b.s : "(none)");
	wkc__buf_free(&b);
}

int wkc__adapter_select(const wkc__opts *o, const wkc__profile *p, const char *builtin,
			wkc__adapter_sel *s)
{
	const char *path, *opt;
	char err[800];
	memset(s, 0, sizeof *s);
	if (builtin == NULL)
		builtin = o->builtin;
	if (builtin && (o->adapter || o->adapter_tsan || o->adapter_asan)) {
		wkc__error("give either --builtin or --adapter, not both");
		return WKC__EXIT_USAGE;
	}
	if (builtin) {
		s->a = wkc__builtin_find(builtin);
		if (s->a == NULL) {
			wkc__error("no built-in adapter named '%s'", builtin);
			list_builtins();
			return WKC__EXIT_USAGE;
		}
		s->opt = "--builtin";
		s->value = wkc__xstrdup(builtin);
		s->header = wkc__xasprintf("builtin:%s", builtin);
		return 0;
	}
	if (!o->adapter && !o->adapter_tsan && !o->adapter_asan) {
		wkc__error("no executor named: give --builtin NAME or --adapter PATH");
		list_builtins();
		return WKC__EXIT_USAGE;
	}
	/* ASan and TSan see only instrumented code: those profiles load the
	 * adapter's instrumented build. */
	path = p->kind == WKC__PROF_TSAN   ? o->adapter_tsan
	       : p->kind == WKC__PROF_ASAN ? o->adapter_asan
					   : o->adapter;
	opt = p->kind == WKC__PROF_TSAN   ? "--adapter-tsan"
	      : p->kind == WKC__PROF_ASAN ? "--adapter-asan"
					  : "--adapter";
	if (path == NULL) {
		if (p->kind == WKC__PROF_TSAN || p->kind == WKC__PROF_ASAN)
			wkc__error("profile %s needs the adapter built with -fsanitize=%s: pass %s "
				   "PATH (a binary-only executor can use --profile valgrind:%s)",
				   p->name, p->kind == WKC__PROF_TSAN ? "thread" : "address,undefined",
				   opt, p->kind == WKC__PROF_TSAN ? "helgrind" : "memcheck");
		else
			wkc__error("profile %s loads the adapter given with --adapter PATH", p->name);
		return WKC__EXIT_USAGE;
	}
	s->a = wkc__adapter_load(path, err, sizeof err);
	if (s->a == NULL) {
		wkc__error("%s", err);
		return WKC__EXIT_USAGE;
	}
	{
		char abs[PATH_MAX];
		s->value = wkc__xstrdup(realpath(path, abs) ? abs : path);
	}
	s->opt = "--adapter";
	s->header = wkc__xasprintf("path:%s", s->value);
	return 0;
}

void wkc__adapter_sel_free(wkc__adapter_sel *s)
{
	free(s->value);
	free(s->header);
	memset(s, 0, sizeof *s);
}

static bool glob_hits(const char *glob, const wkc_check *c)
{
	const char *p = c->ids;
	if (fnmatch(glob, c->name, 0) == 0)
		return true;
	while (p && *p) {
		size_t w = strcspn(p, " ");
		char id[64];
		snprintf(id, sizeof id, "%.*s", (int)w, p);
		if (w > 0 && fnmatch(glob, id, 0) == 0)
			return true;
		p += w;
		while (*p == ' ')
			p++;
	}
	return false;
}

bool wkc__filter_selects(const char *filter, const wkc_check *c)
{
	char *copy, *save = NULL;
	bool any_positive = false, hit = false, excluded = false;
	if (filter == NULL || *filter == '\0')
		return true;
	copy = wkc__xstrdup(filter);
	for (char *g = strtok_r(copy, ",", &save); g; g = strtok_r(NULL, ",", &save)) {
		if (*g == '-') {
			excluded |= glob_hits(g + 1, c);
		} else {
			any_positive = true;
			hit |= glob_hits(g, c);
		}
	}
	free(copy);
	return !excluded && (hit || !any_positive);
}

size_t wkc__select_checks(const wkc__opts *o, const wkc_check ***out)
{
	const wkc_check **v = wkc__xcalloc(wkc_check_count, sizeof *v);
	size_t n = 0, k = 0;
	for (size_t i = 0; i < wkc_check_count; i++) {
		const wkc_check *c = &wkc_check_list[i];
		if (!wkc__filter_selects(o->filter, c))
			continue;
		/* Shards split the filtered list round-robin: stable for a given
		 * filter, and every check lands in exactly one shard. */
		if (o->shard_n == 0 || k % o->shard_n == o->shard_i - 1)
			v[n++] = c;
		k++;
	}
	*out = v;
	return n;
}
