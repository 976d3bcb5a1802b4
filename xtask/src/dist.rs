//! `cargo xtask dist`: the one file to deploy. A release server with the client site
//! built into it (feature `embedded-site`), copied to `target/dist/codev-server`:
//! copying that file to a host and running it serves everything (`docs/deploy.md`).

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::Args;

use crate::{cmd, paths, site};

/// The name of the file to deploy.
pub const BINARY_NAME: &str = "codev-server";

#[derive(Args, Debug)]
pub struct DistArgs {
    /// Where to write `codev-server` [default: target/dist].
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: &DistArgs) -> Result<()> {
    let site = site::build(&site::SiteArgs::default())?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| paths::target_dir().join("dist"));
    let binary = server_with_site(&site, &out)?;
    let size = fs::metadata(&binary)?.len();
    eprintln!(
        "xtask: {} ({:.1} MB), with the site inside: copy it to a host and run it \
         (docs/deploy.md)",
        binary.display(),
        size as f64 / 1e6
    );
    Ok(())
}

/// Build the release server with the site at `site` inside, and copy it into `out` as
/// [`BINARY_NAME`]; returns its path.
pub fn server_with_site(site: &Path, out: &Path) -> Result<PathBuf> {
    cmd::run(
        cmd::build_binaries(&[("server", "server")], true)
            .args(["--features", "embedded-site"])
            .env("CODEV_SITE_DIR", site),
    )?;
    let built = paths::target_dir().join("release").join("server");
    fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let binary = out.join(BINARY_NAME);
    fs::copy(&built, &binary)
        .with_context(|| format!("copying {} to {}", built.display(), binary.display()))?;
    Ok(binary)
}
