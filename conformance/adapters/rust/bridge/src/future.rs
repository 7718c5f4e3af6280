//! A harness `wk_future *` as a Rust `Future`.

use std::future::Future;
use std::os::raw::c_void;
use std::pin::Pin;
use std::ptr;
use std::sync::Arc;
use std::task::{Context, Poll};

use crate::c_waker::borrow_as_c;
use crate::ffi::{wkc_rust_c_drop, wkc_rust_c_freeing, wkc_rust_c_poll, WK_READY};
use crate::track::{self, ExecTrack, Track};

/// Owns one C future: polls it with the executor's own waker (seen from C
/// through c_waker.rs) and drops it exactly once, when the executor drops
/// this value (after Ready, or unfinished when the executor shuts down).
pub struct CFuture {
    fut: *mut c_void,
    track: Arc<Track>,
    key: *const c_void, // the waker data pointer the task is known by, or null
}

// SAFETY: the harness hands the executor futures that may be polled and
// dropped on any thread unless spawned with WKC_SPAWN_LOCAL; an adapter
// spawns those only through its executor's local spawn (spawn_local), which
// keeps them on one thread.  Polls never overlap: the executor polls through
// Pin<&mut Self>.
unsafe impl Send for CFuture {}

impl CFuture {
    /// Take ownership of `fut` (a `wk_future *`), counted in `exec`.
    ///
    /// # Safety
    /// `fut` is a valid `wk_future *` whose ownership is transferred.
    pub unsafe fn new(fut: *mut c_void, exec: &ExecTrack) -> CFuture {
        CFuture {
            fut,
            track: exec.add(),
            key: ptr::null(),
        }
    }
}

impl Future for CFuture {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let this = self.get_mut();
        // A poll after Ready is forwarded too: the probe reports it
        // (WK-EXEC-007).  fut is null only after drop, which ends polls.
        let raw = borrow_as_c(cx.waker());
        if raw.data != this.key {
            if !this.key.is_null() {
                track::unregister(this.key, &this.track);
            }
            track::register(raw.data, &this.track);
            this.key = raw.data;
        }
        this.track.poll_begins();
        // SAFETY: fut is live (not yet dropped); raw is borrowed for the call.
        let r = unsafe { wkc_rust_c_poll(this.fut, raw.data, raw.vtable) };
        this.track.poll_ends(r == WK_READY);
        if r == WK_READY {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    }
}

impl Drop for CFuture {
    fn drop(&mut self) {
        let fut = std::mem::replace(&mut self.fut, ptr::null_mut());
        if !self.key.is_null() {
            track::unregister(self.key, &self.track);
        }
        // SAFETY: the C future is dropped here and only here.
        unsafe {
            wkc_rust_c_drop(fut);
            if !self.key.is_null() {
                wkc_rust_c_freeing(self.key);
            }
        }
        // Only now is the task done for `run`: the harness may judge and free
        // what the drop used as soon as `run` says idle.
        self.track.finish();
    }
}
