//! The commands each cell of the table sends: a valid instance (made meaningful
//! first, by `prepare`) and invalid ones with the value error each must get.

use super::*;

/// Who acts for each role: the consultant is always Ana, author of `N_ANA` and `Q_ANA`.
pub fn actor_for(role: Role) -> &'static str {
    match role {
        Role::Facilitator => FAC,
        Role::Client => CLI,
        Role::Consultant => ANA,
        Role::Observer => OBS,
    }
}

/// [`valid_command`] with the in-memory cast's Ana.
pub fn valid(name: &str, step: Step, seen: &RoomState) -> Command {
    valid_command(name, step, pid(ANA), seen)
}

/// Invalid instances and the value error each gets where the sender may send it.
/// Where the sender may not, the rights error must win: values are checked last.
pub fn invalid(name: &str, seen: &RoomState) -> Vec<(Command, ErrorCode)> {
    use Command::*;
    use ErrorCode::*;
    let long = |n: usize| "x".repeat(n);
    match name {
        "pick_client" => vec![
            (
                PickClient {
                    participant: pid(OBS),
                },
                InvalidValue,
            ),
            (
                PickClient {
                    participant: pid(FAC),
                },
                InvalidValue,
            ),
            (
                PickClient {
                    participant: pid(GHOST),
                },
                NotFound,
            ),
        ],
        "go_to_step" => vec![(
            GoToStep {
                step: Step::Closed,
                from: seen.step,
            },
            NoSuchStep,
        )],
        "set_duration" => vec![
            (
                SetDuration {
                    step: Step::Problem,
                    minutes: 0,
                },
                InvalidValue,
            ),
            (
                SetDuration {
                    step: Step::Problem,
                    minutes: 241,
                },
                TooLong,
            ),
            (
                SetDuration {
                    step: Step::Closed,
                    minutes: 10,
                },
                InvalidValue,
            ),
        ],
        "extend_timer" => vec![
            (ExtendTimer { minutes: 0 }, InvalidValue),
            (ExtendTimer { minutes: 241 }, TooLong),
        ],
        "give_floor" => vec![
            (
                GiveFloor {
                    participant: pid(OBS),
                    from: seen.floor.clone(),
                },
                InvalidValue,
            ),
            (
                GiveFloor {
                    participant: pid(GHOST),
                    from: seen.floor.clone(),
                },
                NotFound,
            ),
        ],
        "set_problem" => vec![
            (
                SetProblem {
                    title: "  ".into(),
                    summary: "s".into(),
                },
                EmptyText,
            ),
            (
                SetProblem {
                    title: long(121),
                    summary: "".into(),
                },
                TooLong,
            ),
            (
                SetProblem {
                    title: "t".into(),
                    summary: long(4_001),
                },
                TooLong,
            ),
        ],
        "post_question" => vec![
            (
                PostQuestion {
                    question_id: qid("q x"),
                    text: "t".into(),
                },
                InvalidValue,
            ),
            (
                PostQuestion {
                    question_id: qid("q-new"),
                    text: " ".into(),
                },
                EmptyText,
            ),
            (
                PostQuestion {
                    question_id: qid("q-new"),
                    text: long(501),
                },
                TooLong,
            ),
            (
                PostQuestion {
                    question_id: qid(Q_BEN),
                    text: "t".into(),
                },
                IdTaken,
            ),
        ],
        "withdraw_question" => vec![
            (
                WithdrawQuestion {
                    question_id: qid(Q_BEN),
                },
                NotAuthor,
            ),
            (
                WithdrawQuestion {
                    question_id: qid("q-none"),
                },
                NotFound,
            ),
        ],
        "mark_answered" => vec![(
            MarkAnswered {
                question_id: qid("q-none"),
                answered: true,
            },
            NotFound,
        )],
        "set_contract" => vec![
            (SetContract { text: "".into() }, EmptyText),
            (SetContract { text: long(2_001) }, TooLong),
        ],
        "post_note" => vec![
            (
                PostNote {
                    note_id: nid(""),
                    kind: NoteKind::Comment,
                    text: "t".into(),
                },
                InvalidValue,
            ),
            (
                PostNote {
                    note_id: nid("n-new"),
                    kind: NoteKind::Comment,
                    text: "\n".into(),
                },
                EmptyText,
            ),
            (
                PostNote {
                    note_id: nid("n-new"),
                    kind: NoteKind::Comment,
                    text: long(1_001),
                },
                TooLong,
            ),
            (
                PostNote {
                    note_id: nid(N_BEN),
                    kind: NoteKind::Comment,
                    text: "t".into(),
                },
                IdTaken,
            ),
        ],
        "edit_note" => vec![
            (
                EditNote {
                    note_id: nid(N_BEN),
                    kind: NoteKind::Comment,
                    text: "t".into(),
                },
                NotAuthor,
            ),
            (
                EditNote {
                    note_id: nid("n-none"),
                    kind: NoteKind::Comment,
                    text: "t".into(),
                },
                NotFound,
            ),
            (
                EditNote {
                    note_id: nid(N_ANA),
                    kind: NoteKind::Comment,
                    text: " ".into(),
                },
                EmptyText,
            ),
        ],
        "delete_note" => vec![
            (
                DeleteNote {
                    note_id: nid(N_BEN),
                },
                NotAuthor,
            ),
            (
                DeleteNote {
                    note_id: nid("n-none"),
                },
                NotFound,
            ),
        ],
        "keep_note" => vec![(
            KeepNote {
                note_id: nid("n-none"),
                kept: true,
            },
            NotFound,
        )],
        "hide_note" => vec![(
            HideNote {
                note_id: nid("n-none"),
                hidden: true,
            },
            NotFound,
        )],
        "add_action" => vec![
            (
                AddAction {
                    action_id: aid("a b"),
                    text: "t".into(),
                    due: None,
                },
                InvalidValue,
            ),
            (
                AddAction {
                    action_id: aid("a-new"),
                    text: "".into(),
                    due: None,
                },
                EmptyText,
            ),
            (
                AddAction {
                    action_id: aid("a-new"),
                    text: "t".into(),
                    due: Some("2030-02-30".into()),
                },
                InvalidValue,
            ),
        ],
        "edit_action" => vec![
            (
                EditAction {
                    action_id: aid("a-none"),
                    text: "t".into(),
                    due: None,
                },
                NotFound,
            ),
            (
                EditAction {
                    action_id: aid(A_ONE),
                    text: " ".into(),
                    due: None,
                },
                EmptyText,
            ),
            (
                EditAction {
                    action_id: aid(A_ONE),
                    text: "t".into(),
                    due: Some("31/01/2030".into()),
                },
                InvalidValue,
            ),
        ],
        "move_action" => vec![
            (
                MoveAction {
                    action_id: aid(A_ONE),
                    to: 2,
                },
                InvalidValue,
            ),
            (
                MoveAction {
                    action_id: aid("a-none"),
                    to: 0,
                },
                NotFound,
            ),
        ],
        "write_learning" => vec![
            (WriteLearning { text: "   ".into() }, EmptyText),
            (WriteLearning { text: long(2_001) }, TooLong),
        ],
        // Commands without values, or whose only "wrong" value is a harmless retry.
        _ => Vec::new(),
    }
}

/// Make the valid instance meaningful: something to pause, lower or take back.
pub fn prepare(session: &mut Simulation, name: &str, actor: &str) {
    if session.room.state.step == Step::Closed {
        return;
    }
    match name {
        "pause_timer" => {
            session.must(FAC, Command::StartTimer);
        }
        // Only where the sender may raise one (elsewhere the rights refuse both).
        "lower_hand" => {
            let _ = session.send(actor, Command::RaiseHand);
        }
        // Only where the facilitator may give the floor (elsewhere the refusal comes
        // from the rights, whatever the command names).
        "take_floor" => {
            let _ = session.send(FAC, session.give_floor(BEN));
        }
        _ => {}
    }
}

pub fn show(code: Option<ErrorCode>) -> String {
    match code {
        None => "Ok".into(),
        Some(code) => format!("{code:?}"),
    }
}
