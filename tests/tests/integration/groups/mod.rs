//! Groups over the wire (`docs/groups.md`, slice 2): a group created over HTTP, members
//! entering by name, by the facilitator key, by member token on a second device, every
//! command's event reaching every member live, rights refused as the table says, one
//! answer for a wrong token and an unknown group; and a group put away when idle, or
//! across a restart, coming back with all its members and events; its sessions as
//! rooms (slice 4: `sessions`, `sessions_lasting`); deleting a group or one of its
//! sessions (`deletion`).

mod calendar;
mod deletion;
mod lasting;
mod records;
mod rights;
mod sessions;
mod sessions_lasting;

use serde_json::json;
use server::Config;
use shared::ErrorCode;
use shared::group::{GroupCommand, GroupEvent, GroupRole};
use shared::wire::ServerMessage;
use tests::group_ws::{GroupClient, Heard, create_group, join_group, resume_group};
use tests::server::TestServer;

/// The code of a refusal heard, if it is one.
fn refused(heard: &Heard) -> Option<ErrorCode> {
    match heard {
        Heard::Answer(ServerMessage::Rejected { code, .. }) => Some(*code),
        _ => None,
    }
}

#[tokio::test]
async fn a_group_is_created_over_http_within_its_bounds() {
    let server = TestServer::start().await;
    let created = create_group(&server, "Codév des directrices").await;
    assert_eq!(created.group.len(), 20);
    assert_eq!(created.facilitator_key.len(), 43);

    let long_name = "n".repeat(Config::default().limits.group_name_chars + 1);
    for (body, code) in [
        (json!({ "name": "  " }), "empty_text"),
        (json!({ "name": long_name }), "too_long"),
        (
            json!({ "name": "G", "call_link": "http://visio.example" }),
            "invalid_value",
        ),
        (json!({ "title": "not a group" }), "malformed"),
    ] {
        let answer = server
            .http("POST", "/api/groups", Some(&body.to_string()))
            .await;
        assert_eq!(answer.status, 400, "{body}: {}", answer.body);
        assert!(answer.body.contains(code), "{body}: {}", answer.body);
    }
    let with_charter = json!({ "name": "G", "call_link": null, "charter": "Nos règles" });
    let answer = server
        .http("POST", "/api/groups", Some(&with_charter.to_string()))
        .await;
    assert_eq!(answer.status, 201, "{}", answer.body);
}

#[tokio::test]
async fn members_enter_by_name_key_and_token_and_hear_every_event_live() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "Codév des directrices").await;
    let (code, key) = (&created.group, &created.facilitator_key);

    let mut fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    let mut ana = GroupClient::join(&url, code, "Ana").await;
    assert_eq!(
        ana.state().call_link.as_deref(),
        Some("https://visio.example/abc")
    );
    let ana_token = ana.token.clone().expect("a member token");
    // Ana's phone: the same member, from her personal link.
    let mut phone = GroupClient::resume(&url, code, &ana_token, "Ana's phone").await;
    assert_eq!(phone.you(), ana.you());
    // Fanny's other computer: her key opens her place again, under no new name.
    let mut laptop = GroupClient::join_facilitator(&url, code, key, "Ignored").await;
    assert_eq!(laptop.you(), fanny.you());
    let members = &laptop.state().members;
    assert_eq!(members.len(), 2, "{members:?}");
    assert_eq!(members[0].role, GroupRole::Facilitator);

    let seq = fanny
        .ok(GroupCommand::SetDetails {
            name: "Codév de printemps".into(),
            call_link: None,
        })
        .await;
    for member in [&mut ana, &mut phone, &mut laptop] {
        member.catch_up(seq).await;
        assert_eq!(member.state().name, "Codév de printemps");
        assert_eq!(member.state(), fanny.state());
    }
    let seq = ana.ok(GroupCommand::AcceptCharter { version: 1 }).await;
    phone.catch_up(seq).await;
    let accepted = phone.events.last().expect("an event");
    assert!(matches!(
        accepted,
        GroupEvent::CharterAccepted { version: 1, .. }
    ));
}

#[tokio::test]
async fn rights_are_refused_over_the_wire_as_the_table_says() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "Droits").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let mut fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    let mut ana = GroupClient::join(&url, code, "Ana").await;

    let refusal = |result: Result<u64, shared::Rejection>| result.expect_err("refused").code;
    let plan = GroupCommand::PlanSeries {
        dates: vec![1_900_000_000_000],
    };
    assert_eq!(
        refusal(ana.command(plan.clone()).await),
        ErrorCode::Forbidden
    );
    let propose = GroupCommand::ProposeTopic {
        proposal_id: "t-1".into(),
        title: "Déléguer".into(),
        line: String::new(),
    };
    assert_eq!(
        refusal(fanny.command(propose.clone()).await),
        ErrorCode::Forbidden
    );
    fanny.ok(plan).await;
    assert_eq!(
        refusal(
            ana.command(GroupCommand::OpenSession {
                index: 0,
                language: Default::default(),
            })
            .await
        ),
        ErrorCode::Forbidden
    );
    ana.ok(propose).await;
    // The facilitator opens it; once running, no second one opens beside it.
    fanny
        .ok(GroupCommand::OpenSession {
            index: 0,
            language: Default::default(),
        })
        .await;
    let second = GroupCommand::PlanSeries {
        dates: vec![1_903_000_000_000],
    };
    fanny.ok(second).await;
    assert_eq!(
        refusal(
            fanny
                .command(GroupCommand::OpenSession {
                    index: 1,
                    language: Default::default(),
                })
                .await
        ),
        ErrorCode::InvalidValue
    );
    // A room's command on a group's connection is not the group's.
    ana.catch_up(fanny.seq).await;
    ana.ws
        .send_raw(r#"{"type":"command","id":99,"command":{"type":"raise_hand"}}"#)
        .await;
    assert_eq!(refused(&ana.recv().await), Some(ErrorCode::NotJoined));

    // Once she has left, Ana is an outsider: her commands and her token count for nothing.
    let token = ana.token.clone().expect("a token");
    ana.ok(GroupCommand::Leave).await;
    assert_eq!(
        refusal(
            ana.command(GroupCommand::AcceptCharter { version: 1 })
                .await
        ),
        ErrorCode::NotJoined
    );
    let mut again = GroupClient::connect(&url, "Ana again").await;
    again.send(&resume_group(code, &token)).await;
    assert_eq!(
        refused(&again.recv().await),
        Some(ErrorCode::RoomOrKeyInvalid)
    );
}

#[tokio::test]
async fn a_wrong_token_and_an_unknown_group_get_the_same_answer_and_count_as_failures() {
    let server = TestServer::start_with(Config {
        join_failures_per_minute: 3,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    let created = create_group(&server, "Secrets").await;
    let code = &created.group;
    let mut guesser = GroupClient::connect(&url, "guesser").await;
    let mut answers = Vec::new();
    for frame in [
        resume_group("nosuchgroupxxxxxxxxx", "a-token"),
        resume_group(code, "a-token"),
        join_group(code, "Eve", Some("not-the-key")),
    ] {
        guesser.send(&frame).await;
        let heard = guesser.recv().await;
        assert_eq!(refused(&heard), Some(ErrorCode::RoomOrKeyInvalid));
        answers.push(guesser.ws.raw.last().cloned());
    }
    assert_eq!(
        answers[0], answers[1],
        "an unknown group and a wrong token alike"
    );
    assert_eq!(
        answers[1], answers[2],
        "a wrong token and a wrong key alike"
    );
    // Three failures from this address: the next attempt waits, even a right one.
    let mut other = GroupClient::connect(&url, "other").await;
    other.send(&join_group(code, "Eve", None)).await;
    assert_eq!(refused(&other.recv().await), Some(ErrorCode::RateLimited));
}

#[tokio::test]
async fn everyone_on_the_group_page_sees_who_else_has_it_open() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "Codév des directrices").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let mut fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    let fanny_id = fanny.you().clone();
    fanny.until_present(&[&fanny_id]).await;

    let ana = GroupClient::join(&url, code, "Ana").await;
    let ana_id = ana.you().clone();
    assert_eq!(
        ana.present,
        [fanny_id.clone(), ana_id.clone()],
        "in her snapshot"
    );
    fanny.until_present(&[&fanny_id, &ana_id]).await;

    // Her phone too: she is there once; she closes her laptop, still there by phone.
    let token = ana.token.clone().expect("a member token");
    let phone = GroupClient::resume(&url, code, &token, "Ana's phone").await;
    ana.close().await;
    let seq = fanny.seq;
    fanny
        .ok(GroupCommand::SetDetails {
            name: "Codév".into(),
            call_link: None,
        })
        .await;
    assert_eq!(fanny.seq, seq + 1, "presence moves no number");
    assert_eq!(fanny.present, [fanny_id.clone(), ana_id.clone()]);

    phone.close().await;
    fanny.until_present(&[&fanny_id]).await;
}
