//! `cargo xtask run`: build the client site, build the server, then become the server.
//!
//! The server is built first and started with `exec`, so the URL printed here is the last
//! line before the server's own log, and Ctrl-C reaches the server directly.

use std::ffi::OsString;
use std::net::IpAddr;
use std::os::unix::process::CommandExt;
use std::process::Command;

use anyhow::{Context, Result};
use clap::Args;

use crate::{cmd, paths, site};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// Address to bind; use 0.0.0.0 to accept connections from other machines.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Client build options; `--dev` also builds the server without optimisations.
    #[command(flatten)]
    site: site::SiteArgs,
    /// More server options, e.g. `cargo xtask run -- --db /tmp/codev.db` (see
    /// `cargo run -p server -- --help`).
    #[arg(last = true)]
    server_args: Vec<OsString>,
}

pub fn run(args: &RunArgs) -> Result<()> {
    let dist = site::build(&args.site)?;

    cmd::run(&mut cmd::build_binaries(
        &[("server", "server")],
        !args.site.dev,
    ))?;

    let binary = paths::target_dir()
        .join(if args.site.dev { "debug" } else { "release" })
        .join("server");
    let shown_host = match args.host {
        host if host.is_unspecified() => "localhost".to_owned(),
        IpAddr::V6(host) => format!("[{host}]"),
        IpAddr::V4(host) => host.to_string(),
    };
    eprintln!();
    eprintln!(
        "xtask: serving {} on http://{shown_host}:{}/",
        dist.display(),
        args.port
    );
    eprintln!();

    let error = Command::new(&binary)
        .current_dir(paths::root())
        .arg("--static-dir")
        .arg(&dist)
        .arg("--port")
        .arg(args.port.to_string())
        .arg("--host")
        .arg(args.host.to_string())
        .args(&args.server_args)
        .exec();
    Err(error).with_context(|| format!("could not start {}", binary.display()))
}
