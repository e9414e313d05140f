//! Networking policy shared by everything that calls out (outgoing webhooks, Web Push): which
//! addresses may be reached ([`ssrf`]).

pub mod ssrf;
