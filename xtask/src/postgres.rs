//! A throwaway PostgreSQL server on loopback, for the tests of the server's PostgreSQL
//! store: `cargo xtask test` starts one for the host tests and passes its URL in
//! `CODEV_TEST_POSTGRES`, and `cargo xtask postgres` starts one for a developer running
//! those tests by hand.
//!
//! Each [`Postgres`] is a cluster of its own: a fresh directory under the system's temp
//! directory (never under the workspace, which Debian's `postgres` user may not be able
//! to reach), a free loopback port, its Unix socket in that directory, and trust
//! authentication for the superuser `codev`. The system's own PostgreSQL service, if
//! any, is neither used nor touched, so several instances can run side by side. Dropping
//! one stops its server and deletes its directory.
//!
//! An xtask killed before it could do that (Ctrl-C) leaves a running server behind; the
//! directory's name carries the xtask's pid, so the next start finds such leftovers,
//! stops them and deletes them.
//!
//! `cargo xtask cluster up` needs one that outlives the xtask: [`Postgres::start_kept`]
//! makes it in a directory with a prefix of its own, which that cleaning never touches,
//! and [`Postgres::keep`] lets it run on after the [`Postgres`] is gone, until
//! [`stop_kept`] (from `cargo xtask cluster down`) stops and deletes it.
//!
//! `initdb` refuses to run as root, so as root every PostgreSQL tool runs as the
//! `postgres` system user (through `runuser`), which then owns the directory.

use std::env;
use std::fs;
use std::io::{self, ErrorKind};
use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{self, Command};
use std::sync::atomic::{AtomicU32, Ordering};

use anyhow::{Context, Result, anyhow, bail};

use crate::{cmd, setup};

/// Where Debian installs each PostgreSQL major version: `<major>/bin/initdb` and so on.
const INSTALL_ROOT: &str = "/usr/lib/postgresql";

/// The system user Debian's package creates, which runs the server when we are root.
const SYSTEM_USER: &str = "postgres";

/// The superuser of every throwaway cluster, as it appears in [`Postgres::url`].
const SUPERUSER: &str = "codev";

/// Start of the name of an instance's directory: `codev-postgres-<pid>-<n>`.
const DIR_PREFIX: &str = "codev-postgres-";

/// Start of the name of the directory of an instance meant to outlive its xtask
/// ([`Postgres::start_kept`]): `codev-cluster-postgres-<pid>-<n>`. It does not start with
/// [`DIR_PREFIX`], so [`remove_leftovers`] leaves it alone even once that xtask is gone.
const KEPT_DIR_PREFIX: &str = "codev-cluster-postgres-";

/// How many lines of the server log an error about a failed start quotes.
const LOG_TAIL_LINES: usize = 30;

/// Makes sure PostgreSQL's server tools are installed (Debian's `postgresql` package,
/// through apt, if not) and returns their directory, that of the highest major version.
pub fn ensure_installed() -> Result<PathBuf> {
    if let Some(bin) = find_bin_dir() {
        return Ok(bin);
    }
    setup::install_debian_packages(&["postgresql"]).context("PostgreSQL is not installed")?;
    find_bin_dir()
        .with_context(|| format!("no {INSTALL_ROOT}/*/bin/initdb after installing postgresql"))
}

/// `/usr/lib/postgresql/<major>/bin` for the highest `<major>` that has an `initdb`.
fn find_bin_dir() -> Option<PathBuf> {
    fs::read_dir(INSTALL_ROOT)
        .ok()?
        .filter_map(|entry| {
            let entry = entry.ok()?;
            let major: u32 = entry.file_name().to_str()?.parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("initdb").is_file().then_some((major, bin))
        })
        .max_by_key(|(major, _)| *major)
        .map(|(_, bin)| bin)
}

/// A running throwaway PostgreSQL server; dropping it stops the server and deletes its
/// data (unless [`Postgres::keep`] took it over).
pub struct Postgres {
    tools: Tools,
    /// Set by [`Postgres::keep`]: dropping leaves the server running and its data there.
    kept: bool,
    /// What the server is for, in messages.
    label: String,
    /// The instance's own directory: `data`, `log` and the Unix socket.
    dir: PathBuf,
    data: PathBuf,
    port: u16,
}

impl Postgres {
    /// Installs PostgreSQL if needed, creates a fresh cluster and starts its server on
    /// a free loopback port. Returns once the server accepts connections.
    pub fn start(label: &str) -> Result<Postgres> {
        Postgres::start_in(label, DIR_PREFIX)
    }

    /// Like [`Postgres::start`], for a server meant to outlive this xtask: its directory
    /// has a name the cleaning of leftovers never deletes. Until [`Postgres::keep`] is
    /// called, dropping it still stops and deletes it, so a caller failing half-way
    /// leaves nothing behind.
    pub fn start_kept(label: &str) -> Result<Postgres> {
        Postgres::start_in(label, KEPT_DIR_PREFIX)
    }

    fn start_in(label: &str, prefix: &str) -> Result<Postgres> {
        let tools = tools()?;
        remove_leftovers(&tools);
        let dir = make_dir(prefix)?;
        // From here on, dropping `postgres` deletes the directory (and stops the server
        // if it got as far as starting), whatever step fails.
        let mut postgres = Postgres {
            tools,
            kept: false,
            label: label.to_owned(),
            data: dir.join("data"),
            dir,
            port: 0,
        };
        if postgres.tools.as_system_user {
            give_to_system_user(&postgres.dir)?;
        }
        postgres.init()?;
        postgres.port = free_port()?;
        postgres.launch()?;
        eprintln!(
            "xtask: PostgreSQL ({label}) is listening on 127.0.0.1:{}",
            postgres.port()
        );
        Ok(postgres)
    }

    /// The URL to connect with, as the superuser, to the default `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://{SUPERUSER}@127.0.0.1:{}/postgres", self.port)
    }

    /// The loopback TCP port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The cluster's data directory (its server log is `log` beside it).
    pub fn data_dir(&self) -> &Path {
        &self.data
    }

    /// The instance's own directory (the data directory, the server log, the socket):
    /// what [`stop_kept`] takes once [`Postgres::keep`] has let the server run on.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Lets the server run on after this xtask ends: dropping no longer stops it.
    /// Returns its directory, to hand to [`stop_kept`] later (from another process).
    /// Only servers from [`Postgres::start_kept`] may be kept: the directory of any other
    /// would be deleted, server stopped, by the next [`Postgres::start`] once this xtask
    /// is gone.
    pub fn keep(mut self) -> PathBuf {
        debug_assert!(
            is_kept_dir(&self.dir),
            "keep() of a server not from start_kept()"
        );
        self.kept = true;
        self.dir.clone()
    }

    fn log(&self) -> PathBuf {
        self.dir.join("log")
    }

    /// `initdb` of the cluster. It need not sync its files to disk: a crash would only
    /// lose a cluster nobody keeps. The server itself keeps `fsync` on, since the store's
    /// durability is what the tests check and the benchmarks measure.
    fn init(&self) -> Result<()> {
        cmd::run_quiet(
            self.tools
                .command("initdb", &self.dir)
                .arg("-D")
                .arg(&self.data)
                .args([
                    "-U",
                    SUPERUSER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ]),
        )
        .context("creating a PostgreSQL cluster")
    }

    /// `pg_ctl start`, which waits (`-w`) until the server accepts connections.
    fn launch(&self) -> Result<()> {
        // pg_ctl hands these to the server through `sh -c`, hence `make_dir`'s check
        // that the directory needs no quoting.
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -c unix_socket_directories={} \
             -c max_connections=200 -c shared_buffers=64MB",
            self.port,
            self.dir.display()
        );
        let started = cmd::run_quiet(
            self.tools
                .command("pg_ctl", &self.dir)
                .arg("-D")
                .arg(&self.data)
                .arg("-l")
                .arg(self.log())
                .args(["-w", "-t", "60", "-o", &options, "start"]),
        );
        started.map_err(|error| {
            let log = self.log();
            let tail = match fs::read_to_string(&log) {
                Ok(text) => {
                    let lines: Vec<&str> = text.lines().collect();
                    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
                }
                Err(error) => format!("(unreadable: {error})"),
            };
            anyhow!(
                "starting PostgreSQL: {error:#}\nend of the server log {}:\n{tail}",
                log.display()
            )
        })
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.kept {
            return;
        }
        if self.data.join("postmaster.pid").exists() {
            eprintln!("xtask: stopping PostgreSQL ({})", self.label);
            if let Err(error) = stop_server(&self.tools, &self.dir) {
                eprintln!("xtask: warning: {error:#}");
            }
        }
        if let Err(error) = fs::remove_dir_all(&self.dir) {
            eprintln!(
                "xtask: warning: could not delete {}: {error}",
                self.dir.display()
            );
        }
    }
}

/// Stops the server of a kept instance ([`Postgres::keep`]), whose directory is `dir`,
/// and deletes the directory. Nothing to do if the directory is already gone. Refuses a
/// directory that is not a kept instance's, so a wrong path can delete nothing else.
pub fn stop_kept(dir: &Path) -> Result<()> {
    if !is_kept_dir(dir) {
        bail!(
            "{} is not the directory of a kept PostgreSQL server ({KEPT_DIR_PREFIX}<pid>-<n>)",
            dir.display()
        );
    }
    if !dir.exists() {
        return Ok(());
    }
    if dir.join("data/postmaster.pid").exists() {
        eprintln!("xtask: stopping PostgreSQL in {}", dir.display());
        stop_server(&tools()?, dir)?;
    }
    fs::remove_dir_all(dir).with_context(|| format!("deleting {}", dir.display()))
}

/// Whether `dir` is named like the directory of a kept instance.
fn is_kept_dir(dir: &Path) -> bool {
    dir.file_name()
        .and_then(|name| name.to_str())
        .is_some_and(|name| name.starts_with(KEPT_DIR_PREFIX))
}

/// Stops the server of the instance in `dir`: `fast`, or `immediate` if that fails.
fn stop_server(tools: &Tools, dir: &Path) -> Result<()> {
    let data = dir.join("data");
    tools.stop(dir, &data, "fast").or_else(|error| {
        eprintln!("xtask: warning: {error:#}");
        tools.stop(dir, &data, "immediate")
    })
}

/// The tools of the installed PostgreSQL (installing it if needed), run as who may.
fn tools() -> Result<Tools> {
    Ok(Tools {
        bin: ensure_installed()?,
        as_system_user: setup::is_root(),
    })
}

/// The PostgreSQL tools of one installation, and who they run as.
struct Tools {
    bin: PathBuf,
    /// Run them as [`SYSTEM_USER`] (we are root, which `initdb` refuses to be).
    as_system_user: bool,
}

impl Tools {
    /// The command running `tool` in `cwd`. The working directory matters: the tools
    /// fail when they cannot read their current one, as the `postgres` user may not.
    fn command(&self, tool: &str, cwd: &Path) -> Command {
        let program = self.bin.join(tool);
        let mut command = if self.as_system_user {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", SYSTEM_USER, "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        command.current_dir(cwd);
        command
    }

    /// `pg_ctl stop` of the server of `data` in `mode` (`fast`: disconnect clients and
    /// shut down cleanly; `immediate`: just quit), waiting until it is gone.
    fn stop(&self, dir: &Path, data: &Path, mode: &str) -> Result<()> {
        cmd::run_quiet(
            self.command("pg_ctl", dir)
                .arg("-D")
                .arg(data)
                .args(["-m", mode, "-w", "stop"]),
        )
        .context("stopping PostgreSQL")
    }
}

/// Creates a directory of our own under the temp directory, named `prefix`, this
/// process's pid and a counter, so instances of one or several xtasks never share one.
fn make_dir(prefix: &str) -> Result<PathBuf> {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let temp = env::temp_dir();
    let plain = |c: char| c.is_ascii_alphanumeric() || "/._-".contains(c);
    if !temp.to_str().is_some_and(|temp| temp.chars().all(plain)) {
        bail!(
            "the temp directory {} has characters PostgreSQL's options would need quoted; \
             set TMPDIR to a plainer path",
            temp.display()
        );
    }
    loop {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = temp.join(format!("{prefix}{}-{n}", process::id()));
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            // Left by an earlier process with our pid, which may still be running.
            Err(error) if error.kind() == ErrorKind::AlreadyExists => continue,
            Err(error) => {
                return Err(error).with_context(|| format!("creating {}", dir.display()));
            }
        }
    }
}

/// Makes `dir` the [`SYSTEM_USER`]'s, so the server can write its data, log and socket.
fn give_to_system_user(dir: &Path) -> Result<()> {
    let id = |flag: &str| -> Result<u32> {
        let out = cmd::output(Command::new("id").args([flag, SYSTEM_USER])).with_context(|| {
            format!("there is no `{SYSTEM_USER}` user (Debian's postgresql package creates it)")
        })?;
        out.trim()
            .parse()
            .with_context(|| format!("`id {flag} {SYSTEM_USER}` printed {out:?}"))
    };
    std::os::unix::fs::chown(dir, Some(id("-u")?), Some(id("-g")?))
        .with_context(|| format!("giving {} to the {SYSTEM_USER} user", dir.display()))
}

/// A free TCP port on loopback, as the system hands them out. Another process could
/// take it before the server binds it, but ephemeral ports are handed out in turn, so
/// that would be rare (and would fail the start, quoting the server's log).
fn free_port() -> Result<u16> {
    let listener =
        TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("finding a free port on 127.0.0.1")?;
    Ok(listener
        .local_addr()
        .context("reading the port of a loopback socket")?
        .port())
}

/// Stops the servers and deletes the directories of instances whose xtask is gone
/// (killed before its [`Postgres`] could be dropped). Those of running xtasks, this one
/// included, are left alone. Best effort: trouble is only reported.
fn remove_leftovers(tools: &Tools) {
    // Whether a process is alive is read from /proc; without it, leave everything be.
    if !Path::new("/proc/self").exists() {
        return;
    }
    let Ok(entries) = fs::read_dir(env::temp_dir()) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(pid) = name
            .to_str()
            .and_then(|name| name.strip_prefix(DIR_PREFIX))
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, _)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if Path::new("/proc").join(pid.to_string()).exists() {
            continue;
        }
        let dir = entry.path();
        eprintln!(
            "xtask: deleting {}, left behind by xtask process {pid}, which is gone",
            dir.display()
        );
        let data = dir.join("data");
        if data.join("postmaster.pid").exists()
            && let Err(error) = tools.stop(&dir, &data, "immediate")
        {
            eprintln!("xtask: warning: {error:#}");
        }
        if let Err(error) = fs::remove_dir_all(&dir) {
            eprintln!(
                "xtask: warning: could not delete {}: {error}",
                dir.display()
            );
        }
    }
}

/// `cargo xtask postgres`: starts a throwaway server, prints its URL, and stops it (and
/// deletes its data) when Enter is pressed or stdin ends.
pub fn serve() -> Result<()> {
    let postgres = Postgres::start("cargo xtask postgres")?;
    println!("CODEV_TEST_POSTGRES={}", postgres.url());
    eprintln!(
        "xtask: `export` that line in another shell, then run the tests that need it, \
         e.g. `cargo test -p server postgres`"
    );
    eprintln!(
        "xtask: data in {}; psql: {} {}",
        postgres.data_dir().display(),
        postgres.tools.bin.join("psql").display(),
        postgres.url()
    );
    eprintln!(
        "xtask: press Enter to stop the server and delete its data (Ctrl-C leaves it \
         running, until the next start deletes it)"
    );
    io::stdin()
        .read_line(&mut String::new())
        .context("waiting for Enter on stdin")?;
    drop(postgres);
    Ok(())
}
