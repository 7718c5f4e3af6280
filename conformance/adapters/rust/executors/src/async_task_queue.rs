//! async-task 4.3 with the smallest run queue, the way smol-like executors
//! (async-executor's LocalExecutor, smol's block_on) use it: a task's
//! schedule function pushes its Runnable on a queue, `run` pops and runs
//! them on the driver's thread.  WKC_SPAWN_LOCAL tasks use spawn_local (the
//! task checks it is polled and dropped on the spawning thread), the others
//! spawn.  The queue is behind a mutex because wakers may schedule from any
//! thread.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use async_task::{Runnable, Task};

use wkc_bridge::{CFuture, ExecTrack, RunResult};

use crate::Exec;

type Queue = VecDeque<Runnable>;

type Shared = Arc<Mutex<Queue>>;

struct AsyncTaskExec {
    queue: Shared,
    // The Task handles: dropping one cancels its task, so destroy can drop
    // every unfinished future (a detached task would live on in its wakers).
    tasks: Vec<Task<()>>,
}

pub(crate) fn create() -> Box<dyn Exec> {
    Box::new(AsyncTaskExec {
        queue: Arc::new(Mutex::new(Queue::default())),
        tasks: Vec::new(),
    })
}

fn lock(q: &Shared) -> std::sync::MutexGuard<'_, Queue> {
    q.lock().unwrap_or_else(|e| e.into_inner())
}

/// The schedule function every task gets: push on the queue.  After
/// destroy began it still pushes (destroy drains the queue until empty);
/// it never drops a Runnable itself, which would drop a future inside the
/// waker call that scheduled it.
fn schedule_fn(q: Shared) -> impl Fn(Runnable) + Send + Sync + 'static {
    move |r: Runnable| lock(&q).push_back(r)
}

impl Exec for AsyncTaskExec {
    fn accepts(&self, _local: bool) -> bool {
        true
    }

    fn spawn(&mut self, fut: CFuture, local: bool) {
        let schedule = schedule_fn(self.queue.clone());
        let (runnable, task) = if local {
            async_task::spawn_local(fut, schedule)
        } else {
            async_task::spawn(fut, schedule)
        };
        runnable.schedule();
        // Finished tasks are forgotten now and then, not on every spawn.
        if self.tasks.len() >= 64 && self.tasks.len().is_power_of_two() {
            self.tasks.retain(|t| !t.is_finished());
        }
        self.tasks.push(task);
    }

    fn run(&mut self, track: &Arc<ExecTrack>, deadline: Instant) -> RunResult {
        loop {
            let next = lock(&self.queue).pop_front();
            match next {
                Some(r) => {
                    r.run();
                }
                None => {
                    if track.idle() {
                        return RunResult::Idle;
                    }
                    // A wake counted but not yet pushed: look again.
                    std::thread::yield_now();
                }
            }
            if Instant::now() >= deadline {
                return RunResult::Timeout;
            }
        }
    }

    fn cores(&self) -> u32 {
        1
    }
}

impl Drop for AsyncTaskExec {
    fn drop(&mut self) {
        // Drop what the queue holds (each Runnable drops its future), then
        // cancel the rest: dropping the Task of a task that is neither
        // scheduled nor running schedules it one last time, closed, and
        // dropping that Runnable drops its future.  Futures' drops may wake
        // other tasks, which schedules them again: drain until empty, each
        // batch dropped outside the lock.  After this every task is closed,
        // and async-task ignores wakes of closed tasks.
        loop {
            let batch: Vec<Runnable> = lock(&self.queue).drain(..).collect();
            if batch.is_empty() && self.tasks.is_empty() {
                break;
            }
            drop(batch);
            self.tasks.clear();
        }
    }
}
