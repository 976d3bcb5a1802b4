//! The generator: random operations (commands from anyone, late joiners), steered
//! towards each step's own work so that random runs reach the whole session.

use crate::common::*;
use proptest::prelude::*;
use proptest::sample::select;
use shared::command::Command;
use shared::state::{NoteKind, Role, RoomState};
use shared::{Millis, ParticipantId, Step};

/// Who may send: the cast, two late joiners (not joined until a `Join` names them)
/// and someone who never joins.
pub const ACTORS: [&str; 8] = [FAC, CLI, ANA, BEN, OBS, "p-late1", "p-late2", GHOST];
/// The facilitator sends the most (steps), the observer and strangers the least.
pub const ACTOR_WEIGHTS: [u32; 8] = [6, 4, 4, 3, 2, 1, 1, 1];

pub const NOTE_IDS: [&str; 3] = ["n1", "n2", "bad id"];
pub const QUESTION_IDS: [&str; 3] = ["q1", "q2", "bad/id"];
pub const ACTION_IDS: [&str; 4] = ["a1", "a2", "a3", ""];

/// Short texts, blank ones and one too long for anything but a summary; mostly
/// valid ones.
pub fn texts() -> impl Strategy<Value = String> {
    weighted([
        (String::new(), 1),
        ("   ".into(), 1),
        ("oui".into(), 3),
        ("  des espaces  ".into(), 2),
        ("Déjà vécu 🙂".into(), 2),
        ("x".repeat(2_001), 1),
    ])
}

/// Every command variant, by index, with its weight: moving the session along is
/// likelier so that random runs reach the later steps, closing it rarer so that most
/// runs live long.
pub const VARIANTS: usize = 30;
pub fn variant_weight(variant: usize) -> u32 {
    match variant {
        1 => 8,       // pick_client
        2 => 12,      // next_step
        3 => 4,       // previous_step
        4 => 8,       // go_to_step
        29 => 1,      // close_session
        18..=22 => 8, // notes
        14..=16 => 6, // question cards
        23..=26 => 6, // actions
        _ => 4,
    }
}

/// The roles that would usually send a command, to steer the generator towards
/// accepted commands (the assertions never rely on this); `None` means anyone.
pub fn usual_roles(command: &Command) -> Option<&'static [Role]> {
    use Command::*;
    match command {
        PickClient { .. }
        | NextStep { .. }
        | PreviousStep { .. }
        | GoToStep { .. }
        | SetDuration { .. }
        | StartTimer
        | PauseTimer
        | ExtendTimer { .. }
        | GiveFloor { .. }
        | TakeFloor { .. }
        | HideNote { .. }
        | AdvanceRound { .. }
        | CloseSession => Some(&[Role::Facilitator]),
        SetProblem { .. }
        | SetContract { .. }
        | KeepNote { .. }
        | AddAction { .. }
        | EditAction { .. }
        | RemoveAction { .. }
        | MoveAction { .. } => Some(&[Role::Client]),
        MarkAnswered { .. } => Some(&[Role::Facilitator, Role::Client]),
        PostQuestion { .. }
        | WithdrawQuestion { .. }
        | PostNote { .. }
        | EditNote { .. }
        | DeleteNote { .. } => Some(&[Role::Consultant]),
        AcceptCharter | RaiseHand | LowerHand | WriteLearning { .. } => None,
    }
}

/// The variants that make sense at each step, to steer the generator towards the
/// step's own work (again, never relied on by the assertions).
pub fn step_variants(step: Step) -> &'static [usize] {
    // 2 is next_step: each step's work ends by moving on.
    match step {
        Step::Welcome => &[0, 1, 2],
        Step::Problem => &[13, 9, 2],
        Step::Clarification => &[14, 14, 15, 16, 16, 9, 11, 2],
        Step::Contract => &[17, 2],
        Step::Exploration => &[18, 18, 18, 19, 19, 20, 21, 21, 22, 9, 11, 2],
        Step::ActionPlan => &[23, 23, 23, 24, 25, 26, 26, 22, 2],
        Step::Closing => &[27, 28, 22, 3],
        Step::Closed => &[],
    }
}

/// Raw material for one command; `build` picks the fields its variant needs.
#[derive(Clone, Debug)]
pub struct Raw {
    pub variant: usize,
    pub participant: &'static str,
    pub note: &'static str,
    pub question: &'static str,
    pub action: &'static str,
    pub text: String,
    pub other_text: String,
    pub kind: NoteKind,
    pub step: Step,
    pub minutes: u32,
    pub flag: bool,
    pub to: usize,
    pub due: Option<String>,
    /// Cursor commands (step, floor, round) name where they move from: the room's
    /// current place, or, when stale, somewhere else picked from the raw values.
    pub stale: bool,
}

/// The command `raw` describes, sent to a room that is at `state`.
pub fn build(raw: Raw, state: &RoomState) -> Command {
    use Command::*;
    let Raw {
        participant,
        note,
        question,
        action,
        text,
        other_text,
        kind,
        step,
        minutes,
        flag,
        to,
        due,
        stale,
        ..
    } = raw;
    let from = if stale { step } else { state.step };
    let floor = if stale {
        Some(pid(participant))
    } else {
        state.floor.clone()
    };
    let turn = match &state.round {
        Some(round) if !stale => round.current,
        _ => to,
    };
    match raw.variant {
        0 => AcceptCharter,
        1 => PickClient {
            participant: pid(participant),
        },
        2 => NextStep { from },
        3 => PreviousStep { from },
        4 => GoToStep { step, from },
        5 => SetDuration { step, minutes },
        6 => StartTimer,
        7 => PauseTimer,
        8 => ExtendTimer { minutes },
        9 => RaiseHand,
        10 => LowerHand,
        11 => GiveFloor {
            participant: pid(participant),
            from: floor,
        },
        12 => TakeFloor {
            from: floor.unwrap_or_else(|| pid(participant)),
        },
        13 => SetProblem {
            title: text,
            summary: other_text,
        },
        14 => PostQuestion {
            question_id: qid(question),
            text,
        },
        15 => WithdrawQuestion {
            question_id: qid(question),
        },
        16 => MarkAnswered {
            question_id: qid(question),
            answered: flag,
        },
        17 => SetContract { text },
        18 => PostNote {
            note_id: nid(note),
            kind,
            text,
        },
        19 => EditNote {
            note_id: nid(note),
            kind,
            text,
        },
        20 => DeleteNote { note_id: nid(note) },
        21 => KeepNote {
            note_id: nid(note),
            kept: flag,
        },
        22 => HideNote {
            note_id: nid(note),
            hidden: flag,
        },
        23 => AddAction {
            action_id: aid(action),
            text,
            due,
        },
        24 => EditAction {
            action_id: aid(action),
            text,
            due,
        },
        25 => RemoveAction {
            action_id: aid(action),
        },
        26 => MoveAction {
            action_id: aid(action),
            to,
        },
        27 => WriteLearning { text },
        28 => AdvanceRound { from: turn },
        29 => CloseSession,
        other => unreachable!("variant {other}"),
    }
}

pub fn weighted<T: Clone + std::fmt::Debug + 'static>(
    items: impl IntoIterator<Item = (T, u32)>,
) -> impl Strategy<Value = T> {
    let pool: Vec<T> = items
        .into_iter()
        .flat_map(|(item, weight)| std::iter::repeat_n(item, weight as usize))
        .collect();
    select(pool)
}

pub fn raw() -> impl Strategy<Value = Raw> {
    let variant = weighted((0..VARIANTS).map(|v| (v, variant_weight(v))));
    let ids = (
        // Mostly the cast's client: picking someone else is rarer.
        weighted(
            ACTORS
                .into_iter()
                .map(|a| (a, if a == CLI { 6 } else { 1 })),
        ),
        select(NOTE_IDS.to_vec()),
        select(QUESTION_IDS.to_vec()),
        select(ACTION_IDS.to_vec()),
    );
    let texts = (texts(), texts());
    let values = (
        select(NoteKind::ALL.to_vec()),
        select(Step::ALL.to_vec()),
        select(vec![0u32, 1, 7, 15, 240, 241]),
        any::<bool>(),
        (0usize..4, prop::bool::weighted(0.15)),
        select(vec![
            None,
            Some(String::new()),
            Some("2030-02-28".to_owned()),
            Some("2030-02-30".to_owned()),
            Some("bientôt".to_owned()),
        ]),
    );
    (variant, ids, texts, values).prop_map(
        |(variant, (participant, note, question, action), (text, other_text), v)| {
            let (kind, step, minutes, flag, (to, stale), due) = v;
            Raw {
                variant,
                participant,
                note,
                question,
                action,
                text,
                other_text,
                kind,
                step,
                minutes,
                flag,
                to,
                due,
                stale,
            }
        },
    )
}

#[derive(Clone, Debug)]
pub enum Op {
    /// A command, `dt` ms after the last op. Which command and who sends it are
    /// resolved against the room when the op runs (see [`Op::resolve`]).
    Send {
        raw: Raw,
        /// Replace the variant by one of the current step's own commands.
        fit: bool,
        /// Let a participant with a usual role for the command send it.
        usual: bool,
        pick: prop::sample::Index,
        /// Otherwise, who sends it (an index into `ACTORS`).
        anyone: usize,
        dt: Millis,
    },
    /// The next late joiner arrives with this role and name.
    Join {
        role: Role,
        name: String,
        dt: Millis,
    },
}

impl Op {
    /// The sender and the command of a `Send`, given the room as it is now.
    pub fn resolve(&self, state: &RoomState) -> Option<(ParticipantId, Command)> {
        let Op::Send {
            raw,
            fit,
            usual,
            pick,
            anyone,
            ..
        } = self
        else {
            return None;
        };
        let mut raw = raw.clone();
        let variants = step_variants(state.step);
        if *fit && !variants.is_empty() {
            raw.variant = variants[raw.variant % variants.len()];
        }
        let command = build(raw, state);
        let senders: Vec<ParticipantId> = match usual_roles(&command) {
            Some(roles) if *usual => state
                .participants
                .iter()
                .filter(|p| roles.contains(&p.role))
                .map(|p| p.id.clone())
                .collect(),
            _ => Vec::new(),
        };
        let actor = if senders.is_empty() {
            pid(ACTORS[*anyone])
        } else {
            pick.get(&senders).clone()
        };
        Some((actor, command))
    }
}

pub fn op() -> impl Strategy<Value = Op> {
    let dt = prop_oneof![Just(0u64), 1u64..5_000, 60_000u64..3_600_000];
    let anyone = weighted(ACTOR_WEIGHTS.into_iter().enumerate());
    // Mostly the step's own work, mostly by those whose work it is; the rest is noise
    // that must be refused cleanly.
    let send = (
        raw(),
        prop::bool::weighted(0.6),
        prop::bool::weighted(0.8),
        any::<prop::sample::Index>(),
        anyone,
        dt.clone(),
    )
        .prop_map(|(raw, fit, usual, pick, anyone, dt)| Op::Send {
            raw,
            fit,
            usual,
            pick,
            anyone,
            dt,
        });
    prop_oneof![
        30 => send,
        1 => (select(Role::ALL.to_vec()), select(vec!["Léa", "", "Zoé"]), dt)
            .prop_map(|(role, name, dt)| Op::Join { role, name: name.into(), dt }),
    ]
}
