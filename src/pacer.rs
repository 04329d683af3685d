//! Spacing what goes to a listener over time: at most one batch an
//! interval, the first at once, the latest state each time.

use std::time::{Duration, Instant};

/// Spaces the batches sent to a listener: at most one per interval, the
/// first at once. Time is passed in, so tests can fix it.
///
/// A loop that folds changes in as they arrive and sends them in batches:
///
/// ```text
/// on a change:                     fold it in
/// then, and when the timer fires:  if something is unsent {
///                                      match pacer.poll(now) {
///                                          None => send the batch,
///                                          Some(at) => arm the timer for `at`,
///                                      }
///                                  }
/// at the end:                      send what is unsent (the last batch never waits)
/// ```
#[derive(Debug, Clone)]
pub struct Pacer {
    interval: Duration,
    last_sent: Option<Instant>,
}

impl Pacer {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            last_sent: None,
        }
    }

    /// The earliest a batch may go out: `now` when none went out yet, one
    /// interval after the last one otherwise (which may be before `now`).
    pub fn next_at(&self, now: Instant) -> Instant {
        self.last_sent
            .and_then(|last| last.checked_add(self.interval))
            .unwrap_or(now)
    }

    /// Records a batch as sent at `now`.
    pub fn sent(&mut self, now: Instant) {
        self.last_sent = Some(now);
    }

    /// `None`: send a batch now (it is recorded as sent at `now`); `Some(at)`:
    /// not before `at`.
    pub fn poll(&mut self, now: Instant) -> Option<Instant> {
        let at = self.next_at(now);
        if now < at {
            Some(at)
        } else {
            self.sent(now);
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pacer_sends_the_first_batch_at_once_then_one_an_interval() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut pacer = Pacer::new(ms(33));
        assert_eq!(pacer.poll(t0), None);
        assert_eq!(pacer.poll(t0 + ms(10)), Some(t0 + ms(33)));
        assert_eq!(pacer.poll(t0 + ms(33)), None);
        assert_eq!(pacer.poll(t0 + ms(40)), Some(t0 + ms(66)));
        assert_eq!(pacer.poll(t0 + ms(500)), None);
    }

    #[test]
    fn the_next_batch_is_due_one_interval_after_the_last() {
        let t0 = Instant::now();
        let ms = Duration::from_millis;
        let mut pacer = Pacer::new(ms(100));
        assert_eq!(pacer.next_at(t0), t0);
        pacer.sent(t0 + ms(5));
        assert_eq!(pacer.next_at(t0 + ms(6)), t0 + ms(105));
        assert_eq!(pacer.next_at(t0 + ms(900)), t0 + ms(105));
    }
}
