//! The authoritative co-development session server.
//!
//! One process serves the built browser client, a small HTTP API to create sessions, and
//! the WebSocket every participant's page keeps open. Each room is owned by one tokio
//! task ([`room`]): it alone changes the room, by running the pure rules of
//! [`shared::logic`], so every change has one place in one total order. Connections
//! ([`connection`]) only translate between the socket and the room's mailbox; the
//! [`registry`] only finds rooms. No room state sits behind a lock. Rooms outlive the
//! process through [`storage`]: every event is durable before its sender hears back.

pub mod actor;
pub mod app_state;
pub mod calendar;
pub mod clock;
pub mod config;
pub mod connection;
pub mod frames;
pub mod group;
pub mod guard;
pub mod haproxy;
pub mod http;
pub mod logging;
pub mod metrics;
pub mod registry;
pub mod retention;
pub mod room;
pub mod secrets;
pub mod services;
pub mod storage;

pub use config::{Config, Site};
pub use services::Services;

use axum::serve::ListenerExt;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// How long a stopping server waits for the last writes to become durable.
const FLUSH_PATIENCE: std::time::Duration = std::time::Duration::from_secs(30);

/// Serve on `listener` (rooms are loaded as people come to them) until `shutdown` completes; then
/// stop accepting, tell every connected page to reconnect later, and wait until
/// everything queued for the disk is durable.
pub async fn serve(
    listener: TcpListener,
    config: Config,
    services: Services,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let config = Arc::new(config);
    let observers = storage::journal::Observers {
        metrics: services.metrics.clone(),
        health: services.storage_health.clone(),
    };
    let journal = storage::Journal::start_observed(services.store.clone(), observers)?;
    // Sessions are loaded from the store when someone comes to one, not here.
    let registry = registry::Registry::new(config.clone(), services.clone(), journal.clone());
    // Sessions past retention go before anyone can open them, then once an hour.
    let retention = match config.keep_sessions {
        Some(keep) => {
            let deleted = retention::delete_expired(&registry, services.clock.as_ref(), keep).await;
            tracing::info!(deleted, "sessions and groups past retention deleted");
            let pass = retention::every_hour(registry.clone(), services.clock.clone(), keep);
            Some(tokio::spawn(pass))
        }
        None => None,
    };
    let (stop_tx, stop_rx) = watch::channel(false);
    let state = app_state::AppState {
        registry,
        guard: guard::Guard::new(config.clone(), services.clock.clone()),
        config,
        services,
        stopping: stop_rx,
    };
    let app = http::router(state);
    // Frames are small and latency matters more than packet count: no Nagle delay.
    let listener = listener.tap_io(|tcp| {
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "could not set TCP_NODELAY");
        }
    });
    // Limits per address need the peer's address (`guard::ClientAddr`).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            tracing::info!("shutting down: closing connections");
            let _ = stop_tx.send(true);
        })
        .await;
    if let Some(pass) = retention {
        pass.abort();
    }
    // Nothing unacknowledged was promised to anyone, so a disk that keeps failing
    // does not hold the process hostage.
    match tokio::time::timeout(FLUSH_PATIENCE, journal.flush()).await {
        Ok(Ok(())) => tracing::info!("every accepted event is on disk"),
        Ok(Err(_)) => tracing::error!("the journal stopped before it was flushed"),
        Err(_) => tracing::error!(
            "the disk did not take the last events in time; they were never acknowledged"
        ),
    }
    served
}
