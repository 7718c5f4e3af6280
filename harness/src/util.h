/*
 * util.h - small helpers every harness file uses: allocation that cannot
 * fail silently, a growable string, error printing, time, hashing.
 * Internal (wkc__ prefix); not part of any ABI.
 */
#ifndef WKC_UTIL_H
#define WKC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Exit codes of every wakerconf subcommand. */
enum {
	WKC__EXIT_PASS = 0,  /* every applicable MUST requirement passed */
	WKC__EXIT_FAIL = 1,  /* a MUST requirement failed / not certified */
	WKC__EXIT_USAGE = 2, /* bad command line, adapter that does not load, setup error */
};

/* Out of memory is not a verdict: the harness prints and exits 2. */
void *wkc__xmalloc(size_t n);
void *wkc__xcalloc(size_t n, size_t size);
void *wkc__xrealloc(void *p, size_t n);
char *wkc__xstrdup(const char *s);
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
char *wkc__xasprintf(const char *fmt, ...);

/* "wakerconf: error: ..." / "wakerconf: warning: ..." on stderr, one line. */
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void wkc__error(const char *fmt, ...);
#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
void wkc__warn(const char *fmt, ...);

/* A growable NUL-terminated string. */
typedef struct wkc__buf {
	char *s;
	size_t len, cap;
} wkc__buf;
void wkc__buf_add(wkc__buf *b, const char *s, size_t n);
void wkc__buf_puts(wkc__buf *b, const char *s);
void wkc__buf_putc(wkc__buf *b, char c);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void wkc__buf_printf(wkc__buf *b, const char *fmt, ...);
void wkc__buf_vprintf(wkc__buf *b, const char *fmt, va_list ap);
void wkc__buf_free(wkc__buf *b);

/* Monotonic milliseconds. */
double wkc__now_ms(void);

/* Seeds: 64-bit FNV-1a of a string, and the splitmix64 finaliser. */
uint64_t wkc__fnv1a64(const char *s);
uint64_t wkc__mix64(uint64_t x);

/* mkdir -p; returns 0 or -1 with errno set. */
int wkc__mkdirs(const char *path);

/* Whole file into a NUL-terminated heap string (NULL when unreadable). */
char *wkc__read_file(const char *path, size_t *len);

/* A file name made from a check name: [A-Za-z0-9._-] kept, the rest '_'. */
char *wkc__file_stem(const char *check_name);

/* Parse a whole unsigned number (decimal or 0x hex); false when malformed. */
bool wkc__parse_u64(const char *s, uint64_t *out);



/* The seed a check gets: derived from the run seed and its name, so a
 * check sees the same seed whatever else runs with it (filter, shard). */
uint64_t wkc__check_seed(uint64_t run_seed, const char *check_name);

/* This executable's absolute path (from /proc/self/exe). */
const char *wkc__self_exe(void);

#endif /* WKC_UTIL_H */
