//! First load: how long after opening an invite link a person on a slow phone can type
//! their name, in real headless Chromium against the release server and site.
//!
//! Each run is a new session (through the HTTP API) opened by a new Chromium with a fresh
//! profile and its cache disabled, so nothing is ever served from a cache: not the site's
//! files, not V8's compiled wasm. The phone is emulated through the DevTools Protocol: the
//! renderer's CPU slowed down (`Emulation.setCPUThrottlingRate`) and the network held to
//! DevTools' own "Slow 4G" preset (`Network.emulateNetworkConditions`), as Lighthouse's
//! mobile profile does.
//!
//! The clock is the page's own: a probe injected before any of the page's scripts
//! (`Page.addScriptToEvaluateOnNewDocument`) watches the DOM and notes `performance.now()`,
//! whose zero is the start of the navigation, at the moment the join form's name field is
//! in the page (`ready`): the form the server wrote into the page, which takes a name
//! before the app has loaded (`server/src/http/invite_page.rs`). It also notes when the
//! app has started and taken that form over (`app`). With `--join`, the bench waits for
//! the app, types a name and submits, and the probe notes the submission and the moment
//! the room appears, once the WebSocket has brought its snapshot.

use crate::client;
use crate::stats::Latencies;
use crate::target::Target;
use anyhow::{Context, Result, anyhow, bail};
use serde::Deserialize;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;
use tests::browser::{Browser, ChromeDriver};

/// A network profile for `Network.emulateNetworkConditions`.
#[derive(Clone, Copy, Debug)]
pub struct NetworkProfile {
    pub name: &'static str,
    /// Added to every request before its answer starts, in milliseconds.
    pub latency_ms: f64,
    /// Bytes per second.
    pub download: f64,
    /// Bytes per second.
    pub upload: f64,
}

/// Chrome DevTools' "Slow 4G" preset (named "Fast 3G" before Chrome 125): 150 ms RTT,
/// 1.6 Mbit/s down and 750 kbit/s up, scaled as DevTools scales them (latency × 3.75,
/// throughput × 0.9) to stand for a real connection's overheads.
pub const SLOW_4G: NetworkProfile = NetworkProfile {
    name: "Slow 4G",
    latency_ms: 150.0 * 3.75,
    download: 1.6 * 1000.0 * 1000.0 / 8.0 * 0.9,
    upload: 750.0 * 1000.0 / 8.0 * 0.9,
};

/// What one measurement does.
#[derive(Clone, Debug)]
pub struct FirstLoadSpec {
    pub runs: usize,
    /// `Emulation.setCPUThrottlingRate`: 4 makes the page's thread four times slower.
    pub cpu_slowdown: f64,
    /// `None`: the loopback network as it is.
    pub network: Option<NetworkProfile>,
    /// Also join (type a name, submit) and time until the room shows.
    pub join: bool,
    /// The built site the server serves (`cargo xtask build`), for its sizes.
    pub dist: PathBuf,
}

/// The page's viewport: a common phone's, in CSS pixels.
const PHONE: (u32, u32) = (412, 915);

/// The longest a run waits for the page, in milliseconds (below chromedriver's own
/// 30 s limit on a script).
const PATIENCE_MS: u64 = 25_000;

/// How long a whole run (browser start, load, join, close) may take.
const RUN_PATIENCE: Duration = Duration::from_secs(120);

/// Put into every new document before its own scripts. Notes `performance.now()` when
/// the join form's name field is in the page (`ready`), when the app's root is (`app`),
/// when a form is submitted
/// (`submit`) and when the room is shown (`room`), and wakes the waiting scripts of
/// [`AWAIT_MARK`] on every DOM change.
const PROBE: &str = r#"
(() => {
  const marks = { waiting: [] };
  window.__firstLoad = marks;
  const note = (key, selector) => {
    if (marks[key] === undefined && document.querySelector(selector)) {
      marks[key] = performance.now();
    }
  };
  new MutationObserver(() => {
    note('ready', '[data-testid="join-name"]:enabled');
    note('app', '[data-testid="app"]');
    note('room', '[data-testid="room"]');
    const waiting = marks.waiting;
    marks.waiting = [];
    waiting.forEach((wake) => wake());
  }).observe(document, { subtree: true, childList: true, attributes: true });
  addEventListener('submit', () => {
    if (marks.submit === undefined) marks.submit = performance.now();
  }, true);
})();
"#;

/// Resolves `true` once the probe has noted `arguments[0]`, `false` after
/// `arguments[1]` milliseconds; a string if the page has no probe.
const AWAIT_MARK: &str = r#"
const [key, patience, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const marks = window.__firstLoad;
if (!marks) { done('the page has no probe'); return; }
const timer = setTimeout(() => done(false), patience);
const check = () => {
  if (marks[key] !== undefined) { clearTimeout(timer); done(true); }
  else marks.waiting.push(check);
};
check();
"#;

/// The probe's marks and the page's own timings (Navigation and Resource Timing).
const READ_TIMINGS: &str = r#"
const marks = window.__firstLoad || {};
const nav = performance.getEntriesByType('navigation')[0];
return {
  ready: marks.ready ?? null,
  app: marks.app ?? null,
  submit: marks.submit ?? null,
  room: marks.room ?? null,
  html_end: nav ? nav.responseEnd : null,
  resources: performance.getEntriesByType('resource').map((r) => ({
    path: new URL(r.name).pathname,
    start: r.startTime,
    end: r.responseEnd,
    encoded: r.encodedBodySize,
  })),
};
"#;

#[derive(Debug, Deserialize)]
struct Timings {
    ready: Option<f64>,
    app: Option<f64>,
    submit: Option<f64>,
    room: Option<f64>,
    html_end: Option<f64>,
    resources: Vec<Resource>,
}

#[derive(Debug, Deserialize)]
struct Resource {
    path: String,
    start: f64,
    end: f64,
    /// Bytes as sent (compressed), 0 if unknown.
    encoded: u64,
}

/// One run's figures, in milliseconds from the start of the navigation.
#[derive(Debug)]
pub struct Run {
    pub ready: f64,
    /// The app started, the server's first screen taken over.
    pub app: f64,
    pub html_end: f64,
    /// When the wasm module's request started and its last byte came, and its size as sent.
    pub wasm: Option<(f64, f64, u64)>,
    /// From the join form's submission to the room on screen.
    pub join_to_room: Option<f64>,
}

/// Start the release server on the built site, and measure `spec.runs` first loads.
pub async fn run(binary: &Path, server_args: &[String], spec: &FirstLoadSpec) -> Result<()> {
    let index = spec.dist.join("index.html");
    if !index.is_file() {
        bail!(
            "no built site at {} (build it with `cargo xtask build`, or run `cargo xtask bench first-load`)",
            spec.dist.display()
        );
    }
    print_sizes(&spec.dist);
    let mut args = server_args.to_vec();
    args.push("--static-dir".into());
    args.push(spec.dist.display().to_string());
    let target = Target::ours(binary, true, &args)?;
    let driver = ChromeDriver::start().await;
    // The renderer's CPU is what `--cpu-slowdown` scales: a machine busy with other work
    // slows it further, so the report says how busy it was.
    println!("  load average before: {}", load_average());
    let mut runs = Vec::new();
    for n in 1..=spec.runs.max(1) {
        let run = tokio::time::timeout(RUN_PATIENCE, measure(&target, &driver, spec))
            .await
            .map_err(|_| anyhow!("run {n} took over {RUN_PATIENCE:?}"))?
            .with_context(|| format!("run {n}"))?;
        println!("  run {n}: {}", describe(&run));
        runs.push(run);
    }
    drop(driver);
    target.stop();
    println!("  load average after: {}", load_average());
    summarise(&runs, spec);
    Ok(())
}

/// The 1, 5 and 15 minute load averages (`/proc/loadavg`).
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|line| {
            line.split_whitespace()
                .take(3)
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_else(|_| "unknown".to_owned())
}

fn print_sizes(dist: &Path) {
    let size = |name: &str| std::fs::metadata(dist.join(name)).map_or(0, |m| m.len());
    println!(
        "  site {}: pkg/client_bg.wasm {} B ({} B brotli), pkg/client.js {} B ({} B brotli)",
        dist.display(),
        size("pkg/client_bg.wasm"),
        size("pkg/client_bg.wasm.br"),
        size("pkg/client.js"),
        size("pkg/client.js.br"),
    );
}

async fn measure(target: &Target, driver: &ChromeDriver, spec: &FirstLoadSpec) -> Result<Run> {
    let session = client::create_session(target.addr, "first load").await?;
    let browser = Browser::new(driver, PHONE.0, PHONE.1).await;
    let result = load(&browser, target, &session.room, spec).await;
    browser.close().await;
    result
}

async fn load(browser: &Browser, target: &Target, room: &str, spec: &FirstLoadSpec) -> Result<Run> {
    let devtools = |command: &'static str, params: serde_json::Value| async move {
        browser
            .devtools(command, params)
            .await
            .map_err(|e| anyhow!("{command}: {e}"))
    };
    devtools("Network.enable", json!({})).await?;
    devtools("Network.setCacheDisabled", json!({ "cacheDisabled": true })).await?;
    if let Some(network) = spec.network {
        devtools(
            "Network.emulateNetworkConditions",
            json!({
                "offline": false,
                "latency": network.latency_ms,
                "downloadThroughput": network.download,
                "uploadThroughput": network.upload,
            }),
        )
        .await?;
    }
    devtools(
        "Emulation.setCPUThrottlingRate",
        json!({ "rate": spec.cpu_slowdown }),
    )
    .await?;
    devtools(
        "Page.addScriptToEvaluateOnNewDocument",
        json!({ "source": PROBE }),
    )
    .await?;

    let page = browser.client();
    page.goto(&format!("http://{}/r/{room}", target.addr))
        .await
        .context("opening the invite link")?;
    await_mark(browser, "ready").await?;
    await_mark(browser, "app").await?;
    let mut join_to_room = None;
    if spec.join {
        browser.type_into("[data-testid=join-name]", "Bench").await;
        browser.click("[data-testid=join-button]").await;
        await_mark(browser, "room").await?;
    }
    let timings: Timings = serde_json::from_value(
        page.execute(READ_TIMINGS, Vec::new())
            .await
            .context("reading the page's timings")?,
    )
    .context("the page's timings")?;
    if let (Some(submit), Some(room)) = (timings.submit, timings.room) {
        join_to_room = Some(room - submit);
    }
    let mut modules = timings
        .resources
        .iter()
        .filter(|r| r.path.ends_with(".wasm"));
    let wasm = modules.next().map(|r| (r.start, r.end, r.encoded));
    if modules.next().is_some() {
        bail!(
            "the wasm module was downloaded more than once: {:?}",
            timings.resources
        );
    }
    Ok(Run {
        ready: timings.ready.context("no ready mark")?,
        app: timings.app.context("no app mark")?,
        html_end: timings.html_end.unwrap_or(f64::NAN),
        wasm,
        join_to_room,
    })
}

async fn await_mark(browser: &Browser, key: &str) -> Result<()> {
    let answer = browser
        .client()
        .execute_async(AWAIT_MARK, vec![key.into(), PATIENCE_MS.into()])
        .await
        .with_context(|| format!("waiting for `{key}`"))?;
    match answer {
        serde_json::Value::Bool(true) => Ok(()),
        serde_json::Value::Bool(false) => Err(anyhow!(
            "the page did not reach `{key}` within {PATIENCE_MS} ms"
        )),
        other => Err(anyhow!("waiting for `{key}`: {other}")),
    }
}

fn describe(run: &Run) -> String {
    let mut line = format!(
        "ready {:.0} ms, app {:.0} ms (page {:.0}",
        run.ready, run.app, run.html_end
    );
    if let Some((start, end, bytes)) = run.wasm {
        line.push_str(&format!(
            ", wasm requested {start:.0}, received {end:.0}, {bytes} B sent"
        ));
    }
    line.push(')');
    if let Some(join) = run.join_to_room {
        line.push_str(&format!("; join to room {join:.0} ms"));
    }
    line
}

fn summarise(runs: &[Run], spec: &FirstLoadSpec) {
    let summary = |values: &mut dyn Iterator<Item = f64>| {
        let mut samples = Latencies::default();
        for ms in values {
            samples.record((ms * 1000.0) as u64);
        }
        samples.summary()
    };
    let ready = summary(&mut runs.iter().map(|r| r.ready));
    let network = spec.network.map_or_else(
        || "loopback network".to_owned(),
        |n| {
            format!(
                "{} ({} ms, {:.0} B/s down, {:.0} B/s up)",
                n.name, n.latency_ms, n.download, n.upload
            )
        },
    );
    println!(
        "  invite link to join form ready, CPU slowed {}x, {network}, {} runs: p50 {:.0} ms, max {:.0} ms",
        spec.cpu_slowdown,
        runs.len(),
        ready.p50,
        ready.max
    );
    let app = summary(&mut runs.iter().map(|r| r.app));
    println!(
        "  invite link to the app started (the form taken over): p50 {:.0} ms, max {:.0} ms",
        app.p50, app.max
    );
    if spec.join {
        let join = summary(&mut runs.iter().filter_map(|r| r.join_to_room));
        println!(
            "  join form submitted to room shown: p50 {:.0} ms, max {:.0} ms",
            join.p50, join.max
        );
    }
    println!(
        "  target ready within 2 s (p50): {}",
        crate::scenario::verdict(ready.p50 <= 2000.0)
    );
}
