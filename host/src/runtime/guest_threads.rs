//! The guest threads: plugin code runs on a runtime of its own whose threads have a lower
//! scheduling priority than the threads that serve requests.
//!
//! Within that runtime, the long-run lanes and the per-tick yields (see [`super::PluginEngine`])
//! share the guests' time between runs; across runtimes the operating system's scheduler gives
//! the request threads (native posts, the management API, live delivery, the database
//! round-trips of every request) the CPU first, so a plugin that runs close to its deadline
//! costs the rest of the server what is left of the cores rather than a share of every one.
//! Run time is measured as the thread's own CPU time (see [`super::meter`]), so a run that waits
//! for a core while a request thread has it is neither charged for the wait nor stopped by its
//! deadline for it.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use tokio::runtime::{Builder, Handle, Runtime};
use tokio::task::JoinHandle;

/// The name of every guest thread.
pub const THREAD_NAME: &str = "wasmhook-guest";

/// How much less priority guest threads get than the rest of the process (a `nice` increment,
/// 0-19; Linux only).
pub const NICENESS: i32 = 10;

/// The process's guest runtime: one worker per core, created on first use and kept for the
/// life of the process (every server in a process shares it, as they share the cores).
fn handle() -> &'static Handle {
    static GUESTS: OnceLock<Runtime> = OnceLock::new();
    GUESTS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, usize::from);
            Builder::new_multi_thread()
                .worker_threads(cores)
                .thread_name(THREAD_NAME)
                .on_thread_start(lower_this_threads_priority)
                .enable_all()
                .build()
                .expect("starting the plugin runtime's threads")
        })
        .handle()
}

/// Runs `task` on the guest threads and waits for its output. Dropping the returned future
/// (the request went away) cancels the task, as it would have been cancelled had it run in place.
pub async fn run<F>(task: F) -> F::Output
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let mut guard = AbortOnDrop(handle().spawn(task));
    match (&mut guard.0).await {
        Ok(output) => output,
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        // Only an abort cancels the task, and only this guard's drop aborts it.
        Err(err) => unreachable!("guest task cancelled while awaited: {err}"),
    }
}

/// Aborts the task when the waiting future is dropped.
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Lowers the calling thread's scheduling priority by [`NICENESS`] (on Linux a thread has a nice
/// value of its own). Best effort: where it fails, guests run at the normal priority.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    set_nice_of_this_thread((nice_of_this_thread() + NICENESS).min(19));
}

/// The calling thread's nice value.
#[cfg(target_os = "linux")]
#[expect(unsafe_code, reason = "system calls on the calling thread")]
fn nice_of_this_thread() -> i32 {
    // SAFETY: plain system calls about the calling thread; no memory is passed to them.
    unsafe {
        libc::getpriority(
            libc::PRIO_PROCESS,
            libc::syscall(libc::SYS_gettid) as libc::id_t,
        )
    }
}

/// Sets the calling thread's nice value.
#[cfg(target_os = "linux")]
#[expect(unsafe_code, reason = "system calls on the calling thread")]
fn set_nice_of_this_thread(nice: i32) {
    // SAFETY: plain system calls about the calling thread; no memory is passed to them.
    unsafe {
        libc::setpriority(
            libc::PRIO_PROCESS,
            libc::syscall(libc::SYS_gettid) as libc::id_t,
            nice,
        );
    }
}

/// CPU time the calling thread has used (wall-clock time where the platform has no such clock).
#[cfg_attr(unix, expect(unsafe_code, reason = "reading the thread's CPU clock"))]
pub fn thread_cpu_time() -> Duration {
    #[cfg(unix)]
    {
        let mut ts = libc::timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        // SAFETY: `ts` is a valid, writable timespec for the duration of the call.
        if unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0 {
            return Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32);
        }
    }
    static EPOCH: OnceLock<std::time::Instant> = OnceLock::new();
    EPOCH.get_or_init(std::time::Instant::now).elapsed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn runs_on_named_guest_threads_at_a_lower_priority() {
        let caller = std::thread::current().id();
        let (name, id) = run(async {
            let me = std::thread::current();
            (me.name().map(str::to_owned), me.id())
        })
        .await;
        assert_eq!(name.as_deref(), Some(THREAD_NAME));
        assert_ne!(id, caller);
        #[cfg(target_os = "linux")]
        {
            // Every test thread has the process's nice value, as had the thread that started
            // the guest runtime.
            let base = nice_of_this_thread();
            assert_eq!(
                run(async { nice_of_this_thread() }).await,
                (base + NICENESS).min(19)
            );
        }
    }

    #[tokio::test]
    async fn dropping_the_wait_cancels_the_task() {
        let (started_tx, started_rx) = tokio::sync::oneshot::channel();
        let (dropped_tx, dropped_rx) = tokio::sync::oneshot::channel::<()>();
        struct Signal(Option<tokio::sync::oneshot::Sender<()>>);
        impl Drop for Signal {
            fn drop(&mut self) {
                let _ = self.0.take().map(|tx| tx.send(()));
            }
        }
        let waiting = tokio::spawn(run(async move {
            let _signal = Signal(Some(dropped_tx));
            let _ = started_tx.send(());
            std::future::pending::<()>().await;
        }));
        started_rx.await.unwrap();
        waiting.abort();
        // The guest task's state is dropped once the abort reaches it.
        dropped_rx.await.unwrap();
    }

    #[test]
    fn thread_cpu_time_counts_work_not_sleep() {
        let before = thread_cpu_time();
        std::thread::sleep(Duration::from_millis(50));
        let slept = thread_cpu_time() - before;
        let before = thread_cpu_time();
        let mut x = 0u64;
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_millis(50) {
            x = std::hint::black_box(x.wrapping_add(1));
        }
        let worked = thread_cpu_time() - before;
        assert!(
            slept < worked,
            "sleeping used {slept:?} of CPU, working {worked:?}"
        );
    }
}
