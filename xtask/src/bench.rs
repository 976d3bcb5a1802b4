//! `cargo xtask bench SCENARIO [OPTIONS]`: build the server and the load generator in
//! release mode, then run the load generator (the `bench` crate) against the server.
//!
//! Benchmarks must measure an optimised server, so both are always built with
//! `--release`; everything after the subcommand goes to the load generator, e.g.
//! `cargo xtask bench s1`, `cargo xtask bench s2 --rates 50,75,100`,
//! `cargo xtask bench all`, `cargo xtask bench s3 --only ours`.
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
    cmd::run(&mut bench)
}
