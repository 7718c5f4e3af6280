//! A Rust `Waker` seen from C, without a wrapper.
//!
//! A Rust waker is a (data pointer, `&'static RawWakerVTable`) pair, like a
//! C `wk_raw_waker`.  The C raw waker the bridge hands out keeps the Rust
//! data pointer as is and replaces the Rust vtable by a C vtable that
//! rebuilds the Rust waker and calls it.  C function pointers get only the
//! data pointer, so each Rust vtable seen gets a C vtable of its own: a slot
//! among [`SLOTS`], whose four functions are instantiated for that slot
//! index (const generics) and read the Rust vtable from it.  An executor has
//! a handful of waker vtables (tokio one per scheduler, async-task one per
//! task type), so a few slots suffice; running out aborts with a message.
//!
//! What this buys: a C clone is the executor's clone, a C drop its drop;
//! two C wakers are `will_wake`-equal exactly when the Rust wakers are
//! (same data pointer, same vtable), so WK-EXEC-020 and the will_wake
//! behaviour the harness reports are the executor's own; no allocation.
//!
//! Rust 1.63 (Debian 12) has no accessor for a waker's data pointer and
//! vtable (`Waker::data` / `Waker::vtable` came in 1.83), so [`parts`] reads
//! them from the waker's two words, after [`layout`] found, once, which word
//! is which by taking apart a waker the bridge built itself.  A layout that
//! is neither order aborts (it would be a new compiler; use the accessors
//! there).

use std::mem::{self, ManuallyDrop};
use std::os::raw::c_void;
use std::process;
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicU8, Ordering};
use std::task::{RawWaker, RawWakerVTable, Waker};

use crate::ffi::{wkc_rust_c_wake_edge, WkRawWaker, WkRawWakerVTable};
use crate::track;

// A waker is exactly two words (checked at compile time).
const _: () = assert!(mem::size_of::<Waker>() == 2 * mem::size_of::<usize>());

const LAYOUT_UNKNOWN: u8 = 0;
const LAYOUT_DATA_FIRST: u8 = 1;
const LAYOUT_VTABLE_FIRST: u8 = 2;
static LAYOUT: AtomicU8 = AtomicU8::new(LAYOUT_UNKNOWN);

unsafe fn probe_clone(p: *const ()) -> RawWaker {
    RawWaker::new(p, &PROBE_VTABLE)
}
unsafe fn probe_noop(_: *const ()) {}
static PROBE_VTABLE: RawWakerVTable =
    RawWakerVTable::new(probe_clone, probe_noop, probe_noop, probe_noop);

fn fatal(msg: &str) -> ! {
    eprintln!("wakerconf rust bridge: {}", msg);
    process::abort();
}

/// Which of a Waker's two words is the data pointer.  Computed from a waker
/// with known parts; racing first calls compute the same answer, so a
/// relaxed store/load is enough (the value itself is all that is shared).
fn layout() -> u8 {
    let l = LAYOUT.load(Ordering::Relaxed);
    if l != LAYOUT_UNKNOWN {
        return l;
    }
    let data = 0x5a5a_usize as *const ();
    // SAFETY: the probe vtable's functions do nothing with the pointer.
    let w = ManuallyDrop::new(unsafe { Waker::from_raw(RawWaker::new(data, &PROBE_VTABLE)) });
    // SAFETY: a Waker is two words (asserted above); reading them as
    // integers reads no padding.
    let words: [usize; 2] = unsafe { mem::transmute_copy(&*w) };
    let vt = &PROBE_VTABLE as *const RawWakerVTable as usize;
    let l = if words == [data as usize, vt] {
        LAYOUT_DATA_FIRST
    } else if words == [vt, data as usize] {
        LAYOUT_VTABLE_FIRST
    } else {
        fatal("unknown layout of std::task::Waker (not a data pointer and a vtable pointer)");
    };
    LAYOUT.store(l, Ordering::Relaxed);
    l
}

/// The data pointer and vtable of a Rust waker.
pub fn parts(w: &Waker) -> (*const (), &'static RawWakerVTable) {
    let l = layout();
    // SAFETY: see layout().
    let words: [usize; 2] = unsafe { mem::transmute_copy(w) };
    let (d, v) = if l == LAYOUT_DATA_FIRST {
        (words[0], words[1])
    } else {
        (words[1], words[0])
    };
    // SAFETY: the word is the waker's &'static RawWakerVTable.
    (d as *const (), unsafe { &*(v as *const RawWakerVTable) })
}

// ---- the slots: one C vtable per Rust vtable --------------------------------

const NSLOTS: usize = 8;
#[allow(clippy::declare_interior_mutable_const)]
const EMPTY: AtomicPtr<RawWakerVTable> = AtomicPtr::new(ptr::null_mut());
/// The Rust vtable each slot's C vtable stands for; set once, never reset.
static SLOTS: [AtomicPtr<RawWakerVTable>; NSLOTS] = [EMPTY; NSLOTS];

/// The Rust waker behind a C raw waker of slot N.
unsafe fn rebuild<const N: usize>(data: *const c_void) -> Waker {
    // Acquire: pairs with the release in slot_for; the vtable a slot names
    // is static, so only the pointer itself is published.
    let vt = SLOTS[N].load(Ordering::Acquire);
    Waker::from_raw(RawWaker::new(data as *const (), &*vt))
}

unsafe extern "C" fn c_clone<const N: usize>(data: *const c_void) -> WkRawWaker {
    let w = ManuallyDrop::new(rebuild::<N>(data));
    into_c((*w).clone())
}

unsafe extern "C" fn c_wake<const N: usize>(data: *const c_void) {
    // The wake -> poll edge: counted for idleness, then the annotation
    // release, both before the executor's wake publishes the task.
    track::note_wake(data);
    wkc_rust_c_wake_edge(data);
    rebuild::<N>(data).wake();
}

unsafe extern "C" fn c_wake_by_ref<const N: usize>(data: *const c_void) {
    track::note_wake(data);
    wkc_rust_c_wake_edge(data);
    ManuallyDrop::new(rebuild::<N>(data)).wake_by_ref();
}

unsafe extern "C" fn c_drop<const N: usize>(data: *const c_void) {
    drop(rebuild::<N>(data));
}

macro_rules! c_vtable {
    ($n:literal) => {
        WkRawWakerVTable {
            clone: c_clone::<$n>,
            wake: c_wake::<$n>,
            wake_by_ref: c_wake_by_ref::<$n>,
            drop: c_drop::<$n>,
        }
    };
}

static C_VTABLES: [WkRawWakerVTable; NSLOTS] = [
    c_vtable!(0),
    c_vtable!(1),
    c_vtable!(2),
    c_vtable!(3),
    c_vtable!(4),
    c_vtable!(5),
    c_vtable!(6),
    c_vtable!(7),
];

/// The slot standing for a Rust vtable, claimed on first sight.
fn slot_for(vt: &'static RawWakerVTable) -> usize {
    let want = vt as *const RawWakerVTable as *mut RawWakerVTable;
    for (i, slot) in SLOTS.iter().enumerate() {
        let cur = slot.load(Ordering::Acquire);
        if cur == want {
            return i;
        }
        if cur.is_null() {
            // Release: a thread that finds the vtable here may call it.
            match slot.compare_exchange(ptr::null_mut(), want, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return i,
                Err(other) if other == want => return i,
                Err(_) => continue,
            }
        }
    }
    fatal("more than 8 distinct waker vtables: raise NSLOTS in c_waker.rs")
}

/// The C raw waker for a Rust waker, taking ownership of it (the C waker's
/// drop drops it).
pub fn into_c(w: Waker) -> WkRawWaker {
    let r = borrow_as_c(&w);
    mem::forget(w);
    r
}

/// The C raw waker for a Rust waker, borrowed: valid while `w` is, and must
/// not be woken by value or dropped through C (a context's waker is such a
/// borrow).
pub fn borrow_as_c(w: &Waker) -> WkRawWaker {
    let (data, vt) = parts(w);
    WkRawWaker {
        data: data as *const c_void,
        vtable: &C_VTABLES[slot_for(vt)],
    }
}
