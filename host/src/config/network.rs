//! Which addresses the server may call out to: the flags of the SSRF guard that outgoing
//! webhooks and Web Push share.

use crate::net::ssrf::NetworkPolicy;

/// Networks that targets of outgoing webhooks and Web Push endpoints may resolve to (part of
/// `wasmhook serve`). The flags keep their first names, from when only outgoing webhooks
/// called out.
#[derive(Debug, Clone, clap::Args)]
pub struct NetworkConfig {
    /// Let outgoing webhook targets and push endpoints resolve to loopback addresses
    /// (127.0.0.0/8, ::1): for tests and local setups.
    #[arg(
        id = "OUTGOING_ALLOW_LOOPBACK",
        long = "outgoing-allow-loopback",
        env = "WASMHOOK_OUTGOING_ALLOW_LOOPBACK"
    )]
    pub allow_loopback: bool,

    /// Let outgoing webhook targets and push endpoints resolve to private and link-local
    /// addresses (10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, fc00::/7, fe80::/10).
    #[arg(
        id = "OUTGOING_ALLOW_PRIVATE",
        long = "outgoing-allow-private",
        env = "WASMHOOK_OUTGOING_ALLOW_PRIVATE"
    )]
    pub allow_private: bool,
}

impl NetworkConfig {
    /// Which addresses may be reached.
    pub fn policy(&self) -> NetworkPolicy {
        NetworkPolicy {
            allow_loopback: self.allow_loopback,
            allow_private: self.allow_private,
        }
    }
}
