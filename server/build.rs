//! Records which commit the server was built from, for `server --version`: a binary
//! copied onto a host says what it is. Outside a git checkout (a source tarball) it
//! says `unknown`. With the feature `embedded-site`, it also makes sure the site to
//! embed is named, and that a change to it builds the server again.

use std::process::Command;

fn main() {
    let commit = Command::new("git")
        .args(["rev-parse", "--short=12", "HEAD"])
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|commit| commit.trim().to_owned())
        .filter(|commit| !commit.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    println!("cargo:rustc-env=CODEV_COMMIT={commit}");
    // Build again when the checked-out commit moves.
    for path in ["../.git/HEAD", "../.git/refs/heads", "../.git/packed-refs"] {
        println!("cargo:rerun-if-changed={path}");
    }
    // The site inside the binary: build again when any of its files, or where it is,
    // changes (Cargo scans a directory named here for any change under it).
    if std::env::var_os("CARGO_FEATURE_EMBEDDED_SITE").is_some() {
        println!("cargo:rerun-if-env-changed=CODEV_SITE_DIR");
        match std::env::var("CODEV_SITE_DIR") {
            Ok(site) => println!("cargo:rerun-if-changed={site}"),
            Err(_) => panic!(
                "the feature `embedded-site` needs CODEV_SITE_DIR, the built site to put \
                 inside the binary: build with `cargo xtask dist`"
            ),
        }
    }
}
