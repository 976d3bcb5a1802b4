//! Where things live. The xtask is always built from this workspace, so its own manifest
//! directory locates the workspace root, whatever directory `cargo xtask` was started from.

use std::env;
use std::path::{Path, PathBuf};

/// The workspace root (parent of the `xtask` crate).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the xtask crate sits inside the workspace")
        .to_path_buf()
}

/// Cargo's target directory, honouring `CARGO_TARGET_DIR` like cargo does.
pub fn target_dir() -> PathBuf {
    match env::var_os("CARGO_TARGET_DIR") {
        Some(dir) if !dir.is_empty() => root().join(dir),
        _ => root().join("target"),
    }
}

/// The built client site served by the server and by the browser tests.
pub fn client_dist() -> PathBuf {
    target_dir().join("client-dist")
}

/// Tools the xtask installs for itself (npm packages, generated config).
pub fn tools_dir() -> PathBuf {
    target_dir().join("tools")
}

/// Where `cargo xtask cluster` keeps its state file, configuration and logs.
pub fn cluster_dir() -> PathBuf {
    target_dir().join("cluster")
}
