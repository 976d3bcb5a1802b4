//! Headless Chromium for end-to-end tests, driven over WebDriver.
//!
//! [`ChromeDriver`] runs Debian's `chromedriver` on a free port, in a process group of its
//! own: dropping it kills the whole group, Chromium included, so a failing or panicking
//! test leaves no browser processes behind. [`Browser`] is one Chromium session with a
//! fresh profile directory, so several browsers in one test are several independent users;
//! it prefers French ([`DEFAULT_LANGUAGE`]) unless opened with [`Browser::with_language`].
//!
//! Every wait is bounded by [`PATIENCE`] and fails the test with what it was waiting for
//! and what the page looked like, never by hanging.
//!
//! [`Browser::assert_accessible`] runs axe-core (the npm package, its path in `AXE_CORE`,
//! set by `cargo xtask test`) on the current screen and fails the test with every
//! violation it finds, whatever its impact.
//!
//! The parts: [`ChromeDriver`] in `driver`, waiting for the page in `wait`, acting on it
//! in `input`, axe-core in `axe`, DevTools Protocol commands in `devtools`; this module
//! keeps a browser's launch, navigation and end.

mod axe;
mod devtools;
mod driver;
mod input;
mod wait;

pub use axe::{Violation, assert_screens_accessible, describe_violations};
pub use driver::{ChromeDriver, DEFAULT_CHROMEDRIVER};

use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::Duration;
use std::{env, fs};

use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;

/// The longest a test waits for anything in the page before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The app's root element: in the page once the app has started.
pub const APP_ROOT: &str = "[data-testid=app]";

/// The language browsers prefer unless told otherwise: the app's default, so tests do
/// not depend on the machine's locale.
pub const DEFAULT_LANGUAGE: &str = "fr-FR";

/// Flags that keep headless Chromium quiet and stable in containers and CI.
const CHROME_ARGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// One headless Chromium session with its own fresh profile.
///
/// Call [`Browser::close`] at the end of a test to quit Chromium and delete the profile;
/// if a test panics first, dropping the [`ChromeDriver`] cleans up instead.
pub struct Browser {
    client: Client,
    profile: PathBuf,
}

impl Browser {
    /// Opens a browser whose page is `width` x `height` pixels, in [`DEFAULT_LANGUAGE`].
    pub async fn new(driver: &ChromeDriver, width: u32, height: u32) -> Self {
        Self::with_language(driver, width, height, DEFAULT_LANGUAGE).await
    }

    /// Opens a browser whose page is `width` x `height` pixels and whose preferred
    /// language (`navigator.language`, `Accept-Language`) is `language`, e.g. `"en-GB"`.
    pub async fn with_language(
        driver: &ChromeDriver,
        width: u32,
        height: u32,
        language: &str,
    ) -> Self {
        Self::launch(driver, width, height, language, "normal").await
    }

    /// Opens a browser (in [`DEFAULT_LANGUAGE`]) whose navigations and commands wait
    /// for the page's HTML only (`DOMContentLoaded`), not for every file it loads: to
    /// act on a page while a slow file (the wasm module, on a throttled network) is
    /// still arriving.
    pub async fn eager(driver: &ChromeDriver, width: u32, height: u32) -> Self {
        Self::launch(driver, width, height, DEFAULT_LANGUAGE, "eager").await
    }

    async fn launch(
        driver: &ChromeDriver,
        width: u32,
        height: u32,
        language: &str,
        page_load_strategy: &str,
    ) -> Self {
        let n = driver.next_browser.fetch_add(1, Ordering::Relaxed);
        let profile = driver.scratch.join(format!("profile-{n}"));
        fs::create_dir_all(&profile).expect("create a Chromium profile directory");

        let mut args: Vec<String> = CHROME_ARGS.iter().map(|arg| arg.to_string()).collect();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--user-data-dir={}", profile.display()));
        args.push(format!("--lang={language}"));
        let primary = language.split('-').next().unwrap_or(language);
        let mut chrome_options = serde_json::json!({
            "args": args,
            "prefs": { "intl.accept_languages": format!("{language},{primary}") },
        });
        if let Some(binary) = env::var_os("CHROMIUM") {
            chrome_options["binary"] = binary.to_string_lossy().into_owned().into();
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), "chrome".into());
        capabilities.insert("goog:chromeOptions".into(), chrome_options);
        capabilities.insert("pageLoadStrategy".into(), page_load_strategy.into());

        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| {
                let log = fs::read_to_string(driver.scratch.join("chromedriver.log"));
                panic!(
                    "could not open a Chromium session: {e}\n--- chromedriver log (end) ---\n{}",
                    tail(&log.unwrap_or_default(), 4000)
                )
            });
        let browser = Browser { client, profile };
        browser.fit_viewport(width, height).await;
        browser
    }

    /// Resizes the window so that the page itself (not the window) is `width` x `height`,
    /// making layouts and screenshots independent of the browser's own chrome.
    async fn fit_viewport(&self, width: u32, height: u32) {
        let viewport = || async {
            let size = self
                .client
                .execute(
                    "return [window.innerWidth, window.innerHeight];",
                    Vec::new(),
                )
                .await
                .unwrap_or_else(|e| panic!("could not read the viewport size: {e}"));
            let dimension = |i: usize| {
                size[i]
                    .as_u64()
                    .and_then(|v| u32::try_from(v).ok())
                    .unwrap_or(0)
            };
            (dimension(0), dimension(1))
        };
        let (inner_width, inner_height) = viewport().await;
        if (inner_width, inner_height) == (width, height) {
            return;
        }
        let (outer_width, outer_height) = self
            .client
            .get_window_size()
            .await
            .unwrap_or_else(|e| panic!("could not read the window size: {e}"));
        let grow = |outer: u64, inner: u32, wanted: u32| {
            u32::try_from(outer).unwrap_or(wanted).saturating_sub(inner) + wanted
        };
        self.client
            .set_window_size(
                grow(outer_width, inner_width, width),
                grow(outer_height, inner_height, height),
            )
            .await
            .unwrap_or_else(|e| panic!("could not resize the window: {e}"));
    }

    /// The underlying WebDriver client, for anything these helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Navigates to `url` and waits until the app has started (its root is in the
    /// page). Before that, an invite link's page shows the first screen the server
    /// wrote, which the app replaces as it starts: a test acting on it could act on an
    /// element about to go. [`open`](Self::open) is for the tests of that screen.
    pub async fn goto(&self, url: &str) {
        self.open(url).await;
        self.wait_for(APP_ROOT).await;
    }

    /// Navigates to `url` and waits only for what the page-load strategy waits for
    /// (the `load` event, or `DOMContentLoaded` for a browser opened with
    /// [`eager`](Self::eager)): the app may not have started.
    pub async fn open(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("could not open {url}: {e}"));
    }

    /// Quits Chromium and deletes this browser's profile.
    pub async fn close(self) {
        let _ = self.client.close().await;
        let _ = fs::remove_dir_all(&self.profile);
    }

    /// The current URL and the start of the page body, for failure messages.
    async fn describe_page(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map_or_else(|e| format!("<unknown: {e}>"), |url| url.to_string());
        let body = self
            .client
            .execute(
                "return document.body ? document.body.outerHTML : '';",
                Vec::new(),
            )
            .await
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        format!("--- page {url} ---\n{}", head(&body, 2000))
    }
}

/// At most the first `max` bytes of `text`, cut at a character boundary.
fn head(text: &str, max: usize) -> &str {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// At most the last `max` bytes of `text`, cut at a character boundary.
fn tail(text: &str, max: usize) -> &str {
    let mut start = text.len().saturating_sub(max);
    while !text.is_char_boundary(start) {
        start += 1;
    }
    &text[start..]
}
