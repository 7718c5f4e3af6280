//! A C waker seen from Rust: a `Waker` whose vtable calls a C
//! `wk_raw_waker_vtable`.
//!
//! The Rust waker's data pointer is a heap copy of the C raw waker (data
//! pointer and C vtable): Rust passes only one pointer to its vtable
//! functions, and the C vtable must travel with the data.  Each Rust clone
//! is one C clone (its own box), each drop one C drop, so the C executor's
//! reference counts see exactly what the Rust code does.  `will_wake` of two
//! clones is false here (two boxes); a C executor that wants Rust combinators
//! to skip re-cloning gives them the same `Waker` by reference instead.

use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::ffi::WkRawWaker;

unsafe fn boxed(raw: WkRawWaker) -> RawWaker {
    RawWaker::new(Box::into_raw(Box::new(raw)) as *const (), &FROM_C_VTABLE)
}

unsafe fn from_c_clone(p: *const ()) -> RawWaker {
    let raw = &*(p as *const WkRawWaker);
    boxed(((*raw.vtable).clone)(raw.data))
}

unsafe fn from_c_wake(p: *const ()) {
    let raw = Box::from_raw(p as *mut WkRawWaker);
    ((*raw.vtable).wake)(raw.data);
}

unsafe fn from_c_wake_by_ref(p: *const ()) {
    let raw = &*(p as *const WkRawWaker);
    ((*raw.vtable).wake_by_ref)(raw.data);
}

unsafe fn from_c_drop(p: *const ()) {
    let raw = Box::from_raw(p as *mut WkRawWaker);
    ((*raw.vtable).drop)(raw.data);
}

static FROM_C_VTABLE: RawWakerVTable =
    RawWakerVTable::new(from_c_clone, from_c_wake, from_c_wake_by_ref, from_c_drop);

/// Take ownership of an owned, thread-safe C waker (a `wk_waker`'s raw part:
/// its clone / wake / wake_by_ref / drop may run on any thread) as a Rust
/// `Waker`.
///
/// # Safety
/// `raw` must be an owned instance of a thread-safe C waker whose vtable
/// stays valid for as long as any clone lives.
pub unsafe fn rust_waker_from_c(raw: WkRawWaker) -> Waker {
    Waker::from_raw(boxed(raw))
}

/// The C raw waker behind a waker made by [`rust_waker_from_c`], borrowed,
/// or None for any other waker.
pub fn c_of(w: &Waker) -> Option<WkRawWaker> {
    let (data, vt) = crate::c_waker::parts(w);
    if std::ptr::eq(vt, &FROM_C_VTABLE) {
        // SAFETY: a waker with this vtable points at a boxed WkRawWaker.
        Some(unsafe { *(data as *const WkRawWaker) })
    } else {
        None
    }
}

/// For the C test of the bridge (tests/test_bridge.c, through the export
/// `wkc_rust_bridge_exercise`): wrap
/// an owned C waker into a Rust waker and run `ops` on it: each byte is one
/// operation, 'c' clone (kept), 'w' wake_by_ref, 'W' wake a clone by value,
/// 'd' drop the last kept clone.  Everything left is dropped at the end, and
/// the original is dropped.  Returns the number of operations run.
///
/// # Safety
/// As rust_waker_from_c; `ops` is a NUL-terminated string.
pub unsafe fn exercise(
    raw: WkRawWaker,
    ops: *const std::os::raw::c_char,
) -> usize {
    let w = rust_waker_from_c(raw);
    let ops = std::ffi::CStr::from_ptr(ops).to_bytes();
    let mut kept: Vec<Waker> = Vec::new();
    let mut n = 0;
    for &op in ops {
        match op {
            b'c' => kept.push(w.clone()),
            b'w' => w.wake_by_ref(),
            b'W' => w.clone().wake(),
            b'd' => drop(kept.pop()),
            _ => continue,
        }
        n += 1;
    }
    drop(kept);
    drop(w);
    n
}
