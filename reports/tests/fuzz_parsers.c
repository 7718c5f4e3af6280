/*
 * fuzz_parsers.c - one fuzz harness for every report parser.  Built with
 * -DWKC_LIBFUZZER it is a libFuzzer target (the first input byte picks the
 * parser); built plainly its main replays each file given on the command
 * line through every parser, cut at many lengths and with bytes flipped,
 * so that ctest runs the same code paths deterministically (under the
 * sanitizer and Valgrind presets too).
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runs.h"
#include "san.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void all_parsers(const char *buf, size_t len, unsigned which)
{
	wkc__san_list l = {0};
	wkc__buf d = {0};
	wkc__groups gs = {0};
	wkc__hit h = {.run = "fuzz", .check = "fuzz"};
	switch (which % 6) {
	case 0: wkc__san_parse_tsan(buf, len, "in", &l, &d); break;
	case 1: wkc__san_parse_asan(buf, len, "in", &l, &d); break;
	case 2: wkc__san_parse_vgxml(buf, len, "in", &l, &d); break;
	case 3: wkc__san_parse_any(buf, len, "in", &l, &d); break;
	case 4: {
		wkc__run_header hd;
		wkc__result *rs;
		size_t n;
		if (wkc__rjsonl_parse(buf, len, "in", &hd, &rs, &n, &d) == 0) {
			wkc__results_free(rs, n);
			wkc__header_free(&hd);
		}
		break;
	}
	case 5: {
		wkc__campaign *cs = NULL;
		size_t n = 0;
		wkc__campaign_parse(buf, len, "in", &cs, &n, &d);
		for (size_t i = 0; i < n; i++)
			wkc__campaign_free(&cs[i]);
		free(cs);
		break;
	}
	}
	/* Whatever parsed must also group. */
	for (size_t i = 0; i < l.n; i++)
		wkc__groups_add(&gs, &l.r[i], &h);
	free(l.r);
	wkc__groups_free(&gs);
	wkc__buf_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	all_parsers((const char *)data + 1, size - 1, data[0]);
	return 0;
}

#ifndef WKC_LIBFUZZER
int main(int argc, char **argv)
{
	size_t runs = 0;
	for (int a = 1; a < argc; a++) {
		size_t len;
		char *t = wkc__read_file(argv[a], &len);
		uint64_t rng = 0x9e3779b97f4a7c15ULL ^ len;
		if (t == NULL) {
			fprintf(stderr, "fuzz_parsers: cannot read %s\n", argv[a]);
			return 2;
		}
		for (unsigned p = 0; p < 6; p++) {
			/* Whole, then cut at 64 points; each copy exactly as long as the
			 * input (no terminating NUL), so that ASan and Valgrind see a read
			 * past its end. */
			all_parsers(t, len, p);
			for (size_t k = 1; k <= 64; k++, runs++) {
				char *cut = wkc__xmalloc(len * k / 64);
				memcpy(cut, t, len * k / 64);
				all_parsers(cut, len * k / 64, p);
				free(cut);
			}
			/* 32 copies with 8 bytes flipped each. */
			for (int k = 0; k < 32; k++, runs++) {
				char *m = wkc__xmalloc(len);
				memcpy(m, t, len);
				for (int f = 0; f < 8 && len > 0; f++) {
					rng = rng * 6364136223846793005ULL + 1442695040888963407ULL;
					m[(rng >> 33) % len] = (char)(rng >> 17);
				}
				all_parsers(m, len, p);
				free(m);
			}
		}
		free(t);
	}
	printf("fuzz_parsers: %zu mutated inputs through 6 parsers, no crash\n", runs);
	return 0;
}
#endif
