//! The authoritative co-development session server.
//!
//! One process serves the built browser client, a small HTTP API to create sessions, and
//! the WebSocket every participant's page keeps open. Each room is owned by one tokio
//! task ([`room`]): it alone changes the room, by running the pure rules of
//! [`shared::logic`], so every change has one place in one total order. Connections
//! ([`connection`]) only translate between the socket and the room's mailbox; the
//! [`registry`] only finds rooms. No room state sits behind a lock.

pub mod clock;
pub mod config;
pub mod connection;
pub mod http;
pub mod registry;
pub mod room;
pub mod secrets;

pub use config::Config;

use axum::serve::ListenerExt;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Serve on `listener` until `shutdown` completes, then tell every connected page to
/// reconnect later and stop.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = http::AppState {
        registry: registry::Registry::new(Arc::new(config.clone())),
        config: Arc::new(config),
        stopping: stop_rx,
    };
    let app = http::router(state);
    // Frames are small and latency matters more than packet count: no Nagle delay.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: closing connections");
            let _ = stop_tx.send(true);
        })
        .await
}
