//! The C types the bridge shares with wk/waker.h and the hooks the C side
//! of an adapter provides.
//!
//! Only `wk_raw_waker` and `wk_raw_waker_vtable` cross the boundary: their
//! layout is the same in every build of the library.  `wk_waker` and
//! `wk_context` are not (a checked build, WK_CHECKED, adds an owner field),
//! so contexts are built on the C side, by `wkc_rust_c_poll`.

use std::os::raw::{c_int, c_void};
use std::sync::atomic::{AtomicPtr, Ordering};

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

/// What the C side of an adapter provides (shim/bridge_hooks.c), handed
/// over once with `wkc_rust_set_hooks` before the first executor is made.
/// Function pointers rather than symbols the Rust library would import: the
/// library is a shared object of its own (the ThreadSanitizer profile
/// ignores the allocator and pthread calls it makes, tsan.supp), with no
/// undefined references back into whoever loads it.
#[repr(C)]
pub struct Hooks {
    /// Poll the C future `fut` (a `wk_future *`) with a context whose waker
    /// is the borrowed raw waker (data, vtable); the shim marks the wake ->
    /// poll edge first.  Returns WK_READY or WK_PENDING; the output is
    /// ignored (the harness joins nothing).
    pub poll: unsafe extern "C" fn(*mut c_void, *const c_void, *const WkRawWakerVTable) -> c_int,
    /// Drop the C future (wk_future_drop), exactly once.
    pub drop: unsafe extern "C" fn(*mut c_void),
    /// wkc_annotate_wake(data): before the executor's wake publishes the
    /// task whose waker data pointer is `data`.
    pub wake_edge: unsafe extern "C" fn(*const c_void),
    /// wkc_annotate_freeing(data): the task keyed by `data` is gone.
    pub freeing: unsafe extern "C" fn(*const c_void),
}

static HOOKS: AtomicPtr<Hooks> = AtomicPtr::new(std::ptr::null_mut());

/// Install the C side's hooks (a static table: it must outlive every use).
/// The library exporting the bridge exports it as `wkc_rust_set_hooks`.
///
/// # Safety
/// `hooks` points to a Hooks that is never freed.
pub unsafe fn set_hooks(hooks: *const Hooks) {
    // Release/acquire: the table's fields are read by every thread that
    // polls or wakes.
    HOOKS.store(hooks as *mut Hooks, Ordering::Release);
}

pub(crate) fn hooks() -> &'static Hooks {
    let h = HOOKS.load(Ordering::Acquire);
    if h.is_null() {
        eprintln!("wakerconf rust bridge: the C side never installed its hooks (wkc_rust_set_hooks)");
        std::process::abort();
    }
    // SAFETY: a static table, set before use (wkc_rust_set_hooks).
    unsafe { &*h }
}

pub(crate) unsafe fn wkc_rust_c_poll(
    fut: *mut c_void,
    data: *const c_void,
    vtable: *const WkRawWakerVTable,
) -> c_int {
    (hooks().poll)(fut, data, vtable)
}

pub(crate) unsafe fn wkc_rust_c_drop(fut: *mut c_void) {
    (hooks().drop)(fut)
}

pub(crate) unsafe fn wkc_rust_c_wake_edge(data: *const c_void) {
    (hooks().wake_edge)(data)
}

pub(crate) unsafe fn wkc_rust_c_freeing(data: *const c_void) {
    (hooks().freeing)(data)
}
