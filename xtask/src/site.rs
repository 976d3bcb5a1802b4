//! Building the client site: `client` crate -> wasm -> wasm-bindgen -> wasm-opt -> a
//! directory the server can serve as is.
//!
//! The result is `target/client-dist/` with the static files from `client/static/`
//! (`index.html`, `style.css`, ...) and `pkg/client.js` + `pkg/client_bg.wasm`. It is
//! assembled in a scratch directory and swapped in at the end, so a failed build never
//! leaves a half-written site behind.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result};
use clap::Args;
use wasm_bindgen_cli_support::Bindgen;

use crate::{cmd, paths, setup};

/// How to build the client.
#[derive(Args, Clone, Debug, Default)]
pub struct SiteArgs {
    /// Optimised build (profile `wasm-release`, then wasm-opt). This is the default.
    #[arg(long, conflicts_with = "dev")]
    pub release: bool,
    /// Unoptimised build: faster to compile, keeps debug assertions and symbol names.
    #[arg(long)]
    pub dev: bool,
    /// Skip wasm-opt even in a release build.
    #[arg(long)]
    pub no_opt: bool,
}

/// Builds the site and returns the absolute path of `target/client-dist`.
pub fn build(args: &SiteArgs) -> Result<PathBuf> {
    let started = Instant::now();
    setup::ensure_wasm_target()?;

    let profile = if args.dev { "dev" } else { "wasm-release" };
    cmd::run(cmd::cargo().args([
        "build",
        "--package",
        "client",
        "--lib",
        "--target",
        setup::WASM_TARGET,
        "--profile",
        profile,
    ]))?;
    let profile_dir = if args.dev { "debug" } else { profile };
    let wasm = paths::target_dir()
        .join(setup::WASM_TARGET)
        .join(profile_dir)
        .join("client.wasm");

    let dist = paths::client_dist();
    let staging = dist.with_file_name("client-dist.partial");
    if staging.exists() {
        fs::remove_dir_all(&staging).with_context(|| format!("removing {}", staging.display()))?;
    }
    let pkg = staging.join("pkg");

    eprintln!(
        "xtask: wasm-bindgen {} -> {}",
        wasm.display(),
        pkg.display()
    );
    Bindgen::new()
        .input_path(&wasm)
        .web(true)?
        .typescript(false)
        // `init()` with no argument fetches `client_bg.wasm` next to `client.js`.
        .omit_default_module_path(false)
        .debug(args.dev)
        .remove_name_section(!args.dev)
        .remove_producers_section(!args.dev)
        .generate(&pkg)
        .context("wasm-bindgen failed")?;

    let module = pkg.join("client_bg.wasm");
    if !args.dev
        && !args.no_opt
        && let Some(wasm_opt) = setup::wasm_opt()
    {
        optimise(&wasm_opt, &module)?;
    }

    copy_dir(&paths::root().join("client/static"), &staging)?;
    if !args.dev {
        crate::compress::site(&staging)?;
    }

    if dist.exists() {
        fs::remove_dir_all(&dist).with_context(|| format!("removing {}", dist.display()))?;
    }
    fs::rename(&staging, &dist)
        .with_context(|| format!("moving the site to {}", dist.display()))?;

    let size = fs::metadata(dist.join("pkg/client_bg.wasm"))?.len();
    eprintln!(
        "xtask: client site ready in {} ({} KiB wasm, {:.1} s)",
        dist.display(),
        size / 1024,
        started.elapsed().as_secs_f64()
    );
    Ok(dist)
}

/// Shrinks the module in place with `wasm-opt -Oz`, tuned for what the browser
/// downloads: the brotli copy, not the raw module.
///
/// Plain `-Oz` makes the raw module smaller but its brotli copy *larger* (measured with
/// the site's own compressor: 207.0 KB brotli before wasm-opt, 221.1 KB after), mostly
/// through inlining, which writes a body out again at each call site in a slightly
/// different shape that brotli can no longer match. So nothing is inlined (204.1 KB),
/// and the three passes that each made the brotli copy larger when run alone are
/// skipped (200.8 KB); the rest of `-Oz` still pays. Figures in docs/benchmarks.md.
fn optimise(wasm_opt: &Path, module: &Path) -> Result<()> {
    let optimised = module.with_extension("opt.wasm");
    cmd::run(
        Command::new(wasm_opt)
            .args(WASM_FEATURES)
            // Before `-Oz`: it marks the functions the inlining passes then leave alone.
            .arg("--no-inline=*")
            .args([
                "-Oz",
                "--skip-pass=local-cse",
                "--skip-pass=merge-similar-functions",
                "--skip-pass=simplify-locals",
            ])
            .arg(module)
            .arg("-o")
            .arg(&optimised),
    )?;
    fs::rename(&optimised, module).with_context(|| format!("replacing {}", module.display()))
}

/// The features rustc enables by default for wasm32-unknown-unknown; wasm-opt must
/// accept them in the input and may use them in its output.
const WASM_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-bulk-memory-opt",
    "--enable-call-indirect-overlong",
    "--enable-multivalue",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-reference-types",
    "--enable-sign-ext",
];

/// Copies the files under `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) -> Result<()> {
    fs::create_dir_all(to).with_context(|| format!("creating {}", to.display()))?;
    for entry in fs::read_dir(from).with_context(|| format!("reading {}", from.display()))? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_dir(&entry.path(), &target)?;
        } else {
            fs::copy(entry.path(), &target).with_context(|| {
                format!("copying {} to {}", entry.path().display(), target.display())
            })?;
        }
    }
    Ok(())
}
