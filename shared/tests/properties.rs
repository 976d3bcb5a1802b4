//! Property tests: random sequences of commands from every role, checked after every
//! step against the invariants, the event log, the client's replay and the wire format.

mod common;

use common::*;
use proptest::prelude::*;
use proptest::sample::select;
use serde_json::Value;
use shared::command::Command;
use shared::event::Event;
use shared::invariants;
use shared::logic::{decide, decide_join};
use shared::state::{NoteKind, Role, RoomState};
use shared::{ErrorCode, Limits, Millis, ParticipantId, Room, Step};
use std::collections::BTreeMap;

/// Who may send: the cast, two late joiners (not joined until a `Join` names them)
/// and someone who never joins.
const ACTORS: [&str; 8] = [FAC, CLI, ANA, BEN, OBS, "p-late1", "p-late2", GHOST];
/// The facilitator sends the most (steps), the observer and strangers the least.
const ACTOR_WEIGHTS: [u32; 8] = [6, 4, 4, 3, 2, 1, 1, 1];

const NOTE_IDS: [&str; 3] = ["n1", "n2", "bad id"];
const QUESTION_IDS: [&str; 3] = ["q1", "q2", "bad/id"];
const ACTION_IDS: [&str; 4] = ["a1", "a2", "a3", ""];

/// Short texts, blank ones and one too long for anything but a summary; mostly
/// valid ones.
fn texts() -> impl Strategy<Value = String> {
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
const VARIANTS: usize = 30;
fn variant_weight(variant: usize) -> u32 {
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
fn usual_roles(command: &Command) -> Option<&'static [Role]> {
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
fn step_variants(step: Step) -> &'static [usize] {
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
struct Raw {
    variant: usize,
    participant: &'static str,
    note: &'static str,
    question: &'static str,
    action: &'static str,
    text: String,
    other_text: String,
    kind: NoteKind,
    step: Step,
    minutes: u32,
    flag: bool,
    to: usize,
    due: Option<String>,
    /// Cursor commands (step, floor, round) name where they move from: the room's
    /// current place, or, when stale, somewhere else picked from the raw values.
    stale: bool,
}

/// The command `raw` describes, sent to a room that is at `state`.
fn build(raw: Raw, state: &RoomState) -> Command {
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

fn weighted<T: Clone + std::fmt::Debug + 'static>(
    items: impl IntoIterator<Item = (T, u32)>,
) -> impl Strategy<Value = T> {
    let pool: Vec<T> = items
        .into_iter()
        .flat_map(|(item, weight)| std::iter::repeat_n(item, weight as usize))
        .collect();
    select(pool)
}

fn raw() -> impl Strategy<Value = Raw> {
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
enum Op {
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
    fn resolve(&self, state: &RoomState) -> Option<(ParticipantId, Command)> {
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

fn op() -> impl Strategy<Value = Op> {
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

/// The room the operations start from: the cast joined, the client picked, still in
/// the welcome.
fn initial_state() -> RoomState {
    let mut session = Simulation::joined();
    session.must(
        FAC,
        Command::PickClient {
            participant: pid(CLI),
        },
    );
    session.room.state
}

/// Commands whose retry, right after they were accepted, must change nothing. Those
/// that move a cursor are among them: they name where they move from.
fn retry_is_harmless(command: &Command) -> bool {
    !matches!(command, Command::ExtendTimer { .. } | Command::CloseSession)
}

/// Every key anywhere in a JSON value.
fn keys(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, inner) in map {
                out.push(key.clone());
                keys(inner, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|item| keys(item, out)),
        _ => {}
    }
}

/// Every string anywhere in a JSON value.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Object(map) => map.values().for_each(|inner| strings(inner, out)),
        Value::Array(items) => items.iter().for_each(|item| strings(item, out)),
        _ => {}
    }
}

/// A note's JSON names no author: no author-like key, no participant id anywhere.
fn check_anonymous(note_json: &Value, what: &str) -> Result<(), TestCaseError> {
    let mut found = Vec::new();
    keys(note_json, &mut found);
    prop_assert!(
        !found.iter().any(|k| {
            let k = k.to_lowercase();
            k.contains("author") || k.contains("participant") || k.contains("by")
        }),
        "{what} has an author-like key: {note_json}"
    );
    let mut values = Vec::new();
    strings(note_json, &mut values);
    prop_assert!(
        !values.iter().any(|v| ACTORS.contains(&v.as_str())),
        "{what} names a participant: {note_json}"
    );
    Ok(())
}

fn check_event_wire(event: &Event) -> Result<(), TestCaseError> {
    let text = serde_json::to_string(event).expect("events serialize");
    let back: Event = serde_json::from_str(&text).expect("events deserialize");
    prop_assert_eq!(&back, event);
    if matches!(event, Event::NotePosted { .. } | Event::NoteEdited { .. }) {
        let value: Value = serde_json::from_str(&text).unwrap();
        check_anonymous(&value, "a note event")?;
    }
    Ok(())
}

fn check_state_wire(state: &RoomState) -> Result<(), TestCaseError> {
    // Read back from the text, as a client does: a `serde_json::Value` sorts its keys,
    // and the timer's `state` must come first (`shared::tag_first`).
    let text = serde_json::to_string(state).expect("states serialize");
    let back: RoomState = serde_json::from_str(&text).expect("states deserialize");
    let value: Value = serde_json::from_str(&text).unwrap();
    prop_assert_eq!(&back, state);
    check_anonymous(&value["notes"], "the notes of a snapshot")?;
    Ok(())
}

struct Run {
    room: Room,
    /// What a client sees: the initial snapshot plus every public event.
    client: RoomState,
    log: Vec<(Option<ParticipantId>, Event)>,
    now: Millis,
    late_joiners: usize,
    accepted_by_name: BTreeMap<&'static str, usize>,
    refused_by_code: BTreeMap<String, usize>,
    /// The commands as resolved, for failure messages.
    trace: Vec<String>,
}

impl Run {
    fn new() -> Self {
        let state = initial_state();
        Run {
            room: Room::new(state.clone()),
            client: state,
            log: Vec::new(),
            now: T0 + 1_000,
            late_joiners: 0,
            accepted_by_name: BTreeMap::new(),
            refused_by_code: BTreeMap::new(),
            trace: Vec::new(),
        }
    }

    fn record(&mut self, actor: Option<&ParticipantId>, event: Event) -> Result<(), TestCaseError> {
        check_event_wire(&event)?;
        self.room.apply(&event, actor);
        self.client.apply(&event);
        self.log.push((actor.cloned(), event));
        Ok(())
    }

    fn step(&mut self, op: &Op, limits: &Limits) -> Result<(), TestCaseError> {
        let before = self.room.clone();
        match op {
            Op::Send { dt, .. } => {
                self.now += dt;
                let (actor, command) = op.resolve(&self.room.state).expect("a send");
                let command = &command;
                self.trace.push(format!("{actor} {command:?}"));
                let result = decide(&self.room, &actor, command, self.now, limits);
                if let Some(line) = self.trace.last_mut() {
                    match &result {
                        Ok(events) => line.push_str(&format!(" -> {} event(s)", events.len())),
                        Err(rejection) => line.push_str(&format!(" -> {:?}", rejection.code)),
                    }
                }
                prop_assert_eq!(
                    &result,
                    &decide(&self.room, &actor, command, self.now, limits),
                    "decide is a function of its inputs"
                );
                match result {
                    Err(rejection) => {
                        *self
                            .refused_by_code
                            .entry(format!("{:?}", rejection.code))
                            .or_insert(0) += 1;
                        prop_assert_eq!(&self.room, &before, "refused: {:?}", rejection);
                        if self.room.state.participant(&actor).is_none()
                            && self.room.state.step != Step::Closed
                        {
                            prop_assert_eq!(rejection.code, shared::ErrorCode::NotJoined);
                        }
                    }
                    Ok(events) => {
                        *self.accepted_by_name.entry(command.name()).or_insert(0) += 1;
                        for event in events {
                            self.record(Some(&actor), event)?;
                        }
                        if retry_is_harmless(command) {
                            let retry = decide(&self.room, &actor, command, self.now + 1, limits);
                            let stale = retry.as_ref().is_err_and(|r| r.code == ErrorCode::Stale);
                            prop_assert!(
                                retry.is_ok() || (stale && command.moves_a_cursor()),
                                "retry of {:?}: {:?}",
                                command,
                                retry
                            );
                            let mut again = self.room.clone();
                            for event in retry.unwrap_or_default() {
                                again.apply(&event, Some(&actor));
                            }
                            prop_assert_eq!(
                                &again,
                                &self.room,
                                "a retry of {:?} changed the room",
                                command
                            );
                        }
                    }
                }
            }
            Op::Join { role, name, dt } => {
                self.now += dt;
                self.trace.push(format!("join as {role:?} named {name:?}"));
                let id = pid(&format!("p-late{}", self.late_joiners + 1));
                match decide_join(&self.room.state, id.clone(), name, *role, limits) {
                    Ok(event) => {
                        self.late_joiners += 1;
                        self.record(Some(&id), event)?;
                    }
                    Err(_) => prop_assert_eq!(&self.room, &before),
                }
            }
        }
        if let Err(broken) = invariants::check(&self.room)
            .and_then(|()| invariants::check_bounds(&self.room.state, limits))
        {
            return Err(TestCaseError::fail(format!(
                "invariant broken: {broken}\nstate: {:#?}",
                self.room.state
            )));
        }
        prop_assert_eq!(
            &self.client,
            &self.room.state,
            "the client's replay drifted"
        );
        check_state_wire(&self.room.state)?;
        Ok(())
    }

    /// Run every op, then check the replays; a failure lists the commands as sent.
    fn run(&mut self, ops: &[Op], limits: &Limits) -> Result<(), TestCaseError> {
        let result = ops
            .iter()
            .try_for_each(|op| self.step(op, limits))
            .and_then(|()| self.check_replay());
        result.map_err(|e| {
            TestCaseError::fail(format!("{e}\nsent, in order:\n{}", self.trace.join("\n")))
        })
    }

    /// The log alone rebuilds the room, authors included, and shrinking it changes
    /// nothing.
    fn check_replay(&self) -> Result<(), TestCaseError> {
        let mut replay = Room::new(initial_state());
        for (actor, event) in &self.log {
            replay.apply(event, actor.as_ref());
        }
        prop_assert_eq!(&replay, &self.room);
        // What the server does to a room it loads: it gives back spare room, nothing else.
        replay.shrink_to_fit();
        prop_assert_eq!(&replay, &self.room);
        let mut client = initial_state();
        for (_, event) in &self.log {
            client.apply(event);
        }
        prop_assert_eq!(&client, &self.room.state);
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_sessions_keep_every_rule(ops in prop::collection::vec(op(), 0..60)) {
        let limits = Limits::default();
        Run::new().run(&ops, &limits)?;
    }

    /// Tight limits make the count limits and the participant cap bite.
    #[test]
    fn random_sessions_under_tight_limits(ops in prop::collection::vec(op(), 0..60)) {
        let limits = Limits {
            notes_per_participant: 1,
            questions_per_participant: 1,
            actions: 2,
            participants: 6,
            max_step_minutes: 20,
            ..Limits::default()
        };
        Run::new().run(&ops, &limits)?;
    }
}

/// A guard against a silent generator: random runs reach every step, and every
/// command is accepted somewhere.
#[test]
fn random_sessions_reach_every_step_and_command() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let limits = Limits::default();
    let mut runner = TestRunner::deterministic();
    let mut steps = BTreeMap::new();
    let mut accepted = BTreeMap::new();
    let mut refused = BTreeMap::new();
    for _ in 0..96 {
        let ops = prop::collection::vec(op(), 40..60)
            .new_tree(&mut runner)
            .unwrap()
            .current();
        let mut run = Run::new();
        for op in &ops {
            *steps.entry(run.room.state.step).or_insert(0) += 1;
            run.step(op, &limits).unwrap();
        }
        for (name, n) in run.accepted_by_name {
            *accepted.entry(name).or_insert(0) += n;
        }
        for (code, n) in run.refused_by_code {
            *refused.entry(code).or_insert(0) += n;
        }
    }
    eprintln!("ops per step: {steps:?}\naccepted: {accepted:?}\nrefused: {refused:?}");
    assert_eq!(steps.len(), Step::ALL.len(), "steps reached: {steps:?}");
    let missing: Vec<_> = (0..VARIANTS)
        .map(|v| {
            build(
                Raw {
                    variant: v,
                    ..sample_raw()
                },
                &initial_state(),
            )
            .name()
        })
        .filter(|name| !accepted.contains_key(name))
        .collect();
    assert!(missing.is_empty(), "never accepted: {missing:?}");
}

fn sample_raw() -> Raw {
    Raw {
        variant: 0,
        participant: CLI,
        note: "n1",
        question: "q1",
        action: "a1",
        text: "oui".into(),
        other_text: String::new(),
        kind: NoteKind::Comment,
        step: Step::Problem,
        minutes: 1,
        flag: true,
        to: 0,
        due: None,
        stale: false,
    }
}

/// The anonymity check itself catches an author, by key or by value.
#[test]
fn the_anonymity_check_sees_an_author() {
    let clean = serde_json::json!({"id": "n1", "kind": "advice", "text": "oui"});
    assert!(check_anonymous(&clean, "clean").is_ok());
    let by_key = serde_json::json!({"id": "n1", "posted_by": "someone"});
    assert!(check_anonymous(&by_key, "by key").is_err());
    let by_value = serde_json::json!({"note": {"id": "n1", "x": [ANA]}});
    assert!(check_anonymous(&by_value, "by value").is_err());
}
