/*
 * api_ops.c - fuzz target: sequences of reference API operations checked
 * against a shadow model of every reference count.
 *
 * INPUT FORMAT (also in fuzz/README.md)
 *   Pairs of bytes (op, x), at most 64 pairs; a trailing odd byte is
 *   ignored.  opcode = op % 15; e = x & 7 and f = (x >> 3) & 7 name held
 *   waker entries (8 of them), g = op >> 4 selects a variant.
 *     0 NEW        a waker of a new object of strategy x & 7 into a free entry:
 *                  0/1 Wake helper (atomic count; with / without a
 *                  wake_by_ref op), 2/3 LocalWake helper (plain count), 4 a
 *                  static flag, 5 a slot-table id, 6 a hand-written counted
 *                  vtable, 7 the noop waker
 *     1 CLONE e    2 CLONE_FROM e <- f    3 WAKE e    4 WAKE_BY_REF e
 *     5 DROP e     6 WILL_WAKE e f        7 AS_LOCAL e (wake through the
 *                  view, then clone the view into a local waker)
 *     8 CONTEXT    builder form g & 7 with e (and f): from_waker,
 *                  from_local_waker, setters + ext, from(cx) with
 *                  overrides, lazy on_waker asked twice, lazy never asked
 *     9 RETAIN_RELEASE e (Wake / LocalWake objects)
 *    10 FLAG_TAKE e        11 SLOT_DRAIN e        12 SLOT_RELEASE e
 *    13 MISUSE g   (only when x == 'M')
 *                  a forked child misuses the API; it must die of SIGABRT
 *                  with a "wakerconf:" message (checked-build misuses run
 *                  only when WK_CHECKED; at most one per input)
 *    14 WAKE_FOREIGN e  wake_by_ref a thread-safe waker from another thread (a
 *                  waker thread; the op waits until it is done)
 *
 * THE MODEL
 *   Per object: its reference count, the wakes its callbacks must have
 *   seen, whether it was destroyed (once), a flag's raised state, a slot's
 *   woken and stale state.  After every op each live counted object's
 *   count and wake count must equal the model's; at the end every held
 *   waker is dropped and every counted object must have been destroyed
 *   exactly once (nothing leaked, nothing freed twice; ASan and Valgrind
 *   see the memory side).
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "wk/wk.h"
#include "wkf.h"

#define TARGET "api_ops"
#define ENTRIES 8
#define OBJECTS 16
#define MAX_OPS 64
#define MISUSE_KEY 0x4d /* 'M' */

enum { ST_WAKE, ST_WAKE_NOREF, ST_LWAKE, ST_LWAKE_NOREF, ST_FLAG, ST_SLOT, ST_COUNTED, ST_NOOP };

typedef struct obj {
	int strategy;
	bool live; /* created and not destroyed */
	size_t refs;   /* model: references (counted strategies) */
	size_t wakes;  /* model: wakes the object must have seen */
	size_t seen;   /* wakes its callbacks saw */
	unsigned destroyed;
	bool raised;   /* flag */
	bool woken, stale; /* slot */
	wk_wake *wake;
	wk_local_wake *lwake;
	wk_flag flag;
	wk_slot_table *table;
	wk_slot_id id;
	size_t counted_refs; /* the hand-written vtable's own count */
} obj;

typedef struct entry {
	bool used, local;
	int o;
	union {
		wk_waker w;
		wk_local_waker l;
	} u;
} entry;

static obj objs[OBJECTS];
static int nobjs;
static entry ents[ENTRIES];
static bool misused;

static bool counted(const obj *b)
{
	return b->strategy == ST_WAKE || b->strategy == ST_WAKE_NOREF || b->strategy == ST_LWAKE ||
	       b->strategy == ST_LWAKE_NOREF || b->strategy == ST_COUNTED;
}

/* ---- callbacks: what the library calls back into ---------------------------------- */

static obj *of_wake(wk_wake *w)
{
	return &objs[*(int *)wk_wake_payload(w)];
}
static obj *of_lwake(wk_local_wake *w)
{
	return &objs[*(int *)wk_local_wake_payload(w)];
}
static void w_wake(wk_wake *w)
{
	of_wake(w)->seen++;
	wk_wake_release(w); /* ops->wake consumes the waker's reference */
}
static void w_wake_by_ref(wk_wake *w)
{
	of_wake(w)->seen++;
}
static void w_destroy(wk_wake *w)
{
	obj *b = of_wake(w);
	b->destroyed++;
	b->live = false;
}
static const wk_wake_ops wake_ops = {w_wake, w_wake_by_ref, w_destroy};
static const wk_wake_ops wake_ops_noref = {w_wake, NULL, w_destroy};

static void l_wake(wk_local_wake *w)
{
	of_lwake(w)->seen++;
	wk_local_wake_release(w);
}
static void l_wake_by_ref(wk_local_wake *w)
{
	of_lwake(w)->seen++;
}
static void l_destroy(wk_local_wake *w)
{
	obj *b = of_lwake(w);
	b->destroyed++;
	b->live = false;
}
static const wk_local_wake_ops lwake_ops = {l_wake, l_wake_by_ref, l_destroy};
static const wk_local_wake_ops lwake_ops_noref = {l_wake, NULL, l_destroy};

/* The hand-written vtable: data is the obj itself (static memory, so a
 * bad count is seen by the model, not by a crash). */
static void c_release(obj *b)
{
	if (b->counted_refs == 0)
		wkf_fail(TARGET, "hand-written waker released below zero");
	if (--b->counted_refs == 0) {
		b->destroyed++;
		b->live = false;
	}
}
static wk_raw_waker c_clone(const void *d);
static void c_wake(const void *d)
{
	obj *b = (obj *)d;
	b->seen++;
	c_release(b);
}
static void c_wake_by_ref(const void *d)
{
	((obj *)d)->seen++;
}
static void c_drop(const void *d)
{
	c_release((obj *)d);
}
static const wk_raw_waker_vtable counted_vtable = {c_clone, c_wake, c_wake_by_ref, c_drop};
static wk_raw_waker c_clone(const void *d)
{
	wk_raw_waker r = {d, &counted_vtable};
	((obj *)d)->counted_refs++;
	return r;
}

static void slot_notify(void *arg)
{
	(void)arg;
}

/* ---- the model -------------------------------------------------------------------- */

static void model_release(obj *b)
{
	if (!counted(b))
		return;
	if (b->refs == 0)
		wkf_fail(TARGET, "model: release of a dead object (the fuzzer's own bookkeeping)");
	b->refs--;
}

static void model_wake(obj *b)
{
	b->wakes++;
	if (b->strategy == ST_FLAG)
		b->raised = true;
	if (b->strategy == ST_SLOT && !b->stale)
		b->woken = true;
}

static void check_obj(int i, const char *after)
{
	obj *b = &objs[i];
	size_t actual;
	if (!counted(b)) {
		/* Wakes of flags, slots and the noop waker are read by FLAG_TAKE
		 * and SLOT_DRAIN. */
		return;
	}
	if (b->refs == 0) {
		if (b->destroyed != 1)
			wkf_fail(TARGET, "object %d (strategy %d): no reference left after %s but destroyed %u times",
				 i, b->strategy, after, b->destroyed);
		return;
	}
	if (b->destroyed != 0)
		wkf_fail(TARGET, "object %d (strategy %d) destroyed after %s with %zu references left", i,
			 b->strategy, after, b->refs);
	switch (b->strategy) {
	case ST_WAKE:
	case ST_WAKE_NOREF:
		actual = wk_wake_refcount(b->wake);
		break;
	case ST_LWAKE:
	case ST_LWAKE_NOREF:
		actual = wk_local_wake_refcount(b->lwake);
		break;
	default:
		actual = b->counted_refs;
		break;
	}
	if (actual != b->refs)
		wkf_fail(TARGET, "object %d (strategy %d): refcount %zu after %s, the model says %zu", i,
			 b->strategy, actual, after, b->refs);
	if (b->seen != b->wakes)
		wkf_fail(TARGET, "object %d (strategy %d): %zu wakes seen after %s, the model says %zu", i,
			 b->strategy, b->seen, after, b->wakes);
}

static void check_all(const char *after)
{
	int i;
	for (i = 0; i < nobjs; i++)
		check_obj(i, after);
}

/* ---- entries ---------------------------------------------------------------------- */

static int free_entry(void)
{
	int i;
	for (i = 0; i < ENTRIES; i++)
		if (!ents[i].used)
			return i;
	return -1;
}

static void op_new(int strategy)
{
	int e = free_entry(), i;
	obj *b;
	if (e < 0 || nobjs == OBJECTS)
		return;
	if (strategy == ST_NOOP) {
		for (i = 0; i < nobjs && objs[i].strategy != ST_NOOP; i++)
			;
		if (i == nobjs)
			nobjs++;
	} else {
		i = nobjs++;
	}
	b = &objs[i];
	if (b->strategy != ST_NOOP || !b->live) {
		memset(b, 0, sizeof *b);
		b->strategy = strategy;
		b->live = true;
		b->refs = 1;
	}
	ents[e].used = true;
	ents[e].local = false;
	ents[e].o = i;
	switch (strategy) {
	case ST_WAKE:
	case ST_WAKE_NOREF:
		b->wake = wk_wake_new(strategy == ST_WAKE ? &wake_ops : &wake_ops_noref, sizeof(int));
		if (b->wake == NULL)
			wkf_fail(TARGET, "wk_wake_new failed");
		*(int *)wk_wake_payload(b->wake) = i;
		if (wk_wake_from_payload(wk_wake_payload(b->wake)) != b->wake)
			wkf_fail(TARGET, "wk_wake_from_payload does not invert wk_wake_payload");
		ents[e].u.w = wk_waker_from_wake(b->wake);
		break;
	case ST_LWAKE:
	case ST_LWAKE_NOREF:
		b->lwake = wk_local_wake_new(strategy == ST_LWAKE ? &lwake_ops : &lwake_ops_noref,
					     sizeof(int));
		if (b->lwake == NULL)
			wkf_fail(TARGET, "wk_local_wake_new failed");
		*(int *)wk_local_wake_payload(b->lwake) = i;
		ents[e].local = true;
		ents[e].u.l = wk_local_waker_from_local_wake(b->lwake);
		break;
	case ST_FLAG:
		atomic_init(&b->flag.state, 0);
		ents[e].u.w = wk_flag_waker(&b->flag);
		break;
	case ST_SLOT:
		b->table = wk_slot_table_new(4, slot_notify, NULL);
		if (b->table == NULL)
			wkf_fail(TARGET, "wk_slot_table_new failed");
		b->id = wk_slot_alloc(b->table);
		if (b->id == 0 || !wk_slot_live(b->table, b->id))
			wkf_fail(TARGET, "wk_slot_alloc gave no live id");
		ents[e].u.w = wk_slot_waker(b->table, b->id);
		break;
	case ST_COUNTED:
		b->counted_refs = 1;
		ents[e].u.w = wk_waker_new(b, &counted_vtable);
		break;
	default:
		ents[e].u.w = wk_waker_clone(wk_waker_noop());
		break;
	}
}

static void ent_clone_into(int src, int dst)
{
	entry *s = &ents[src], *d = &ents[dst];
	*d = *s;
	if (s->local)
		d->u.l = wk_local_waker_clone(&s->u.l);
	else
		d->u.w = wk_waker_clone(&s->u.w);
	if (counted(&objs[s->o]))
		objs[s->o].refs++;
}

static void ent_release(int e, bool wake)
{
	entry *n = &ents[e];
	obj *b = &objs[n->o];
	if (!n->used)
		return;
	n->used = false;
	if (wake) {
		model_wake(b);
		model_release(b);
		if (n->local)
			wk_local_waker_wake(&n->u.l);
		else
			wk_waker_wake(&n->u.w);
	} else {
		model_release(b);
		if (n->local)
			wk_local_waker_drop(&n->u.l);
		else
			wk_waker_drop(&n->u.w);
	}
}

static bool ent_will_wake(const entry *a, const entry *b)
{
	const wk_local_waker *x = a->local ? &a->u.l : wk_waker_as_local(&a->u.w);
	const wk_local_waker *y = b->local ? &b->u.l : wk_waker_as_local(&b->u.w);
	bool r = wk_local_waker_will_wake(x, y);
	if (!a->local && !b->local && r != wk_waker_will_wake(&a->u.w, &b->u.w))
		wkf_fail(TARGET, "wk_waker_will_wake and the local view disagree");
	return r;
}

/* ---- contexts --------------------------------------------------------------------- */

typedef struct lazy_arg {
	int e;          /* entry whose waker the constructor clones */
	unsigned calls;
} lazy_arg;

static wk_waker lazy_ctor(const wk_local_waker *lw, void *arg)
{
	lazy_arg *la = arg;
	(void)lw;
	la->calls++;
	if (counted(&objs[ents[la->e].o]))
		objs[ents[la->e].o].refs++;
	return wk_waker_clone(&ents[la->e].u.w);
}

static void op_context(unsigned form, int e, int f)
{
	entry *a = &ents[e], *b = &ents[f];
	wk_context_builder bd;
	wk_context cx, child;
	int ext_marker;
	if (!a->used)
		return;
	switch (form % 6) {
	case 0: /* from_waker: the local waker falls back to the waker */
		if (a->local)
			return;
		bd = wk_context_builder_from_waker(&a->u.w);
		cx = wk_context_builder_build(&bd);
		if (wk_context_waker(&cx) != &a->u.w || wk_context_try_waker(&cx) != &a->u.w ||
		    wk_context_local_waker(&cx) != wk_waker_as_local(&a->u.w) ||
		    wk_context_ext(&cx) != NULL || !wk_context_has_waker(&cx))
			wkf_fail(TARGET, "context from_waker: getters disagree with the builder");
		break;
	case 1: { /* from_local_waker: no thread-safe waker at all */
		const wk_local_waker *lw = a->local ? &a->u.l : wk_waker_as_local(&a->u.w);
		bd = wk_context_builder_from_local_waker(lw);
		cx = wk_context_builder_build(&bd);
		if (wk_context_try_waker(&cx) != NULL || wk_context_has_waker(&cx) ||
		    wk_context_local_waker(&cx) != lw)
			wkf_fail(TARGET, "context from_local_waker: try_waker must be NULL");
		break;
	}
	case 2: /* every setter */
		if (a->local || !b->used)
			return;
		bd = wk_context_builder_from_waker(&a->u.w);
		wk_context_builder_local_waker(&bd, b->local ? &b->u.l : wk_waker_as_local(&b->u.w));
		wk_context_builder_ext(&bd, &ext_marker);
		cx = wk_context_builder_build(&bd);
		if (wk_context_waker(&cx) != &a->u.w || wk_context_ext(&cx) != &ext_marker ||
		    wk_context_local_waker(&cx) != (b->local ? &b->u.l : wk_waker_as_local(&b->u.w)))
			wkf_fail(TARGET, "context setters: getters disagree with the builder");
		break;
	case 3: /* from(cx) with an override: the parent never changes */
		if (a->local || !b->used || b->local)
			return;
		bd = wk_context_builder_from_waker(&a->u.w);
		wk_context_builder_ext(&bd, &ext_marker);
		cx = wk_context_builder_build(&bd);
		bd = wk_context_builder_from(&cx);
		wk_context_builder_waker(&bd, &b->u.w);
		wk_context_builder_ext(&bd, NULL);
		child = wk_context_builder_build(&bd);
		if (wk_context_waker(&cx) != &a->u.w || wk_context_ext(&cx) != &ext_marker ||
		    wk_context_waker(&child) != &b->u.w || wk_context_ext(&child) != NULL ||
		    wk_context_local_waker(&child) != wk_context_local_waker(&cx))
			wkf_fail(TARGET, "context from(cx): override leaked into the parent or inheritance lost");
		break;
	case 4:   /* lazy on_waker, asked twice: built once */
	case 5: { /* lazy on_waker, never asked: never built */
		wk_lazy_waker storage;
		lazy_arg la = {e, 0};
		const wk_waker *w1, *w2;
		if (a->local)
			return;
		bd = wk_context_builder_from_local_waker(wk_waker_as_local(&a->u.w));
		wk_context_builder_on_waker(&bd, &storage, lazy_ctor, &la);
		cx = wk_context_builder_build(&bd);
		if (!wk_context_has_waker(&cx) || la.calls != 0)
			wkf_fail(TARGET, "lazy on_waker: constructor ran before the waker was asked for");
		if (form % 6 == 4) {
			w1 = wk_context_waker(&cx);
			w2 = wk_context_try_waker(&cx);
			if (w1 != w2 || la.calls != 1)
				wkf_fail(TARGET, "lazy on_waker: %u constructor calls for two asks", la.calls);
			check_all("a lazily built waker");
			model_wake(&objs[a->o]);
			wk_waker_wake_by_ref(w1);
		}
		wk_lazy_waker_drop(&storage);
		if (counted(&objs[a->o]) && la.calls == 1)
			model_release(&objs[a->o]);
		wk_lazy_waker_drop(&storage); /* idempotent */
		break;
	}
	}
}

/* ---- misuse: a forked child must be stopped with a message ------------------------ */

static void *foreign_clone(void *arg)
{
	wk_local_waker c = wk_local_waker_clone((const wk_local_waker *)arg);
	wk_local_waker_drop(&c);
	return NULL;
}

static void misuse_child(unsigned form)
{
	wk_local_waker lw;
	wk_waker w;
	wk_context_builder bd;
	wk_context cx;
	pthread_t th;
	switch (form) {
	case 0: /* moved-from use (checked) */
		w = wk_waker_new(&objs[0], &counted_vtable);
		objs[0].counted_refs = 5;
		wk_waker_wake(&w);
		wk_waker_wake(&w);
		break;
	case 1: /* a LocalWaker on a foreign thread (checked) */
		lw = wk_local_waker_from_local_wake(wk_local_wake_new(&lwake_ops, sizeof(int)));
		if (pthread_create(&th, NULL, foreign_clone, &lw) == 0)
			pthread_join(th, NULL);
		break;
	case 2: /* waker() of a local-only context (every build) */
		bd = wk_context_builder_from_local_waker(wk_local_waker_noop());
		cx = wk_context_builder_build(&bd);
		(void)wk_context_waker(&cx);
		break;
	case 3: { /* LocalWake released below zero (checked: quarantine) */
		wk_local_wake *o = wk_local_wake_new(&lwake_ops_noref, sizeof(int));
		*(int *)wk_local_wake_payload(o) = 0;
		wk_local_wake_release(o);
		wk_local_wake_release(o);
		break;
	}
	case 4: /* a NULL setter (every build) */
		bd = wk_context_builder_from_waker(wk_waker_noop());
		wk_context_builder_waker(&bd, NULL);
		break;
	default: { /* a raw waker with a NULL vtable function (every build) */
		static const wk_raw_waker_vtable bad = {c_clone, NULL, c_wake_by_ref, c_drop};
		w = wk_waker_new(&objs[0], &bad);
		(void)w;
		break;
	}
	}
}

static void op_misuse(unsigned form)
{
	static const bool checked_only[] = {true, true, false, true, false, false};
	int fds[2], status = 0;
	char buf[4096];
	size_t got = 0;
	pid_t pid;
	form %= 6;
	if (misused || (checked_only[form] && !WK_CHECKED))
		return;
	misused = true;
	if (pipe(fds) != 0)
		wkf_fail(TARGET, "pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		wkf_fail(TARGET, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		signal(SIGABRT, SIG_DFL);
		misuse_child(form);
		_exit(0); /* the misuse went unnoticed */
	}
	close(fds[1]);
	for (;;) {
		ssize_t n = read(fds[0], buf + got, sizeof buf - 1 - got);
		if (n > 0 && got + (size_t)n < sizeof buf - 1) {
			got += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0)
			continue; /* buffer full: drain and keep what we have */
		break;
	}
	buf[got] = '\0';
	close(fds[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGABRT || strstr(buf, "wakerconf") == NULL)
		wkf_fail(TARGET, "misuse %u was not diagnosed: child %s %d, stderr \"%.300s\"", form,
			 WIFSIGNALED(status) ? "killed by signal" : "exited with", 
			 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status), buf);
}

/* ---- a wake from another thread ----------------------------------------------------- */

/*
 * One waker thread per process does the foreign wakes: a thread created
 * and joined per op cost more than everything else an input does (fuzz
 * speed).  The handoff is a mutex and a condition variable, so each wake
 * happens-after the op that posted it and the op resumes after the wake:
 * the model's count is read only once that thread is done.  Started on first
 * use, in the process that fuzzes (threads do not survive AFL++'s fork
 * server).
 */
static pthread_mutex_t fw_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t fw_cond = PTHREAD_COND_INITIALIZER;
static const wk_waker *fw_job; /* guarded by fw_lock; NULL when none */
static bool fw_done;           /* guarded by fw_lock */
static pid_t fw_pid;           /* the process whose waker thread runs */

static void *foreign_waker_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&fw_lock);
	for (;;) {
		while (fw_job == NULL)
			pthread_cond_wait(&fw_cond, &fw_lock);
		wk_waker_wake_by_ref(fw_job);
		fw_job = NULL;
		fw_done = true;
		pthread_cond_broadcast(&fw_cond);
	}
	return NULL;
}

static void foreign_wake(const wk_waker *w)
{
	if (fw_pid != getpid()) {
		pthread_t th;
		/* A new process (AFL++'s fork server forks after the warm-up
		 * started a waker thread in the parent): the copied lock and condition
		 * variable may still count the parent's thread as a waiter, so
		 * they are made afresh; this thread is the process's only one. */
		pthread_mutex_init(&fw_lock, NULL);
		pthread_cond_init(&fw_cond, NULL);
		fw_job = NULL;
		if (pthread_create(&th, NULL, foreign_waker_main, NULL) != 0)
			wkf_fail(TARGET, "pthread_create failed");
		pthread_detach(th);
		fw_pid = getpid();
	}
	pthread_mutex_lock(&fw_lock);
	fw_job = w;
	fw_done = false;
	pthread_cond_broadcast(&fw_cond);
	while (!fw_done)
		pthread_cond_wait(&fw_cond, &fw_lock);
	pthread_mutex_unlock(&fw_lock);
}

/* ---- the target ----------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t k, nops = size / 2;
	int i;
	memset(objs, 0, sizeof objs);
	memset(ents, 0, sizeof ents);
	nobjs = 0;
	misused = false;
	if (nops > MAX_OPS)
		nops = MAX_OPS;
	for (k = 0; k < nops; k++) {
		uint8_t op = data[2 * k], x = data[2 * k + 1];
		int e = x & 7, f = (x >> 3) & 7, d;
		entry *n = &ents[e];
		obj *b = n->used ? &objs[n->o] : NULL;
		switch (op % 15) {
		case 0:
			op_new(x & 7);
			break;
		case 1:
			if (b != NULL && (d = free_entry()) >= 0)
				ent_clone_into(e, d);
			break;
		case 2: { /* clone_from: skipped when they already will_wake */
			entry *s = &ents[f];
			bool same;
			if (b == NULL || !s->used || s->local != n->local || e == f)
				break;
			same = ent_will_wake(n, s);
			if (same != (n->o == s->o))
				wkf_fail(TARGET, "will_wake %d for objects %d and %d", same, n->o, s->o);
			if (!same) {
				if (counted(&objs[s->o]))
					objs[s->o].refs++;
				model_release(b);
			}
			if (n->local)
				wk_local_waker_clone_from(&n->u.l, &s->u.l);
			else
				wk_waker_clone_from(&n->u.w, &s->u.w);
			n->o = s->o;
			break;
		}
		case 3:
			ent_release(e, true);
			break;
		case 4:
			if (b == NULL)
				break;
			model_wake(b);
			if (n->local)
				wk_local_waker_wake_by_ref(&n->u.l);
			else
				wk_waker_wake_by_ref(&n->u.w);
			break;
		case 5:
			ent_release(e, false);
			break;
		case 6:
			if (b != NULL && ents[f].used && ent_will_wake(n, &ents[f]) != (n->o == ents[f].o))
				wkf_fail(TARGET, "will_wake of objects %d and %d is %d", n->o, ents[f].o,
					 (int)ent_will_wake(n, &ents[f]));
			break;
		case 7:
			if (b == NULL || n->local || (d = free_entry()) < 0)
				break;
			model_wake(b);
			wk_local_waker_wake_by_ref(wk_waker_as_local(&n->u.w));
			ents[d].used = true;
			ents[d].local = true;
			ents[d].o = n->o;
			ents[d].u.l = wk_local_waker_clone(wk_waker_as_local(&n->u.w));
			if (counted(b))
				b->refs++;
			break;
		case 8:
			op_context(op >> 4, e, f);
			break;
		case 9:
			if (b != NULL && b->refs > 0 && (b->strategy == ST_WAKE || b->strategy == ST_WAKE_NOREF)) {
				wk_wake_retain(b->wake);
				if (wk_wake_refcount(b->wake) != b->refs + 1)
					wkf_fail(TARGET, "wk_wake_retain: count %zu, expected %zu",
						 wk_wake_refcount(b->wake), b->refs + 1);
				wk_wake_release(b->wake);
			} else if (b != NULL && b->refs > 0 &&
				   (b->strategy == ST_LWAKE || b->strategy == ST_LWAKE_NOREF)) {
				wk_local_wake_retain(b->lwake);
				if (wk_local_wake_refcount(b->lwake) != b->refs + 1)
					wkf_fail(TARGET, "wk_local_wake_retain: count %zu, expected %zu",
						 wk_local_wake_refcount(b->lwake), b->refs + 1);
				wk_local_wake_release(b->lwake);
			}
			break;
		case 10:
			if (b != NULL && b->strategy == ST_FLAG) {
				bool t = wk_flag_take(&b->flag);
				if (t != b->raised)
					wkf_fail(TARGET, "wk_flag_take %d, the model says %d", t, b->raised);
				b->raised = false;
			}
			break;
		case 11:
			if (b != NULL && b->strategy == ST_SLOT) {
				wk_slot_id out[4];
				size_t got = wk_slot_drain(b->table, out, 4);
				if (got != (b->woken ? 1u : 0u) || (got == 1 && out[0] != b->id))
					wkf_fail(TARGET, "wk_slot_drain gave %zu ids, the model says %d", got,
						 (int)b->woken);
				b->woken = false;
			}
			break;
		case 12:
			if (b != NULL && b->strategy == ST_SLOT && !b->stale) {
				wk_slot_release(b->table, b->id);
				if (wk_slot_live(b->table, b->id))
					wkf_fail(TARGET, "a released slot id is still live");
				b->stale = true;
				b->woken = false;
			}
			break;
		case 13:
			/* Only with x == 'M': a fork per input would cost more than
			 * everything else the target does (the dictionary has it). */
			if (x == MISUSE_KEY)
				op_misuse(op >> 4);
			break;
		default:
			if (b == NULL || n->local)
				break;
			model_wake(b);
			foreign_wake(&n->u.w);
			break;
		}
		check_all("an op");
	}
	for (i = 0; i < ENTRIES; i++)
		ent_release(i, false);
	check_all("dropping every held waker");
	for (i = 0; i < nobjs; i++) {
		if (counted(&objs[i]) && objs[i].destroyed != 1)
			wkf_fail(TARGET, "object %d (strategy %d) destroyed %u times at the end (leak or double free)",
				 i, objs[i].strategy, objs[i].destroyed);
		if (objs[i].strategy == ST_SLOT) {
			wk_slot_table_free(objs[i].table);
			objs[i].table = NULL;
		}
	}
	return 0;
}

/* Every strategy, clone_from, the view, every context form, a foreign wake
 * (fuzz_main.h, WKF_WARMUP); no misuse (that forks). */
WKF_UNUSED static void api_ops_warmup(void)
{
	static const uint8_t a[] = {0, 0, 0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 0, 2, 8,
				    4, 1, 7, 6, 8, 8, 24, 8, 40, 8, 56, 8, 72, 8, 88, 8,
				    9, 0, 10, 4, 11, 5, 12, 5, 14, 0, 3, 0, 5, 1};
	LLVMFuzzerTestOneInput(a, sizeof a);
}
#define WKF_WARMUP api_ops_warmup

#include "fuzz_main.h"
