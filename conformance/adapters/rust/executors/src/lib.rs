//! wkc_rust_executors: one thin adapter per Rust executor family, behind the
//! C interface the shim (../../shim/rust_adapter.c) builds its wkc_adapter
//! table on.  Each module maps create / spawn / run / destroy onto its
//! executor's public API and nothing else; the bridge (wkc_bridge) turns the
//! harness's futures and the executor's wakers into each other.
//!
//!   kind  adapter                 executor
//!   0     tokio.current_thread    tokio::runtime::Builder::new_current_thread
//!   1     tokio.multi_thread      Builder::new_multi_thread, 2 workers
//!   2     tokio.local_set         current_thread + LocalSet (spawn_local)
//!   3     async_task              async-task spawn / spawn_local + a run queue
//!   4     futures.local_pool      futures-executor LocalPool
//!   5     futures.thread_pool     futures-executor ThreadPool, 2 threads
//!
//! Panics abort (panic = "abort" in the workspace profile): none unwinds
//! into C.

use std::os::raw::{c_char, c_int, c_void};
use std::sync::Arc;
use std::time::Instant;

use wkc_bridge::{CFuture, ExecTrack, RunResult};

mod async_task_queue;
mod fanin;
mod futures_pools;
mod tokio_rt;

/// What a family implements.  `spawn` gets the future already wrapped;
/// refusals are decided before wrapping (`accepts`), because a CFuture
/// dropped by a refusing adapter would drop a future the caller still owns.
trait Exec {
    fn accepts(&self, local: bool) -> bool;
    fn spawn(&mut self, fut: CFuture, local: bool);
    /// Drive (or wait for) the executor until `track` is idle or the deadline.
    fn run(&mut self, track: &Arc<ExecTrack>, deadline: Instant) -> RunResult;
    fn cores(&self) -> u32;
}

/// Opaque to C.
pub struct WkcRustExec {
    exec: Box<dyn Exec>,
    track: Arc<ExecTrack>,
}

fn write_err(err: *mut c_char, errlen: usize, msg: &str) {
    if err.is_null() || errlen == 0 {
        return;
    }
    let n = msg.len().min(errlen - 1);
    // SAFETY: err has errlen writable bytes (adapter.h create contract).
    unsafe {
        std::ptr::copy_nonoverlapping(msg.as_ptr(), err as *mut u8, n);
        *err.add(n) = 0;
    }
}

/// Install the C side's hooks (wkc_bridge::Hooks) before the first create.
///
/// # Safety
/// hooks points to a static table.
#[no_mangle]
pub unsafe extern "C" fn wkc_rust_set_hooks(hooks: *const wkc_bridge::Hooks) {
    wkc_bridge::ffi::set_hooks(hooks)
}

/// The bridge's C-waker-as-Rust-Waker direction, for tests/test_bridge.c
/// (see wkc_bridge::rust_waker::exercise).
///
/// # Safety
/// As wkc_bridge::rust_waker::exercise.
#[no_mangle]
pub unsafe extern "C" fn wkc_rust_bridge_exercise(
    raw: wkc_bridge::WkRawWaker,
    ops: *const c_char,
) -> usize {
    wkc_bridge::rust_waker::exercise(raw, ops)
}

/// Make an executor of `kind` with `cores` threads (0: the family's
/// default).  NULL and a reason in err on failure.
///
/// # Safety
/// err points to errlen writable bytes.
#[no_mangle]
pub unsafe extern "C" fn wkc_rust_create(
    kind: c_int,
    cores: u32,
    err: *mut c_char,
    errlen: usize,
) -> *mut WkcRustExec {
    let made: Result<Box<dyn Exec>, String> = match kind {
        0 => tokio_rt::current_thread(),
        1 => tokio_rt::multi_thread(if cores == 0 { 2 } else { cores }),
        2 => tokio_rt::local_set(),
        3 => Ok(async_task_queue::create()),
        4 => Ok(futures_pools::local_pool()),
        5 => futures_pools::thread_pool(if cores == 0 { 2 } else { cores }),
        _ => Err(format!("unknown Rust executor kind {}", kind)),
    };
    match made {
        Ok(exec) => Box::into_raw(Box::new(WkcRustExec {
            exec,
            track: ExecTrack::new(),
        })),
        Err(msg) => {
            write_err(err, errlen, &msg);
            std::ptr::null_mut()
        }
    }
}

/// Shut the executor down: its own teardown drops the futures it still
/// owns (or, for an executor that leaves that to the wakers, does not: the
/// harness judges it).
///
/// # Safety
/// ex comes from wkc_rust_create and is not used again.
#[no_mangle]
pub unsafe extern "C" fn wkc_rust_destroy(ex: *mut WkcRustExec) {
    if !ex.is_null() {
        drop(Box::from_raw(ex));
    }
}

/// Spawn the C future `fut` (a wk_future *).  0, or -1 when refused (the
/// future then still belongs to the caller).
///
/// # Safety
/// ex from wkc_rust_create; fut a valid wk_future * handed over on success.
#[no_mangle]
pub unsafe extern "C" fn wkc_rust_spawn(ex: *mut WkcRustExec, fut: *mut c_void, local: c_int) -> c_int {
    let ex = &mut *ex;
    let local = local != 0;
    if fut.is_null() || !ex.exec.accepts(local) {
        return -1;
    }
    let f = CFuture::new(fut, &ex.track);
    ex.exec.spawn(f, local);
    0
}

/// Drive until idle (0, WKC_RUN_IDLE) or timeout_ns passed (1, WKC_RUN_TIMEOUT).
///
/// # Safety
/// ex from wkc_rust_create.
#[no_mangle]
pub unsafe extern "C" fn wkc_rust_run(ex: *mut WkcRustExec, timeout_ns: u64) -> c_int {
    let ex = &mut *ex;
    let deadline = wkc_bridge::track::deadline_in(timeout_ns);
    ex.exec.run(&ex.track, deadline) as c_int
}

/// Threads that poll tasks.
///
/// # Safety
/// ex from wkc_rust_create.
#[no_mangle]
pub unsafe extern "C" fn wkc_rust_core_count(ex: *mut WkcRustExec) -> u32 {
    (*ex).exec.cores()
}
