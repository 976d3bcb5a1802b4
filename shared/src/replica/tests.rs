//! The replica's own tests: a client's copy of a room fed by hand, without a socket or
//! a server.

use super::*;
use crate::event::Event;
use crate::state::Language;

fn joined(replica: &mut Replica) {
    replica.on_open();
    replica.receive(
        ServerMessage::Joined {
            protocol_version: PROTOCOL_VERSION,
            room: "r".into(),
            you: "p1".into(),
            token: "secret".into(),
        },
        0,
    );
}

fn snapshot(seq: u64, server_time: Millis) -> ServerMessage {
    ServerMessage::Snapshot {
        seq,
        server_time,
        state: RoomState::new("t", Language::Fr, 0),
        your_notes: vec![],
    }
}

fn replica() -> Replica {
    let entry = Entry::Join {
        name: "Anne".into(),
        observer: false,
        facilitator_key: None,
    };
    Replica::new("r".into(), entry, 100)
}

#[test]
fn commands_made_offline_are_sent_once_live_and_forgotten_once_answered() {
    let mut r = replica();
    assert_eq!(
        r.submit(Command::RaiseHand, 0),
        None,
        "offline: queued, not sent"
    );
    joined(&mut r);
    assert_eq!(
        r.entry,
        Entry::Resume {
            token: "secret".into()
        }
    );
    let reaction = r.receive(snapshot(3, 5_000), 1_000);
    assert_eq!(
        reaction.send,
        vec![ClientMessage::Command {
            id: 100,
            command: Command::RaiseHand
        }]
    );
    assert_eq!(reaction.notices, vec![Notice::Live]);
    assert_eq!(r.clock_offset, 4_000);
    assert!(
        r.submit(Command::LowerHand, 0).is_some(),
        "live: sent at once"
    );
    r.receive(ServerMessage::Ack { id: 100, seq: 4 }, 0);
    assert_eq!(r.pending().collect::<Vec<_>>(), vec![&Command::LowerHand]);

    // The connection drops before the second answer: it is sent again, same id.
    r.on_close();
    r.on_open();
    let reaction = r.receive(snapshot(4, 0), 0);
    assert_eq!(
        reaction.send,
        vec![ClientMessage::Command {
            id: 101,
            command: Command::LowerHand
        }]
    );
    let refusal = r.receive(
        ServerMessage::Rejected {
            id: Some(101),
            code: ErrorCode::Forbidden,
            message: "no".into(),
        },
        0,
    );
    assert!(matches!(
        &refusal.notices[..],
        [Notice::Refused {
            command: Command::LowerHand,
            ..
        }]
    ));
    assert_eq!(r.pending().count(), 0);
}

#[test]
fn a_command_waits_for_its_answer_from_when_it_went_out_on_this_connection() {
    let mut r = replica();
    r.submit(Command::RaiseHand, 500);
    assert_eq!(
        r.unanswered_for(9_000),
        None,
        "offline: not sent, so not waiting for the server"
    );
    joined(&mut r);
    r.receive(snapshot(1, 0), 1_000);
    assert_eq!(r.unanswered_for(1_000), Some(0), "sent once live");
    r.submit(Command::LowerHand, 2_000);
    assert_eq!(r.unanswered_for(4_500), Some(3_500), "the oldest counts");
    r.receive(ServerMessage::Ack { id: 100, seq: 2 }, 4_600);
    assert_eq!(r.unanswered_for(4_600), Some(2_600));
    r.on_close();
    assert_eq!(r.unanswered_for(10_000), None, "offline: nothing in flight");
    r.on_open();
    r.receive(snapshot(2, 0), 11_000);
    assert_eq!(
        r.unanswered_for(11_500),
        Some(500),
        "sent again on the new connection"
    );
    r.receive(ServerMessage::Ack { id: 101, seq: 3 }, 11_600);
    assert_eq!(r.unanswered_for(20_000), None);
}

#[test]
fn a_rate_limited_command_stays_pending_to_be_sent_again() {
    let mut r = replica();
    joined(&mut r);
    r.receive(snapshot(1, 0), 0);
    r.submit(Command::RaiseHand, 0);
    let reaction = r.receive(
        ServerMessage::Rejected {
            id: Some(100),
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
        },
        0,
    );
    assert_eq!(reaction.notices, vec![Notice::Throttled]);
    assert_eq!(
        r.resend(),
        vec![ClientMessage::Command {
            id: 100,
            command: Command::RaiseHand
        }]
    );
    r.on_close();
    assert!(
        r.resend().is_empty(),
        "offline, the reconnection sends them"
    );
}

#[test]
fn a_gap_in_sequence_numbers_asks_for_a_snapshot_and_ignores_events_until_then() {
    let mut r = replica();
    joined(&mut r);
    r.receive(snapshot(10, 0), 0);
    let event = |seq| ServerMessage::Event {
        seq,
        event: Event::FloorTaken,
    };
    assert_eq!(r.receive(event(11), 0).send, vec![]);
    assert_eq!(r.seq, 11);
    assert_eq!(
        r.receive(event(11), 0).send,
        vec![],
        "a duplicate is ignored"
    );
    assert_eq!(r.receive(event(13), 0).send, vec![ClientMessage::Sync]);
    assert_eq!(r.seq, 11);
    assert_eq!(r.receive(event(14), 0).send, vec![], "one sync is enough");
    assert_eq!(r.seq, 11);
    r.receive(snapshot(14, 0), 0);
    r.receive(event(15), 0);
    assert_eq!(r.seq, 15);
}

#[test]
fn a_refused_entry_is_fatal_or_deferred_but_a_refused_frame_later_is_neither() {
    let mut r = replica();
    r.on_open();
    let reaction = r.receive(
        ServerMessage::Rejected {
            id: None,
            code: ErrorCode::RoomOrKeyInvalid,
            message: "no".into(),
        },
        0,
    );
    assert!(matches!(&reaction.notices[..], [Notice::Fatal(_)]));
    // A full server, or one that cannot open the session now: try again later.
    for code in [
        ErrorCode::ServerFull,
        ErrorCode::Internal,
        ErrorCode::RateLimited,
    ] {
        let reaction = r.receive(
            ServerMessage::Rejected {
                id: None,
                code,
                message: "later".into(),
            },
            0,
        );
        assert!(
            matches!(&reaction.notices[..], [Notice::EntryDeferred(refused)] if refused.code == code)
        );
    }
    joined(&mut r);
    r.receive(snapshot(1, 0), 0);
    let reaction = r.receive(
        ServerMessage::Rejected {
            id: None,
            code: ErrorCode::InvalidValue,
            message: "no".into(),
        },
        0,
    );
    assert!(reaction.notices.is_empty());
}

#[test]
fn a_pong_estimates_the_server_clock_from_the_middle_of_the_round_trip() {
    let mut r = replica();
    r.receive(
        ServerMessage::Pong {
            nonce: 1_000,
            server_time: 10_050,
        },
        1_100,
    );
    assert_eq!(r.clock_offset, 9_000);
    assert_eq!(r.server_now(2_000), 11_000);
    // A slower round trip measures worse, and is ignored; so are snapshots now.
    let slow = ServerMessage::Pong {
        nonce: 5_000,
        server_time: 20_000,
    };
    r.receive(slow, 6_000);
    assert_eq!(r.clock_offset, 9_000);
    r.receive(snapshot(1, 50_000), 7_000);
    assert_eq!(r.clock_offset, 9_000);
}
