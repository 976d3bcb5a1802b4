//! A protocol-speaking WebSocket client for tests, on tokio-tungstenite.
//!
//! It keeps its copy of the room with the browser's own code: every message it receives
//! goes into a [`shared::replica::Replica`] (snapshot, then events applied with
//! `RoomState::apply`), which the client derefs to, so `client.seq`, `client.state`,
//! `client.me` and `client.my_notes` are the replica's. Stricter than a page: where the
//! replica would ask for a snapshot after a gap, or skip an event it already has, the
//! test client fails the test, since the server must never skip or repeat a number.
//! Every message it receives is kept, raw and parsed, so tests can inspect all of them.
//! Waiting is bounded: a read that takes longer than [`PATIENCE`] fails the test.

use futures_util::{SinkExt, StreamExt};
use shared::replica::{Entry, Replica};
use shared::timer::Millis;
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, Event, ParticipantId, Rejection, RoomCode, RoomState};
use std::net::{IpAddr, SocketAddr};
use std::ops::Deref;
use std::time::Duration;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::handshake::client::Request;
use tokio_tungstenite::tungstenite::http::{HeaderName, HeaderValue};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{
    MaybeTlsStream, WebSocketStream, client_async_with_config, connect_async_with_config,
};

/// The longest a test waits for any one message before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub struct WsClient {
    pub label: String,
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    next_id: u64,
    /// The copy of the room, as a page keeps it; read through `Deref`.
    replica: Replica,
    /// The resume token `joined` gave (the replica keeps it as its entry, too).
    pub token: Option<String>,
    /// Every text frame received, as sent.
    pub raw: Vec<String>,
    /// Every message received, parsed.
    pub received: Vec<ServerMessage>,
    /// The code and reason of the server's close frame, once it came.
    pub closed_with: Option<(u16, String)>,
}

impl WsClient {
    pub async fn connect(url: &str, label: &str) -> Self {
        let (socket, _) = connect_async_with_config(url, None, true)
            .await
            .expect("WebSocket connect");
        Self::with_socket(socket, label)
    }

    /// Connect with extra handshake headers (an `Origin`, say). A refused handshake
    /// gives the HTTP status and body the server answered with.
    pub async fn connect_with_headers(
        url: &str,
        label: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, (u16, String)> {
        let request = request_with_headers(url, headers);
        let connected = connect_async_with_config(request, None, true).await;
        Self::handshaken(connected.map(|(socket, _)| socket), label)
    }

    /// Like [`connect_with_headers`](Self::connect_with_headers), from the local address
    /// `source` (on loopback, any of 127.0.0.0/8): a proxy in front of the server then
    /// sees the test as a client of that address.
    pub async fn connect_from(
        source: IpAddr,
        url: &str,
        label: &str,
        headers: &[(&str, &str)],
    ) -> Result<Self, (u16, String)> {
        let request = request_with_headers(url, headers);
        let uri = request.uri();
        let host = uri.host().expect("a host in the WebSocket URL");
        let port = uri.port_u16().unwrap_or(80);
        let target: SocketAddr = format!("{host}:{port}").parse().expect("an IP address");
        let socket = if target.is_ipv4() {
            TcpSocket::new_v4()
        } else {
            TcpSocket::new_v6()
        }
        .expect("a TCP socket");
        socket
            .bind(SocketAddr::new(source, 0))
            .unwrap_or_else(|e| panic!("{label}: bind {source}: {e}"));
        let stream = socket
            .connect(target)
            .await
            .unwrap_or_else(|e| panic!("{label}: connect to {target}: {e}"));
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let connected =
            client_async_with_config(request, MaybeTlsStream::Plain(stream), None).await;
        Self::handshaken(connected.map(|(socket, _)| socket), label)
    }

    /// The client on a handshaken socket, or the HTTP status and body of a refusal.
    fn handshaken(
        connected: Result<WebSocketStream<MaybeTlsStream<TcpStream>>, WsError>,
        label: &str,
    ) -> Result<Self, (u16, String)> {
        match connected {
            Ok(socket) => Ok(Self::with_socket(socket, label)),
            Err(WsError::Http(response)) => {
                let status = response.status().as_u16();
                let body = response
                    .body()
                    .as_ref()
                    .map(|body| String::from_utf8_lossy(body).into_owned())
                    .unwrap_or_default();
                Err((status, body))
            }
            Err(error) => panic!("{label}: WebSocket connect: {error}"),
        }
    }

    fn with_socket(socket: WebSocketStream<MaybeTlsStream<TcpStream>>, label: &str) -> Self {
        WsClient {
            label: label.to_owned(),
            socket,
            next_id: 1,
            // Room and entry are set from the first `join` or `resume` this client sends;
            // the replica's own command ids are never used (commands go out directly).
            replica: Replica::new(
                RoomCode::from(""),
                Entry::Resume {
                    token: String::new(),
                },
                1,
            ),
            token: None,
            raw: Vec::new(),
            received: Vec::new(),
            closed_with: None,
        }
    }

    /// Connect, send the entering message, and wait until seated.
    pub async fn enter(url: &str, label: &str, entering: ClientMessage) -> Self {
        let mut client = Self::connect(url, label).await;
        client.send(&entering).await;
        client.expect_seated().await;
        client
    }

    /// Connect and join as a new participant (or observer).
    pub async fn join(url: &str, room: &str, name: &str, observer: bool) -> Self {
        let entering = ClientMessage::Join {
            protocol_version: PROTOCOL_VERSION,
            room: RoomCode::from(room),
            name: name.to_owned(),
            observer,
            facilitator_key: None,
            member_token: None,
        };
        Self::enter(url, name, entering).await
    }

    /// Connect as a newcomer, send `join`, and return the server's first answer: a
    /// refusal, or `joined`.
    pub async fn first_answer_to_join(url: &str, room: &str, name: &str) -> ServerMessage {
        let mut client = Self::connect(url, name).await;
        client
            .send(&ClientMessage::Join {
                protocol_version: PROTOCOL_VERSION,
                room: RoomCode::from(room),
                name: name.to_owned(),
                observer: false,
                facilitator_key: None,
                member_token: None,
            })
            .await;
        client.recv().await
    }

    /// Connect and take the facilitator's seat with the key.
    pub async fn join_facilitator(url: &str, room: &str, key: &str, name: &str) -> Self {
        let entering = ClientMessage::Join {
            protocol_version: PROTOCOL_VERSION,
            room: RoomCode::from(room),
            name: name.to_owned(),
            observer: false,
            facilitator_key: Some(key.to_owned()),
            member_token: None,
        };
        Self::enter(url, name, entering).await
    }

    /// Connect and come back to a seat with its resume token.
    pub async fn resume(url: &str, room: &str, token: &str, label: &str) -> Self {
        let entering = ClientMessage::Resume {
            protocol_version: PROTOCOL_VERSION,
            room: RoomCode::from(room),
            token: token.to_owned(),
        };
        Self::enter(url, label, entering).await
    }

    /// Read until both `joined` and the first snapshot have arrived.
    pub async fn expect_seated(&mut self) {
        loop {
            match self.recv().await {
                ServerMessage::Snapshot { .. } if self.me.is_some() => return,
                ServerMessage::Rejected { code, message, .. } => {
                    panic!("{}: could not join: {code:?} {message}", self.label)
                }
                _ => {}
            }
        }
    }

    pub async fn send(&mut self, message: &ClientMessage) {
        self.note_entry(message);
        let text = serde_json::to_string(message).expect("encode");
        self.send_raw(&text).await;
    }

    pub async fn send_raw(&mut self, text: &str) {
        self.socket
            .send(Message::text(text))
            .await
            .expect("WebSocket send");
    }

    /// Send any WebSocket message, raw frames included (a text frame that is not
    /// UTF-8, say); false if the connection is gone.
    pub async fn send_message(&mut self, message: Message) -> bool {
        self.socket.send(message).await.is_ok()
    }

    /// Write every frame in one go without reading anything, as a busy or hostile
    /// client does; false if the connection is gone.
    pub async fn send_burst(&mut self, texts: impl IntoIterator<Item = String>) -> bool {
        for text in texts {
            if self.socket.feed(Message::text(text)).await.is_err() {
                return false;
            }
        }
        self.socket.flush().await.is_ok()
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        self.socket
            .send(Message::binary(bytes))
            .await
            .expect("WebSocket send");
    }

    /// The next message, folded into the local copy of the room.
    pub async fn recv(&mut self) -> ServerMessage {
        self.try_recv()
            .await
            .unwrap_or_else(|| panic!("{}: the connection closed", self.label))
    }

    /// Read every message until the connection closes; the reason of the last `bye`
    /// among them, if any.
    pub async fn last_bye(&mut self) -> Option<ByeReason> {
        let mut bye = None;
        while let Some(message) = self.try_recv().await {
            if let ServerMessage::Bye { reason, .. } = message {
                bye = Some(reason);
            }
        }
        bye
    }

    /// The next message, or `None` once the server has closed the connection.
    pub async fn try_recv(&mut self) -> Option<ServerMessage> {
        let text = self.next_text().await?;
        let message: ServerMessage = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: unparsable frame {text}: {e}", self.label));
        self.raw.push(text);
        self.observe(&message);
        self.received.push(message.clone());
        Some(message)
    }

    /// The next text frame as received, or `None` once the server has closed the
    /// connection (a group's frames are read from here: `crate::group_ws`).
    pub async fn next_text(&mut self) -> Option<String> {
        loop {
            let frame = tokio::time::timeout(PATIENCE, self.socket.next())
                .await
                .unwrap_or_else(|_| panic!("{}: nothing received for {PATIENCE:?}", self.label));
            match frame {
                Some(Ok(Message::Text(text))) => return Some(text.to_string()),
                Some(Ok(Message::Close(frame))) => {
                    self.closed_with =
                        frame.map(|frame| (u16::from(frame.code), frame.reason.to_string()));
                    return None;
                }
                None | Some(Err(_)) => return None,
                Some(Ok(_)) => continue,
            }
        }
    }

    /// A `join` or `resume` going out names the room and the way in, as a page's does.
    fn note_entry(&mut self, message: &ClientMessage) {
        match message {
            ClientMessage::Join {
                room,
                name,
                observer,
                facilitator_key,
                member_token,
                ..
            } => {
                self.replica.room_code = room.clone();
                self.replica.entry = match member_token {
                    Some(token) => Entry::Member {
                        token: token.clone(),
                    },
                    None => Entry::Join {
                        name: name.clone(),
                        observer: *observer,
                        facilitator_key: facilitator_key.clone(),
                    },
                };
            }
            ClientMessage::Resume { room, token, .. } => {
                self.replica.room_code = room.clone();
                self.replica.entry = Entry::Resume {
                    token: token.clone(),
                };
            }
            _ => {}
        }
    }

    /// Fold a message into the replica, failing on any gap or repeat in event numbers.
    fn observe(&mut self, message: &ServerMessage) {
        if let ServerMessage::Event { seq, .. } = message {
            let expected = self.replica.seq + 1;
            assert!(
                *seq > self.replica.seq,
                "{}: event {seq} arrived again (the copy is at {}): events arrive once",
                self.label,
                self.replica.seq
            );
            assert_eq!(
                *seq, expected,
                "{}: event {seq} arrived after {}: events arrive in order without gaps",
                self.label, self.replica.seq
            );
        }
        if let ServerMessage::Joined { token, .. } = message {
            self.token = Some(token.clone());
        }
        let reaction = self.replica.receive(message.clone(), local_now());
        // Only a gap makes a replica ask for something (a `sync`), and a gap has failed
        // the test above; its outbox is empty, since commands go out directly.
        assert!(
            reaction.send.is_empty(),
            "{}: the replica wants to send {:?}",
            self.label,
            reaction.send
        );
    }

    /// Number this client's next commands from `first` on. Pages sharing a seat must
    /// not reuse each other's command ids (the server answers a reused id with its
    /// first answer), so a test sharing a seat with other clients picks a fresh range.
    pub fn first_command_id(&mut self, first: u64) {
        self.next_id = first;
    }

    /// Send a command and read until its answer: the room's sequence number after it,
    /// or the rejection.
    pub async fn command(&mut self, command: Command) -> Result<u64, Rejection> {
        let id = self.next_id;
        self.next_id += 1;
        self.command_with_id(id, command).await
    }

    /// Like [`command`](Self::command) with a chosen command id (to test retries).
    pub async fn command_with_id(&mut self, id: u64, command: Command) -> Result<u64, Rejection> {
        self.send(&ClientMessage::Command { id, command }).await;
        loop {
            match self.recv().await {
                ServerMessage::Ack { id: acked, seq } if acked == id => return Ok(seq),
                ServerMessage::Rejected {
                    id: Some(refused),
                    code,
                    message,
                } if refused == id => return Err(Rejection { code, message }),
                _ => {}
            }
        }
    }

    /// Send a command that must succeed.
    pub async fn ok(&mut self, command: Command) -> u64 {
        let name = command.name();
        match self.command(command).await {
            Ok(seq) => seq,
            Err(rejection) => panic!("{}: {name} was refused: {rejection:?}", self.label),
        }
    }

    /// Read until the local copy of the room has caught up with sequence number `seq`.
    pub async fn catch_up(&mut self, seq: u64) {
        while self.seq < seq {
            self.recv().await;
        }
    }

    /// Read until the room satisfies `condition`.
    pub async fn wait_until(&mut self, condition: impl Fn(&RoomState) -> bool) {
        while !self.state.as_ref().is_some_and(&condition) {
            self.recv().await;
        }
    }

    /// Read until an event matching `pattern` arrives, and return it.
    pub async fn wait_event(&mut self, pattern: impl Fn(&Event) -> bool) -> Event {
        loop {
            if let ServerMessage::Event { event, .. } = self.recv().await
                && pattern(&event)
            {
                return event;
            }
        }
    }

    /// Reads until someone is marked away, and says who.
    pub async fn wait_away(&mut self) -> ParticipantId {
        loop {
            if let Event::PresenceChanged {
                participant,
                connected: false,
            } = self
                .wait_event(|e| matches!(e, Event::PresenceChanged { .. }))
                .await
            {
                return participant;
            }
        }
    }

    pub fn state(&self) -> &RoomState {
        self.state.as_ref().expect("a snapshot has arrived")
    }

    pub fn me(&self) -> &ParticipantId {
        self.me.as_ref().expect("joined")
    }

    /// Close the connection from this side.
    pub async fn close(mut self) {
        let _ = self.socket.close(None).await;
    }
}

impl Deref for WsClient {
    type Target = Replica;

    fn deref(&self) -> &Replica {
        &self.replica
    }
}

/// The handshake request for `url`, with extra `headers`.
fn request_with_headers(url: &str, headers: &[(&str, &str)]) -> Request {
    let mut request = url.into_client_request().expect("a WebSocket URL");
    for (name, value) in headers {
        let name: HeaderName = name.parse().expect("a header name");
        let value = HeaderValue::from_str(value).expect("a header value");
        request.headers_mut().insert(name, value);
    }
    request
}

/// The local clock a replica reads (for its estimate of the server's clock), in
/// milliseconds since the Unix epoch.
fn local_now() -> Millis {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as Millis)
}

/// The code of a refusal, or `None` for any other message.
pub fn refusal_code(message: &ServerMessage) -> Option<shared::ErrorCode> {
    match message {
        ServerMessage::Rejected { code, .. } => Some(*code),
        _ => None,
    }
}

#[cfg(test)]
#[path = "ws_tests.rs"]
mod tests;
