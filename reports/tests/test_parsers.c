/* test_parsers.c - the report parsers and deduplication on real captured
 * outputs (fixtures/README.md says where each came from). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dedup.h"
#include "runs.h"
#include "san.h"

static char *load(const char *rel, size_t *len)
{
	char *p = wkc__xasprintf("%s/%s", WKC_FIXTURES, rel);
	char *t = wkc__read_file(p, len);
	if (t == NULL)
		fail_msg("cannot read fixture %s", p);
	free(p);
	return t;
}

static size_t parse(const char *rel, wkc__san_list *l, wkc__buf *diag)
{
	size_t len;
	char *t = load(rel, &len);
	size_t n = wkc__san_parse_any(t, len, rel, l, diag);
	free(t);
	return n;
}

static const wkc__section *nth(const wkc__san_report *r, wkc__sec_kind k, int n)
{
	for (size_t i = 0; i < r->nsecs; i++)
		if (r->secs[i].kind == k && n-- == 0)
			return &r->secs[i];
	return NULL;
}

static void tsan_race_heap(void **state)
{
	wkc__san_list l = {0};
	wkc__buf d = {0};
	const wkc__section *a, *b, *loc, *t1;
	(void)state;
	assert_int_equal(parse("tsan/race_heap.txt", &l, &d), 1);
	assert_null(d.s);
	assert_string_equal(l.r[0].tool, "tsan");
	assert_string_equal(l.r[0].kind, "data race");
	assert_true(l.r[0].is_race);
	assert_non_null(l.r[0].summary);
	a = nth(&l.r[0], WKC__SEC_ACCESS, 0);
	b = nth(&l.r[0], WKC__SEC_ACCESS, 1);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(a->write);
	assert_false(a->atomic);
	assert_int_equal(a->size, 8);
	assert_string_equal(a->thread, "thread T1");
	assert_string_equal(b->thread, "thread T4");
	assert_int_equal(a->stack.n, 6);
	assert_string_equal(a->stack.f[0].fn, "ref_retain");
	assert_int_equal(a->stack.f[0].line, 70);
	assert_int_equal(a->stack.f[0].col, 9);
	assert_string_equal(a->stack.f[0].module, "wkc_mutant_nonatomic_refcount.so");
	assert_string_equal(b->stack.f[0].fn, "mx_task_release");
	/* the heap block and its allocation stack */
	loc = nth(&l.r[0], WKC__SEC_LOCATION, 0);
	assert_non_null(loc);
	assert_non_null(strstr(loc->title, "heap block of size 72"));
	assert_string_equal(loc->stack.f[1].fn, "mx_task_new");
	assert_null(loc->stack.f[0].file); /* "calloc <null>" */
	/* thread creations */
	t1 = nth(&l.r[0], WKC__SEC_THREAD, 0);
	assert_non_null(t1);
	assert_non_null(nth(&l.r[0], WKC__SEC_THREAD, 1));
	assert_string_equal(t1->stack.f[1].fn, "wkc__couriers_start");
	wkc__san_list_free(&l);
}

static void tsan_atomic_and_mutexes(void **state)
{
	wkc__san_list l = {0};
	const wkc__section *b;
	(void)state;
	assert_int_equal(parse("tsan/race_atomic_mutex.txt", &l, NULL), 1);
	b = nth(&l.r[0], WKC__SEC_ACCESS, 1);
	assert_true(b->atomic);
	assert_true(b->write);
	assert_string_equal(b->mutexes, "write M0");
	assert_non_null(nth(&l.r[0], WKC__SEC_MUTEX, 0));
	assert_non_null(strstr(nth(&l.r[0], WKC__SEC_LOCATION, 0)->title, "global 'ashared'"));
	wkc__san_list_free(&l);
}

static void tsan_other_kinds(void **state)
{
	wkc__san_list l = {0};
	(void)state;
	assert_int_equal(parse("tsan/lock_order.txt", &l, NULL), 1);
	assert_string_equal(l.r[0].kind, "lock-order-inversion (potential deadlock)");
	assert_false(l.r[0].is_race);
	assert_non_null(nth(&l.r[0], WKC__SEC_MUTEX, 3));
	assert_string_equal(nth(&l.r[0], WKC__SEC_MUTEX, 0)->stack.f[1].fn, "t1");
	assert_int_equal(parse("tsan/invalid_mutex.txt", &l, NULL), 1);
	assert_non_null(strstr(l.r[1].kind, "invalid mutex"));
	assert_int_equal(parse("tsan/signal_unsafe.txt", &l, NULL), 2);
	assert_string_equal(l.r[2].kind, "signal-unsafe call inside of a signal");
	assert_string_equal(l.r[2].secs[0].stack.f[1].fn, "handler");
	wkc__san_list_free(&l);
}

static void asan_use_after_free(void **state)
{
	wkc__san_list l = {0};
	const wkc__section *acc, *freed, *alloc;
	(void)state;
	assert_int_equal(parse("asan/use_after_free.txt", &l, NULL), 1);
	assert_string_equal(l.r[0].tool, "asan");
	assert_string_equal(l.r[0].kind, "heap-use-after-free");
	acc = nth(&l.r[0], WKC__SEC_ACCESS, 0);
	freed = nth(&l.r[0], WKC__SEC_FREED, 0);
	alloc = nth(&l.r[0], WKC__SEC_ALLOC, 0);
	assert_true(acc->write);
	assert_int_equal(acc->size, 8);
	assert_string_equal(acc->thread, "thread T0");
	assert_string_equal(acc->stack.f[0].fn, "task_free");
	assert_int_equal(acc->stack.f[0].line, 85);
	assert_string_equal(freed->stack.f[1].fn, "shared_free");
	assert_string_equal(alloc->stack.f[1].fn, "shared_new");
	assert_string_equal(freed->stack.f[0].fn, "free"); /* "in free (module+0x..)" */
	assert_null(freed->stack.f[0].file);
	wkc__san_list_free(&l);
}

static void lsan_and_ubsan(void **state)
{
	wkc__san_list l = {0};
	(void)state;
	assert_int_equal(parse("asan/leak.txt", &l, NULL), 2);
	assert_string_equal(l.r[0].kind, "Direct leak");
	assert_string_equal(l.r[1].kind, "Indirect leak");
	assert_string_equal(l.r[0].secs[0].stack.f[1].fn, "mx_task_new");
	assert_non_null(l.r[1].summary);
	assert_int_equal(parse("asan/ubsan.txt", &l, NULL), 1);
	assert_string_equal(l.r[2].tool, "ubsan");
	assert_string_equal(l.r[2].kind, "signed integer overflow");
	assert_string_equal(l.r[2].secs[0].stack.f[0].fn, "add");
	wkc__san_list_free(&l);
}

static void valgrind_xml(void **state)
{
	wkc__san_list l = {0};
	wkc__buf d = {0};
	const wkc__section *a, *b;
	(void)state;
	assert_int_equal(parse("vg/helgrind.xml", &l, &d), 2);
	assert_null(d.s);
	assert_string_equal(l.r[0].tool, "helgrind");
	assert_true(l.r[0].is_race);
	a = nth(&l.r[0], WKC__SEC_ACCESS, 0);
	b = nth(&l.r[0], WKC__SEC_ACCESS, 1);
	assert_non_null(b);
	assert_false(a->write);
	assert_true(b->write);
	assert_int_equal(a->size, 8);
	assert_string_equal(a->stack.f[0].fn, "ref_retain");
	assert_non_null(nth(&l.r[0], WKC__SEC_LOCATION, 0));
	assert_non_null(nth(&l.r[0], WKC__SEC_THREAD, 0)); /* announced thread */
	assert_int_equal(parse("vg/drd.xml", &l, &d), 2);
	assert_string_equal(l.r[2].kind, "ConflictingAccess");
	assert_true(l.r[2].is_race);
	assert_int_equal(parse("vg/memcheck.xml", &l, &d), 2);
	assert_string_equal(l.r[4].tool, "memcheck");
	assert_string_equal(l.r[4].kind, "InvalidRead");
	assert_non_null(nth(&l.r[4], WKC__SEC_FREED, 0));
	assert_null(d.s);
	wkc__san_list_free(&l);
}

/* Cut short and unknown inputs: a message naming file and line, no crash. */
static void truncated_and_unknown(void **state)
{
	size_t len;
	char *t = load("tsan/race_heap.txt", &len);
	wkc__san_list l = {0};
	wkc__buf d = {0};
	(void)state;
	assert_int_equal(wkc__san_parse_tsan(t, len / 2, "half.txt", &l, &d), 1);
	assert_true(l.r[0].truncated);
	assert_non_null(d.s);
	assert_non_null(strstr(d.s, "half.txt:2: "));
	wkc__buf_free(&d);
	free(t);
	t = load("vg/helgrind.xml", &len);
	assert_int_equal(wkc__san_parse_vgxml(t, len - 300, "cut.xml", &l, &d), 2);
	assert_non_null(strstr(d.s, "cut.xml:"));
	assert_non_null(strstr(d.s, "cut short"));
	wkc__buf_free(&d);
	assert_int_equal(wkc__san_parse_vgxml("<a><b></a>", 10, "bad.xml", &l, &d), 0);
	assert_non_null(strstr(d.s, "bad.xml:1: Valgrind XML malformed"));
	wkc__buf_free(&d);
	free(t);
	wkc__san_list_free(&l);
}

static void results_jsonl(void **state)
{
	size_t len, n;
	char *t = load("runs/mutant/tsan/results.jsonl", &len);
	wkc__run_header h;
	wkc__result *rs;
	wkc__buf d = {0};
	char *bad;
	(void)state;
	assert_int_equal(wkc__rjsonl_parse(t, len, "r.jsonl", &h, &rs, &n, &d), 0);
	assert_int_equal(n, 31);
	assert_string_equal(h.profile, "tsan");
	assert_null(d.s);
	wkc__results_free(rs, n);
	wkc__header_free(&h);
	/* A damaged line in the middle and a last line cut short. */
	bad = wkc__xasprintf("%.*s{not json\n%s{\"type\":\"result\",\"check\":\"x", (int)(strchr(t, '\n') - t + 1), t,
			     strchr(t, '\n') + 1);
	assert_int_equal(wkc__rjsonl_parse(bad, strlen(bad), "r.jsonl", &h, &rs, &n, &d), 0);
	assert_int_equal(n, 31);
	assert_non_null(strstr(d.s, "r.jsonl:2: not a JSON object"));
	assert_non_null(strstr(d.s, "r.jsonl:34: last line has no newline"));
	wkc__results_free(rs, n);
	wkc__header_free(&h);
	wkc__buf_free(&d);
	assert_int_equal(wkc__rjsonl_parse("garbage\n", 8, "g.jsonl", &h, &rs, &n, &d), -1);
	assert_non_null(strstr(d.s, "g.jsonl:1:"));
	wkc__buf_free(&d);
	free(bad);
	free(t);
}

/* The same race from the other side, and from helgrind, is one group. */
static void dedup_races(void **state)
{
	wkc__groups gs = {0};
	wkc__san_list l = {0};
	wkc__hit h1 = {.run = "r", .check = "c1", .seed = "0x1"}, h2 = {.run = "r", .check = "c2", .seed = "0x2"};
	const wkc__group *g;
	(void)state;
	parse("tsan/race_heap.txt", &l, NULL);
	parse("tsan/race_heap.txt", &l, NULL);
	/* swap the accesses of the second copy: order must not matter */
	{
		wkc__section tmp = l.r[1].secs[0];
		l.r[1].secs[0] = l.r[1].secs[1];
		l.r[1].secs[1] = tmp;
	}
	wkc__groups_add(&gs, &l.r[0], &h1);
	wkc__groups_add(&gs, &l.r[1], &h2);
	assert_int_equal(gs.n, 1);
	g = &gs.g[0];
	assert_int_equal(g->count, 2);
	assert_int_equal(g->nhits, 2);
	assert_string_equal(g->key, "race|mx_task_release base/mx_task.c:96|ref_retain base/mx_task.c:70");
	free(l.r);
	memset(&l, 0, sizeof l);
	/* helgrind's first error is the clone/release race on the same count */
	parse("vg/helgrind.xml", &l, NULL);
	for (size_t i = 0; i < l.n; i++)
		wkc__groups_add(&gs, &l.r[i], &h1);
	free(l.r);
	assert_non_null(wkc__groups_find(&gs, "race|mx_task_release base/mx_task.c:96|ref_retain base/mx_task.c:70"));
	wkc__groups_free(&gs);
}

/* A memory error is its kind plus its top frames outside the runtimes. */
static void dedup_memory(void **state)
{
	wkc__groups gs = {0};
	wkc__san_list l = {0};
	wkc__hit h = {.run = "r", .check = "c"};
	wkc__frame rt = {.fn = "calloc", .module = "wakerconf"}, probe = {.fn = "carry_out", .file = "/x/conformance/probes/courier.c"};
	(void)state;
	assert_true(wkc__frame_is_runtime(&rt));
	assert_true(wkc__frame_is_probe(&probe));
	parse("asan/use_after_free.txt", &l, NULL);
	parse("asan/use_after_free.txt", &l, NULL);
	parse("asan/leak.txt", &l, NULL);
	for (size_t i = 0; i < l.n; i++)
		wkc__groups_add(&gs, &l.r[i], &h);
	free(l.r);
	assert_int_equal(gs.n, 3);
	assert_int_equal(gs.g[0].count, 2);
	assert_int_equal(gs.g[0].cls, WKC__G_MEMORY);
	assert_non_null(strstr(gs.g[0].key, "asan|heap-use-after-free|task_free base/mx_task.c:85"));
	wkc__groups_free(&gs);
}

static void campaign(void **state)
{
	size_t len, n = 0;
	char *t = load("fuzz/campaign.json", &len);
	wkc__campaign *cs = NULL;
	wkc__buf d = {0};
	(void)state;
	assert_int_equal(wkc__campaign_parse(t, len, "campaign.json", &cs, &n, &d), 0);
	assert_int_equal(n, 1);
	assert_string_equal(cs[0].target, "raw_vtable");
	assert_int_equal(cs[0].npts, 6);
	assert_true(cs[0].pts[1].execs_per_s > 2000 && cs[0].pts[1].execs_per_s < 2200);
	assert_int_equal(cs[0].ncrashes, 2);
	assert_null(d.s);
	wkc__campaign_free(&cs[0]);
	free(cs);
	cs = NULL;
	n = 0;
	/* the campaign loader groups both crash inputs into one crash */
	{
		char *dir = wkc__xasprintf("%s/fuzz", WKC_FIXTURES);
		assert_int_equal(wkc__campaign_load(dir, &cs, &n, &d), 0);
		assert_int_equal(cs[0].groups.n, 1);
		assert_int_equal(cs[0].groups.g[0].nhits, 2);
		wkc__campaign_free(&cs[0]);
		free(cs);
		free(dir);
	}
	/* a real campaign: one per target, the main instance's timeline */
	cs = NULL;
	n = 0;
	free(t);
	t = load("fuzz-real/campaign.json", &len);
	assert_int_equal(wkc__campaign_parse(t, len, "real.json", &cs, &n, &d), 0);
	assert_int_equal(n, 2);
	assert_string_equal(cs[0].target, "api_ops");
	assert_string_equal(cs[1].target, "tpc_sched");
	assert_true(cs[0].npts >= 2);
	assert_true(cs[0].pts[cs[0].npts - 1].coverage > 0);
	assert_true(cs[0].pts[cs[0].npts - 1].execs_per_s > 0);
	assert_null(d.s);
	for (size_t i = 0; i < n; i++)
		wkc__campaign_free(&cs[i]);
	free(cs);
	cs = NULL;
	n = 0;
	assert_int_equal(wkc__campaign_parse("[1,2", 4, "c.json", &cs, &n, &d), -1);
	assert_non_null(strstr(d.s, "c.json:1:"));
	wkc__buf_free(&d);
	free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(tsan_race_heap),   cmocka_unit_test(tsan_atomic_and_mutexes),
		cmocka_unit_test(tsan_other_kinds), cmocka_unit_test(asan_use_after_free),
		cmocka_unit_test(lsan_and_ubsan),   cmocka_unit_test(valgrind_xml),
		cmocka_unit_test(truncated_and_unknown), cmocka_unit_test(results_jsonl),
		cmocka_unit_test(dedup_races),      cmocka_unit_test(dedup_memory),
		cmocka_unit_test(campaign),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
