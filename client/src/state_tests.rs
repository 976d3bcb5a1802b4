//! The page's state handling, in the browser: frames from the server go through the
//! real [`Session`], and a mounted component shows the result. Covers applying events,
//! ignoring duplicates, and asking for a snapshot on a gap in sequence numbers.

use crate::session::{Session, Status};
use crate::views::people::Hands;
use crate::views::{Language, Room};
use leptos::prelude::*;
use shared::i18n::Lang;
use shared::replica::Entry;
use shared::state::{Language as SessionLanguage, Participant, Role};
use shared::wire::{PROTOCOL_VERSION, ServerMessage};
use shared::{Event, ParticipantId, RoomState};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test;

fn person(id: &str, name: &str, role: Role) -> Participant {
    Participant {
        id: ParticipantId::from(id),
        name: name.into(),
        role,
        connected: true,
        charter_accepted: true,
    }
}

fn frame(message: &ServerMessage) -> String {
    serde_json::to_string(message).unwrap_or_default()
}

fn snapshot(seq: u64, state: &RoomState) -> String {
    frame(&ServerMessage::Snapshot {
        seq,
        server_time: 0,
        state: state.clone(),
        your_notes: vec![],
    })
}

fn event(seq: u64, event: Event) -> String {
    frame(&ServerMessage::Event { seq, event })
}

fn hand(who: &str) -> Event {
    Event::HandRaised {
        participant: ParticipantId::from(who),
        at: 1,
    }
}

/// Names in the hand queue, as shown on the page.
fn queue(host: &web_sys::HtmlElement) -> Vec<String> {
    let list = host
        .query_selector_all("[data-testid=hand] .name")
        .expect("a valid selector");
    (0..list.length())
        .filter_map(|i| list.item(i))
        .filter_map(|node| node.text_content())
        .collect()
}

/// Let the reactive system run its effects (they are scheduled, not immediate).
async fn settle() {
    leptos::task::tick().await;
    leptos::task::tick().await;
}

#[wasm_bindgen_test]
async fn events_reach_the_screen_duplicates_are_ignored_and_a_gap_waits_for_a_snapshot() {
    let document = document();
    let host: web_sys::HtmlElement = document
        .create_element("div")
        .expect("a div")
        .unchecked_into();
    document
        .body()
        .expect("a body")
        .append_child(&host)
        .expect("attached");

    let session = Session::detached(
        "room",
        Entry::Join {
            name: "Anne".into(),
            observer: false,
            facilitator_key: Some("key".into()),
        },
    );
    let mut state = RoomState::new("t", SessionLanguage::Fr, 0);
    state.participants = vec![
        person("anne", "Anne", Role::Facilitator),
        person("bruno", "Bruno", Role::Consultant),
        person("chloe", "Chloé", Role::Consultant),
    ];
    session.receive(&frame(&ServerMessage::Joined {
        protocol_version: PROTOCOL_VERSION,
        room: "room".into(),
        you: "anne".into(),
        token: "t".into(),
    }));
    session.receive(&snapshot(5, &state));
    assert_eq!(session.status.get_untracked(), Status::Live);

    let handle = leptos::mount::mount_to(host.clone(), move || {
        provide_context(Language(RwSignal::new(Lang::Fr)));
        provide_context(session);
        provide_context(Room::new(session));
        view! { <Hands/> }
    });
    settle().await;
    assert!(queue(&host).is_empty());
    assert!(
        host.text_content()
            .unwrap_or_default()
            .contains("Aucune main levée.")
    );

    session.receive(&event(6, hand("bruno")));
    settle().await;
    assert_eq!(queue(&host), ["Bruno"]);
    assert_eq!(session.replica.with_untracked(|r| r.seq), 6);

    // A duplicate changes nothing.
    session.receive(&event(6, hand("chloe")));
    settle().await;
    assert_eq!(queue(&host), ["Bruno"]);

    // A gap: the page ignores events until a fresh snapshot arrives.
    session.receive(&event(8, hand("chloe")));
    settle().await;
    assert_eq!(queue(&host), ["Bruno"]);
    session.receive(&event(9, Event::FloorTaken));
    assert_eq!(session.replica.with_untracked(|r| r.seq), 6);
    state.apply(&hand("bruno"));
    state.apply(&hand("chloe"));
    session.receive(&snapshot(9, &state));
    settle().await;
    assert_eq!(queue(&host), ["Bruno", "Chloé"]);
    session.receive(&event(
        10,
        Event::HandLowered {
            participant: "bruno".into(),
        },
    ));
    settle().await;
    assert_eq!(queue(&host), ["Chloé"]);

    drop(handle);
    host.remove();
}

#[wasm_bindgen_test]
fn a_refused_entry_stops_the_page_with_the_reason() {
    let session = Session::detached(
        "room",
        Entry::Resume {
            token: "stale".into(),
        },
    );
    session.receive(&frame(&ServerMessage::Rejected {
        id: None,
        code: shared::ErrorCode::RoomOrKeyInvalid,
        message: "no".into(),
    }));
    assert_eq!(
        session.status.get_untracked(),
        Status::Failed(shared::ErrorCode::RoomOrKeyInvalid)
    );
}
