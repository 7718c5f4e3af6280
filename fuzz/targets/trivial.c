/*
 * trivial.c - the yardstick: a persistent fuzz target that does almost
 * nothing (a few branches on the first bytes), built exactly like the real
 * targets.  fuzz/campaign --bench reports each target's exec/s against it.
 */
#include <stdint.h>

#include "wkf.h"

static volatile unsigned wkf_sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > 0 && data[0] == 'w') {
		wkf_sink++;
		if (size > 1 && data[1] == 'k')
			wkf_sink += 2;
	}
	return 0;
}

#include "fuzz_main.h"
