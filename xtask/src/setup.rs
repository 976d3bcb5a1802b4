//! Installing what a fresh machine lacks, and nothing it already has.
//!
//! Each `ensure_*` checks first (cheaply) and installs only when something is missing,
//! so the front-door commands work on a clean Debian box and cost nothing afterwards.
//! Only package registries are used: rustup, apt (Chromium, chromedriver, nginx,
//! HAProxy, PostgreSQL: see [`crate::postgres`]) and npm.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};

use crate::{cmd, paths};

pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The `binaryen` npm release whose `wasm-opt` we run. Debian's own binaryen is too old
/// and produces wasm that Chromium refuses to load, so it is never used.
const BINARYEN_VERSION: &str = "132.0.0";

/// The `axe-core` npm release whose `axe.min.js` the browser tests inject into every
/// screen they visit, to check it for accessibility violations.
const AXE_CORE_VERSION: &str = "4.14.1";

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Makes sure the standard library for `wasm32-unknown-unknown` is installed.
/// `RUSTUP_AUTO_INSTALL=0` means no toolchain file would do it for us.
pub fn ensure_wasm_target() -> Result<()> {
    let sysroot = cmd::output(
        Command::new("rustc")
            .current_dir(paths::root())
            .args(["--print", "sysroot"]),
    )
    .map(|s| PathBuf::from(s.trim()));
    if sysroot.is_some_and(|sysroot| sysroot.join("lib/rustlib").join(WASM_TARGET).is_dir()) {
        return Ok(());
    }
    if !cmd::on_path("rustup") {
        bail!("the {WASM_TARGET} target is missing and rustup is not available to add it");
    }
    cmd::run(
        Command::new("rustup")
            .current_dir(paths::root())
            .args(["target", "add", WASM_TARGET]),
    )
}

/// Makes sure Debian's Chromium and chromedriver are installed (browser tests and the
/// client's wasm tests run in them).
pub fn ensure_browser() -> Result<()> {
    ensure_debian_packages(&["chromium", "chromium-driver"], &[CHROMIUM, CHROMEDRIVER])
}

/// Debian's nginx, which the test of the nginx block in `docs/deploy.md` runs (as a
/// process of its own, never as the system's service).
pub const NGINX: &str = "/usr/sbin/nginx";

/// Makes sure Debian's nginx is installed. The package's own service is left as the
/// package sets it up: the test starts its own nginx on a configuration of its own.
pub fn ensure_nginx() -> Result<()> {
    ensure_debian_packages(&["nginx"], &[NGINX])
}

/// Debian's HAProxy, the proxy in front of the nodes of `cargo xtask cluster` (run as a
/// process of its own, never as the system's service).
pub const HAPROXY: &str = "/usr/sbin/haproxy";

/// Makes sure Debian's HAProxy is installed. As with nginx, the package's own service is
/// left as the package sets it up: the cluster runs its own HAProxy on its own
/// configuration.
pub fn ensure_haproxy() -> Result<()> {
    ensure_debian_packages(&["haproxy"], &[HAPROXY])
}

/// Installs the Debian `packages` with apt-get (through sudo when not root) unless every
/// file of `provides` is already there, and checks the files are there afterwards.
fn ensure_debian_packages(packages: &[&str], provides: &[&str]) -> Result<()> {
    if provides.iter().all(|path| Path::new(path).is_file()) {
        return Ok(());
    }
    install_debian_packages(packages)
        .with_context(|| format!("{} is missing", provides.join(" or ")))?;
    for path in provides {
        if !Path::new(path).is_file() {
            bail!(
                "{path} is still missing after installing {}",
                packages.join(" ")
            );
        }
    }
    Ok(())
}

/// Installs the Debian `packages` with apt-get (through sudo when not root), without
/// checking first: for callers that know something is missing.
pub fn install_debian_packages(packages: &[&str]) -> Result<()> {
    let names = packages.join(" ");
    if !cmd::on_path("apt-get") {
        bail!("apt-get is not available; install {names}");
    }
    let as_root = is_root();
    let apt = |args: &[&str]| {
        let mut command = if as_root {
            Command::new("apt-get")
        } else if cmd::on_path("sudo") {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        } else {
            return Err(anyhow::anyhow!(
                "installing {names} needs root: run `apt-get install -y {names}` as root"
            ));
        };
        command.env("DEBIAN_FRONTEND", "noninteractive").args(args);
        cmd::run(&mut command)
    };
    eprintln!("xtask: installing {names} (Debian packages)");
    apt(&["update"])?;
    let install: Vec<&str> = ["install", "-y"]
        .into_iter()
        .chain(packages.iter().copied())
        .collect();
    apt(&install)
}

/// Whether the xtask runs as root (`id -u` is 0).
pub fn is_root() -> bool {
    cmd::output(Command::new("id").arg("-u")).is_some_and(|uid| uid.trim() == "0")
}

/// The path of a working `wasm-opt` from the npm package `binaryen`, installed into
/// `target/tools` on first use. `None` (with a warning) when npm cannot provide it: the
/// site still works, it is only larger.
pub fn wasm_opt() -> Option<PathBuf> {
    let tools = paths::tools_dir();
    let bin = tools.join("node_modules/.bin/wasm-opt");
    if !works(&bin) {
        if let Err(error) = install_binaryen(&tools) {
            eprintln!(
                "xtask: warning: wasm-opt unavailable, skipping wasm optimisation: {error:#}"
            );
            return None;
        }
        if !works(&bin) {
            eprintln!(
                "xtask: warning: {} does not run, skipping wasm optimisation",
                bin.display()
            );
            return None;
        }
    }
    Some(bin)
}

fn works(wasm_opt: &Path) -> bool {
    wasm_opt.is_file() && cmd::output(Command::new(wasm_opt).arg("--version")).is_some()
}

fn install_binaryen(tools: &Path) -> Result<()> {
    npm_install(tools, &format!("binaryen@{BINARYEN_VERSION}"))
}

/// The path of `axe.min.js` from the npm package `axe-core` at [`AXE_CORE_VERSION`],
/// installed into `target/tools` on first use (or when another version is there).
pub fn axe_core() -> Result<PathBuf> {
    let tools = paths::tools_dir();
    let package = tools.join("node_modules/axe-core");
    let script = package.join("axe.min.js");
    if !(script.is_file() && installed_version(&package).as_deref() == Some(AXE_CORE_VERSION)) {
        npm_install(&tools, &format!("axe-core@{AXE_CORE_VERSION}"))
            .context("installing axe-core from the npm registry")?;
    }
    if !script.is_file() {
        bail!("{} is missing after installing axe-core", script.display());
    }
    Ok(script)
}

/// The `version` of the npm package installed in `package`.
fn installed_version(package: &Path) -> Option<String> {
    let manifest = std::fs::read_to_string(package.join("package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_str(&manifest).ok()?;
    manifest["version"].as_str().map(str::to_owned)
}

/// `npm install <spec>` into `tools`, an exact version from the npm registry.
fn npm_install(tools: &Path, spec: &str) -> Result<()> {
    if !cmd::on_path("npm") {
        bail!("npm is not installed");
    }
    std::fs::create_dir_all(tools).with_context(|| format!("creating {}", tools.display()))?;
    cmd::run(Command::new("npm").current_dir(tools).args([
        "install",
        "--prefix",
        ".",
        "--no-audit",
        "--no-fund",
        "--save-exact",
        "--loglevel=error",
        spec,
    ]))
}
