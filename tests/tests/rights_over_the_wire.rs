//! The table of rights, over the wire: every command, sent by each role at each step
//! through a real server, is acknowledged exactly where METHOD.md allows it and refused
//! with the right code everywhere else.
//!
//! `shared/tests/rights.rs` checks the same table against the pure rules; this test
//! checks that the server enforces them whatever a page sends: that no path around
//! `decide` exists between a socket and a room. The expected table is a copy of the one
//! in `shared/tests/rights.rs` (written from METHOD.md), not a call to `logic::rights`.
//!
//! For each step, one room at that step takes every command that must be refused (by
//! every role), and must show no event afterwards; then, for each command allowed at that
//! step, a fresh room at that step takes it from each role allowed to send it.

use server::Config;
use shared::state::{NoteKind, Role};
use shared::wire::{ClientMessage, ServerMessage};
use shared::{ActionId, Command, ErrorCode, NoteId, QuestionId, Step};
use std::sync::Arc;
use tests::cast::{A_ONE, A_TWO, Cast, N_ANA, N_BEN, Q_ANA, Who};
use tests::server::TestServer;

#[path = "../../shared/tests/common/rights_table.rs"]
mod rights_table;

use rights_table::{RIGHTS, expected};

/// A valid instance of the command in the room `Cast::at_step(step)` builds.
fn valid(name: &str, step: Step, cast: &Cast) -> Command {
    use Command::*;
    match name {
        "accept_charter" => AcceptCharter,
        "pick_client" => PickClient {
            participant: cast.id(Who::Ana),
        },
        "next_step" => NextStep,
        "previous_step" => PreviousStep,
        "go_to_step" => GoToStep {
            step: if step == Step::Clarification {
                Step::Problem
            } else {
                Step::Clarification
            },
        },
        "set_duration" => SetDuration {
            step: Step::Exploration,
            minutes: 45,
        },
        "start_timer" => StartTimer,
        "pause_timer" => PauseTimer,
        "extend_timer" => ExtendTimer { minutes: 5 },
        "raise_hand" => RaiseHand,
        "lower_hand" => LowerHand,
        "give_floor" => GiveFloor {
            participant: cast.id(Who::Ana),
        },
        "take_floor" => TakeFloor,
        "set_problem" => SetProblem {
            title: "Un nouveau titre".into(),
            summary: "Un résumé.".into(),
        },
        "post_question" => PostQuestion {
            question_id: QuestionId::new("q-new"),
            text: "Qui décide ?".into(),
        },
        "withdraw_question" => WithdrawQuestion {
            question_id: QuestionId::new(Q_ANA),
        },
        "mark_answered" => MarkAnswered {
            question_id: QuestionId::new(Q_ANA),
            answered: true,
        },
        "set_contract" => SetContract {
            text: "Aidez-moi à choisir.".into(),
        },
        "post_note" => PostNote {
            note_id: NoteId::new("n-new"),
            kind: NoteKind::Experience,
            text: "J'ai vécu la même chose.".into(),
        },
        "edit_note" => EditNote {
            note_id: NoteId::new(N_ANA),
            kind: NoteKind::Suggestion,
            text: "Et si tu commençais petit ?".into(),
        },
        "delete_note" => DeleteNote {
            note_id: NoteId::new(N_ANA),
        },
        "keep_note" => KeepNote {
            note_id: NoteId::new(N_BEN),
            kept: true,
        },
        "hide_note" => HideNote {
            note_id: NoteId::new(N_BEN),
            hidden: true,
        },
        "add_action" => AddAction {
            action_id: ActionId::new("a-new"),
            text: "Faire le point dans un mois".into(),
            due: Some("2030-02-28".into()),
        },
        "edit_action" => EditAction {
            action_id: ActionId::new(A_ONE),
            text: "Choisir deux dossiers".into(),
            due: Some("2030-03-01".into()),
        },
        "remove_action" => RemoveAction {
            action_id: ActionId::new(A_TWO),
        },
        "move_action" => MoveAction {
            action_id: ActionId::new(A_ONE),
            to: 1,
        },
        "write_learning" => WriteLearning {
            text: "Demander de l'aide, ça s'apprend.".into(),
        },
        "advance_round" => AdvanceRound,
        "close_session" => CloseSession,
        other => panic!("no valid instance for {other}"),
    }
}

/// Make the valid instance meaningful: something to pause, lower or take back.
async fn prepare(cast: &mut Cast, name: &str, who: Who) {
    match name {
        "pause_timer" => {
            cast.fac.ok(Command::StartTimer).await;
        }
        "lower_hand" => {
            cast.client(who).ok(Command::RaiseHand).await;
        }
        "take_floor" => {
            let ben = cast.id(Who::Ben);
            cast.fac.ok(Command::GiveFloor { participant: ben }).await;
        }
        _ => {}
    }
}

fn show(code: Option<ErrorCode>) -> String {
    code.map_or_else(|| "ack".to_owned(), |code| format!("{code:?}"))
}

/// Every cell of one step; the mismatches, and how many cells were sent.
async fn cells_of_step(server: Arc<TestServer>, step: Step) -> (Vec<String>, usize) {
    let url = server.ws_url();
    let mut mismatches = Vec::new();
    let mut cells = 0;
    let names: Vec<&str> = RIGHTS.iter().map(|(name, _, _)| *name).collect();

    // One room takes every refusal at this step; none may change it.
    let session = server.create_session("Refus").await;
    let mut cast = Cast::at_step(&url, &session, step).await;
    let before = cast.catch_up().await;
    for name in &names {
        for role in Role::ALL {
            let Some(code) = expected(name, role, step) else {
                continue;
            };
            cells += 1;
            let who = Who::for_role(role);
            let command = valid(name, step, &cast);
            let got = cast
                .client(who)
                .command(command)
                .await
                .err()
                .map(|r| r.code);
            if got != Some(code) {
                mismatches.push(format!(
                    "{name} by {role:?} at {step:?}: expected {}, got {}",
                    show(Some(code)),
                    show(got)
                ));
            }
        }
    }
    // Nothing happened: a fresh snapshot is at the same sequence number.
    cast.fac.send(&ClientMessage::Sync).await;
    loop {
        if let ServerMessage::Snapshot { seq, .. } = cast.fac.recv().await {
            if seq != before {
                mismatches.push(format!(
                    "at {step:?}: refused commands changed the room (seq {before} -> {seq})"
                ));
            }
            break;
        }
    }
    drop(cast);

    // Each command allowed at this step, in a fresh room, by each role allowed.
    for name in &names {
        let allowed: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|role| expected(name, *role, step).is_none())
            .collect();
        if allowed.is_empty() {
            continue;
        }
        let session = server.create_session("Droits").await;
        let mut cast = Cast::at_step(&url, &session, step).await;
        for role in allowed {
            cells += 1;
            let who = Who::for_role(role);
            prepare(&mut cast, name, who).await;
            let command = valid(name, step, &cast);
            if let Err(refusal) = cast.client(who).command(command).await {
                mismatches.push(format!(
                    "{name} by {role:?} at {step:?}: expected ack, got {:?} ({})",
                    refusal.code, refusal.message
                ));
            }
        }
    }
    (mismatches, cells)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_by_every_role_at_every_step_over_the_wire() {
    // This test opens some 120 rooms and 600 connections from one address.
    let server = Arc::new(
        TestServer::start_with(Config {
            sessions_per_address_per_hour: 0,
            max_connections_per_address: 0,
            ..Config::default()
        })
        .await,
    );
    let mut steps = tokio::task::JoinSet::new();
    for step in Step::ALL {
        steps.spawn(cells_of_step(server.clone(), step));
    }
    let mut mismatches = Vec::new();
    let mut cells = 0;
    while let Some(done) = steps.join_next().await {
        let (wrong, sent) = done.expect("a step's task");
        mismatches.extend(wrong);
        cells += sent;
    }
    assert_eq!(cells, RIGHTS.len() * Role::ALL.len() * Step::ALL.len());
    mismatches.sort();
    assert!(
        mismatches.is_empty(),
        "{} wrong cells:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
