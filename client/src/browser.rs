//! Small wrappers over the browser's APIs: clock, random ids, local storage, the
//! address bar, the clipboard and file downloads. Everything here degrades quietly
//! (private browsing without storage, say) rather than failing the page.

use wasm_bindgen::JsCast;

/// Local time in milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    js_sys::Date::now() as u64
}

/// 128 random bits from the browser's cryptographic generator, as 32 hex digits.
/// Used for note, card and action ids, which must say nothing about their author.
pub fn random_id() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .and_then(|c| c.get_random_values_with_u8_array(&mut bytes).ok())
        .is_some();
    if !filled {
        for byte in &mut bytes {
            *byte = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random starting point for command ids, so two pages of the same participant
/// never reuse each other's ids.
pub fn random_command_base() -> u64 {
    // 2^40 values apart is ample; keep well inside f64's exact integers for tools.
    (js_sys::Math::random() * (1u64 << 40) as f64) as u64 * 1024
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

pub fn load(key: &str) -> Option<String> {
    storage()?.get_item(key).ok()?
}

pub fn store(key: &str, value: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(key, value);
    }
}

pub fn forget(key: &str) {
    if let Some(storage) = storage() {
        let _ = storage.remove_item(key);
    }
}

/// The page's origin, such as `https://codev.example`.
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// The WebSocket address on the same host and port as the page, routed by `code`
/// (`shared::routing`), asking once for the node `node`.
pub fn websocket_url(code: &str, node: Option<&str>) -> String {
    let location = web_sys::window().map(|w| w.location());
    let host = location
        .as_ref()
        .and_then(|l| l.host().ok())
        .unwrap_or_default();
    let secure = location
        .and_then(|l| l.protocol().ok())
        .is_some_and(|p| p == "https:");
    let path = shared::routing::websocket_path(code, node);
    format!("{}://{host}{path}", if secure { "wss" } else { "ws" })
}

/// The browser's preferred language tag.
pub fn preferred_language() -> String {
    web_sys::window()
        .and_then(|w| w.navigator().language())
        .unwrap_or_default()
}

/// Keep the language choice where the server reads it too (a cookie, for a year, on
/// this site only), so that the pages it writes start in that language.
pub fn remember_language_for_server(tag: &str) {
    use wasm_bindgen::JsCast;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok());
    if let Some(document) = document {
        let cookie = format!(
            "{}={tag}; Path=/; Max-Age=31536000; SameSite=Lax",
            shared::i18n::LANG_COOKIE
        );
        let _ = document.set_cookie(&cookie);
    }
}

/// Copy text to the clipboard; the promise's outcome is not awaited.
pub fn copy_to_clipboard(text: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Offer `content` as a file download named `filename`.
pub fn download(filename: &str, mime: &str, content: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(content));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(anchor) = document.create_element("a") {
        let anchor: web_sys::HtmlAnchorElement = anchor.unchecked_into();
        anchor.set_href(&url);
        anchor.set_download(filename);
        anchor.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

pub fn print_page() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

pub fn confirm(message: &str) -> bool {
    web_sys::window()
        .and_then(|w| w.confirm_with_message(message).ok())
        .unwrap_or(false)
}

/// Go to another address in this tab.
pub fn navigate(url: &str) {
    if let Some(window) = web_sys::window() {
        let _ = window.location().assign(url);
    }
}

/// Show `path` in the address bar instead of the current address, without a reload
/// or a new entry in the history (a secret taken out of a link once it is kept).
pub fn replace_address(path: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(path));
    }
}

/// A moment as the `YYYY-MM-DDTHH:MM` of a `datetime-local` field, in local time.
pub fn datetime_local(at: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes()
    )
}

/// The moment a `datetime-local` field's value names, in local time.
pub fn parse_datetime_local(value: &str) -> Option<u64> {
    let ms = js_sys::Date::new(&wasm_bindgen::JsValue::from_str(value)).get_time();
    (ms.is_finite() && ms >= 0.0).then_some(ms as u64)
}

/// The same local time of day, `months` calendar months later.
pub fn months_later(at: u64, months: u32) -> u64 {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64));
    date.set_month(date.get_month() + months);
    date.get_time() as u64
}

/// Where a tab notes (in its `sessionStorage`) when it last reloaded itself for a newer
/// server.
const RELOADED_FOR_NEWER_SERVER: &str = "codev-reloaded-for-newer-server";

/// How long after reloading itself for a newer server a tab that is still told it is too
/// old gives up reloading.
const RELOAD_AGAIN_AFTER_MS: u64 = 60_000;

/// Reload the page, so that it fetches the client a newer server serves, and say so;
/// or do nothing and say `false` when this tab already reloaded for that within the last
/// minute (the server still finds the page too old: something in between keeps serving
/// the old client, and reloading again would only loop), or cannot remember doing so.
pub fn reload_for_newer_server() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Some(tab) = window.session_storage().ok().flatten() else {
        return false;
    };
    let last = tab
        .get_item(RELOADED_FOR_NEWER_SERVER)
        .ok()
        .flatten()
        .and_then(|at| at.parse().ok());
    let now = now_ms();
    if !reload_due(last, now) {
        return false;
    }
    tab.set_item(RELOADED_FOR_NEWER_SERVER, &now.to_string())
        .is_ok()
        && window.location().reload().is_ok()
}

/// Whether a tab that last reloaded for a newer server at `last` may do so again `now`.
pub fn reload_due(last: Option<u64>, now: u64) -> bool {
    last.is_none_or(|at| now.saturating_sub(at) >= RELOAD_AGAIN_AFTER_MS)
}

#[cfg(test)]
mod tests {
    use super::reload_due;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn a_tab_reloads_for_a_newer_server_once_a_minute_at_most() {
        assert!(reload_due(None, 1_000));
        assert!(!reload_due(Some(1_000), 1_000));
        assert!(!reload_due(Some(1_000), 60_999));
        assert!(reload_due(Some(1_000), 61_000));
        // A clock set back does not make it loop.
        assert!(!reload_due(Some(90_000), 1_000));
    }
}
