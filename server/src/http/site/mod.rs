//! The browser client's files, from a directory (`--static-dir`) or from inside the
//! binary (`cargo xtask dist`), answered alike: the `.br` or `.gz` copy made at build
//! time to a browser that accepts it, the app's `index.html` for any path that is not a
//! file (the app routes itself), and the same caching headers.
//!
//! **Caching.** The files keep their names from one build to the next (`pkg/client.js`,
//! not a name with a hash in it), so a browser must ask again before reusing a copy:
//! `Cache-Control: no-cache`. Asking again costs a `304 Not Modified` when nothing
//! changed, and after an upgrade a reloaded page gets the new client at once instead of
//! an old one kept by the browser's own guess of freshness. `Vary: Accept-Encoding`
//! keeps a shared cache from giving a brotli copy to a browser that did not ask for one.

pub mod embedded;

use crate::config::Site;
use axum::Router;
use axum::http::{HeaderName, HeaderValue, header};
use std::borrow::Cow;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeader;

/// The headers every file of the site is sent with (see the module's header).
const FILE_HEADERS: [(HeaderName, &str); 2] = [
    (header::CACHE_CONTROL, "no-cache"),
    (header::VARY, "accept-encoding"),
];

/// `api` with the site's files behind it: every path the API does not answer.
pub fn serve_files<S: Clone + Send + Sync + 'static>(api: Router<S>, site: &Site) -> Router<S> {
    match site {
        Site::Dir(dir) => {
            let index = ServeFile::new(dir.join("index.html"))
                .precompressed_br()
                .precompressed_gzip();
            let files = ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .fallback(index);
            let [(cache, cache_value), (vary, vary_value)] = FILE_HEADERS;
            let files =
                SetResponseHeader::overriding(files, vary, HeaderValue::from_static(vary_value));
            let files =
                SetResponseHeader::overriding(files, cache, HeaderValue::from_static(cache_value));
            api.fallback_service(files)
        }
        Site::Embedded => built_in::serve_files(api),
    }
}

/// The text of the site's `index.html`, the template of the invite page.
pub async fn index_html(site: &Site) -> std::io::Result<Cow<'static, str>> {
    match site {
        Site::Dir(dir) => tokio::fs::read_to_string(dir.join("index.html"))
            .await
            .map(Cow::Owned),
        Site::Embedded => built_in::index_html(),
    }
}

/// The site inside the binary, with the feature that puts it there.
#[cfg(feature = "embedded-site")]
mod built_in {
    use super::embedded;
    use axum::Router;
    use std::borrow::Cow;

    /// The site `cargo xtask dist` built, read from `CODEV_SITE_DIR` at compile time
    /// (`build.rs` compiles the server again when it changes).
    #[derive(rust_embed::RustEmbed)]
    #[folder = "$CODEV_SITE_DIR"]
    struct BuiltSite;

    pub fn serve_files<S: Clone + Send + Sync + 'static>(api: Router<S>) -> Router<S> {
        api.fallback(embedded::serve::<BuiltSite>)
    }

    pub fn index_html() -> std::io::Result<Cow<'static, str>> {
        embedded::index_html::<BuiltSite>()
    }
}

/// Without the feature there is no site inside; `Site::built_in` never names it.
#[cfg(not(feature = "embedded-site"))]
mod built_in {
    use axum::Router;
    use std::borrow::Cow;

    pub fn serve_files<S: Clone + Send + Sync + 'static>(api: Router<S>) -> Router<S> {
        api.fallback(super::super::no_client)
    }

    pub fn index_html() -> std::io::Result<Cow<'static, str>> {
        Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            "this server was built without a site inside",
        ))
    }
}
