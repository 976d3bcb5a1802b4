//! End-to-end: real browsers, the real UI, the real server.
//!
//! Five headless Chromium windows (facilitator, client, three consultants, one of them
//! phone-sized) walk a whole session through the interface. Screenshots of every step,
//! on a laptop and a phone, land in `target/screenshots/` for a person to look at.
//! Pages that lose their network, their server or its disk are in `browser_recovery`;
//! the ways into a room (an invite link, an unknown room) in `browser_entry`.
//!
//! Every screen these tests visit, in every browser, is checked with axe-core
//! (`Browser::assert_accessible`): any violation, whatever its impact, fails the test.

use tests::browser::ChromeDriver;
use tests::journey::{
    LAPTOP, PHONE, all_accessible, all_see_step, browsers, create_session, join, shoot, texts,
};
use tests::server::TestServer;

#[tokio::test]
async fn five_browsers_walk_a_whole_session_through_the_ui() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let [fac, cli, c1, c2, c3] = browsers(&driver, [LAPTOP, LAPTOP, LAPTOP, LAPTOP, PHONE]).await;
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
