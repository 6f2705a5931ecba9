//! One lane per call: a call's events are delivered one after the other, in the order the
//! stream holds them (initiated, ringing, answered, completed), while different calls'
//! deliveries run side by side.
//!
//! A lane is a task with a queue. It ends after [`IDLE`] without work: it first closes its
//! queue, then delivers what was already queued, so an event handed to a closing lane comes
//! back to [`Lanes::dispatch`], which opens a new lane for it. (A retried event comes back
//! later through JetStream, so it can arrive after newer statuses of its call.)

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{Semaphore, mpsc};
use uuid::Uuid;

/// How long a lane waits for more of its call's events before it ends.
pub const IDLE: Duration = Duration::from_secs(5);

/// The open lanes of one worker.
pub struct Lanes<T> {
    open: HashMap<Uuid, mpsc::UnboundedSender<T>>,
    in_flight: Arc<Semaphore>,
}

impl<T: Send + 'static> Lanes<T> {
    /// Lanes running at most `max_in_flight` deliveries at once in all.
    pub fn new(max_in_flight: usize) -> Lanes<T> {
        Lanes {
            open: HashMap::new(),
            in_flight: Arc::new(Semaphore::new(max_in_flight.max(1))),
        }
    }

    /// Queues `item` on `call`'s lane, opening one that runs `work` on each item if needed.
    pub fn dispatch<W, F>(&mut self, call: Uuid, item: T, work: W)
    where
        W: Fn(T) -> F + Send + Sync + 'static,
        F: Future<Output = ()> + Send + 'static,
    {
        let item = match self.open.get(&call) {
            Some(tx) => match tx.send(item) {
                Ok(()) => return,
                Err(mpsc::error::SendError(item)) => item,
            },
            None => item,
        };
        if self.open.len() >= 1_000 {
            self.open.retain(|_, tx| !tx.is_closed());
        }
        let (tx, rx) = mpsc::unbounded_channel();
        let _ = tx.send(item);
        self.open.insert(call, tx);
        tokio::spawn(run_lane(rx, self.in_flight.clone(), work));
    }
}

async fn run_lane<T, W, F>(mut rx: mpsc::UnboundedReceiver<T>, in_flight: Arc<Semaphore>, work: W)
where
    W: Fn(T) -> F,
    F: Future<Output = ()>,
{
    while let Ok(Some(item)) = tokio::time::timeout(IDLE, rx.recv()).await {
        let Ok(_permit) = in_flight.acquire().await else {
            return;
        };
        work(item).await;
    }
    rx.close();
    while let Ok(item) = rx.try_recv() {
        let Ok(_permit) = in_flight.acquire().await else {
            return;
        };
        work(item).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[tokio::test(start_paused = true)]
    async fn a_calls_items_run_in_order_and_calls_run_side_by_side() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut lanes = Lanes::new(8);
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        for (call, n) in [(a, 1), (b, 1), (a, 2), (b, 2), (a, 3)] {
            let log = log.clone();
            lanes.dispatch(call, (call, n), move |(call, n): (Uuid, u32)| {
                let log = log.clone();
                async move {
                    // Later items of a call would overtake earlier ones if they ran at once.
                    tokio::time::sleep(Duration::from_millis(u64::from(10 * (4 - n)))).await;
                    log.lock().unwrap().push((call, n));
                }
            });
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        let log = log.lock().unwrap().clone();
        let of = |c: Uuid| {
            log.iter()
                .filter(|(x, _)| *x == c)
                .map(|(_, n)| *n)
                .collect::<Vec<_>>()
        };
        assert_eq!(of(a), [1, 2, 3]);
        assert_eq!(of(b), [1, 2]);
        // b's first item finished before a's last: the calls did not wait for each other.
        let pos = |c, n| log.iter().position(|x| *x == (c, n)).unwrap();
        assert!(pos(b, 1) < pos(a, 3));
    }

    #[tokio::test(start_paused = true)]
    async fn an_idle_lane_ends_and_a_new_one_takes_later_items() {
        let count = Arc::new(Mutex::new(0));
        let mut lanes = Lanes::new(1);
        let call = Uuid::from_u128(7);
        let work = {
            let count = count.clone();
            move |_: u32| {
                let count = count.clone();
                async move { *count.lock().unwrap() += 1 }
            }
        };
        lanes.dispatch(call, 1, work.clone());
        tokio::time::sleep(IDLE * 2).await;
        assert!(lanes.open[&call].is_closed(), "the idle lane ended");
        lanes.dispatch(call, 2, work);
        tokio::time::sleep(Duration::from_millis(10)).await;
        assert_eq!(*count.lock().unwrap(), 2);
    }
}
