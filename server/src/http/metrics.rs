//! `GET /metrics`: the server's figures in the Prometheus text format, for this machine
//! or whoever presents the metrics token. The figures themselves are counted in
//! [`crate::metrics`].

use crate::app_state::AppState;
use crate::config::Config;
use crate::guard::address::request_ip;
use crate::metrics::CONTENT_TYPE;
use crate::secrets::Digest;
use axum::extract::State;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// `GET /metrics`.
pub async fn endpoint(State(state): State<AppState>, request: Parts) -> Response {
    match access(&state.config, &request) {
        Access::Granted => {
            let text = state.services.metrics.render(state.registry.len());
            ([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response()
        }
        Access::WrongToken => (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "/metrics needs the bearer token the server was given (METRICS_TOKEN)\n",
        )
            .into_response(),
        Access::NotLocal => (
            StatusCode::FORBIDDEN,
            "/metrics answers this machine only; give the server a METRICS_TOKEN to read it from elsewhere\n",
        )
            .into_response(),
    }
}

/// Who may read `/metrics`. The figures carry no content and no names, but they say how
/// many sessions run and what people do in them, which is nobody else's business.
#[derive(Debug, PartialEq, Eq)]
enum Access {
    Granted,
    /// A token is configured and the request did not present it.
    WrongToken,
    /// No token is configured and the request came from elsewhere than this machine.
    NotLocal,
}

fn access(config: &Config, request: &Parts) -> Access {
    match &config.metrics_token {
        Some(token) => {
            let presented = request
                .headers
                .get(header::AUTHORIZATION)
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim);
            match presented {
                Some(presented) if Digest::of(token).matches(presented) => Access::Granted,
                _ => Access::WrongToken,
            }
        }
        None if came_through_an_unnamed_proxy(config, request) => Access::NotLocal,
        None if request_ip(request, config.client_ip_header.as_deref()).is_loopback() => {
            Access::Granted
        }
        None => Access::NotLocal,
    }
}

/// The headers a reverse proxy adds to say whom it forwards for.
const FORWARDING_HEADERS: [&str; 3] = ["forwarded", "x-forwarded-for", "x-real-ip"];

/// Whether the request carries a proxy's forwarding header while the server was told
/// of no proxy (`--client-ip-header`). Behind a proxy on this machine every request
/// comes from loopback, so without this anyone on the internet would pass for this
/// machine; a local scraper sends no such header.
fn came_through_an_unnamed_proxy(config: &Config, request: &Parts) -> bool {
    config.client_ip_header.is_none()
        && FORWARDING_HEADERS
            .iter()
            .any(|name| request.headers.contains_key(*name))
}
