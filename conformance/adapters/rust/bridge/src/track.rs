//! Idleness: which bridged tasks an executor still owes a poll.
//!
//! The adapter ABI's `run` returns WKC_RUN_IDLE when every task is complete
//! or pending with no wake outstanding.  None of the Rust executors says
//! that (tokio has no "queue empty" query; a multi-thread pool's queues are
//! its workers'), so the bridge keeps it per task, from what it sees: every
//! wake of a bridged task goes through the C vtable of c_waker.rs, and every
//! poll through CFuture.  A task owes a poll while it was never polled, while
//! it is being polled, or when a wake came after its last poll began; it
//! owes its drop from its Ready until the executor dropped it.
//!
//! Wakes find their task by the waker's data pointer (the executor's task
//! pointer, stable for the task's life: a task's memory is reused only after
//! its last waker is gone).  A wake whose pointer is unknown (a finished
//! task) owes nothing.  The table is behind one mutex: a wake holds it for a
//! hash lookup and never while it calls the executor, so a wake never waits
//! for the executor (WK-EXEC-015).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::os::raw::c_void;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What `run` reports (enum wkc_run_result of wkc/adapter.h).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(i32)]
pub enum RunResult {
    Idle = 0,
    Timeout = 1,
}

const NEW: u8 = 0;
const POLLING: u8 = 1;
const PENDING: u8 = 2;
const READY: u8 = 3; // returned Ready, not dropped yet
const DONE: u8 = 4; // dropped

/// One bridged task.
#[derive(Default)]
pub struct Track {
    wakes: AtomicU64, // wakes seen through the C vtable
    seen: AtomicU64,  // `wakes` when the last poll began
    state: AtomicU8,
}

impl Track {
    /// SeqCst on all three fields: the driver's idleness test reads them
    /// from another thread and must never see "pending, no new wake" for a
    /// task whose wake was counted before the test began.
    fn owes_poll(&self) -> bool {
        match self.state.load(Ordering::SeqCst) {
            // READY owes its drop: the harness judges a run by what it
            // sees when run returns, and the executors drop a finished
            // future right after its last poll.
            NEW | POLLING | READY => true,
            PENDING => self.wakes.load(Ordering::SeqCst) != self.seen.load(Ordering::SeqCst),
            _ => false,
        }
    }

    pub(crate) fn poll_begins(&self) {
        self.state.store(POLLING, Ordering::SeqCst);
        self.seen.store(self.wakes.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    pub(crate) fn poll_ends(&self, ready: bool) {
        self.state
            .store(if ready { READY } else { PENDING }, Ordering::SeqCst);
    }

    pub(crate) fn finish(&self) {
        self.state.store(DONE, Ordering::SeqCst);
    }
}

/// The key is a pointer: no attacker chooses it, and std's SipHash would
/// cost more than the rest of a wake.  Multiplying by an odd constant
/// (Fibonacci hashing) spreads the aligned low bits over the word.
#[derive(Default)]
struct PtrHasher(u64);

impl Hasher for PtrHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type Table = HashMap<usize, Arc<Track>, BuildHasherDefault<PtrHasher>>;

/// data pointer -> task, for every bridged task that was polled.
static BY_DATA: Mutex<Option<Table>> = Mutex::new(None);

/// Count a wake of the task whose waker data pointer is `data`.
pub(crate) fn note_wake(data: *const c_void) {
    let t = {
        let map = BY_DATA.lock().unwrap_or_else(|e| e.into_inner());
        map.as_ref().and_then(|m| m.get(&(data as usize)).cloned())
    };
    if let Some(t) = t {
        t.wakes.fetch_add(1, Ordering::SeqCst);
    }
}

/// Key `t` by `data` (the waker of its current poll).
pub(crate) fn register(data: *const c_void, t: &Arc<Track>) {
    let mut map = BY_DATA.lock().unwrap_or_else(|e| e.into_inner());
    map.get_or_insert_with(Table::default)
        .insert(data as usize, t.clone());
}

/// Forget `data` if it still names `t`.
pub(crate) fn unregister(data: *const c_void, t: &Arc<Track>) {
    let mut map = BY_DATA.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(m) = map.as_mut() {
        if m.get(&(data as usize)).map_or(false, |x| Arc::ptr_eq(x, t)) {
            m.remove(&(data as usize));
        }
        // An empty table is freed: a process that exits with every task
        // gone holds no allocation of the bridge (Valgrind's leak check
        // does not count a static of a dlopen'ed library as a root).
        if m.is_empty() {
            *map = None;
        }
    }
}

/// The bridged tasks of one executor.
#[derive(Default)]
pub struct ExecTrack {
    tasks: Mutex<Vec<Arc<Track>>>,
}

impl ExecTrack {
    pub fn new() -> Arc<ExecTrack> {
        Arc::new(ExecTrack::default())
    }

    pub(crate) fn add(&self) -> Arc<Track> {
        let t = Arc::new(Track::default());
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(t.clone());
        t
    }

    /// True when no task owes a poll; finished tasks are forgotten here.
    pub fn idle(&self) -> bool {
        let mut tasks = self.tasks.lock().unwrap_or_else(|e| e.into_inner());
        tasks.retain(|t| t.state.load(Ordering::SeqCst) != DONE);
        !tasks.iter().any(|t| t.owes_poll())
    }

    /// For executors with threads of their own: wait until idle or the
    /// deadline.  Looks every 20 us at first, backing off to 1 ms: a wait
    /// that a short run needs is short, a long one costs little CPU.
    pub fn wait_idle(&self, deadline: Instant) -> RunResult {
        let mut nap = Duration::from_micros(20);
        loop {
            if self.idle() {
                return RunResult::Idle;
            }
            let now = Instant::now();
            if now >= deadline {
                return RunResult::Timeout;
            }
            std::thread::sleep(nap.min(deadline - now));
            nap = (nap * 2).min(Duration::from_millis(1));
        }
    }
}

/// The deadline `timeout_ns` from now (saturating).
pub fn deadline_in(timeout_ns: u64) -> Instant {
    let now = Instant::now();
    now.checked_add(Duration::from_nanos(timeout_ns))
        .unwrap_or(now + Duration::from_secs(86400 * 365))
}
