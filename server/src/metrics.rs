//! What the server counts, served at `GET /metrics` in the Prometheus text format
//! (version 0.0.4), through the official `prometheus-client` crate.
//!
//! Each server has its own [`Metrics`] (in its [`Services`](crate::Services)), so several
//! servers in one process (the tests) never mix their counts, and nothing is global.
//! Counting is an atomic add on the hot path; the text is only built when scraped.
//! Rates (commands or events per second) are what Prometheus computes from counters:
//! `rate(codev_events_total[1m])`.
//!
//! Nothing here carries content or identities: names of commands and codes of refusals,
//! never who sent what. Still, how many sessions run and what people do in them is
//! nobody else's business: `/metrics` answers clients on the server's own machine, or
//! anyone presenting the bearer token the server was given (`--metrics-token`); who may
//! read it is decided where it is served, in `http::metrics`.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::{Metric, Registry};
use shared::ErrorCode;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

pub use prometheus_client::encoding::prometheus_text::CONTENT_TYPE;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CommandLabel {
    command: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CodeLabel {
    code: String,
}

/// The server's counters, gauges and histograms.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    rooms: Gauge,
    rooms_loaded: Counter,
    rooms_put_away: Counter,
    sessions_expired: Counter,
    connections: Gauge,
    commands: Family<CommandLabel, Counter>,
    rejected: Family<CodeLabel, Counter>,
    events: Counter,
    deliveries: Counter,
    slow_consumers: Counter,
    commit_seconds: Histogram,
    durable_wait_seconds: Histogram,
    committed_writes: Counter,
    failed_commits: Counter,
    claims: Counter,
    takeovers: Counter,
    lost_to_fencing: Counter,
    failed_lease_renewals: Counter,
    /// The number of open connections, which the `connections` gauge shows when scraped;
    /// a watch, so that tests can wait for it to change.
    open: Arc<watch::Sender<i64>>,
    /// How many rooms have been put away so far; a watch, so that tests can wait for a
    /// room to be put away.
    put_away: watch::Sender<u64>,
    /// Groups put away so far, for tests to wait on.
    groups_put_away: watch::Sender<u64>,
}

/// Registers each metric under its name and help, and hands it back to be kept.
struct Registering<'a>(&'a mut Registry);

impl Registering<'_> {
    fn metric<M: Metric + Clone>(&mut self, name: &str, help: &str, metric: M) -> M {
        self.0.register(name, help, metric.clone());
        metric
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::with_prefix("codev");
        let mut add = Registering(&mut registry);
        // Commit times: 0.1 ms to 3.3 s.
        let storage_buckets = || Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        let rooms = add.metric(
            "rooms",
            "Sessions in memory: someone is in them, or was a short while ago",
            Gauge::default(),
        );
        let rooms_loaded = add.metric(
            "rooms_loaded",
            "Stored sessions loaded into memory because someone came to them",
            Counter::default(),
        );
        let rooms_put_away = add.metric(
            "rooms_put_away",
            "Sessions taken out of memory after nobody was connected for a while (they stay stored)",
            Counter::default(),
        );
        let sessions_expired = add.metric(
            "sessions_expired",
            "Sessions deleted because they were past retention (--keep-sessions-days)",
            Counter::default(),
        );
        let connections = add.metric(
            "connections",
            "Open WebSocket connections",
            Gauge::default(),
        );
        let commands = add.metric(
            "commands",
            "Commands handled by rooms, accepted or not, by command",
            Family::<CommandLabel, Counter>::default(),
        );
        let rejected = add.metric(
            "rejected_commands",
            "Commands refused by a room's rules, by error code",
            Family::<CodeLabel, Counter>::default(),
        );
        let events = add.metric("events", "Events published by rooms", Counter::default());
        let deliveries = add.metric(
            "event_deliveries",
            "Event frames queued to connections (one per event and recipient)",
            Counter::default(),
        );
        let slow_consumers = add.metric(
            "slow_consumer_disconnects",
            "Connections dropped because their outgoing queue was full",
            Counter::default(),
        );
        let commit_seconds = add.metric(
            "storage_commit_seconds",
            "Time to make one batch of writes durable (one transaction)",
            storage_buckets(),
        );
        let durable_wait_seconds = add.metric(
            "storage_durable_wait_seconds",
            "Time from a room queueing its writes to their being durable (what every event waits before it goes out)",
            storage_buckets(),
        );
        let committed_writes = add.metric(
            "storage_writes",
            "Writes made durable (events, seats, rooms)",
            Counter::default(),
        );
        let failed_commits = add.metric(
            "storage_failed_commits",
            "Commits that failed; each is retried until it succeeds, and nothing it holds is acknowledged meanwhile",
            Counter::default(),
        );
        let claims = add.metric(
            "claims",
            "Rooms and groups this node made its own to load them (always granted with one node)",
            Counter::default(),
        );
        let takeovers = add.metric(
            "takeovers",
            "Claims that took a room or group from another node whose lease had lapsed",
            Counter::default(),
        );
        let lost_to_fencing = add.metric(
            "lost_to_fencing",
            "Rooms and groups a commit wrote nothing for because another node owned them by then",
            Counter::default(),
        );
        let failed_lease_renewals = add.metric(
            "failed_lease_renewals",
            "Renewals of this node's lease that failed or found it lapsed (PostgreSQL only)",
            Counter::default(),
        );
        Metrics {
            registry,
            claims,
            takeovers,
            lost_to_fencing,
            failed_lease_renewals,
            rooms,
            rooms_loaded,
            rooms_put_away,
            sessions_expired,
            connections,
            commands,
            rejected,
            events,
            deliveries,
            slow_consumers,
            commit_seconds,
            durable_wait_seconds,
            committed_writes,
            failed_commits,
            open: Arc::new(watch::channel(0).0),
            put_away: watch::channel(0).0,
            groups_put_away: watch::channel(0).0,
        }
    }

    /// A stored room was loaded into memory.
    pub fn room_loaded(&self) {
        self.rooms_loaded.inc();
    }

    /// An idle room was taken out of memory.
    pub fn room_put_away(&self) {
        self.rooms_put_away.inc();
        self.put_away.send_modify(|count| *count += 1);
    }

    /// Sessions past retention were deleted.
    pub fn sessions_expired(&self, count: usize) {
        self.sessions_expired.inc_by(count as u64);
    }

    /// An idle group was taken out of memory.
    pub fn group_put_away(&self) {
        self.groups_put_away.send_modify(|count| *count += 1);
    }

    /// Groups put away so far, as they are.
    pub fn groups_put_away(&self) -> watch::Receiver<u64> {
        self.groups_put_away.subscribe()
    }

    /// How many rooms have been put away so far, as it changes.
    pub fn rooms_put_away(&self) -> watch::Receiver<u64> {
        self.put_away.subscribe()
    }

    /// A room handles a command named `name`.
    pub fn command(&self, name: &'static str) {
        self.commands
            .get_or_create(&CommandLabel { command: name })
            .inc();
    }

    /// A room refused a command.
    pub fn rejected(&self, code: ErrorCode) {
        let code = serde_json::to_value(code)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_else(|| format!("{code:?}"));
        self.rejected.get_or_create(&CodeLabel { code }).inc();
    }

    /// A room published an event to `recipients` connections.
    pub fn event(&self, recipients: usize) {
        self.events.inc();
        self.deliveries.inc_by(recipients as u64);
    }

    /// A connection was dropped for not keeping up.
    pub fn slow_consumer(&self) {
        self.slow_consumers.inc();
    }

    /// The journal made `writes` durable in one commit that took `took`.
    pub fn committed(&self, writes: usize, took: Duration) {
        self.commit_seconds.observe(took.as_secs_f64());
        self.committed_writes.inc_by(writes as u64);
    }

    /// This node claimed a room or group, taking it from a lapsed node if `took_over`.
    pub fn claimed(&self, took_over: bool) {
        self.claims.inc();
        if took_over {
            self.takeovers.inc();
        }
    }

    /// A commit wrote nothing for `count` rooms or groups another node owns now.
    pub fn lost_to_fencing(&self, count: usize) {
        self.lost_to_fencing.inc_by(count as u64);
    }

    /// A renewal of this node's lease failed, or found it lapsed.
    pub fn lease_renewal_failed(&self) {
        self.failed_lease_renewals.inc();
    }

    /// A commit failed (it is retried).
    pub fn commit_failed(&self) {
        self.failed_commits.inc();
    }

    /// Writes a room queued together became durable `waited` after being queued.
    pub fn durable_after(&self, waited: Duration) {
        self.durable_wait_seconds.observe(waited.as_secs_f64());
    }

    /// Count a connection as open until the returned guard is dropped.
    pub fn connection_opened(&self) -> OpenConnection {
        self.open.send_modify(|open| *open += 1);
        OpenConnection(self.open.clone())
    }

    /// The number of open connections, as it changes: a test waits on it for the
    /// server to have let go of a connection (its address's slot is free by then).
    pub fn open_connections(&self) -> watch::Receiver<i64> {
        self.open.subscribe()
    }

    /// The exposition text.
    pub fn render(&self, rooms: usize) -> String {
        self.rooms.set(rooms as i64);
        self.connections.set(*self.open.borrow());
        let mut text = String::new();
        if let Err(error) =
            prometheus_client::encoding::prometheus_text::encode(&mut text, &self.registry)
        {
            tracing::error!(%error, "could not encode the metrics");
        }
        text
    }
}

/// An open connection, counted until dropped.
#[derive(Debug)]
pub struct OpenConnection(Arc<watch::Sender<i64>>);

impl Drop for OpenConnection {
    fn drop(&mut self) {
        self.0.send_modify(|open| *open -= 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_prometheus_text_format() {
        let metrics = Metrics::new();
        metrics.command("post_note");
        metrics.command("post_note");
        metrics.rejected(ErrorCode::WrongStep);
        metrics.event(5);
        metrics.committed(3, Duration::from_micros(700));
        let open = metrics.connection_opened();
        let text = metrics.render(2);
        for line in [
            "codev_rooms 2",
            "codev_connections 1",
            "codev_commands_total{command=\"post_note\"} 2",
            "codev_rejected_commands_total{code=\"wrong_step\"} 1",
            "codev_events_total 1",
            "codev_event_deliveries_total 5",
            "codev_storage_writes_total 3",
            "codev_storage_commit_seconds_count 1",
            "codev_storage_commit_seconds_bucket{le=\"0.0008\"} 1",
        ] {
            assert!(text.lines().any(|l| l == line), "{line} in\n{text}");
        }
        drop(open);
        assert!(
            metrics
                .render(2)
                .lines()
                .any(|l| l == "codev_connections 0")
        );
    }
}
