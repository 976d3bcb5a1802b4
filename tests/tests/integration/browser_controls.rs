//! End-to-end: what new users met in a live group, through the real UI.
//!
//! A facilitator's double click (fast or slow) moves the group once, on the step, the
//! floor and the round; keyboard focus stays on a control that replaces itself; the
//! person whose turn it is reads "C'est à vous", and the round and the floor agree on
//! every screen; a phone shows the step's own work on its first screen; the
//! facilitator's welcome says what to do next and asks before leaving people without
//! the charter; a hidden note cannot be kept. A second test cuts and then silences a
//! phone's network: a note written offline waits on the board, marked, and a network
//! gone silent (no close, no answer) turns into a reconnection within seconds.

use std::time::Duration;

use shared::liveness::SILENT_AFTER_MS;
use tests::browser::{Browser, ChromeDriver, PATIENCE};
use tests::journey::{
    LAPTOP, PHONE, all_see_step, behind_a_proxy, browsers, explore_with_claire, gather,
    jump_to_step, screenshot_path, texts,
};
use tests::server::TestServer;

/// A person's slow double click: the second press after the first one's effect showed.
const SLOW_DOUBLE_CLICK: Duration = Duration::from_millis(250);

/// Start the timer with the keyboard: a barrier (the room handles commands in order,
/// so anything sent before it has shown by the time the timer runs) and a check that
/// focus stays on the button when "Démarrer" becomes "Pause".
async fn start_timer_by_keyboard(fac: &Browser) {
    fac.press_enter("[data-testid=start-timer]").await;
    fac.wait_for("[data-testid=pause-timer]").await;
    assert_eq!(
        fac.focused_attribute("data-testid").await.as_deref(),
        Some("pause-timer"),
        "focus stays on the timer's button when it changes its word"
    );
}

#[tokio::test]
async fn double_clicks_move_the_group_once_and_the_person_whose_turn_it_is_knows_it() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let [fac, cli, bruno] = browsers(&driver, [LAPTOP, LAPTOP, PHONE]).await;
    let everyone = [&fac, &cli, &bruno];

    let base = server.http_url();
    gather(everyone, &base, "Séance d'avril", &base).await;

    // The welcome guides the facilitator: the charter, the client, then step 1.
    fac.wait_for_part("[data-testid=charter-progress]", "0 sur 3")
        .await;
    for browser in [&cli, &bruno] {
        browser.click("[data-testid=accept-charter]").await;
    }
    fac.wait_for_part("[data-testid=charter-progress]", "2 sur 3")
        .await;
    fac.click("[data-testid=welcome-pick-client][aria-label^=Claire]")
        .await;
    for browser in everyone {
        browser
            .wait_for_part("[data-testid=client-name]", "Claire")
            .await;
    }
    fac.screenshot(screenshot_path("welcome-checklist-laptop"))
        .await;
    fac.assert_accessible("welcome checklist").await;
    // Moving on while someone has not accepted the charter asks first; "no" stays.
    fac.click("[data-testid=next-step]").await;
    let question = fac
        .client()
        .get_alert_text()
        .await
        .expect("a confirmation before leaving the welcome");
    assert!(
        question.contains("1\u{a0}personne n'a pas encore accepté la charte"),
        "{question}"
    );
    fac.client().dismiss_alert().await.expect("answer no");
    fac.click("[data-testid=accept-charter]").await;
    fac.wait_for_part("[data-testid=charter-progress]", "3 sur 3")
        .await;
    assert_eq!(
        texts(&fac, "[data-testid=step]").await,
        ["Étape 0 · Accueil"],
        "answering no left the group in the welcome"
    );

    // A fast double click on "next step": one step.
    fac.double_click("[data-testid=next-step]", Duration::ZERO)
        .await;
    all_see_step(&everyone, "Étape 1 · Exposé de la problématique").await;
    start_timer_by_keyboard(&fac).await;
    for browser in everyone {
        assert_eq!(
            texts(browser, "[data-testid=step]").await,
            ["Étape 1 · Exposé de la problématique"]
        );
    }
    // The client's own step speaks to them.
    assert!(
        cli.text("[data-testid=step-guide]")
            .await
            .starts_with("Exposez votre problématique"),
    );

    // A slow one: the second press comes after the first one's effect.
    fac.double_click("[data-testid=next-step]", SLOW_DOUBLE_CLICK)
        .await;
    all_see_step(&everyone, "Étape 2 · Clarification").await;
    start_timer_by_keyboard(&fac).await;
    for browser in everyone {
        assert_eq!(
            texts(browser, "[data-testid=step]").await,
            ["Étape 2 · Clarification"]
        );
    }

    // The floor: Bruno raises his hand from his phone's floor bar; a double click
    // gives him the floor once, and his screens say it is his turn.
    assert_eq!(
        texts(&fac, "[data-testid=hand-toggle]").await.len(),
        0,
        "the facilitator gives the floor and does not queue for it"
    );
    bruno.click("[data-testid=bar-hand-toggle]").await;
    fac.wait_for_count("[data-testid=hand]", 1).await;
    fac.double_click("[data-testid=give-floor]", SLOW_DOUBLE_CLICK)
        .await;
    for browser in everyone {
        browser
            .wait_for_part("[data-testid=floor-holder]", "Bruno")
            .await;
    }
    bruno.wait_for("[data-testid=your-turn]").await;
    bruno
        .wait_for_text("[data-testid=floor-bar] .floor-bar-holder", "C'est à vous")
        .await;
    assert!(texts(&cli, "[data-testid=your-turn]").await.is_empty());
    bruno.screenshot(screenshot_path("your-turn-phone")).await;
    bruno.assert_accessible("your turn (phone)").await;
    fac.screenshot(screenshot_path("floor-laptop")).await;

    // Step 4 on a phone: the note form and its button on the first screen.
    jump_to_step(&fac, 4).await;
    all_see_step(&everyone, "Étape 4 · Exploration").await;
    let floor_bar = "[data-testid=floor-bar]";
    assert!(
        bruno
            .is_on_first_screen("[data-testid=note-text]", floor_bar)
            .await,
        "the note's text field is on the phone's first screen"
    );
    assert!(
        bruno
            .is_on_first_screen("[data-testid=post-note]", floor_bar)
            .await,
        "\"Publier\" is on the phone's first screen"
    );
    bruno.screenshot(screenshot_path("exploration-phone")).await;
    for text in ["Commencer par un déjeuner", "Un mot blessant"] {
        bruno.type_into("[data-testid=note-text]", text).await;
        bruno.click("[data-testid=post-note]").await;
        cli.wait_for_part("[data-testid=notes]", text).await;
        // A note arriving does not rebuild the board: the first card is the same node
        // (it keeps a mark only this page's script put on it) before and after.
        let first_card = "const card = document.querySelector('[data-testid=note]'); \
            const seen = card.__probe === true; card.__probe = true; return seen;";
        let seen = cli.client().execute(first_card, Vec::new()).await;
        let seen = seen.expect("the board is read").as_bool();
        assert_eq!(
            seen,
            Some(text != "Commencer par un déjeuner"),
            "after {text:?}: the first card was drawn anew"
        );
    }
    // Keeping a note with the keyboard: focus stays on the button that took its place.
    cli.press_enter("[data-testid=note]:first-child [data-testid=keep-note]")
        .await;
    cli.wait_for_count("[data-testid=note].kept", 1).await;
    let focused = cli.focused_attribute("data-focus-key").await;
    assert!(
        focused
            .as_deref()
            .is_some_and(|key| key.starts_with("keep-")),
        "focus stays on the keep button: {focused:?}"
    );
    assert_eq!(
        cli.focused_attribute("aria-pressed").await.as_deref(),
        Some("true")
    );
    // The facilitator hides both: the client cannot keep the hidden one, and the kept
    // one stays in the client's list, marked.
    for n in [1, 2] {
        fac.click(&format!(
            "[data-testid=note]:nth-child({n}) [data-testid=hide-note]"
        ))
        .await;
    }
    cli.wait_for_count("[data-testid=note].hidden", 2).await;
    cli.wait_for_count("[data-testid=keep-note]", 1).await;
    assert_eq!(
        texts(&cli, "[data-testid=note].kept [data-testid=keep-note]")
            .await
            .len(),
        1,
        "only the kept note offers a button: to let it go"
    );
    jump_to_step(&fac, 5).await;
    cli.wait_for_count("[data-testid=kept-note]", 1).await;
    cli.wait_for_part(
        "[data-testid=kept-note]",
        "Gardé, puis masqué par l'animateur·rice.",
    )
    .await;
    cli.screenshot(screenshot_path("kept-hidden-laptop")).await;
    cli.assert_accessible("kept, then hidden").await;

    // The closing round: the round gives the floor; a double click passes it on once.
    fac.double_click("[data-testid=next-step]", Duration::ZERO)
        .await;
    all_see_step(&everyone, "Étape 6 · Conclusion").await;
    for browser in everyone {
        browser
            .wait_for_part("[data-testid=round-speaker]", "Claire")
            .await;
        browser
            .wait_for_part("[data-testid=floor-holder]", "Claire")
            .await;
    }
    cli.wait_for("[data-testid=your-turn-round]").await;
    assert!(
        texts(&bruno, "[data-testid=bar-hand-toggle]")
            .await
            .is_empty()
    );
    fac.double_click("[data-testid=advance-round]", SLOW_DOUBLE_CLICK)
        .await;
    for browser in everyone {
        browser
            .wait_for_part("[data-testid=round-speaker]", "Bruno")
            .await;
        browser
            .wait_for_part("[data-testid=floor-holder]", "Bruno")
            .await;
    }
    bruno.wait_for("[data-testid=your-turn-round]").await;
    bruno
        .screenshot(screenshot_path("round-your-turn-phone"))
        .await;
    bruno
        .assert_accessible("the round, your turn (phone)")
        .await;
    // A barrier, then the round has moved exactly once.
    fac.press_enter("[data-testid=start-timer]").await;
    fac.wait_for("[data-testid=pause-timer]").await;
    for browser in everyone {
        assert!(
            browser
                .text("[data-testid=round-speaker]")
                .await
                .contains("Bruno"),
            "the round moved once"
        );
    }

    for browser in [fac, cli, bruno] {
        browser.close().await;
    }
}

#[tokio::test]
async fn a_note_written_offline_waits_on_the_board_and_a_silent_network_is_noticed() {
    // Bruno reaches the server through the proxy, whose network we can cut.
    let (_server, proxy, _driver, [fac, cli, bruno]) = behind_a_proxy("Réseau coupé").await;
    explore_with_claire(&fac, &bruno).await;

    // Offline, the note shows on Bruno's board at once, marked as not sent.
    proxy.cut();
    bruno
        .wait_for("[data-testid=connection] [data-state=reconnecting]")
        .await;
    bruno
        .type_into("[data-testid=note-text]", "Écrit dans le train")
        .await;
    bruno.click("[data-testid=post-note]").await;
    bruno
        .wait_for_part(
            "[data-testid=note][data-pending=true]",
            "Écrit dans le train",
        )
        .await;
    bruno.wait_for("[data-testid=not-sent]").await;
    bruno
        .screenshot(screenshot_path("note-not-sent-phone"))
        .await;
    bruno.assert_accessible("a note not sent yet (phone)").await;
    proxy.restore();
    bruno
        .wait_for("[data-testid=connection] [data-state=live]")
        .await;
    bruno.wait_for_count("[data-testid=not-sent]", 0).await;
    bruno.wait_for_count("[data-testid=note]", 1).await;
    bruno.wait_for_count("[data-testid=mine]", 1).await;
    for browser in [&fac, &cli] {
        browser
            .wait_for_part("[data-testid=notes]", "Écrit dans le train")
            .await;
    }

    // Now the network goes silent: no close, no answer. The page notices on its own.
    proxy.silence();
    let noticed = Duration::from_millis(SILENT_AFTER_MS) + PATIENCE;
    bruno
        .wait_for_within(
            "[data-testid=connection] [data-state=reconnecting]",
            noticed,
        )
        .await;
    bruno
        .screenshot(screenshot_path("silent-network-phone"))
        .await;
    proxy.restore();
    bruno
        .wait_for_within("[data-testid=connection] [data-state=live]", noticed)
        .await;
    // The room moved on meanwhile? The page catches up and works.
    bruno
        .type_into("[data-testid=note-text]", "Après le tunnel")
        .await;
    bruno.click("[data-testid=post-note]").await;
    cli.wait_for_part("[data-testid=notes]", "Après le tunnel")
        .await;

    for browser in [fac, cli, bruno] {
        browser.close().await;
    }
}
