//! A group's table of rights over the wire, cell by cell: every group command, sent by
//! the group's facilitator and by a member of a fresh group, is refused `forbidden`
//! exactly where `shared::group::group_rights` (the table in `docs/protocol.md`) denies
//! it to that role, and never where it allows it (the rules that come after the table
//! answer with their own codes).

use super::GroupClient;
use shared::group::{ActionStatus, GroupCommand, GroupRole, group_rights};
use shared::{ActionId, ErrorCode, ParticipantId, ProposalId};
use tests::group_ws::create_group;
use tests::server::TestServer;

/// One value of every group command, for a group where `member` is a member with an
/// open proposal `own`.
fn every_command(member: &ParticipantId, own: &ProposalId) -> Vec<GroupCommand> {
    vec![
        GroupCommand::AcceptCharter { version: 1 },
        GroupCommand::SetDetails {
            name: "Renommé".into(),
            call_link: None,
        },
        GroupCommand::SetCharter {
            text: Some("Nos règles".into()),
        },
        GroupCommand::PlanSeries {
            dates: vec![1_900_000_000_000, 1_902_600_000_000],
        },
        GroupCommand::NameSessionFacilitator {
            index: 0,
            member: Some(member.clone()),
        },
        GroupCommand::OpenSession {
            index: 0,
            language: Default::default(),
        },
        GroupCommand::ProposeTopic {
            proposal_id: ProposalId::new("another-topic"),
            title: "Dire non".into(),
            line: String::new(),
        },
        GroupCommand::WithdrawTopic {
            proposal_id: own.clone(),
        },
        GroupCommand::Vote {
            proposal_id: Some(own.clone()),
        },
        GroupCommand::PickTopic {
            index: 0,
            proposal_id: own.clone(),
        },
        GroupCommand::SetFollowUp {
            index: 0,
            action_id: ActionId::new("a-1"),
            status: ActionStatus::Done,
            word: String::new(),
        },
        GroupCommand::Leave,
        GroupCommand::RemoveMember {
            member: member.clone(),
        },
    ]
}

#[tokio::test]
async fn each_role_is_refused_exactly_what_the_groups_table_denies_it() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let mut cells = 0;
    for role in [GroupRole::Facilitator, GroupRole::Member] {
        for n in 0..13 {
            // A fresh group for each cell: a command may change what the next finds.
            let created = create_group(&server, "Droits").await;
            let (code, key) = (&created.group, &created.facilitator_key);
            let mut fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
            let mut ana = GroupClient::join(&url, code, "Ana").await;
            let own = ProposalId::new("ana-topic");
            fanny
                .ok(GroupCommand::PlanSeries {
                    dates: vec![1_900_000_000_000],
                })
                .await;
            // Ana is named to run the first session: the one rule that lets a member
            // open a session.
            fanny
                .ok(GroupCommand::NameSessionFacilitator {
                    index: 0,
                    member: Some(ana.you().clone()),
                })
                .await;
            ana.ok(GroupCommand::ProposeTopic {
                proposal_id: own.clone(),
                title: "Déléguer".into(),
                line: String::new(),
            })
            .await;
            let command = every_command(ana.you(), &own).swap_remove(n);
            let sender = match role {
                GroupRole::Facilitator => &mut fanny,
                GroupRole::Member => &mut ana,
            };
            let answer = sender.command(command.clone()).await;
            let forbidden = matches!(&answer, Err(r) if r.code == ErrorCode::Forbidden);
            let allowed = group_rights(&command).contains(&role);
            assert_eq!(
                forbidden, !allowed,
                "{role:?} sending {command:?}: {answer:?}"
            );
            cells += 1;
        }
    }
    assert_eq!(cells, 26);
}
