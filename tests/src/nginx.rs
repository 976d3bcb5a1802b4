//! Debian's nginx in front of a test server, configured with the nginx block that
//! `docs/deploy.md` gives administrators, as written there.
//!
//! [`documented_block`] takes the fenced `nginx` block that follows [`MARKER`] in
//! `docs/deploy.md`; [`on_loopback`] changes only the lines listed in [`CHANGED_LINES`]
//! (no TLS on loopback, the test's ports; `docs/deploy.md` lists the same lines) and
//! fails if any of them is not in the block exactly as expected, so that a changed doc
//! cannot leave the test running something else. [`Nginx::start`] wraps the block in a
//! minimal generated `http {}` whose every path (pid, logs, temporary files) is in a
//! temporary directory of its own, checks it with `nginx -t`, and runs nginx in the
//! foreground as a single process (`daemon off; master_process off;`: nothing forks, so
//! killing the one child stops it all). It is the binary from `NGINX` (set by
//! `cargo xtask test`, which installs the package when missing) or `/usr/sbin/nginx`;
//! without it the test fails and says how to get it, it is never skipped.

use crate::server::TempDir;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The line just before the tested block in `docs/deploy.md`.
pub const MARKER: &str = "<!-- tested: tests/tests/integration/nginx.rs -->";

/// What nginx's notice says once it runs: its version, `nginx/1.22.1`.
const READY: &str = "nginx/";

/// The upstream in the documented block: where the server listens by default.
pub const UPSTREAM_IN_DOC: &str = "127.0.0.1:8080";

/// The lines of the documented block the test changes (compared without their leading
/// and trailing spaces): the first is replaced by `listen <test address>;`, the others
/// are removed. Any other line runs as written.
pub const CHANGED_LINES: [&str; 4] = [
    "listen 443 ssl;",
    "listen [::]:443 ssl;",
    "ssl_certificate     /etc/letsencrypt/live/codev.example.org/fullchain.pem;",
    "ssl_certificate_key /etc/letsencrypt/live/codev.example.org/privkey.pem;",
];

/// How long nginx may take to start listening.
const START_PATIENCE: Duration = Duration::from_secs(10);

/// `docs/deploy.md` of this repository.
pub fn deploy_doc() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/deploy.md")
}

/// The fenced `nginx` block that follows [`MARKER`] in `doc`.
pub fn documented_block(doc: &str) -> String {
    let after = doc
        .split_once(MARKER)
        .unwrap_or_else(|| panic!("docs/deploy.md lost its marker {MARKER}"))
        .1;
    let body = after
        .trim_start()
        .strip_prefix("```nginx\n")
        .expect("a fenced ```nginx block right after the marker");
    let (block, _) = body
        .split_once("\n```")
        .expect("the end of the nginx block");
    block.to_owned()
}

/// The documented `block` as the test runs it: listening on `listen` without TLS, and
/// proxying to `upstream` instead of [`UPSTREAM_IN_DOC`]. Panics if any line it changes
/// is not in the block exactly once.
pub fn on_loopback(block: &str, listen: SocketAddr, upstream: SocketAddr) -> String {
    for changed in CHANGED_LINES {
        let count = block.lines().filter(|line| line.trim() == changed).count();
        assert_eq!(
            count, 1,
            "`{changed}` is in the documented block {count} times"
        );
    }
    assert_eq!(
        block.matches(UPSTREAM_IN_DOC).count(),
        1,
        "the documented block names {UPSTREAM_IN_DOC} once, as its upstream"
    );
    let lines = block.lines().filter_map(|line| {
        let trimmed = line.trim();
        if trimmed == CHANGED_LINES[0] {
            Some(line.replace(CHANGED_LINES[0], &format!("listen {listen};")))
        } else if CHANGED_LINES.contains(&trimmed) {
            None
        } else {
            Some(line.replace(UPSTREAM_IN_DOC, &upstream.to_string()))
        }
    });
    lines.collect::<Vec<_>>().join("\n")
}

/// The whole configuration: what `block` needs around it, every path in `dir`.
fn configuration(block: &str, dir: &std::path::Path) -> String {
    let d = dir.display();
    format!(
        "daemon off;\n\
         master_process off;\n\
         pid {d}/nginx.pid;\n\
         error_log {d}/error.log info;\n\
         error_log stderr notice;\n\
         events {{ worker_connections 256; }}\n\
         http {{\n\
         access_log {d}/access.log;\n\
         client_body_temp_path {d}/body;\n\
         proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n\
         uwsgi_temp_path {d}/uwsgi;\n\
         scgi_temp_path {d}/scgi;\n\
         # The block from docs/deploy.md, its TLS and ports changed for loopback:\n\
         {block}\n\
         }}\n"
    )
}

/// The nginx binary: `NGINX`, else Debian's.
fn binary() -> PathBuf {
    let nginx = std::env::var_os("NGINX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"));
    assert!(
        nginx.is_file(),
        "{} is missing: run the tests through `cargo xtask test`, which installs Debian's \
         nginx, or `apt-get install -y nginx`",
        nginx.display()
    );
    nginx
}

/// nginx running in the foreground with a block in front of a server; stopped (killed:
/// it is one process) when dropped, its directory removed.
pub struct Nginx {
    addr: SocketAddr,
    child: Child,
    dir: TempDir,
}

impl Nginx {
    /// Start nginx on a free port of 127.0.0.1 with `block` as [`on_loopback`] changes
    /// it for `upstream`, and wait until it accepts connections.
    pub async fn start(block: &str, upstream: SocketAddr) -> Nginx {
        let dir = TempDir::new("nginx");
        let addr = free_port();
        let conf = dir.join("nginx.conf");
        std::fs::write(
            &conf,
            configuration(&on_loopback(block, addr, upstream), dir.path()),
        )
        .expect("write nginx.conf");
        let nginx = binary();
        let args = |command: &mut Command| {
            command
                .arg("-p")
                .arg(dir.path())
                .arg("-e")
                .arg(dir.join("error.log"))
                .arg("-c")
                .arg(&conf);
        };
        let mut check = Command::new(&nginx);
        args(&mut check);
        let checked = check.arg("-t").output().expect("run nginx -t");
        assert!(
            checked.status.success(),
            "nginx refuses the configuration:\n{}\n{}",
            String::from_utf8_lossy(&checked.stderr),
            std::fs::read_to_string(&conf).unwrap_or_default()
        );
        let mut command = Command::new(&nginx);
        args(&mut command);
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start nginx");
        let mut nginx = Nginx { addr, child, dir };
        nginx.until_listening().await;
        nginx
    }

    /// Wait until nginx says it runs, failing with its error log if it exits first or
    /// says nothing within [`START_PATIENCE`]. Its version notice (`nginx/1.22.1`, on
    /// stderr) comes once its configuration is loaded and its sockets listen.
    async fn until_listening(&mut self) {
        let stderr = self.child.stderr.take().expect("nginx's stderr");
        let (ready, said) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut ready = Some(ready);
            // Read to the end, so that nginx never blocks on a full pipe.
            for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
                let Ok(line) = line else { break };
                if line.contains("[notice]")
                    && line.contains(READY)
                    && let Some(ready) = ready.take()
                {
                    let _ = ready.send(());
                }
            }
        });
        let heard = tokio::task::spawn_blocking(move || said.recv_timeout(START_PATIENCE))
            .await
            .expect("the waiting thread");
        if heard.is_err() {
            let _ = self.child.kill();
            panic!(
                "nginx did not say it runs within {START_PATIENCE:?}:\n{}",
                self.error_log()
            );
        }
    }

    /// Where nginx listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The WebSocket endpoint through nginx, `ws://<nginx>/ws`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}/ws", self.addr)
    }

    /// What nginx wrote to its error log so far.
    pub fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port of 127.0.0.1 free a moment ago (nginx cannot report the one it was given).
fn free_port() -> SocketAddr {
    let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    probe.local_addr().expect("its address")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_block_is_changed_only_where_listed() {
        let doc = std::fs::read_to_string(deploy_doc()).expect("read docs/deploy.md");
        let block = documented_block(&doc);
        let listen: SocketAddr = "127.0.0.1:18443".parse().unwrap();
        let upstream: SocketAddr = "127.0.0.1:18080".parse().unwrap();
        let run = on_loopback(&block, listen, upstream);
        assert!(run.contains("listen 127.0.0.1:18443;"));
        assert!(run.contains("127.0.0.1:18080"));
        assert!(!run.contains("ssl"), "{run}");
        assert!(!run.contains(UPSTREAM_IN_DOC));
        let kept = |text: &str| {
            text.lines()
                .map(str::trim)
                .filter(|line| !line.is_empty())
                .filter(|line| !CHANGED_LINES.contains(line))
                .map(|line| line.replace(UPSTREAM_IN_DOC, "UPSTREAM"))
                .collect::<Vec<_>>()
        };
        let mut expected = kept(&block);
        expected.retain(|line| !line.starts_with("listen "));
        let mut got = kept(&run.replace("127.0.0.1:18080", UPSTREAM_IN_DOC));
        got.retain(|line| !line.starts_with("listen "));
        assert_eq!(got, expected, "every other line runs as written");
    }
}
