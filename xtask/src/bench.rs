//! `cargo xtask bench SCENARIO [OPTIONS]`: build the server and the load generator in
//! release mode, then run the load generator (the `bench` crate) against the server.
//!
//! Benchmarks must measure an optimised server, so both are always built with
//! `--release`; everything after the subcommand goes to the load generator, e.g.
//! `cargo xtask bench s1`, `cargo xtask bench s2 --rates 50,75,100`,
//! `cargo xtask bench all`, `cargo xtask bench s3 --only ours`.

use std::ffi::OsString;
use std::process::Command;

use anyhow::Result;
use clap::Args;

use crate::{cmd, paths};

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// The scenario and its options (see `cargo xtask bench help`).
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    args: Vec<OsString>,
}

pub fn run(args: &BenchArgs) -> Result<()> {
    let mut build = cmd::cargo();
    build.args([
        "build",
        "--release",
        "--package",
        "server",
        "--bin",
        "server",
        "--package",
        "bench",
    ]);
    cmd::run(&mut build)?;
    let release = paths::target_dir().join("release");
    let mut bench = Command::new(release.join("bench"));
    bench
        .current_dir(paths::root())
        .arg("--server")
        .arg(release.join("server"))
        .args(&args.args);
    cmd::run(&mut bench)
}
