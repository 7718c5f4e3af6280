/*
 * profile.h - sanitizer and Valgrind profiles: which build of the harness
 * runs the checks, how much slower it is, and how a child is wrapped so
 * that a report ends it with a recognisable status and lands in a file.
 */
#ifndef WKC_PROFILE_H
#define WKC_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"
#include "util.h"

/* Exit statuses a report ends a child with (chosen by the options below). */
#define WKC__TSAN_EXIT 66
#define WKC__ASAN_EXIT 67 /* ASan, UBSan and LSan */
#define WKC__VALGRIND_EXIT 99

typedef enum wkc__prof_kind {
	WKC__PROF_DEFAULT,
	WKC__PROF_ASAN,
	WKC__PROF_TSAN,
	WKC__PROF_VALGRIND,
} wkc__prof_kind;

typedef struct wkc__profile {
	wkc__prof_kind kind;
	char tool[16]; /* Valgrind tool: memcheck | helgrind | drd */
	char name[32]; /* canonical: default, asan, tsan, valgrind:<tool> */
} wkc__profile;

int wkc__profile_parse(const char *s, wkc__profile *p, char *err, size_t errlen);

/*
 * How far a profile's verdicts can be trusted for an adapter with these
 * capabilities (spec/harness.md section 8):
 *   WKC__TRUST_FULL       the tool sees what it judges (default, asan,
 *                         memcheck; tsan and helgrind/drd of an adapter that
 *                         does not annotate only where the executor is
 *                         instrumented: see ANNOTATED)
 *   WKC__TRUST_ANNOTATED  race verdicts rest on the adapter's annotations
 *                         (tsan, helgrind, drd with WKC_CAP_ANNOTATED)
 *   WKC__TRUST_ADVISORY   helgrind or drd on an adapter that does not claim
 *                         WKC_CAP_ANNOTATED: the tool cannot see C11
 *                         atomics, so its race reports may be false alarms;
 *                         they are shown, and do not decide a certificate
 */
typedef enum wkc__trust {
	WKC__TRUST_FULL,
	WKC__TRUST_ANNOTATED,
	WKC__TRUST_ADVISORY,
} wkc__trust;
wkc__trust wkc__profile_trust(const wkc__profile *p, unsigned caps);
/* "tsan (annotated)", "valgrind:helgrind (advisory: ...)", or the name. */
const char *wkc__profile_label(const wkc__profile *p, unsigned caps, char *buf, size_t len);
/* What a profile certifies, in one line (for certify's table). */
const char *wkc__profile_certifies(const wkc__profile *p);

/* Default timeout multiplier: 1, asan 3, tsan 5, valgrind 30. */
double wkc__profile_multiplier(const wkc__profile *p);
/* Loop-size scale handed to checks (wkc_scale). */
double wkc__profile_scale(const wkc__profile *p);
/* The scale for a run whose timeout multiplier is `multiplier` (0: the
 * profile's default): a multiplier above the profile's default (a slow
 * machine) shrinks the scale by the same factor, so the checks' bounded
 * waits grow and their loops shrink with the timeouts; a smaller one only
 * shortens the timeouts. */
double wkc__profile_scale_for(const wkc__profile *p, double multiplier);

/* The sanitizer the harness must be built with ("address", "thread") or
 * NULL when any build will do. */
const char *wkc__profile_sanitizer(const wkc__profile *p);

/*
 * When this harness is not the build the profile needs, exec the one that
 * is (argv unchanged).  Returns only on error (message printed, exit code
 * 2 returned) or when no exec is needed (returns 0).
 */
int wkc__profile_ensure_build(const wkc__profile *p, const wkc__build_info *bi, char **argv);

/* Path of the build of this harness the profile needs, or NULL when this
 * one will do; *exists tells whether that file is there. */
const char *wkc__profile_harness_path(const wkc__profile *p, const wkc__build_info *bi,
				      bool *exists);
/* One line telling how to build what the profile needs. */
char *wkc__profile_build_hint(const wkc__profile *p, const wkc__build_info *bi);

/*
 * In a freshly forked child (single-threaded parent, so setenv is safe):
 * point the sanitizer runtime of this build at report files named
 * <report_prefix>.<pid>.
 */
void wkc__profile_child_env(const wkc__build_info *bi, const char *report_prefix);

/* Valgrind argv prefix (NULL-terminated, heap) or NULL for other profiles. */
char **wkc__profile_valgrind_argv(const wkc__profile *p, const char *xml_file);

#endif /* WKC_PROFILE_H */
