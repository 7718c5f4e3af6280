/*
 * replay.h - replay tokens: everything needed to run one check again
 * exactly as it ran (check, run seed, profile, pressure, adapter), packed
 * into one shell-safe word for `wakerconf replay <token>`.
 */
#ifndef WKC_REPLAY_H
#define WKC_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct wkc__replay {
	char *check;
	uint64_t seed;     /* the run seed (the check's seed derives from it) */
	char *profile;     /* canonical profile name */
	bool pressure;
	char *adapter;     /* "builtin:NAME" or "path:/abs/lib.so" */
	double multiplier; /* 0 = the profile's default */
} wkc__replay;

char *wkc__replay_encode(const wkc__replay *r);
int wkc__replay_decode(const char *token, wkc__replay *r, char *err, size_t errlen);
void wkc__replay_free(wkc__replay *r);

/* The equivalent `wakerconf run ...` command line (heap string). */
char *wkc__replay_command(const char *exe, const wkc__replay *r);

#endif /* WKC_REPLAY_H */
