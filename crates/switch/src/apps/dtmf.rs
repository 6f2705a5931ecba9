//! DTMF arriving on a channel (RFC 4733 from RTP, or SIP INFO): it is announced as a `DTMF`
//! event and kept in the channel's digit buffer, where `play_and_get_digits` and friends
//! read it.

use std::collections::VecDeque;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::Notify;

use crate::channel::handle::ChannelHandle;

/// Digits received and not yet consumed by an application.
#[derive(Debug, Default)]
pub struct DtmfBuffer {
    digits: Mutex<VecDeque<char>>,
    arrived: Notify,
}

impl DtmfBuffer {
    /// Adds a digit and wakes whoever waits for one.
    pub fn push(&self, digit: char) {
        self.digits.lock().push_back(digit);
        self.arrived.notify_waiters();
    }

    /// Takes the oldest digit, if any.
    pub fn pop(&self) -> Option<char> {
        self.digits.lock().pop_front()
    }

    /// Forgets every buffered digit.
    pub fn clear(&self) {
        self.digits.lock().clear();
    }

    /// Whether a digit is waiting.
    pub fn is_empty(&self) -> bool {
        self.digits.lock().is_empty()
    }

    /// Waits up to `timeout` for a digit.
    pub async fn next(&self, timeout: Duration) -> Option<char> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.arrived.notified();
            if let Some(d) = self.pop() {
                return Some(d);
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.pop();
            }
        }
    }
}

impl DtmfBuffer {
    /// Waits (without a time limit) for a digit that `wanted` accepts and takes it, leaving
    /// the other digits in the buffer.
    pub async fn take_matching(&self, wanted: impl Fn(char) -> bool) -> char {
        loop {
            let notified = self.arrived.notified();
            {
                let mut digits = self.digits.lock();
                if let Some(i) = digits.iter().position(|d| wanted(*d))
                    && let Some(d) = digits.remove(i)
                {
                    return d;
                }
            }
            notified.await;
        }
    }
}

/// Announces a digit received on `ch` and buffers it.
pub fn deliver(ch: &ChannelHandle, digit: char, duration_ms: u32) {
    ch.emit(
        "DTMF",
        &[
            ("DTMF-Digit", digit.to_string()),
            ("DTMF-Duration", (duration_ms * 8).to_string()),
            ("DTMF-Source", "RTP".into()),
        ],
    );
    ch.dtmf.push(digit);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn digits_wait_and_arrive_in_order() {
        let b = std::sync::Arc::new(DtmfBuffer::default());
        assert_eq!(b.next(Duration::from_millis(10)).await, None);
        let b2 = b.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            b2.push('1');
            b2.push('#');
        });
        assert_eq!(b.next(Duration::from_secs(2)).await, Some('1'));
        assert_eq!(b.next(Duration::from_secs(2)).await, Some('#'));
        b.push('9');
        b.clear();
        assert!(b.is_empty());
    }
}
