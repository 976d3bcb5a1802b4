//! End-to-end, when things go wrong under the pages: a test cuts a page's network and
//! watches it reconnect and catch up; another makes the disk refuse writes and checks
//! that the page says so while its connection stays up; a third restarts the server
//! under the pages and checks that nothing typed is lost; a fourth finds the server
//! full and gets in once there is room.
//!
//! Every screen these tests visit, in every browser, is checked with axe-core: any
//! violation, whatever its impact, fails the test.

use server::Config;
use server::storage::MemoryStore;
use std::sync::Arc;
use std::time::Duration;
use tests::browser::ChromeDriver;
use tests::cast::open_room;
use tests::journey::{
    LAPTOP, PHONE, all_accessible, behind_a_proxy, browsers, create_session, explore_with_claire,
    gather, join, screenshot_path, texts, value_of,
};
use tests::server::{TempDir, TestServer, open_db, services_on, with_client};
use tests::ws::WsClient;

#[tokio::test]
async fn a_page_that_loses_its_network_reconnects_and_catches_up() {
    // Bruno reaches the server through the proxy, whose network we can cut.
    let (_server, proxy, _driver, [fac, cli, bruno]) = behind_a_proxy("Réseau").await;
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
    let server = TestServer::start_on_store(with_client(), store.clone()).await;
    let driver = ChromeDriver::start().await;
    let [fac, bruno] = browsers(&driver, [LAPTOP, PHONE]).await;
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
    let server = TestServer::start_on_db(with_client(), &db).await;
    let addr = server.addr();
    let driver = ChromeDriver::start().await;
    let [fac, cli, bruno] = browsers(&driver, [LAPTOP, LAPTOP, PHONE]).await;

    let base = server.http_url();
    gather([&fac, &cli, &bruno], &base, "Redémarrage", &base).await;
    explore_with_claire(&fac, &bruno).await;
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
    let services = services_on(open_db(&db).await);
    let _server = TestServer::start_at(addr, with_client(), services).await;
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
async fn a_page_says_when_the_server_is_full_and_gets_in_once_there_is_room() {
    let server = TestServer::start_with(Config {
        max_rooms: 1,
        idle_room: Duration::ZERO,
        grace: Duration::ZERO,
        ..with_client()
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
    let [phone] = browsers(&driver, [PHONE]).await;
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
