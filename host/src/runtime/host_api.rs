//! What the host gives a plugin instance: the `log` import, a capability-free WASI whose
//! stdout/stderr go into the same bounded plugin log, and the per-request store state.

use std::sync::{Arc, Mutex};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_io::streams::{OutputStream, StreamError};

use super::bindings::{Level, LogHost, TypesHost};
use super::limits::MemoryLimiter;

/// The bounded log of one request: log records and captured stdout/stderr.
#[derive(Debug, Clone)]
pub struct LogSink(Arc<Mutex<LogBuffer>>);

#[derive(Debug)]
struct LogBuffer {
    text: String,
    cap: usize,
    exceeded: bool,
}

impl LogSink {
    /// A log holding at most `cap` bytes.
    pub fn new(cap: usize) -> Self {
        Self(Arc::new(Mutex::new(LogBuffer {
            text: String::new(),
            cap,
            exceeded: false,
        })))
    }

    /// Appends text; returns false (and remembers it) when the cap would be passed.
    fn append(&self, parts: &[&str]) -> bool {
        let mut buf = self.0.lock().expect("log lock");
        let len: usize = parts.iter().map(|p| p.len()).sum();
        if buf.exceeded || buf.text.len() + len > buf.cap {
            buf.exceeded = true;
            return false;
        }
        for p in parts {
            buf.text.push_str(p);
        }
        true
    }

    /// The log text so far.
    pub fn text(&self) -> String {
        self.0.lock().expect("log lock").text.clone()
    }

    /// Whether the plugin tried to write past the cap.
    pub fn exceeded(&self) -> bool {
        self.0.lock().expect("log lock").exceeded
    }
}

/// Error raised (as a trap) when the log cap is passed.
#[derive(Debug, thiserror::Error)]
#[error("plugin log exceeded its limit")]
pub struct LogFull;

impl IsTerminal for LogSink {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for LogSink {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(AsyncLog(self.clone()))
    }
}

#[wasmtime_wasi_io::async_trait]
impl wasmtime_wasi_io::poll::Pollable for LogSink {
    async fn ready(&mut self) {}
}

impl OutputStream for LogSink {
    fn write(&mut self, bytes: bytes::Bytes) -> Result<(), StreamError> {
        let text = String::from_utf8_lossy(&bytes);
        if self.append(&[&text]) {
            Ok(())
        } else {
            Err(StreamError::Trap(LogFull.into()))
        }
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        // Accept what the guest has; `write` enforces the cap and fails the request past it.
        Ok(64 * 1024)
    }
}

/// The same sink for WASIp3 streams.
struct AsyncLog(LogSink);

impl tokio::io::AsyncWrite for AsyncLog {
    fn poll_write(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
        buf: &[u8],
    ) -> std::task::Poll<std::io::Result<usize>> {
        let ok = self.0.append(&[&String::from_utf8_lossy(buf)]);
        std::task::Poll::Ready(if ok {
            Ok(buf.len())
        } else {
            Err(std::io::Error::other(LogFull))
        })
    }

    fn poll_flush(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn poll_shutdown(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        std::task::Poll::Ready(Ok(()))
    }
}

/// Which time limit stopped a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    /// The run used its CPU time.
    Cpu,
    /// The run outlasted its wall-clock ceiling.
    Wall,
}

/// Store data of one plugin request.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// The request's log.
    pub log: LogSink,
    /// Memory accounting.
    pub memory: MemoryLimiter,
    /// Set by the epoch callback when a time limit passed.
    pub timed_out: Option<Deadline>,
}

impl HostState {
    /// Fresh state: WASI with no preopens, environment, arguments or network.
    pub fn new(log: LogSink, memory_limit: usize) -> Self {
        let wasi = WasiCtxBuilder::new()
            .stdout(log.clone())
            .stderr(log.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            log,
            memory: MemoryLimiter::new(memory_limit),
            timed_out: None,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl TypesHost for HostState {}

impl LogHost for HostState {
    fn log(&mut self, level: Level, message: String) -> wasmtime::Result<()> {
        let tag = match level {
            Level::Trace => "[trace] ",
            Level::Debug => "[debug] ",
            Level::Info => "[info] ",
            Level::Warn => "[warn] ",
            Level::Error => "[error] ",
        };
        if self.log.append(&[tag, &message, "\n"]) {
            Ok(())
        } else {
            Err(LogFull.into())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_refuses_writes_past_its_cap_and_remembers() {
        let log = LogSink::new(10);
        assert!(log.append(&["12345"]));
        assert!(!log.append(&["123456"]));
        assert!(log.exceeded());
        assert!(!log.append(&["1"]), "stays full once exceeded");
        assert_eq!(log.text(), "12345");
    }
}
