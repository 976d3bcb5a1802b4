//! `cargo xtask bench SCENARIO [OPTIONS]`: build the server and the load generator in
//! release mode, then run the load generator (the `bench` crate) against the server.
//!
//! Benchmarks must measure an optimised server, so both are always built with
//! `--release`; everything after the subcommand goes to the load generator, e.g.
//! `cargo xtask bench s1`, `cargo xtask bench s2 --rates 50,75,100`,
//! `cargo xtask bench all`, `cargo xtask bench s3 --only ours`.
//!
//! `s1` also measures the server on PostgreSQL, beside SQLite in the same run: a
//! throwaway PostgreSQL is started for it (as for the tests) unless `--postgres` is
//! given. `cargo xtask bench s1 --cluster target/cluster/cluster.json` measures a
//! cluster `cargo xtask cluster up --release` started, through its proxy, as well.
//!
//! `first-load` measures the client as well: it builds the release site first (as
//! `cargo xtask build` does) and makes sure Chromium and chromedriver are installed.

use std::ffi::OsString;
use std::process::Command;

use anyhow::Result;
use clap::Args;

use crate::{cmd, paths, setup, site};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The scenario and its options (see `cargo xtask bench help`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

pub fn run(args: &BenchArgs) -> Result<()> {
    if args
        .args
        .first()
        .is_some_and(|scenario| scenario == "first-load")
    {
        setup::ensure_browser()?;
        site::build(&site::SiteArgs::default())?;
    }
    let scenario = args
        .args
        .first()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let postgres = if scenario == "s1" && !args.args.iter().any(|arg| arg == "--postgres") {
        Some(crate::postgres::Postgres::start("bench")?)
    } else {
        None
    };
    let mut build = cmd::build_binaries(&[("server", "server"), ("bench", "bench")], true);
    cmd::run(&mut build)?;
    let release = paths::target_dir().join("release");
    let mut bench = Command::new(release.join("bench"));
    bench
        .current_dir(paths::root())
        .env("CLIENT_DIST", paths::client_dist())
        .arg("--server")
        .arg(release.join("server"))
        .args(&args.args);
    if let Some(postgres) = &postgres {
        bench.arg("--postgres").arg(postgres.url());
    }
    cmd::run(&mut bench)
}
