/* list.c - `wakerconf list` and `wakerconf adapters`. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "loader.h"
#include "opts.h"
#include "requirements.h"
#include "runner.h"
#include "util.h"
#include "wkc/registry.h"

static void list_requirements(void)
{
	for (size_t i = 0; i < wkc__requirement_count; i++) {
		const wkc__requirement *r = &wkc__requirement_list[i];
		size_t checks = 0;
		if (r->id == NULL)
			continue;
		for (size_t k = 0; k < wkc_check_count; k++) {
			const char *ids = wkc_check_list[k].ids;
			size_t n = strlen(r->id);
			for (const char *p = strstr(ids, r->id); p; p = strstr(p + 1, r->id))
				if ((p == ids || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0')) {
					checks++;
					break;
				}
		}
		printf("%-14s %-6s %-9s %2zu check%s  %s\n", r->id, r->level, r->profile, checks,
		       checks == 1 ? " " : "s", r->summary);
	}
}

int wkc__list(const wkc__opts *o)
{
	const wkc_check **checks;
	size_t n, nskip = 0;
	wkc__adapter_sel sel;
	wkc__profile def;
	char err[8];
	bool have = o->builtin || o->adapter;

	if (o->requirements) {
		list_requirements();
		return WKC__EXIT_PASS;
	}
	memset(&sel, 0, sizeof sel);
	wkc__profile_parse("default", &def, err, sizeof err);
	if (have && wkc__adapter_select(o, &def, NULL, &sel) != 0)
		return WKC__EXIT_USAGE;
	n = wkc__select_checks(o, &checks);
	printf("%-40s %-8s %-30s %s\n", "check", "timeout", "ids", "needs / refuses");
	for (size_t i = 0; i < n; i++) {
		const wkc_check *c = checks[i];
		wkc__buf caps = {0};
		if (c->needs_caps) {
			wkc__buf_puts(&caps, "needs ");
			wkc__caps_format(c->needs_caps, &caps);
		}
		if (c->refuses_caps) {
			wkc__buf_puts(&caps, caps.len ? ", refuses " : "refuses ");
			wkc__caps_format(c->refuses_caps, &caps);
		}
		printf("%-40s %5ums  %-30s %s\n", c->name, wkc__check_timeout_ms(c), c->ids,
		       caps.s ? caps.s : "-");
		if (have) {
			char *why = wkc__skip_reason(c, sel.a->caps);
			if (why)
				printf("    SKIP for %s: %s\n", sel.a->name, why);
			nskip += why != NULL;
			free(why);
		}
		wkc__buf_free(&caps);
	}
	printf("%zu check%s", n, n == 1 ? "" : "s");
	if (have)
		printf(", %zu skipped for %s %s", nskip, sel.a->name, sel.a->version);
	printf("\n");
	free(checks);
	wkc__adapter_sel_free(&sel);
	return WKC__EXIT_PASS;
}

static void describe(const wkc_adapter *a, const char *where)
{
	wkc__buf caps = {0};
	wkc__caps_format(a->caps, &caps);
	printf("%-24s %-12s abi %d  %s%s%s\n", a->name, a->version, a->abi_version, caps.s,
	       where ? "  " : "", where ? where : "");
	wkc__buf_free(&caps);
}

int wkc__adapters(const wkc__opts *o)
{
	int rc = WKC__EXIT_PASS;
	if (o->adapter) {
		char err[800];
		const wkc_adapter *a = wkc__adapter_load(o->adapter, err, sizeof err);
		if (a == NULL) {
			wkc__error("%s", err);
			return WKC__EXIT_USAGE;
		}
		describe(a, o->adapter);
		return rc;
	}
	for (size_t i = 0; i < wkc_builtin_adapter_count; i++) {
		char why[400];
		const wkc_adapter *a = wkc_builtin_adapter_list[i];
		if (wkc__adapter_validate(a, why, sizeof why) != 0) {
			wkc__error("built-in adapter #%zu: %s", i, why);
			rc = WKC__EXIT_USAGE;
			continue;
		}
		describe(a, NULL);
	}
	if (wkc_builtin_adapter_count == 0)
		printf("(no built-in adapters)\n");
	return rc;
}
