//! HAProxy for the cluster: its configuration, as the server prints it
//! (`codev-server haproxy-config`), and how many connections this machine lets it take.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

use super::state::Node;
use crate::{cmd, setup};

/// Writes HAProxy's configuration for `nodes`, as the server prints it, to `config`,
/// and has HAProxy check it.
pub(super) fn write_haproxy_config(
    server: &Path,
    listen: &str,
    nodes: &[Node],
    config: &Path,
) -> Result<()> {
    let mut generate = Command::new(server);
    generate.args(["haproxy-config", "--listen", listen, "--log-to-stderr"]);
    for node in nodes {
        generate
            .arg("--node")
            .arg(format!("{}={}", node.name, node.address));
    }
    let out = generate
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("could not run {} haproxy-config", server.display()))?;
    if !out.status.success() {
        bail!(
            "`{} haproxy-config` failed ({}):\n{}",
            server.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim_end()
        );
    }
    fs::write(config, &out.stdout).with_context(|| format!("writing {}", config.display()))?;
    cmd::run_quiet(Command::new(setup::HAPROXY).arg("-c").arg("-f").arg(config))
        .with_context(|| format!("HAProxy rejects {}", config.display()))
}

/// Open files HAProxy needs besides two per connection (listeners, health checks, its
/// log), with room to spare: it needs about 20 with three nodes.
const PROXY_SPARE_FILES: u64 = 256;

/// The `-n` (maxconn) to run HAProxy with, if the `maxconn` of the `global` section of
/// `config` needs more open files than this machine allows (HAProxy needs two per
/// connection, and refuses to start if it cannot raise its limit that far). Some
/// containers' hard limit is as low as the server's default `maxconn 20000` itself.
pub(super) fn proxy_maxconn_cap(config: &Path) -> Result<Option<u64>> {
    let text =
        fs::read_to_string(config).with_context(|| format!("reading {}", config.display()))?;
    let maxconn = text
        .lines()
        .skip_while(|line| line.trim() != "global")
        .skip(1)
        .take_while(|line| line.starts_with(char::is_whitespace) || line.trim().is_empty())
        .find_map(|line| {
            line.trim()
                .strip_prefix("maxconn")?
                .trim()
                .parse::<u64>()
                .ok()
        });
    let (Some(maxconn), Some(limit)) = (maxconn, open_files_hard_limit()) else {
        return Ok(None);
    };
    if 2 * maxconn + PROXY_SPARE_FILES <= limit {
        return Ok(None);
    }
    match limit.checked_sub(PROXY_SPARE_FILES) {
        Some(room) if room >= 2 => Ok(Some(room / 2)),
        _ => bail!("this machine allows only {limit} open files, too few for HAProxy"),
    }
}

/// This process's hard limit on open files (which its children inherit), from
/// `/proc/self/limits`; `None` if unlimited or unknown.
fn open_files_hard_limit() -> Option<u64> {
    let limits = fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))?;
    line.trim_start_matches("Max open files")
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
