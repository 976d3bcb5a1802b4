//! What every request handler and connection task shares: the rooms, the limits, the
//! settings, the services, and whether the server is stopping. Its own module, so that the parts that
//! read it (HTTP handlers, extractors, connections) do not import each other for it.

use crate::config::Config;
use crate::guard::Guard;
use crate::registry::Registry;
use crate::services::Services;
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub struct AppState {
    pub registry: Registry,
    /// Limits per address and per connection.
    pub guard: Guard,
    pub config: Arc<Config>,
    pub services: Services,
    /// Turns true when the server is shutting down.
    pub stopping: watch::Receiver<bool>,
}
