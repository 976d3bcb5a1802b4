//! End-to-end, the ways into a room: an unknown room says so at once (in either
//! language); an invite link names its session, and a closed one says so; the invite
//! page takes a name on a slow network before the app has loaded, and loses nothing.
//! Screenshots land in `target/screenshots/`.
//!
//! Every screen these tests visit, in every browser, is checked with axe-core: any
//! violation, whatever its impact, fails the test.

use std::time::Duration;
use tests::browser::{APP_ROOT, Browser, ChromeDriver};
use tests::cast::closed_by_anne;
use tests::journey::{
    LAPTOP, PHONE, all_accessible, browsers, screenshot_path, shoot, texts, value_of,
};
use tests::server::TestServer;

#[tokio::test]
async fn an_unknown_room_says_so_at_once_and_the_language_can_be_switched() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let [laptop, phone] = browsers(&driver, [LAPTOP, PHONE]).await;

    // Without a name typed: the link leads nowhere, and the page says so at once.
    let dead = format!("{}r/nosuchroom2345", server.http_url());
    for browser in [&laptop, &phone] {
        browser.goto(&dead).await;
        browser
            .wait_for_text(
                "[data-testid=fatal] [data-testid=fatal-reason]",
                "Séance introuvable, ou lien invalide.",
            )
            .await;
        assert_eq!(
            texts(browser, "[data-testid=fatal] h1").await,
            ["Impossible d'entrer dans la séance"],
            "the error card has a main heading"
        );
        assert!(
            texts(browser, "[data-testid=join-form]").await.is_empty(),
            "no name is asked for a dead link"
        );
        assert!(
            texts(browser, "[data-testid=retry]").await.is_empty(),
            "retrying cannot revive an unknown link"
        );
        browser.wait_for("[data-testid=back-home]").await;
    }
    shoot(&laptop, &phone, "unknown-room").await;
    all_accessible(&[(&laptop, "laptop"), (&phone, "phone")], "unknown-room").await;

    phone.click("[data-testid=language]").await;
    phone
        .wait_for("[data-testid=language] option[value=en]")
        .await
        .click()
        .await
        .expect("choose English");
    phone
        .wait_for_text(
            "[data-testid=fatal-reason]",
            "No such session, or an invalid link.",
        )
        .await;
    let lang = phone
        .client()
        .execute("return document.documentElement.lang", Vec::new())
        .await
        .expect("read lang");
    assert_eq!(lang, "en");
    phone.assert_accessible("unknown-room, in English").await;
    for browser in [laptop, phone] {
        browser.close().await;
    }
}

#[tokio::test]
async fn an_invite_link_names_its_session_and_a_closed_one_says_so_at_once() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let [laptop, phone] = browsers(&driver, [LAPTOP, PHONE]).await;
    let open = server.create_session("Codév du jeudi").await;
    let closed = server.create_session("Séance de lundi").await;
    let fac = closed_by_anne(&server, &closed).await;

    // The session's title comes before the name is asked for.
    for browser in [&laptop, &phone] {
        browser
            .goto(&format!("{}r/{}", server.http_url(), open.room))
            .await;
        browser
            .wait_for_text("[data-testid=join-session-title]", "Codév du jeudi")
            .await;
        browser.wait_for("[data-testid=join-name]").await;
    }
    shoot(&laptop, &phone, "join").await;
    all_accessible(&[(&laptop, "laptop"), (&phone, "phone")], "join").await;

    // A closed session: said at once, by its title, with no retry and no form.
    for browser in [&laptop, &phone] {
        browser
            .goto(&format!("{}r/{}", server.http_url(), closed.room))
            .await;
        browser
            .wait_for_part("[data-testid=fatal-reason]", "Séance de lundi")
            .await;
        browser
            .wait_for_part("[data-testid=fatal-reason]", "est terminée")
            .await;
        assert!(texts(browser, "[data-testid=join-form]").await.is_empty());
        assert!(texts(browser, "[data-testid=retry]").await.is_empty());
    }
    shoot(&laptop, &phone, "closed-session").await;
    all_accessible(&[(&laptop, "laptop"), (&phone, "phone")], "closed-session").await;
    fac.close().await;
    for browser in [laptop, phone] {
        browser.close().await;
    }
}

/// Hold the page's network to `bytes_per_second` down (no latency), so that the wasm
/// module (about 200 KB) takes many seconds while the page's HTML and its small files
/// arrive in one or two; `None` lifts the limit. Requests under way follow the change.
async fn throttle(browser: &Browser, bytes_per_second: Option<f64>) {
    browser
        .devtools("Network.enable", serde_json::json!({}))
        .await
        .expect("Network.enable");
    browser
        .devtools(
            "Network.emulateNetworkConditions",
            serde_json::json!({
                "offline": false,
                "latency": 0,
                "downloadThroughput": bytes_per_second.unwrap_or(-1.0),
                "uploadThroughput": -1,
            }),
        )
        .await
        .expect("Network.emulateNetworkConditions");
}

async fn app_started(browser: &Browser) -> bool {
    !texts(browser, APP_ROOT).await.is_empty()
}

#[tokio::test]
async fn the_invite_page_takes_a_name_before_the_app_has_loaded_and_loses_nothing() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let session = server.create_session("Codév du vendredi").await;
    let invite = format!("{}r/{}", server.http_url(), session.room);
    // At 8 KB/s the module takes about 25 s: far more than typing a few letters.
    const SLOW: Option<f64> = Some(8_000.0);

    // A name half typed on the server's form when the app arrives: the app's form has
    // it, with the keyboard still in the field, and the rest of the name goes on there.
    let phone = Browser::eager(&driver, PHONE.0, PHONE.1).await;
    throttle(&phone, SLOW).await;
    phone.open(&invite).await;
    phone
        .wait_for_text(
            "#invite [data-testid=join-session-title]",
            "Codév du vendredi",
        )
        .await;
    phone
        .type_into("#invite [data-testid=join-name]", "Chl")
        .await;
    assert!(
        !app_started(&phone).await,
        "the name was typed before the app had loaded"
    );
    phone
        .screenshot(screenshot_path("invite-before-the-app-phone"))
        .await;
    throttle(&phone, None).await;
    phone
        .wait_for_within(APP_ROOT, Duration::from_secs(60))
        .await;
    assert!(
        texts(&phone, "#invite").await.is_empty(),
        "the server's screen is gone"
    );
    assert_eq!(value_of(&phone, "[data-testid=join-name]").await, "Chl");
    assert_eq!(
        phone.focused_attribute("data-testid").await.as_deref(),
        Some("join-name"),
        "the keyboard stays in the name field"
    );
    assert_eq!(
        texts(&phone, "[data-testid=join-session-title]").await,
        ["Codév du vendredi"],
        "the app did not need to look the session up again"
    );
    phone.type_into("[data-testid=join-name]", "oé").await;
    phone.press_enter("[data-testid=join-name]").await;
    phone.wait_for("[data-testid=room]").await;
    phone.wait_for_part("[data-testid=people]", "Chloé").await;

    // A form sent before the app arrives: held, shown as under way, then sent by the
    // app as it starts, the observer's box included.
    let laptop = Browser::eager(&driver, LAPTOP.0, LAPTOP.1).await;
    throttle(&laptop, SLOW).await;
    laptop.open(&invite).await;
    laptop
        .type_into("#invite [data-testid=join-name]", "Bastien")
        .await;
    laptop.click("#invite [data-testid=join-observer]").await;
    laptop.click("#invite [data-testid=join-button]").await;
    laptop
        .wait_for_text("#invite [data-testid=join-button]", "Connexion…")
        .await;
    assert!(
        !app_started(&laptop).await,
        "the form was sent before the app had loaded"
    );
    laptop
        .screenshot(screenshot_path("invite-sent-before-the-app-laptop"))
        .await;
    throttle(&laptop, None).await;
    laptop
        .wait_for_within("[data-testid=room]", Duration::from_secs(60))
        .await;
    phone.wait_for_part("[data-testid=people]", "Bastien").await;
    let bastien = texts(&phone, "[data-testid=person]")
        .await
        .into_iter()
        .find(|person| person.contains("Bastien"))
        .expect("Bastien is listed");
    assert!(
        bastien.contains("observateur·rice"),
        "he joined as the box he ticked said: {bastien}"
    );
    laptop
        .assert_accessible("room, entered from the server's form")
        .await;

    for browser in [phone, laptop] {
        browser.close().await;
    }
}
