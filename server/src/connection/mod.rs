//! One WebSocket connection: frames in, frames out, nothing else.
//!
//! The task ([`Connection`]) reads the socket, turns each text frame into a
//! message ([`incoming`]) and hands it to the room or group; it writes whatever that
//! queued for it. Bad frames get a typed rejection and the connection carries on. It
//! holds no room or group state. It lives in two phases, each a method of its own: in
//! the [`lobby`] until a `join` or `resume` seats it in a room (or a `join_group` or
//! `resume_group` in a group), then [`seated`] there until it ends: one connection is
//! in a room or a group, never both. One value,
//! [`Shutdown`], says when it must end from outside (the server stopping, its room
//! letting go), and [`farewell`] how it ends. It is generic over the socket's two halves,
//! so that its unit tests drive it through channels, without a network.
//!
//! It also enforces what is owed per connection before anything reaches a room
//! ([`crate::guard`]): the frame rate (over it, `rate_limited`; flooding on, `bye` with
//! `abuse`), the frame size (over `max_frame_bytes`, `frame_too_large`; over the hard
//! limit, `frame_too_large` and close), and the pace of failed entries from its address.

mod farewell;
mod incoming;
mod lobby;
mod seated;
mod shutdown;
#[cfg(test)]
mod tests;

use crate::app_state::AppState;
use crate::frames;
use crate::guard::{Admit, CommandRate, Visitor, flood};
use crate::room::{ConnId, Frame};
use axum::extract::ws::{Message, Utf8Bytes, WebSocket};
use farewell::Farewell;
use futures_util::{Sink, SinkExt, Stream, StreamExt};
use incoming::Incoming;
use shared::wire::{ByeReason, ServerMessage};
use shared::{ErrorCode, Rejection};
use shutdown::Shutdown;
use std::sync::Arc;
use tokio::sync::mpsc;

/// Where the connection writes: the socket's sending half (a channel in unit tests).
pub trait FrameSink: Sink<Message, Error = axum::Error> + Unpin + Send {}
impl<T: Sink<Message, Error = axum::Error> + Unpin + Send> FrameSink for T {}

/// Where the connection reads: the socket's receiving half (a channel in unit tests).
pub trait FrameStream: Stream<Item = Result<Message, axum::Error>> + Unpin + Send {}
impl<T: Stream<Item = Result<Message, axum::Error>> + Unpin + Send> FrameStream for T {}

/// Serve one upgraded socket until it closes. Not an `async fn`: one would keep its
/// arguments (the socket, the state) beside the task's own copies for the connection's
/// whole life (`docs/benchmarks.md`, S3).
pub fn serve(
    socket: WebSocket,
    app: AppState,
    visitor: Visitor,
) -> impl Future<Output = ()> + Send {
    let (sink, stream) = socket.split();
    Connection::new(app, visitor, sink, stream).run()
}

/// One connection's task: the socket's halves, whose connection it is, and what ends it.
pub struct Connection<Si, St> {
    conn: ConnId,
    app: AppState,
    visitor: Visitor,
    rate: CommandRate,
    sink: Si,
    stream: St,
    shutdown: Shutdown,
}

/// What woke the connection up.
enum Wake {
    Incoming(Option<Result<Message, axum::Error>>),
    Outgoing(Frame),
    Ended(Farewell),
}

impl<Si: FrameSink, St: FrameStream> Connection<Si, St> {
    pub fn new(app: AppState, visitor: Visitor, sink: Si, stream: St) -> Self {
        Connection {
            conn: ConnId::next(),
            rate: visitor.command_rate(),
            shutdown: Shutdown::new(app.stopping.clone()),
            app,
            visitor,
            sink,
            stream,
        }
    }

    /// The lobby, then the room, then the farewell.
    pub async fn run(mut self) {
        let _open = self.app.services.metrics.connection_opened();
        let farewell = match self.lobby().await {
            Ok(mut seated) => {
                let farewell = self.seated(&mut seated).await;
                // The room lets go first: nothing more is queued for a connection on its
                // way out, and the others see it leave without waiting for its goodbye.
                seated.leave(self.conn).await;
                farewell
            }
            Err(farewell) => farewell,
        };
        // Boxed: it runs once, at the end, and would otherwise size the task for its life.
        let metrics = &self.app.services.metrics;
        Box::pin(farewell::part(self.sink, self.stream, farewell, metrics)).await;
        // The address's slot is free before the connection stops being counted (`_open`
        // goes at the very end), so whoever sees the count fall finds the slot free.
        drop(self.visitor);
    }

    /// The next text frame to act on. Meanwhile it refuses what the rate limit refuses
    /// and binary frames, writes what the room queued (`queue`, once seated), and ends
    /// on the client's close, a broken socket, a flood or [`Shutdown`].
    async fn next_text(
        &mut self,
        mut queue: Option<&mut mpsc::Receiver<Frame>>,
    ) -> Result<Utf8Bytes, Farewell> {
        loop {
            let wake = {
                let outgoing = async {
                    match queue.as_deref_mut() {
                        Some(queue) => queue.recv().await,
                        None => std::future::pending().await,
                    }
                };
                tokio::select! {
                    incoming = self.stream.next() => Wake::Incoming(incoming),
                    Some(out) = outgoing => Wake::Outgoing(out),
                    ended = self.shutdown.recv() => Wake::Ended(ended),
                }
            };
            if let Wake::Incoming(Some(Ok(message))) = &wake {
                match self.rate.admit(message, self.app.services.clock.now()) {
                    Admit::Yes => {}
                    Admit::Refuse { id, rejection } => {
                        self.say(self.refusal(id, rejection)).await?;
                        continue;
                    }
                    Admit::Disconnect => {
                        tracing::info!(addr = %self.visitor.addr, "connection dropped for abuse");
                        return Err(Farewell::Bye(ByeReason::Abuse));
                    }
                }
            }
            match wake {
                Wake::Incoming(Some(Ok(Message::Text(text)))) => return Ok(text),
                Wake::Incoming(Some(Ok(Message::Binary(bytes)))) => {
                    let max = self.app.config.max_frame_bytes;
                    let refusal = if bytes.len() > max {
                        flood::too_large(max)
                    } else {
                        Rejection::new(ErrorCode::Malformed, "frames are JSON text")
                    };
                    self.say(self.refusal(None, refusal)).await?;
                }
                // Pings are answered by the WebSocket layer.
                Wake::Incoming(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
                Wake::Incoming(Some(Ok(Message::Close(_))) | None) => {
                    return Err(Farewell::Silent);
                }
                // The stream cannot be read on: a frame over the hard limit, a text frame
                // that is not UTF-8 (both said before closing), or a broken socket.
                Wake::Incoming(Some(Err(error))) => {
                    tracing::debug!(%error, "connection error");
                    let hard_limit = self.app.config.frame_hard_limit_bytes;
                    return Err(Farewell::after(&error, hard_limit));
                }
                Wake::Outgoing(first) => {
                    let Some(queue) = queue.as_deref_mut() else {
                        continue;
                    };
                    let written = write_queued(&mut self.sink, first, queue);
                    settle(self.shutdown.unless(written).await)?;
                }
                Wake::Ended(farewell) => return Err(farewell),
            }
        }
    }

    /// A text frame as a message of the protocol, or the refusal to send back.
    fn read(&self, text: &str) -> Result<Incoming, Message> {
        let max = self.app.config.max_frame_bytes;
        if text.len() > max {
            return Err(self.refusal(flood::command_id(text), flood::too_large(max)));
        }
        incoming::read(text).map_err(|error| {
            let refusal = Rejection::new(ErrorCode::Malformed, format!("not a message: {error}"));
            self.refusal(None, refusal)
        })
    }

    /// The answer to a `ping`, in either phase.
    fn pong(&self, nonce: u64) -> Message {
        Message::Text(frames::encode(&ServerMessage::Pong {
            nonce,
            server_time: self.app.services.clock.now(),
        }))
    }

    /// A refusal frame, counted in the metrics by its code.
    fn refusal(&self, id: Option<u64>, rejection: Rejection) -> Message {
        Message::Text(frames::refusal(&self.app.services.metrics, id, rejection))
    }

    /// Write one frame, unless the connection must end first.
    async fn say(&mut self, message: Message) -> Result<(), Farewell> {
        settle(self.shutdown.unless(self.sink.send(message)).await)
    }
}

/// A write's outcome: done, the socket failed (nothing more to say), or the connection
/// must end for another reason.
fn settle(outcome: Result<Result<(), axum::Error>, Farewell>) -> Result<(), Farewell> {
    match outcome {
        Ok(Ok(())) => Ok(()),
        Ok(Err(_)) => Err(Farewell::Silent),
        Err(farewell) => Err(farewell),
    }
}

/// Bytes read from the socket at once: commands are a few hundred bytes, and the buffer
/// is zero-filled before every read and kept for the connection's lifetime (axum's
/// 128 KiB default cost far more: `docs/benchmarks.md`, S1 and S3).
pub const READ_BUFFER: usize = 1024;
/// Bytes of frames gathered before they are written mid-batch (a batch is flushed at
/// its end anyway, see [`write_queued`]). Small, because the buffer keeps its largest
/// size for the connection's lifetime (`docs/benchmarks.md`, S3).
pub const WRITE_BUFFER: usize = 512;
/// Bytes a connection's write buffer may hold while the socket does not take them: above
/// the largest frame the server sends (a snapshot of a full room). A client that stops
/// reading is stopped by its bounded frame queue long before this.
pub const MAX_WRITE_BUFFER: usize = 8 * 1024 * 1024;
/// Frames written with one flush at most.
const WRITE_BATCH: usize = 64;

/// Write `first` and whatever else is already queued for this connection, then flush
/// once: a burst of events costs one system call, not one per frame.
async fn write_queued(
    sink: &mut impl FrameSink,
    first: Frame,
    queue: &mut mpsc::Receiver<Frame>,
) -> Result<(), axum::Error> {
    sink.feed(Message::Text(unshare(first))).await?;
    for _ in 1..WRITE_BATCH {
        let Ok(frame) = queue.try_recv() else { break };
        sink.feed(Message::Text(unshare(frame))).await?;
    }
    sink.flush().await
}

/// The frame's bytes, for the socket: taken as they are by the last recipient, shared
/// (a reference count) by the others.
fn unshare(frame: Frame) -> Utf8Bytes {
    Arc::try_unwrap(frame).unwrap_or_else(|shared| Utf8Bytes::clone(&shared))
}
