//! The server binary: reads its settings, sets up logging and serves until stopped.

use clap::Parser;
use server::metrics::Metrics;
use server::storage::postgres::{NodeSettings, PostgresOptions};
use server::storage::sqlite::SyncMode;
use server::storage::{PostgresStore, SqliteStore, Store};
use server::{Config, Services, Site};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// The version, and the commit it was built from (`build.rs`).
const VERSION: &str = concat!(env!("CARGO_PKG_VERSION"), " (", env!("CODEV_COMMIT"), ")");

/// Run co-development sessions: serves the web app and its live WebSocket on one port.
#[derive(Debug, Parser)]
#[command(name = "codev-server", version = VERSION, about)]
struct Args {
    /// Something else than serving (without one, the server serves).
    #[command(subcommand)]
    task: Option<Task>,
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// Serve the browser client from this directory (index.html, pkg/, built by `cargo
    /// xtask build`) instead of the one built into the binary.
    #[arg(long, env = "STATIC_DIR")]
    static_dir: Option<PathBuf>,
    /// Seconds a dropped participant keeps their place in the hand queue.
    #[arg(long, env = "GRACE_SECONDS", default_value_t = 120)]
    grace_seconds: u64,
    /// Most sessions in memory at once (sessions in use; stored sessions nobody is in do
    /// not count).
    #[arg(long, env = "MAX_ROOMS", default_value_t = 10_000)]
    max_rooms: usize,
    /// Seconds a session with nobody connected stays in memory; the next person to join
    /// loads it again from the database.
    #[arg(long, env = "IDLE_SESSION_SECONDS", default_value_t = 600)]
    idle_session_seconds: u64,
    /// Delete a session, with everything stored about it, this many days after it was
    /// closed (or, never closed, after it was created). Sessions in use are left alone.
    /// Without it, sessions are kept until their facilitator deletes them.
    #[arg(long, env = "KEEP_SESSIONS_DAYS", value_parser = clap::value_parser!(u64).range(1..))]
    keep_sessions_days: Option<u64>,
    /// Where sessions are kept: a SQLite database file, created on first run; or a
    /// PostgreSQL database (`postgres://user:password@host:port/database`) shared by the
    /// nodes of a cluster (docs/cluster.md).
    #[arg(
        long = "db",
        env = "DB_PATH",
        default_value = "codev.db",
        global = true
    )]
    db: Database,
    /// With PostgreSQL: the name the proxy in front knows this node by (its server's
    /// name in HAProxy's configuration), where a connection that reached another node
    /// for one of this node's sessions is sent [default: the address it listens on].
    #[arg(long, env = "NODE_NAME")]
    node_name: Option<String>,
    /// With PostgreSQL: seconds this node's claim on its sessions outlives its last
    /// renewal (renewed every second). A node silent that long loses its sessions to
    /// the others.
    #[arg(long, env = "LEASE_SECONDS", default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..))]
    lease_seconds: u64,
    /// When an event counts as stored, and may be sent out and acknowledged: `full`
    /// once the disk has it (it survives a power cut); `normal` once the operating system
    /// has it (it survives a crash of the server at once, and a power cut once the next
    /// background checkpoint has run; they run every 50 ms). docs/storage.md.
    #[arg(long, env = "DB_SYNC", value_enum, default_value_t = SyncArg::Full)]
    sync: SyncArg,
    /// A bearer token that lets a monitoring system read /metrics from another machine.
    /// Without one, /metrics answers only clients on this machine.
    #[arg(long, env = "METRICS_TOKEN", hide_env_values = true)]
    metrics_token: Option<String>,
    /// Limits against floods and abuse; docs/security.md says what each one does.
    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, clap::Subcommand)]
enum Task {
    /// Print HAProxy's configuration for a cluster of nodes sharing one PostgreSQL
    /// database (docs/cluster.md).
    HaproxyConfig {
        /// Where the proxy listens (host:port).
        #[arg(long, default_value = "0.0.0.0:8080")]
        listen: String,
        /// A node: the name it was given (`--node-name`) and where it listens,
        /// `name=host:port`; once per node.
        #[arg(long = "node", required = true)]
        nodes: Vec<server::haproxy::Backend>,
        /// Log every request to standard error (codes and tokens left out).
        #[arg(long)]
        log_to_stderr: bool,
        /// Milliseconds between two health checks of a node.
        #[arg(long, default_value_t = 1000)]
        check_every_ms: u32,
    },
    /// Copy the database (`--db`) into a new file while the server runs: every session
    /// as it was when the copy began, checked before it ends. docs/deploy.md says how
    /// to restore it.
    Backup {
        /// The new file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
}

/// Where sessions are kept (`--db`).
#[derive(Clone, Debug)]
enum Database {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::str::FromStr for Database {
    type Err = std::convert::Infallible;

    fn from_str(given: &str) -> Result<Self, Self::Err> {
        let postgres = ["postgres://", "postgresql://"]
            .iter()
            .any(|scheme| given.starts_with(scheme));
        Ok(if postgres {
            Database::Postgres(given.to_owned())
        } else {
            Database::Sqlite(PathBuf::from(given))
        })
    }
}

impl std::fmt::Display for Database {
    /// The file, or the PostgreSQL database without its password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::Sqlite(path) => write!(f, "{}", path.display()),
            Database::Postgres(url) => match url.rsplit_once('@') {
                Some((_, place)) => write!(f, "postgres://…@{place}"),
                None => write!(f, "{url}"),
            },
        }
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum SyncArg {
    Full,
    Normal,
}

/// Bounds on what one address or one connection may ask (`server::guard`). Each
/// defaults to `Config::default()`; 0 turns a limit off (a load test does).
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Open WebSocket connections per client address (IPv6: per /64) [default: 64].
    #[arg(long, env = "MAX_CONNECTIONS_PER_ADDRESS")]
    max_connections_per_address: Option<usize>,
    /// Frames one connection may send per second, sustained [default: 10].
    #[arg(long, env = "COMMANDS_PER_SECOND")]
    commands_per_second: Option<u32>,
    /// Frames one connection may send at once before the rate applies [default: 100].
    #[arg(long, env = "COMMAND_BURST")]
    command_burst: Option<u32>,
    /// Failed join or resume attempts per address per minute [default: 30].
    #[arg(long, env = "JOIN_FAILURES_PER_MINUTE")]
    join_failures_per_minute: Option<u32>,
    /// Sessions one address may create per hour [default: 60].
    #[arg(long, env = "SESSIONS_PER_ADDRESS_PER_HOUR")]
    sessions_per_address_per_hour: Option<u32>,
    /// The largest WebSocket message handled, in bytes [default: 16384].
    #[arg(long, env = "MAX_FRAME_BYTES")]
    max_frame_bytes: Option<usize>,
    /// A web origin allowed to open the WebSocket besides the server's own, such as
    /// `https://codev.example.org` (repeat the flag, or separate with commas).
    #[arg(
        long = "allowed-origin",
        env = "ALLOWED_ORIGINS",
        value_delimiter = ','
    )]
    allowed_origins: Vec<String>,
    /// The header in which a trusted reverse proxy gives the client's address
    /// (`X-Forwarded-For` or `X-Real-IP`). Only set it if clients cannot reach the
    /// server except through that proxy: otherwise they could claim any address.
    #[arg(long, env = "CLIENT_IP_HEADER")]
    client_ip_header: Option<String>,
}

impl LimitArgs {
    /// `config` with these limits applied where given.
    fn apply(self, mut config: Config) -> Config {
        let LimitArgs {
            max_connections_per_address,
            commands_per_second,
            command_burst,
            join_failures_per_minute,
            sessions_per_address_per_hour,
            max_frame_bytes,
            allowed_origins,
            client_ip_header,
        } = self;
        config.max_connections_per_address =
            max_connections_per_address.unwrap_or(config.max_connections_per_address);
        config.commands_per_second = commands_per_second.unwrap_or(config.commands_per_second);
        config.command_burst = command_burst.unwrap_or(config.command_burst);
        config.join_failures_per_minute =
            join_failures_per_minute.unwrap_or(config.join_failures_per_minute);
        config.sessions_per_address_per_hour =
            sessions_per_address_per_hour.unwrap_or(config.sessions_per_address_per_hour);
        if let Some(value) = max_frame_bytes {
            config.max_frame_bytes = value;
            // Frames a little over the limit still get a typed refusal.
            config.frame_hard_limit_bytes = config.frame_hard_limit_bytes.max(value * 4);
        }
        config.allowed_origins = allowed_origins;
        config.client_ip_header = client_ip_header.filter(|name| !name.trim().is_empty());
        config
    }
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    match run().await {
        Ok(()) => Ok(()),
        Err(error) => {
            tracing::error!(%error, "stopped");
            Err(error)
        }
    }
}

async fn run() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(server::logging::filter_from_env())
        .init();
    let args = Args::parse();
    if let Some(Task::HaproxyConfig {
        listen,
        nodes,
        log_to_stderr,
        check_every_ms,
    }) = &args.task
    {
        let proxy = server::haproxy::Proxy {
            listen: listen.clone(),
            log_to_stderr: *log_to_stderr,
            check_every_ms: *check_every_ms,
        };
        print!("{}", server::haproxy::config(&proxy, nodes));
        return Ok(());
    }
    if let Some(Task::Backup { to }) = &args.task {
        let Database::Sqlite(db) = &args.db else {
            return Err(std::io::Error::other(
                "backup copies a SQLite file; back a PostgreSQL database up with pg_dump \
                 (docs/cluster.md)",
            ));
        };
        server::storage::sqlite::backup(db, to).map_err(|error| {
            std::io::Error::other(format!("backup of {}: {error}", db.display()))
        })?;
        println!("{} copied to {}", db.display(), to.display());
        return Ok(());
    }
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port)).await?;
    let address = listener.local_addr()?;
    let metrics = Arc::new(Metrics::new());
    let store = open_store(&args, address, metrics.clone())
        .await
        .map_err(|error| std::io::Error::other(format!("database {}: {error}", args.db)))?;
    let config = args.limits.apply(Config {
        site: args.static_dir.map(Site::Dir).or_else(Site::built_in),
        grace: Duration::from_secs(args.grace_seconds),
        max_rooms: args.max_rooms,
        idle_room: Duration::from_secs(args.idle_session_seconds),
        keep_sessions: args
            .keep_sessions_days
            .map(|days| Duration::from_secs(days.saturating_mul(24 * 3600))),
        metrics_token: args.metrics_token.filter(|token| !token.trim().is_empty()),
        ..Config::default()
    });
    tracing::info!(%address, "listening");
    println!("Open http://{address}/ in a browser.");
    let services = Services {
        store: store.shared(),
        metrics,
        ..Services::default()
    };
    let served = server::serve(listener, config, services, shutdown_signal()).await;
    store.close().await;
    served
}

/// The store `--db` names, open.
enum Opened {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

impl Opened {
    fn shared(&self) -> Arc<dyn Store> {
        match self {
            Opened::Sqlite(store) => Arc::new(store.clone()),
            Opened::Postgres(store) => Arc::new(store.clone()),
        }
    }

    /// After the last commit: fold SQLite's WAL in, or give this node's sessions back
    /// to the cluster.
    async fn close(&self) {
        match self {
            Opened::Sqlite(store) => store.close().await,
            Opened::Postgres(store) => store.close().await,
        }
    }
}

async fn open_store(
    args: &Args,
    listening: SocketAddr,
    metrics: Arc<Metrics>,
) -> Result<Opened, server::storage::StoreError> {
    match &args.db {
        Database::Sqlite(path) => {
            let sync = match args.sync {
                SyncArg::Full => SyncMode::Full,
                SyncArg::Normal => SyncMode::Normal,
            };
            let store = SqliteStore::open_with(path, sync, i64::MAX).await?;
            tracing::info!(db = %path.display(), ?sync, "database open");
            Ok(Opened::Sqlite(store))
        }
        Database::Postgres(url) => {
            let address = listening.to_string();
            let name = args.node_name.clone().unwrap_or_else(|| address.clone());
            let mut node = NodeSettings::new(name, address);
            node.lease = Duration::from_secs(args.lease_seconds);
            let store = PostgresStore::open(PostgresOptions {
                url: url.clone(),
                node,
                metrics,
                schema: i64::MAX,
            })
            .await?;
            tracing::info!(db = %args.db, node = %store.node().id, "database open");
            Ok(Opened::Postgres(store))
        }
    }
}

/// Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
