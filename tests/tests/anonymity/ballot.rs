//! The secret ballot of a group's topics, checked like notes' anonymity: members vote,
//! change their mind and take a vote back while a session runs, and nothing anyone
//! received (the group facilitator's pages included) and nothing the server logged ties
//! a vote to the name, id or token of whoever cast it. Everyone sees the counts; each
//! member's own pages alone learn their own vote.

use super::logs;
use server::storage::SqliteStore;
use shared::ProposalId;
use shared::group::{GroupCommand, GroupEvent};
use shared::wire::group::GroupServerMessage;
use tests::group_ws::{GroupClient, create_group};
use tests::server::{TempDir, TestServer};

fn propose(id: &str, title: &str) -> GroupCommand {
    GroupCommand::ProposeTopic {
        proposal_id: ProposalId::new(id),
        title: title.into(),
        line: String::new(),
    }
}

fn vote(proposal: Option<&ProposalId>) -> GroupCommand {
    GroupCommand::Vote {
        proposal_id: proposal.cloned(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_received_or_logged_ties_a_vote_to_its_voter() {
    let logs = logs();
    let dir = TempDir::new("ballot");
    let store = SqliteStore::open(dir.join("codev.db"))
        .await
        .expect("open the database");
    let server = TestServer::start_with_store(store).await;
    let url = server.ws_url();
    let created = create_group(&server, "Codév secret").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let mut fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    let mut ana = GroupClient::join(&url, code, "Anaïs Voteuse").await;
    let mut bruno = GroupClient::join(&url, code, "Bruno Votant").await;
    let mut chloe = GroupClient::join(&url, code, "Chloé Électrice").await;
    fanny
        .ok(GroupCommand::PlanSeries {
            dates: vec![1_799_658_000_000, 1_802_077_200_000],
        })
        .await;
    // Proposal ids and titles say nothing of their authors either way; what must not
    // leak is who *voted* for which.
    let first = ProposalId::new("topic-deleguer-0001");
    let second = ProposalId::new("topic-dire-non-0002");
    ana.ok(propose(first.as_str(), "Déléguer sans tout reprendre"))
        .await;
    bruno
        .ok(propose(second.as_str(), "Dire non à ma direction"))
        .await;
    fanny
        .ok(GroupCommand::OpenSession {
            index: 0,
            language: Default::default(),
        })
        .await;

    // Ana and Bruno vote for the first, Chloé for the second; Bruno changes his mind;
    // Chloé takes hers back.
    ana.ok(vote(Some(&first))).await;
    bruno.ok(vote(Some(&first))).await;
    chloe.ok(vote(Some(&second))).await;
    bruno.ok(vote(Some(&second))).await;
    chloe.ok(vote(None)).await;
    // Ana's phone comes in now: its snapshot tells her own vote, to her alone.
    let token = ana.token.clone().expect("Ana's member token");
    let ana_phone = GroupClient::resume(&url, code, &token, "Ana's phone").await;
    assert_eq!(ana_phone.your_vote.as_ref(), Some(&first));
    let late = GroupClient::join(&url, code, "Dora Tardive").await;
    assert_eq!(late.your_vote, None);
    let seq = chloe.seq;
    for member in [&mut fanny, &mut ana, &mut bruno] {
        member.catch_up(seq).await;
    }
    for member in [&fanny, &ana, &bruno, &chloe, &ana_phone, &late] {
        let counts: Vec<u32> = member.state().proposals.iter().map(|p| p.votes).collect();
        assert_eq!(counts, [1, 1], "everyone sees the counts");
    }
    // Each member's own vote, as their next page learns it.
    for (member, expected) in [(&bruno, Some(&second)), (&chloe, None)] {
        let token = member.token.clone().expect("a member token");
        let page = GroupClient::resume(&url, code, &token, "another page").await;
        assert_eq!(page.your_vote.as_ref(), expected);
    }
    let moves = fanny
        .events
        .iter()
        .filter(|event| matches!(event, GroupEvent::VoteMoved { .. }))
        .count();
    assert_eq!(
        moves, 5,
        "every move of the ballot reached the facilitator, anonymous"
    );

    let voters: Vec<(&str, &GroupClient)> = vec![
        ("Anaïs Voteuse", &ana),
        ("Bruno Votant", &bruno),
        ("Chloé Électrice", &chloe),
    ];
    let marks: Vec<String> = voters
        .iter()
        .flat_map(|(name, member)| {
            [
                (*name).to_owned(),
                member.you().as_str().to_owned(),
                member.token.clone().expect("a token"),
            ]
        })
        .collect();
    let identifies = |text: &str| marks.iter().find(|mark| text.contains(mark.as_str()));
    let mut problems = Vec::new();

    // 1. Frames: a frame that says anything of a vote names nobody; a snapshot's
    // `your_vote` goes only to the voter's own pages.
    let pages: Vec<(&str, &GroupClient, Option<usize>)> = vec![
        ("Fanny", &fanny, None),
        ("Ana", &ana, Some(0)),
        ("Ana's phone", &ana_phone, Some(0)),
        ("Bruno", &bruno, Some(1)),
        ("Chloé", &chloe, Some(2)),
        ("Dora", &late, None),
    ];
    for (page, member, voter) in &pages {
        for frame in &member.ws.raw {
            let Ok(message) = serde_json::from_str::<GroupServerMessage>(frame) else {
                continue;
            };
            match message {
                GroupServerMessage::GroupEvent {
                    event: GroupEvent::VoteMoved { .. },
                    ..
                } => {
                    if let Some(mark) = identifies(frame) {
                        problems.push(format!("{page}: a vote's event names {mark:?}: {frame}"));
                    }
                }
                GroupServerMessage::GroupSnapshot { your_vote, .. } => {
                    let own = voter.map(|v| voters[v].1.you().clone());
                    if your_vote.is_some() && own.is_none() {
                        problems.push(format!("{page} was told a vote in a snapshot"));
                    }
                }
                _ => {}
            }
        }
    }

    // 2. Log lines: none names a voter and a proposal together.
    let topics = [
        first.as_str(),
        second.as_str(),
        "Déléguer sans tout reprendre",
        "Dire non à ma direction",
    ];
    let lines = logs.lines();
    assert!(
        lines.len() > 50,
        "the server logged at trace: {}",
        lines.len()
    );
    for line in &lines {
        if topics.iter().any(|topic| line.contains(topic))
            && let Some(mark) = identifies(line)
        {
            problems.push(format!("a log line names a topic and {mark:?}: {line}"));
        }
    }
    server.stop().await;
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
