//! The web side: another site cannot open the WebSocket from a visitor's browser, and
//! every page is confined by its Content-Security-Policy, checked in Chromium itself.

use server::{Config, Site};
use shared::wire::{ClientMessage, ServerMessage};
use std::path::Path;
use tests::browser::{Browser, ChromeDriver};
use tests::server::{TempDir, TestServer};
use tests::ws::WsClient;

/// A tiny site instead of the real client: a page that probes what its policy allows.
/// (The browser tests of the real client run under the same policy.)
fn probe_site(dir: &Path) {
    std::fs::write(
        dir.join("index.html"),
        r#"<!doctype html>
<html><head><meta charset="utf-8"><title>probe</title>
<script>window.inlineRan = true;</script>
<script src="/probe.js"></script>
</head><body><p id="status">loading</p></body></html>"#,
    )
    .expect("write index.html");
    std::fs::write(
        dir.join("probe.js"),
        r#"
const result = { violations: [] };
document.addEventListener('securitypolicyviolation', (e) => {
  result.violations.push(e.effectiveDirective + ' ' + e.blockedURI);
});
result.inline = window.inlineRan === true ? 'ran' : 'blocked';
try { eval('1'); result.eval = 'ran'; } catch (e) { result.eval = 'blocked'; }
const settle = (promise) => promise.then(() => 'allowed', () => 'refused');
const socket = (url) => new Promise((resolve) => {
  const ws = new WebSocket(url);
  ws.onopen = () => ws.send('{"type":"ping","nonce":9}');
  ws.onmessage = (m) => { resolve(JSON.parse(m.data).type); ws.close(); };
  ws.onerror = () => resolve('error');
});
const otherHost = location.host.startsWith('127.0.0.1')
  ? location.host.replace('127.0.0.1', 'localhost') : '127.0.0.1:' + location.port;
Promise.all([
  settle(WebAssembly.instantiate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))),
  settle(fetch('/health')),
  settle(fetch('http://' + otherHost + '/health')),
  socket('ws://' + location.host + '/ws'),
  socket('ws://' + otherHost + '/ws'),
]).then(([wasm, ownFetch, otherFetch, ownSocket, otherSocket]) => {
  Object.assign(result, { wasm, ownFetch, otherFetch, ownSocket, otherSocket });
  setTimeout(() => {
    const done = document.createElement('pre');
    done.id = 'done';
    done.textContent = JSON.stringify(result);
    document.body.appendChild(done);
  }, 200);
});
"#,
    )
    .expect("write probe.js");
}

#[tokio::test]
async fn the_websocket_refuses_foreign_origins_and_allows_its_own() {
    let server = TestServer::start_with(Config {
        allowed_origins: vec!["https://codev.example.org".into()],
        max_connections_per_address: 1,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    for foreign in [
        "https://evil.example",
        "null",
        "http://localhost.evil.example",
        "https://codev.example.org.evil.example",
    ] {
        let refused = WsClient::connect_with_headers(&url, foreign, &[("Origin", foreign)]).await;
        let Err((status, body)) = refused else {
            panic!("{foreign} may not open the WebSocket");
        };
        assert_eq!(status, 403, "{foreign}");
        assert!(body.contains("forbidden"), "{body}");
    }
    // Refused handshakes took no connection slot from the address (its one slot is
    // free); the server's own origin, the allowed one and no origin at all get in.
    let own = format!("http://{}", server.addr());
    for origin in [Some(own.as_str()), Some("https://codev.example.org"), None] {
        let headers: Vec<(&str, &str)> = origin.map(|o| ("Origin", o)).into_iter().collect();
        let connected = WsClient::connect_with_headers(&url, "page", &headers).await;
        let mut client = match connected {
            Ok(client) => client,
            Err((status, body)) => panic!("{origin:?}: {status} {body}"),
        };
        client.send(&ClientMessage::Ping { nonce: 3 }).await;
        assert!(matches!(
            client.recv().await,
            ServerMessage::Pong { nonce: 3, .. }
        ));
        client.close().await;
        // Its slot is free once the server has let go of it.
        server.until_open_connections(0).await;
    }
}

/// A server with the default settings serving the probe site ([`probe_site`]) from a
/// temporary directory, removed when the `TempDir` is dropped.
async fn serving_the_probe_site() -> (TempDir, TestServer) {
    let site = TempDir::new("site");
    probe_site(site.path());
    let server = TestServer::start_with(Config {
        site: Some(Site::Dir(site.path().to_owned())),
        ..Config::default()
    })
    .await;
    (site, server)
}

#[tokio::test]
async fn every_answer_carries_the_security_headers() {
    let (_site, server) = serving_the_probe_site().await;
    let requests = [
        ("GET", "/", None),
        ("GET", "/probe.js", None),
        ("GET", "/r/somecode", None),
        ("GET", "/health", None),
        ("POST", "/api/sessions", Some("{}")),
        ("POST", "/api/sessions", Some(r#"{"title":"Titre"}"#)),
    ];
    for (method, path, body) in requests {
        let answer = server.http(method, path, body).await;
        let head = answer.head.to_ascii_lowercase();
        for header in [
            "content-security-policy: default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
             connect-src 'self'",
            "x-content-type-options: nosniff",
            "referrer-policy: no-referrer",
            "x-frame-options: deny",
        ] {
            assert!(
                head.contains(header),
                "{method} {path}: no {header}\n{head}"
            );
        }
    }
}

#[tokio::test]
async fn the_policy_is_in_force_in_a_real_browser() {
    let (_site, server) = serving_the_probe_site().await;
    let driver = ChromeDriver::start().await;
    let browser = Browser::new(&driver, 800, 600).await;
    browser.open(&server.http_url()).await;
    browser.wait_for("#done").await;
    let result: serde_json::Value =
        serde_json::from_str(&browser.text("#done").await).expect("the probe's result");
    browser.close().await;
    println!("the probe saw: {result}");

    // Only the page's own script runs; WebAssembly compiles; no eval.
    assert_eq!(result["inline"], "blocked", "{result}");
    assert_eq!(result["eval"], "blocked", "{result}");
    assert_eq!(result["wasm"], "allowed", "{result}");
    // It talks to its own server only, the WebSocket included.
    assert_eq!(result["ownFetch"], "allowed", "{result}");
    assert_eq!(result["ownSocket"], "pong", "{result}");
    assert_eq!(result["otherFetch"], "refused", "{result}");
    assert_eq!(result["otherSocket"], "error", "{result}");
    // ... and it is the policy that stopped both, not the other host.
    let blocked: Vec<&str> = result["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|v| v.starts_with("connect-src"))
        .collect();
    assert!(
        blocked.iter().any(|v| v.contains("http://localhost"))
            && blocked.iter().any(|v| v.contains("ws://localhost")),
        "{result}"
    );
}
