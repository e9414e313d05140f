//! Outgoing event webhooks (#7): what happens in wasmhook, posted to Slack, Discord, Teams,
//! DingTalk, Feishu, WeCom or any endpoint (signed per Standard Webhooks), and direct messages
//! to the users an event names through a community's IM integration.
//!
//! Events are enqueued by the store in the transaction of the change that caused them (one
//! outbox row per outgoing webhook that wants the event); [`worker`] claims due rows, renders
//! them for their target ([`targets`], [`im`]), sends them through an SSRF-guarded client
//! ([`ssrf`]) and records the outcome with the retry schedule of [`retry`].

pub mod config;
pub mod events;
pub mod im;
pub mod retry;
pub mod send;
pub mod ssrf;
pub mod summary;
pub mod targets;
pub mod worker;

pub use config::OutgoingConfig;
pub use events::{EventKind, NewEvent, Subscription};
pub use targets::Target;
