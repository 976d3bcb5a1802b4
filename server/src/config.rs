//! The server's settings: plain values, from the command line or a test, with defaults
//! sized for small groups on a small machine. What the server works with (its store,
//! clock, counters) is built from them, apart: [`crate::services`].

use shared::Limits;
use std::path::PathBuf;
use std::time::Duration;

/// Where the browser client's files (`index.html`, `pkg/`, ...) come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Site {
    /// A directory built by `cargo xtask build` (`--static-dir`): for development, or to
    /// serve another build of the client than the one inside the binary.
    Dir(PathBuf),
    /// The files built into this binary by `cargo xtask dist` (feature `embedded-site`).
    Embedded,
}

impl Site {
    /// The site built into this binary, if it was built with one.
    pub fn built_in() -> Option<Site> {
        cfg!(feature = "embedded-site").then_some(Site::Embedded)
    }
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Where the browser client's files come from; none serves a short notice.
    pub site: Option<Site>,
    /// Bounds on what participants send.
    pub limits: Limits,
    /// How long a dropped participant keeps their place in the hand queue.
    pub grace: Duration,
    /// Rooms one server holds in memory at most: sessions in use. Stored sessions
    /// nobody is in do not count (see `idle_room`).
    pub max_rooms: usize,
    /// How long a room nobody is connected to stays in memory before it is put away;
    /// the next person to join loads it again from the store.
    pub idle_room: Duration,
    /// How long a session is kept after it was closed (or, never closed, after it was
    /// created) before it is deleted with everything stored about it; `None` keeps
    /// sessions until their facilitator deletes them.
    pub keep_sessions: Option<Duration>,
    /// Frames waiting to be written to one connection before it counts as too slow.
    pub outgoing_queue: usize,
    /// Commands waiting for a room's actor.
    pub room_mailbox: usize,
    /// The largest WebSocket message handled, in bytes. A larger one (up to
    /// `frame_hard_limit_bytes`) is refused with `frame_too_large` and the connection
    /// carries on.
    pub max_frame_bytes: usize,
    /// The largest WebSocket message read at all. The WebSocket layer stops at the header
    /// of a larger one, so the stream cannot go on: the sender gets `frame_too_large`,
    /// then a close frame with code 1009 (message too big).
    pub frame_hard_limit_bytes: usize,
    /// Open WebSocket connections from one address (an IPv4 address, or an IPv6 /64);
    /// one more is refused with HTTP 429. 0: no limit.
    pub max_connections_per_address: usize,
    /// Frames one connection may send per second, sustained (a token bucket); over it,
    /// each frame is refused with `rate_limited`. 0: no limit.
    pub commands_per_second: u32,
    /// Frames one connection may send at once before the rate applies (the bucket's size).
    pub command_burst: u32,
    /// Frames refused with `rate_limited` (one forgiven per second) before the connection
    /// is ended with `bye` and reason `abuse`.
    pub abuse_strikes: u32,
    /// Failed `join` or `resume` attempts (`room_or_key_invalid`) one address may make per
    /// minute, in bursts of as many; beyond, every attempt from it is refused with
    /// `rate_limited` before the room is even looked up. 0: no limit.
    pub join_failures_per_minute: u32,
    /// Sessions one address may create per hour, in bursts of as many; beyond,
    /// `POST /api/sessions` answers 429 `rate_limited`. 0: no limit.
    pub sessions_per_address_per_hour: u32,
    /// Web origins allowed to open the WebSocket besides the server's own (the origin of
    /// its `Host`), such as `https://codev.example.org`.
    pub allowed_origins: Vec<String>,
    /// The request header in which a trusted reverse proxy gives the client's address
    /// (`X-Forwarded-For`: its last entry; `X-Real-IP`). None: the TCP peer's address.
    pub client_ip_header: Option<String>,
    /// The bearer token `/metrics` asks for. None: `/metrics` answers only clients on
    /// this machine (loopback), as the client address is understood above.
    pub metrics_token: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            site: None,
            limits: Limits::default(),
            grace: Duration::from_secs(120),
            max_rooms: 10_000,
            idle_room: Duration::from_secs(600),
            keep_sessions: None,
            outgoing_queue: 256,
            room_mailbox: 512,
            max_frame_bytes: 16 * 1024,
            frame_hard_limit_bytes: 64 * 1024,
            max_connections_per_address: 64,
            commands_per_second: 10,
            command_burst: 100,
            abuse_strikes: 100,
            join_failures_per_minute: 30,
            sessions_per_address_per_hour: 60,
            allowed_origins: Vec::new(),
            client_ip_header: None,
            metrics_token: None,
        }
    }
}
