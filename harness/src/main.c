/*
 * main.c - the entry point, compiled once per executable so that each one
 * knows its own name and where its instrumented twins live (set by
 * harness/CMakeLists.txt).
 */
#include "harness.h"

#ifndef WKC_EXE_NAME
#define WKC_EXE_NAME "wakerconf"
#endif
#ifndef WKC_VERSION
#define WKC_VERSION "0"
#endif
#ifndef WKC_SANITIZE
#define WKC_SANITIZE ""
#endif
#ifndef WKC_ASAN_HARNESS
#define WKC_ASAN_HARNESS ""
#endif
#ifndef WKC_TSAN_HARNESS
#define WKC_TSAN_HARNESS ""
#endif

int main(int argc, char **argv)
{
	static const wkc__build_info bi = {
		WKC_EXE_NAME, WKC_VERSION, WKC_SANITIZE, WKC_ASAN_HARNESS, WKC_TSAN_HARNESS,
	};
	return wkc__main(argc, argv, &bi);
}
