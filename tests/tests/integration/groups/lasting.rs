//! A group outlives its connections and the server: put away when nobody is in it,
//! loaded again whole when someone comes back; kept on disk across a restart.

use super::GroupClient;
use server::Config;
use shared::group::GroupCommand;
use std::time::Duration;
use tests::group_ws::create_group;
use tests::server::{TempDir, TestServer, open_db, services_on};

/// A few members and events: Fanny plans the series, Ana and Ben join, Ana accepts the
/// charter and proposes a topic. The members' clients, caught up.
async fn a_group_with_history(url: &str, code: &str, key: &str) -> [GroupClient; 3] {
    let mut fanny = GroupClient::join_facilitator(url, code, key, "Fanny").await;
    let mut ana = GroupClient::join(url, code, "Ana").await;
    let ben = GroupClient::join(url, code, "Ben").await;
    fanny
        .ok(GroupCommand::PlanSeries {
            dates: vec![1_900_000_000_000, 1_902_000_000_000],
        })
        .await;
    ana.ok(GroupCommand::AcceptCharter { version: 1 }).await;
    let seq = ana
        .ok(GroupCommand::ProposeTopic {
            proposal_id: "t-ana".into(),
            title: "Dire non".into(),
            line: "à ma hiérarchie".into(),
        })
        .await;
    fanny.catch_up(seq).await;
    [fanny, ana, ben]
}

#[tokio::test]
async fn an_idle_group_is_put_away_and_comes_back_whole() {
    let server = TestServer::start_with(Config {
        idle_room: Duration::ZERO,
        ..Config::default()
    })
    .await;
    let url = server.ws_url();
    let created = create_group(&server, "Au repos").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let [fanny, ana, ben] = a_group_with_history(&url, code, key).await;
    let (before, seq) = (fanny.state().clone(), fanny.seq);
    let ana_token = ana.token.clone().expect("a token");
    for member in [fanny, ana, ben] {
        member.close().await;
    }
    server.until_groups_put_away(1).await;

    let mut ana = GroupClient::resume(&url, code, &ana_token, "Ana back").await;
    assert_eq!(ana.state(), &before);
    assert_eq!(ana.seq, seq);
    // It goes on numbering where it stopped (on a new device, Ana numbers her commands
    // after those of the first).
    ana.first_command_id(100);
    let next = ana.ok(GroupCommand::WithdrawTopic {
        proposal_id: "t-ana".into(),
    });
    assert_eq!(next.await, seq + 1);
    let fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    assert_eq!(fanny.state(), ana.state());
}

#[tokio::test]
async fn a_restarted_server_keeps_every_member_and_event_of_a_group() {
    let dir = TempDir::new("group-restart");
    let db = dir.join("codev.db");
    let server = TestServer::start_with_db(&db).await;
    let url = server.ws_url();
    let created = create_group(&server, "Durable").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let [fanny, ana, ben] = a_group_with_history(&url, code, key).await;
    let (before, seq) = (fanny.state().clone(), fanny.seq);
    let tokens = [ana.token.clone(), ben.token.clone()].map(|t| t.expect("a token"));
    let addr = server.addr();
    server.stop().await;
    for member in [fanny, ana, ben] {
        member.close().await;
    }

    let server =
        TestServer::start_at(addr, Config::default(), services_on(open_db(&db).await)).await;
    for (token, label) in tokens.iter().zip(["Ana", "Ben"]) {
        let member = GroupClient::resume(&url, code, token, label).await;
        assert_eq!(member.state(), &before, "{label}");
        assert_eq!(member.seq, seq, "{label}");
    }
    let fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    assert_eq!(fanny.state(), &before, "the key opens the same place");
    server.stop().await;
}
