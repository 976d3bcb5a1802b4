//! The method's table of rights, written from `docs/method.md` ("Rules the server enforces"),
//! and what it says a command should get. One table for two checks: the pure logic
//! (`shared/tests/rights.rs`) and the server over real WebSockets
//! (`tests/tests/integration/rights_over_the_wire.rs`, which includes this file by path). It is
//! never computed from `logic::rights`: that would test the code against itself.

use shared::state::{NoteKind, Role, RoomState};
use shared::{ActionId, Command, ErrorCode, NoteId, ParticipantId, QuestionId, Step};

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
    // The client and the consultants raise a hand to ask for the floor; the
    // facilitator gives it and observers watch. In the closing round the round gives
    // the word: no queue, and the floor follows the round.
    ("raise_hand",          "cli con",          "0 1 2 3 4 5"),
    ("lower_hand",          "cli con",          "0 1 2 3 4 5"),
    ("give_floor",          "fac",              "0 1 2 3 4 5"),
    ("take_floor",          "fac",              "0 1 2 3 4 5"),
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

/// The ids both casts (in memory, `common`; over the wire, `tests::cast`) give Ana's
/// question card, Ana's and Ben's notes, and the plan's two actions.
pub const Q_ANA: &str = "q-ana";
pub const N_ANA: &str = "n-ana";
pub const N_BEN: &str = "n-ben";
pub const A_ONE: &str = "a-one";
pub const A_TWO: &str = "a-two";

/// A valid instance of the command in a room either cast builds at `step`, `ana` being
/// the consultant's id there and `seen` the room as its sender sees it (where the step,
/// the floor and the round's turn are): real ids, fresh ids where something is created,
/// texts within bounds. The table's rows are checked with these.
pub fn valid_command(name: &str, step: Step, ana: ParticipantId, seen: &RoomState) -> Command {
    use Command::*;
    let from = seen.step;
    match name {
        "accept_charter" => AcceptCharter,
        "pick_client" => PickClient {
            participant: ana.clone(),
        },
        "next_step" => NextStep { from },
        "previous_step" => PreviousStep { from },
        "go_to_step" => GoToStep {
            step: if step == Step::Clarification {
                Step::Problem
            } else {
                Step::Clarification
            },
            from,
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
            participant: ana.clone(),
            from: seen.floor.clone(),
        },
        // Nobody's floor to take back is a stale command: the tests give it first.
        "take_floor" => TakeFloor {
            from: seen.floor.clone().unwrap_or(ana),
        },
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
        "advance_round" => AdvanceRound {
            from: seen.round.as_ref().map_or(0, |round| round.current),
        },
        "close_session" => CloseSession,
        other => panic!("no valid instance for {other}"),
    }
}
