//! End-to-end, a whole series as a group lives it, through the real pages: a facilitator
//! creates a group with a call link; five members join (phones and laptops, French and
//! English); the series is planned and its `.ics` downloads and parses; three sessions
//! run in turn, each with a different client chosen after a vote on the proposed topics;
//! the second and third open with the follow-up of the earlier plans; one member leaves
//! and one is removed; after the third, the group's page shows every figure right to
//! every member still in it. Screenshots of the group's page, laptop and phone.

use tests::browser::{Browser, ChromeDriver};
use tests::journey::{
    LAPTOP, PHONE, close_session, join_group, jump_to_step, screenshot_path, texts,
};
use tests::server::TestServer;

/// A person of the series: their page, their name, and whether it is in English.
struct Person {
    browser: Browser,
    name: &'static str,
}

/// Open the group page of `url` again, or the session's room from it.
async fn on_group_page(people: &[&Person], invite: &str) {
    for person in people {
        person.browser.goto(invite).await;
        person.browser.wait_for("[data-testid=group-page]").await;
    }
}

/// The facilitator opens the next session and everyone in `people` enters it.
async fn open_and_enter(fanny: &Browser, people: &[&Person]) {
    fanny.click("[data-testid=open-session]").await;
    fanny.click("[data-testid=enter-session]").await;
    fanny.wait_for("[data-testid=room]").await;
    for person in people {
        person.browser.click("[data-testid=enter-session]").await;
        person.browser.wait_for("[data-testid=room]").await;
    }
}

/// `client` proposes `topic` on the group's page, everyone votes for it, the facilitator
/// picks it and `client` as the client, who writes one action; the session closes.
async fn run_session(
    fanny: &Browser,
    client: &Person,
    voters: &[&Person],
    topic: &str,
    action: &str,
) {
    // The vote, at the welcome step, in secret: the one open topic is this one.
    for voter in voters {
        voter
            .browser
            .wait_for_text("[data-testid=topic] strong", topic)
            .await;
        voter
            .browser
            .click("[data-testid=topic] [data-testid=vote]")
            .await;
    }
    fanny
        .wait_for_text(
            "[data-testid=topic] [data-testid=votes]",
            &format!("{} voix", voters.len()),
        )
        .await;
    fanny
        .click("[data-testid=topic] [data-testid=pick-topic]")
        .await;
    fanny
        .click(&format!(
            "[data-testid=welcome-pick-client][aria-label^='{}']",
            client.name
        ))
        .await;
    fanny
        .wait_for_text("[data-testid=client-name]", client.name)
        .await;
    fanny.click("[data-testid=next-step]").await;
    client
        .browser
        .wait_for("[data-testid=problem-title-input]")
        .await;
    // The chosen topic comes as the title to start from.
    client
        .browser
        .wait_for_value("[data-testid=problem-title-input]", topic)
        .await;
    client.browser.click("[data-testid=problem-save]").await;
    jump_to_step(fanny, 5).await;
    client
        .browser
        .type_into("[data-testid=action-text]", action)
        .await;
    client.browser.click("[data-testid=add-action]").await;
    fanny.wait_for_part("[data-testid=actions]", action).await;
    close_session(fanny).await;
}

#[tokio::test]
async fn a_whole_series_runs_from_the_group_page() {
    let server = TestServer::start_with_client().await;
    let base = server.http_url();
    let driver = ChromeDriver::start().await;
    let fanny = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let person = |browser, name| Person { browser, name };
    let ana = person(Browser::new(&driver, PHONE.0, PHONE.1).await, "Ana");
    let bruno = person(
        Browser::with_language(&driver, LAPTOP.0, LAPTOP.1, "en-GB").await,
        "Bruno",
    );
    let chloe = person(
        Browser::with_language(&driver, PHONE.0, PHONE.1, "en-GB").await,
        "Chloé",
    );
    let david = person(Browser::new(&driver, LAPTOP.0, LAPTOP.1).await, "David");
    let emma = person(Browser::new(&driver, PHONE.0, PHONE.1).await, "Emma");

    // The group, through the start page.
    fanny.goto(&base).await;
    fanny
        .type_into("[data-testid=group-name]", "Codév des cadres")
        .await;
    fanny
        .type_into(
            "[data-testid=group-call-link]",
            "https://visio.example.org/cadres",
        )
        .await;
    fanny
        .click("[data-testid=create-group-form] button[type=submit]")
        .await;
    fanny.wait_for("[data-testid=group-created]").await;
    let invite = tests::journey::value_of(&fanny, "[data-testid=group-invite-link]").await;
    let own = tests::journey::value_of(&fanny, "[data-testid=group-facilitator-link]").await;
    join_group(&fanny, &own, "Fanny").await;
    let everyone = [&ana, &bruno, &chloe, &david, &emma];
    for member in everyone {
        join_group(&member.browser, &invite, member.name).await;
    }
    fanny.wait_for_count("[data-testid=group-member]", 6).await;
    fanny.click("[data-testid=plan-save]").await;
    fanny.wait_for("[data-testid=plan-saved]").await;
    for member in everyone {
        member
            .browser
            .wait_for_count("[data-testid=series-session]", 5)
            .await;
    }

    // Session 1: Ana's topic and Ana as client.
    ana.browser
        .type_into("[data-testid=proposal-title]", "Déléguer")
        .await;
    ana.browser.click("[data-testid=propose]").await;
    open_and_enter(&fanny, &everyone).await;
    run_session(
        &fanny,
        &ana,
        &[&ana, &bruno, &chloe],
        "Déléguer",
        "Lister ce que je délègue",
    )
    .await;

    // Between sessions Emma leaves; Bruno proposes the next topic.
    on_group_page(&[&emma, &bruno, &ana], &invite).await;
    emma.browser.click("[data-testid=leave-group]").await;
    emma.browser
        .client()
        .accept_alert()
        .await
        .expect("confirm leaving");
    emma.browser.wait_for("[data-testid=left-group]").await;
    bruno
        .browser
        .type_into("[data-testid=proposal-title]", "Say no")
        .await;
    bruno.browser.click("[data-testid=propose]").await;

    // Session 2 opens with the follow-up of Ana's plan; Bruno is the client.
    fanny.goto(&invite).await;
    fanny.wait_for("[data-testid=open-session]").await;
    let present = [&ana, &bruno, &chloe, &david];
    on_group_page(&present, &invite).await;
    open_and_enter(&fanny, &present).await;
    for member in present {
        member
            .browser
            .wait_for_part("[data-testid=follow-ups]", "Lister ce que je délègue")
            .await;
    }
    ana.browser
        .type_into("[data-testid=follow-word]", "bien avancé")
        .await;
    ana.browser.click("[data-testid=follow-save]").await;
    bruno
        .browser
        .wait_for_part("[data-testid=follow-ups]", "bien avancé")
        .await;
    bruno
        .browser
        .screenshot(screenshot_path("series-follow-up-laptop"))
        .await;
    run_session(
        &fanny,
        &bruno,
        &[&bruno, &chloe, &david],
        "Say no",
        "Ask for a day to think",
    )
    .await;

    // Fanny removes David; Chloé proposes; session 3, Chloé as the client.
    fanny.goto(&invite).await;
    fanny
        .click("[data-testid=group-member]:nth-child(5) [data-testid=remove-member]")
        .await;
    fanny
        .client()
        .accept_alert()
        .await
        .expect("confirm the removal");
    fanny.wait_for_count("[data-testid=group-member]", 4).await;
    let last = [&ana, &bruno, &chloe];
    on_group_page(&last, &invite).await;
    chloe
        .browser
        .type_into("[data-testid=proposal-title]", "Feedback")
        .await;
    chloe.browser.click("[data-testid=propose]").await;
    open_and_enter(&fanny, &last).await;
    for member in last {
        member
            .browser
            .wait_for_part("[data-testid=follow-ups]", "Ask for a day to think")
            .await;
    }
    run_session(
        &fanny,
        &chloe,
        &[&ana, &chloe],
        "Feedback",
        "Ask my team monthly",
    )
    .await;

    // After the third session, every member still in the group sees every figure.
    on_group_page(&last, &invite).await;
    fanny.goto(&invite).await;
    for (page, english) in [
        (&fanny, false),
        (&ana.browser, false),
        (&bruno.browser, true),
        (&chloe.browser, true),
    ] {
        page.wait_for_count("[data-testid=series-session][data-state=closed]", 3)
            .await;
        page.wait_for_count("[data-testid=series-session][data-state=planned]", 2)
            .await;
        page.wait_for_count("[data-testid=group-member]", 4).await;
        let members = texts(page, "[data-testid=group-member]").await;
        assert!(
            !members
                .iter()
                .any(|m| m.contains("David") || m.contains("Emma")),
            "{members:?}"
        );
        let kept = texts(page, "[data-testid=series-kept]").await;
        assert_eq!(kept.len(), 3, "{kept:?}");
        for (kept, (client, title)) in kept.iter().zip([
            ("Ana", "Déléguer"),
            ("Bruno", "Say no"),
            ("Chloé", "Feedback"),
        ]) {
            assert!(kept.contains(client) && kept.contains(title), "{kept}");
        }
        let follow = page.text("[data-testid=follow-ups]").await;
        for (client, title, action) in [
            ("Ana", "Déléguer", "Lister ce que je délègue"),
            ("Bruno", "Say no", "Ask for a day to think"),
            ("Chloé", "Feedback", "Ask my team monthly"),
        ] {
            assert!(
                follow.contains(client) && follow.contains(title) && follow.contains(action),
                "{follow}"
            );
        }
        let done_word = if english {
            "done: bien avancé"
        } else {
            "fait : bien avancé"
        };
        assert!(follow.contains(done_word), "{follow}");
    }
    fanny
        .screenshot(screenshot_path("series-group-page-laptop"))
        .await;
    chloe
        .browser
        .screenshot(screenshot_path("series-group-page-phone"))
        .await;
    fanny
        .assert_accessible("the group's page after a series")
        .await;
    chloe
        .browser
        .assert_accessible("the group's page after a series, phone")
        .await;

    for browser in [
        fanny,
        ana.browser,
        bruno.browser,
        chloe.browser,
        david.browser,
        emma.browser,
    ] {
        browser.close().await;
    }
}
