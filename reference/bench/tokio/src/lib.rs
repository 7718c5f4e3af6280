//! wk_bench_tokio: the single-core workloads of wk_tpc_bench (../../tpc_bench.c)
//! run on tokio's current_thread runtime, so that wk_tpc_bench can time the
//! reference runtime and tokio side by side in one run of one process.
//!
//! Each workload is shaped like its C twin: the same task counts, the same
//! wake pattern, futures written by hand with poll functions where the C side
//! has a poll function.
//!
//!   self_wake       one task polled N + 1 times; each poll wakes itself with
//!                   cx.waker().wake_by_ref() and returns Pending (a yield loop).
//!   clone_wake      the same, but each poll clones the waker and wakes the
//!                   clone by value (a reactor registering and firing).
//!   pingpong        two tasks on one core, each holding a clone of the other's
//!                   waker; each poll wakes the other.  Side 0 spawns side 1 in
//!                   its first poll and awaits side 1's JoinHandle at the end.
//!   spawn_complete  a task spawns tasks that complete in their first poll,
//!                   256 at a time, and awaits each JoinHandle in order,
//!                   dropping it as soon as it is ready.
//!
//! Like wk_tpc_block_on(rt, 0, ...) on the C side, every workload runs as a
//! SPAWNED task (the task-waker path, not block_on's own waker) on a runtime
//! thread pinned to the first CPU the process may use, which is where the
//! reference runtime pins its core 0; the calling thread hands the workload
//! over and waits for the result.
//!
//! Every entry point returns the number of operations it performed and
//! verified (0 when anything went wrong), like the C cases, so the same
//! driver times both sides; see bench_tokio.h for the C declarations.

use std::future::Future;
use std::os::raw::c_int;
use std::pin::Pin;
use std::sync::mpsc;
use std::task::{Context, Poll, Waker};
use std::thread;

use tokio::runtime::{Builder, Runtime};
use tokio::task::JoinHandle;

/// Children spawned per batch by spawn_complete (SPAWN_BATCH in tpc_bench.c).
const SPAWN_BATCH: u64 = 256;

// ---- self-wake ------------------------------------------------------------

struct SelfWake {
    left: u64,
    polls: u64,
    clone: bool,
}

impl Future for SelfWake {
    type Output = u64; // polls performed

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        self.polls += 1;
        if self.left == 0 {
            return Poll::Ready(self.polls);
        }
        self.left -= 1;
        if self.clone {
            let w = cx.waker().clone();
            w.wake();
        } else {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    }
}

fn run_self_wake(rt: &Runtime, iters: u64, clone: bool) -> u64 {
    let task = SelfWake {
        left: iters,
        polls: 0,
        clone,
    };
    match rt.block_on(async move { tokio::spawn(task).await }) {
        Ok(polls) if polls == iters + 1 => iters,
        _ => 0,
    }
}

// ---- ping-pong on one core ------------------------------------------------

struct PpShared {
    left: u64,  // wakes still to do
    wakes: u64, // wakes done
    w: [Option<Waker>; 2],
}

/// The two sides share one PpShared through a raw pointer.
#[derive(Clone, Copy)]
struct SharedPtr(*mut PpShared);

// SAFETY: tokio::spawn asks for Send because a multi-thread runtime may move
// a task between threads.  A current_thread runtime polls every task on the
// thread inside block_on, one poll at a time, so both sides only touch the
// PpShared from that thread and never at once.  It outlives both of them:
// block_on returns only after side 0 completed, and side 0 completes only
// after side 1 did.
unsafe impl Send for SharedPtr {}

struct PpSide {
    pp: SharedPtr,
    me: usize,
    partner: Option<JoinHandle<bool>>, // side 0 joins side 1 before it finishes
    failed: bool,
}

fn pp_wake_other(pp: &mut PpShared, other: usize) {
    pp.wakes += 1;
    if let Some(w) = &pp.w[other] {
        w.wake_by_ref();
    }
}

impl Future for PpSide {
    type Output = bool; // true: both sides ran to the end

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<bool> {
        let this = &mut *self;
        // SAFETY: see SharedPtr; no other reference to it is live while a
        // side is being polled.
        let pp = unsafe { &mut *this.pp.0 };
        let me = this.me;
        let other = 1 - me;
        if pp.w[me].is_none() {
            pp.w[me] = Some(cx.waker().clone());
            if me == 0 {
                let side1 = PpSide {
                    pp: this.pp,
                    me: 1,
                    partner: None,
                    failed: false,
                };
                this.partner = Some(tokio::spawn(side1));
                return Poll::Pending; // side 1 wakes us once it has our waker
            }
            pp_wake_other(pp, other);
            return Poll::Pending;
        }
        if pp.left > 0 {
            pp.left -= 1;
            pp_wake_other(pp, other);
            if pp.left > 0 {
                return Poll::Pending;
            }
        }
        // Done: side 1 ends; side 0 waits for it, so nothing outlives the round.
        if me == 1 {
            return Poll::Ready(true);
        }
        if let Some(join) = this.partner.as_mut() {
            match Pin::new(join).poll(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(r) => this.failed |= !matches!(r, Ok(true)),
            }
            this.partner = None;
        }
        // Both sides' wakers were cloned on this thread: release them here.
        pp.w = [None, None];
        Poll::Ready(!this.failed)
    }
}

fn run_pingpong(rt: &Runtime, iters: u64) -> u64 {
    let raw = Box::into_raw(Box::new(PpShared {
        left: iters,
        wakes: 0,
        w: [None, None],
    }));
    let side0 = PpSide {
        pp: SharedPtr(raw),
        me: 0,
        partner: None,
        failed: false,
    };
    let res = rt.block_on(async move { tokio::spawn(side0).await });
    // SAFETY: both sides are complete (side 0 joined side 1), so no pointer
    // to the PpShared is used again.
    let pp = unsafe { Box::from_raw(raw) };
    let ok = matches!(res, Ok(true)) && pp.w.iter().all(Option::is_none) && pp.wakes >= iters;
    if ok {
        pp.wakes
    } else {
        0
    }
}

// ---- spawn to completion --------------------------------------------------

/// A task that completes in its first poll.
struct Child;

impl Future for Child {
    type Output = ();

    fn poll(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<()> {
        Poll::Ready(())
    }
}

struct Spawner {
    left: u64,
    done: u64,
    joins: Vec<Option<JoinHandle<()>>>,
    next: usize,
    failed: bool,
}

impl Future for Spawner {
    type Output = Option<u64>; // children joined, None when one failed

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<u64>> {
        let s = &mut *self;
        loop {
            if s.next == s.joins.len() {
                if s.left == 0 {
                    return Poll::Ready(if s.failed { None } else { Some(s.done) });
                }
                let n = s.left.min(SPAWN_BATCH);
                s.joins.clear();
                for _ in 0..n {
                    s.joins.push(Some(tokio::spawn(Child)));
                }
                s.left -= n;
                s.next = 0;
            }
            while s.next < s.joins.len() {
                if let Some(join) = s.joins[s.next].as_mut() {
                    match Pin::new(join).poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(r) => s.failed |= r.is_err(),
                    }
                }
                s.joins[s.next] = None; // drop the handle, as the C side drops its join
                s.next += 1;
                s.done += 1;
            }
        }
    }
}

fn run_spawn_complete(rt: &Runtime, iters: u64) -> u64 {
    let spawner = Spawner {
        left: iters,
        done: 0,
        joins: Vec::with_capacity(SPAWN_BATCH as usize),
        next: 0,
        failed: false,
    };
    let res = rt.block_on(async move {
        let join = tokio::spawn(spawner);
        join.await
    });
    match res {
        Ok(Some(done)) if done == iters => done,
        _ => 0,
    }
}

// ---- the runtime thread ---------------------------------------------------

#[derive(Clone, Copy)]
enum Workload {
    SelfWake,
    CloneWake,
    PingPong,
    SpawnComplete,
}

/// Pin the calling thread to the first CPU of its allowed set (the CPU the
/// reference runtime gives its core 0).  Returns that CPU, or -1.
fn pin_first_allowed_cpu() -> c_int {
    // SAFETY: plain libc calls on a zeroed cpu_set_t owned by this frame.
    unsafe {
        let mut allowed: libc::cpu_set_t = std::mem::zeroed();
        let size = std::mem::size_of::<libc::cpu_set_t>();
        if libc::sched_getaffinity(0, size, &mut allowed) != 0 {
            return -1;
        }
        for cpu in 0..libc::CPU_SETSIZE as usize {
            if libc::CPU_ISSET(cpu, &allowed) {
                let mut one: libc::cpu_set_t = std::mem::zeroed();
                libc::CPU_ZERO(&mut one);
                libc::CPU_SET(cpu, &mut one);
                if libc::sched_setaffinity(0, size, &one) != 0 {
                    return -1;
                }
                return cpu as c_int;
            }
        }
    }
    -1
}

fn runtime_thread(
    ready: mpsc::Sender<Option<c_int>>,
    jobs: mpsc::Receiver<(Workload, u64)>,
    results: mpsc::Sender<u64>,
) {
    let cpu = pin_first_allowed_cpu();
    let rt = match Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(_) => {
            let _ = ready.send(None);
            return;
        }
    };
    if ready.send(Some(cpu)).is_err() {
        return;
    }
    while let Ok((workload, iters)) = jobs.recv() {
        let done = match workload {
            Workload::SelfWake => run_self_wake(&rt, iters, false),
            Workload::CloneWake => run_self_wake(&rt, iters, true),
            Workload::PingPong => run_pingpong(&rt, iters),
            Workload::SpawnComplete => run_spawn_complete(&rt, iters),
        };
        if results.send(done).is_err() {
            return;
        }
    }
}

/// Opaque to C: the runtime thread and the channels to it.
pub struct WkBenchTokio {
    jobs: Option<mpsc::Sender<(Workload, u64)>>,
    results: mpsc::Receiver<u64>,
    thread: Option<thread::JoinHandle<()>>,
}

impl WkBenchTokio {
    fn run(&self, workload: Workload, iters: u64) -> u64 {
        match &self.jobs {
            Some(jobs) if jobs.send((workload, iters)).is_ok() => self.results.recv().unwrap_or(0),
            _ => 0,
        }
    }
}

// ---- the C interface (bench_tokio.h) --------------------------------------
//
// # Safety (every function below)
// `cpu` is NULL or points to a writable int; `b` is NULL or a pointer
// returned by wk_bench_tokio_create and not yet passed to
// wk_bench_tokio_destroy; the functions are called from one thread at a time.

/// Start the runtime thread (pinned, see pin_first_allowed_cpu) and build a
/// current_thread runtime on it.  Call it before the calling thread pins
/// itself, so the new thread inherits the full CPU mask.  *cpu receives the
/// CPU it was pinned to, or -1.  Returns NULL on failure.
///
/// # Safety
/// See "Safety (every function below)" above.
#[no_mangle]
pub unsafe extern "C" fn wk_bench_tokio_create(cpu: *mut c_int) -> *mut WkBenchTokio {
    let (ready_tx, ready_rx) = mpsc::channel();
    let (jobs_tx, jobs_rx) = mpsc::channel();
    let (results_tx, results_rx) = mpsc::channel();
    let spawned = thread::Builder::new()
        .name("wk-tokio-rt".into())
        .spawn(move || runtime_thread(ready_tx, jobs_rx, results_tx));
    let handle = match spawned {
        Ok(h) => h,
        Err(_) => return std::ptr::null_mut(),
    };
    match ready_rx.recv() {
        Ok(Some(pinned)) => {
            if !cpu.is_null() {
                *cpu = pinned;
            }
            Box::into_raw(Box::new(WkBenchTokio {
                jobs: Some(jobs_tx),
                results: results_rx,
                thread: Some(handle),
            }))
        }
        _ => {
            drop(jobs_tx);
            let _ = handle.join();
            std::ptr::null_mut()
        }
    }
}

/// Stop the runtime thread (its runtime is dropped there) and free `b`.
///
/// # Safety
/// See "Safety (every function below)" above.
#[no_mangle]
pub unsafe extern "C" fn wk_bench_tokio_destroy(b: *mut WkBenchTokio) {
    if b.is_null() {
        return;
    }
    let mut b = Box::from_raw(b);
    b.jobs = None; // the thread's recv() fails and it returns
    if let Some(t) = b.thread.take() {
        let _ = t.join();
    }
}

/// Self-wake yield loop, `iters` wakes by reference.  Returns iters or 0.
///
/// # Safety
/// See "Safety (every function below)" above.
#[no_mangle]
pub unsafe extern "C" fn wk_bench_tokio_self_wake(b: *const WkBenchTokio, iters: u64) -> u64 {
    b.as_ref().map_or(0, |b| b.run(Workload::SelfWake, iters))
}

/// Self-wake through a clone woken by value, `iters` times.  Returns iters or 0.
///
/// # Safety
/// See "Safety (every function below)" above.
#[no_mangle]
pub unsafe extern "C" fn wk_bench_tokio_clone_wake(b: *const WkBenchTokio, iters: u64) -> u64 {
    b.as_ref().map_or(0, |b| b.run(Workload::CloneWake, iters))
}

/// Ping-pong of two tasks, `iters` exchanges.  Returns the wakes performed
/// (iters + 1: side 1's first wake starts the exchange) or 0.
///
/// # Safety
/// See "Safety (every function below)" above.
#[no_mangle]
pub unsafe extern "C" fn wk_bench_tokio_pingpong(b: *const WkBenchTokio, iters: u64) -> u64 {
    b.as_ref().map_or(0, |b| b.run(Workload::PingPong, iters))
}

/// Spawn `iters` tasks that complete at once, 256 at a time, joining each.
/// Returns iters or 0.
///
/// # Safety
/// See "Safety (every function below)" above.
#[no_mangle]
pub unsafe extern "C" fn wk_bench_tokio_spawn_complete(b: *const WkBenchTokio, iters: u64) -> u64 {
    b.as_ref()
        .map_or(0, |b| b.run(Workload::SpawnComplete, iters))
}
