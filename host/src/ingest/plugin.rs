//! The plugin step of the pipeline: run the webhook's transformer on a raw request and turn its
//! answer into validated messages, a skip, a rejection of the sender, or a failure to keep; and
//! ask a plugin whether it accepts a configuration, when one is set.

use std::sync::Arc;

use super::validate::{self, FieldNames};
use crate::runtime::{
    Execution, Outcome, PluginEngine, PluginError, PluginRequest, RuntimeError, capability,
};
use crate::store::{NewMessage, RawRequest, Store};

/// What the pipeline does with a plugin's answer.
#[derive(Debug)]
pub enum PluginOutcome {
    /// Post these (validated) messages.
    Messages(Vec<NewMessage>),
    /// Nothing to post, on purpose.
    Skipped(String),
    /// An event the plugin does not handle.
    Ignored(String),
    /// The sender's request is at fault: 401 or 422, nothing kept.
    Rejected {
        /// HTTP status (401 or 422).
        status: u16,
        /// Error code (`unauthorized`, `invalid_payload`).
        code: &'static str,
        /// The plugin's reason.
        message: String,
    },
    /// The plugin failed: the request is kept as a failed delivery.
    Failed {
        /// Error code (`plugin_timeout`, `plugin_trap`, `plugin_invalid_output`, ...).
        code: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// One plugin run: the outcome and the runtime's report (log, time, memory).
#[derive(Debug)]
pub struct PluginRun {
    /// What to do.
    pub outcome: PluginOutcome,
    /// The plugin log of this run.
    pub log: String,
    /// Wall-clock time of the run, in microseconds.
    pub duration_us: i64,
    /// Time the run actually executed (excluding waits for its turn), in microseconds.
    pub busy_us: i64,
    /// Peak linear memory, in bytes.
    pub peak_memory: usize,
    /// Whether the plugin timed out, hit its memory limit or trapped.
    pub misbehaved: bool,
    /// The raw request the run was given, handed back whole (body included, not copied) for
    /// the delivery record.
    pub request: RawRequest,
}

/// Runs the plugin with this SHA-256 on `raw`, loading it from the caches or the store; `raw`
/// comes back in [`PluginRun::request`].
pub async fn run(
    engine: &Arc<PluginEngine>,
    store: &Store,
    plugin_sha256: [u8; 32],
    config: &str,
    webhook_name: &str,
    raw: RawRequest,
) -> PluginRun {
    let fetch = || async { Ok(store.plugin_bytes(&plugin_sha256).await?) };
    run_with(engine, plugin_sha256, fetch, config, webhook_name, raw).await
}

/// Runs the plugin with this SHA-256, whose bytes `fetch` supplies when no cache has it.
///
/// The guest's request is built once from `raw` by moving its fields (the body is not
/// copied: the only copy is the one into the guest's linear memory), and they are moved back
/// into [`PluginRun::request`] after the call.
pub async fn run_with<F, Fut>(
    engine: &Arc<PluginEngine>,
    plugin_sha256: [u8; 32],
    fetch: F,
    config: &str,
    webhook_name: &str,
    raw: RawRequest,
) -> PluginRun
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Vec<u8>>>,
{
    let pre = engine.prepare(plugin_sha256, fetch).await;
    let pre = match pre {
        Ok(pre) => pre,
        Err(err) => {
            return PluginRun {
                outcome: failed(&err),
                log: String::new(),
                duration_us: 0,
                busy_us: 0,
                peak_memory: 0,
                misbehaved: err.is_misbehaviour(),
                request: raw,
            };
        }
    };
    let request = Arc::new(PluginRequest {
        method: raw.method,
        path: raw.path,
        query: raw.query,
        headers: raw.headers,
        body: raw.body,
        config: config.to_owned(),
        webhook_name: webhook_name.to_owned(),
    });
    let Execution {
        result,
        log,
        duration,
        busy,
        peak_memory,
    } = engine.run(&pre, request.clone()).await;
    // The run has let go of its reference; were it still held, a copy keeps us correct.
    let request = Arc::try_unwrap(request).unwrap_or_else(|shared| PluginRequest::clone(&shared));
    let request = RawRequest {
        method: request.method,
        path: request.path,
        query: request.query,
        headers: request.headers,
        body: request.body,
    };
    let misbehaved = result.as_ref().is_err_and(RuntimeError::is_misbehaviour);
    let outcome = match result {
        Err(err) => failed(&err),
        Ok(Ok(Outcome::Messages(messages))) if messages.is_empty() => {
            PluginOutcome::Skipped("the plugin produced no messages".into())
        }
        Ok(Ok(Outcome::Messages(messages))) => validate_messages(messages),
        Ok(Ok(Outcome::Skip(reason))) => PluginOutcome::Skipped(reason),
        Ok(Err(PluginError::UnsupportedEvent(reason))) => PluginOutcome::Ignored(reason),
        Ok(Err(PluginError::InvalidPayload(message))) => PluginOutcome::Rejected {
            status: 422,
            code: "invalid_payload",
            message,
        },
        Ok(Err(PluginError::Unauthorized(message))) => PluginOutcome::Rejected {
            status: 401,
            code: "unauthorized",
            message,
        },
        Ok(Err(PluginError::Internal(message))) => PluginOutcome::Failed {
            code: "plugin_error",
            message: capability::explain(&format!("the plugin failed: {message}")),
        },
    };
    PluginRun {
        outcome,
        log,
        duration_us: duration.as_micros() as i64,
        busy_us: busy.as_micros() as i64,
        peak_memory,
        misbehaved,
        request,
    }
}

/// Why a configuration cannot be set for a plugin.
#[derive(Debug)]
pub enum ConfigRefusal {
    /// The plugin's `validate-config` refused it.
    Invalid {
        /// The key at fault, as a path into the configuration (`colour`, `mentions.alice`,
        /// `branches[1]`); empty when the configuration as a whole is wrong.
        path: String,
        /// Why, in the plugin's words.
        message: String,
    },
    /// The check did not finish: the plugin trapped or hit a limit, or the host failed.
    Failed(RuntimeError),
}

/// Asks the plugin with this SHA-256 whether it accepts `config` (a JSON object as text), in the
/// sandbox under the limits of a transform. A plugin that does not check configurations (a
/// component of contract 0.1.0, without `validate-config`) accepts every one, as before.
pub async fn check_config(
    engine: &Arc<PluginEngine>,
    store: &Store,
    plugin_sha256: [u8; 32],
    config: &str,
) -> Result<(), ConfigRefusal> {
    let fetch = || async { Ok(store.plugin_bytes(&plugin_sha256).await?) };
    let pre = engine
        .prepare(plugin_sha256, fetch)
        .await
        .map_err(ConfigRefusal::Failed)?;
    let check = engine.validate_config(&pre, config.to_owned()).await;
    match check.result {
        Ok(None | Some(Ok(()))) => Ok(()),
        Ok(Some(Err(e))) => Err(ConfigRefusal::Invalid {
            path: e.path,
            message: e.message,
        }),
        Err(err) => {
            if let RuntimeError::Internal(e) = &err {
                tracing::error!(error = ?e, "plugin runtime failure while checking a configuration");
            }
            Err(ConfigRefusal::Failed(err))
        }
    }
}

/// The request field of a key the plugin refused, under the field `root` the configuration
/// came in: `plugin_config.colour`, `plugin_config.branches[1]`; `root` itself for the
/// configuration as a whole.
pub fn config_field(root: &str, path: &str) -> String {
    let path = path.trim_start_matches('.');
    if path.is_empty() {
        root.to_owned()
    } else if path.starts_with('[') {
        format!("{root}{path}")
    } else {
        format!("{root}.{path}")
    }
}

fn failed(err: &RuntimeError) -> PluginOutcome {
    if let RuntimeError::Internal(e) = err {
        tracing::error!(error = ?e, "plugin runtime failure");
    }
    PluginOutcome::Failed {
        code: err.code(),
        message: capability::explain(&err.to_string()),
    }
}

/// Applies the same rules as native posts; a plugin whose output breaks them has failed.
fn validate_messages(messages: Vec<crate::runtime::PluginMessage>) -> PluginOutcome {
    let mut valid = Vec::with_capacity(messages.len());
    for (i, m) in messages.into_iter().enumerate() {
        let names = FieldNames {
            content: "content",
            username: "username",
            avatar_url: "avatar_url",
        };
        match validate::message(names, m.content, m.username, m.avatar_url) {
            Ok(msg) => valid.push(msg),
            Err(e) => {
                return PluginOutcome::Failed {
                    code: "plugin_invalid_output",
                    message: format!(
                        "the plugin returned an invalid message: messages[{i}].{}",
                        e.message
                    ),
                };
            }
        }
    }
    PluginOutcome::Messages(valid)
}

/// The raw request the plugin sees: lower-cased header names, lossy header values. The body
/// becomes the one buffer that goes on to the guest and the delivery record (without a copy
/// when `body` owns its bytes alone).
pub fn raw_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &axum::http::HeaderMap,
    body: bytes::Bytes,
) -> RawRequest {
    RawRequest {
        method: method.to_owned(),
        path: path.to_owned(),
        query: query.to_owned(),
        headers: headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: Vec::from(body),
    }
}

#[cfg(test)]
mod tests {
    use super::config_field;

    #[test]
    fn a_refused_key_is_named_inside_plugin_config() {
        assert_eq!(
            config_field("plugin_config", "colour"),
            "plugin_config.colour"
        );
        assert_eq!(
            config_field("plugin_config", "mentions.alice"),
            "plugin_config.mentions.alice"
        );
        assert_eq!(config_field("plugin_config", "[1]"), "plugin_config[1]");
        assert_eq!(
            config_field("plugin_config", "branches[1]"),
            "plugin_config.branches[1]"
        );
        assert_eq!(config_field("plugin_config", ""), "plugin_config");
        assert_eq!(config_field("plugin_config", "."), "plugin_config");
        assert_eq!(config_field("config", "colour"), "config.colour");
    }
}
