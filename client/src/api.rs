//! The HTTP API: creating a session.

use shared::ErrorCode;
use shared::state::Language;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A session the server just created.
#[derive(Clone, Debug, PartialEq, Eq, serde::Deserialize)]
pub struct Created {
    pub room: String,
    pub facilitator_key: String,
}

/// Why creating failed: the server's code, or `None` when it could not be reached.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CreateFailed(pub Option<ErrorCode>);

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
}

pub async fn create_session(title: &str, language: Language) -> Result<Created, CreateFailed> {
    let unreachable = |_: JsValue| CreateFailed(None);
    let body = serde_json::to_string(&NewSession { title, language })
        .map_err(|_| CreateFailed(Some(ErrorCode::Internal)))?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body));
    let headers = web_sys::Headers::new().map_err(unreachable)?;
    headers
        .set("Content-Type", "application/json")
        .map_err(unreachable)?;
    init.set_headers(&headers);
    let request =
        web_sys::Request::new_with_str_and_init("/api/sessions", &init).map_err(unreachable)?;
    let window = web_sys::window().ok_or(CreateFailed(None))?;
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
        serde_json::from_str(&text).map_err(|_| CreateFailed(Some(ErrorCode::Internal)))
    } else {
        let code = serde_json::from_str::<ApiError>(&text)
            .map(|e| e.code)
            .unwrap_or(ErrorCode::Internal);
        Err(CreateFailed(Some(code)))
    }
}
