//! Outgoing event webhooks (#7): what happens in wasmhook, posted to Slack, Discord, Teams,
//! DingTalk, Feishu, WeCom or any endpoint (signed per Standard Webhooks), and direct messages
//! to the users an event names through a community's IM integration.
//!
//! This module is pure policy and formats, with no storage: which events exist and who wants
//! them ([`events`]), what each event's data is ([`payloads`], which the store persists in the
//! transaction of the change that caused it), how it is rendered for each target ([`targets`],
//! [`im`]), signed and sent ([`send`]), and the retry schedule ([`retry`]). The worker that
//! claims due deliveries from the store and sends them is `crate::outbox`.

pub mod config;
pub mod events;
pub mod im;
pub mod payloads;
pub mod retry;
pub mod send;
pub mod summary;
pub mod targets;

pub use config::OutgoingConfig;
pub use events::{EventKind, NewEvent, Subscription};
pub use targets::Target;
