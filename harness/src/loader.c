/*
 * loader.c - adapter loading and validation.
 *
 * The order of the checks is the ABI's versioning rule: nothing past
 * abi_version is read until abi_version is known to be one this harness
 * understands (see sqlite's os.c, which tests iVersion before each newer
 * method).  A bad adapter is a load error with exit code 2, never a crash.
 */
#define _POSIX_C_SOURCE 200809L
#include "loader.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "wk/config.h"
#include "wkc/registry.h"

static const struct {
	uint32_t bit;
	const char *name;
} cap_names[] = {
	{WKC_CAP_THREAD_SAFE_WAKERS, "THREAD_SAFE_WAKERS"},
	{WKC_CAP_LOCAL_WAKERS, "LOCAL_WAKERS"},
	{WKC_CAP_MULTI_THREAD, "MULTI_THREAD"},
	{WKC_CAP_THREAD_PER_CORE, "THREAD_PER_CORE"},
	{WKC_CAP_SPAWN_ON_CORE, "SPAWN_ON_CORE"},
	{WKC_CAP_SPAWN_LOCAL, "SPAWN_LOCAL"},
	{WKC_CAP_LOCAL_ONLY, "LOCAL_ONLY"},
	{WKC_CAP_FOREIGN_WAKE_ABORTS, "FOREIGN_WAKE_ABORTS"},
	{WKC_CAP_LIVE_TASKS, "LIVE_TASKS"},
	{WKC_CAP_ANNOTATED, "ANNOTATED"},
};
#define N_CAPS (sizeof cap_names / sizeof cap_names[0])

static uint32_t known_caps(void)
{
	uint32_t all = 0;
	for (size_t i = 0; i < N_CAPS; i++)
		all |= cap_names[i].bit;
	return all;
}

void wkc__caps_format(uint32_t caps, wkc__buf *out)
{
	bool first = true;
	for (size_t i = 0; i < N_CAPS; i++) {
		if (caps & cap_names[i].bit) {
			wkc__buf_printf(out, "%s%s", first ? "" : "|", cap_names[i].name);
			first = false;
		}
	}
	if (caps & ~known_caps()) {
		wkc__buf_printf(out, "%s0x%x", first ? "" : "|", (unsigned)(caps & ~known_caps()));
		first = false;
	}
	if (first)
		wkc__buf_puts(out, "none");
}

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int reject(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool valid_name(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		char c = *s;
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		      c == '-'))
			return false;
	}
	return true;
}

/*
 * Capability rules: pairs of claims no executor can honour at once.  Each
 * rule is documented in harness/docs/ADAPTERS.md.
 */
static int validate_caps(const wkc_adapter *a, char *err, size_t errlen)
{
	uint32_t c = a->caps;
	if (c & ~known_caps()) {
		unsigned unknown = (unsigned)(c & ~known_caps());
		return reject(err, errlen,
			      "unknown capability bits 0x%x (abi_version %d defines 0x%x)", unknown,
			      a->abi_version, (unsigned)known_caps());
	}
	if ((c & WKC_CAP_LOCAL_ONLY) && (c & WKC_CAP_THREAD_SAFE_WAKERS))
		return reject(err, errlen,
			      "contradictory capabilities: LOCAL_ONLY (contexts have no thread-safe "
			      "waker) with THREAD_SAFE_WAKERS");
	if ((c & WKC_CAP_LOCAL_ONLY) && !(c & WKC_CAP_LOCAL_WAKERS))
		return reject(err, errlen,
			      "contradictory capabilities: LOCAL_ONLY without LOCAL_WAKERS (a context "
			      "without a thread-safe waker can only offer a local waker)");
	if ((c & WKC_CAP_FOREIGN_WAKE_ABORTS) &&
	    !(c & (WKC_CAP_SPAWN_LOCAL | WKC_CAP_THREAD_PER_CORE)))
		return reject(err, errlen,
			      "contradictory capabilities: FOREIGN_WAKE_ABORTS without SPAWN_LOCAL or "
			      "THREAD_PER_CORE (the policy applies to local tasks, and there are none)");
	if ((c & WKC_CAP_LIVE_TASKS) && a->live_tasks == NULL)
		return reject(err, errlen,
			      "contradictory capabilities: LIVE_TASKS claimed but live_tasks is NULL");
	return 0;
}

int wkc__adapter_validate(const wkc_adapter *a, char *err, size_t errlen)
{
	if (a == NULL)
		return reject(err, errlen, "the adapter table is NULL");
	/* Version first: every other field's meaning depends on it. */
	if (a->abi_version < 1 || a->abi_version > WKC_ABI_VERSION)
		return reject(err, errlen, "unknown abi_version %d (this harness knows 1..%d)",
			      a->abi_version, WKC_ABI_VERSION);
	/* Required functions of version 1. */
	if (a->create == NULL)
		return reject(err, errlen, "required function create is NULL");
	if (a->destroy == NULL)
		return reject(err, errlen, "required function destroy is NULL");
	if (a->spawn == NULL)
		return reject(err, errlen, "required function spawn is NULL");
	if (a->run == NULL)
		return reject(err, errlen, "required function run is NULL");
	if (a->name == NULL)
		return reject(err, errlen, "name is NULL");
	if (!valid_name(a->name))
		return reject(err, errlen, "name \"%.40s\" is not [a-z0-9_.-]+", a->name);
	if (a->version == NULL)
		return reject(err, errlen, "version is NULL");
	return validate_caps(a, err, errlen);
}

const wkc_adapter *wkc__adapter_load(const char *path, char *err, size_t errlen)
{
	char local[4096];
	const char *open_path = path;
	struct stat st;
	void *h, *sym;
	const wkc_adapter *a;
	char why[400];

	/* dlopen searches the library path for a bare name; the user meant
	 * the file in the current directory. */
	if (strchr(path, '/') == NULL && stat(path, &st) == 0) {
		snprintf(local, sizeof local, "./%s", path);
		open_path = local;
	}
	if (stat(path, &st) != 0 && strchr(path, '/') != NULL) {
		reject(err, errlen, "adapter %s: no such file", path);
		return NULL;
	}
	dlerror();
	h = dlopen(open_path, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		const char *d = dlerror();
		bool abi_guard = d != NULL && strstr(d, "wk_abi_") != NULL;
		reject(err, errlen, "adapter %s: cannot load: %s%s", path, d ? d : "unknown error",
		       abi_guard ? " (the adapter and this harness disagree on WK_CHECKED)" : "");
		return NULL;
	}
	/* A waker's layout depends on WK_CHECKED: an adapter carrying the
	 * other flavour of the reference library would corrupt every waker it
	 * hands to a probe. */
#if WK_CHECKED
	sym = dlsym(h, "wk_abi_unchecked");
#else
	sym = dlsym(h, "wk_abi_checked");
#endif
	if (sym != NULL) {
		reject(err, errlen,
		       "adapter %s: built against the %s reference library but this harness is "
		       "%s (WK_CHECKED=%d); waker layouts differ",
		       path, WK_CHECKED ? "unchecked" : "checked", WK_CHECKED ? "checked" : "unchecked",
		       WK_CHECKED);
		return NULL;
	}
	dlerror();
	sym = dlsym(h, WKC_ADAPTER_ENTRY_SYMBOL);
	if (sym == NULL) {
		reject(err, errlen,
		       "adapter %s: no entry symbol %s (export `const wkc_adapter "
		       "*%s(void)` with default visibility)",
		       path, WKC_ADAPTER_ENTRY_SYMBOL, WKC_ADAPTER_ENTRY_SYMBOL);
		return NULL;
	}
	{
		/* ISO C forbids converting void * to a function pointer; POSIX
		 * guarantees it works for dlsym.  Copy the bits instead. */
		wkc_adapter_entry_fn entry;
		memcpy(&entry, &sym, sizeof entry);
		a = entry();
	}
	if (a == NULL) {
		reject(err, errlen, "adapter %s: %s() returned NULL", path, WKC_ADAPTER_ENTRY_SYMBOL);
		return NULL;
	}
	if (wkc__adapter_validate(a, why, sizeof why) != 0) {
		reject(err, errlen, "adapter %s: %s", path, why);
		return NULL;
	}
	return a;
}

const wkc_adapter *wkc__builtin_find(const char *name)
{
	for (size_t i = 0; i < wkc_builtin_adapter_count; i++) {
		const wkc_adapter *a = wkc_builtin_adapter_list[i];
		/* The name is read only once the table is known to be valid. */
		char why[400];
		if (wkc__adapter_validate(a, why, sizeof why) == 0 && strcmp(a->name, name) == 0)
			return a;
	}
	return NULL;
}

int wkc__builtins_validate(void)
{
	int rc = 0;
	for (size_t i = 0; i < wkc_builtin_adapter_count; i++) {
		char why[400];
		if (wkc__adapter_validate(wkc_builtin_adapter_list[i], why, sizeof why) != 0) {
			wkc__error("built-in adapter #%zu: %s", i, why);
			rc = -1;
		}
	}
	return rc;
}

char *wkc__skip_reason(const wkc_check *c, uint32_t caps)
{
	uint32_t missing = c->needs_caps & ~caps;
	uint32_t refused = c->refuses_caps & caps;
	wkc__buf b = {0};
	if (missing) {
		wkc__buf_puts(&b, "needs ");
		wkc__caps_format(missing, &b);
	}
	if (refused) {
		wkc__buf_puts(&b, missing ? "; " : "");
		wkc__buf_puts(&b, "not applicable with ");
		wkc__caps_format(refused, &b);
	}
	return b.s;
}
