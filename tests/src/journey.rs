//! What a person does through the UI, shared by the browser tests: the window sizes,
//! creating a session from the start page, joining from a link, waiting for a step,
//! jumping to one, reading texts and saving screenshots. The start page, the links and
//! each join form are checked for accessibility on the way.

use crate::browser::{Browser, ChromeDriver, assert_screens_accessible};
use crate::proxy::Proxy;
use crate::server::TestServer;
use fantoccini::Locator;
use std::path::PathBuf;

/// A laptop beside a video call.
pub const LAPTOP: (u32, u32) = (1280, 800);
/// A phone.
pub const PHONE: (u32, u32) = (390, 844);

/// Open one browser per size, in order, in the default language: `let [fac, phone] =
/// browsers(&driver, [LAPTOP, PHONE]).await`.
pub async fn browsers<const N: usize>(
    driver: &ChromeDriver,
    sizes: [(u32, u32); N],
) -> [Browser; N] {
    let mut opened = Vec::with_capacity(N);
    for (width, height) in sizes {
        opened.push(Browser::new(driver, width, height).await);
    }
    match opened.try_into() {
        Ok(all) => all,
        Err(_) => unreachable!("one browser per size"),
    }
}

/// Where a screenshot named `name` goes: `target/screenshots/<name>.png`.
pub fn screenshot_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../target/screenshots")
        .join(format!("{name}.png"))
}

/// The texts of every element matching `css`, in page order.
pub async fn texts(browser: &Browser, css: &str) -> Vec<String> {
    let mut out = Vec::new();
    for element in browser
        .client()
        .find_all(Locator::Css(css))
        .await
        .unwrap_or_default()
    {
        out.push(element.text().await.unwrap_or_default());
    }
    out
}

/// The value of the form field matching `css`.
pub async fn value_of(browser: &Browser, css: &str) -> String {
    browser
        .wait_for(css)
        .await
        .prop("value")
        .await
        .ok()
        .flatten()
        .unwrap_or_default()
}

/// Create a session from the start page; the facilitator's and the invite links. The
/// start page, and the links once one is copied, are checked for accessibility.
pub async fn create_session(facilitator: &Browser, base: &str, title: &str) -> (String, String) {
    facilitator.goto(base).await;
    facilitator.wait_for("[data-testid=create-form]").await;
    facilitator.assert_accessible("home").await;
    facilitator
        .type_into("[data-testid=session-title]", title)
        .await;
    facilitator
        .click("[data-testid=create-form] button[type=submit]")
        .await;
    facilitator.wait_for("[data-testid=created]").await;
    facilitator.click("[data-testid=copy-invite-link]").await;
    facilitator
        .wait_for_part("[data-testid=copy-invite-link]", "Copié")
        .await;
    facilitator
        .assert_accessible("created, a link copied")
        .await;
    let own = value_of(facilitator, "[data-testid=facilitator-link]").await;
    let invite = value_of(facilitator, "[data-testid=invite-link]").await;
    (own, invite)
}

/// Open a link and join under `name`, once the page names the session. The join form
/// is checked for accessibility.
pub async fn join(browser: &Browser, url: &str, name: &str) {
    browser.goto(url).await;
    browser.wait_for("[data-testid=join-session-title]").await;
    browser
        .assert_accessible(&format!("join form ({name})"))
        .await;
    browser.type_into("[data-testid=join-name]", name).await;
    browser.click("[data-testid=join-button]").await;
    browser.wait_for("[data-testid=room]").await;
}

/// Join the group at `link` under `name` and accept its charter; the join form and the
/// charter are checked for accessibility.
pub async fn join_group(browser: &Browser, link: &str, name: &str) {
    browser.goto(link).await;
    browser.wait_for("[data-testid=join-group-form]").await;
    browser
        .assert_accessible(&format!("group join form ({name})"))
        .await;
    browser.type_into("[data-testid=member-name]", name).await;
    browser.click("[data-testid=join-group-button]").await;
    browser.wait_for("[data-testid=group-charter]").await;
    browser
        .assert_accessible(&format!("group charter ({name})"))
        .await;
    browser.click("[data-testid=accept-group-charter]").await;
    browser.wait_for("[data-testid=group-page]").await;
}

/// A group called `name`, made through the API, that Fanny (the group's facilitator, on
/// a laptop), Ana (a phone) and Bruno (a laptop) have joined, with its series planned;
/// the group's invite link and their three pages, on the group's page.
pub async fn a_planned_group(
    server: &TestServer,
    driver: &ChromeDriver,
    name: &str,
) -> (String, [Browser; 3]) {
    let created = crate::group_ws::create_group(server, name).await;
    let origin = server.http_url().trim_end_matches('/').to_owned();
    let invite = format!("{origin}/g/{}", created.group);
    let own = format!("{invite}#key={}", created.facilitator_key);
    let [fanny, ana, bruno] = browsers(driver, [LAPTOP, PHONE, LAPTOP]).await;
    join_group(&fanny, &own, "Fanny").await;
    join_group(&ana, &invite, "Ana").await;
    join_group(&bruno, &invite, "Bruno").await;
    fanny.click("[data-testid=plan-save]").await;
    fanny.wait_for("[data-testid=plan-saved]").await;
    (invite, [fanny, ana, bruno])
}

/// The facilitator closes the session, confirming.
pub async fn close_session(facilitator: &Browser) {
    facilitator.click("[data-testid=close-session]").await;
    facilitator
        .client()
        .accept_alert()
        .await
        .expect("confirm the close");
}

/// A small group gathers: Anne creates a session titled `title` on `base` from `fac`
/// and joins from her own link; Claire joins from the invite link in `cli`, and Bruno in
/// `bruno` from the same link with `base` replaced by `bruno_base` (a proxy's address,
/// to cut his network, or `base` itself). Returns Anne's link and the invite link.
pub async fn gather(
    [fac, cli, bruno]: [&Browser; 3],
    base: &str,
    title: &str,
    bruno_base: &str,
) -> (String, String) {
    let (own, invite) = create_session(fac, base, title).await;
    join(fac, &own, "Anne").await;
    join(cli, &invite, "Claire").await;
    join(bruno, &invite.replace(base, bruno_base), "Bruno").await;
    (own, invite)
}

/// A server with the client, a proxy in front of it, and Anne, Claire and Bruno
/// gathered in a session called `title`: Bruno's page reaches the server through the
/// proxy, whose network a test can cut. Keep the server and the driver for as long as
/// the browsers live.
pub async fn behind_a_proxy(title: &str) -> (TestServer, Proxy, ChromeDriver, [Browser; 3]) {
    let server = TestServer::start_with_client().await;
    let proxy = Proxy::start(server.addr()).await;
    let driver = ChromeDriver::start().await;
    let group = browsers(&driver, [LAPTOP, LAPTOP, PHONE]).await;
    let [fac, cli, bruno] = &group;
    let base = server.http_url();
    gather([fac, cli, bruno], &base, title, &proxy.http_url()).await;
    (server, proxy, driver, group)
}

/// The facilitator picks Claire as the client and jumps to step 4, the exploration;
/// `watcher`'s page shows that step.
pub async fn explore_with_claire(fac: &Browser, watcher: &Browser) {
    fac.click("[data-testid=pick-client][aria-label^=Claire]")
        .await;
    fac.wait_for_text("[data-testid=client-name]", "Claire")
        .await;
    // Straight to step 4 (four quick clicks on "next" would be one double click).
    jump_to_step(fac, 4).await;
    watcher
        .wait_for_text("[data-testid=step]", "Étape 4 · Exploration")
        .await;
}

/// Wait until every browser shows the step `heading`.
pub async fn all_see_step(browsers: &[&Browser], heading: &str) {
    for browser in browsers {
        browser.wait_for_text("[data-testid=step]", heading).await;
    }
}

/// The facilitator jumps to step `number` with the step picker.
pub async fn jump_to_step(facilitator: &Browser, number: u8) {
    facilitator.click("[data-testid=jump-step]").await;
    facilitator
        .wait_for(&format!("[data-testid=jump-step] option[value='{number}']"))
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("could not choose step {number}: {e}"));
}

/// Check every browser's screen at this step with axe-core, named `step (person)`.
pub async fn all_accessible(browsers: &[(&Browser, &str)], step: &str) {
    let screens: Vec<_> = browsers
        .iter()
        .map(|(browser, who)| (*browser, format!("{step} ({who})")))
        .collect();
    assert_screens_accessible(&screens).await;
}

/// Screenshots of a laptop and a phone at this step, named `step-laptop` and
/// `step-phone`, in `target/screenshots/`.
pub async fn shoot(laptop: &Browser, phone: &Browser, step: &str) {
    laptop
        .screenshot(screenshot_path(&format!("{step}-laptop")))
        .await;
    phone
        .screenshot(screenshot_path(&format!("{step}-phone")))
        .await;
}
