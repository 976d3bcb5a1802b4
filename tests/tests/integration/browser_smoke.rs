//! End-to-end smoke test of the front door: the client site built by `cargo xtask`,
//! served by the real server, loads and runs in headless Chromium.
//!
//! Needs `CLIENT_DIST` (set by `cargo xtask test`); without it the test fails with a
//! message saying so, rather than skipping.

use std::path::Path;

use tests::browser::{Browser, ChromeDriver};
use tests::server::TestServer;

#[tokio::test]
async fn the_client_mounts_and_greets_in_french() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let browser = Browser::new(&driver, 1280, 800).await;
    browser.open(&server.http_url()).await;

    // Exists only once the wasm has been fetched, instantiated and has mounted the app.
    browser.wait_for("[data-testid=app]").await;
    let heading = browser.text("[data-testid=app] h1").await;
    assert_eq!(heading, "Codéveloppement");

    // The harness promises a page of the requested size, in French.
    let page = browser
        .client()
        .execute(
            "return [window.innerWidth, window.innerHeight, navigator.language];",
            Vec::new(),
        )
        .await
        .expect("run a script in the page");
    assert_eq!(page, serde_json::json!([1280, 800, "fr-FR"]));

    // `<target>/tmp/../screenshots`, beside the other browser tests' screenshots.
    let screenshots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("../screenshots");
    browser.screenshot(screenshots.join("smoke.png")).await;
    browser.close().await;
}

#[tokio::test]
async fn the_site_is_sent_pre_compressed_to_browsers_that_accept_it() {
    let server = TestServer::start_with_client().await;
    for (accepted, expected) in [("br, gzip", "br"), ("gzip", "gzip")] {
        let answer = server
            .http_with_headers(
                "GET",
                "/pkg/client_bg.wasm",
                None,
                &[("Accept-Encoding", accepted)],
            )
            .await;
        assert_eq!(answer.status, 200);
        let head = answer.head.to_ascii_lowercase();
        assert!(
            head.contains(&format!("content-encoding: {expected}")),
            "{head}"
        );
        assert!(head.contains("content-type: application/wasm"), "{head}");
    }
    let plain = server.http("GET", "/pkg/client_bg.wasm", None).await;
    assert!(!plain.head.to_ascii_lowercase().contains("content-encoding"));
    // An invite link gets the app itself.
    let invite = server
        .http_with_headers("GET", "/r/somecode", None, &[("Accept-Encoding", "gzip")])
        .await;
    assert_eq!(invite.status, 200);
}
