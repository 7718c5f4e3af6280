/*
 * test_harness_unit.c - unit tests of the harness's pieces: the report
 * protocol, JSON, replay tokens, check selection, seeds, adapter
 * validation, requirement verdicts, how a child's end is classified, and
 * the hammer.  Plain C: each test
 * returns after recording what went wrong; main prints and counts.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "json.h"
#include "loader.h"
#include "opts.h"
#include "profile.h"
#include "proto.h"
#include "replay.h"
#include "requirements.h"
#include "summary.h"
#include "util.h"
#include "verdict.h"
#include "wkc/registry.h"

static int failures;

#define EXPECT(cond)                                                                   \
	do {                                                                           \
		if (!(cond)) {                                                         \
			fprintf(stderr, "%s:%d: %s: expected %s\n", __FILE__, __LINE__, \
				__func__, #cond);                                      \
			failures++;                                                    \
		}                                                                      \
	} while (0)
#define EXPECT_STR(a, b)                                                                 \
	do {                                                                             \
		const char *wa = (a), *wb = (b);                                         \
		if (wa == NULL || wb == NULL || strcmp(wa, wb) != 0) {                   \
			fprintf(stderr, "%s:%d: %s: \"%s\" != \"%s\"\n", __FILE__, __LINE__, \
				__func__, wa ? wa : "(null)", wb ? wb : "(null)");       \
			failures++;                                                      \
		}                                                                        \
	} while (0)

static void test_proto_roundtrip(void)
{
	int p[2];
	char buf[8192];
	ssize_t n;
	wkc__proto_line l;
	char *big = wkc__xcalloc(5000, 1);
	EXPECT(pipe(p) == 0);
	wkc__proto_send(p[1], "fail", "WK-X-001", "two\nlines \\ back");
	n = read(p[0], buf, sizeof buf - 1);
	EXPECT(n > 0);
	buf[n] = '\0';
	EXPECT(strchr(buf, '\n') == buf + n - 1); /* one line */
	buf[n - 1] = '\0';
	EXPECT(wkc__proto_parse(buf, &l) == 0);
	EXPECT_STR(l.verb, "fail");
	EXPECT_STR(l.id, "WK-X-001");
	EXPECT_STR(l.msg, "two\nlines \\ back");
	wkc__proto_line_free(&l);

	memset(big, 'x', 4999);
	wkc__proto_send(p[1], "note", NULL, big);
	n = read(p[0], buf, sizeof buf - 1);
	EXPECT(n > 0 && n <= WKC__PROTO_MAX);
	EXPECT(buf[n - 1] == '\n');
	EXPECT(n > 4 && memcmp(buf + n - 4, "...\n", 4) == 0);
	free(big);

	wkc__proto_send(p[1], "done", NULL, NULL);
	n = read(p[0], buf, sizeof buf - 1);
	buf[n - 1] = '\0';
	EXPECT(wkc__proto_parse(buf, &l) == 0);
	EXPECT_STR(l.verb, "done");
	wkc__proto_line_free(&l);
	EXPECT(wkc__proto_parse("bogus line", &l) == -1);
	close(p[0]);
	close(p[1]);
}

static void test_json(void)
{
	wkc__buf b = {0};
	wkc__json *j;
	wkc__buf_puts(&b, "{\"s\":");
	wkc__json_str(&b, "q\"b\\n\n\t\x01\xc3\xa9");
	wkc__buf_puts(&b, ",\"n\":-1.5e2,\"t\":true,\"z\":null,\"a\":[1,{\"k\":\"v\"}]}");
	j = wkc__json_parse(b.s);
	EXPECT(j != NULL);
	EXPECT_STR(wkc__json_get_str(j, "s", NULL), "q\"b\\n\n\t\x01??");
	EXPECT(wkc__json_get_num(j, "n", 0) == -150);
	EXPECT(wkc__json_get_bool(j, "t", false));
	EXPECT(wkc__json_get(j, "z")->kind == WKC__J_NULL);
	EXPECT(wkc__json_get(j, "a")->n == 2);
	EXPECT_STR(wkc__json_get_str(&wkc__json_get(j, "a")->items[1], "k", NULL), "v");
	EXPECT(wkc__json_get_str(j, "missing", "dflt")[0] == 'd');
	wkc__json_free(j);
	/* A line cut short is not a record. */
	b.s[b.len / 2] = '\0';
	EXPECT(wkc__json_parse(b.s) == NULL);
	EXPECT(wkc__json_parse("{} {}") == NULL);
	EXPECT(wkc__json_parse("") == NULL);
	wkc__buf_free(&b);
}

/* @proves WK-HARN-008 */
static void test_replay_token(void)
{
	wkc__replay r = {"exec.wake.x", 0xdeadbeefull, "tsan", true, "path:/a b/'q'.so", 5};
	wkc__replay d;
	char err[200];
	char *tok = wkc__replay_encode(&r), *cmd;
	EXPECT(strncmp(tok, "wkc1.", 5) == 0);
	EXPECT(strspn(tok + 5, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
	       strlen(tok + 5));
	EXPECT(wkc__replay_decode(tok, &d, err, sizeof err) == 0);
	EXPECT_STR(d.check, "exec.wake.x");
	EXPECT(d.seed == 0xdeadbeefull);
	EXPECT_STR(d.profile, "tsan");
	EXPECT(d.pressure);
	EXPECT_STR(d.adapter, "path:/a b/'q'.so");
	EXPECT(d.multiplier == 5);
	cmd = wkc__replay_command("wakerconf", &d);
	EXPECT_STR(cmd, "wakerconf run --adapter-tsan '/a b/'\\''q'\\''.so' --profile tsan --seed "
			"0x00000000deadbeef --pressure --timeout-multiplier 5 --filter exec.wake.x");
	free(cmd);
	wkc__replay_free(&d);
	free(tok);
	EXPECT(wkc__replay_decode("wkc1.!!!", &d, err, sizeof err) == -1);
	EXPECT(wkc__replay_decode("wkc1.Y2hlY2s9eAo", &d, err, sizeof err) == -1); /* "check=x" only */
	EXPECT(wkc__replay_decode("hello", &d, err, sizeof err) == -1);
}

static const wkc_check *find(const char *name)
{
	for (size_t i = 0; i < wkc_check_count; i++)
		if (strcmp(wkc_check_list[i].name, name) == 0)
			return &wkc_check_list[i];
	return NULL;
}

/* @proves WK-HARN-009 */
static void test_filter(void)
{
	const wkc_check *hammer = find("sample.wake.hammer");
	EXPECT(hammer != NULL);
	if (hammer == NULL)
		return;
	EXPECT(wkc__filter_selects(NULL, hammer));
	EXPECT(wkc__filter_selects("", hammer));
	EXPECT(wkc__filter_selects("sample.wake.*", hammer));
	EXPECT(wkc__filter_selects("SELF-005", hammer)); /* its second id */
	EXPECT(!wkc__filter_selects("SELF-00", hammer));
	EXPECT(!wkc__filter_selects("sample.wake", hammer));
	EXPECT(wkc__filter_selects("x,sample.*", hammer));
	EXPECT(!wkc__filter_selects("sample.*,-*.hammer", hammer));
	EXPECT(!wkc__filter_selects("-SELF-004", hammer));
	EXPECT(wkc__filter_selects("-SELF-001", hammer));
	EXPECT(wkc__filter_selects("sample.wake.hamme?", hammer));
}

/* @proves WK-HARN-007 */
static void test_seeds(void)
{
	EXPECT(wkc__check_seed(1, "a") == wkc__check_seed(1, "a"));
	EXPECT(wkc__check_seed(1, "a") != wkc__check_seed(2, "a"));
	EXPECT(wkc__check_seed(1, "a") != wkc__check_seed(1, "b"));
	EXPECT(wkc__fnv1a64("") == 0xcbf29ce484222325ull);
	EXPECT(wkc__fnv1a64("a") == 0xaf63dc4c8601ec8cull);
}

static wkc_executor *x_create(const wkc_config *c, char *e, size_t n)
{
	(void)c;
	(void)e;
	(void)n;
	return NULL;
}
static void x_destroy(wkc_executor *ex)
{
	(void)ex;
}
static int x_spawn(wkc_executor *ex, wk_future *f, int core, uint32_t flags)
{
	(void)ex;
	(void)f;
	(void)core;
	(void)flags;
	return -1;
}
static int x_run(wkc_executor *ex, uint64_t t)
{
	(void)ex;
	(void)t;
	return 0;
}
static long x_live(wkc_executor *ex)
{
	(void)ex;
	return 0;
}

static const char *rejects(const wkc_adapter *a)
{
	static char why[400];
	if (wkc__adapter_validate(a, why, sizeof why) == 0)
		return NULL;
	return why;
}

/* @proves WK-HARN-001 */
static void test_validate(void)
{
	wkc_adapter good = {1, "ok", "1", WKC_CAP_THREAD_SAFE_WAKERS, x_create, x_destroy,
			    x_spawn, x_run, NULL, NULL};
	wkc_adapter a;
	const char *why;
	EXPECT(rejects(&good) == NULL);
	EXPECT(strstr(rejects(NULL), "NULL") != NULL);

	a = good;
	a.abi_version = 2;
	EXPECT(strstr(rejects(&a), "unknown abi_version 2") != NULL);
	/* Version first: with an unknown version nothing else is read. */
	a.create = NULL;
	a.name = NULL;
	EXPECT(strstr(rejects(&a), "abi_version") != NULL);

	a = good;
	a.spawn = NULL;
	EXPECT_STR(rejects(&a), "required function spawn is NULL");
	a = good;
	a.create = NULL;
	a.run = NULL;
	EXPECT_STR(rejects(&a), "required function create is NULL");
	a = good;
	a.name = "";
	EXPECT(rejects(&a) != NULL);
	a = good;
	a.version = NULL;
	EXPECT_STR(rejects(&a), "version is NULL");

	a = good;
	a.caps = WKC_CAP_LOCAL_ONLY | WKC_CAP_LOCAL_WAKERS;
	EXPECT(rejects(&a) == NULL); /* a local-only executor */
	a.caps |= WKC_CAP_THREAD_SAFE_WAKERS;
	EXPECT(strstr(rejects(&a), "LOCAL_ONLY") != NULL);
	a.caps = WKC_CAP_LOCAL_ONLY;
	EXPECT(strstr(rejects(&a), "LOCAL_ONLY without LOCAL_WAKERS") != NULL);
	a.caps = WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_FOREIGN_WAKE_ABORTS;
	EXPECT(strstr(rejects(&a), "FOREIGN_WAKE_ABORTS") != NULL);
	a.caps |= WKC_CAP_SPAWN_LOCAL;
	EXPECT(rejects(&a) == NULL);
	a.caps = WKC_CAP_THREAD_PER_CORE | WKC_CAP_MULTI_THREAD | WKC_CAP_FOREIGN_WAKE_ABORTS |
		 WKC_CAP_THREAD_SAFE_WAKERS | WKC_CAP_LOCAL_WAKERS;
	EXPECT(rejects(&a) == NULL); /* thread-per-core without SPAWN_ON_CORE is allowed */
	a.caps = WKC_CAP_LIVE_TASKS;
	EXPECT(strstr(rejects(&a), "live_tasks is NULL") != NULL);
	a.live_tasks = x_live;
	EXPECT(rejects(&a) == NULL);
	a.caps = 1u << 31;
	why = rejects(&a);
	EXPECT(why && strstr(why, "unknown capability bits 0x80000000") != NULL);
}

static void test_skip_reason(void)
{
	wkc_check c = {"x", "ID-1", WKC_CAP_LOCAL_WAKERS | WKC_CAP_SPAWN_LOCAL,
		       WKC_CAP_LOCAL_ONLY, 0, NULL};
	char *s = wkc__skip_reason(&c, WKC_CAP_LOCAL_WAKERS);
	EXPECT_STR(s, "needs SPAWN_LOCAL");
	free(s);
	s = wkc__skip_reason(&c, WKC_CAP_LOCAL_ONLY);
	EXPECT_STR(s, "needs LOCAL_WAKERS|SPAWN_LOCAL; not applicable with LOCAL_ONLY");
	free(s);
	EXPECT(wkc__skip_reason(&c, WKC_CAP_LOCAL_WAKERS | WKC_CAP_SPAWN_LOCAL) == NULL);
}

static void test_requirements(void)
{
	EXPECT_STR(wkc__requirement_level("SELF-001"), "MUST");
	EXPECT_STR(wkc__requirement_level("SELF-007"), "SHOULD");
	EXPECT_STR(wkc__requirement_level("NOPE-1"), "MUST"); /* unknown: never passes silently */
	EXPECT(wkc__requirement_rank("SELF-001") < wkc__requirement_rank("SELF-002"));
	EXPECT(wkc__requirement_rank("NOPE-1") == wkc__requirement_count);
	EXPECT(strstr(wkc__requirement_find("SELF-003")->summary, "not lost") != NULL);
}

static wkc__result mk(const char *check, const char *ids, wkc__status st, bool completed)
{
	wkc__result r;
	memset(&r, 0, sizeof r);
	r.check = wkc__xstrdup(check);
	r.ids = wkc__xstrdup(ids);
	r.status = st;
	r.completed = completed;
	return r;
}

/* @proves WK-HARN-011 */
static void test_verdicts(void)
{
	wkc__result rs[5];
	wkc__req_table t;
	const wkc__req_row *row;
	rs[0] = mk("a", "SELF-001 SELF-002", WKC__FAIL, true);
	wkc__result_add_failure(&rs[0], "SELF-002", "lost");
	rs[1] = mk("b", "SELF-002", WKC__PASS, true);
	rs[2] = mk("c", "SELF-003 SELF-004", WKC__FAIL, false);
	rs[2].reason = wkc__xstrdup("killed by signal 11 (SIGSEGV)");
	rs[2].charged = wkc__xstrdup("SELF-004");
	rs[3] = mk("d", "SELF-006", WKC__SKIP, false);
	rs[3].reason = wkc__xstrdup("needs LOCAL_WAKERS");
	rs[4] = mk("e", "SELF-007", WKC__FAIL, true);
	wkc__result_add_failure(&rs[4], "SELF-007", "should-level failure");
	wkc__req_table_build(&t, rs, 5);

	row = wkc__req_table_find(&t, "SELF-001");
	EXPECT(row && row->v == WKC__V_PASS); /* a's other id */
	row = wkc__req_table_find(&t, "SELF-002");
	EXPECT(row && row->v == WKC__V_FAIL); /* FAIL beats b's PASS */
	EXPECT(row && strcmp(row->why, "a: lost") == 0);
	row = wkc__req_table_find(&t, "SELF-003");
	EXPECT(row && row->v == WKC__V_NOT_TESTED); /* c died before judging it */
	row = wkc__req_table_find(&t, "SELF-004");
	EXPECT(row && row->v == WKC__V_FAIL);
	row = wkc__req_table_find(&t, "SELF-006");
	EXPECT(row && row->v == WKC__V_SKIP && strstr(row->why, "needs LOCAL_WAKERS"));
	row = wkc__req_table_find(&t, "SELF-005"); /* named by a check that did not run */
	EXPECT(row && row->v == WKC__V_NOT_TESTED);
	row = wkc__req_table_find(&t, "SELF-007");
	EXPECT(row && row->v == WKC__V_FAIL);
	/* SELF-002 and SELF-004 are MUST; SELF-007 is SHOULD. */
	EXPECT(wkc__req_table_must_failures(&t) == 2);
	/* Rows in spec order. */
	for (size_t i = 1; i < t.n; i++)
		EXPECT(wkc__requirement_rank(t.rows[i - 1].id) <= wkc__requirement_rank(t.rows[i].id));
	wkc__req_table_free(&t);
	for (int i = 0; i < 5; i++)
		wkc__result_free(&rs[i]);
}

/* A wait status as waitpid reports it, made by a real child. */
static int status_of(int exit_code)
{
	int st = 0;
	pid_t pid = fork();
	if (pid == 0)
		_exit(exit_code);
	while (waitpid(pid, &st, 0) < 0)
		;
	return st;
}

static void put_file(const char *dir, const char *rel, const char *text)
{
	char *path = wkc__xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "w");
	EXPECT(f != NULL);
	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
	free(path);
}

/* One child's end, classified: the result's status, reason and report. */
static wkc__result classify(const char *dir, int wait_status, const char *san_rel)
{
	static const wkc__profile prof = {WKC__PROF_DEFAULT, "", "default"};
	wkc__child_outcome o;
	wkc__result r;
	memset(&o, 0, sizeof o);
	memset(&r, 0, sizeof r);
	o.wait_status = wait_status;
	o.expect = "SELF-004";
	o.first_id = "SELF-001";
	o.pid = 4242;
	o.out_dir = dir;
	o.log_rel = "c.log";
	o.san_rel = san_rel;
	o.profile = &prof;
	wkc__verdict(&r, &o);
	return r;
}

/* A sanitizer report fails the check, charged to the id in effect, with a
 * reason naming the report - whether the runtime wrote it to the report
 * file (<prefix>.<pid>) or, as gcc's libubsan does, to stderr (the log). */
static void test_sanitizer_verdicts(void)
{
	char dir[] = "/tmp/wkc-unit-XXXXXX";
	static const char ubsan[] =
		"wakerconf: check c (SELF-001) on sample-crash 1.0, seed 0x1\n"
		"/src/sample_exec.c:274:15: runtime error: store to null pointer of type 'int'\n"
		"    #0 0x7f36accc2622 in poll_task /src/sample_exec.c:274\n"
		"    #1 0x5621185eb2d0 in _start (/bin/wakerconf-selftest+0x4e2d0)\n";
	wkc__result r;
	EXPECT(mkdtemp(dir) != NULL);

	/* gcc: the UBSan report is in the log and the child exits with our status. */
	put_file(dir, "c.log", ubsan);
	r = classify(dir, status_of(67), "san/c");
	EXPECT(r.status == WKC__FAIL);
	EXPECT_STR(r.charged, "SELF-004");
	EXPECT_STR(r.report, "c.log");
	EXPECT_STR(r.reason, "UndefinedBehaviorSanitizer: runtime error: store to null pointer of "
			     "type 'int' (report c.log)");
	EXPECT(r.exit_code == 67 && r.signal == 0);
	wkc__result_free(&r);

	/* The same words from a child that did not end with a sanitizer's
	 * status are only its last words, not a report. */
	r = classify(dir, status_of(1), "san/c");
	EXPECT(r.status == WKC__FAIL);
	EXPECT(r.report == NULL);
	EXPECT(r.reason && strncmp(r.reason, "exited with status 1 without a verdict", 38) == 0);
	wkc__result_free(&r);

	/* ASan's own report file wins over the log. */
	put_file(dir, "c.log", "==4242==ERROR: AddressSanitizer: SEGV on unknown address\n");
	put_file(dir, "san.4242",
		 "==4242==ERROR: AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1)\n"
		 "SUMMARY: AddressSanitizer: SEGV /src/sample_exec.c:274 in poll_task\n");
	r = classify(dir, status_of(67), "san");
	EXPECT(r.status == WKC__FAIL);
	EXPECT_STR(r.report, "san.4242");
	EXPECT_STR(r.reason, "AddressSanitizer: SEGV on unknown address 0x000000000000 (pc 0x1); "
			     "AddressSanitizer: SEGV /src/sample_exec.c:274 in poll_task "
			     "(report san.4242)");
	wkc__result_free(&r);

	/* A TSan banner in the log, exit status 66. */
	put_file(dir, "c.log", "==================\n"
			       "WARNING: ThreadSanitizer: data race (pid=4242)\n"
			       "SUMMARY: ThreadSanitizer: data race /src/sample_exec.c:84 in retain\n");
	r = classify(dir, status_of(66), "none");
	EXPECT_STR(r.report, "c.log");
	EXPECT_STR(r.reason, "ThreadSanitizer: data race /src/sample_exec.c:84 in retain "
			     "(report c.log)");
	wkc__result_free(&r);

	for (const char *const *f = (const char *const[]){"c.log", "san.4242", NULL}; *f; f++) {
		char *path = wkc__xasprintf("%s/%s", dir, *f);
		unlink(path);
		free(path);
	}
	rmdir(dir);
}

enum { HAMMER_THREADS = 8 };
typedef struct overlap {
	atomic_int arrived; /* threads that have started fn */
} overlap;

static long overlap_body(wkc_ctx *cx, unsigned index, void *arg)
{
	overlap *o = arg;
	struct timespec t0, now;
	/* acq_rel: each thread sees the others' arrivals. */
	atomic_fetch_add_explicit(&o->arrived, 1, memory_order_acq_rel);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* Started together: every thread sees all the others arrive while it
	 * is still running (bounded wait, so a failure cannot hang). */
	while (atomic_load_explicit(&o->arrived, memory_order_acquire) < HAMMER_THREADS) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 5)
			return -1;
		wkc_perturb(cx);
	}
	for (int i = 0; i < 1000; i++)
		wkc_perturb(cx);
	return 100 + (long)index;
}

/* A larger --timeout-multiplier than the profile's default stretches the
 * checks' waits (a smaller scale); a smaller one leaves them alone. */
/* @proves WK-HARN-004 */
static void test_profile_scale(void)
{
	wkc__profile def, tsan, vg;
	char err[200];
	EXPECT(wkc__profile_parse("default", &def, err, sizeof err) == 0);
	EXPECT(wkc__profile_parse("tsan", &tsan, err, sizeof err) == 0);
	EXPECT(wkc__profile_parse("valgrind", &vg, err, sizeof err) == 0);
	wkc__profile asan;
	EXPECT(wkc__profile_parse("asan", &asan, err, sizeof err) == 0);
	EXPECT(wkc__profile_multiplier(&def) == 1);
	EXPECT(wkc__profile_multiplier(&asan) == 3);
	EXPECT(wkc__profile_multiplier(&tsan) == 5);
	EXPECT(wkc__profile_multiplier(&vg) == 30);
	EXPECT(wkc__profile_scale_for(&def, 1) == 1);
	EXPECT(wkc__profile_scale_for(&def, 0.5) == 1);
	EXPECT(wkc__profile_scale_for(&def, 4) == 0.25);
	EXPECT(wkc__profile_scale_for(&tsan, wkc__profile_multiplier(&tsan)) ==
	       wkc__profile_scale(&tsan));
	EXPECT(wkc__profile_scale_for(&tsan, 2 * wkc__profile_multiplier(&tsan)) ==
	       wkc__profile_scale(&tsan) / 2);
	EXPECT(wkc__profile_scale_for(&vg, 1) == wkc__profile_scale(&vg));
}

static void test_hammer(void)
{
	static wkc_ctx cx;
	static const wkc_check c = {"unit.hammer", "SELF-004", 0, 0, 0, NULL};
	overlap o;
	long results[HAMMER_THREADS];
	int fd = open("/dev/null", O_WRONLY);
	wkc__ctx_init(&cx, NULL, &c, 42, 1, fd);
	wkc__pressure_init(42, true);
	atomic_init(&o.arrived, 0);
	wkc_hammer(&cx, HAMMER_THREADS, overlap_body, &o, results);
	for (int i = 0; i < HAMMER_THREADS; i++)
		EXPECT(results[i] == 100 + i);
	/* A second round works the same. */
	atomic_init(&o.arrived, 0);
	wkc_hammer(&cx, HAMMER_THREADS, overlap_body, &o, NULL);
	EXPECT(atomic_load(&o.arrived) == HAMMER_THREADS);
	EXPECT_STR(wkc__ctx_current_id(&cx), "SELF-004");
	EXPECT(wkc_rand(&cx) != wkc_rand(&cx));
	wkc__pressure_init(42, false);
	close(fd);
}

int main(void)
{
	test_proto_roundtrip();
	test_json();
	test_replay_token();
	test_filter();
	test_seeds();
	test_validate();
	test_skip_reason();
	test_requirements();
	test_verdicts();
	test_sanitizer_verdicts();
	test_profile_scale();
	test_hammer();
	if (failures) {
		fprintf(stderr, "harness unit tests: %d failure(s)\n", failures);
		return 1;
	}
	printf("harness unit tests: ok\n");
	return 0;
}
