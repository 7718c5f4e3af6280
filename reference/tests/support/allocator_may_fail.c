/*
 * allocator_may_fail.c - let allocations fail under the sanitizers.
 *
 * Tests of out-of-memory paths ask for absurd sizes and expect NULL, as
 * glibc and Valgrind return.  AddressSanitizer and ThreadSanitizer abort on
 * such requests unless allocator_may_return_null is set; these hooks (read
 * by the sanitizer runtimes at start-up, ignored elsewhere) set it for the
 * test binaries that link this file.  Options given in ASAN_OPTIONS /
 * TSAN_OPTIONS still apply on top.
 */
const char *__asan_default_options(void);
const char *__tsan_default_options(void);

__attribute__((used)) const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1";
}

__attribute__((used)) const char *__tsan_default_options(void)
{
	return "allocator_may_return_null=1";
}
