//! End-to-end, a group's sessions as the method runs them: topics proposed between
//! sessions, the secret ballot at the session's welcome step, the facilitator picking
//! the topic and the client (members not yet client marked; picking a past client asks
//! first), the client's problem title prefilled from the chosen topic; then the next
//! session opening with the follow-up of the earlier plan, marked by its client and
//! seen live by everyone.

use tests::browser::{Browser, ChromeDriver};
use tests::journey::{a_planned_group, close_session, jump_to_step, screenshot_path, texts};
use tests::server::TestServer;

/// Propose a topic from the group's page.
async fn propose(browser: &Browser, title: &str) {
    browser
        .type_into("[data-testid=proposal-title]", title)
        .await;
    browser.click("[data-testid=propose]").await;
    browser.wait_for_part("[data-testid=topics]", title).await;
}

/// The `n`th topic of the list, as a selector.
fn topic(n: usize) -> String {
    format!("[data-testid=topic]:nth-child({n})")
}

#[tokio::test]
async fn topics_are_voted_in_secret_and_the_next_session_opens_with_the_plans_follow_up() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let (invite, [fanny, ana, bruno]) = a_planned_group(&server, &driver, "Codév du mardi").await;

    // Between sessions, Ana and Bruno propose topics.
    propose(&ana, "Déléguer sans tout reprendre").await;
    propose(&bruno, "Dire non à ma direction").await;
    fanny.wait_for_count("[data-testid=topic]", 2).await;

    // The session opens; everyone goes in.
    fanny.click("[data-testid=open-session]").await;
    for browser in [&fanny, &ana, &bruno] {
        browser.click("[data-testid=enter-session]").await;
        browser.wait_for("[data-testid=room]").await;
        browser.wait_for_count("[data-testid=topic]", 2).await;
    }
    // Members not yet client are marked for the facilitator.
    fanny
        .wait_for_count(
            "[data-testid=welcome-checklist] [data-testid=not-yet-client]",
            2,
        )
        .await;

    // The ballot: Ana and Bruno both vote for Ana's topic. Counts for all, names for none.
    ana.click(&format!("{} [data-testid=vote]", topic(1))).await;
    bruno
        .click(&format!("{} [data-testid=vote]", topic(1)))
        .await;
    fanny
        .wait_for_text(&format!("{} [data-testid=votes]", topic(1)), "2 voix")
        .await;
    ana.wait_for(&format!("{}[data-chosen=true]", topic(1)))
        .await;
    assert!(
        texts(&fanny, "[data-testid=topic][data-chosen=true]")
            .await
            .is_empty(),
        "the facilitator voted for nothing, and sees nobody's choice"
    );
    let ballot = fanny.text("[data-testid=topics]").await;
    assert!(
        !ballot.contains("Bruno ·") && !ballot.contains("votre choix"),
        "{ballot}"
    );
    fanny
        .screenshot(screenshot_path("group-ballot-laptop"))
        .await;
    ana.screenshot(screenshot_path("group-ballot-phone")).await;
    fanny.assert_accessible("the ballot, facilitator").await;
    ana.assert_accessible("the ballot, phone").await;

    // Fanny picks the topic, then its author as the client.
    fanny
        .click(&format!("{} [data-testid=pick-topic]", topic(1)))
        .await;
    fanny.wait_for_count("[data-testid=topic]", 1).await;
    fanny
        .click("[data-testid=pick-client][aria-label^=Ana]")
        .await;
    fanny
        .wait_for_text("[data-testid=client-name]", "Ana")
        .await;
    fanny.click("[data-testid=next-step]").await;
    // The chosen topic is the title to start from.
    ana.wait_for_value(
        "[data-testid=problem-title-input]",
        "Déléguer sans tout reprendre",
    )
    .await;
    ana.click("[data-testid=problem-save]").await;

    // Her plan, then the close.
    jump_to_step(&fanny, 5).await;
    ana.wait_for("[data-testid=action-text]").await;
    ana.type_into("[data-testid=action-text]", "Lister ce que je délègue")
        .await;
    ana.click("[data-testid=add-action]").await;
    fanny
        .wait_for_part("[data-testid=actions]", "Lister ce que je délègue")
        .await;
    close_session(&fanny).await;

    // The second session opens with the follow-up of Ana's plan.
    for browser in [&fanny, &ana, &bruno] {
        browser.goto(&invite).await;
        browser.wait_for("[data-testid=follow-ups]").await;
    }
    fanny.click("[data-testid=open-session]").await;
    for browser in [&fanny, &ana, &bruno] {
        browser.click("[data-testid=enter-session]").await;
        browser.wait_for("[data-testid=room]").await;
        browser.wait_for("[data-testid=follow-ups]").await;
    }
    assert!(
        texts(&bruno, "[data-testid=follow-up-form]")
            .await
            .is_empty(),
        "only the plan's client follows it up"
    );
    ana.type_into("[data-testid=follow-word]", "à moitié").await;
    ana.click("[data-testid=follow-save]").await;
    bruno
        .wait_for_text("[data-testid=follow-up]", "fait : à moitié")
        .await;
    ana.screenshot(screenshot_path("group-follow-up-phone"))
        .await;
    bruno.assert_accessible("the follow-up, laptop").await;

    // Bruno has not been client yet; Ana has: picking her asks first.
    fanny
        .wait_for_count(
            "[data-testid=welcome-checklist] [data-testid=not-yet-client]",
            1,
        )
        .await;
    fanny
        .click("[data-testid=welcome-pick-client][aria-label^=Ana]")
        .await;
    fanny.client().dismiss_alert().await.expect("asked first");
    assert!(
        texts(&fanny, "[data-testid=client-name]")
            .await
            .iter()
            .all(|n| !n.contains("Ana"))
    );
    for browser in [fanny, ana, bruno] {
        browser.close().await;
    }
}
