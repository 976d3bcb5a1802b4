//! One random session: the ops run against a room and a client's copy, each step
//! checked against the invariants, the retries, the wire and, at the end, the log's replay.

use crate::common::*;
use crate::generate::Op;
use crate::wire::{check_event_wire, check_state_wire};
use proptest::prelude::*;
use shared::command::Command;
use shared::event::Event;
use shared::invariants;
use shared::logic::{decide, decide_join};
use shared::state::RoomState;
use shared::{ErrorCode, Limits, Millis, ParticipantId, Room, Step};
use std::collections::BTreeMap;

/// The room the operations start from: the cast joined, the client picked, still in
/// the welcome.
pub fn initial_state() -> RoomState {
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
pub fn retry_is_harmless(command: &Command) -> bool {
    !matches!(command, Command::ExtendTimer { .. } | Command::CloseSession)
}

pub struct Run {
    pub room: Room,
    /// What a client sees: the initial snapshot plus every public event.
    pub client: RoomState,
    pub log: Vec<(Option<ParticipantId>, Event)>,
    pub now: Millis,
    pub late_joiners: usize,
    pub accepted_by_name: BTreeMap<&'static str, usize>,
    pub refused_by_code: BTreeMap<String, usize>,
    /// The commands as resolved, for failure messages.
    pub trace: Vec<String>,
}

impl Run {
    pub fn new() -> Self {
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

    pub fn step(&mut self, op: &Op, limits: &Limits) -> Result<(), TestCaseError> {
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
    pub fn run(&mut self, ops: &[Op], limits: &Limits) -> Result<(), TestCaseError> {
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
