//! A page as the web client runs it, without the browser: the same copy of the room
//! ([`Replica`]), the same watch for silence ([`Liveness`]), the same reconnection
//! backoff, routing key and following of `moved` (`client/src/link.rs`), over a real
//! WebSocket. The cluster tests run a few hundred of them through a proxy while nodes
//! die, stop and restart, and read what each page went through from its [`PageView`].
//!
//! Each page is a task of its own. Its loop is the browser's: connect (to
//! `/ws?route=…`, asking for a node once after a `moved`), enter, then read frames,
//! send what the test submits, ping a quiet link and give up a silent one every
//! [`TICK`]; once the socket is lost, wait the backoff and connect again.

use futures_util::{SinkExt, StreamExt};
use shared::liveness::Liveness;
use shared::replica::{Entry, Notice, Replica};
use shared::routing::websocket_path;
use shared::timer::Millis;
use shared::wire::{ClientMessage, ServerMessage};
use shared::{Command, RoomCode};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::connect_async;
use tokio_tungstenite::tungstenite::Message;

/// How often a page looks at its link (the browser's interval).
pub const TICK: Duration = Duration::from_millis(250);
/// The longest a connection attempt may take (the browser gives up a hanging one).
const CONNECT_PATIENCE: Duration = Duration::from_millis(7_000);

/// The browser's wait before reconnect attempt `attempt` (1-based): 0.5 s doubling, at
/// most 15 s (`client/src/link.rs`).
pub fn backoff(attempt: u32) -> Duration {
    let ms = 500u64.saturating_mul(1 << attempt.saturating_sub(1).min(5));
    Duration::from_millis(ms.min(15_000))
}

/// What a page has been through, as the test reads it.
#[derive(Clone, Debug, Default)]
pub struct PageView {
    /// Seated, with a current copy of the room.
    pub live: bool,
    /// When it last became live.
    pub live_since: Option<Instant>,
    /// When it last lost its connection (or gave it up as silent).
    pub lost_at: Option<Instant>,
    /// Every (loss, back live) of its life, as durations.
    pub outages: Vec<Duration>,
    /// The sequence number of its copy.
    pub seq: u64,
    /// Commands submitted and not answered yet.
    pub pending: usize,
    /// Connections it has opened.
    pub connections: u32,
    /// `bye` `moved` it was told.
    pub moved: u32,
    /// Refusals for good (the page stops).
    pub fatal: Option<String>,
}

/// A running page: what to submit to it, and what it has been through.
pub struct Page {
    pub label: String,
    submit: mpsc::UnboundedSender<Command>,
    pub view: watch::Receiver<PageView>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: JoinHandle<Replica>,
}

impl Page {
    /// Open a page on the proxy at `base` (`ws://host:port`), entering `room` as
    /// `entry`, routed by `route` (the room's code, or its group's), numbering its
    /// commands from `first_command_id`.
    pub fn open(
        base: &str,
        label: &str,
        room: &str,
        route: &str,
        entry: Entry,
        first_command_id: u64,
    ) -> Page {
        let replica = Replica::new(RoomCode::from(room), entry, first_command_id);
        let (submit, submitted) = mpsc::unbounded_channel();
        let (report, view) = watch::channel(PageView::default());
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let life = Life {
            base: base.to_owned(),
            route: route.to_owned(),
            replica,
            liveness: Liveness::default(),
            follow: None,
            attempts: 0,
            report,
            started: Instant::now(),
        };
        let task = tokio::spawn(life.run(submitted, stopped));
        Page {
            label: label.to_owned(),
            submit,
            view,
            stop: Some(stop),
            task,
        }
    }

    /// Ask the page to do something: sent now if it is live, else on its return.
    pub fn submit(&self, command: Command) {
        let _ = self.submit.send(command);
    }

    /// What it has been through so far.
    pub fn seen(&self) -> PageView {
        self.view.borrow().clone()
    }

    /// Close the page; its copy of the room.
    pub async fn close(mut self) -> Replica {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.task.await.expect("the page's task")
    }
}

/// A page's state across its connections.
struct Life {
    base: String,
    route: String,
    replica: Replica,
    liveness: Liveness,
    /// The node a `moved` named, asked for by the next connection only.
    follow: Option<String>,
    /// Failed attempts since the last live connection.
    attempts: u32,
    report: watch::Sender<PageView>,
    started: Instant,
}

/// How one connection ended.
enum Ended {
    /// Lost, or given up: connect again after the backoff.
    Lost,
    /// The test closed the page.
    Closed,
    /// Refused for good.
    Fatal,
}

impl Life {
    /// Local time, as the page's clock reads it.
    fn now(&self) -> Millis {
        self.started.elapsed().as_millis() as Millis
    }

    async fn run(
        mut self,
        mut submitted: mpsc::UnboundedReceiver<Command>,
        mut stopped: tokio::sync::oneshot::Receiver<()>,
    ) -> Replica {
        loop {
            match self.connection(&mut submitted, &mut stopped).await {
                Ended::Closed | Ended::Fatal => return self.replica,
                Ended::Lost => {}
            }
            self.replica.on_close();
            self.liveness.closed();
            let now = Instant::now();
            self.report.send_modify(|view| {
                if view.live {
                    view.lost_at = Some(now);
                }
                view.live = false;
            });
            self.attempts += 1;
            let wait = tokio::time::sleep(backoff(self.attempts));
            tokio::select! {
                () = wait => {}
                _ = &mut stopped => return self.replica,
            }
        }
    }

    /// One connection, from opening it to losing it.
    async fn connection(
        &mut self,
        submitted: &mut mpsc::UnboundedReceiver<Command>,
        stopped: &mut tokio::sync::oneshot::Receiver<()>,
    ) -> Ended {
        let node = self.follow.take();
        let url = format!(
            "{}{}",
            self.base,
            websocket_path(&self.route, node.as_deref())
        );
        let connected = tokio::time::timeout(CONNECT_PATIENCE, connect_async(url.as_str())).await;
        let Ok(Ok((mut socket, _))) = connected else {
            return Ended::Lost;
        };
        self.report.send_modify(|view| view.connections += 1);
        self.liveness.opened(self.now());
        let first = self.replica.on_open();
        if send(&mut socket, &first).await.is_err() {
            return Ended::Lost;
        }
        let mut ticks = tokio::time::interval(TICK);
        let mut nonce = 0u64;
        loop {
            tokio::select! {
                frame = socket.next() => {
                    let Some(Ok(frame)) = frame else { return Ended::Lost };
                    let Message::Text(text) = frame else { continue };
                    self.liveness.heard(self.now());
                    let Ok(message) = serde_json::from_str::<ServerMessage>(&text) else {
                        continue;
                    };
                    if let Some(ended) = self.heard(message, &mut socket).await {
                        return ended;
                    }
                }
                command = submitted.recv() => {
                    let Some(command) = command else { return Ended::Closed };
                    let now = self.now();
                    if let Some(message) = self.replica.submit(command, now)
                        && send(&mut socket, &message).await.is_err()
                    {
                        return Ended::Lost;
                    }
                    self.publish();
                }
                _ = ticks.tick() => {
                    let now = self.now();
                    if self.liveness.is_silent(now) {
                        return Ended::Lost;
                    }
                    if self.liveness.ping_due(now, self.replica.unanswered_for(now)) {
                        nonce += 1;
                        self.liveness.pinged(now);
                        if send(&mut socket, &ClientMessage::Ping { nonce }).await.is_err() {
                            return Ended::Lost;
                        }
                    }
                }
                _ = &mut *stopped => {
                    let _ = socket.close(None).await;
                    return Ended::Closed;
                }
            }
        }
    }

    /// Fold a message into the copy and act on what it says; how the connection ends,
    /// if it does.
    async fn heard<S>(&mut self, message: ServerMessage, socket: &mut S) -> Option<Ended>
    where
        S: futures_util::Sink<Message> + Unpin,
    {
        let reaction = self.replica.receive(message, self.now());
        for message in &reaction.send {
            if send(socket, message).await.is_err() {
                return Some(Ended::Lost);
            }
        }
        let mut ended = None;
        for notice in reaction.notices {
            match notice {
                Notice::Live => {
                    self.attempts = 0;
                    let now = Instant::now();
                    self.report.send_modify(|view| {
                        view.live = true;
                        if let Some(lost) = view.lost_at {
                            view.outages.push(now - lost);
                        }
                        view.live_since = Some(now);
                    });
                }
                Notice::MovedTo(node) => {
                    self.follow = Some(node);
                    self.report.send_modify(|view| view.moved += 1);
                    ended = Some(Ended::Lost);
                }
                Notice::Bye(reason) => {
                    if reason == shared::wire::ByeReason::Moved {
                        self.report.send_modify(|view| view.moved += 1);
                    }
                    ended = Some(Ended::Lost);
                }
                Notice::Fatal(rejection) => {
                    self.report
                        .send_modify(|view| view.fatal = Some(format!("{rejection:?}")));
                    ended = Some(Ended::Fatal);
                }
                Notice::EntryDeferred(_) => ended = Some(Ended::Lost),
                Notice::Refused { .. } | Notice::Throttled => {}
            }
        }
        self.publish();
        ended
    }

    /// Tell the test where the copy stands.
    fn publish(&self) {
        let seq = self.replica.seq;
        let pending = self.replica.pending().count();
        self.report.send_if_modified(|view| {
            let changed = view.seq != seq || view.pending != pending;
            view.seq = seq;
            view.pending = pending;
            changed
        });
    }
}

async fn send<S>(socket: &mut S, message: &ClientMessage) -> Result<(), ()>
where
    S: futures_util::Sink<Message> + Unpin,
{
    let text = serde_json::to_string(message).map_err(|_| ())?;
    socket.send(Message::text(text)).await.map_err(|_| ())
}
