//! The C types the bridge shares with wk/waker.h and the functions the C
//! shim of an adapter provides.
//!
//! Only `wk_raw_waker` and `wk_raw_waker_vtable` cross the boundary: their
//! layout is the same in every build of the library.  `wk_waker` and
//! `wk_context` are not (a checked build, WK_CHECKED, adds an owner field),
//! so contexts are built on the C side, by `wkc_rust_c_poll`.

use std::os::raw::{c_int, c_void};

/// `wk_raw_waker` (wk/waker.h).
#[repr(C)]
#[derive(Clone, Copy, Debug)]
pub struct WkRawWaker {
    pub data: *const c_void,
    pub vtable: *const WkRawWakerVTable,
}

/// `wk_raw_waker_vtable` (wk/waker.h): four required functions.
#[repr(C)]
pub struct WkRawWakerVTable {
    pub clone: unsafe extern "C" fn(*const c_void) -> WkRawWaker,
    pub wake: unsafe extern "C" fn(*const c_void),
    pub wake_by_ref: unsafe extern "C" fn(*const c_void),
    pub drop: unsafe extern "C" fn(*const c_void),
}

/// `WK_READY` (wk/future.h).
pub const WK_READY: c_int = 1;

extern "C" {
    /// Poll the C future `fut` (a `wk_future *`) with a context whose waker
    /// is the borrowed raw waker (data, vtable); the shim marks the wake ->
    /// poll edge (wkc_annotate_poll(data)) first.  Returns WK_READY or
    /// WK_PENDING; the output is ignored (the harness joins nothing).
    pub fn wkc_rust_c_poll(
        fut: *mut c_void,
        data: *const c_void,
        vtable: *const WkRawWakerVTable,
    ) -> c_int;
    /// Drop the C future `fut` (wk_future_drop), exactly once.
    pub fn wkc_rust_c_drop(fut: *mut c_void);
    /// wkc_annotate_wake(data): called before the executor's wake publishes
    /// the task whose waker data pointer is `data`.
    pub fn wkc_rust_c_wake_edge(data: *const c_void);
    /// wkc_annotate_freeing(data): the task keyed by `data` is gone.
    pub fn wkc_rust_c_freeing(data: *const c_void);
}
