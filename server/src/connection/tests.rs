//! The connection task driven through channels instead of a socket: the lobby, seating,
//! commands reaching the room, and each way it ends, without a network.

use super::Connection;
use crate::app_state::AppState;
use crate::config::Config;
use crate::guard::{ClientAddr, Guard, Visitor};
use crate::registry::{CreatedRoom, Registry};
use crate::services::Services;
use crate::storage::Journal;
use axum::extract::ws::Message;
use shared::state::Language;
use shared::wire::{ByeReason, ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, ErrorCode, RoomCode};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// A server without a socket: its state, and the switch that stops it.
struct Server {
    app: AppState,
    stop: watch::Sender<bool>,
}

impl Server {
    fn new() -> Server {
        let config = Arc::new(Config::default());
        let services = Services::default();
        let journal = Journal::start(services.store.clone()).expect("journal thread");
        let (stop, stopping) = watch::channel(false);
        let app = AppState {
            registry: Registry::new(config.clone(), services.clone(), journal),
            guard: Guard::new(config.clone(), services.clock.clone()),
            config,
            services,
            stopping,
        };
        Server { app, stop }
    }

    async fn create_room(&self) -> CreatedRoom {
        self.app
            .registry
            .create("Séance".into(), Language::Fr, None)
            .await
            .expect("a new room")
    }

    /// A connection task fed by a channel and writing to one, as a socket would.
    fn connect(&self) -> Client {
        let addr = ClientAddr::of(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let permit = self.app.guard.connect(addr).expect("a connection slot");
        let visitor = Visitor::new(addr, self.app.guard.clone(), permit);
        let (to_server, from_client) = mpsc::unbounded_channel::<Message>();
        let (to_client, from_server) = mpsc::unbounded_channel::<Message>();
        let stream = Box::pin(futures_util::stream::unfold(
            from_client,
            |mut from_client| async move {
                let message = from_client.recv().await?;
                Some((Ok(message), from_client))
            },
        ));
        let sink = Box::pin(futures_util::sink::unfold(
            to_client,
            |to_client, message: Message| async move {
                to_client.send(message).map_err(axum::Error::new)?;
                Ok::<_, axum::Error>(to_client)
            },
        ));
        let connection = Connection::new(self.app.clone(), visitor, sink, stream);
        Client {
            to_server: Some(to_server),
            from_server,
            task: tokio::spawn(connection.run()),
        }
    }
}

/// The other end of a connection's channels.
struct Client {
    to_server: Option<mpsc::UnboundedSender<Message>>,
    from_server: mpsc::UnboundedReceiver<Message>,
    task: JoinHandle<()>,
}

impl Client {
    fn send(&self, message: &ClientMessage) {
        let text = serde_json::to_string(message).expect("encodes");
        self.send_frame(Message::Text(text.into()));
    }

    fn send_frame(&self, frame: Message) {
        let to_server = self.to_server.as_ref().expect("still open");
        to_server.send(frame).expect("the connection reads");
    }

    async fn next_frame(&mut self) -> Message {
        self.from_server.recv().await.expect("a frame")
    }

    async fn next(&mut self) -> ServerMessage {
        match self.next_frame().await {
            Message::Text(text) => serde_json::from_str(&text).expect("a server message"),
            other => panic!("expected a text frame, got {other:?}"),
        }
    }

    async fn join(&mut self, room: &RoomCode, facilitator_key: Option<String>) {
        self.send(&ClientMessage::Join {
            protocol_version: PROTOCOL_VERSION,
            room: room.clone(),
            name: "Ana".into(),
            observer: false,
            facilitator_key,
            member_token: None,
        });
        assert!(matches!(self.next().await, ServerMessage::Joined { .. }));
        assert!(matches!(self.next().await, ServerMessage::Snapshot { .. }));
    }

    /// The server's last words: a `bye` with `reason`, then a close frame.
    async fn told_bye(&mut self, reason: ByeReason) {
        match self.next().await {
            ServerMessage::Bye { reason: said, .. } => assert_eq!(said, reason),
            other => panic!("expected a bye, got {other:?}"),
        }
        assert!(matches!(self.next_frame().await, Message::Close(Some(_))));
    }

    /// Close as a client does, and wait for the task to end.
    async fn close(mut self) {
        self.send_frame(Message::Close(None));
        self.to_server = None;
        self.task.await.expect("the task ends cleanly");
    }
}

fn refused_with(message: ServerMessage) -> (Option<u64>, ErrorCode) {
    match message {
        ServerMessage::Rejected { id, code, .. } => (id, code),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn in_the_lobby_pings_are_answered_and_commands_refused() {
    let server = Server::new();
    let mut client = server.connect();
    client.send(&ClientMessage::Command {
        id: 1,
        command: Command::AcceptCharter,
    });
    assert_eq!(
        refused_with(client.next().await),
        (Some(1), ErrorCode::NotJoined)
    );
    client.send(&ClientMessage::Sync);
    assert_eq!(
        refused_with(client.next().await),
        (None, ErrorCode::NotJoined)
    );
    client.send_frame(Message::Binary(vec![1, 2, 3].into()));
    assert_eq!(
        refused_with(client.next().await),
        (None, ErrorCode::Malformed)
    );
    client.send_frame(Message::Text("{not json".into()));
    assert_eq!(
        refused_with(client.next().await),
        (None, ErrorCode::Malformed)
    );
    client.send(&ClientMessage::Ping { nonce: 9 });
    assert!(matches!(
        client.next().await,
        ServerMessage::Pong { nonce: 9, .. }
    ));
    client.close().await;
}

#[tokio::test]
async fn an_unknown_room_or_another_version_is_refused_and_the_lobby_goes_on() {
    let server = Server::new();
    let created = server.create_room().await;
    let mut client = server.connect();
    client.send(&ClientMessage::Join {
        protocol_version: PROTOCOL_VERSION,
        room: RoomCode::new("nosuchroom"),
        name: "Ana".into(),
        observer: false,
        facilitator_key: None,
        member_token: None,
    });
    assert_eq!(
        refused_with(client.next().await),
        (None, ErrorCode::RoomOrKeyInvalid)
    );
    client.send(&ClientMessage::Resume {
        protocol_version: PROTOCOL_VERSION + 1,
        room: created.code.clone(),
        token: "whatever".into(),
    });
    assert_eq!(
        refused_with(client.next().await),
        (None, ErrorCode::UnsupportedVersion)
    );
    client.join(&created.code, None).await;
    client.close().await;
}

#[tokio::test]
async fn once_seated_commands_reach_the_room_and_a_second_join_is_refused() {
    let server = Server::new();
    let created = server.create_room().await;
    let mut client = server.connect();
    client.join(&created.code, None).await;
    client.send(&ClientMessage::Command {
        id: 1,
        command: Command::AcceptCharter,
    });
    // The room's event, then its answer: both written from the room's queue.
    assert!(matches!(
        client.next().await,
        ServerMessage::Event { seq: 2, .. }
    ));
    assert!(matches!(
        client.next().await,
        ServerMessage::Ack { id: 1, seq: 2 }
    ));
    client.send(&ClientMessage::Join {
        protocol_version: PROTOCOL_VERSION,
        room: created.code.clone(),
        name: "Ana".into(),
        observer: false,
        facilitator_key: None,
        member_token: None,
    });
    assert_eq!(
        refused_with(client.next().await),
        (None, ErrorCode::AlreadyJoined)
    );
    client.send(&ClientMessage::Sync);
    assert!(matches!(
        client.next().await,
        ServerMessage::Snapshot { seq: 2, .. }
    ));
    client.close().await;
}

#[tokio::test]
async fn the_server_stopping_says_bye_and_closes() {
    let server = Server::new();
    let created = server.create_room().await;
    let mut seated = server.connect();
    seated.join(&created.code, None).await;
    let mut waiting = server.connect();
    server.stop.send(true).expect("connections listen");
    for client in [&mut seated, &mut waiting] {
        client.told_bye(ByeReason::ShuttingDown).await;
    }
    seated.close().await;
    waiting.close().await;
}

#[tokio::test]
async fn a_deleted_room_lets_its_connections_go_with_a_bye() {
    let server = Server::new();
    let created = server.create_room().await;
    let mut client = server.connect();
    client.join(&created.code, None).await;
    server
        .app
        .registry
        .delete(&created.code, created.facilitator_key.clone())
        .await
        .expect("deleted");
    client.told_bye(ByeReason::SessionDeleted).await;
    client.close().await;
}

#[tokio::test]
async fn a_client_that_closes_leaves_its_room_and_ends_the_task() {
    let server = Server::new();
    let created = server.create_room().await;
    let mut leaving = server.connect();
    leaving.join(&created.code, None).await;
    let mut staying = server.connect();
    staying
        .join(&created.code, Some(created.facilitator_key.clone()))
        .await;
    // Ana's connection hears of the facilitator's arrival before she leaves.
    assert!(matches!(leaving.next().await, ServerMessage::Event { .. }));
    leaving.close().await;
    let ServerMessage::Event { event, .. } = staying.next().await else {
        panic!("an event");
    };
    assert!(matches!(
        event,
        shared::Event::PresenceChanged {
            connected: false,
            ..
        }
    ));
    staying.close().await;
}

#[tokio::test]
async fn a_stream_that_ends_without_a_close_ends_the_task_silently() {
    let server = Server::new();
    let mut client = server.connect();
    client.to_server = None;
    client.task.await.expect("the task ends cleanly");
    assert!(
        client.from_server.recv().await.is_none(),
        "nothing said to a socket that is gone"
    );
}
