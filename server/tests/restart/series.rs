//! A group's series across a SIGKILL of the real server binary: members, a planned
//! series, a closed earlier session with its plan and a follow-up, topic proposals, and
//! votes in the running session (members', as the facilitator has none), all acknowledged before the kill; after a restart on
//! the same file, every bit of it is back, each member's own vote in their snapshot
//! only, and the running session's room seats members by their token again.

use super::BIN;
use shared::group::{ActionStatus, GroupCommand, SessionState};
use shared::state::Language;
use shared::{ActionId, ProposalId};
use tests::group_ws::{GroupClient, create_group_at, enter_session, run_to_close, until_closed};
use tests::server::{ServerProcess, TempDir};

fn propose(id: &str, title: &str) -> GroupCommand {
    GroupCommand::ProposeTopic {
        proposal_id: ProposalId::from(id),
        title: title.into(),
        line: String::new(),
    }
}

fn vote(id: &str) -> GroupCommand {
    GroupCommand::Vote {
        proposal_id: Some(ProposalId::from(id)),
    }
}

fn open(index: u32) -> GroupCommand {
    GroupCommand::OpenSession {
        index,
        language: Language::Fr,
    }
}

#[tokio::test]
async fn a_series_survives_a_sigkill_mid_session_with_its_votes_and_follow_up() {
    let dir = TempDir::new("series-sigkill");
    let db = dir.join("codev.db");
    let first = ServerProcess::spawn(BIN, &db).await;
    let url = first.ws_url();
    let created = create_group_at(first.addr(), "Codév des directrices").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let mut fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    let mut ana = GroupClient::join(&url, code, "Ana").await;
    let mut ben = GroupClient::join(&url, code, "Ben").await;
    let mut cleo = GroupClient::join(&url, code, "Cléo").await;
    let dates = vec![1_900_000_000_000, 1_902_600_000_000, 1_905_200_000_000];
    fanny.ok(GroupCommand::PlanSeries { dates }).await;

    // The first session runs to its close: Ana is the client, with one action.
    fanny.ok(open(0)).await;
    let room = fanny.state().series[0].room.clone().expect("its room");
    let mut fanny_room = enter_session(&url, room.as_str(), &fanny).await;
    let mut ana_room = enter_session(&url, room.as_str(), &ana).await;
    run_to_close(&mut fanny_room, &mut ana_room).await;
    until_closed(&mut ana, 0).await;
    let action = ana.state().series[0].summary.as_ref().expect("kept").plan[0]
        .action
        .id
        .clone();
    assert_eq!(action, ActionId::from("a-1"));
    ana.ok(GroupCommand::SetFollowUp {
        index: 0,
        action_id: action,
        status: ActionStatus::InProgress,
        word: "à moitié".into(),
    })
    .await;

    // Topics between sessions, then the second session and its ballot.
    ben.ok(propose("p-ben", "Dire non à sa direction")).await;
    ana.ok(propose("p-ana", "Un stagiaire qui décroche")).await;
    fanny.ok(open(1)).await;
    let live_room = fanny.state().series[1].room.clone().expect("its room");
    let ben_in_room = enter_session(&url, live_room.as_str(), &ben).await;
    ana.ok(vote("p-ben")).await;
    ben.ok(vote("p-ben")).await;
    let seq = cleo.ok(vote("p-ana")).await;
    fanny.catch_up(seq).await;
    let before = fanny.state().clone();

    first.kill().await;
    drop(ben_in_room);
    let second = ServerProcess::spawn(BIN, &db).await;
    let url = second.ws_url();
    let token = |member: &GroupClient| member.token.clone().expect("a token");
    let fanny_again = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    let ana_again = GroupClient::resume(&url, code, &token(&ana), "Ana").await;
    let ben_again = GroupClient::resume(&url, code, &token(&ben), "Ben").await;
    let cleo_again = GroupClient::resume(&url, code, &token(&cleo), "Cléo").await;

    let after = ana_again.state();
    assert_eq!(after, &before, "the whole group is back");
    assert_eq!(after.members.len(), 4);
    let votes: Vec<(&str, u32)> = after
        .proposals
        .iter()
        .map(|proposal| (proposal.id.as_str(), proposal.votes))
        .collect();
    assert_eq!(votes, [("p-ben", 2), ("p-ana", 1)]);
    // Each member's own vote, in their own snapshot.
    assert_eq!(ana_again.your_vote, Some(ProposalId::from("p-ben")));
    assert_eq!(ben_again.your_vote, Some(ProposalId::from("p-ben")));
    assert_eq!(cleo_again.your_vote, Some(ProposalId::from("p-ana")));
    assert_eq!(fanny_again.your_vote, None, "the facilitator does not vote");
    let closed = &after.series[0];
    assert_eq!(closed.state, SessionState::Closed);
    let summary = closed.summary.as_ref().expect("its summary");
    assert_eq!(&summary.client, ana.you());
    let follow_up = summary.plan[0].follow_up.as_ref().expect("the follow-up");
    assert_eq!(
        (follow_up.status, follow_up.word.as_str()),
        (ActionStatus::InProgress, "à moitié")
    );
    assert_eq!(after.series[1].state, SessionState::Live);

    // The running session's room seats members by their token, under their ids.
    let ben_room = enter_session(&url, live_room.as_str(), &ben_again).await;
    assert_eq!(ben_room.me(), ben.you(), "his seat from before");
    let ana_room = enter_session(&url, live_room.as_str(), &ana_again).await;
    assert_eq!(ana_room.me(), ana.you());
    let seated = &ana_room.state().participants;
    assert_eq!(seated.len(), 2, "Ben and Ana, once each: {seated:?}");
    second.kill().await;
}
