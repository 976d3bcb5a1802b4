//! `cargo xtask test`: everything CI checks, from a clean machine.
//!
//! 1. installs the wasm target, Chromium + chromedriver, nginx and PostgreSQL if missing
//!    (nginx for the test of the nginx block in `docs/deploy.md`, which it finds through
//!    `NGINX`; PostgreSQL for the tests of the server's PostgreSQL store);
//! 2. builds the client site, exactly as `cargo xtask run` serves it;
//! 3. builds the one-file server with that site inside (as `cargo xtask dist` does);
//! 4. runs the host tests (`cargo test --workspace --exclude client`) with `CLIENT_DIST`
//!    pointing at the site, so the browser end-to-end tests can serve it, `DIST_BINARY`
//!    at the one-file server, which a test runs alone in an empty directory, `AXE_CORE`
//!    at `axe.min.js` (npm package `axe-core`, installed on first use), which they inject
//!    into every screen to check its accessibility, and `CODEV_TEST_POSTGRES` at a
//!    throwaway PostgreSQL server on loopback started for them (see [`postgres`]), which
//!    is stopped and deleted when they end;
//! 5. runs the client's own tests compiled to wasm, in headless Chromium, with this very
//!    binary acting as `wasm-bindgen-test-runner` (see [`wasm_test_runner`]);
//! 6. runs the cluster tests (`cargo xtask cluster test`: three nodes on PostgreSQL
//!    behind HAProxy, killed, frozen and restarted under load) on the same site, unless
//!    the run is filtered (`-- NAME`) or `--no-cluster` is given.
//!
//! Every suite runs even if an earlier one fails; the exit status is non-zero if any did.

use std::env;
use std::ffi::OsString;
use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::postgres::{self, Postgres};
use crate::{cluster, cmd, dist, paths, setup, site};

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Only run the host tests (skip the client's wasm tests).
    #[arg(long, conflicts_with = "wasm_only")]
    host_only: bool,
    /// Only run the client's wasm tests (skips building the site, too).
    #[arg(long)]
    wasm_only: bool,
    /// Skip the cluster tests (three nodes on PostgreSQL behind HAProxy, killed and
    /// restarted: `cargo xtask cluster test`).
    #[arg(long)]
    no_cluster: bool,
    /// Client build options for the site the browser tests load.
    #[command(flatten)]
    site: site::SiteArgs,
    /// Passed to the host test binaries, e.g. `cargo xtask test -- browser`.
    #[arg(last = true)]
    test_args: Vec<String>,
}

pub fn run(args: &TestArgs) -> Result<()> {
    setup::ensure_wasm_target()?;
    setup::ensure_browser()?;
    setup::ensure_nginx()?;
    // Without it the PostgreSQL tests fail and say why; the other host tests still run.
    let have_postgres = !args.wasm_only
        && postgres::ensure_installed()
            .map_err(|error| eprintln!("xtask: warning: {error:#}"))
            .is_ok();

    let mut failures = Vec::new();
    let mut site = None;
    if !args.wasm_only {
        let dist = site::build(&args.site)?;
        site = Some(dist.clone());
        let one_file = dist::server_with_site(&dist, &paths::target_dir().join("dist"))?;
        let mut host = cmd::cargo();
        host.args([
            "test",
            "--workspace",
            "--exclude",
            "client",
            "--no-fail-fast",
        ])
        .env("CLIENT_DIST", &dist)
        .env("DIST_BINARY", &one_file)
        .env("CHROMEDRIVER", setup::CHROMEDRIVER)
        .env("NGINX", setup::NGINX);
        // Without it the browser tests fail and say why; the other host tests still run.
        match setup::axe_core() {
            Ok(axe) => {
                host.env("AXE_CORE", axe);
            }
            Err(error) => eprintln!("xtask: warning: {error:#}"),
        }
        // Kept until the host tests end; dropping it stops the server and deletes it.
        let postgres = if have_postgres {
            Postgres::start("tests")
                .map_err(|error| eprintln!("xtask: warning: {error:#}"))
                .ok()
        } else {
            None
        };
        if let Some(postgres) = &postgres {
            host.env("CODEV_TEST_POSTGRES", postgres.url());
        }
        if !args.test_args.is_empty() {
            host.arg("--").args(&args.test_args);
        }
        if let Err(error) = cmd::run(&mut host) {
            eprintln!("xtask: {error:#}");
            failures.push("host tests");
        }
        drop(postgres);
    }
    if !args.host_only
        && let Err(error) = wasm_tests()
    {
        eprintln!("xtask: {error:#}");
        failures.push("client wasm tests");
    }
    // The whole suite only: a filtered run (`-- browser`) is about something else.
    if let Some(site) = site.filter(|_| args.test_args.is_empty() && !args.no_cluster)
        && let Err(error) = cluster::test_on_site(site)
    {
        eprintln!("xtask: {error:#}");
        failures.push("cluster tests");
    }
    if !failures.is_empty() {
        bail!("failed: {}", failures.join(", "));
    }
    eprintln!("xtask: all tests passed");
    Ok(())
}

/// Capabilities added to the runner's own (`headless`, `no-sandbox`,
/// `disable-dev-shm-usage`): the flags known to keep Chromium quiet and stable here.
const CHROME_ARGS: &[&str] = &[
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// `cargo test` of the client for wasm32, run in headless Chromium.
fn wasm_tests() -> Result<()> {
    let runner = env::current_exe().context("locating the xtask binary")?;
    let runner = runner
        .to_str()
        .context("the xtask binary path is not UTF-8")?;
    // Cargo splits a runner given as a string on whitespace; refuse rather than misfire.
    if runner.contains(char::is_whitespace) {
        bail!("the path of the xtask binary contains whitespace: {runner}");
    }

    let webdriver_json = write_webdriver_json()?;
    cmd::run(
        cmd::cargo()
            .args([
                "test",
                "--package",
                "client",
                "--target",
                setup::WASM_TARGET,
                // Unit and integration tests; doctests cannot run in a browser.
                "--tests",
            ])
            .env(
                "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
                format!("{runner} wasm-test-runner"),
            )
            // Without debug info the test wasm is ~20x smaller and loads ~25x faster.
            .env("CARGO_PROFILE_TEST_DEBUG", "false")
            .env("CHROMEDRIVER", setup::CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_WEBDRIVER_JSON", &webdriver_json),
    )
}

/// Writes the extra Chromium capabilities the runner merges into its session request.
fn write_webdriver_json() -> Result<PathBuf> {
    let dir = paths::tools_dir();
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let path = dir.join("webdriver.json");
    let capabilities = serde_json::json!({
        "goog:chromeOptions": { "args": CHROME_ARGS }
    });
    fs::write(&path, serde_json::to_vec_pretty(&capabilities)?)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(path)
}

/// Cargo's wasm32 test runner: `xtask wasm-test-runner <test.wasm> [libtest options]`.
/// This is `wasm-bindgen-test-runner` linked in as a library, at the client's exact
/// wasm-bindgen version.
pub fn wasm_test_runner(args: Vec<OsString>) -> Result<()> {
    let argv = std::iter::once(OsString::from("wasm-bindgen-test-runner")).chain(args);
    wasm_bindgen_cli::wasm_bindgen_test_runner::run_cli_with_args(argv)
}
