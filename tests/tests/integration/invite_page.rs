//! `GET /r/{code}` over real HTTP: the invite link's page arrives with its first screen
//! written in (the session's title and the join form, or the card of a dead link), in the
//! visitor's language, never cached, and guarded like every other way of looking a code
//! up. The site's own `index.html` (from `client/static`) is the template, so a change
//! that loses its mark fails here.

use server::{Config, Site};
use tests::cast::closed_by_anne;
use tests::server::{HttpAnswer, TempDir, TestServer};

/// A site directory holding the repository's `index.html`, as the build copies it.
fn site() -> TempDir {
    let dir = TempDir::new("invite-site");
    let template = concat!(env!("CARGO_MANIFEST_DIR"), "/../client/static/index.html");
    std::fs::copy(template, dir.join("index.html")).expect("copy index.html");
    dir
}

async fn server_with_site(site: &TempDir, config: Config) -> TestServer {
    TestServer::start_with(Config {
        site: Some(Site::Dir(site.path().to_path_buf())),
        ..config
    })
    .await
}

async fn page(server: &TestServer, code: &str, headers: &[(&str, &str)]) -> HttpAnswer {
    let answer = server
        .http_with_headers("GET", &format!("/r/{code}"), None, headers)
        .await;
    assert_eq!(answer.status, 200, "{}", answer.head);
    answer
}

fn header<'a>(answer: &'a HttpAnswer, name: &str) -> Option<&'a str> {
    answer.head.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        key.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

#[tokio::test]
async fn an_open_session_is_named_with_its_join_form_in_the_visitors_language() {
    let site = site();
    let server = server_with_site(&site, Config::default()).await;
    let session = server.create_session("Codév <du> jeudi").await;

    let english = page(
        &server,
        &session.room,
        &[("Accept-Language", "en-GB,en;q=0.9")],
    )
    .await;
    assert_eq!(
        header(&english, "content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(header(&english, "cache-control"), Some("no-store"));
    assert!(
        header(&english, "content-security-policy")
            .is_some_and(|csp| csp.contains("script-src 'self'")),
        "the page keeps the site's policy: {}",
        english.head
    );
    let body = &english.body;
    assert!(body.contains("<html lang=\"en\">"), "{body}");
    assert!(body.contains("data-lookup=\"open\""), "{body}");
    assert!(body.contains(">Codév &lt;du&gt; jeudi</p>"), "{body}");
    assert!(body.contains(">Join the session</h2>"), "{body}");
    assert!(body.contains("data-testid=\"join-name\""), "{body}");
    assert!(!body.contains("<!--invite-->"), "{body}");
    assert!(
        !body.contains(&session.facilitator_key),
        "the key never leaves the server"
    );
    // The rest of the site's page is there: the app still starts.
    assert!(body.contains("src=\"/boot.js\""), "{body}");

    // The person chose French in the app: that wins over the browser's language.
    let chosen = page(
        &server,
        &session.room,
        &[
            ("Accept-Language", "en-GB,en;q=0.9"),
            ("Cookie", "codev_lang=fr"),
        ],
    )
    .await;
    assert!(
        chosen.body.contains("<html lang=\"fr\">"),
        "{}",
        chosen.body
    );
    assert!(
        chosen.body.contains(">Rejoindre la séance</h2>"),
        "{}",
        chosen.body
    );
}

#[tokio::test]
async fn a_closed_or_unknown_session_is_said_at_once_without_a_form() {
    let site = site();
    let server = server_with_site(&site, Config::default()).await;
    let session = server.create_session("Séance de lundi").await;
    let fac = closed_by_anne(&server, &session).await;

    let closed = page(&server, &session.room, &[]).await.body;
    assert!(closed.contains("data-lookup=\"closed\""), "{closed}");
    assert!(closed.contains("data-testid=\"fatal\""), "{closed}");
    assert!(closed.contains("Séance de lundi"), "{closed}");
    assert!(!closed.contains("join-name"), "{closed}");

    let unknown = page(&server, "nosuchroomxxxxxxxxxx", &[]).await.body;
    assert!(unknown.contains("data-lookup=\"unknown\""), "{unknown}");
    assert!(
        unknown.contains("Séance introuvable, ou lien invalide."),
        "{unknown}"
    );
    assert!(!unknown.contains("join-name"), "{unknown}");
    fac.close().await;
}

#[tokio::test]
async fn guessing_codes_through_the_page_is_no_faster_than_joining() {
    let site = site();
    let server = server_with_site(
        &site,
        Config {
            join_failures_per_minute: 2,
            ..Config::default()
        },
    )
    .await;
    let session = server.create_session("Devinettes").await;
    for guess in ["aaaaaaaaaaaaaaaaaaaa", "bbbbbbbbbbbbbbbbbbbb"] {
        assert!(
            page(&server, guess, &[])
                .await
                .body
                .contains("data-lookup=\"unknown\"")
        );
    }
    // From then on the page names nothing, a real session included: it is the plain
    // site page, whose app asks the API and is told to wait.
    let plain = page(&server, &session.room, &[]).await.body;
    assert!(!plain.contains("data-lookup"), "{plain}");
    assert!(!plain.contains("Devinettes"), "{plain}");
    assert!(plain.contains("<!--invite-->"), "{plain}");
    let api = server
        .http("GET", &format!("/api/sessions/{}", session.room), None)
        .await;
    assert_eq!(api.status, 429, "one budget for every door: {}", api.body);
}

#[tokio::test]
async fn without_a_site_there_is_no_page_to_write() {
    let server = TestServer::start_with(Config {
        site: None,
        ..Config::default()
    })
    .await;
    let session = server.create_session("Sans site").await;
    let answer = server
        .http("GET", &format!("/r/{}", session.room), None)
        .await;
    assert_eq!(answer.status, 404, "{}", answer.body);
}
