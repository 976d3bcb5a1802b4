//! The HTTP API: creating a session or a group, and looking a session up from its
//! invite link.

use shared::ErrorCode;
use shared::routing::route_key;
use shared::state::Language;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A session the server just created.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Created {
    pub room: String,
    pub facilitator_key: String,
}

/// What the server says of a session to whoever holds its code.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Described {
    pub title: String,
    /// `false` once the session is closed to newcomers.
    pub open: bool,
}

/// Why a request failed: the server's code, or `None` when it could not be reached (or
/// answered something that is not this API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiFailed(pub Option<ErrorCode>);

#[derive(serde::Deserialize)]
struct ApiError {
    code: ErrorCode,
}

/// The body of `POST /api/sessions`. A struct rather than `serde_json::json!`, which
/// would build a `serde_json::Value` (a `BTreeMap`) and bring its code into the wasm
/// module for this one request.
#[derive(serde::Serialize)]
struct NewSession<'a> {
    title: &'a str,
    language: Language,
    call_link: Option<&'a str>,
}

/// Create a session; an empty call link is none.
pub async fn create_session(
    title: &str,
    language: Language,
    call_link: &str,
) -> Result<Created, ApiFailed> {
    let call_link = Some(call_link.trim()).filter(|link| !link.is_empty());
    let body = serde_json::to_string(&NewSession {
        title,
        language,
        call_link,
    })
    .map_err(|_| ApiFailed(Some(ErrorCode::Internal)))?;
    request("POST", "/api/sessions", Some(&body)).await
}

/// The body of `POST /api/groups`.
#[derive(serde::Serialize)]
struct NewGroup<'a> {
    name: &'a str,
    call_link: Option<&'a str>,
}

/// A group the server just created.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct GroupCreated {
    pub group: String,
    pub facilitator_key: String,
}

/// Create a group; an empty call link is none.
pub async fn create_group(name: &str, call_link: &str) -> Result<GroupCreated, ApiFailed> {
    let call_link = Some(call_link.trim()).filter(|link| !link.is_empty());
    let body = serde_json::to_string(&NewGroup { name, call_link })
        .map_err(|_| ApiFailed(Some(ErrorCode::Internal)))?;
    request("POST", "/api/groups", Some(&body)).await
}

/// The title of the session with this code, and whether it takes newcomers.
pub async fn describe_session(code: &str) -> Result<Described, ApiFailed> {
    let path = format!("/api/sessions/{}", js_sys::encode_uri_component(code));
    request("GET", &path, None).await
}

/// The series of group `code` as an iCalendar file's text, for the member holding
/// `token`, its events titled in `lang` (a language tag).
pub async fn series_calendar(code: &str, token: &str, lang: &str) -> Result<String, ApiFailed> {
    let path = format!(
        "/api/groups/{}/series.ics?lang={}&route={}",
        js_sys::encode_uri_component(code),
        js_sys::encode_uri_component(lang),
        route_key(code)
    );
    fetch_text("GET", &path, None, Some(token)).await
}

/// Delete session `code` with its facilitator's key (a group's session: the group's).
/// Routed by `route`, as its pages are (`shared::routing`): a cluster's proxy sends the
/// request to the node that holds the session.
pub async fn delete_session(code: &str, route: &str, key: &str) -> Result<(), ApiFailed> {
    let path = format!(
        "/api/sessions/{}?route={}",
        js_sys::encode_uri_component(code),
        route_key(route)
    );
    fetch_text("DELETE", &path, None, Some(key)).await.map(drop)
}

/// Delete group `code` with its facilitator's key: the group, its members and every
/// session of it.
pub async fn delete_group(code: &str, key: &str) -> Result<(), ApiFailed> {
    let path = format!(
        "/api/groups/{}?route={}",
        js_sys::encode_uri_component(code),
        route_key(code)
    );
    fetch_text("DELETE", &path, None, Some(key)).await.map(drop)
}

/// One request to the API with an optional JSON body; the answer read as `T`, or the
/// error code of a refusal.
async fn request<T: serde::de::DeserializeOwned>(
    method: &str,
    path: &str,
    body: Option<&str>,
) -> Result<T, ApiFailed> {
    let text = fetch_text(method, path, body, None).await?;
    serde_json::from_str(&text).map_err(|_| ApiFailed(Some(ErrorCode::Internal)))
}

/// One request to the API, with an optional JSON body and an optional secret (sent in
/// `Authorization`, never in the address); the answer's text, or the error code of a
/// refusal.
async fn fetch_text(
    method: &str,
    path: &str,
    body: Option<&str>,
    bearer: Option<&str>,
) -> Result<String, ApiFailed> {
    let unreachable = |_: JsValue| ApiFailed(None);
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    let headers = web_sys::Headers::new().map_err(unreachable)?;
    headers
        .set("Accept", "application/json")
        .map_err(unreachable)?;
    if let Some(body) = body {
        init.set_body(&JsValue::from_str(body));
        headers
            .set("Content-Type", "application/json")
            .map_err(unreachable)?;
    }
    if let Some(secret) = bearer {
        headers
            .set("Authorization", &format!("Bearer {secret}"))
            .map_err(unreachable)?;
    }
    init.set_headers(&headers);
    let request = web_sys::Request::new_with_str_and_init(path, &init).map_err(unreachable)?;
    let window = web_sys::window().ok_or(ApiFailed(None))?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_request(&request))
        .await
        .map_err(unreachable)?
        .unchecked_into();
    let text = JsFuture::from(response.text().map_err(unreachable)?)
        .await
        .map_err(unreachable)?
        .as_string()
        .unwrap_or_default();
    if response.ok() {
        Ok(text)
    } else {
        let code = serde_json::from_str::<ApiError>(&text)
            .map(|e| e.code)
            .unwrap_or(ErrorCode::Internal);
        Err(ApiFailed(Some(code)))
    }
}
