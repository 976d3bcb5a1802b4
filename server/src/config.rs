//! The server's settings, with defaults sized for small groups on a small machine.

use crate::clock::{Clock, SystemClock};
use crate::storage::{MemoryStore, Store};
use shared::Limits;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct Config {
    /// The built browser client (index.html and pkg/); none serves a short notice.
    pub static_dir: Option<PathBuf>,
    /// Bounds on what participants send.
    pub limits: Limits,
    /// How long a dropped participant keeps their place in the hand queue.
    pub grace: Duration,
    /// Rooms one server holds at most.
    pub max_rooms: usize,
    /// Frames waiting to be written to one connection before it counts as too slow.
    pub outgoing_queue: usize,
    /// Commands waiting for a room's actor.
    pub room_mailbox: usize,
    /// The largest WebSocket message accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Where time comes from.
    pub clock: Arc<dyn Clock>,
    /// Where rooms are kept across restarts. The binary opens a SQLite file; the
    /// default keeps them in memory only, for tests.
    pub store: Arc<dyn Store>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            static_dir: None,
            limits: Limits::default(),
            grace: Duration::from_secs(120),
            max_rooms: 10_000,
            outgoing_queue: 256,
            room_mailbox: 512,
            max_frame_bytes: 16 * 1024,
            clock: Arc::new(SystemClock),
            store: Arc::new(MemoryStore::new()),
        }
    }
}
