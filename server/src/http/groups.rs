//! `POST /api/groups`: a new group (`docs/groups.md`), with its name, and optionally its
//! video-call link (`https://` only) and its own charter, each within the bounds of
//! `shared::Limits`. Rate limited like creating a session, from the same budget per
//! address. Answers the group's code and its facilitator's key.

use super::AppState;
use super::refusal::Refused;
use crate::guard::ClientAddr;
use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shared::ErrorCode;
use shared::group::decide_create;

#[derive(Debug, Serialize, Deserialize)]
pub struct CreateGroup {
    pub name: String,
    /// Left out or `null`: none.
    #[serde(default, deserialize_with = "shared::wire::null_as_default")]
    pub call_link: Option<String>,
    /// Left out or `null`: the app's default charter.
    #[serde(default, deserialize_with = "shared::wire::null_as_default")]
    pub charter: Option<String>,
}

/// What `POST /api/groups` answers; the tests read it with this same type.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct GroupCreated {
    /// The code in the group's invite link.
    pub group: String,
    /// The group facilitator's secret; it opens their place from any device.
    pub facilitator_key: String,
}

pub(super) async fn create_group(
    State(state): State<AppState>,
    client: ClientAddr,
    body: Result<Json<CreateGroup>, JsonRejection>,
) -> Response {
    let Ok(Json(request)) = body else {
        return Refused::new(
            ErrorCode::Malformed,
            "send JSON: {\"name\": \"...\", \"call_link\": \"https://...\", \"charter\": \"...\"}",
        )
        .into_response();
    };
    let checked = decide_create(
        &request.name,
        request.call_link.as_deref(),
        request.charter.as_deref(),
        &state.config.limits,
    );
    let details = match checked {
        Ok(details) => details,
        Err(rejection) => return Refused(rejection).into_response(),
    };
    if let Err(refusal) = state.guard.may_create_session(client) {
        return Refused(refusal).into_response();
    }
    let created = state.registry.create_group(details).await;
    super::answer_created(created.map(|created| GroupCreated {
        group: created.code.0,
        facilitator_key: created.facilitator_key,
    }))
}
