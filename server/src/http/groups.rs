//! A group's HTTP side (`docs/groups.md`): `POST /api/groups`, a new group with its
//! name, and optionally its video-call link (`https://` only) and its own charter, each
//! within the bounds of `shared::Limits`, rate limited like creating a session from the
//! same budget per address, answering the group's code and its facilitator's key; and
//! `GET /api/groups/{code}/series.ics`, the series as a calendar file for a member; and
//! `DELETE /api/groups/{code}`, the group deleted with its sessions by its facilitator.

use super::AppState;
use super::extract::Bearer;
use super::refusal::Refused;
use crate::calendar::series_ics;
use crate::group::{ToGroup, invalid_entry};
use crate::guard::ClientAddr;
use crate::registry::{FindError, LOOKUPS};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shared::group::{GroupState, decide_create};
use shared::i18n::Lang;
use shared::{ErrorCode, GroupCode, Rejection};
use tokio::sync::oneshot;

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

/// `DELETE /api/groups/{code}` with `Authorization: Bearer <group facilitator key>`:
/// delete the group, its members, its events and every session of it with everything
/// stored about them (`Registry::delete_group`), as a session is deleted: 204 once
/// durable; 404 alike for an unknown group, a wrong key or no key.
pub(super) async fn delete_group(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Bearer(key): Bearer,
) -> Response {
    let code = GroupCode::new(code);
    super::answer_deleted(key, |key| state.registry.delete_group(&code, key)).await
}

/// `?lang=` of the calendar file: the language of its events' titles.
#[derive(Debug, Deserialize)]
pub(super) struct CalendarQuery {
    #[serde(default)]
    lang: Option<String>,
}

/// `GET /api/groups/{code}/series.ics` with `Authorization: Bearer <member token>`: the
/// series as an iCalendar file (`crate::calendar`), in the language `?lang=` names
/// (French by default). Guarded like entering: an unknown group, a wrong token and no
/// token get the same 404 and count as a failed attempt of the address.
pub(super) async fn series_calendar(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(code): Path<String>,
    Query(query): Query<CalendarQuery>,
    Bearer(token): Bearer,
    headers: HeaderMap,
) -> Response {
    if let Err(refusal) = state.guard.may_try_entering(client) {
        return Refused(refusal).into_response();
    }
    let code = GroupCode::new(code);
    let read = match token {
        Some(token) => read_group(&state, &code, token).await,
        None => Err(invalid_entry()),
    };
    let group = match read {
        Ok(group) => group,
        Err(rejection) => {
            if matches!(rejection.code, ErrorCode::RoomOrKeyInvalid) {
                state.guard.entry_failed(client);
            }
            return Refused(rejection).into_response();
        }
    };
    let lang = query
        .lang
        .as_deref()
        .map(Lang::from_tag)
        .unwrap_or_default();
    let page = format!("{}/g/{}", public_origin(&state, &headers), code.as_str());
    let text = series_ics(&group, &page, lang, state.services.clock.now());
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_static("attachment; filename=\"codev-series.ics\""),
            ),
            // It is one member's copy of the group: no cache keeps it.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        text,
    )
        .into_response()
}

/// The group, as the member holding `token` reads it from its actor (looked up again if
/// it was put away the moment it was asked).
async fn read_group(
    state: &AppState,
    code: &GroupCode,
    token: String,
) -> Result<GroupState, Rejection> {
    for _ in 0..LOOKUPS {
        let group = state
            .registry
            .find_group(code)
            .await
            .map_err(|error| match error {
                FindError::Unknown => invalid_entry(),
                other => Rejection::from(other),
            })?;
        let (reply, answer) = oneshot::channel();
        let asked = ToGroup::Read {
            token: token.clone(),
            reply,
        };
        if group.send(asked).await.is_err() {
            continue;
        }
        if let Ok(read) = answer.await {
            return read;
        }
    }
    Err(Rejection::new(
        ErrorCode::ServerFull,
        "the group could not be read now",
    ))
}

/// The address pages reach the server at, for links written into files: the request's
/// `Host`, under `https` when a trusted proxy says the client used it
/// (`X-Forwarded-Proto`, read only with `--client-ip-header`, as a proxy is then in
/// front) or `http` otherwise.
fn public_origin(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("localhost");
    let forwarded_https = state.config.client_ip_header.is_some()
        && headers
            .get("x-forwarded-proto")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"));
    let scheme = if forwarded_https { "https" } else { "http" };
    format!("{scheme}://{host}")
}
