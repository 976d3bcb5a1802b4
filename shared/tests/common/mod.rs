//! Helpers shared by the integration tests of `shared`: a cast of participants and a
//! session that walks the steps through `decide` and `apply`, as the server does.

#![allow(dead_code)]

pub mod rights_table;

use shared::command::Command;
use shared::event::Event;
use shared::logic::{decide, decide_join};
use shared::state::{Language, NoteKind, Role, RoomState};
use shared::{ActionId, ErrorCode, Limits, Millis, NoteId, ParticipantId, QuestionId, Rejection};
use shared::{Room, Step};

/// The facilitator.
pub const FAC: &str = "p-fac";
/// Joins as a consultant and is picked as the client.
pub const CLI: &str = "p-cli";
/// The consultant who acts in the tests; author of `Q_ANA` and `N_ANA`.
pub const ANA: &str = "p-ana";
/// Another consultant; author of `Q_BEN` and `N_BEN`.
pub const BEN: &str = "p-ben";
/// The observer.
pub const OBS: &str = "p-obs";
/// Nobody: never joined.
pub const GHOST: &str = "p-ghost";

pub use rights_table::{A_ONE, A_TWO, N_ANA, N_BEN, Q_ANA};
/// Ben's question card.
pub const Q_BEN: &str = "q-ben";

/// Server time when the room is created.
pub const T0: Millis = 1_700_000_000_000;

pub fn pid(id: &str) -> ParticipantId {
    ParticipantId::new(id)
}

pub fn nid(id: &str) -> NoteId {
    NoteId::new(id)
}

pub fn qid(id: &str) -> QuestionId {
    QuestionId::new(id)
}

pub fn aid(id: &str) -> ActionId {
    ActionId::new(id)
}

/// The code of a refusal, or `None` for success: handy in `assert_eq!`.
pub fn code(result: &Result<Vec<Event>, Rejection>) -> Option<ErrorCode> {
    result.as_ref().err().map(|r| r.code)
}

/// A room and the server's clock, driven through `decide` and `apply`.
#[derive(Clone, Debug)]
pub struct Simulation {
    pub room: Room,
    pub now: Millis,
    pub limits: Limits,
}

impl Simulation {
    /// A room with a facilitator, two consultants, a future client and an observer
    /// joined, nobody picked yet, still in the welcome.
    pub fn joined() -> Self {
        let mut session = Simulation {
            room: Room::new(RoomState::new("Séance", Language::Fr, T0)),
            now: T0,
            limits: Limits::default(),
        };
        for (id, name, role) in [
            (FAC, "Fanny", Role::Facilitator),
            (CLI, "Claude", Role::Consultant),
            (ANA, "Ana", Role::Consultant),
            (BEN, "Ben", Role::Consultant),
            (OBS, "Olga", Role::Observer),
        ] {
            let event = decide_join(&session.room.state, pid(id), name, role, &session.limits)
                .unwrap_or_else(|r| panic!("{id} cannot join: {r}"));
            session.room.apply(&event, Some(&pid(id)));
        }
        session
    }

    /// A realistic room at `target`: the client picked, and everything the earlier
    /// steps produce (problem, question cards, contract, one note by each consultant,
    /// two actions, the closing round). `Step::Closed` walks everything, then closes.
    pub fn at_step(target: Step) -> Self {
        let mut s = Simulation::joined();
        s.must(
            FAC,
            Command::PickClient {
                participant: pid(CLI),
            },
        );
        for step in Step::MOVABLE.into_iter().skip(1) {
            if s.room.state.step == target {
                break;
            }
            s.must(FAC, s.next_step());
            assert_eq!(s.room.state.step, step);
            match step {
                Step::Problem => {
                    s.must(
                        CLI,
                        Command::SetProblem {
                            title: "Déléguer sans tout reprendre".into(),
                            summary: "Mon équipe grandit et je reprends tout.".into(),
                        },
                    );
                }
                Step::Clarification => {
                    for (who, id) in [(ANA, Q_ANA), (BEN, Q_BEN)] {
                        s.must(
                            who,
                            Command::PostQuestion {
                                question_id: qid(id),
                                text: "Depuis quand ?".into(),
                            },
                        );
                    }
                }
                Step::Contract => {
                    s.must(
                        CLI,
                        Command::SetContract {
                            text: "Ce que j'attends de vous : des pistes concrètes.".into(),
                        },
                    );
                }
                Step::Exploration => {
                    for (who, id, kind) in [
                        (ANA, N_ANA, NoteKind::Advice),
                        (BEN, N_BEN, NoteKind::Feeling),
                    ] {
                        s.must(
                            who,
                            Command::PostNote {
                                note_id: nid(id),
                                kind,
                                text: "Essaie de déléguer un dossier entier.".into(),
                            },
                        );
                    }
                }
                Step::ActionPlan => {
                    s.must(
                        CLI,
                        Command::AddAction {
                            action_id: aid(A_ONE),
                            text: "Choisir un dossier à déléguer".into(),
                            due: None,
                        },
                    );
                    s.must(
                        CLI,
                        Command::AddAction {
                            action_id: aid(A_TWO),
                            text: "En parler à l'équipe".into(),
                            due: Some("2030-01-31".into()),
                        },
                    );
                }
                _ => {}
            }
        }
        if target == Step::Closed {
            s.must(FAC, Command::CloseSession);
        }
        assert_eq!(s.room.state.step, target);
        s
    }

    /// The facilitator's "next step" from where the room is.
    pub fn next_step(&self) -> Command {
        Command::next_step(&self.room.state)
    }

    /// The facilitator's "previous step" from where the room is.
    pub fn previous_step(&self) -> Command {
        Command::previous_step(&self.room.state)
    }

    /// The facilitator's jump to `step` from where the room is.
    pub fn go_to(&self, step: Step) -> Command {
        Command::go_to_step(&self.room.state, step)
    }

    /// The facilitator gives the floor to `who`, having seen who holds it.
    pub fn give_floor(&self, who: &str) -> Command {
        Command::give_floor(&self.room.state, pid(who))
    }

    /// The facilitator takes the floor back from whoever holds it (from `GHOST`, a
    /// stale command, if nobody does).
    pub fn take_floor(&self) -> Command {
        Command::take_floor(&self.room.state)
            .unwrap_or_else(|| Command::TakeFloor { from: pid(GHOST) })
    }

    /// The facilitator passes the word on from the round's current turn.
    pub fn advance_round(&self) -> Command {
        Command::advance_round(&self.room.state).unwrap_or(Command::AdvanceRound { from: 0 })
    }

    /// What `decide` says, at the current time, without applying anything.
    pub fn decide(&self, actor: &str, command: &Command) -> Result<Vec<Event>, Rejection> {
        decide(&self.room, &pid(actor), command, self.now, &self.limits)
    }

    /// Decide and, if accepted, apply; the clock then moves on by a second.
    pub fn send(&mut self, actor: &str, command: Command) -> Result<Vec<Event>, Rejection> {
        let result = self.decide(actor, &command);
        if let Ok(events) = &result {
            for event in events {
                self.room.apply(event, Some(&pid(actor)));
            }
        }
        self.now += 1_000;
        result
    }

    /// Send a command that must be accepted.
    pub fn must(&mut self, actor: &str, command: Command) -> Vec<Event> {
        let name = command.name();
        self.send(actor, command)
            .unwrap_or_else(|r| panic!("{actor} {name} at {:?}: {r}", self.room.state.step))
    }
}
