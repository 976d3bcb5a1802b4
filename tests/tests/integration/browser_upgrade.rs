//! The server is upgraded to another protocol version under an open page: the page
//! reloads itself to fetch the client the server serves now, keeping its seat's token;
//! and if the server still finds it too old after that one reload (something between
//! keeps serving the old client), it says so instead of reloading forever.
//!
//! The newer server is a stand-in that serves the same site and finds every page too
//! old, which is what a newer server says to this build's client.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::routing::get;
use server::Site;
use server::http::site::serve_files;
use shared::ErrorCode;
use shared::wire::ServerMessage;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use tests::browser::{Browser, ChromeDriver};
use tests::journey::{create_session, join, screenshot_path};
use tests::server::{TestServer, client_dist};

/// Entries (`join` or `resume`) the stand-in refused.
type Knocks = Arc<AtomicUsize>;

/// Serve the site and a WebSocket that refuses every entry as `unsupported_version`, as
/// a server speaking a later protocol version does, on `addr`.
async fn newer_server_at(addr: SocketAddr) -> Knocks {
    let knocks = Knocks::default();
    let counted = knocks.clone();
    let ws = get(move |upgrade: WebSocketUpgrade| {
        let knocks = counted.clone();
        async move { upgrade.on_upgrade(move |socket| refuse_every_entry(socket, knocks)) }
    });
    let router = serve_files(Router::new().route("/ws", ws), &Site::Dir(client_dist()));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .unwrap_or_else(|error| panic!("bind {addr}: {error}"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    knocks
}

async fn refuse_every_entry(mut socket: WebSocket, knocks: Knocks) {
    while let Some(Ok(message)) = socket.recv().await {
        let Message::Text(text) = message else {
            continue;
        };
        let frame: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        if frame.get("protocol_version").is_none() {
            continue;
        }
        knocks.fetch_add(1, Ordering::SeqCst);
        let refusal = ServerMessage::Rejected {
            id: None,
            code: ErrorCode::UnsupportedVersion,
            message: "this server speaks protocol version 3".into(),
        };
        let refusal = serde_json::to_string(&refusal).expect("a frame");
        if socket.send(Message::Text(refusal.into())).await.is_err() {
            return;
        }
    }
}

/// The resume tokens the page keeps, by key.
async fn tokens(browser: &Browser) -> serde_json::Value {
    browser
        .client()
        .execute(
            "return Object.keys(localStorage).filter(k => k.startsWith('codev.token.'))\
             .map(k => [k, localStorage.getItem(k)]);",
            Vec::new(),
        )
        .await
        .expect("read the page's storage")
}

#[tokio::test]
async fn a_page_reloads_itself_once_for_a_server_that_speaks_a_newer_protocol() {
    let server = TestServer::start_with_client().await;
    let addr = server.addr();
    let driver = ChromeDriver::start().await;
    let browser = Browser::new(&driver, 1280, 800).await;
    let (own, _invite) = create_session(&browser, &server.http_url(), "Mise à jour").await;
    join(&browser, &own, "Anne").await;
    browser
        .wait_for("[data-testid=connection] [data-state=live]")
        .await;
    let seat = tokens(&browser).await;
    assert_eq!(seat.as_array().map(Vec::len), Some(1), "{seat}");
    // A mark on this document: a reloaded page is a new document, without it.
    browser
        .client()
        .execute("window.beforeUpgrade = true; return null;", Vec::new())
        .await
        .expect("mark the page");

    server.stop().await;
    let knocks = newer_server_at(addr).await;

    // Refused once: the page reloads and tries again with the same token; refused
    // again, it says so and stops.
    browser.wait_for("[data-testid=fatal]").await;
    // WebDriver reads the no-break space before the colon as a space.
    assert_eq!(
        browser.text("[data-testid=fatal-reason]").await,
        "Cette page est trop ancienne : rechargez-la."
    );
    let reloaded = browser
        .client()
        .execute("return window.beforeUpgrade === undefined;", Vec::new())
        .await
        .expect("read the mark");
    assert_eq!(
        reloaded,
        serde_json::json!(true),
        "the page reloaded itself"
    );
    assert_eq!(
        knocks.load(Ordering::SeqCst),
        2,
        "once before the reload, once after"
    );
    assert_eq!(tokens(&browser).await, seat, "the seat's token is kept");
    browser
        .assert_accessible("outdated page after one reload")
        .await;
    browser
        .screenshot(screenshot_path("outdated-after-reload"))
        .await;
    browser.close().await;
}
