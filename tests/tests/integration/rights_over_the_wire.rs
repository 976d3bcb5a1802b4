//! The table of rights, over the wire: every command, sent by each role at each step
//! through a real server, is acknowledged exactly where `docs/method.md` allows it and refused
//! with the right code everywhere else.
//!
//! `shared/tests/rights.rs` checks the same table against the pure rules; this test
//! checks that the server enforces them whatever a page sends: that no path around
//! `decide` exists between a socket and a room. The expected table is the very one
//! `shared/tests/rights.rs` uses (`shared/tests/common/rights_table.rs`, written from
//! `docs/method.md`, included here by path), not a call to `logic::rights`.
//!
//! For each step, one room at that step takes every command that must be refused (by
//! every role), and must show no event afterwards; then, for each command allowed at that
//! step, a fresh room at that step takes it from each role allowed to send it.

use server::Config;
use shared::state::Role;
use shared::wire::{ClientMessage, ServerMessage};
use shared::{Command, ErrorCode, Step};
use std::sync::Arc;
use tests::cast::{Cast, Who};
use tests::server::TestServer;

// This repository's own `shared` crate (its tests' table, written from `docs/method.md`),
// three directories up from this file.
#[path = "../../../shared/tests/common/rights_table.rs"]
mod rights_table;

use rights_table::{RIGHTS, expected, valid_command};

/// Make the valid instance meaningful: something to pause, lower or take back.
async fn prepare(cast: &mut Cast, name: &str, who: Who) {
    match name {
        "pause_timer" => {
            cast.fac.ok(Command::StartTimer).await;
        }
        // Only where the sender may raise one (elsewhere the rights refuse both).
        "lower_hand" => {
            let _ = cast.client(who).command(Command::RaiseHand).await;
        }
        "take_floor" => {
            let ben = cast.id(Who::Ben);
            // Only where the facilitator may give the floor.
            let _ = cast
                .fac
                .command(Command::give_floor(cast.fac.state(), ben))
                .await;
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
            let command = valid_command(name, step, cast.id(Who::Ana), cast.fac.state());
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
            let command = valid_command(name, step, cast.id(Who::Ana), cast.fac.state());
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
