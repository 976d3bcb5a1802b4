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

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use std::{env, fs};

use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::{Mutex, MutexGuard};

/// The longest a test waits for anything in the page before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The app's root element: in the page once the app has started.
pub const APP_ROOT: &str = "[data-testid=app]";

/// The language browsers prefer unless told otherwise: the app's default, so tests do
/// not depend on the machine's locale.
pub const DEFAULT_LANGUAGE: &str = "fr-FR";

/// Where chromedriver is expected; `CHROMEDRIVER` overrides it.
pub const DEFAULT_CHROMEDRIVER: &str = "/usr/bin/chromedriver";

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

/// How many times to start chromedriver before giving up (a port picked as free can be
/// taken by someone else before chromedriver binds it).
const START_ATTEMPTS: usize = 3;
/// How often, and how many times, to ask a starting chromedriver whether it is ready.
/// Counts the page's DOM changes (putting an observer on the page the first time) and
/// returns the count. Each change also wakes the scripts waiting in [`AWAIT_CHANGE`].
const COUNT_CHANGES: &str = r#"
if (!window.__changes) {
  const changes = { count: 0, waiting: [] };
  window.__changes = changes;
  new MutationObserver(() => {
    changes.count += 1;
    const waiting = changes.waiting;
    changes.waiting = [];
    waiting.forEach((wake) => wake());
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}
return window.__changes.count;
"#;

/// Resolves `true` once the page's DOM changes after `arguments[0]` changes (at once if
/// it has, or if this is a new page), `false` after `arguments[1]` milliseconds.
const AWAIT_CHANGE: &str = r#"
const [seen, patience, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const changes = window.__changes;
if (!changes || changes.count !== seen) { done(true); return; }
const timer = setTimeout(() => done(false), patience);
changes.waiting.push(() => { clearTimeout(timer); done(true); });
"#;

/// Runs axe-core on the whole document and resolves with its violations (every rule
/// axe enables by default: WCAG A and AA, and its best practices), as JSON.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ["violations"] })
  .then((results) => done(JSON.stringify(results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((node) => JSON.stringify(node.target)),
    summaries: v.nodes.map((node) => node.failureSummary || ""),
  })))))
  .catch((error) => done(JSON.stringify({ error: String(error) })));
"#;

/// One rule axe-core found broken on a screen, with every element that breaks it.
#[derive(Debug, serde::Deserialize)]
pub struct Violation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// What the rule asks, in a sentence.
    pub help: String,
    /// The CSS selectors of the offending elements.
    pub targets: Vec<String>,
    /// Why each element fails, in axe's words.
    pub summaries: Vec<String>,
}

/// The source of `axe.min.js`, read once from `AXE_CORE`. Panics with what to do when
/// it is missing: accessibility checks fail, never skip.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = env::var_os("AXE_CORE").map(PathBuf::from).expect(
            "AXE_CORE is not set: run the browser tests through `cargo xtask test`, which \
             installs axe-core from the npm registry and says where it is",
        );
        fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "AXE_CORE={} cannot be read ({e}): run the browser tests through `cargo xtask test`",
                path.display()
            )
        })
    })
}

const STATUS_POLL: Duration = Duration::from_millis(50);
const STATUS_POLLS: usize = 200;

/// A running chromedriver, killed with everything it started when dropped.
pub struct ChromeDriver {
    /// Browser tests of one test binary take turns: several Chromium windows per test
    /// are plenty for two cores, and a loaded machine makes waits flaky.
    _turn: MutexGuard<'static, ()>,
    child: Child,
    port: u16,
    /// Holds the profile directory of every browser of this driver and the driver's log.
    scratch: PathBuf,
    next_browser: AtomicUsize,
}

impl ChromeDriver {
    /// Starts chromedriver and waits until it accepts sessions.
    ///
    /// Panics with a clear message if chromedriver is missing or does not come up:
    /// browser tests must fail, never skip, when the browser is unavailable.
    pub async fn start() -> Self {
        // Each test has its own runtime; tokio's mutex works across them.
        static TURN: Mutex<()> = Mutex::const_new(());
        let turn = TURN.lock().await;
        let program = env::var_os("CHROMEDRIVER")
            .map_or_else(|| PathBuf::from(DEFAULT_CHROMEDRIVER), PathBuf::from);
        assert!(
            program.is_file(),
            "chromedriver not found at {}: run the tests through `cargo xtask test`, which \
             installs Debian's chromium and chromium-driver",
            program.display()
        );
        let scratch = scratch_dir();
        fs::create_dir_all(&scratch).expect("create the browser scratch directory");
        let log = scratch.join("chromedriver.log");

        let mut failures = Vec::new();
        for _ in 0..START_ATTEMPTS {
            let port = free_port();
            let mut child = spawn_in_own_group(
                Command::new(&program)
                    .arg(format!("--port={port}"))
                    .arg(format!("--log-path={}", log.display()))
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null()),
            );
            match wait_until_ready(&mut child, port).await {
                Ok(()) => {
                    return ChromeDriver {
                        _turn: turn,
                        child,
                        port,
                        scratch,
                        next_browser: AtomicUsize::new(0),
                    };
                }
                Err(why) => {
                    kill_group(&mut child);
                    failures.push(format!("port {port}: {why}"));
                }
            }
        }
        let log = fs::read_to_string(&log).unwrap_or_default();
        let _ = fs::remove_dir_all(&scratch);
        panic!(
            "chromedriver ({}) did not start: {}\n--- chromedriver log (end) ---\n{}",
            program.display(),
            failures.join("; "),
            tail(&log, 4000)
        );
    }

    /// The WebDriver endpoint, e.g. `http://127.0.0.1:9515`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        kill_group(&mut self.child);
        let _ = fs::remove_dir_all(&self.scratch);
    }
}

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

    /// Sends one Chrome DevTools Protocol command to the page (chromedriver's
    /// `goog/cdp/execute`), e.g. `("Emulation.setCPUThrottlingRate", {"rate": 4})`, and
    /// returns its result: throttling, cache and the like have no WebDriver command.
    pub async fn devtools(
        &self,
        command: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, fantoccini::error::CmdError> {
        self.client
            .issue_cmd(DevTools {
                command: command.to_owned(),
                params,
            })
            .await
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

    /// Waits until an element matches `css`, and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_for_within(css, PATIENCE).await
    }

    /// Waits until the element matching `css` has exactly the text `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> Element {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut last = None;
        loop {
            let seen = self.page_changes().await;
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                match element.text().await {
                    Ok(text) if text == expected => return element,
                    Ok(text) => last = Some(text),
                    Err(_) => {}
                }
            }
            if !self.next_change(seen, deadline).await {
                panic!(
                    "waited {PATIENCE:?} for `{css}` to read {expected:?}; last seen: {last:?}\n{}",
                    self.describe_page().await
                );
            }
        }
    }

    /// Waits until exactly `n` elements match `css`.
    pub async fn wait_for_count(&self, css: &str, n: usize) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let seen = self.page_changes().await;
            let found = self
                .client
                .find_all(Locator::Css(css))
                .await
                .map(|all| all.len())
                .unwrap_or(0);
            if found == n {
                return;
            }
            if !self.next_change(seen, deadline).await {
                panic!(
                    "waited {PATIENCE:?} for {n} × `{css}`, saw {found}\n{}",
                    self.describe_page().await
                );
            }
        }
    }

    /// Waits until the element matching `css` contains `part` in its text.
    pub async fn wait_for_part(&self, css: &str, part: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let seen = self.page_changes().await;
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(part) {
                return;
            }
            if !self.next_change(seen, deadline).await {
                panic!(
                    "waited {PATIENCE:?} for `{css}` to contain {part:?}; it reads {text:?}\n{}",
                    self.describe_page().await
                );
            }
        }
    }

    /// How many times the page's DOM has changed so far, counted by an observer put on
    /// the page the first time (a new page starts again from 0).
    async fn page_changes(&self) -> u64 {
        self.client
            .execute(COUNT_CHANGES, Vec::new())
            .await
            .ok()
            .and_then(|count| count.as_u64())
            .unwrap_or(0)
    }

    /// Waits for the page's DOM to change after `seen` changes (at once if it already
    /// has, or if the page was replaced). `false` once `deadline` passes first.
    async fn next_change(&self, seen: u64, deadline: tokio::time::Instant) -> bool {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return false;
        }
        let args = vec![seen.into(), (left.as_millis() as u64).into()];
        match self.client.execute_async(AWAIT_CHANGE, args).await {
            Ok(changed) => changed.as_bool().unwrap_or(true),
            // The page went away under the script (a navigation): it changed.
            Err(_) => tokio::time::Instant::now() < deadline,
        }
    }

    /// The visible text of the element matching `css` (waiting for it to exist).
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("could not read the text of `{css}`: {e}"))
    }

    /// Clicks the element matching `css` (waiting for it to exist), after scrolling it
    /// to the middle of the window as a person would, clear of sticky bars.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for(css).await;
        let _ = self
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
                vec![serde_json::to_value(&element).unwrap_or_default()],
            )
            .await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click `{css}`: {e}"));
    }

    /// Types `text` into the element matching `css` (waiting for it to exist).
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("could not type into `{css}`: {e}"));
    }

    /// Saves a PNG screenshot of the viewport to `path`, creating its directory.
    pub async fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("could not take a screenshot: {e}"));
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("could not create {}: {e}", dir.display()));
        }
        fs::write(path, png).unwrap_or_else(|e| panic!("could not write {}: {e}", path.display()));
    }

    /// Waits up to `patience` (longer than [`PATIENCE`]: for what the page does on its
    /// own timers, such as noticing a silent network) until an element matches `css`.
    pub async fn wait_for_within(&self, css: &str, patience: Duration) -> Element {
        match self
            .client
            .wait()
            .at_most(patience)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "waited {patience:?} for `{css}` in vain ({e})\n{}",
                self.describe_page().await
            ),
        }
    }

    /// Clicks the element matching `css` twice with a real mouse, `between` apart, as a
    /// person's double click (a fast one at zero, a slow one at a few hundred ms).
    pub async fn double_click(&self, css: &str, between: Duration) {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let element = self.wait_for(css).await;
        let _ = self
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
                vec![serde_json::to_value(&element).unwrap_or_default()],
            )
            .await;
        let press = || {
            [
                PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                },
                PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                },
            ]
        };
        let mut mouse = MouseActions::new("mouse".into()).then(PointerAction::MoveToElement {
            element,
            duration: None,
            x: 0.0,
            y: 0.0,
        });
        for action in press() {
            mouse = mouse.then(action);
        }
        mouse = mouse.then(PointerAction::Pause { duration: between });
        for action in press() {
            mouse = mouse.then(action);
        }
        self.client
            .perform_actions(mouse)
            .await
            .unwrap_or_else(|e| panic!("could not double-click `{css}`: {e}"));
        let _ = self.client.release_actions().await;
    }

    /// Presses Enter on the element matching `css`: keyboard focus goes to it first,
    /// as when a keyboard user tabs to a button and activates it.
    pub async fn press_enter(&self, css: &str) {
        let element = self.wait_for(css).await;
        element
            .send_keys("\u{E007}")
            .await
            .unwrap_or_else(|e| panic!("could not press Enter on `{css}`: {e}"));
    }

    /// An attribute of the element that has keyboard focus (none if the page has it).
    pub async fn focused_attribute(&self, attribute: &str) -> Option<String> {
        self.client
            .execute(
                "const active = document.activeElement;
                 return active && active !== document.body ? active.getAttribute(arguments[0]) : null;",
                vec![attribute.into()],
            )
            .await
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
    }

    /// Whether the whole element matching `css` is inside the first screen of the page,
    /// without scrolling, and above the element matching `bar` (a bar fixed to the
    /// bottom of the screen), if there is one.
    pub async fn is_on_first_screen(&self, css: &str, bar: &str) -> bool {
        let element = self.wait_for(css).await;
        self.client
            .execute(
                "window.scrollTo(0, 0);
                 const box = arguments[0].getBoundingClientRect();
                 const bar = document.querySelector(arguments[1]);
                 const limit = bar ? bar.getBoundingClientRect().top : window.innerHeight;
                 return box.top >= 0 && box.bottom <= limit;",
                vec![
                    serde_json::to_value(&element).unwrap_or_default(),
                    bar.into(),
                ],
            )
            .await
            .ok()
            .and_then(|value| value.as_bool())
            .unwrap_or(false)
    }

    /// The accessibility violations axe-core finds on the current screen. axe is
    /// injected into the page the first time (and again after a navigation).
    pub async fn axe_violations(&self) -> Vec<Violation> {
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", Vec::new())
            .await
            .ok()
            .and_then(|loaded| loaded.as_bool())
            .unwrap_or(false);
        if !loaded {
            let inject = format!("{}\nreturn typeof window.axe;", axe_source());
            let kind = self
                .client
                .execute(&inject, Vec::new())
                .await
                .unwrap_or_else(|e| panic!("could not inject axe-core into the page: {e}"));
            assert_eq!(kind, "object", "axe-core did not load in the page");
        }
        let answer = self
            .client
            .execute_async(RUN_AXE, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("axe-core did not run: {e}"));
        let json = answer.as_str().unwrap_or_default();
        serde_json::from_str(json).unwrap_or_else(|e| {
            panic!("axe-core's answer is not a list of violations ({e}): {json}")
        })
    }

    /// Fails the test if axe-core finds any accessibility violation, of any impact, on
    /// the current screen, naming the screen, each rule, its impact and the elements.
    pub async fn assert_accessible(&self, screen: &str) {
        let violations = self.axe_violations().await;
        if violations.is_empty() {
            return;
        }
        panic!(
            "axe-core finds {} violation(s) on the screen `{screen}`:\n{}",
            violations.len(),
            describe_violations(&violations)
        );
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

/// Fails the test if axe-core finds any violation on any of these screens (a browser and
/// the screen's name), listing every one of them, screen by screen.
pub async fn assert_screens_accessible(screens: &[(&Browser, String)]) {
    let mut report = String::new();
    for (browser, screen) in screens {
        let violations = browser.axe_violations().await;
        if !violations.is_empty() {
            report.push_str(&format!(
                "on the screen `{screen}`:\n{}",
                describe_violations(&violations)
            ));
        }
    }
    assert!(report.is_empty(), "axe-core finds violations\n{report}");
}

/// One line per rule and one per element, for failure messages.
pub fn describe_violations(violations: &[Violation]) -> String {
    let mut out = String::new();
    for violation in violations {
        out.push_str(&format!(
            "- {} ({}): {}\n",
            violation.id,
            violation.impact.as_deref().unwrap_or("no impact given"),
            violation.help
        ));
        for (target, summary) in violation.targets.iter().zip(&violation.summaries) {
            let summary = summary.replace('\n', " ");
            out.push_str(&format!("    {target}: {summary}\n"));
        }
    }
    out
}

/// A DevTools Protocol command sent through chromedriver (see [`Browser::devtools`]).
#[derive(Debug)]
struct DevTools {
    command: String,
    params: serde_json::Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.command, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}

/// Polls chromedriver's `/status` until it says it is ready, for a bounded time.
async fn wait_until_ready(child: &mut Child, port: u16) -> Result<(), String> {
    for _ in 0..STATUS_POLLS {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            return Err(format!("chromedriver exited ({status})"));
        }
        if is_ready(port).await {
            return Ok(());
        }
        tokio::time::sleep(STATUS_POLL).await;
    }
    Err(format!(
        "not ready after {:?}",
        STATUS_POLL * STATUS_POLLS as u32
    ))
}

/// One `GET /status`, bounded in time; `true` if the driver reports `"ready": true`.
async fn is_ready(port: u16) -> bool {
    let body = tokio::time::timeout(STATUS_POLL * 20, get_status(port)).await;
    body.ok()
        .flatten()
        .and_then(|body| serde_json::from_str::<serde_json::Value>(&body).ok())
        .is_some_and(|status| status["value"]["ready"] == serde_json::Value::Bool(true))
}

/// The body of chromedriver's `/status` answer. Chromedriver says `Connection: close` but
/// keeps the socket open, so the body is delimited by its `Content-Length`, not by EOF.
async fn get_status(port: u16) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.ok()?;
    let request = format!("GET /status HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n");
    stream.write_all(request.as_bytes()).await.ok()?;
    let mut answer = Vec::new();
    let mut chunk = [0; 4096];
    loop {
        let read = stream.read(&mut chunk).await.ok()?;
        if read == 0 {
            return None;
        }
        answer.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&answer);
        let Some((head, body)) = text.split_once("\r\n\r\n") else {
            continue;
        };
        let length = head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())
                .flatten()
        })?;
        if body.len() >= length {
            return Some(body.to_owned());
        }
    }
}

/// Kills the process group led by `child` (chromedriver and every Chromium it started)
/// and reaps `child`.
fn kill_group(child: &mut Child) {
    if let Ok(pgid) = libc::pid_t::try_from(child.id()) {
        // SAFETY: `kill` has no memory-safety preconditions. A negative pid addresses the
        // process group, which `spawn_in_own_group` made equal to the child's pid; the
        // child is not reaped yet, so that id cannot have been reused.
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
    let _ = child.wait();
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("find a free local port")
        .port()
}

/// A directory name no other test (or test process) uses.
fn scratch_dir() -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos());
    env::temp_dir().join(format!(
        "codev-browser-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Spawns `command` as the leader of a new process group, so the group can be killed
/// as a whole.
fn spawn_in_own_group(command: &mut Command) -> Child {
    use std::os::unix::process::CommandExt;
    command
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("could not start chromedriver: {e}"))
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
