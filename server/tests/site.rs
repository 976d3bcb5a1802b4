//! The site inside the binary is answered exactly as the same files in a directory:
//! for each request below (a file, its compressed twins, a path that is no file, a
//! browser whose copy is current), the embedded handler and `--static-dir`'s answer
//! with the same status, body and headers that matter. The fixture site is
//! `tests/fixtures/site/`, with real `.br` and `.gz` twins of `pkg/app.js`.

use axum::Router;
use server::Site;
use server::http::site::{embedded, serve_files};
use std::net::SocketAddr;
use std::path::PathBuf;
use tests::server::{HttpAnswer, http};

#[derive(rust_embed::RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/tests/fixtures/site"]
struct FixtureSite;

fn fixture_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/site")
}

async fn listen(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("an address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}

/// The value of `name` in an answer's head, if it has one.
fn header(answer: &HttpAnswer, name: &str) -> Option<String> {
    answer.head.lines().skip(1).find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.trim()
            .eq_ignore_ascii_case(name)
            .then(|| value.trim().to_owned())
    })
}

/// The headers both ways of serving must agree on.
const COMPARED: &[&str] = &[
    "content-type",
    "content-encoding",
    "content-length",
    "cache-control",
    "vary",
];

#[tokio::test]
async fn the_embedded_site_answers_as_the_same_files_in_a_directory() {
    let from_dir = listen(serve_files(Router::new(), &Site::Dir(fixture_dir()))).await;
    let embedded = listen(Router::new().fallback(embedded::serve::<FixtureSite>)).await;

    // The directory's answer gives the dates the conditional requests use.
    let js = http(from_dir, "GET", "/pkg/app.js", None, &[]).await;
    let modified = header(&js, "last-modified").expect("Last-Modified from the directory");

    let requests: &[(&str, &[(&str, &str)])] = &[
        ("/", &[]),
        ("/index.html", &[]),
        ("/style.css", &[("Accept-Encoding", "gzip, br")]),
        ("/pkg/app.js", &[]),
        ("/pkg/app.js", &[("Accept-Encoding", "gzip, deflate, br")]),
        ("/pkg/app.js", &[("Accept-Encoding", "gzip")]),
        ("/pkg/app.js", &[("Accept-Encoding", "br;q=0, gzip")]),
        ("/r/some-invite-code", &[("Accept-Encoding", "br")]),
        ("/no/such/file.js", &[]),
        ("/pkg/app.js", &[("If-Modified-Since", &modified)]),
        (
            "/pkg/app.js",
            &[("If-Modified-Since", "Thu, 01 Jan 1970 00:00:00 GMT")],
        ),
    ];
    for (path, headers) in requests {
        let expected = http(from_dir, "GET", path, None, headers).await;
        let answer = http(embedded, "GET", path, None, headers).await;
        let what = format!("GET {path} with {headers:?}");
        assert_eq!(answer.status, expected.status, "{what}");
        assert_eq!(answer.body, expected.body, "{what}");
        for name in COMPARED {
            assert_eq!(
                header(&answer, name),
                header(&expected, name),
                "{what}: {name}"
            );
        }
        if answer.status == 200 {
            assert_eq!(
                header(&answer, "cache-control").as_deref(),
                Some("no-cache")
            );
            assert_eq!(
                header(&answer, "last-modified"),
                header(&expected, "last-modified"),
                "{what}"
            );
        }
    }
    // The twins are what was asked for.
    let brotli = http(
        from_dir,
        "GET",
        "/pkg/app.js",
        None,
        &[("Accept-Encoding", "br")],
    )
    .await;
    assert_eq!(header(&brotli, "content-encoding").as_deref(), Some("br"));
    assert_eq!(
        header(&brotli, "content-type").as_deref(),
        Some("text/javascript")
    );
}

#[tokio::test]
async fn a_browser_holding_the_embedded_files_copy_is_told_it_is_current() {
    let embedded = listen(Router::new().fallback(embedded::serve::<FixtureSite>)).await;
    let gzip = [("Accept-Encoding", "gzip")];
    let first = http(embedded, "GET", "/pkg/app.js", None, &gzip).await;
    let tag = header(&first, "etag").expect("an ETag");

    let again = http(
        embedded,
        "GET",
        "/pkg/app.js",
        None,
        &[("Accept-Encoding", "gzip"), ("If-None-Match", &tag)],
    )
    .await;
    assert_eq!(again.status, 304);
    assert_eq!(again.body, "");
    // The plain file is another copy, with a tag of its own: not current.
    let plain = http(
        embedded,
        "GET",
        "/pkg/app.js",
        None,
        &[("If-None-Match", &tag)],
    )
    .await;
    assert_eq!(plain.status, 200);
    assert_ne!(header(&plain, "etag"), Some(tag));

    let post = http(embedded, "POST", "/pkg/app.js", Some("{}"), &[]).await;
    assert_eq!(post.status, 405);
}
