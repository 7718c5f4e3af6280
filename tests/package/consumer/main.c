/*
 * A minimal program built against an installed wakerconf: it makes a waker from a
 * wk_wake object, puts it in a context through the builder, wakes the task through the
 * context and checks that the wake op ran and that destroy ran when the last reference
 * went.  Exit status 0 only when all of that happened.
 */
#include <stdio.h>

#include <wk/wk.h>

/* Lives outside the wake object: the object's memory is freed after destroy. */
struct probe {
	int wakes;
	int destroys;
};

static struct probe *probe_of(wk_wake *self)
{
	return *(struct probe **)wk_wake_payload(self);
}

/* ops->wake receives the waker's reference and must give it back. */
static void on_wake(wk_wake *self)
{
	probe_of(self)->wakes++;
	wk_wake_release(self);
}

static void on_destroy(wk_wake *self)
{
	probe_of(self)->destroys++;
}

static const wk_wake_ops probe_ops = {
	.wake = on_wake,
	.wake_by_ref = NULL, /* the library falls back to retain + wake */
	.destroy = on_destroy,
};

static int failures;

static void expect(int ok, const char *what)
{
	if (!ok) {
		fprintf(stderr, "wakerconf consumer: FAILED: %s\n", what);
		failures++;
	}
}

int main(void)
{
	struct probe probe = {0, 0};
	wk_wake *obj = wk_wake_new(&probe_ops, sizeof(struct probe *));
	wk_waker waker;
	wk_waker clone;
	wk_context_builder builder;
	wk_context cx;

	if (obj == NULL) {
		fprintf(stderr, "wakerconf consumer: FAILED: wk_wake_new returned NULL\n");
		return 1;
	}
	*(struct probe **)wk_wake_payload(obj) = &probe;
	waker = wk_waker_from_wake(obj); /* the waker now owns the only reference */

	builder = wk_context_builder_from_waker(&waker);
	cx = wk_context_builder_build(&builder);
	expect(wk_context_waker(&cx) == &waker, "the context returns the waker it was built with");
	expect(wk_local_waker_data(wk_context_local_waker(&cx)) == wk_waker_data(&waker),
	       "the local waker falls back to the waker");

	wk_waker_wake_by_ref(wk_context_waker(&cx));
	expect(probe.wakes == 1, "wake_by_ref through the context ran the wake op");
	expect(probe.destroys == 0, "wake_by_ref kept the object alive");

	clone = wk_waker_clone(wk_context_waker(&cx));
	expect(wk_waker_will_wake(&clone, &waker), "a clone will wake the same task");
	wk_waker_wake(&clone);
	expect(probe.wakes == 2, "waking a clone by value ran the wake op");
	expect(probe.destroys == 0, "the original waker still holds a reference");

	wk_waker_drop(&waker);
	expect(probe.wakes == 2, "drop does not wake");
	expect(probe.destroys == 1, "destroy ran once when the last reference went");

	if (failures != 0)
		return 1;
	printf("wakerconf consumer: ok (wakerconf %s, checked=%d)\n", WK_VERSION_STRING, WK_CHECKED);
	return 0;
}
