//! Logging into the webhook's plugin log, or to stderr when running natively.
//!
//! Use the macros [`trace!`](crate::trace), [`debug!`](crate::debug), [`info!`](crate::info),
//! [`warn!`](crate::warn) and [`error!`](crate::error); they take `format!` arguments.

use std::fmt;

/// Severity of a log record.
///
/// ```
/// use wasmhook_sdk::log::{self, Level};
///
/// log::log(Level::Info, "hello");
/// assert_eq!(Level::Warn.to_string(), "WARN");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Very detailed tracing output.
    Trace,
    /// Debugging output.
    Debug,
    /// Normal operational messages.
    Info,
    /// Something unexpected that the plugin handled.
    Warn,
    /// A failure.
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Trace => "TRACE",
            Self::Debug => "DEBUG",
            Self::Info => "INFO",
            Self::Warn => "WARN",
            Self::Error => "ERROR",
        })
    }
}

/// Appends one record to the plugin log of the current request.
///
/// Inside the host the record goes to the webhook's plugin log (the host bounds its size).
/// Natively (in `cargo test`) it is printed to stderr and kept for [`take_records`].
///
/// ```
/// use wasmhook_sdk::log::{Level, log};
///
/// log(Level::Debug, "parsed 3 commits");
/// ```
pub fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    {
        use crate::bindings::wasmhook::plugin::log as wit;
        let level = match level {
            Level::Trace => wit::Level::Trace,
            Level::Debug => wit::Level::Debug,
            Level::Info => wit::Level::Info,
            Level::Warn => wit::Level::Warn,
            Level::Error => wit::Level::Error,
        };
        wit::log(level, message);
    }
    #[cfg(not(target_arch = "wasm32"))]
    native::record(level, message);
}

/// The records logged on this thread since the last call, oldest first, so native tests can
/// check what a plugin logs. Always empty inside the host, where records go to the host.
///
/// ```
/// use wasmhook_sdk::log::{self, Level};
///
/// log::take_records();
/// wasmhook_sdk::info!("{} commits", 3);
/// # #[cfg(not(target_arch = "wasm32"))]
/// assert_eq!(log::take_records(), [(Level::Info, "3 commits".to_string())]);
/// ```
pub fn take_records() -> Vec<(Level, String)> {
    #[cfg(target_arch = "wasm32")]
    {
        Vec::new()
    }
    #[cfg(not(target_arch = "wasm32"))]
    native::take()
}

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::cell::RefCell;

    use super::Level;

    /// Records kept per thread at most, so a chatty loop in a test cannot eat all memory.
    const MAX_RECORDS: usize = 10_000;

    thread_local! {
        static RECORDS: RefCell<Vec<(Level, String)>> = const { RefCell::new(Vec::new()) };
    }

    pub(super) fn record(level: Level, message: &str) {
        eprintln!("[{level}] {message}");
        RECORDS.with_borrow_mut(|records| {
            if records.len() < MAX_RECORDS {
                records.push((level, message.to_owned()));
            }
        });
    }

    pub(super) fn take() -> Vec<(Level, String)> {
        RECORDS.with_borrow_mut(std::mem::take)
    }
}

/// Logs at [`Level::Trace`] with `format!` arguments.
///
/// ```
/// wasmhook_sdk::trace!("raw body: {} bytes", 42);
/// ```
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Trace, &::std::format!($($arg)+))
    };
}

/// Logs at [`Level::Debug`] with `format!` arguments.
///
/// ```
/// wasmhook_sdk::debug!("event {:?}", "push");
/// ```
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Debug, &::std::format!($($arg)+))
    };
}

/// Logs at [`Level::Info`] with `format!` arguments.
///
/// ```
/// let commits = 3;
/// wasmhook_sdk::info!("push with {commits} commits");
/// ```
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Info, &::std::format!($($arg)+))
    };
}

/// Logs at [`Level::Warn`] with `format!` arguments.
///
/// ```
/// wasmhook_sdk::warn!("unknown action {:?}, ignoring", "edited");
/// ```
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Warn, &::std::format!($($arg)+))
    };
}

/// Logs at [`Level::Error`] with `format!` arguments.
///
/// ```
/// wasmhook_sdk::error!("signature check failed");
/// ```
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => {
        $crate::log::log($crate::log::Level::Error, &::std::format!($($arg)+))
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macros_record_formatted_messages_natively() {
        take_records();
        crate::info!("a {}", 1);
        crate::warn!("b");
        assert_eq!(
            take_records(),
            [
                (Level::Info, "a 1".to_owned()),
                (Level::Warn, "b".to_owned())
            ]
        );
        assert!(take_records().is_empty());
    }
}
