//! wkc_bridge: the bridge between wakerconf's C futures and wakers
//! (reference/include/wk/{waker,future}.h) and Rust's `Future` and `Waker`.
//!
//! Two directions:
//!
//! * [`CFuture`]: a harness `wk_future *` as a Rust `Future`, to spawn on a
//!   Rust executor.  Its `poll` hands the C future a context whose waker IS
//!   the executor's `Waker`: the C raw waker's data pointer and the
//!   executor's data pointer are the same, and its vtable's clone / wake /
//!   wake_by_ref / drop call the executor's own (see [`c_waker`]).  So the
//!   harness judges the executor's wakers, not a wrapper: clones, reference
//!   counts, `will_wake` and lifetimes are the executor's.
//! * [`rust_waker_from_c`]: a C waker (a `wk_raw_waker` the caller owns) as
//!   a Rust `Waker`, for a Rust future polled by a C executor.
//!
//! The C side of an adapter (its shim) hands the bridge four functions
//! (`wkc_rust_set_hooks`, see [`ffi::Hooks`]): the poll and drop of a C
//! future, and two race annotations of wkc/annotate.h (they are inline C,
//! and the shim is the part built with and without sanitizers).
//!
//! Panics: every crate linking this one builds with `panic = "abort"`, so no
//! panic unwinds into C.

pub mod c_waker;
pub mod ffi;
pub mod future;
pub mod rust_waker;
pub mod track;

pub use c_waker::{borrow_as_c, into_c};
pub use ffi::{Hooks, WkRawWaker, WkRawWakerVTable};
pub use future::CFuture;
pub use rust_waker::rust_waker_from_c;
pub use track::{ExecTrack, RunResult};
