//! The nginx block of `docs/deploy.md`, as written there, run by Debian's nginx in front
//! of a real server (`tests::nginx` says what it changes for loopback: the listen line,
//! the TLS lines, the upstream's port). A whole session goes through it over WebSocket;
//! the server counts each client under the address nginx saw, whatever the client
//! claimed itself; and the `Origin` rule holds through the proxy.

use server::Config;
use shared::Step;
use std::net::IpAddr;
use tests::cast::Cast;
use tests::nginx::{Nginx, deploy_doc, documented_block};
use tests::server::{TestServer, create_session};
use tests::ws::WsClient;

/// What a client puts in its own `X-Forwarded-For` to pass for someone else.
const SPOOFED: &str = "203.0.113.9";

#[tokio::test]
async fn a_session_runs_through_the_documented_nginx_block_which_passes_the_clients_address_and_keeps_the_origin_rule()
 {
    // As the unit in docs/deploy.md runs it, with few connections per address so that
    // the address the server counts shows.
    let config = Config {
        client_ip_header: Some("X-Forwarded-For".to_owned()),
        max_connections_per_address: 5,
        ..Config::default()
    };
    let server = TestServer::start_with(config).await;
    let doc = std::fs::read_to_string(deploy_doc()).expect("read docs/deploy.md");
    let nginx = Nginx::start(&documented_block(&doc), server.addr()).await;
    let url = nginx.ws_url();
    // The site as a browser sees it: nginx's address.
    let site = format!("http://{}", nginx.addr());

    // The origin rule: the proxied site's own pages may open the WebSocket (nginx
    // passes the Host the browser asked for); a foreign page may not, nor a page
    // claiming the server's own address behind the proxy.
    for foreign in ["https://evil.example", &format!("http://{}", server.addr())] {
        let refused = WsClient::connect_with_headers(&url, "foreign page", &[("Origin", foreign)])
            .await
            .err()
            .unwrap_or_else(|| panic!("a page from {foreign} opened the WebSocket"));
        assert_eq!(refused.0, 403, "{foreign}: {refused:?}");
        assert!(refused.1.contains("forbidden"), "{refused:?}");
    }
    let own = WsClient::connect_with_headers(&url, "own page", &[("Origin", &site)])
        .await
        .unwrap_or_else(|refused| panic!("the site's own page was refused: {refused:?}"));
    drop(own);
    server.until_open_connections(0).await;

    // A whole session through nginx: created through the API, five people walking every
    // step to its close, each from 127.0.0.1 as nginx sees them.
    let session = create_session(nginx.addr(), "Derrière nginx").await;
    let mut cast = Cast::at_step(&url, &session, Step::Closed).await;
    assert!(cast.catch_up().await > 0);
    server.until_open_connections(5).await;

    // 127.0.0.1 has its five connections. A sixth from there claiming to be someone
    // else is refused: nginx appended the address it saw, and the server read that
    // last entry, not the client's own claim.
    let claimed = WsClient::connect_with_headers(&url, "spoofer", &[("X-Forwarded-For", SPOOFED)])
        .await
        .err()
        .expect("the claimed address let a sixth connection from 127.0.0.1 in");
    assert_eq!(claimed.0, 429, "{claimed:?}");
    // The same claim from 127.0.0.2 is let in: nginx connects to the server from
    // 127.0.0.1 for everyone, so the server counted the address from the header.
    let neighbour: IpAddr = "127.0.0.2".parse().expect("an address");
    let other = WsClient::connect_from(
        neighbour,
        &url,
        "neighbour",
        &[("X-Forwarded-For", SPOOFED)],
    )
    .await
    .unwrap_or_else(|refused| panic!("127.0.0.2 was counted with 127.0.0.1: {refused:?}"));
    server.until_open_connections(6).await;
    // Whatever nginx met on the way (read while everyone is still connected: how the
    // connections end at the test's end is not the block's business).
    let errors: Vec<String> = nginx
        .error_log()
        .lines()
        .filter(|line| line.contains("[error]") || line.contains("[crit]"))
        .map(str::to_owned)
        .collect();
    assert!(errors.is_empty(), "nginx logged errors: {errors:#?}");
    drop(other);
    drop(cast);
}
