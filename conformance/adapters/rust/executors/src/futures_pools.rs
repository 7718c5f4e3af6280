//! futures-executor 0.3.21: LocalPool and ThreadPool.
//!
//! LocalPool polls on the driver's thread: `run` is `run_until` of a future
//! that yields to the pool until the bridge says no task owes a poll, or the
//! deadline (run_until_stalled would not return while a task keeps waking
//! itself).  ThreadPool polls on its own threads; `run` waits.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use futures_executor::{LocalPool, LocalSpawner, ThreadPool};
use futures_task::{LocalFutureObj, LocalSpawn};

use wkc_bridge::{CFuture, ExecTrack, RunResult};

use crate::Exec;

struct UntilIdle {
    track: Arc<ExecTrack>,
    deadline: Instant,
    first: bool,
}

impl Future for UntilIdle {
    type Output = RunResult;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<RunResult> {
        // run_until polls this first, then the pool: the first poll yields
        // so that the test follows a pass over the pool.
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

struct Local {
    pool: LocalPool,
    spawner: LocalSpawner,
}

pub(crate) fn local_pool() -> Box<dyn Exec> {
    let pool = LocalPool::new();
    let spawner = pool.spawner();
    Box::new(Local { pool, spawner })
}

impl Exec for Local {
    fn accepts(&self, _local: bool) -> bool {
        true
    }
    fn spawn(&mut self, fut: CFuture, _local: bool) {
        // Every LocalPool task is local: spawn_local_obj for both kinds.
        // It fails only after the pool is gone, which it is not here; a
        // failure drops the future, as the pool's own spawn_local does.
        let _ = self
            .spawner
            .spawn_local_obj(LocalFutureObj::new(Box::new(fut)));
    }
    fn run(&mut self, track: &Arc<ExecTrack>, deadline: Instant) -> RunResult {
        self.pool.run_until(UntilIdle {
            track: track.clone(),
            deadline,
            first: true,
        })
    }
    fn cores(&self) -> u32 {
        1
    }
}

struct Threads {
    pool: ThreadPool,
    threads: u32,
}

pub(crate) fn thread_pool(threads: u32) -> Result<Box<dyn Exec>, String> {
    let pool = ThreadPool::builder()
        .pool_size(threads as usize)
        .name_prefix("wkc-futures-pool-")
        .create()
        .map_err(|e| format!("futures ThreadPool: {}", e))?;
    Ok(Box::new(Threads { pool, threads }))
}

impl Exec for Threads {
    fn accepts(&self, local: bool) -> bool {
        !local
    }
    fn spawn(&mut self, fut: CFuture, _local: bool) {
        self.pool.spawn_ok(fut);
    }
    fn run(&mut self, track: &Arc<ExecTrack>, deadline: Instant) -> RunResult {
        track.wait_idle(deadline)
    }
    fn cores(&self) -> u32 {
        self.threads
    }
}
