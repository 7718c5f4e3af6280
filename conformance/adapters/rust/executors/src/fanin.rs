//! The Rust side of wk_exec_bench's fan-in rows (reference/bench/exec_bench.c):
//! a JoinWaker-shaped workload on Rust's own combinators, FuturesUnordered and
//! join_all, on a tokio current_thread runtime.  Pure Rust: no bridge, no C
//! future, so the figures are those of the combinators and the runtime.
//!
//! The shape is the one of reference/bench/join_bench.c and of the C rows:
//! a parent task holds a fan-in of 64 children; each child keeps its
//! context's waker (refreshed only when it would not wake the same task, as
//! clone_from does) and returns Pending.  The first poll of the parent polls
//! every child; every later poll wakes k children through the wakers they
//! kept (rotating the start by 7), polls the fan-in once (which polls the
//! woken children), and wakes itself.  One operation is one such round.

use std::cell::RefCell;
use std::future::Future;
use std::os::raw::c_int;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use futures_util::future::{join_all, JoinAll};
use futures_util::stream::{FuturesUnordered, Stream};

const CHILDREN: usize = 64;

type Slots = Rc<RefCell<Vec<Option<Waker>>>>;

struct Child {
    slots: Slots,
    me: usize,
    polls: Rc<RefCell<u64>>,
}

impl Future for Child {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut slots = self.slots.borrow_mut();
        match &slots[self.me] {
            Some(w) if w.will_wake(cx.waker()) => {}
            _ => slots[self.me] = Some(cx.waker().clone()),
        }
        *self.polls.borrow_mut() += 1;
        Poll::Pending
    }
}

enum FanIn {
    Unordered(FuturesUnordered<Child>),
    JoinAll(JoinAll<Child>),
}

struct Parent {
    fan: FanIn,
    slots: Slots,
    k: usize,
    start: usize,
    rounds: u64,
    done: u64,
    started: bool,
}

impl Parent {
    fn poll_fan(&mut self, cx: &mut Context<'_>) {
        match &mut self.fan {
            FanIn::Unordered(fu) => {
                let _ = Pin::new(fu).poll_next(cx);
            }
            FanIn::JoinAll(ja) => {
                let _ = Pin::new(ja).poll(cx);
            }
        }
    }
}

impl Future for Parent {
    type Output = u64;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<u64> {
        let this = &mut *self;
        if !this.started {
            this.started = true;
            this.poll_fan(cx);
        } else {
            if this.done == this.rounds {
                return Poll::Ready(this.done);
            }
            {
                let slots = this.slots.borrow();
                for j in 0..this.k {
                    if let Some(w) = &slots[(this.start + j) % CHILDREN] {
                        w.wake_by_ref();
                    }
                }
            }
            this.start = (this.start + 7) % CHILDREN;
            this.poll_fan(cx);
            this.done += 1;
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// Run `rounds` fan-in rounds waking `k` of 64 children each, on a fresh
/// tokio current_thread runtime, with FuturesUnordered (`mode` 0) or
/// join_all (`mode` 1).  Returns the rounds done, 0 when the children were
/// not polled k times per round (the work was skipped) or on failure.
#[no_mangle]
pub extern "C" fn wkc_rust_bench_fanin(mode: c_int, k: u32, rounds: u64) -> u64 {
    let k = (k as usize).min(CHILDREN);
    let rt = match tokio::runtime::Builder::new_current_thread().build() {
        Ok(rt) => rt,
        Err(_) => return 0,
    };
    let local = tokio::task::LocalSet::new();
    let slots: Slots = Rc::new(RefCell::new(vec![None; CHILDREN]));
    let polls = Rc::new(RefCell::new(0u64));
    let children = (0..CHILDREN).map(|me| Child {
        slots: slots.clone(),
        me,
        polls: polls.clone(),
    });
    let fan = match mode {
        0 => FanIn::Unordered(children.collect()),
        1 => FanIn::JoinAll(join_all(children)),
        _ => return 0,
    };
    let parent = Parent {
        fan,
        slots,
        k,
        start: 0,
        rounds,
        done: 0,
        started: false,
    };
    // A spawned task, as the C rows' parent is: spawn_local, since the
    // children share Rc state.
    let done = local.block_on(&rt, async move {
        tokio::task::spawn_local(parent).await.unwrap_or(0)
    });
    let polled = *polls.borrow();
    if done == rounds && polled >= CHILDREN as u64 + rounds * k as u64 {
        done
    } else {
        0
    }
}
