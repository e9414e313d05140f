//! Networking policy shared by the senders that reach user-chosen URLs (Web Push, outgoing
//! webhooks, IM integrations): for now how a server's `Retry-After` is read.

pub mod retry_after;
