//! Serving a site compiled into the binary (any [`RustEmbed`] folder) the way
//! `tower_http`'s `ServeDir` serves the same files from a directory: the `.br` or `.gz`
//! twin to a browser that accepts it, `index.html` for a path that is no file, the
//! content type from the file's name, `Last-Modified`, and `304 Not Modified` to a
//! browser whose copy is current. It adds an `ETag` (the digest of the bytes sent),
//! since files from inside a binary have no modification time a browser can trust
//! across two builds made within the same second. Ranges are not served: the site's
//! files are small and a browser asks for them whole.

use super::FILE_HEADERS;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::{EmbeddedFile, RustEmbed};
use std::borrow::Cow;
use std::fmt::Write;
use std::time::{Duration, SystemTime};

/// The page every path that is not a file gets.
const INDEX: &str = "index.html";

/// The compressed twins a file may have, in the order they are preferred.
const TWINS: [(&str, &str); 2] = [("br", ".br"), ("gzip", ".gz")];

/// Answer a request for the site's files from `E`.
pub async fn serve<E: RustEmbed>(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    if method != Method::GET && method != Method::HEAD {
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, HeaderValue::from_static("GET,HEAD"))],
        )
            .into_response();
    }
    let asked = uri.path().trim_start_matches('/');
    let name = match E::get(asked) {
        Some(_) if !asked.is_empty() => asked,
        _ => INDEX,
    };
    let Some((file, encoding)) = pick::<E>(name, &headers) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    respond(name, file, encoding, &headers)
}

/// The site's `index.html` as text.
pub fn index_html<E: RustEmbed>() -> std::io::Result<Cow<'static, str>> {
    let file = E::get(INDEX).ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::NotFound, "no index.html in the site")
    })?;
    match file.data {
        Cow::Borrowed(bytes) => std::str::from_utf8(bytes).map(Cow::Borrowed),
        Cow::Owned(bytes) => String::from_utf8(bytes)
            .map(Cow::Owned)
            .map_err(|error| error.utf8_error()),
    }
    .map_err(|error| std::io::Error::new(std::io::ErrorKind::InvalidData, error))
}

/// The copy of `name` to send: its preferred compressed twin that the browser accepts,
/// or the file itself.
fn pick<E: RustEmbed>(
    name: &str,
    headers: &HeaderMap,
) -> Option<(EmbeddedFile, Option<&'static str>)> {
    let accepted = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    TWINS
        .iter()
        .filter(|(encoding, _)| accepts(&accepted, encoding))
        .find_map(|(encoding, suffix)| {
            E::get(&format!("{name}{suffix}")).map(|twin| (twin, Some(*encoding)))
        })
        .or_else(|| E::get(name).map(|file| (file, None)))
}

/// Whether an `Accept-Encoding` value accepts `encoding` (named, with a weight above 0).
fn accepts(accept_encoding: &str, encoding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let named = parts
            .next()
            .is_some_and(|name| name.eq_ignore_ascii_case(encoding));
        let refused = parts.any(|parameter| {
            parameter
                .strip_prefix("q=")
                .and_then(|weight| weight.trim().parse::<f32>().ok())
                .is_some_and(|weight| weight <= 0.0)
        });
        named && !refused
    })
}

fn respond(
    name: &str,
    file: EmbeddedFile,
    encoding: Option<&'static str>,
    request: &HeaderMap,
) -> Response {
    let etag = entity_tag(&file.metadata.sha256_hash());
    let last_modified = file
        .metadata
        .last_modified()
        .map(|seconds| SystemTime::UNIX_EPOCH + Duration::from_secs(seconds));
    let mut response = if is_current(request, &etag, last_modified) {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let content_type = mime_guess::from_path(name).first_or_octet_stream();
        let body = match file.data {
            Cow::Borrowed(bytes) => Bytes::from_static(bytes),
            Cow::Owned(bytes) => Bytes::from(bytes),
        };
        let mut response = Response::new(Body::from(body));
        let headers = response.headers_mut();
        if let Ok(value) = HeaderValue::from_str(content_type.as_ref()) {
            headers.insert(header::CONTENT_TYPE, value);
        }
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        response
    };
    let headers = response.headers_mut();
    for (name, value) in FILE_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    if let Some(Ok(value)) =
        last_modified.map(|at| HeaderValue::from_str(&httpdate::fmt_http_date(at)))
    {
        headers.insert(header::LAST_MODIFIED, value);
    }
    response
}

/// A strong entity tag from a file's digest (its first 16 bytes, in hex).
fn entity_tag(digest: &[u8; 32]) -> String {
    let mut tag = String::from("\"");
    for byte in &digest[..16] {
        let _ = write!(tag, "{byte:02x}");
    }
    tag.push('"');
    tag
}

/// Whether the browser's copy is the one it would be sent: `If-None-Match` names this
/// tag (or `*`), or, without `If-None-Match`, `If-Modified-Since` is not older than the
/// file (RFC 9110, 13.2.2).
fn is_current(request: &HeaderMap, etag: &str, last_modified: Option<SystemTime>) -> bool {
    if let Some(tags) = request.get(header::IF_NONE_MATCH) {
        let tags = tags.to_str().unwrap_or_default();
        return tags
            .split(',')
            .map(str::trim)
            .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag);
    }
    let since = request
        .get(header::IF_MODIFIED_SINCE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| httpdate::parse_http_date(value).ok());
    matches!((since, last_modified), (Some(since), Some(modified)) if since >= modified)
}

#[cfg(test)]
mod tests {
    use super::accepts;

    #[test]
    fn an_encoding_is_accepted_when_named_without_a_zero_weight() {
        assert!(accepts("gzip, deflate, br, zstd", "br"));
        assert!(accepts("BR;q=0.5", "br"));
        assert!(!accepts("br;q=0, gzip", "br"));
        assert!(accepts("br;q=0, gzip", "gzip"));
        assert!(!accepts("", "gzip"));
        assert!(!accepts("x-gzip", "gzip"));
    }
}
