/*
 * wkc/annotate.h - happens-before annotations for race detectors that
 * cannot see an executor's synchronisation.
 *
 * WHY
 *   A race detector judges an access pair by the synchronisation it saw
 *   between them.  Two cases leave it blind:
 *     - ThreadSanitizer sees only instrumented code.  An executor that is
 *       not (Rust on a stable toolchain, where -Zsanitizer=thread needs
 *       nightly; any binary-only library) synchronises its wake and the
 *       poll it causes through atomics TSan never saw, so the harness's
 *       write before a wake and the poll's read of it look like a race.
 *     - Valgrind's helgrind and DRD understand pthread primitives but not
 *       C11 atomics: every lock-free queue, atomic state machine and
 *       atomic reference count reads as a race.
 *   The cure is to tell the tool what the executor guarantees, at the
 *   places it guarantees it.  That is what these calls do.  They never hide
 *   a race: an edge states an ordering the code really has; a race the
 *   code really has (a plain count behind a thread-safe waker) is still
 *   between two accesses no edge orders, and is still reported.
 *
 * THE EDGES AN ADAPTER ANNOTATES (spec/executor.md, WK-EXEC-014)
 *     wkc_annotate_wake(task)   in wake / wake_by_ref, before the operation
 *                               that publishes the task to its poller (the
 *                               queue push, the state CAS);
 *     wkc_annotate_poll(task)   before calling the future's poll, after the
 *                               operation that took the task (queue pop);
 *     wkc_annotate_freeing(task) just before the task's memory is freed or
 *                               reused, so that no stale edge survives it.
 *   `task` is any address unique to the task for its lifetime (the task
 *   object, or the waker's data pointer).  Reference counts annotate the
 *   same way: wkc_annotate_release(obj) before every decrement,
 *   wkc_annotate_acquire(obj) once the count reached zero, before the free
 *   (the release/acquire pair of linux/refcount.h).  DRD makes a new
 *   segment for every annotated edge, so an edge on every clone and drop
 *   of a waker makes reference-count-heavy code very slow there: where the
 *   holders of a reference write nothing but atomics to the object, the
 *   release before each decrement can go, and one edge where the object's
 *   plain fields are really handed over (the push that publishes it, the
 *   final decrement before the free) is enough.
 *
 *   wkc_annotate_atomic(addr, len) tells helgrind and DRD that the range is
 *   only ever accessed with atomic operations (they cannot tell an atomic
 *   load from a plain one).  ThreadSanitizer sees atomics itself, so it is
 *   a no-op there.  Use it only for memory that really is atomic.
 *
 * BACKENDS (each call is a few instructions or nothing: safe on hot paths)
 *   - ThreadSanitizer: in a TSan build (clang or gcc -fsanitize=thread)
 *     __tsan_release / __tsan_acquire directly; in a build without TSan
 *     (ELF, gcc or clang) the same entry points as weak symbols, called
 *     when the process has them: an adapter built once, without TSan,
 *     is judged soundly when the tsan profile's harness loads it.
 *   - helgrind and DRD: when <valgrind/helgrind.h> and <valgrind/drd.h>
 *     are available (Debian: valgrind) and WKC_ANNOTATE_NO_VALGRIND is not
 *     defined, both tools' client requests (the happens-before pair is
 *     one request both tools understand; each ignores the other's other
 *     requests); outside Valgrind a client request is a short no-op
 *     sequence.  DRD starts a segment at every release and acquire and
 *     keeps, per address and thread, the latest release's segment while
 *     the address lives: key edges by long-lived objects (a queue, a task,
 *     a refcount), never by a fresh address per operation on a hot path.
 *   Define WKC_ANNOTATE_NONE to compile every call to nothing.
 *
 * An adapter that annotates claims WKC_CAP_ANNOTATED, so that verdicts
 * resting on its annotations say so ("tsan (annotated)").
 */
#ifndef WKC_ANNOTATE_H
#define WKC_ANNOTATE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define WKC__ANNOTATE_TSAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define WKC__ANNOTATE_TSAN 1
#endif

#if !defined(WKC_ANNOTATE_NONE) && !defined(WKC_ANNOTATE_NO_VALGRIND) && defined(__has_include)
#if __has_include(<valgrind/helgrind.h>) && __has_include(<valgrind/drd.h>)
#include <valgrind/helgrind.h>
#include <valgrind/drd.h>
#define WKC__ANNOTATE_VALGRIND 1
#endif
#endif

#if !defined(WKC_ANNOTATE_NONE)
#if defined(WKC__ANNOTATE_TSAN)
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define WKC__TSAN_RELEASE(obj) __tsan_release((void *)(obj))
#define WKC__TSAN_ACQUIRE(obj) __tsan_acquire((void *)(obj))
#elif defined(__GNUC__) && defined(__ELF__)
/* Not instrumented, but maybe loaded into an instrumented process (the
 * tsan profile's harness loading an adapter whose executor was built
 * without TSan): the runtime's entry points, if the process has them. */
void __tsan_acquire(void *addr) __attribute__((weak));
void __tsan_release(void *addr) __attribute__((weak));
#define WKC__TSAN_RELEASE(obj) (__tsan_release ? __tsan_release((void *)(obj)) : (void)0)
#define WKC__TSAN_ACQUIRE(obj) (__tsan_acquire ? __tsan_acquire((void *)(obj)) : (void)0)
#endif
#endif
#ifndef WKC__TSAN_RELEASE
#define WKC__TSAN_RELEASE(obj) ((void)(obj))
#define WKC__TSAN_ACQUIRE(obj) ((void)(obj))
#endif

/*
 * helgrind's USERSO_SEND_PRE / RECV_POST and DRD's ANNOTATE_HAPPENS_BEFORE /
 * AFTER are the same request numbers (DRD took over helgrind's), so each
 * tool handles either.  Issuing both would make every edge twice: DRD then
 * creates two segments per annotation, which on a hot path costs it dearly.
 * The second request is issued only if a header ever gives them different
 * numbers (a constant test: it compiles to nothing).
 */
static inline void wkc_annotate_release(const void *obj)
{
	WKC__TSAN_RELEASE(obj);
#ifdef WKC__ANNOTATE_VALGRIND
	DO_CREQ_v_W(_VG_USERREQ__HG_USERSO_SEND_PRE, void *, (void *)(obj));
	if ((unsigned long)VG_USERREQ__DRD_ANNOTATE_HAPPENS_BEFORE !=
	    (unsigned long)_VG_USERREQ__HG_USERSO_SEND_PRE)
		VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ__DRD_ANNOTATE_HAPPENS_BEFORE, obj, 0, 0,
						0, 0);
#endif
}

static inline void wkc_annotate_acquire(const void *obj)
{
	WKC__TSAN_ACQUIRE(obj);
#ifdef WKC__ANNOTATE_VALGRIND
	DO_CREQ_v_W(_VG_USERREQ__HG_USERSO_RECV_POST, void *, (void *)(obj));
	if ((unsigned long)VG_USERREQ__DRD_ANNOTATE_HAPPENS_AFTER !=
	    (unsigned long)_VG_USERREQ__HG_USERSO_RECV_POST)
		VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ__DRD_ANNOTATE_HAPPENS_AFTER, obj, 0, 0,
						0, 0);
#endif
}

static inline void wkc_annotate_freeing(const void *obj)
{
	/* TSan forgets a sync object when its memory is freed. */
#ifdef WKC__ANNOTATE_VALGRIND
	DO_CREQ_v_W(_VG_USERREQ__HG_USERSO_FORGET_ALL, void *, (void *)(obj));
#else
	(void)obj;
#endif
}

static inline void wkc_annotate_atomic(const void *addr, size_t len)
{
	/* TSan sees atomic accesses itself. */
#ifdef WKC__ANNOTATE_VALGRIND
	VALGRIND_HG_DISABLE_CHECKING(addr, len);
	VALGRIND_DO_CLIENT_REQUEST_STMT(VG_USERREQ__DRD_START_SUPPRESSION, addr, len, 0, 0, 0);
#else
	(void)addr;
	(void)len;
#endif
}

/* The executor's wake -> poll edge of one task (see above). */
static inline void wkc_annotate_wake(const void *task)
{
	wkc_annotate_release(task);
}

static inline void wkc_annotate_poll(const void *task)
{
	wkc_annotate_acquire(task);
}

#ifdef __cplusplus
}
#endif

#endif /* WKC_ANNOTATE_H */
