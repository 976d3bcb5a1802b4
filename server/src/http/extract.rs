//! What handlers take from a request before they run, all in one place: the client's
//! address as limits count it ([`ClientAddr`]), a WebSocket visitor holding one of its
//! address's connection slots ([`Visitor`]), a handshake from an allowed page
//! ([`CheckedOrigin`]), and the secret a request presents ([`Bearer`]). Each refuses with the HTTP API's typed error body.

use super::refusal::Refused;
use super::security::origin_allowed;
use crate::app_state::AppState;
use crate::guard::{ClientAddr, Visitor};
use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use shared::ErrorCode;

/// The client of a request, as limits count it.
impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr::of_request(
            parts,
            state.config.client_ip_header.as_deref(),
        ))
    }
}

/// Refuses the upgrade with 429 `rate_limited` when the address has as many open
/// connections as it may.
impl FromRequestParts<AppState> for Visitor {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let addr = ClientAddr::of_request(parts, state.config.client_ip_header.as_deref());
        match state.guard.connect(addr) {
            Ok(permit) => Ok(Visitor::new(addr, state.guard.clone(), permit)),
            Err(rejection) => {
                tracing::debug!(%addr, "refused: too many connections from one address");
                Err(Refused(rejection).into_response())
            }
        }
    }
}

/// A WebSocket handshake whose `Origin` (if any) is allowed; see the module's doc.
pub struct CheckedOrigin;

impl FromRequestParts<AppState> for CheckedOrigin {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let Some(origin) = parts.headers.get(header::ORIGIN) else {
            return Ok(CheckedOrigin);
        };
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok());
        let allowed = origin
            .to_str()
            .is_ok_and(|origin| origin_allowed(origin, host, &state.config.allowed_origins));
        if allowed {
            Ok(CheckedOrigin)
        } else {
            tracing::debug!(origin = ?origin, "WebSocket refused: foreign origin");
            Err(Refused::new(
                ErrorCode::Forbidden,
                "this page's origin may not open a session here",
            )
            .into_response())
        }
    }
}

/// The secret in `Authorization: Bearer <secret>`, if the request presents one: keys and
/// tokens travel in this header, never in a URL, so that no log holds them.
pub struct Bearer(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for Bearer {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let secret = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(|secret| secret.trim().to_owned())
            .filter(|secret| !secret.is_empty());
        Ok(Bearer(secret))
    }
}
