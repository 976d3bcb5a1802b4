//! The server binary: reads its settings, sets up logging and serves until stopped.

use clap::Parser;
use server::Config;
use server::storage::SqliteStore;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tracing_subscriber::EnvFilter;

/// Run co-development sessions: serves the web app and its live WebSocket on one port.
#[derive(Debug, Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "HOST", default_value = "127.0.0.1")]
    host: std::net::IpAddr,
    /// Port to listen on.
    #[arg(long, env = "PORT", default_value_t = 8080)]
    port: u16,
    /// Directory of the built browser client (index.html, pkg/).
    #[arg(long, env = "STATIC_DIR")]
    static_dir: Option<PathBuf>,
    /// Seconds a dropped participant keeps their place in the hand queue.
    #[arg(long, env = "GRACE_SECONDS", default_value_t = 120)]
    grace_seconds: u64,
    /// Most sessions held at once.
    #[arg(long, env = "MAX_ROOMS", default_value_t = 10_000)]
    max_rooms: usize,
    /// The SQLite database file where sessions are kept; created on first run.
    #[arg(long = "db", env = "DB_PATH", default_value = "codev.db")]
    db: PathBuf,
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
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let store = SqliteStore::open(&args.db).await.map_err(|error| {
        std::io::Error::other(format!("database {}: {error}", args.db.display()))
    })?;
    tracing::info!(db = %args.db.display(), "database open");
    let config = Config {
        static_dir: args.static_dir,
        grace: Duration::from_secs(args.grace_seconds),
        max_rooms: args.max_rooms,
        store: Arc::new(store.clone()),
        ..Config::default()
    };
    let listener = tokio::net::TcpListener::bind(SocketAddr::new(args.host, args.port)).await?;
    let address = listener.local_addr()?;
    tracing::info!(%address, "listening");
    println!("Open http://{address}/ in a browser.");
    let served = server::serve(listener, config, shutdown_signal()).await;
    store.close().await;
    served
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
