//! `cargo xtask lint`: formatting and clippy, warnings denied, for the host crates and for
//! the client as it is really compiled (wasm32). Every check runs even after one fails, so
//! one CI run lists all the problems.

use anyhow::{Result, bail};

use crate::{cmd, paths, setup};

pub fn run() -> Result<()> {
    setup::ensure_wasm_target()?;
    let checks: [(&str, &[&str]); 5] = [
        ("rustfmt", &["fmt", "--all", "--check"]),
        (
            "clippy (host crates)",
            &[
                "clippy",
                "--workspace",
                "--exclude",
                "client",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
        // Left out of `--all-targets` (`test = false`: only `cargo xtask cluster test`
        // runs it), linted by name.
        (
            "clippy (cluster tests)",
            &[
                "clippy",
                "--package",
                "tests",
                "--test",
                "cluster",
                "--",
                "-D",
                "warnings",
            ],
        ),
        // The code that serves a site built into the binary exists only with this
        // feature; the fixture site of the server's tests stands in for the real one.
        (
            "clippy (server with the site inside)",
            &[
                "clippy",
                "--package",
                "server",
                "--features",
                "embedded-site",
                "--lib",
                "--bins",
                "--",
                "-D",
                "warnings",
            ],
        ),
        (
            "clippy (client, wasm32)",
            &[
                "clippy",
                "--package",
                "client",
                "--target",
                setup::WASM_TARGET,
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        ),
    ];
    let failed: Vec<&str> = checks
        .into_iter()
        .filter(|(_, args)| {
            let fixture_site = paths::root().join("server/tests/fixtures/site");
            cmd::run(
                cmd::cargo()
                    .args(*args)
                    .env("CODEV_SITE_DIR", &fixture_site),
            )
            .inspect_err(|error| eprintln!("xtask: {error:#}"))
            .is_err()
        })
        .map(|(name, _)| name)
        .collect();
    if !failed.is_empty() {
        bail!("lint failed: {}", failed.join(", "));
    }
    eprintln!("xtask: lint clean");
    Ok(())
}
