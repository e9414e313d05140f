//! The WebAssembly plugin runtime: runs a transformer component on one request in a fresh,
//! sandboxed instance under the server's limits, and reports outcome, log, time and memory.

pub mod bindings;
mod cache_file;
pub mod capability;
pub mod compiler;
pub mod engine;
pub mod guest_threads;
pub mod host_api;
pub mod limits;
mod loaded;
mod meter;
pub mod producers;
mod validate;

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::{Store, UpdateDeadline};

pub use bindings::{
    ConfigError, Message as PluginMessage, Outcome, PluginError, PluginPre,
    Request as PluginRequest,
};
pub use engine::PluginEngine;
use host_api::{Deadline, HostState, LogSink};
pub use limits::{RuntimeLimits, SandboxConfig};
use meter::{CpuMeter, Timed};

/// Why a plugin run failed; each maps to an error code naming the limit or failure.
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// The run used its CPU time (the deadline counts time spent computing, not waiting).
    #[error("the plugin exceeded its time limit of {0:?} of CPU time")]
    Timeout(Duration),
    /// The run outlasted its wall-clock ceiling (waiting in a host call, or for a core).
    #[error("the plugin exceeded its wall-clock time limit of {0:?}")]
    WallTimeout(Duration),
    /// The plugin needed more linear memory than allowed.
    #[error("the plugin exceeded its memory limit of {0} bytes")]
    MemoryExceeded(usize),
    /// Too many messages or too many bytes of output.
    #[error("{0}")]
    OutputTooLarge(String),
    /// The plugin wrote more log (records, stdout, stderr) than allowed.
    #[error("the plugin wrote more than {0} bytes of log")]
    LogTooLarge(usize),
    /// The plugin trapped (a panic, `unreachable`, ...), with the panic message if any.
    #[error("the plugin trapped: {0}")]
    Trap(String),
    /// The component cannot be used (not a component, wrong world, unsupported import).
    #[error("{0}")]
    Rejected(String),
    /// A host-side failure.
    #[error("plugin runtime failure: {0}")]
    Internal(#[source] anyhow::Error),
}

impl RuntimeError {
    /// Whether the plugin itself misbehaved (ran to its deadline, hit its memory limit or
    /// trapped), as opposed to answering or being refused: what the circuit breaker counts.
    pub fn is_misbehaviour(&self) -> bool {
        matches!(
            self,
            RuntimeError::Timeout(_)
                | RuntimeError::WallTimeout(_)
                | RuntimeError::MemoryExceeded(_)
                | RuntimeError::Trap(_)
        )
    }

    /// The API error code.
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeError::Timeout(_) | RuntimeError::WallTimeout(_) => "plugin_timeout",
            RuntimeError::MemoryExceeded(_) => "plugin_memory_exceeded",
            RuntimeError::OutputTooLarge(_) => "plugin_output_too_large",
            RuntimeError::LogTooLarge(_) => "plugin_log_too_large",
            RuntimeError::Trap(_) => "plugin_trap",
            RuntimeError::Rejected(_) => "plugin_rejected",
            RuntimeError::Internal(_) => "plugin_runtime_error",
        }
    }
}

/// What one plugin run produced: by default a `transform` call's answer.
#[derive(Debug)]
pub struct Execution<A = Result<Outcome, PluginError>> {
    /// The plugin's answer, or why the run failed.
    pub result: Result<A, RuntimeError>,
    /// The request's log (records, stdout, stderr).
    pub log: String,
    /// Wall-clock time of instantiation and call.
    pub duration: Duration,
    /// CPU time instantiation and call used on the guest threads (not the time the run waited
    /// for its turn after yielding, nor for a core): what fair share charges.
    pub busy: Duration,
    /// Peak linear memory, in bytes.
    pub peak_memory: usize,
}

/// What a `validate-config` call answered: `None` when the component does not export it
/// (a 0.1.0 component: any configuration object is accepted, as before).
pub type ConfigCheck = Execution<Option<Result<(), ConfigError>>>;

/// The future of one export call on a fresh instance, borrowing the store.
type CallFuture<'a, A> =
    std::pin::Pin<Box<dyn Future<Output = Result<A, (Phase, wasmtime::Error)>> + Send + 'a>>;

impl PluginEngine {
    /// Runs `pre`'s `transform` on `request` in a fresh store, on the guest threads (see
    /// [`guest_threads`]): nothing survives from one request to the next.
    ///
    /// The request is shared, not copied: its body is lowered straight into the guest's
    /// memory, and once this returns the run holds no reference to it any more, so the caller
    /// can take it back whole (`Arc::try_unwrap`), for example to keep it as a delivery record.
    pub async fn run(
        self: &Arc<Self>,
        pre: &PluginPre<HostState>,
        request: Arc<PluginRequest>,
    ) -> Execution {
        let (engine, pre) = (self.clone(), pre.clone());
        guest_threads::run(async move {
            let execution = engine
                .run_here(&pre, move |pre, store| {
                    Box::pin(async move {
                        match pre {
                            PluginPre::Latest(pre) => {
                                let instance = pre
                                    .instantiate_async(&mut *store)
                                    .await
                                    .map_err(|e| (Phase::Instantiate, e))?;
                                instance
                                    .call_transform(&mut *store, &request)
                                    .await
                                    .map_err(|e| (Phase::Call, e))
                            }
                            PluginPre::V0_1_0(pre) => {
                                let instance = pre
                                    .instantiate_async(&mut *store)
                                    .await
                                    .map_err(|e| (Phase::Instantiate, e))?;
                                // The frozen contract's own record type: a copy, only
                                // for components of 0.1.0.
                                let request = PluginRequest::clone(&request).into();
                                let answer = instance
                                    .call_transform(&mut *store, &request)
                                    .await
                                    .map_err(|e| (Phase::Call, e))?;
                                Ok(answer.map(Into::into).map_err(Into::into))
                            }
                        }
                    })
                })
                .await;
            let limits = &engine.limits;
            Execution {
                result: execution
                    .result
                    .and_then(|answer| check_output(limits, answer)),
                ..execution
            }
        })
        .await
    }

    /// Runs `pre`'s `validate-config` on `config` (JSON text) in a fresh store under the same
    /// limits as a transform; a component without that export (0.1.0) is not run at all.
    pub async fn validate_config(
        self: &Arc<Self>,
        pre: &PluginPre<HostState>,
        config: String,
    ) -> ConfigCheck {
        if !pre.validates_config() {
            return Execution {
                result: Ok(None),
                log: String::new(),
                duration: Duration::ZERO,
                busy: Duration::ZERO,
                peak_memory: 0,
            };
        }
        let (engine, pre) = (self.clone(), pre.clone());
        guest_threads::run(async move {
            let execution = engine
                .run_here(&pre, move |pre, store| {
                    Box::pin(async move {
                        let PluginPre::Latest(pre) = pre else {
                            return Ok(None);
                        };
                        let instance = pre
                            .instantiate_async(&mut *store)
                            .await
                            .map_err(|e| (Phase::Instantiate, e))?;
                        instance
                            .call_validate_config(&mut *store, &config)
                            .await
                            .map(Some)
                            .map_err(|e| (Phase::Call, e))
                    })
                })
                .await;
            let limits = &engine.limits;
            Execution {
                result: execution
                    .result
                    .and_then(|answer| check_config_answer(limits, answer)),
                ..execution
            }
        })
        .await
    }

    /// Instantiates `pre` in a fresh store under the sandbox's limits and makes one export call
    /// (`call`), classifying what stopped it.
    async fn run_here<A, F>(self: &Arc<Self>, pre: &PluginPre<HostState>, call: F) -> Execution<A>
    where
        F: for<'a> FnOnce(&'a PluginPre<HostState>, &'a mut Store<HostState>) -> CallFuture<'a, A>,
    {
        let limits = &self.limits;
        let Ok(_slot) = self.slots.acquire().await else {
            return Execution {
                result: Err(RuntimeError::Internal(anyhow::anyhow!(
                    "plugin runtime is shutting down"
                ))),
                log: String::new(),
                duration: Duration::ZERO,
                busy: Duration::ZERO,
                peak_memory: 0,
            };
        };
        let log = LogSink::new(limits.max_log_bytes);
        let mut store = Store::new(
            &self.engine,
            HostState::new(log.clone(), limits.memory_bytes),
        );
        store.limiter(|s| &mut s.memory);
        let started = Instant::now();
        let (timeout, wall_timeout) = (limits.timeout, limits.wall_timeout);
        let meter = Arc::new(CpuMeter::default());
        let used = meter.clone();
        store.set_epoch_deadline(1);
        // The lane this run holds once it has outlasted a tick; dropped with the store.
        let lane: Arc<std::sync::Mutex<Option<tokio::sync::OwnedSemaphorePermit>>> = Arc::default();
        let lanes = self.long_lanes.clone();
        store.epoch_deadline_callback(move |mut ctx| {
            // The deadline counts the CPU time the run has used, so a run that gets less of a
            // core (guest threads have a lower priority, and the machine may be busy) is not
            // stopped for time it spent waiting; the wall-clock ceiling is the backstop.
            let deadline = if used.used() >= timeout {
                Some(Deadline::Cpu)
            } else if started.elapsed() >= wall_timeout {
                Some(Deadline::Wall)
            } else {
                None
            };
            if deadline.is_some() {
                ctx.data_mut().timed_out = deadline;
                return Ok(UpdateDeadline::Interrupt);
            }
            // Yield to the executor every tick, through tokio's `yield_now`: it wakes this task
            // only after the runtime has polled its I/O driver, so a busy guest never holds up
            // the network and database round-trips of other requests (a plain `Yield` would
            // be re-polled at once and the driver checked only every few dozen polls). A run
            // that goes on then waits for one of the long-run lanes (fewer than the cores),
            // giving its lane up at each tick so long runs take turns: short requests, native
            // posts and the API always keep a core.
            let (lane, lanes) = (lane.clone(), lanes.clone());
            Ok(UpdateDeadline::YieldCustom(
                1,
                Box::pin(async move {
                    let held = lane.lock().unwrap_or_else(|e| e.into_inner()).take();
                    drop(held);
                    tokio::task::yield_now().await;
                    if let Ok(permit) = lanes.acquire_owned().await {
                        *lane.lock().unwrap_or_else(|e| e.into_inner()) = Some(permit);
                    }
                }),
            ))
        });
        // The epoch stops guest code; the wall-clock ceiling also bounds a run that is not
        // running guest code: waiting in a host call (a sleep) or for a lane.
        let (outcome, busy) = {
            let call = std::pin::pin!(tokio::time::timeout(
                wall_timeout + engine::EPOCH_TICK * 5,
                call(pre, &mut store)
            ));
            Timed::new(call, meter).await
        };
        let duration = started.elapsed();
        let state = store.data();
        let result = match outcome {
            Err(_) => Err(RuntimeError::WallTimeout(wall_timeout)),
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err((phase, err))) => Err(classify(limits, state, &log, phase, err)),
        };
        let peak_memory = state.memory.peak;
        Execution {
            result,
            log: capability::scrub_log(log.text()),
            duration,
            busy,
            peak_memory,
        }
    }
}

/// Where a run failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Making the instance (the component was already validated and linked).
    Instantiate,
    /// The export call (`transform`, `validate-config`), lifting its answer included.
    Call,
}

/// Names what ended a run: a limit, the plugin's fault (a trap, or an answer the host could
/// not read), or the host's own failure, which is not the plugin's fault and is not counted
/// against it.
fn classify(
    limits: &RuntimeLimits,
    state: &HostState,
    log: &LogSink,
    phase: Phase,
    err: wasmtime::Error,
) -> RuntimeError {
    if let Some(deadline) = state.timed_out {
        match deadline {
            Deadline::Cpu => RuntimeError::Timeout(limits.timeout),
            Deadline::Wall => RuntimeError::WallTimeout(limits.wall_timeout),
        }
    } else if log.exceeded() || err.chain().any(|e| e.is::<host_api::LogFull>()) {
        RuntimeError::LogTooLarge(limits.max_log_bytes)
    } else if state.memory.exceeded {
        RuntimeError::MemoryExceeded(limits.memory_bytes)
    } else if let Some(trap) = err.downcast_ref::<wasmtime::Trap>() {
        RuntimeError::Trap(panic_message(&log.text()).unwrap_or_else(|| trap.to_string()))
    } else if is_host_failure(phase, &err) {
        RuntimeError::Internal(err.into())
    } else {
        RuntimeError::Trap(panic_message(&log.text()).unwrap_or_else(|| format!("{err:#}")))
    }
}

/// Whether an error that is not a trap or a limit is the host's: any failure to instantiate a
/// component that validated and linked at upload (the instance pool full, memory that cannot be
/// mapped, ...), and the instance pool running out during the call. Other errors of the call
/// (an answer that cannot be lifted, a WASI resource misused) are the plugin's.
fn is_host_failure(phase: Phase, err: &wasmtime::Error) -> bool {
    phase == Phase::Instantiate
        || err
            .chain()
            .any(|e| e.is::<wasmtime::PoolConcurrencyLimitError>())
}

/// The message of a Rust panic as the guest's std printed it to stderr.
fn panic_message(log: &str) -> Option<String> {
    let start = log.rfind("panicked at ")?;
    let rest = &log[start..];
    let (location, message) = rest.split_once(":\n")?;
    let message = message.split("\nnote: ").next().unwrap_or(message).trim();
    let location = location.trim_start_matches("panicked at ");
    Some(format!("{message} (at {location})"))
}

/// Enforces the message-count and output-size limits on a plugin's answer.
fn check_output(
    limits: &RuntimeLimits,
    answer: Result<Outcome, PluginError>,
) -> Result<Result<Outcome, PluginError>, RuntimeError> {
    let size = match &answer {
        Ok(Outcome::Messages(msgs)) => {
            if msgs.len() > limits.max_messages {
                return Err(RuntimeError::OutputTooLarge(format!(
                    "the plugin returned {} messages; the limit is {}",
                    msgs.len(),
                    limits.max_messages
                )));
            }
            msgs.iter()
                .map(|m| {
                    m.content.len()
                        + m.username.as_ref().map_or(0, String::len)
                        + m.avatar_url.as_ref().map_or(0, String::len)
                })
                .sum()
        }
        Ok(Outcome::Skip(reason)) => reason.len(),
        Err(
            PluginError::InvalidPayload(r)
            | PluginError::Unauthorized(r)
            | PluginError::UnsupportedEvent(r)
            | PluginError::Internal(r),
        ) => r.len(),
    };
    if size > limits.max_output_bytes {
        return Err(RuntimeError::OutputTooLarge(format!(
            "the plugin returned {size} bytes of output; the limit is {} bytes",
            limits.max_output_bytes
        )));
    }
    Ok(answer)
}

/// Enforces the output-size limit on a `validate-config` answer.
fn check_config_answer(
    limits: &RuntimeLimits,
    answer: Option<Result<(), ConfigError>>,
) -> Result<Option<Result<(), ConfigError>>, RuntimeError> {
    if let Some(Err(e)) = &answer {
        let size = e.path.len() + e.message.len();
        if size > limits.max_output_bytes {
            return Err(RuntimeError::OutputTooLarge(format!(
                "the plugin returned {size} bytes of output; the limit is {} bytes",
                limits.max_output_bytes
            )));
        }
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use sha2::{Digest, Sha256};

    use super::*;

    fn request() -> PluginRequest {
        PluginRequest {
            method: "POST".into(),
            path: String::new(),
            query: String::new(),
            headers: Vec::new(),
            body: b"{}".to_vec(),
            config: "{}".into(),
            webhook_name: "test".into(),
        }
    }

    #[tokio::test]
    async fn a_full_instance_pool_is_the_hosts_failure_not_the_plugins() {
        let cache = tempfile::tempdir().unwrap();
        let limits = RuntimeLimits {
            max_concurrency: 1,
            ..RuntimeLimits::default()
        };
        let engine =
            PluginEngine::new(limits.clone(), cache.path().to_path_buf(), [7; 32]).unwrap();
        let bytes = std::fs::read(wasmhook_test_artifacts::NOOP).unwrap();
        let sha256: [u8; 32] = Sha256::digest(&bytes).into();
        let pre = engine
            .prepare(sha256, || async { Ok(bytes) })
            .await
            .unwrap();
        assert!(engine.run(&pre, Arc::new(request())).await.result.is_ok());
        // The pool's only instance, taken outside `run` (and its slot semaphore).
        let mut store = Store::new(
            &engine.engine,
            HostState::new(LogSink::new(1024), limits.memory_bytes),
        );
        store.limiter(|s| &mut s.memory);
        store.set_epoch_deadline(1_000_000);
        let PluginPre::Latest(latest) = &pre else {
            panic!("the SDK's noop plugin implements the latest contract");
        };
        let _held = latest.instantiate_async(&mut store).await.unwrap();
        let err = engine
            .run(&pre, Arc::new(request()))
            .await
            .result
            .unwrap_err();
        assert_eq!(err.code(), "plugin_runtime_error", "{err}");
        assert!(!err.is_misbehaviour(), "not counted against the plugin");
        assert!(err.to_string().contains("concurrent limit"), "{err}");
    }

    #[tokio::test]
    async fn a_run_is_stopped_once_it_has_used_its_cpu_time() {
        let cache = tempfile::tempdir().unwrap();
        let limits = RuntimeLimits {
            max_concurrency: 1,
            timeout: Duration::from_millis(30),
            wall_timeout: Duration::from_secs(60),
            ..RuntimeLimits::default()
        };
        let engine = PluginEngine::new(limits, cache.path().to_path_buf(), [7; 32]).unwrap();
        let bytes = std::fs::read(wasmhook_test_artifacts::LOOP).unwrap();
        let sha256: [u8; 32] = Sha256::digest(&bytes).into();
        let pre = engine
            .prepare(sha256, || async { Ok(bytes) })
            .await
            .unwrap();
        let run = engine.run(&pre, Arc::new(request())).await;
        let err = run.result.unwrap_err();
        assert!(matches!(err, RuntimeError::Timeout(_)), "{err}");
        assert_eq!(err.code(), "plugin_timeout");
        assert!(err.is_misbehaviour());
        // Stopped for the CPU time it used, and charged that time.
        assert!(run.busy >= Duration::from_millis(30), "{:?}", run.busy);
        assert!(run.duration >= run.busy);
    }

    #[test]
    fn extracts_the_panic_message_from_stderr() {
        let log = "[info] starting\n\nthread '<unnamed>' panicked at src/lib.rs:12:5:\nboom: plugin panicked on purpose\nnote: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n";
        assert_eq!(
            panic_message(log).unwrap(),
            "boom: plugin panicked on purpose (at src/lib.rs:12:5)"
        );
        assert_eq!(panic_message("no panic here"), None);
    }

    #[test]
    fn output_limits_count_messages_and_bytes() {
        let limits = RuntimeLimits {
            max_messages: 2,
            max_output_bytes: 10,
            ..RuntimeLimits::default()
        };
        let msg = |s: &str| PluginMessage {
            content: s.into(),
            username: None,
            avatar_url: None,
        };
        assert!(check_output(&limits, Ok(Outcome::Messages(vec![msg("a"), msg("b")]))).is_ok());
        let err = check_output(
            &limits,
            Ok(Outcome::Messages(vec![msg("a"), msg("b"), msg("c")])),
        )
        .unwrap_err();
        assert_eq!(err.code(), "plugin_output_too_large");
        let err =
            check_output(&limits, Ok(Outcome::Messages(vec![msg("0123456789x")]))).unwrap_err();
        assert!(err.to_string().contains("11 bytes"), "{err}");
    }
}
