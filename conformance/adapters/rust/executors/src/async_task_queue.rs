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

#[derive(Default)]
struct Queue {
    runnables: VecDeque<Runnable>,
    closed: bool,
}

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

fn schedule_fn(q: Shared) -> impl Fn(Runnable) + Send + Sync + 'static {
    move |r: Runnable| {
        let refused = {
            let mut g = lock(&q);
            if g.closed {
                Some(r)
            } else {
                g.runnables.push_back(r);
                None
            }
        };
        // After destroy: dropping the Runnable drops the future (outside
        // the lock: a future's drop may wake other tasks).
        drop(refused);
    }
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
            let next = lock(&self.queue).runnables.pop_front();
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
        // Close the queue, then drop what it held: each Runnable drops its
        // future.  Then cancel the rest: dropping a Task of a task that is
        // neither scheduled nor running schedules it one last time, and the
        // closed queue's schedule function drops it (and its future) there.
        let pending: Vec<Runnable> = {
            let mut g = lock(&self.queue);
            g.closed = true;
            g.runnables.drain(..).collect()
        };
        drop(pending);
        self.tasks.clear();
    }
}
