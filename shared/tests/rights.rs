//! The table of rights: every command, for every role, at every step.
//!
//! The expected table is written out from `docs/method.md` ("The steps" and "Rules
//! the server enforces"), independently of `logic::rights`
//! (`common/rights_table.rs`). Each cell runs a valid command against a realistic room
//! at that step (and, where the command takes values, invalid ones too) and checks the
//! outcome: accepted, or refused with the right code in the documented order (closed,
//! not joined, role, step, values). The checks live in `rights/`, one file per theme.

mod common;
#[path = "rights/cursors.rs"]
mod cursors;
#[path = "rights/instances.rs"]
mod instances;
#[path = "rights/may.rs"]
mod may;
#[path = "rights/rules.rs"]
mod rules;
#[path = "rights/table.rs"]
mod table;

use common::rights_table::{RIGHTS, expected, rights_refusal, valid_command};
use common::*;
use instances::{actor_for, invalid, prepare, show, valid};
use shared::command::Command;
use shared::invariants;
use shared::state::{NoteKind, Role, RoomState};
use shared::{ErrorCode, Step, TimerState};
use std::collections::BTreeSet;

/// Fails with every wrong cell of a table, counted and listed, if there is any.
fn no_wrong_cells(mismatches: &[String]) {
    assert!(
        mismatches.is_empty(),
        "{} wrong cells:\n{}",
        mismatches.len(),
        mismatches.join("\n")
    );
}
