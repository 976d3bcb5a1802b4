//! The method's table of rights, written from METHOD.md ("Rules the app must enforce"),
//! and what it says a command should get. One table for two checks: the pure logic
//! (`shared/tests/rights.rs`) and the server over real WebSockets
//! (`tests/tests/rights_over_the_wire.rs`, which includes this file by path). It is
//! never computed from `logic::rights`: that would test the code against itself.

use shared::state::Role;
use shared::{ErrorCode, Step};

/// The method's rights. Roles: `fac` facilitator, `cli` client, `con` consultant,
/// `obs` observer. Steps by their number in the method: 0 welcome, 1 problem,
/// 2 clarification, 3 contract, 4 exploration, 5 action plan, 6 closing round. The
/// closed record (7) is read-only: nothing is allowed there.
#[rustfmt::skip]
pub const RIGHTS: &[(&str, &str, &str)] = &[
    // command              roles allowed       steps allowed
    ("accept_charter",      "fac cli con obs",  "0 1 2 3 4 5 6"),
    ("pick_client",         "fac",              "0"),
    ("next_step",           "fac",              "0 1 2 3 4 5 6"),
    ("previous_step",       "fac",              "0 1 2 3 4 5 6"),
    ("go_to_step",          "fac",              "0 1 2 3 4 5 6"),
    ("set_duration",        "fac",              "0 1 2 3 4 5 6"),
    ("start_timer",         "fac",              "0 1 2 3 4 5 6"),
    ("pause_timer",         "fac",              "0 1 2 3 4 5 6"),
    ("extend_timer",        "fac",              "0 1 2 3 4 5 6"),
    // Anyone taking part raises a hand; observers watch without taking part.
    ("raise_hand",          "fac cli con",      "0 1 2 3 4 5 6"),
    ("lower_hand",          "fac cli con",      "0 1 2 3 4 5 6"),
    ("give_floor",          "fac",              "0 1 2 3 4 5 6"),
    ("take_floor",          "fac",              "0 1 2 3 4 5 6"),
    ("set_problem",         "cli",              "1"),
    ("post_question",       "con",              "2"),
    ("withdraw_question",   "con",              "2"),
    ("mark_answered",       "fac cli",          "2"),
    ("set_contract",        "cli",              "3"),
    ("post_note",           "con",              "4"),
    ("edit_note",           "con",              "4"),
    ("delete_note",         "con",              "4"),
    ("keep_note",           "cli",              "4"),
    // Notes exist from the exploration on; the facilitator may hide one while the
    // board is in use (exploration, the plan drawn from it, the closing round).
    ("hide_note",           "fac",              "4 5 6"),
    ("add_action",          "cli",              "5"),
    ("edit_action",         "cli",              "5"),
    ("remove_action",       "cli",              "5"),
    ("move_action",         "cli",              "5"),
    // Everyone in the round writes a learning; observers do not speak in the round.
    ("write_learning",      "fac cli con",      "6"),
    ("advance_round",       "fac",              "6"),
    ("close_session",       "fac",              "0 1 2 3 4 5 6"),
];

/// Cells where the role and step are right but no valid instance exists: the refusal
/// then comes from the values.
pub const NO_VALID_INSTANCE: &[(&str, Step, ErrorCode)] = &[
    ("next_step", Step::Closing, ErrorCode::NoSuchStep),
    ("previous_step", Step::Welcome, ErrorCode::NoSuchStep),
];

pub fn role_of(short: &str) -> Role {
    match short {
        "fac" => Role::Facilitator,
        "cli" => Role::Client,
        "con" => Role::Consultant,
        "obs" => Role::Observer,
        other => panic!("unknown role {other:?} in the table"),
    }
}

pub fn step_of(number: &str) -> Step {
    let n: usize = number.parse().expect("steps are numbers in the table");
    assert!(n < 7, "the closed record allows nothing");
    Step::ALL[n]
}

/// The refusal the rights alone call for, checked in this order: a closed session,
/// then the role, then the step. `None` where the role may act at this step.
pub fn rights_refusal(name: &str, role: Role, step: Step) -> Option<ErrorCode> {
    let (_, roles, steps) = RIGHTS
        .iter()
        .find(|(n, _, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not in the table"));
    if step == Step::Closed {
        Some(ErrorCode::SessionClosed)
    } else if !roles.split_whitespace().map(role_of).any(|r| r == role) {
        Some(ErrorCode::Forbidden)
    } else if !steps.split_whitespace().map(step_of).any(|s| s == step) {
        Some(ErrorCode::WrongStep)
    } else {
        None
    }
}

/// What a valid instance of the command should get: `None` for success, else the code.
pub fn expected(name: &str, role: Role, step: Step) -> Option<ErrorCode> {
    rights_refusal(name, role, step).or_else(|| {
        NO_VALID_INSTANCE
            .iter()
            .find(|(n, s, _)| *n == name && *s == step)
            .map(|(_, _, code)| *code)
    })
}
