//! Who is asking, as far as limits go: the client's address.
//!
//! Limits per address count an IPv4 address as one client and an IPv6 /64 as one client
//! (one home or one phone gets a whole /64, so counting single IPv6 addresses would let
//! anyone multiply their share by 2^64). The address is the TCP peer's, unless the
//! server sits behind a reverse proxy that says who its client was in a header, and the
//! server was told to trust that header (`Config::client_ip_header`).

use axum::extract::ConnectInfo;
use axum::http::HeaderMap;
use axum::http::request::Parts;
use std::fmt;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// A client's address, grouped as limits count it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ClientAddr(IpAddr);

impl ClientAddr {
    /// The address as limits count it: IPv4 as is (also when mapped into IPv6), IPv6
    /// reduced to its /64.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => ClientAddr(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientAddr(IpAddr::V4(v4)),
                None => {
                    let prefix = u128::from(v6) & !((1u128 << 64) - 1);
                    ClientAddr(IpAddr::V6(Ipv6Addr::from(prefix)))
                }
            },
        }
    }

    /// The client of a request: from the trusted header if one is configured and
    /// readable, else the TCP peer. A router served without connection info (a unit
    /// test calling it directly) counts everyone as one unspecified address.
    pub fn of_request(parts: &Parts, trusted_header: Option<&str>) -> Self {
        ClientAddr::of(request_ip(parts, trusted_header))
    }
}

/// The client's own address for a request, not grouped: from the trusted header if one
/// is configured and readable, else the TCP peer (unspecified without connection info).
pub fn request_ip(parts: &Parts, trusted_header: Option<&str>) -> IpAddr {
    let from_header = trusted_header.and_then(|name| from_header(&parts.headers, name));
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    from_header
        .or(peer)
        .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
}

/// The client's address in a proxy's header: the last entry of a list (the one the
/// trusted proxy appended; earlier ones came from the client and prove nothing).
fn from_header(headers: &HeaderMap, name: &str) -> Option<IpAddr> {
    let value = headers.get_all(name).iter().next_back()?.to_str().ok()?;
    let last = value.rsplit(',').next()?.trim();
    last.parse::<IpAddr>()
        .ok()
        .or_else(|| last.parse::<SocketAddr>().ok().map(|addr| addr.ip()))
}

impl fmt::Display for ClientAddr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(headers: &[(&str, &str)], peer: Option<&str>) -> Parts {
        let mut request = Request::builder().uri("/ws");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let (mut parts, ()) = request.body(()).expect("a request").into_parts();
        if let Some(peer) = peer {
            parts
                .extensions
                .insert(ConnectInfo(peer.parse::<SocketAddr>().expect("an address")));
        }
        parts
    }

    #[test]
    fn ipv6_counts_by_slash_64_and_mapped_ipv4_as_ipv4() {
        let a = ClientAddr::of("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = ClientAddr::of("2001:db8:1:2:bbbb::2".parse().unwrap());
        let c = ClientAddr::of("2001:db8:1:3::1".parse().unwrap());
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.to_string(), "2001:db8:1:2::/64");
        let mapped = ClientAddr::of("::ffff:192.0.2.7".parse().unwrap());
        assert_eq!(mapped, ClientAddr::of("192.0.2.7".parse().unwrap()));
    }

    #[test]
    fn the_proxy_header_counts_only_when_trusted_and_only_its_last_entry() {
        let request = parts(
            &[("x-forwarded-for", "203.0.113.9, 198.51.100.4")],
            Some("127.0.0.1:5000"),
        );
        assert_eq!(
            ClientAddr::of_request(&request, None),
            ClientAddr::of("127.0.0.1".parse().unwrap())
        );
        assert_eq!(
            ClientAddr::of_request(&request, Some("X-Forwarded-For")),
            ClientAddr::of("198.51.100.4".parse().unwrap())
        );
        let garbled = parts(&[("x-real-ip", "somewhere")], Some("127.0.0.1:5000"));
        assert_eq!(
            ClientAddr::of_request(&garbled, Some("x-real-ip")),
            ClientAddr::of("127.0.0.1".parse().unwrap())
        );
        let with_port = parts(&[("x-real-ip", "[2001:db8::1]:443")], None);
        assert_eq!(
            ClientAddr::of_request(&with_port, Some("x-real-ip")),
            ClientAddr::of("2001:db8::1".parse().unwrap())
        );
    }
}
