//! Test plugin for replays and the circuit breaker: fails with an internal error while the
//! webhook's configuration is `{"fail": true}`, traps (panics) while it is `{"trap": true}`,
//! and otherwise posts "ok: <body text>", after spinning `busy_ms` milliseconds if set (a slow
//! but valid plugin, for the fair-share benchmark) and sleeping `sleep_ms` milliseconds if set (a
//! plugin that waits in a host call rather than computes).

use serde::Deserialize;
use wasmhook_sdk::{Error, Outcome, Plugin, Request, Result};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Config {
    fail: bool,
    trap: bool,
    busy_ms: u64,
    sleep_ms: u64,
}

/// Fails on demand.
pub struct Flaky;

impl Plugin for Flaky {
    fn transform(request: Request) -> Result<Outcome> {
        let config: Config = request.config()?;
        if config.trap {
            panic!("configured to trap");
        }
        let started = std::time::Instant::now();
        let busy = std::time::Duration::from_millis(config.busy_ms);
        while started.elapsed() < busy {
            std::hint::black_box(());
        }
        std::thread::sleep(std::time::Duration::from_millis(config.sleep_ms));
        if config.fail {
            return Err(Error::internal("configured to fail"));
        }
        Ok(Outcome::message(format!("ok: {}", request.text()?)))
    }
}

wasmhook_sdk::register_plugin!(Flaky);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fails_when_configured_to() {
        let request = Request::builder()
            .config_json(r#"{"fail":true}"#)
            .body("x")
            .build();
        assert_eq!(
            Flaky::transform(request).unwrap_err(),
            Error::internal("configured to fail")
        );
    }

    #[test]
    #[should_panic(expected = "configured to trap")]
    fn traps_when_configured_to() {
        let request = Request::builder().config_json(r#"{"trap":true}"#).build();
        let _ = Flaky::transform(request);
    }

    #[test]
    fn echoes_the_body_otherwise() {
        for config in ["{}", r#"{"fail":false}"#, ""] {
            let request = Request::builder().config_json(config).body("hello").build();
            let outcome = Flaky::transform(request).unwrap();
            assert_eq!(outcome.as_messages()[0].content, "ok: hello");
        }
    }
}
