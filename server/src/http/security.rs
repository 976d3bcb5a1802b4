//! What the web side does so that another site cannot use a visitor's browser against
//! the app: the rule for where a page that opens the WebSocket may come from
//! ([`origin_allowed`], applied to the handshake by [`super::extract::CheckedOrigin`]),
//! and the headers on every answer that confine the page to this server.
//!
//! **Origin.** Browsers send an `Origin` header with every WebSocket handshake, and a
//! page cannot forge it. The upgrade is allowed when that origin is the server's own
//! (`http://` or `https://` followed by the request's `Host`) or is on the configured
//! allow-list (`--allowed-origin`); any other origin, `null` included, gets 403. A
//! handshake *without* `Origin` is allowed: only non-browser programs (our tests, the
//! load generator, a bot) omit it, and they could set any value they liked anyway, so the
//! check protects visitors' browsers, not the server. The server's own defences (secret
//! codes and keys, limits) hold for every client alike.
//!
//! **Headers.** Every answer carries a Content-Security-Policy that lets the page run
//! exactly the wasm client served from here and nothing else (no inline script, no
//! other host, no plugin, no framing), plus `X-Content-Type-Options: nosniff` and
//! `Referrer-Policy: no-referrer` (invite links carry the room code in their path).

use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use tower_http::set_header::SetResponseHeaderLayer;

/// The Content-Security-Policy of every answer. `'wasm-unsafe-eval'` lets the page
/// compile WebAssembly (and nothing else: no `eval`); `connect-src 'self'` covers the
/// WebSocket to the same host (`ws:`/`wss:`, per CSP Level 3) and the HTTP API.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; \
    script-src 'self' 'wasm-unsafe-eval'; \
    connect-src 'self'; \
    style-src 'self'; \
    img-src 'self' data:; \
    font-src 'self'; \
    manifest-src 'self'; \
    object-src 'none'; \
    base-uri 'none'; \
    form-action 'self'; \
    frame-ancestors 'none'";

/// Add the security headers to every answer of `router` (unless a handler set its own).
pub fn with_headers(router: Router) -> Router {
    let headers: [(HeaderName, &'static str); 4] = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    headers.into_iter().fold(router, |router, (name, value)| {
        router.layer(SetResponseHeaderLayer::if_not_present(
            name,
            HeaderValue::from_static(value),
        ))
    })
}

/// Whether a browser page from `origin` may open the WebSocket of the server reached as
/// `host`. Scheme and host compare without case; an origin has no path, so a trailing
/// slash in the allow-list is forgiven.
pub fn origin_allowed(origin: &str, host: Option<&str>, allow_list: &[String]) -> bool {
    let origin = origin.trim().to_ascii_lowercase();
    if origin == "null" {
        return allow_list.iter().any(|allowed| allowed == "null");
    }
    let same_host = host.is_some_and(|host| {
        let host = host.trim().to_ascii_lowercase();
        origin == format!("http://{host}") || origin == format!("https://{host}")
    });
    same_host
        || allow_list
            .iter()
            .any(|allowed| allowed.trim().trim_end_matches('/').to_ascii_lowercase() == origin)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_servers_own_origin_is_allowed_whatever_the_scheme_or_case() {
        let host = Some("Codev.Example.org:8443");
        assert!(origin_allowed("https://codev.example.org:8443", host, &[]));
        assert!(origin_allowed("http://codev.example.org:8443", host, &[]));
        assert!(!origin_allowed("https://codev.example.org", host, &[]));
        assert!(!origin_allowed("https://evil.example", host, &[]));
        assert!(!origin_allowed(
            "https://codev.example.org:8443.evil.example",
            host,
            &[]
        ));
        assert!(!origin_allowed("null", host, &[]));
        assert!(!origin_allowed("https://codev.example.org:8443", None, &[]));
    }

    #[test]
    fn the_allow_list_adds_origins() {
        let list = vec!["https://app.example.org/".to_owned()];
        assert!(origin_allowed(
            "https://APP.example.org",
            Some("10.0.0.5:8080"),
            &list
        ));
        assert!(!origin_allowed(
            "http://app.example.org",
            Some("10.0.0.5:8080"),
            &list
        ));
    }

    #[test]
    fn the_policy_names_every_directive_the_app_needs_and_no_wildcard() {
        for directive in [
            "script-src 'self' 'wasm-unsafe-eval'",
            "connect-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ] {
            assert!(CONTENT_SECURITY_POLICY.contains(directive), "{directive}");
        }
        assert!(!CONTENT_SECURITY_POLICY.contains('*'));
        assert!(!CONTENT_SECURITY_POLICY.contains("unsafe-inline"));
    }
}
