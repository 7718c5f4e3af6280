/* threads.c - see threads.h. */
#define _POSIX_C_SOURCE 200809L

#include "threads.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

enum { MAX_THREADS = 64 };

bool wkt_run_threads(size_t n, wkt_thread_fn fn, void *args, size_t arg_size)
{
	pthread_t tids[MAX_THREADS];
	size_t started = 0;
	bool ok = true;

	if (n > MAX_THREADS)
		return false;
	for (; started < n; started++) {
		int err = pthread_create(&tids[started], NULL, fn, (char *)args + started * arg_size);
		if (err != 0) {
			fprintf(stderr, "wkt_run_threads: pthread_create: %s\n", strerror(err));
			ok = false;
			break;
		}
	}
	for (size_t i = 0; i < started; i++)
		pthread_join(tids[i], NULL);
	return ok;
}
