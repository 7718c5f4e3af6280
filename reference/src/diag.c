/*
 * diag.c - thread numbers, the fatal-error path and the out-of-line checks
 * that the inline functions of wk/waker.h call.
 *
 * Every message starts "wakerconf: <API function>: " and names the object,
 * its data pointer and its vtable, so a report can say which call misused
 * which waker.  The substrings tests rely on are listed in the project's
 * common rules ("used after it was moved", "owned by thread", ...).
 */
#define _GNU_SOURCE /* syscall(), SYS_gettid */

#include "wk_internal.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "wk_annotate.h"

/* ---- thread numbers ---------------------------------------------------- */

/* OS tids of the first thread numbers, so a message can print both the
 * small number and the tid of an owner thread that is not the caller. */
#define RECORDED_THREADS 4096u

static _Atomic uint32_t next_thread_id = 1;
static _Atomic long recorded_os_tid[RECORDED_THREADS];
static _Thread_local uint32_t this_thread_id;

long wk__os_tid(void)
{
	return (long)syscall(SYS_gettid);
}

uint32_t wk_thread_id(void)
{
	uint32_t id = this_thread_id;
	if (id != 0)
		return id;
	/* Static atomics, marked once per new thread (harmless repeats). */
	wk__annotate_atomic(&next_thread_id, sizeof next_thread_id);
	wk__annotate_atomic(recorded_os_tid, sizeof recorded_os_tid);
	do {
		/* relaxed: only uniqueness matters, and fetch_add gives it. */
		id = atomic_fetch_add_explicit(&next_thread_id, 1, memory_order_relaxed);
	} while (id == 0); /* after 2^32 threads the counter wraps; 0 means "none" */
	if (id < RECORDED_THREADS)
		/* relaxed: read only to print a message; a stale -1 is acceptable. */
		atomic_store_explicit(&recorded_os_tid[id], wk__os_tid(), memory_order_relaxed);
	this_thread_id = id;
	return id;
}

long wk__thread_os_tid(uint32_t thread_id)
{
	long tid;
	if (thread_id == 0 || thread_id >= RECORDED_THREADS)
		return -1;
	/* relaxed: diagnostic only (see the store above). */
	tid = atomic_load_explicit(&recorded_os_tid[thread_id], memory_order_relaxed);
	return tid != 0 ? tid : -1;
}

/* ---- fatal ------------------------------------------------------------- */

void wk_fatal(const char *fmt, ...)
{
	/* One buffer and one write, so messages of two aborting threads do not
	 * interleave mid-line. */
	char msg[1024];
	size_t len;
	int n;
	va_list ap;

	n = snprintf(msg, sizeof msg, "wakerconf: ");
	len = n > 0 ? (size_t)n : 0;
	va_start(ap, fmt);
	n = vsnprintf(msg + len, sizeof msg - len, fmt, ap);
	va_end(ap);
	if (n > 0)
		len += (size_t)n;
	if (len > sizeof msg - 2)
		len = sizeof msg - 2;
	msg[len++] = '\n';
	msg[len] = '\0';
	fwrite(msg, 1, len, stderr);
	fflush(stderr);
	abort();
}

void wk__wrong_thread(const char *op, const char *what, const void *obj, uint32_t owner)
{
	uint32_t self = wk_thread_id();
	wk_fatal("%s: %s %p owned by thread %u (tid %ld) used on thread %u (tid %ld)", op, what, obj,
		 (unsigned)owner, wk__thread_os_tid(owner), (unsigned)self, wk__os_tid());
}

/* ---- construction-time vtable check (every build) ---------------------- */

void wk__check_vtable(const wk_raw_waker_vtable *vt, const char *op)
{
	if (vt == NULL)
		wk_fatal("%s: NULL vtable", op);
	if (vt->clone == NULL)
		wk_fatal("%s: NULL function clone in vtable %p", op, (const void *)vt);
	if (vt->wake == NULL)
		wk_fatal("%s: NULL function wake in vtable %p", op, (const void *)vt);
	if (vt->wake_by_ref == NULL)
		wk_fatal("%s: NULL function wake_by_ref in vtable %p", op, (const void *)vt);
	if (vt->drop == NULL)
		wk_fatal("%s: NULL function drop in vtable %p", op, (const void *)vt);
	/* All four present: nothing to report (the inline caller only calls us
	 * when one is missing, but returning is the safe answer). */
}

/* ---- checked-build slow paths ------------------------------------------ */

#if WK_CHECKED

const int wk_abi_checked = 1;

/* The vtable a moved-from waker carries.  Its functions are never meant to
 * run: the inline API catches a moved-from waker before calling the vtable;
 * these catch code that copied the raw waker out and called it directly. */
static wk_raw_waker moved_clone(const void *data)
{
	wk_fatal("wk__moved_vtable: clone called on a waker (data %p) used after it was moved", data);
}

static void moved_wake(const void *data)
{
	wk_fatal("wk__moved_vtable: wake called on a waker (data %p) used after it was moved", data);
}

static void moved_wake_by_ref(const void *data)
{
	wk_fatal("wk__moved_vtable: wake_by_ref called on a waker (data %p) used after it was moved",
		 data);
}

static void moved_drop(const void *data)
{
	wk_fatal("wk__moved_vtable: drop called on a waker (data %p) used after it was moved", data);
}

const wk_raw_waker_vtable wk__moved_vtable = {
	moved_clone,
	moved_wake,
	moved_wake_by_ref,
	moved_drop,
};

void wk__check_live(const wk_raw_waker *raw, const char *op)
{
	if (raw->vtable == &wk__moved_vtable)
		wk_fatal("%s: waker %p (data %p, vtable %p) used after it was moved", op, (const void *)raw,
			 raw->data, (const void *)raw->vtable);
	if (raw->vtable == NULL)
		wk_fatal("%s: waker %p (data %p) has a NULL vtable (never initialised?)", op,
			 (const void *)raw, raw->data);
}

void wk__check_owner(const void *obj, uint32_t owner, const char *op)
{
	/* obj is a wk_local_waker (or a wk_waker viewed as one): raw comes first. */
	const wk_raw_waker *raw = (const wk_raw_waker *)obj;
	uint32_t self = wk_thread_id();
	if (owner == 0 || owner == self)
		return;
	wk_fatal("%s: local waker %p (data %p, vtable %p) owned by thread %u (tid %ld) used on thread "
		 "%u (tid %ld)",
		 op, obj, raw->data, (const void *)raw->vtable, (unsigned)owner, wk__thread_os_tid(owner),
		 (unsigned)self, wk__os_tid());
}

void wk__check_cloned(wk_raw_waker raw, const char *op)
{
	const wk_raw_waker_vtable *vt = raw.vtable;
	if (vt == NULL)
		wk_fatal("%s: vtable clone returned a NULL vtable (data %p)", op, raw.data);
	if (vt == &wk__moved_vtable)
		wk_fatal("%s: vtable clone returned a waker (data %p) used after it was moved", op,
			 raw.data);
	if (vt->clone == NULL || vt->wake == NULL || vt->wake_by_ref == NULL || vt->drop == NULL)
		wk_fatal("%s: vtable clone returned vtable %p with a NULL function (data %p)", op,
			 (const void *)vt, raw.data);
}

void wk__check_converted(const void *obj, uint32_t owner, const char *op)
{
	const wk_raw_waker *raw = (const wk_raw_waker *)obj;
	wk_fatal("%s: waker %p (data %p, vtable %p) is a local waker of thread %u (tid %ld) copied into "
		 "a thread-safe waker; a local waker never becomes a thread-safe one: take the "
		 "context's waker (wk_context_waker) instead (WK-LOCAL-004)",
		 op, obj, raw->data, (const void *)raw->vtable, (unsigned)owner,
		 wk__thread_os_tid(owner));
}

/* Which field of a context differs, for the message. */
static const char *changed_field(const wk_context *lent, const wk_context *now)
{
	if (lent->waker_ != now->waker_)
		return "its thread-safe waker";
	if (lent->local_waker_ != now->local_waker_)
		return "its local waker";
	if (lent->ext_ != now->ext_)
		return "its extension data";
	return "its lazy waker storage";
}

void wk__context_modified(const wk_future *f, wk_poll (*poll)(wk_future *, const wk_context *, void **),
			  const wk_context *lent, const wk_context *now)
{
	void *addr;
	Dl_info info;
	char where[512];

	/* A function pointer is not an object pointer in ISO C; dladdr wants
	 * the address as one, so copy the bits (POSIX makes them convertible). */
	memcpy(&addr, &poll, sizeof addr);
	if (dladdr(addr, &info) != 0 && info.dli_sname != NULL && info.dli_saddr == addr)
		snprintf(where, sizeof where, "%s (%p, in %s)", info.dli_sname, addr,
			 info.dli_fname != NULL ? info.dli_fname : "?");
	else if (dladdr(addr, &info) != 0 && info.dli_fname != NULL)
		/* A static function has no dynamic symbol: name the module and the
		 * offset, which `addr2line -f -e MODULE OFFSET` turns into a name. */
		snprintf(where, sizeof where, "at %p (%s+0x%lx; addr2line -f -e %s 0x%lx names it)", addr,
			 info.dli_fname, (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_fbase),
			 info.dli_fname, (unsigned long)((uintptr_t)addr - (uintptr_t)info.dli_fbase));
	else
		snprintf(where, sizeof where, "at %p", addr);
	wk_fatal("wk_future_poll: the poll function %s of future %p modified the context %p it was "
		 "lent (%s changed); a future must not change its context: derive a new one with "
		 "wk_context_builder_from (WK-CTX-007)",
		 where, (const void *)f, (const void *)now, changed_field(lent, now));
}

#else /* !WK_CHECKED */

const int wk_abi_unchecked = 1;

#endif
