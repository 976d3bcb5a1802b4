//! End-to-end: real browsers, the real UI, the real server.
//!
//! Five headless Chromium windows (facilitator, client, three consultants, one of them
//! phone-sized) walk a whole session through the interface; another test cuts a page's
//! network and watches it reconnect and catch up; a third restarts the server under the
//! pages and checks that nothing typed is lost; a fourth makes the disk refuse writes and
//! checks that the page says so while its connection stays up; a fifth finds the server
//! full and gets in once there is room. Screenshots of every step, on a laptop
//! and a phone, land in `target/screenshots/` for a person to look at.
//!
//! Every screen these tests visit, in every browser, is checked with axe-core
//! (`Browser::assert_accessible`): any violation, whatever its impact, fails the test.

use server::Config;
use server::storage::{MemoryStore, SqliteStore};
use std::sync::Arc;
use std::time::Duration;
use tests::browser::{APP_ROOT, Browser, ChromeDriver, assert_screens_accessible};
use tests::cast::open_room;
use tests::journey::{
    LAPTOP, PHONE, all_see_step, create_session, join, jump_to_step, screenshot_path, texts,
    value_of,
};
use tests::proxy::Proxy;
use tests::server::{TempDir, TestServer, client_dist};
use tests::ws::WsClient;

/// Check every browser's screen at this step with axe-core, named `step (person)`.
async fn all_accessible(browsers: &[(&Browser, &str)], step: &str) {
    let screens: Vec<_> = browsers
        .iter()
        .map(|(browser, who)| (*browser, format!("{step} ({who})")))
        .collect();
    assert_screens_accessible(&screens).await;
}

async fn shoot(laptop: &Browser, phone: &Browser, step: &str) {
    laptop
        .screenshot(screenshot_path(&format!("{step}-laptop")))
        .await;
    phone
        .screenshot(screenshot_path(&format!("{step}-phone")))
        .await;
}

#[tokio::test]
async fn five_browsers_walk_a_whole_session_through_the_ui() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let fac = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let cli = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let c1 = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let c2 = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let c3 = Browser::new(&driver, PHONE.0, PHONE.1).await;
    let everyone = [&fac, &cli, &c1, &c2, &c3];
    let consultants = [&c1, &c2, &c3];
    let named = [
        (&fac, "facilitator"),
        (&cli, "client"),
        (&c1, "consultant"),
        (&c2, "consultant"),
        (&c3, "consultant, phone"),
    ];

    let (own_link, invite) = create_session(&fac, &server.http_url(), "Séance de mars").await;
    assert!(own_link.contains("#key="), "{own_link}");
    assert!(!invite.contains("key"), "{invite}");
    join(&fac, &own_link, "Anne").await;
    for (browser, name) in [
        (&cli, "Claire"),
        (&c1, "Bruno"),
        (&c2, "Chloé"),
        (&c3, "David"),
    ] {
        join(browser, &invite, name).await;
    }
    fac.wait_for_count("[data-testid=person]", 5).await;

    // Welcome: the charter, then the client.
    for browser in everyone {
        browser.click("[data-testid=accept-charter]").await;
    }
    fac.click("[data-testid=pick-client][aria-label^=Claire]")
        .await;
    for browser in everyone {
        browser
            .wait_for_text("[data-testid=client-name]", "Claire")
            .await;
    }
    assert_eq!(
        texts(&c1, "[data-testid=controls]").await.len(),
        0,
        "consultants are not offered the facilitator's controls"
    );
    shoot(&fac, &c3, "0-welcome").await;
    all_accessible(&named, "0-welcome").await;

    // Step 1: the client writes the problem.
    fac.click("[data-testid=next-step]").await;
    all_see_step(&everyone, "Étape 1 · Exposé de la problématique").await;
    cli.type_into(
        "[data-testid=problem-title-input]",
        "Une équipe qui ne se parle plus",
    )
    .await;
    cli.type_into(
        "[data-testid=problem-summary-input]",
        "Depuis la réorganisation, deux services s'évitent.",
    )
    .await;
    cli.click("[data-testid=problem-save]").await;
    for browser in consultants {
        browser
            .wait_for_text(
                "[data-testid=problem-title]",
                "Une équipe qui ne se parle plus",
            )
            .await;
    }
    fac.click("[data-testid=start-timer]").await;
    fac.wait_for("[data-testid=pause-timer]").await;
    shoot(&fac, &c3, "1-problem").await;
    all_accessible(&named, "1-problem").await;

    // Step 2: hands, the floor, a question card.
    fac.click("[data-testid=next-step]").await;
    all_see_step(&everyone, "Étape 2 · Clarification").await;
    c1.click("[data-testid=hand-toggle]").await;
    fac.wait_for_count("[data-testid=hand]", 1).await;
    c2.click("[data-testid=hand-toggle]").await;
    for browser in everyone {
        browser.wait_for_count("[data-testid=hand]", 2).await;
        assert_eq!(
            texts(browser, "[data-testid=hand] .name").await,
            ["Bruno", "Chloé"]
        );
    }
    fac.click("[data-testid=give-floor]").await;
    for browser in everyone {
        browser
            .wait_for_part("[data-testid=floor-holder]", "Bruno")
            .await;
        browser.wait_for_count("[data-testid=hand]", 1).await;
    }
    c3.type_into("input[data-testid=question]", "Depuis quand exactement ?")
        .await;
    c3.click("[data-testid=question-save]").await;
    cli.wait_for_count("[data-testid=question-card]", 1).await;
    shoot(&fac, &c3, "2-clarification").await;
    all_accessible(&named, "2-clarification").await;

    // Step 3: the contract.
    fac.click("[data-testid=next-step]").await;
    all_see_step(&everyone, "Étape 3 · Contrat de consultation").await;
    cli.type_into(
        "[data-testid=contract-input]",
        "Des pistes concrètes pour renouer le dialogue.",
    )
    .await;
    cli.click("[data-testid=contract-input-save]").await;
    for browser in everyone {
        browser
            .wait_for_text(
                "[data-testid=contract-text]",
                "Des pistes concrètes pour renouer le dialogue.",
            )
            .await;
    }
    shoot(&fac, &c3, "3-contract").await;
    all_accessible(&named, "3-contract").await;

    // Step 4: anonymous notes, live on every screen; only authors know theirs.
    fac.click("[data-testid=next-step]").await;
    all_see_step(&everyone, "Étape 4 · Exploration").await;
    for (browser, (kind, text)) in consultants.iter().zip([
        ("Advice", "Proposer un café commun"),
        ("Experience", "J'ai vécu la même fusion"),
        ("Feeling", "Je sens de la fatigue"),
    ]) {
        browser.click(&format!("[data-testid=kind-{kind}]")).await;
        browser.type_into("[data-testid=note-text]", text).await;
        browser.click("[data-testid=post-note]").await;
    }
    for browser in everyone {
        browser.wait_for_count("[data-testid=note]", 3).await;
    }
    for browser in consultants {
        browser.wait_for_count("[data-testid=mine]", 1).await;
    }
    for browser in [&fac, &cli] {
        assert!(texts(browser, "[data-testid=mine]").await.is_empty());
        for note in texts(browser, "[data-testid=note]").await {
            for name in ["Bruno", "Chloé", "David"] {
                assert!(!note.contains(name), "a note shows its author: {note}");
            }
        }
    }
    cli.click("[data-testid=keep-note]").await;
    for browser in everyone {
        browser.wait_for_count("[data-testid=note].kept", 1).await;
    }
    // A fourth note, hidden by the facilitator: collapsed for everyone else.
    c1.type_into("[data-testid=note-text]", "Note à cacher")
        .await;
    c1.click("[data-testid=post-note]").await;
    fac.wait_for_count("[data-testid=note]", 4).await;
    fac.click("[data-testid=note]:nth-child(4) [data-testid=hide-note]")
        .await;
    for browser in everyone {
        browser.wait_for_count("[data-testid=note].hidden", 1).await;
    }
    shoot(&fac, &c3, "4-exploration").await;
    all_accessible(&named, "4-exploration").await;

    // Step 5: the action plan, with the kept note beside it.
    fac.click("[data-testid=next-step]").await;
    all_see_step(&everyone, "Étape 5 · Synthèse et plan d'action").await;
    cli.wait_for_count("[data-testid=kept-notes] .note", 1)
        .await;
    for action in [
        "Inviter les deux chefs à déjeuner",
        "Écrire un compte rendu commun",
    ] {
        cli.type_into("[data-testid=action-text]", action).await;
        cli.click("[data-testid=add-action]").await;
    }
    for browser in everyone {
        browser.wait_for_count("[data-testid=action]", 2).await;
    }
    shoot(&fac, &c3, "5-plan").await;
    all_accessible(&named, "5-plan").await;

    // Step 6: the closing round, client first, facilitator last.
    fac.click("[data-testid=next-step]").await;
    all_see_step(&everyone, "Étape 6 · Conclusion").await;
    for browser in everyone {
        browser
            .wait_for_part("[data-testid=round-speaker]", "Claire")
            .await;
    }
    c2.wait_for_part("[data-testid=round-next]", "Bruno").await;
    for (browser, name) in everyone
        .iter()
        .zip(["Anne", "Claire", "Bruno", "Chloé", "David"])
    {
        browser
            .type_into(
                "textarea[data-testid=learning]",
                &format!("Appris par {name}"),
            )
            .await;
        browser.click("[data-testid=learning-save]").await;
    }
    fac.wait_for_count("[data-testid=learnings] li", 5).await;
    // Passing the word round after round from the keyboard: each press counts (two
    // clicks this close together would be one double click).
    for next in ["Bruno", "Chloé", "David", "Anne"] {
        fac.press_enter("[data-testid=advance-round]").await;
        c1.wait_for_part("[data-testid=round-speaker]", next).await;
    }
    fac.press_enter("[data-testid=advance-round]").await;
    for browser in everyone {
        browser.wait_for("[data-testid=round-over]").await;
    }
    // The facilitator opens the timeline, so that its chart is checked too.
    fac.click("[data-testid=timeline] summary").await;
    fac.wait_for("[data-testid=timeline][open] [data-testid=chart]")
        .await;
    shoot(&fac, &c3, "6-closing").await;
    all_accessible(&named, "6-closing").await;

    // Closing the session: a read-only record for all, downloadable as Markdown.
    fac.click("[data-testid=close-session]").await;
    fac.client()
        .accept_alert()
        .await
        .expect("the confirmation dialog");
    for browser in everyone {
        browser.wait_for("[data-testid=record]").await;
        browser
            .wait_for_count("[data-testid=record-plan] li", 2)
            .await;
    }
    cli.client()
        .execute(
            "window.__downloads = [];
             const original = URL.createObjectURL;
             URL.createObjectURL = (blob) => { window.__downloads.push(blob); return original.call(URL, blob); };",
            Vec::new(),
        )
        .await
        .expect("watch downloads");
    cli.click("[data-testid=download-record]").await;
    let markdown = cli
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__downloads[0].text().then(done);",
            Vec::new(),
        )
        .await
        .expect("read the downloaded record");
    let markdown = markdown.as_str().unwrap_or_default().to_owned();
    for part in [
        "# Séance de mars",
        "Une équipe qui ne se parle plus",
        "## Questions de clarification",
        "**David**\u{a0}: Depuis quand exactement ?",
        "> Des pistes concrètes pour renouer le dialogue.",
        "Proposer un café commun",
        "1. Inviter les deux chefs à déjeuner",
        "**David**\u{a0}: Appris par David",
    ] {
        assert!(
            markdown.contains(part),
            "the record lacks {part:?}:\n{markdown}"
        );
    }
    for name in ["Bruno", "Chloé", "David"] {
        let notes = markdown
            .split("## ")
            .find(|s| s.starts_with("Post-it"))
            .unwrap_or_default();
        assert!(!notes.contains(name), "the record ties a note to {name}");
    }
    assert!(
        !markdown.contains("Note à cacher"),
        "hidden notes stay out of the record"
    );
    // The record shows nothing live: nobody has the floor, no hands, no "live" badge.
    for browser in everyone {
        for live in [
            "[data-testid=floor]",
            "[data-testid=hands]",
            "[data-testid=hand-toggle]",
            "[data-testid=connection]",
            "[data-testid=timer]",
        ] {
            browser.wait_for_count(live, 0).await;
        }
        // The clarifying questions are in it, and the timeline chart names its steps
        // and figures.
        browser
            .wait_for_part(
                "[data-testid=record-questions]",
                "Depuis quand exactement ?",
            )
            .await;
        let labels = texts(browser, "[data-testid=record-timeline] svg text").await;
        for label in ["prévu", "réel", "Accueil", "Clarification", "Conclusion"] {
            assert!(
                labels.iter().any(|text| text == label),
                "the chart has no label {label:?}: {labels:?}"
            );
        }
        assert!(
            labels.iter().any(|text| text.ends_with(" min")),
            "the chart shows no minutes: {labels:?}"
        );
    }
    // Heading levels in order: the session's title is the record's h1, its parts h2.
    let levels = cli
        .client()
        .execute(
            "return [...document.querySelectorAll('[data-testid=record] h1, [data-testid=record] h2, [data-testid=record] h3')].map(h => h.tagName);",
            Vec::new(),
        )
        .await
        .expect("read the record's headings");
    let levels: Vec<String> = serde_json::from_value(levels).unwrap_or_default();
    assert_eq!(levels.first().map(String::as_str), Some("H1"), "{levels:?}");
    assert!(levels[1..].iter().all(|level| level == "H2"), "{levels:?}");
    shoot(&fac, &c3, "7-record").await;
    all_accessible(&named, "7-record").await;

    for browser in [fac, cli, c1, c2, c3] {
        browser.close().await;
    }
}

#[tokio::test]
async fn a_page_that_loses_its_network_reconnects_and_catches_up() {
    let server = TestServer::start_with_client().await;
    let proxy = Proxy::start(server.addr()).await;
    let driver = ChromeDriver::start().await;
    let fac = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let cli = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let bruno = Browser::new(&driver, PHONE.0, PHONE.1).await;

    let (own_link, invite) = create_session(&fac, &server.http_url(), "Réseau").await;
    join(&fac, &own_link, "Anne").await;
    join(&cli, &invite, "Claire").await;
    // Bruno reaches the server through the proxy, whose network we can cut.
    let bruno_invite = invite.replace(&server.http_url(), &proxy.http_url());
    join(&bruno, &bruno_invite, "Bruno").await;
    bruno
        .wait_for("[data-testid=connection] [data-state=live]")
        .await;

    proxy.cut();
    bruno
        .wait_for("[data-testid=connection] [data-state=reconnecting]")
        .await;
    // Meanwhile the room moves on, and Bruno raises his hand offline.
    fac.click("[data-testid=pick-client][aria-label^=Claire]")
        .await;
    fac.wait_for_text("[data-testid=client-name]", "Claire")
        .await;
    fac.click("[data-testid=next-step]").await;
    // Nobody has accepted the charter: the page asks first.
    fac.client()
        .accept_alert()
        .await
        .expect("the charter confirmation");
    fac.wait_for_text("[data-testid=step]", "Étape 1 · Exposé de la problématique")
        .await;
    bruno.click("[data-testid=hand-toggle]").await;
    bruno.wait_for("[data-testid=connection] .pending").await;
    bruno
        .screenshot(screenshot_path("reconnecting-phone"))
        .await;
    all_accessible(
        &[(&fac, "facilitator"), (&cli, "client"), (&bruno, "phone")],
        "reconnecting",
    )
    .await;

    proxy.restore();
    bruno
        .wait_for("[data-testid=connection] [data-state=live]")
        .await;
    bruno
        .wait_for_text("[data-testid=step]", "Étape 1 · Exposé de la problématique")
        .await;
    for browser in [&fac, &cli, &bruno] {
        browser.wait_for_count("[data-testid=hand]", 1).await;
        assert_eq!(texts(browser, "[data-testid=hand] .name").await, ["Bruno"]);
    }

    for browser in [fac, cli, bruno] {
        browser.close().await;
    }
}

#[tokio::test]
async fn a_page_says_when_the_server_does_not_save_its_actions_and_catches_up_once_it_does() {
    let store = Arc::new(MemoryStore::new());
    let server = TestServer::start_with(Config {
        static_dir: Some(client_dist()),
        store: store.clone(),
        ..Config::default()
    })
    .await;
    let driver = ChromeDriver::start().await;
    let fac = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let bruno = Browser::new(&driver, PHONE.0, PHONE.1).await;
    let (own_link, invite) = create_session(&fac, &server.http_url(), "Disque").await;
    join(&fac, &own_link, "Anne").await;
    join(&bruno, &invite, "Bruno").await;
    bruno
        .wait_for("[data-testid=connection] [data-state=live]")
        .await;

    // The disk refuses writes: Bruno's raised hand is not answered, though his
    // connection stays up. After a few seconds his page says so.
    store.set_failing(true);
    bruno.click("[data-testid=hand-toggle]").await;
    bruno
        .wait_for("[data-testid=connection] [data-testid=unconfirmed]")
        .await;
    bruno
        .wait_for("[data-testid=connection] [data-state=live]")
        .await;
    assert!(
        texts(&fac, "[data-testid=hand]").await.is_empty(),
        "nobody sees what is not saved"
    );
    bruno.screenshot(screenshot_path("unconfirmed-phone")).await;
    all_accessible(&[(&fac, "facilitator"), (&bruno, "phone")], "unconfirmed").await;

    // The disk takes writes again: the journal's retry lands, everyone sees the hand,
    // and the warning goes.
    store.set_failing(false);
    for browser in [&fac, &bruno] {
        browser.wait_for_count("[data-testid=hand]", 1).await;
        assert_eq!(texts(browser, "[data-testid=hand] .name").await, ["Bruno"]);
    }
    bruno.wait_for_count("[data-testid=unconfirmed]", 0).await;

    for browser in [fac, bruno] {
        browser.close().await;
    }
}

#[tokio::test]
async fn pages_recover_by_themselves_when_the_server_restarts_and_nothing_typed_is_lost() {
    let dir = TempDir::new("browser-restart");
    let db = dir.join("codev.db");
    let config = || async {
        Config {
            static_dir: Some(client_dist()),
            store: Arc::new(SqliteStore::open(&db).await.expect("open the database")),
            ..Config::default()
        }
    };
    let server = TestServer::start_with(config().await).await;
    let addr = server.addr();
    let driver = ChromeDriver::start().await;
    let fac = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let cli = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let bruno = Browser::new(&driver, PHONE.0, PHONE.1).await;

    let (own_link, invite) = create_session(&fac, &server.http_url(), "Redémarrage").await;
    join(&fac, &own_link, "Anne").await;
    join(&cli, &invite, "Claire").await;
    join(&bruno, &invite, "Bruno").await;
    fac.click("[data-testid=pick-client][aria-label^=Claire]")
        .await;
    fac.wait_for_text("[data-testid=client-name]", "Claire")
        .await;
    // Straight to step 4 (four quick clicks on "next" would be one double click).
    jump_to_step(&fac, 4).await;
    bruno
        .wait_for_text("[data-testid=step]", "Étape 4 · Exploration")
        .await;
    bruno
        .type_into("[data-testid=note-text]", "Posté avant l'arrêt")
        .await;
    bruno.click("[data-testid=post-note]").await;
    cli.wait_for_count("[data-testid=note]", 1).await;

    // The server goes down mid-exploration.
    server.stop().await;
    bruno
        .wait_for("[data-testid=connection] [data-state=reconnecting]")
        .await;
    fac.wait_for("[data-testid=connection] [data-state=reconnecting]")
        .await;
    // Bruno keeps working: one note posted while the server is down, one still being typed.
    bruno
        .type_into("[data-testid=note-text]", "Posté pendant l'arrêt")
        .await;
    bruno.click("[data-testid=post-note]").await;
    bruno.wait_for("[data-testid=connection] .pending").await;
    bruno
        .type_into("[data-testid=note-text]", "Brouillon en cours")
        .await;

    // The same server comes back on the same address and database.
    let _server = TestServer::start_at(addr, config().await).await;
    for browser in [&fac, &cli, &bruno] {
        browser
            .wait_for("[data-testid=connection] [data-state=live]")
            .await;
        browser
            .wait_for_text("[data-testid=step]", "Étape 4 · Exploration")
            .await;
        browser.wait_for_count("[data-testid=note]", 2).await;
    }
    assert_eq!(
        texts(&cli, "[data-testid=note-text-shown]").await,
        ["Posté avant l'arrêt", "Posté pendant l'arrêt"]
    );
    bruno.wait_for_count("[data-testid=mine]", 2).await;
    assert_eq!(
        value_of(&bruno, "[data-testid=note-text]").await,
        "Brouillon en cours",
        "text being typed survives the restart"
    );
    bruno
        .screenshot(screenshot_path("after-restart-phone"))
        .await;
    all_accessible(
        &[(&fac, "facilitator"), (&cli, "client"), (&bruno, "phone")],
        "after-restart",
    )
    .await;

    for browser in [fac, cli, bruno] {
        browser.close().await;
    }
}

#[tokio::test]
async fn an_unknown_room_says_so_at_once_and_the_language_can_be_switched() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let laptop = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let phone = Browser::new(&driver, PHONE.0, PHONE.1).await;

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
    let laptop = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let phone = Browser::new(&driver, PHONE.0, PHONE.1).await;
    let open = server.create_session("Codév du jeudi").await;
    let closed = server.create_session("Séance de lundi").await;
    let mut fac = WsClient::join_facilitator(
        &server.ws_url(),
        &closed.room,
        &closed.facilitator_key,
        "Anne",
    )
    .await;
    fac.ok(shared::Command::CloseSession).await;

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

#[tokio::test]
async fn a_page_says_when_the_server_is_full_and_gets_in_once_there_is_room() {
    let server = TestServer::start_with(Config {
        static_dir: Some(client_dist()),
        max_rooms: 1,
        idle_room: Duration::ZERO,
        grace: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    // Monday's session was used and left: it is stored, not in memory.
    let monday = server.create_session("Lundi").await;
    WsClient::join_facilitator(&url, &monday.room, &monday.facilitator_key, "Anne")
        .await
        .close()
        .await;
    server.until_rooms_put_away(1).await;
    // Tuesday's is in use: the server holds as many sessions as it may.
    let (_, busy, []) = open_room(&server, "Mardi", "Bea", []).await;

    let driver = ChromeDriver::start().await;
    let phone = Browser::new(&driver, PHONE.0, PHONE.1).await;
    phone
        .goto(&format!("{}r/{}", server.http_url(), monday.room))
        .await;
    phone.type_into("[data-testid=join-name]", "Chloé").await;
    phone.click("[data-testid=join-button]").await;
    phone
        .wait_for_part(
            "[data-testid=entry-deferred]",
            "Le serveur est plein pour l'instant",
        )
        .await;
    phone
        .wait_for_part("[data-testid=loading]", "Reconnexion dans")
        .await;
    phone.screenshot(screenshot_path("server-full-phone")).await;
    phone.assert_accessible("server-full").await;

    // Tuesday's group leaves; Chloé's page gets in at its next attempt.
    busy.close().await;
    server.until_rooms_put_away(2).await;
    // "Retry now", if the page is waiting; if it is already trying again on its own,
    // that attempt gets in. (The button is rebuilt at each attempt, so it is pressed
    // from the page, not held across a WebDriver round trip.)
    phone
        .client()
        .execute(
            "const retry = document.querySelector('[data-testid=loading] button');
             if (retry) { retry.click(); }",
            Vec::new(),
        )
        .await
        .expect("press retry now");
    phone.wait_for("[data-testid=room]").await;
    assert_eq!(
        texts(&phone, "[data-testid=entry-deferred]").await,
        Vec::<String>::new()
    );
    phone.close().await;
}
