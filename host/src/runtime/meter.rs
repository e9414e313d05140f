//! The CPU time of one plugin run: what its deadline counts and what fair share charges.
//!
//! A run is a future polled on the guest threads (see [`super::guest_threads`]), possibly on a
//! different thread at each poll. [`Timed`] adds up the thread CPU time each poll used; the
//! [`CpuMeter`] it shares with the run's epoch callback also knows when the current poll
//! started, so the callback (which runs inside a poll, on the polling thread) can read the
//! time used so far, the current poll included. Time the run spends waiting (for a core taken
//! by a request thread, for its turn after a yield, in a host call that sleeps) is not counted.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use super::guest_threads::thread_cpu_time;

/// CPU time used by one run, shared by its [`Timed`] future and its epoch callback.
#[derive(Debug, Default)]
pub struct CpuMeter {
    /// CPU time of the polls that have ended, in nanoseconds.
    ended_polls: AtomicU64,
    /// The polling thread's CPU clock when the current poll started, in nanoseconds.
    poll_started: AtomicU64,
}

impl CpuMeter {
    /// CPU time used so far. Inside a poll of the run's [`Timed`] future (as the epoch callback
    /// is), this includes the current poll; outside one, the polls that have ended.
    pub fn used(&self) -> Duration {
        let ended = self.ended_polls.load(Ordering::Relaxed);
        let started = self.poll_started.load(Ordering::Relaxed);
        let current = if started == 0 {
            0
        } else {
            nanos(thread_cpu_time()).saturating_sub(started)
        };
        Duration::from_nanos(ended + current)
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// A future that charges the CPU time of its polls to a [`CpuMeter`] and returns the total
/// with its output.
pub struct Timed<'a, F> {
    inner: Pin<&'a mut F>,
    meter: Arc<CpuMeter>,
}

impl<'a, F> Timed<'a, F> {
    /// Times `inner` on `meter`.
    pub fn new(inner: Pin<&'a mut F>, meter: Arc<CpuMeter>) -> Self {
        Self { inner, meter }
    }
}

impl<F: Future> Future for Timed<'_, F> {
    type Output = (F::Output, Duration);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // At least 1 ns, so that 0 keeps meaning "not in a poll".
        let started = nanos(thread_cpu_time()).max(1);
        self.meter.poll_started.store(started, Ordering::Relaxed);
        let poll = self.inner.as_mut().poll(cx);
        let spent = nanos(thread_cpu_time()).saturating_sub(started);
        self.meter.poll_started.store(0, Ordering::Relaxed);
        self.meter.ended_polls.fetch_add(spent, Ordering::Relaxed);
        let used = Duration::from_nanos(self.meter.ended_polls.load(Ordering::Relaxed));
        poll.map(|output| (output, used))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Spins for `wall` of wall-clock time.
    fn spin(wall: Duration) {
        let started = std::time::Instant::now();
        let mut x = 0u64;
        while started.elapsed() < wall {
            x = std::hint::black_box(x.wrapping_add(1));
        }
    }

    #[tokio::test]
    async fn counts_the_work_of_every_poll_and_not_the_waits_between_them() {
        let meter = Arc::new(CpuMeter::default());
        let inside = meter.clone();
        let mut run = std::pin::pin!(async move {
            spin(Duration::from_millis(20));
            let during_first_poll = inside.used();
            // Waiting between polls, as a run does for a lane or in a sleeping host call.
            tokio::time::sleep(Duration::from_millis(100)).await;
            spin(Duration::from_millis(20));
            (during_first_poll, inside.used())
        });
        let ((during_first_poll, during_second_poll), total) =
            Timed::new(run.as_mut(), meter.clone()).await;
        assert!(
            during_first_poll >= Duration::from_millis(1),
            "the current poll is counted: {during_first_poll:?}"
        );
        assert!(during_second_poll > during_first_poll);
        assert!(total >= during_second_poll);
        // Between polls only the ended polls count, and the 100 ms sleep is not among them;
        // 40 ms of spinning is at most 40 ms of CPU time (less if the thread was descheduled).
        assert_eq!(meter.used(), total);
        assert!(total < Duration::from_millis(100), "{total:?}");
    }
}
