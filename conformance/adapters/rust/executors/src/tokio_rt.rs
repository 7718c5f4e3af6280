//! tokio 1.24: current_thread, multi_thread and LocalSet.
//!
//! current_thread and LocalSet poll on the driver's thread, inside `run`:
//! `run` is a block_on of a future that yields to the scheduler (each yield
//! lets it run its queues, local and remote, up to its event interval) until
//! the bridge says no task owes a poll, or the deadline.  multi_thread polls
//! on its workers by itself; `run` waits.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::runtime::{Builder, Runtime};
use tokio::task::LocalSet;

use wkc_bridge::{CFuture, ExecTrack, RunResult};

use crate::Exec;

/// Ready once `track` is idle or the deadline passed; otherwise wakes
/// itself and yields, so the scheduler runs what it has queued first.
struct UntilIdle {
    track: Arc<ExecTrack>,
    deadline: Instant,
    first: bool,
}

impl Future for UntilIdle {
    type Output = RunResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RunResult> {
        // The first poll always yields: tasks spawned or woken before run
        // are in the scheduler's queue, and the idleness test must follow
        // a pass over it.
        if !self.first {
            if self.track.idle() {
                return Poll::Ready(RunResult::Idle);
            }
            if Instant::now() >= self.deadline {
                return Poll::Ready(RunResult::Timeout);
            }
        }
        self.first = false;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

fn until_idle(track: &Arc<ExecTrack>, deadline: Instant) -> UntilIdle {
    UntilIdle {
        track: track.clone(),
        deadline,
        first: true,
    }
}

struct CurrentThread {
    rt: Runtime,
}

pub(crate) fn current_thread() -> Result<Box<dyn Exec>, String> {
    let rt = Builder::new_current_thread()
        .build()
        .map_err(|e| format!("tokio current_thread runtime: {}", e))?;
    Ok(Box::new(CurrentThread { rt }))
}

impl Exec for CurrentThread {
    fn accepts(&self, local: bool) -> bool {
        // tokio::spawn has no local variant without a LocalSet.
        !local
    }
    fn spawn(&mut self, fut: CFuture, _local: bool) {
        drop(self.rt.spawn(fut)); // detached: the runtime owns the task
    }
    fn run(&mut self, track: &Arc<ExecTrack>, deadline: Instant) -> RunResult {
        self.rt.block_on(until_idle(track, deadline))
    }
    fn cores(&self) -> u32 {
        1
    }
}

struct MultiThread {
    rt: Option<Runtime>,
    workers: u32,
}

pub(crate) fn multi_thread(workers: u32) -> Result<Box<dyn Exec>, String> {
    let rt = Builder::new_multi_thread()
        .worker_threads(workers as usize)
        .thread_name("wkc-tokio-worker")
        .build()
        .map_err(|e| format!("tokio multi_thread runtime: {}", e))?;
    Ok(Box::new(MultiThread {
        rt: Some(rt),
        workers,
    }))
}

impl Exec for MultiThread {
    fn accepts(&self, local: bool) -> bool {
        !local
    }
    fn spawn(&mut self, fut: CFuture, _local: bool) {
        if let Some(rt) = &self.rt {
            drop(rt.spawn(fut));
        }
    }
    fn run(&mut self, track: &Arc<ExecTrack>, deadline: Instant) -> RunResult {
        track.wait_idle(deadline)
    }
    fn cores(&self) -> u32 {
        self.workers
    }
}

impl Drop for MultiThread {
    fn drop(&mut self) {
        // Runtime's drop shuts the workers down and drops every task the
        // runtime still owns, waiting for the workers to finish.
        drop(self.rt.take());
    }
}

struct Local {
    // Field order is drop order: the LocalSet (and its local tasks) goes
    // first, on the driver's thread, while the runtime is still there.
    local: LocalSet,
    rt: Runtime,
}

pub(crate) fn local_set() -> Result<Box<dyn Exec>, String> {
    let rt = Builder::new_current_thread()
        .build()
        .map_err(|e| format!("tokio current_thread runtime for the LocalSet: {}", e))?;
    Ok(Box::new(Local {
        local: LocalSet::new(),
        rt,
    }))
}

impl Exec for Local {
    fn accepts(&self, _local: bool) -> bool {
        true
    }
    fn spawn(&mut self, fut: CFuture, local: bool) {
        if local {
            drop(self.local.spawn_local(fut));
        } else {
            drop(self.rt.spawn(fut));
        }
    }
    fn run(&mut self, track: &Arc<ExecTrack>, deadline: Instant) -> RunResult {
        self.local.block_on(&self.rt, until_idle(track, deadline))
    }
    fn cores(&self) -> u32 {
        1
    }
}
