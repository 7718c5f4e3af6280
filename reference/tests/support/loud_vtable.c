/* loud_vtable.c - see loud_vtable.h. */
#include "support/loud_vtable.h"

#include <stdio.h>

static int loud_calls;

static void note(const char *fn)
{
	loud_calls++;
	fprintf(stderr, "vtable call %d (%s)\n", loud_calls, fn);
	fflush(stderr);
}

static wk_raw_waker loud_clone(const void *data)
{
	note("clone");
	return wkt_loud_raw(data);
}

static void loud_wake(const void *data)
{
	(void)data;
	note("wake");
}

static void loud_wake_by_ref(const void *data)
{
	(void)data;
	note("wake_by_ref");
}

static void loud_drop(const void *data)
{
	(void)data;
	note("drop");
}

const wk_raw_waker_vtable wkt_loud_vtable = {loud_clone, loud_wake, loud_wake_by_ref, loud_drop};

wk_raw_waker wkt_loud_raw(const void *data)
{
	wk_raw_waker r = {data, &wkt_loud_vtable};
	return r;
}
