/*
 * check_list.c - the table the harness iterates (wkc/registry.h), built
 * from check_list.h.
 */
#include "checks.h"

const wkc_check wkc_check_list[] = {
#define WKC_CHECK(fn, name, ids, needs, refuses, ms) {name, ids, needs, refuses, ms, wkc_chk_##fn},
#include "check_list.h"
#undef WKC_CHECK
};

const size_t wkc_check_count = sizeof wkc_check_list / sizeof wkc_check_list[0];
