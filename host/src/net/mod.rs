//! Networking policy shared by everything that calls out to user-chosen URLs (outgoing
//! webhooks, IM integrations, Web Push): which addresses may be reached ([`ssrf`]) and how a
//! server's `Retry-After` is read ([`retry_after`]).

pub mod retry_after;
pub mod ssrf;
