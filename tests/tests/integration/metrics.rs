//! `GET /metrics`: the Prometheus text format, counting what the server did.

use server::Config;
use shared::{Command, ErrorCode, Step};
use tests::cast::open_room;
use tests::server::TestServer;
use tests::ws::WsClient;

/// The value of the sample named exactly `name` (with its labels), if present.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn metrics_count_rooms_connections_commands_events_refusals_and_commits() {
    let server = TestServer::start().await;
    let empty = server.http("GET", "/metrics", None).await;
    assert_eq!(empty.status, 200);
    assert_eq!(sample(&empty.body, "codev_rooms"), Some(0.0));

    let url = server.ws_url();
    let (_, mut fac, [mut bruno]) = open_room(&server, "Mesures", "Anne", ["Bruno"]).await;
    for _ in 0..3 {
        bruno.ok(Command::RaiseHand).await;
        bruno.ok(Command::LowerHand).await;
    }
    let refused = bruno.command(Command::next_step(bruno.state())).await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::Forbidden));
    let seq = fac
        .ok(Command::SetDuration {
            step: Step::Problem,
            minutes: 10,
        })
        .await;
    bruno.catch_up(seq).await;
    // Refusals made before anything reaches a room count too.
    let mut eve = WsClient::connect(&url, "Eve").await;
    eve.send_raw("not json").await;
    eve.recv().await;
    eve.send_raw(r#"{"type":"command","id":1,"command":{"type":"raise_hand"}}"#)
        .await;
    eve.recv().await;

    let text = server.http("GET", "/metrics", None).await.body;
    // Every metric says what it is.
    for name in [
        "codev_rooms",
        "codev_connections",
        "codev_commands_total",
        "codev_rejected_commands_total",
        "codev_events_total",
        "codev_event_deliveries_total",
        "codev_slow_consumer_disconnects_total",
        "codev_storage_commit_seconds",
        "codev_storage_writes_total",
    ] {
        assert!(
            text.lines()
                .any(|l| l.starts_with(&format!("# TYPE {name} "))),
            "no TYPE line for {name} in\n{text}"
        );
    }
    assert_eq!(sample(&text, "codev_rooms"), Some(1.0));
    assert_eq!(sample(&text, "codev_connections"), Some(3.0));
    assert_eq!(
        sample(&text, "codev_commands_total{command=\"raise_hand\"}"),
        Some(3.0)
    );
    assert_eq!(
        sample(&text, "codev_commands_total{command=\"next_step\"}"),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, "codev_rejected_commands_total{code=\"forbidden\"}"),
        Some(1.0)
    );
    for code in ["malformed", "not_joined"] {
        assert_eq!(
            sample(
                &text,
                &format!("codev_rejected_commands_total{{code=\"{code}\"}}")
            ),
            Some(1.0),
            "{code}"
        );
    }
    // Two joins, six hand events, the duration: at least nine events, each to both pages
    // once both were there.
    let events = sample(&text, "codev_events_total").unwrap_or(0.0);
    assert!(events >= 9.0, "{events} events");
    let deliveries = sample(&text, "codev_event_deliveries_total").unwrap_or(0.0);
    assert!(deliveries >= 2.0 * 7.0, "{deliveries} deliveries");
    assert_eq!(
        sample(&text, "codev_slow_consumer_disconnects_total"),
        Some(0.0)
    );
    // The room, two seats and every event were committed, each commit timed.
    let commits = sample(&text, "codev_storage_commit_seconds_count").unwrap_or(0.0);
    assert!(commits >= 1.0, "{commits} commits");
    let writes = sample(&text, "codev_storage_writes_total").unwrap_or(0.0);
    assert!(
        writes >= 1.0 + 2.0 + events,
        "{writes} writes for {events} events"
    );

    // A closed connection is no longer counted (the facilitator and Eve remain).
    bruno.close().await;
    server.until_open_connections(2).await;
    let text = server.http("GET", "/metrics", None).await.body;
    assert_eq!(
        sample(&text, "codev_connections"),
        Some(2.0),
        "the facilitator and Eve remain"
    );
}

#[tokio::test]
async fn metrics_answer_this_machine_or_the_bearer_of_the_token() {
    // Behind a trusted proxy, the client is whoever the proxy says.
    let proxied = TestServer::start_with(Config {
        client_ip_header: Some("X-Real-IP".into()),
        ..Config::default()
    })
    .await;
    let local = proxied
        .http_with_headers("GET", "/metrics", None, &[("X-Real-IP", "127.0.0.1")])
        .await;
    assert_eq!(local.status, 200, "this machine reads the metrics");
    let remote = proxied
        .http_with_headers("GET", "/metrics", None, &[("X-Real-IP", "203.0.113.9")])
        .await;
    assert_eq!(remote.status, 403, "elsewhere does not, without a token");
    assert!(!remote.body.contains("codev_rooms"));
    assert!(remote.body.contains("METRICS_TOKEN"));

    // Behind a proxy the server was not told of, every request comes from loopback:
    // one the proxy forwarded, saying so in any of its headers, is not this machine's.
    let unnamed_proxy = TestServer::start().await;
    let direct = unnamed_proxy.http("GET", "/metrics", None).await;
    assert_eq!(direct.status, 200, "a scraper on this machine reads them");
    for header in ["X-Forwarded-For", "X-Real-IP", "Forwarded"] {
        let forwarded = unnamed_proxy
            .http_with_headers("GET", "/metrics", None, &[(header, "203.0.113.9")])
            .await;
        assert_eq!(forwarded.status, 403, "{header}");
        assert!(!forwarded.body.contains("codev_rooms"));
    }

    // With a token, it is needed from everywhere, this machine included.
    let guarded = TestServer::start_with(Config {
        client_ip_header: Some("X-Real-IP".into()),
        metrics_token: Some("s3cret-scraper".into()),
        ..Config::default()
    })
    .await;
    for (headers, status) in [
        (vec![("X-Real-IP", "203.0.113.9")], 401),
        (vec![("X-Real-IP", "127.0.0.1")], 401),
        (
            vec![
                ("X-Real-IP", "203.0.113.9"),
                ("Authorization", "Bearer wrong"),
            ],
            401,
        ),
        (
            vec![
                ("X-Real-IP", "203.0.113.9"),
                ("Authorization", "Bearer s3cret-scraper"),
            ],
            200,
        ),
    ] {
        let answer = guarded
            .http_with_headers("GET", "/metrics", None, &headers)
            .await;
        assert_eq!(answer.status, status, "{headers:?}");
        assert_eq!(answer.body.contains("codev_rooms"), status == 200);
    }
}
