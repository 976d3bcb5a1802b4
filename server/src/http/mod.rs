//! The HTTP side: creating, describing and deleting a session (a group's side is in
//! [`groups`]), the WebSocket upgrade, health, and
//! the built client's static files. What protects them from other sites and from
//! floods is in [`security`] and [`crate::guard`].

pub mod extract;
mod groups;
pub mod invite_page;
mod metrics;
pub mod refusal;
pub mod security;
pub mod site;

pub use crate::app_state::AppState;
pub use groups::{CreateGroup, GroupCreated};

use crate::connection;
use crate::guard::{ClientAddr, Visitor};
use crate::registry::{CreateError, DeleteError, FindError};
use crate::storage::StorageStatus;
use axum::extract::{DefaultBodyLimit, Path, State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, delete, get, post};
use axum::{Json, Router};
use extract::{Bearer, CheckedOrigin};
use refusal::Refused;
use serde::{Deserialize, Serialize};
use shared::state::Language;
use shared::{ErrorCode, RoomCode};

/// Everything the server answers, on one port.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/sessions", post(create_session))
        .route("/api/groups", post(groups::create_group))
        .route("/api/groups/{code}", delete(groups::delete_group))
        .route(
            "/api/groups/{code}/series.ics",
            get(groups::series_calendar),
        )
        .route(
            "/api/sessions/{code}",
            get(describe_session).delete(delete_session),
        )
        // The rest of `/api/` is the API's too: an unknown path there is a 404 in the
        // API's words, not the client's page (which would answer anything with 200).
        .route("/api", any(unknown_api))
        .route("/api/", any(unknown_api))
        .route("/api/{*path}", any(unknown_api))
        .route("/health", get(health))
        .route("/metrics", get(metrics::endpoint))
        .route("/ws", get(upgrade))
        .layer(DefaultBodyLimit::max(4 * 1024));
    let app = match &state.config.site {
        // An invite link's page is written with its first screen (`invite_page`); any
        // other path the API does not answer is the site's (`site`).
        Some(site) => {
            let api = api.route("/r/{code}", get(invite_page::serve));
            site::serve_files(api, site)
        }
        None => api.fallback(no_client),
    };
    security::with_headers(app.with_state(state))
}

/// `200` with `"status": "ok"` while the server works; `503` with `"status": "degraded"`
/// while the disk refuses commits or one of them hangs, since then every session stands
/// still (nothing is acknowledged) and whoever watches the server should know.
async fn health(State(state): State<AppState>) -> Response {
    let rooms = state.registry.len();
    let (storage, how_long) = match state.services.storage_health.status() {
        StorageStatus::Ok => {
            return Json(serde_json::json!({ "status": "ok", "rooms": rooms })).into_response();
        }
        StorageStatus::Failing(how_long) => ("failing", how_long),
        StorageStatus::Stalled(how_long) => ("stalled", how_long),
    };
    let body = serde_json::json!({
        "status": "degraded",
        "rooms": rooms,
        "storage": storage,
        "for_ms": how_long.as_millis() as u64,
    });
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

pub(crate) async fn no_client() -> (StatusCode, &'static str) {
    (
        StatusCode::NOT_FOUND,
        "The browser client is not built into this server. Run `cargo xtask run`.",
    )
}

async fn unknown_api() -> Refused {
    Refused::new(
        ErrorCode::NotFound,
        "no such API endpoint: see docs/protocol.md",
    )
}

#[derive(Debug, Deserialize)]
pub struct CreateSession {
    pub title: String,
    /// Left out or `null`: the default, like every optional field of the protocol.
    #[serde(default, deserialize_with = "shared::wire::null_as_default")]
    pub language: Language,
    /// The session's video-call link (`https://`); left out, `null` or empty: none.
    #[serde(default, deserialize_with = "shared::wire::null_as_default")]
    pub call_link: Option<String>,
}

/// What `POST /api/sessions` answers; clients of the API (the tests, the bench) read it
/// with this same type.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SessionCreated {
    /// The code in the invite link.
    pub room: String,
    /// The facilitator's secret; it opens the facilitator's seat from any device.
    pub facilitator_key: String,
}

async fn create_session(
    State(state): State<AppState>,
    client: ClientAddr,
    body: Result<Json<CreateSession>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return Refused::new(
            ErrorCode::Malformed,
            "send JSON: {\"title\": \"...\", \"language\": \"fr\" or \"en\"}",
        )
        .into_response();
    };
    let title = request.title.trim();
    let max = state.config.limits.session_title_chars;
    if title.is_empty() {
        return Refused::new(ErrorCode::EmptyText, "the title is empty").into_response();
    }
    if title.chars().count() > max {
        return Refused::new(
            ErrorCode::TooLong,
            format!("the title is longer than {max} characters"),
        )
        .into_response();
    }
    let call_link =
        match shared::group::call_link(request.call_link.as_deref(), &state.config.limits) {
            Ok(link) => link,
            Err(rejection) => return Refused(rejection).into_response(),
        };
    if let Err(refusal) = state.guard.may_create_session(client) {
        return Refused(refusal).into_response();
    }
    let created = state
        .registry
        .create(title.to_owned(), request.language, call_link);
    answer_created(created.await.map(|created| SessionCreated {
        room: created.code.0,
        facilitator_key: created.facilitator_key,
    }))
}

/// `201 Created` with what was created, or the refusal.
fn answer_created(created: Result<impl Serialize, CreateError>) -> Response {
    match created {
        Ok(created) => (StatusCode::CREATED, Json(created)).into_response(),
        Err(error) => Refused(error.into()).into_response(),
    }
}

/// What an invite link's page learns before asking for a name.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct SessionDescription {
    pub title: String,
    /// `false` once the session is closed: newcomers are refused.
    pub open: bool,
}

/// `GET /api/sessions/{code}`: the session's title and whether it takes newcomers, so
/// that the invite link's page names the session, or says at once that the link is
/// dead. Guarded like entering: an address with too many failed attempts is refused
/// before any lookup, and an unknown code counts as a failed attempt, so codes cannot
/// be guessed faster here than by joining.
async fn describe_session(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(code): Path<String>,
) -> Response {
    if let Err(refusal) = state.guard.may_try_entering(client) {
        return Refused(refusal).into_response();
    }
    match state.registry.describe(&RoomCode::new(code)).await {
        Ok(description) => Json(SessionDescription {
            title: description.title,
            open: description.open,
        })
        .into_response(),
        Err(error) => {
            // An unknown code is a failed attempt; so is a session that cannot be
            // read, since each try reads it again (as when entering).
            if matches!(error, FindError::Unknown | FindError::Storage) {
                state.guard.entry_failed(client);
            }
            Refused(error.into()).into_response()
        }
    }
}

/// `DELETE /api/sessions/{code}` with `Authorization: Bearer <facilitator key>`: delete
/// the session and everything stored about it. 204 once the deletion is durable; 404
/// alike for an unknown session, a wrong key or no key.
async fn delete_session(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Bearer(key): Bearer,
) -> Response {
    let code = RoomCode::new(code);
    answer_deleted(key, |key| state.registry.delete(&code, key)).await
}

/// 204 once `delete` with the key (of the `Authorization` header) is durable; the
/// same 404 for no key as for a wrong one or an unknown code.
async fn answer_deleted<Deleted>(
    key: Option<String>,
    delete: impl FnOnce(String) -> Deleted,
) -> Response
where
    Deleted: std::future::Future<Output = Result<(), DeleteError>>,
{
    let Some(key) = key else {
        return Refused(DeleteError::RoomOrKeyInvalid.into()).into_response();
    };
    match delete(key).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(error) => Refused(error.into()).into_response(),
    }
}

/// The WebSocket. A foreign `Origin` gets 403 and an address with as many connections as
/// it may have gets 429, before the upgrade. Frames up to the hard limit are read, so
/// that one over `max_frame_bytes` gets a typed refusal (see `connection`).
async fn upgrade(
    State(state): State<AppState>,
    _origin: CheckedOrigin,
    visitor: Visitor,
    ws: WebSocketUpgrade,
) -> Response {
    let max = state.config.frame_hard_limit_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .read_buffer_size(connection::READ_BUFFER)
        .write_buffer_size(connection::WRITE_BUFFER)
        .max_write_buffer_size(connection::MAX_WRITE_BUFFER)
        .on_upgrade(move |socket| connection::serve(socket, state, visitor))
}
