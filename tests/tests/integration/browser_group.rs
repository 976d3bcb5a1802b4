//! End-to-end, a group through the real pages: a facilitator creates a group with a
//! call link and plans its series; members join once (a name, then the group's charter),
//! in French on a laptop and in English on a phone; the series and the members are the
//! same on every page, live; a member's personal link opens their place on another
//! device without joining again.
//!
//! Every screen is checked with axe-core; screenshots of the group page, laptop and
//! phone, go with the other browser tests' (`target/screenshots/`).

use tests::browser::{Browser, ChromeDriver};
use tests::journey::{
    LAPTOP, PHONE, a_planned_group, close_session, join_group, screenshot_path, texts, value_of,
};
use tests::server::TestServer;

const CALL: &str = "https://visio.example.org/codev-lundi";

/// Choose `value` in the `<select>` found by `css`.
async fn choose(browser: &Browser, css: &str, value: &str) {
    browser.click(css).await;
    browser
        .wait_for(&format!("{css} option[value='{value}']"))
        .await
        .click()
        .await
        .expect("choose an option");
}

/// Choose the option showing `text` in the `<select>` found by `css`, as a person does
/// (the page hears a `change`).
async fn choose_by_text(browser: &Browser, css: &str, text: &str) {
    browser.wait_for(css).await;
    let chosen = browser
        .client()
        .execute(
            "const select = document.querySelector(arguments[0]);\
             const option = [...select.options].find(o => o.text === arguments[1]);\
             if (!option) return false;\
             select.value = option.value;\
             select.dispatchEvent(new Event('change', { bubbles: true }));\
             return true;",
            vec![css.into(), text.into()],
        )
        .await
        .expect("choose an option");
    assert_eq!(chosen, serde_json::json!(true), "no option {text} in {css}");
}

/// Click `css`, which makes the page download a file (a blob link), and return the
/// file's text, taken as the page hands it to the browser.
async fn downloaded_text(browser: &Browser, css: &str) -> String {
    browser
        .client()
        .execute(
            "window.downloaded = []; const make = URL.createObjectURL.bind(URL);\
             URL.createObjectURL = (blob) => { window.downloaded.push(blob); return make(blob); };\
             return null;",
            Vec::new(),
        )
        .await
        .expect("watch the page's downloads");
    browser.click(css).await;
    let text = browser
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             const look = () => window.downloaded.length\
               ? window.downloaded[0].text().then(done)\
               : setTimeout(look, 20);\
             look();",
            Vec::new(),
        )
        .await
        .expect("the downloaded file");
    text.as_str().expect("text").to_owned()
}

#[tokio::test]
async fn a_group_is_created_joined_once_and_planned_live_on_every_page() {
    let server = TestServer::start_with_client().await;
    let base = server.http_url();
    let driver = ChromeDriver::start().await;
    let fanny = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;
    let ana = Browser::with_language(&driver, PHONE.0, PHONE.1, "en-GB").await;
    let bruno = Browser::new(&driver, LAPTOP.0, LAPTOP.1).await;

    // Fanny creates the group from the start page, which offers both ways.
    fanny.goto(&base).await;
    fanny.wait_for("[data-testid=create-group-form]").await;
    assert!(
        texts(&fanny, "h2")
            .await
            .contains(&"Un groupe et sa série de séances".to_owned())
    );
    assert!(
        texts(&fanny, "h2")
            .await
            .contains(&"Une séance ponctuelle".to_owned())
    );
    fanny.assert_accessible("home, both ways").await;
    fanny
        .type_into("[data-testid=group-name]", "Codév du lundi")
        .await;
    fanny.type_into("[data-testid=group-call-link]", CALL).await;
    fanny
        .click("[data-testid=create-group-form] button[type=submit]")
        .await;
    fanny.wait_for("[data-testid=group-created]").await;
    fanny.assert_accessible("group created").await;
    let invite = value_of(&fanny, "[data-testid=group-invite-link]").await;
    let own = value_of(&fanny, "[data-testid=group-facilitator-link]").await;
    let origin = base.trim_end_matches('/');
    assert!(invite.starts_with(&format!("{origin}/g/")), "{invite}");
    assert!(own.starts_with(&format!("{invite}#key=")), "{own}");

    // Her link opens the group: a name the first time, then the charter.
    join_group(&fanny, &own, "Fanny").await;
    assert_eq!(
        fanny.text("[data-testid=group-title]").await,
        "Codév du lundi"
    );
    let call = fanny
        .wait_for("[data-testid=call-link]")
        .await
        .attr("href")
        .await
        .expect("the call's address");
    assert_eq!(call.as_deref(), Some(CALL));

    // She plans the series: five sessions a month apart by default; she saves them.
    fanny.wait_for("[data-testid=planner]").await;
    assert_eq!(value_of(&fanny, "[data-testid=plan-count]").await, "5");
    fanny.click("[data-testid=plan-save]").await;
    fanny.wait_for("[data-testid=plan-saved]").await;
    fanny
        .wait_for_count("[data-testid=series-session]", 5)
        .await;

    // Ana joins on her phone, in English; Bruno on his laptop.
    join_group(&ana, &invite, "Ana").await;
    ana.wait_for_count("[data-testid=series-session]", 5).await;
    ana.wait_for_text("#series-heading", "The series of sessions")
        .await;
    assert!(
        texts(&ana, "[data-testid=planner]").await.is_empty(),
        "only the group's facilitator plans"
    );
    join_group(&bruno, &invite, "Bruno").await;
    for (browser, me) in [(&fanny, "Fanny"), (&ana, "Ana"), (&bruno, "Bruno")] {
        browser
            .wait_for_count("[data-testid=group-member]", 3)
            .await;
        let members = texts(browser, "[data-testid=group-member]").await;
        assert!(
            members
                .iter()
                .any(|m| m.starts_with(me) && (m.contains("(vous)") || m.contains("(you)"))),
            "{me} sees themself: {members:?}"
        );
    }
    // Everyone sees who has the group's page open.
    fanny
        .wait_for_count("[data-testid=group-member][data-online=true]", 3)
        .await;
    // Nobody has been client yet: both members are marked.
    fanny
        .wait_for_count("[data-testid=member-not-yet-client]", 2)
        .await;
    let dates = texts(&fanny, "[data-testid=series-date]").await;
    assert_eq!(texts(&bruno, "[data-testid=series-date]").await, dates);

    // Fanny shortens the series to four: everyone sees it at once.
    choose(&fanny, "[data-testid=plan-count]", "4").await;
    fanny.click("[data-testid=plan-save]").await;
    for browser in [&fanny, &ana, &bruno] {
        browser
            .wait_for_count("[data-testid=series-session]", 4)
            .await;
    }
    // Ana adds the series to her calendar: the file her page downloads is the series.
    let calendar = downloaded_text(&ana, "[data-testid=download-calendar]").await;
    let calendar: icalendar::Calendar = calendar.parse().expect("a calendar file");
    let titles: Vec<String> = calendar
        .events()
        .filter_map(|event| icalendar::Component::get_summary(event).map(str::to_owned))
        .collect();
    assert_eq!(
        titles,
        (1..=4)
            .map(|n| format!("Codév du lundi · session {n} of 4"))
            .collect::<Vec<_>>()
    );
    // And the series' summary, as Markdown.
    let summary = downloaded_text(&ana, "[data-testid=download-series]").await;
    assert!(summary.starts_with("# Codév du lundi\n"), "{summary}");
    assert_eq!(summary.matches("· planned").count(), 4, "{summary}");

    // Fanny names Ana to run the second session: everyone sees it.
    choose_by_text(
        &fanny,
        "[data-testid=series-session]:nth-child(2) [data-testid=run-by]",
        "Ana",
    )
    .await;
    ana.wait_for_part("[data-testid=series-session]:nth-child(2)", "Run by Ana")
        .await;
    bruno
        .wait_for_part(
            "[data-testid=series-session]:nth-child(2)",
            "Animée par Ana",
        )
        .await;
    fanny.screenshot(screenshot_path("group-page-laptop")).await;
    ana.screenshot(screenshot_path("group-page-phone")).await;
    fanny.assert_accessible("group page, facilitator").await;
    ana.assert_accessible("group page, member, phone").await;

    // Ana's personal link opens her place on another device, without joining again.
    let personal = value_of(&ana, "[data-testid=personal-link]").await;
    assert!(personal.contains("#member="), "{personal}");
    let other_device = Browser::new(&driver, PHONE.0, PHONE.1).await;
    other_device.goto(&personal).await;
    other_device.wait_for("[data-testid=group-page]").await;
    let members = texts(&other_device, "[data-testid=group-member]").await;
    assert!(
        members
            .iter()
            .any(|m| m.starts_with("Ana") && m.contains("(vous)")),
        "{members:?}"
    );
    assert_eq!(
        fanny
            .text("[data-testid=group-members]")
            .await
            .matches("Ana")
            .count(),
        1
    );
    // The secret leaves the address bar once kept.
    let shown = other_device
        .client()
        .current_url()
        .await
        .expect("the address");
    assert_eq!(
        shown.as_str(),
        invite,
        "the personal token is not left in the address"
    );

    // Fanny removes Bruno: his page says so, the others no longer list him.
    fanny
        .click("[data-testid=group-member]:nth-child(3) [data-testid=remove-member]")
        .await;
    fanny
        .client()
        .accept_alert()
        .await
        .expect("confirm the removal");
    bruno.wait_for("[data-testid=left-group]").await;
    for browser in [&fanny, &ana, &other_device] {
        browser
            .wait_for_count("[data-testid=group-member]", 2)
            .await;
    }
    assert!(
        !texts(&fanny, "[data-testid=group-member]")
            .await
            .iter()
            .any(|m| m.contains("Bruno"))
    );

    // A new charter: every member reads and accepts it again.
    fanny
        .type_into("[data-testid=settings-charter]", "Nous parlons en « je ».")
        .await;
    fanny.click("[data-testid=settings-save]").await;
    ana.wait_for("[data-testid=group-charter]").await;
    assert_eq!(
        ana.text("[data-testid=group-charter-text]").await,
        "Nous parlons en « je »."
    );
    ana.assert_accessible("a changed charter, phone").await;
    ana.click("[data-testid=accept-group-charter]").await;
    ana.wait_for("[data-testid=group-page]").await;

    // Fanny deletes the group (her own new charter accepted first): every page still
    // open says so.
    fanny.click("[data-testid=accept-group-charter]").await;
    fanny.click("[data-testid=delete-group]").await;
    fanny
        .client()
        .accept_alert()
        .await
        .expect("confirm the deletion");
    ana.wait_for_text("[data-testid=fatal-reason]", "This group was deleted.")
        .await;
    other_device
        .wait_for_text("[data-testid=fatal-reason]", "Ce groupe a été supprimé.")
        .await;
    ana.assert_accessible("a deleted group, phone").await;

    for browser in [fanny, ana, bruno, other_device] {
        browser.close().await;
    }
}

#[tokio::test]
async fn members_enter_their_groups_session_from_the_group_page_without_joining_again() {
    let server = TestServer::start_with_client().await;
    let driver = ChromeDriver::start().await;
    let (invite, [fanny, ana, bruno]) = a_planned_group(&server, &driver, "Codév du jeudi").await;
    assert!(
        texts(&ana, "[data-testid=open-session]").await.is_empty(),
        "a member opens only a session they were named to run"
    );

    // Fanny opens the first session: every member's page shows the way in.
    fanny
        .wait_for_text("[data-testid=open-session]", "Ouvrir la séance 1")
        .await;
    fanny.click("[data-testid=open-session]").await;
    for browser in [&fanny, &ana, &bruno] {
        browser
            .wait_for_text(
                "[data-testid=enter-session]",
                "La séance a commencé : entrer",
            )
            .await;
    }
    ana.screenshot(screenshot_path("group-session-started-phone"))
        .await;
    ana.assert_accessible("group page, a session under way")
        .await;

    // Ana and Fanny go in: no name to give, no charter to accept again.
    ana.click("[data-testid=enter-session]").await;
    ana.wait_for("[data-testid=room]").await;
    // The group's call is one click away in the session too.
    let call = ana
        .wait_for("[data-testid=room-call-link]")
        .await
        .attr("href")
        .await
        .expect("the call's address");
    assert_eq!(call.as_deref(), Some("https://visio.example/abc"));
    fanny.click("[data-testid=enter-session]").await;
    fanny.wait_for("[data-testid=room]").await;
    fanny.wait_for_part("[data-testid=people]", "Ana").await;
    ana.wait_for_part("[data-testid=people]", "Fanny").await;
    assert!(
        texts(&ana, "[data-testid=accept-charter]").await.is_empty(),
        "the group's charter was accepted once, for the whole series"
    );
    // Fanny runs it: she closes it (no client picked: nothing is kept).
    close_session(&fanny).await;

    // Bruno, still on the group's page, sees the session closed; Fanny may open the next.
    bruno
        .wait_for("[data-testid=series-session][data-state=closed]")
        .await;
    fanny.goto(&invite).await;
    fanny
        .wait_for_text("[data-testid=open-session]", "Ouvrir la séance 2")
        .await;
    for browser in [fanny, ana, bruno] {
        browser.close().await;
    }
}
