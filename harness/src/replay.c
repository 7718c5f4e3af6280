/*
 * replay.c - replay tokens.  A token is "wkc1." followed by the base64url
 * encoding of "key=value" lines; base64url keeps it one shell word
 * whatever the adapter's path contains.
 */
#define _POSIX_C_SOURCE 200809L
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
#define PREFIX "wkc1."

static void b64_encode(wkc__buf *out, const unsigned char *s, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;
		size_t left = n - i;
		if (left > 1)
			v |= (uint32_t)s[i + 1] << 8;
		if (left > 2)
			v |= s[i + 2];
		wkc__buf_putc(out, b64[(v >> 18) & 63]);
		wkc__buf_putc(out, b64[(v >> 12) & 63]);
		if (left > 1)
			wkc__buf_putc(out, b64[(v >> 6) & 63]);
		if (left > 2)
			wkc__buf_putc(out, b64[v & 63]);
	}
}

static int b64_decode(wkc__buf *out, const char *s)
{
	uint32_t v = 0;
	int bits = 0;
	for (; *s; s++) {
		const char *p = strchr(b64, *s);
		if (p == NULL)
			return -1;
		v = (v << 6) | (uint32_t)(p - b64);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			wkc__buf_putc(out, (char)((v >> bits) & 0xff));
		}
	}
	return 0;
}

char *wkc__replay_encode(const wkc__replay *r)
{
	wkc__buf kv = {0}, tok = {0};
	wkc__buf_printf(&kv, "check=%s\nseed=0x%016llx\nprofile=%s\npressure=%d\nadapter=%s\n",
			r->check, (unsigned long long)r->seed, r->profile, r->pressure ? 1 : 0,
			r->adapter);
	if (r->multiplier > 0)
		wkc__buf_printf(&kv, "multiplier=%g\n", r->multiplier);
	wkc__buf_puts(&tok, PREFIX);
	b64_encode(&tok, (const unsigned char *)kv.s, kv.len);
	wkc__buf_free(&kv);
	return tok.s;
}

void wkc__replay_free(wkc__replay *r)
{
	free(r->check);
	free(r->profile);
	free(r->adapter);
	memset(r, 0, sizeof *r);
}

int wkc__replay_decode(const char *token, wkc__replay *r, char *err, size_t errlen)
{
	wkc__buf kv = {0};
	char *line, *save = NULL;
	memset(r, 0, sizeof *r);
	if (strncmp(token, PREFIX, strlen(PREFIX)) != 0 ||
	    b64_decode(&kv, token + strlen(PREFIX)) != 0 || kv.s == NULL) {
		snprintf(err, errlen, "not a replay token: %.60s (they start with %s)", token,
			 PREFIX);
		wkc__buf_free(&kv);
		return -1;
	}
	for (line = strtok_r(kv.s, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(line, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		if (strcmp(line, "check") == 0)
			r->check = wkc__xstrdup(eq + 1);
		else if (strcmp(line, "seed") == 0)
			wkc__parse_u64(eq + 1, &r->seed);
		else if (strcmp(line, "profile") == 0)
			r->profile = wkc__xstrdup(eq + 1);
		else if (strcmp(line, "pressure") == 0)
			r->pressure = strcmp(eq + 1, "1") == 0;
		else if (strcmp(line, "adapter") == 0)
			r->adapter = wkc__xstrdup(eq + 1);
		else if (strcmp(line, "multiplier") == 0)
			r->multiplier = strtod(eq + 1, NULL);
	}
	wkc__buf_free(&kv);
	if (!r->check || !r->profile || !r->adapter ||
	    (strncmp(r->adapter, "builtin:", 8) != 0 && strncmp(r->adapter, "path:", 5) != 0)) {
		snprintf(err, errlen, "replay token is incomplete or damaged");
		wkc__replay_free(r);
		return -1;
	}
	return 0;
}

/* Single-quote s for a POSIX shell when it needs it. */
static void shell_word(wkc__buf *b, const char *s)
{
	bool plain = *s != '\0';
	for (const char *p = s; *p; p++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:=+,",
			    *p))
			plain = false;
	if (plain) {
		wkc__buf_puts(b, s);
		return;
	}
	wkc__buf_putc(b, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			wkc__buf_puts(b, "'\\''");
		else
			wkc__buf_putc(b, *p);
	}
	wkc__buf_putc(b, '\'');
}

char *wkc__replay_command(const char *exe, const wkc__replay *r)
{
	wkc__buf b = {0};
	shell_word(&b, exe);
	wkc__buf_puts(&b, " run ");
	if (strncmp(r->adapter, "builtin:", 8) == 0) {
		wkc__buf_puts(&b, "--builtin ");
		shell_word(&b, r->adapter + 8);
	} else {
		/* The library the profile ran is the one its option names. */
		const char *opt = strcmp(r->profile, "tsan") == 0   ? "--adapter-tsan "
				  : strcmp(r->profile, "asan") == 0 ? "--adapter-asan "
								    : "--adapter ";
		wkc__buf_puts(&b, opt);
		shell_word(&b, r->adapter + 5);
	}
	wkc__buf_printf(&b, " --profile %s --seed 0x%016llx %s", r->profile,
			(unsigned long long)r->seed, r->pressure ? "--pressure" : "--no-pressure");
	if (r->multiplier > 0)
		wkc__buf_printf(&b, " --timeout-multiplier %g", r->multiplier);
	wkc__buf_puts(&b, " --filter ");
	shell_word(&b, r->check);
	return b.s;
}
