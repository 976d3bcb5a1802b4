//! One test per bound: going over it gets a typed refusal for the one who went over, and
//! the room (and everyone else in it) carries on as if nothing happened.
//!
//! Bounds are set low in each test's server settings, so that reaching them is quick;
//! the defaults are in `server::Config` and `shared::Limits`, listed in
//! `docs/security.md`.
//!
//! By kind of bound: sizes (frames, texts, notes and actions, HTTP bodies) in `sizes`,
//! how many (participants, sessions, connections) in `capacity`, how often (commands,
//! floods, failed entries, per client address) in `rates`.

mod capacity;
mod rates;
mod sizes;

use shared::wire::{ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, ErrorCode, RoomCode};
use tests::ws::WsClient;

fn refusal_of(message: &ServerMessage) -> Option<(Option<u64>, ErrorCode)> {
    match message {
        ServerMessage::Rejected { id, code, .. } => Some((*id, *code)),
        _ => None,
    }
}

/// The next refusal (skipping events and the like).
async fn next_refusal(client: &mut WsClient) -> (Option<u64>, ErrorCode) {
    loop {
        if let Some(refusal) = refusal_of(&client.recv().await) {
            return refusal;
        }
    }
}

/// A join frame, as text.
fn join_frame(room: &str, name: &str, key: Option<&str>) -> String {
    serde_json::to_string(&ClientMessage::Join {
        protocol_version: PROTOCOL_VERSION,
        room: RoomCode::from(room),
        name: name.to_owned(),
        observer: false,
        facilitator_key: key.map(str::to_owned),
        member_token: None,
    })
    .expect("encode")
}

fn resume_frame(room: &str, token: &str) -> String {
    serde_json::to_string(&ClientMessage::Resume {
        protocol_version: PROTOCOL_VERSION,
        room: RoomCode::from(room),
        token: token.to_owned(),
    })
    .expect("encode")
}

/// The room carries on: the facilitator's command goes through and everyone else in
/// `others` sees its event.
async fn room_carries_on(fac: &mut WsClient, others: &mut [&mut WsClient]) {
    let running = !fac.state().timer.is_running();
    let seq = fac
        .ok(if running {
            Command::StartTimer
        } else {
            Command::PauseTimer
        })
        .await;
    for other in others.iter_mut() {
        other.catch_up(seq).await;
        assert_eq!(other.state().timer.is_running(), running, "{}", other.label);
    }
}
