//! `cargo xtask`: the project's front door (`run`, `test`, `lint`, `build`, `dist`,
//! `bench`, `postgres`, `cluster`).
//!
//! Everything a fresh machine needs beyond Rust and Node is installed on demand by
//! [`setup`], and the wasm tooling (wasm-bindgen and its test runner) is linked into this
//! binary as libraries pinned to the client's exact wasm-bindgen version, so no separately
//! installed tool can drift out of step with the client.

mod bench;
mod cluster;
mod cmd;
mod compress;
mod dist;
mod lint;
mod paths;
mod postgres;
mod run;
mod setup;
mod site;
mod test;

use std::ffi::OsString;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    bin_name = "cargo xtask",
    about = "Build, run, test and lint the co-development app",
    long_about = "Build, run, test and lint the co-development app.\n\n\
        Missing prerequisites (the wasm32 target, Chromium and chromedriver for tests, \
        wasm-opt from the npm package `binaryen`) are installed on first use."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build the client into target/client-dist, then run the server on it.
    Run(run::RunArgs),
    /// Only build the client site into target/client-dist.
    Build(site::SiteArgs),
    /// Build one server binary with the client site inside: target/dist/codev-server.
    Dist(dist::DistArgs),
    /// Build the client site, then run the host tests and the client's wasm tests.
    Test(test::TestArgs),
    /// Check formatting and run clippy with warnings denied (host crates and wasm client).
    Lint,
    /// Build the server and the load generator in release mode and run a benchmark
    /// scenario: s1, s2, s3, s4, s5, all, or first-load (see docs/benchmarks.md).
    Bench(bench::BenchArgs),
    /// Start a throwaway PostgreSQL server on loopback for the server's PostgreSQL tests,
    /// print its URL as `CODEV_TEST_POSTGRES=...`, and stop it (deleting its data) when
    /// Enter is pressed.
    Postgres,
    /// Run the app as a cluster on this machine: nodes sharing one PostgreSQL database
    /// behind HAProxy (docs/cluster.md). `up` starts it in the background, `down` stops
    /// it, `test` runs the cluster tests against a fresh one.
    Cluster(cluster::ClusterArgs),
    /// Act as `wasm-bindgen-test-runner`; cargo calls this for wasm32 test binaries.
    #[command(hide = true, disable_help_flag = true)]
    WasmTestRunner {
        /// Arguments from cargo: the test wasm file, then libtest-style options.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(&args),
        Command::Build(args) => site::build(&args).map(|_| ()),
        Command::Dist(args) => dist::run(&args),
        Command::Test(args) => test::run(&args),
        Command::Lint => lint::run(),
        Command::Bench(args) => bench::run(&args),
        Command::Postgres => postgres::serve(),
        Command::Cluster(args) => cluster::run(&args),
        Command::WasmTestRunner { args } => test::wasm_test_runner(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
