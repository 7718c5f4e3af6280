/* util.c - allocation, strings, errors, time and hashing for the harness. */
#define _POSIX_C_SOURCE 200809L
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void out_of_memory(size_t n)
{
	fprintf(stderr, "wakerconf: error: out of memory (%zu bytes)\n", n);
	exit(WKC__EXIT_USAGE);
}

void *wkc__xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	if (p == NULL)
		out_of_memory(n);
	return p;
}

void *wkc__xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	if (p == NULL)
		out_of_memory(n * size);
	return p;
}

void *wkc__xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (q == NULL)
		out_of_memory(n);
	return q;
}

char *wkc__xstrdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = wkc__xmalloc(n);
	memcpy(d, s, n);
	return d;
}

char *wkc__xasprintf(const char *fmt, ...)
{
	wkc__buf b = {0};
	va_list ap;
	va_start(ap, fmt);
	wkc__buf_vprintf(&b, fmt, ap);
	va_end(ap);
	return b.s ? b.s : wkc__xstrdup("");
}

static void vreport(const char *kind, const char *fmt, va_list ap)
{
	/* Built in one buffer and written at once so that parallel children
	 * and the parent never interleave inside a line. */
	wkc__buf b = {0};
	wkc__buf_printf(&b, "wakerconf: %s: ", kind);
	wkc__buf_vprintf(&b, fmt, ap);
	wkc__buf_putc(&b, '\n');
	fputs(b.s, stderr);
	fflush(stderr);
	wkc__buf_free(&b);
}

void wkc__error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("error", fmt, ap);
	va_end(ap);
}

void wkc__warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vreport("warning", fmt, ap);
	va_end(ap);
}

void wkc__buf_add(wkc__buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = wkc__xrealloc(b->s, cap);
		b->cap = cap;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void wkc__buf_puts(wkc__buf *b, const char *s)
{
	wkc__buf_add(b, s, strlen(s));
}

void wkc__buf_putc(wkc__buf *b, char c)
{
	wkc__buf_add(b, &c, 1);
}

void wkc__buf_vprintf(wkc__buf *b, const char *fmt, va_list ap)
{
	char small[256];
	va_list ap2;
	int n;
	va_copy(ap2, ap);
	n = vsnprintf(small, sizeof small, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		wkc__buf_add(b, small, (size_t)n);
		return;
	}
	{
		char *big = wkc__xmalloc((size_t)n + 1);
		vsnprintf(big, (size_t)n + 1, fmt, ap);
		wkc__buf_add(b, big, (size_t)n);
		free(big);
	}
}

void wkc__buf_printf(wkc__buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	wkc__buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void wkc__buf_free(wkc__buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

double wkc__now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

uint64_t wkc__fnv1a64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t wkc__mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

int wkc__mkdirs(const char *path)
{
	char *p = wkc__xstrdup(path);
	int rc = 0;
	for (char *s = p + 1; ; s++) {
		if (*s == '/' || *s == '\0') {
			char saved = *s;
			*s = '\0';
			if (mkdir(p, 0777) != 0 && errno != EEXIST) {
				rc = -1;
				break;
			}
			*s = saved;
			if (saved == '\0')
				break;
		}
	}
	free(p);
	return rc;
}

char *wkc__read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	wkc__buf b = {0};
	char chunk[4096];
	size_t n;
	if (f == NULL)
		return NULL;
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		wkc__buf_add(&b, chunk, n);
	fclose(f);
	if (b.s == NULL)
		b.s = wkc__xstrdup("");
	if (len)
		*len = b.len;
	return b.s;
}

char *wkc__file_stem(const char *name)
{
	char *s = wkc__xstrdup(name);
	for (char *p = s; *p; p++) {
		char c = *p;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			  (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
		if (!ok)
			*p = '_';
	}
	return s;
}

bool wkc__parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	if (s == NULL || *s == '\0' || *s == '-')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0')
		return false;
	*out = (uint64_t)v;
	return true;
}

uint64_t wkc__check_seed(uint64_t run_seed, const char *check_name)
{
	return wkc__mix64(run_seed ^ wkc__fnv1a64(check_name));
}

const char *wkc__self_exe(void)
{
	static char path[4096];
	if (path[0] == '\0') {
		ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
		if (n <= 0) {
			wkc__error("cannot find this executable (/proc/self/exe): %s",
				   strerror(errno));
			exit(WKC__EXIT_USAGE);
		}
		path[n] = '\0';
	}
	return path;
}
