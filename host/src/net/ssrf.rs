//! Server-side request forgery protection: outgoing requests go only to http(s) URLs whose
//! resolved addresses are public, unless the server allows loopback or private networks. The
//! check applies to the addresses the connection will use: a DNS resolver ([`GuardedResolver`])
//! drops refused addresses, IP-literal hosts are checked before sending, and redirects are not
//! followed.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Which non-public networks outgoing requests may reach.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetworkPolicy {
    /// 127.0.0.0/8 and ::1 (and the unspecified address, which reaches this host).
    pub allow_loopback: bool,
    /// RFC 1918, carrier-grade NAT, link-local, unique-local and similar ranges.
    pub allow_private: bool,
}

/// Why a URL or address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SsrfError {
    /// Not http or https.
    #[error("only http and https URLs are allowed")]
    Scheme,
    /// No host, or credentials in the URL.
    #[error("the URL must have a host and no user name or password")]
    Malformed,
    /// The host is, or resolves only to, a refused address.
    #[error("refused: {0} is a loopback, private or link-local address")]
    Refused(IpAddr),
}

enum Class {
    Public,
    Loopback,
    Private,
    Never,
}

fn classify(ip: IpAddr) -> Class {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return classify_v4(v4);
            }
            let seg0 = v6.segments()[0];
            if v6.is_loopback() || v6.is_unspecified() {
                Class::Loopback
            } else if v6.is_multicast() {
                Class::Never
            } else if (seg0 & 0xfe00) == 0xfc00 || (seg0 & 0xffc0) == 0xfe80 {
                // fc00::/7 unique local, fe80::/10 link-local.
                Class::Private
            } else if seg0 == 0x2002 || v6.segments()[..2] == [0x2001, 0] || seg0 == 0x64 {
                // 6to4, Teredo and NAT64 embed IPv4 addresses that may be private.
                Class::Private
            } else {
                Class::Public
            }
        }
    }
}

fn classify_v4(v4: Ipv4Addr) -> Class {
    let o = v4.octets();
    if v4.is_loopback() || v4.is_unspecified() || o[0] == 0 {
        Class::Loopback
    } else if v4.is_private()
        || v4.is_link_local()
        || (o[0] == 100 && (o[1] & 0xc0) == 64)
        || (o[0] == 192 && o[1] == 0 && o[2] == 0)
        || (o[0] == 198 && (o[1] & 0xfe) == 18)
    {
        // 10/8, 172.16/12, 192.168/16, 169.254/16, 100.64/10, 192.0.0/24, 198.18/15.
        Class::Private
    } else if v4.is_broadcast() || v4.is_multicast() || o[0] >= 240 {
        Class::Never
    } else {
        Class::Public
    }
}

impl NetworkPolicy {
    /// Whether a connection to `ip` is allowed.
    pub fn allows(&self, ip: IpAddr) -> bool {
        match classify(ip) {
            Class::Public => true,
            Class::Loopback => self.allow_loopback,
            Class::Private => self.allow_private,
            Class::Never => false,
        }
    }

    /// Checks a URL before sending: http(s), a host, no credentials, and an IP-literal host
    /// allowed (host names are checked when they resolve, by [`GuardedResolver`]).
    pub fn check_url(&self, url: &url::Url) -> Result<(), SsrfError> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(SsrfError::Scheme);
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(SsrfError::Malformed);
        }
        let ip = match url.host() {
            None => return Err(SsrfError::Malformed),
            Some(url::Host::Domain(_)) => return Ok(()),
            Some(url::Host::Ipv4(v4)) => IpAddr::V4(v4),
            Some(url::Host::Ipv6(v6)) => IpAddr::V6(v6),
        };
        if self.allows(ip) {
            Ok(())
        } else {
            Err(SsrfError::Refused(ip))
        }
    }

    /// An HTTP client that only connects to allowed addresses, follows no redirects and
    /// ignores proxy settings (a proxy would resolve names where we cannot check them).
    pub fn client(self, timeout: Duration) -> reqwest::Client {
        reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver { policy: self }))
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(timeout)
            .connect_timeout(timeout)
            .user_agent(concat!("wasmhook/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("building the outgoing HTTP client")
    }
}

/// A DNS resolver that keeps only the addresses the policy allows, and fails when none is left.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    policy: NetworkPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let resolved: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let allowed: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| policy.allows(a.ip()))
                .collect();
            if allowed.is_empty() {
                let refused = resolved
                    .first()
                    .map(|a| a.ip())
                    .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
                let err: Box<dyn std::error::Error + Send + Sync> =
                    Box::new(SsrfError::Refused(refused));
                return Err(err);
            }
            Ok(Box::new(allowed.into_iter()) as Addrs)
        })
    }
}

/// Whether a request error (or one of its causes) is an SSRF refusal, with its message.
pub fn refusal(err: &(dyn std::error::Error + 'static)) -> Option<String> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if let Some(refused) = e.downcast_ref::<SsrfError>() {
            return Some(refused.to_string());
        }
        // Some layers re-wrap the resolver's error; its text still says what happened.
        let text = e.to_string();
        if text.starts_with("refused: ") {
            return Some(text);
        }
        current = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn refuses_non_public_addresses_by_default() {
        let p = NetworkPolicy::default();
        for refused in [
            "127.0.0.1",
            "127.8.9.1",
            "0.0.0.0",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!p.allows(ip(refused)), "{refused} should be refused");
        }
        for allowed in ["93.184.216.34", "172.32.0.1", "8.8.8.8", "2606:4700::1111"] {
            assert!(p.allows(ip(allowed)), "{allowed} should be allowed");
        }
    }

    #[test]
    fn flags_open_only_their_range() {
        let loopback = NetworkPolicy {
            allow_loopback: true,
            allow_private: false,
        };
        assert!(loopback.allows(ip("127.0.0.1")));
        assert!(loopback.allows(ip("::1")));
        assert!(!loopback.allows(ip("10.0.0.1")));
        assert!(!loopback.allows(ip("169.254.169.254")));
        let private = NetworkPolicy {
            allow_loopback: false,
            allow_private: true,
        };
        assert!(private.allows(ip("10.0.0.1")));
        assert!(!private.allows(ip("127.0.0.1")));
        assert!(!private.allows(ip("224.0.0.1")), "multicast never");
    }

    #[test]
    fn checks_scheme_credentials_and_literal_hosts() {
        let p = NetworkPolicy::default();
        let check = |u: &str| p.check_url(&url::Url::parse(u).unwrap());
        assert_eq!(check("ftp://example.com/"), Err(SsrfError::Scheme));
        assert_eq!(check("http://u:p@example.com/"), Err(SsrfError::Malformed));
        assert!(check("https://hooks.slack.com/services/x").is_ok());
        assert_eq!(
            check("http://127.0.0.1:8080/"),
            Err(SsrfError::Refused(ip("127.0.0.1")))
        );
        // The URL parser normalizes decimal and hex forms, so they cannot sneak past.
        assert!(check("http://2130706433/").is_err());
        assert!(check("http://0x7f.1/").is_err());
        assert!(check("http://[::1]/").is_err());
    }

    #[tokio::test]
    async fn the_resolver_refuses_names_of_loopback_addresses() {
        let client = NetworkPolicy::default().client(Duration::from_secs(5));
        let err = client
            .get("http://localhost:9/")
            .send()
            .await
            .expect_err("localhost must be refused");
        let refusal = refusal(&err).expect("an SSRF refusal");
        assert!(refusal.starts_with("refused: "), "{refusal}");
    }
}
