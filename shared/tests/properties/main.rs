//! Property tests: random sequences of commands from every role, checked after every
//! step against the invariants, the event log, the client's replay and the wire format.
//!
//! The generator (`generate.rs`), one run (`run.rs`) and the wire checks (`wire.rs`)
//! live beside this file; the cast and the `Simulation` come from `common/`, shared
//! with the other test files.

#[path = "../common/mod.rs"]
mod common;
mod generate;
mod run;
mod wire;

use common::*;
use generate::{Raw, VARIANTS, build, op};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use run::{Run, initial_state};
use shared::state::NoteKind;
use shared::{Limits, Step};
use std::collections::BTreeMap;
use wire::check_anonymous;

proptest! {
    // Saved failures stay beside this file (`main.proptest-regressions`), where the
    // default would now look for them in `tests/proptest-regressions/main.txt`.
    #![proptest_config(ProptestConfig {
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..ProptestConfig::with_cases(256)
    })]

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
