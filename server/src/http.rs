//! The HTTP side: creating a session, the WebSocket upgrade, health, and the built
//! client's static files.

use crate::config::Config;
use crate::connection;
use crate::registry::{CreateError, Registry};
use axum::extract::{DefaultBodyLimit, State, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::ErrorCode;
use shared::state::Language;
use std::sync::Arc;
use tokio::sync::watch;
use tower_http::services::{ServeDir, ServeFile};

#[derive(Clone)]
pub struct AppState {
    pub registry: Registry,
    pub config: Arc<Config>,
    /// Turns true when the server is shutting down.
    pub stopping: watch::Receiver<bool>,
}

/// Everything the server answers, on one port.
pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/api/sessions", post(create_session))
        .route("/health", get(health))
        .route("/ws", get(upgrade))
        .layer(DefaultBodyLimit::max(4 * 1024));
    let app = match &state.config.static_dir {
        // Unknown paths (an invite link like /r/<code>) get the app, which routes itself.
        Some(dir) => api
            .fallback_service(ServeDir::new(dir).fallback(ServeFile::new(dir.join("index.html")))),
        None => api.fallback(no_client),
    };
    app.with_state(state)
}

async fn health(State(state): State<AppState>) -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok", "rooms": state.registry.len() }))
}

async fn no_client() -> (StatusCode, &'static str) {
    (
        StatusCode::NOT_FOUND,
        "The browser client is not built into this server. Run `cargo xtask run`.",
    )
}

#[derive(Debug, Deserialize)]
pub struct CreateSession {
    pub title: String,
    #[serde(default)]
    pub language: Language,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct SessionCreated {
    /// The code in the invite link.
    pub room: String,
    /// The facilitator's secret; it opens the facilitator's seat from any device.
    pub facilitator_key: String,
}

#[derive(Debug, Serialize)]
struct ApiError {
    code: ErrorCode,
    message: String,
}

fn api_error(status: StatusCode, code: ErrorCode, message: impl Into<String>) -> Response {
    (
        status,
        Json(ApiError {
            code,
            message: message.into(),
        }),
    )
        .into_response()
}

async fn create_session(
    State(state): State<AppState>,
    body: Result<Json<CreateSession>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return api_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::Malformed,
            "send JSON: {\"title\": \"...\", \"language\": \"fr\" or \"en\"}",
        );
    };
    let title = request.title.trim();
    let max = state.config.limits.session_title_chars;
    if title.is_empty() {
        return api_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::EmptyText,
            "the title is empty",
        );
    }
    if title.chars().count() > max {
        return api_error(
            StatusCode::BAD_REQUEST,
            ErrorCode::TooLong,
            format!("the title is longer than {max} characters"),
        );
    }
    match state.registry.create(title.to_owned(), request.language) {
        Ok(created) => (
            StatusCode::CREATED,
            Json(SessionCreated {
                room: created.code.0,
                facilitator_key: created.facilitator_key,
            }),
        )
            .into_response(),
        Err(CreateError::ServerFull) => api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::ServerFull,
            CreateError::ServerFull.to_string(),
        ),
    }
}

async fn upgrade(State(state): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let max = state.config.max_frame_bytes;
    ws.max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(move |socket| connection::serve(socket, state))
}
