//! First load (ours only): the release server on the built site, opened in a throttled
//! Chromium (the engine is in `crate::first_load`).

use super::ours_only;
use crate::{Cli, FirstLoadArgs, first_load};
use anyhow::Result;
use std::path::PathBuf;

/// First load: the release server on the built site, opened in a throttled Chromium.
pub async fn run(cli: &Cli, args: &FirstLoadArgs) -> Result<()> {
    ours_only(cli, "first-load measures the real server and client only")?;
    let spec = first_load::FirstLoadSpec {
        runs: args.runs,
        cpu_slowdown: args.cpu_slowdown,
        network: (!args.fast_network).then_some(first_load::SLOW_4G),
        join: args.join,
        dist: args
            .dist
            .clone()
            .or_else(|| std::env::var_os("CLIENT_DIST").map(PathBuf::from))
            .unwrap_or_else(|| PathBuf::from("target/client-dist")),
    };
    println!();
    println!(
        "== first load: invite link in headless Chromium, CPU slowed {}x, {}",
        spec.cpu_slowdown,
        spec.network.map_or("loopback network", |n| n.name)
    );
    first_load::run(&cli.server, &cli.server_args, &spec).await
}
