//! [`RoomState::apply`]: how each event changes the room, the one place where it does,
//! with the rules that keep the closing round, the floor and the timeline in step.

use super::{
    Learning, Participant, Problem, RaisedHand, Role, RoomState, Round, StepVisit, minutes_to_ms,
};
use crate::event::Event;
use crate::ids::ParticipantId;
use crate::step::Step;
use crate::timer::{Millis, TimerState};

impl RoomState {
    /// Make an event so. Events that name something unknown change nothing, so a
    /// client fed a stray event keeps a sane state.
    pub fn apply(&mut self, event: &Event) {
        match event {
            Event::ParticipantJoined { participant } => {
                if self.participant(&participant.id).is_none() {
                    self.participants.push(participant.clone());
                    self.join_round(participant);
                    self.floor_follows_round();
                }
            }
            Event::PresenceChanged {
                participant,
                connected,
            } => {
                if let Some(p) = self.participant_mut(participant) {
                    p.connected = *connected;
                }
            }
            Event::CharterAccepted { participant } => {
                if let Some(p) = self.participant_mut(participant) {
                    p.charter_accepted = true;
                }
            }
            Event::ClientPicked { participant } => {
                if self.participant(participant).is_none() {
                    return;
                }
                for p in &mut self.participants {
                    if p.role == Role::Client {
                        p.role = Role::Consultant;
                    }
                    if &p.id == participant {
                        p.role = Role::Client;
                    }
                }
            }
            Event::StepChanged { step, at } => self.change_step(*step, *at),
            Event::DurationSet { step, minutes } => {
                self.durations.set(*step, *minutes);
                if *step == self.step && matches!(self.timer, TimerState::Idle { .. }) {
                    self.timer = TimerState::Idle {
                        duration_ms: minutes_to_ms(*minutes),
                    };
                }
            }
            Event::TimerChanged { timer } => self.timer = timer.clone(),
            Event::HandRaised { participant, at } => {
                if !self.has_hand_raised(participant) && self.participant(participant).is_some() {
                    // Keep the queue ordered by time of raising, ties in arrival order.
                    let index = self.hands.partition_point(|h| h.raised_at <= *at);
                    self.hands.insert(
                        index,
                        RaisedHand {
                            participant: participant.clone(),
                            raised_at: *at,
                        },
                    );
                }
            }
            Event::HandLowered { participant } => {
                self.hands.retain(|h| &h.participant != participant);
            }
            Event::FloorGiven { participant } => {
                if self.participant(participant).is_some() {
                    self.hands.retain(|h| &h.participant != participant);
                    self.floor = Some(participant.clone());
                }
            }
            Event::FloorTaken => self.floor = None,
            Event::ProblemSet { title, summary } => {
                self.problem = Some(Problem {
                    title: title.clone(),
                    summary: summary.clone(),
                });
            }
            Event::QuestionPosted { question } => {
                if self.question(&question.id).is_none() {
                    self.questions.push(question.clone());
                }
            }
            Event::QuestionWithdrawn { question_id } => {
                if let Some(q) = self.questions.iter_mut().find(|q| &q.id == question_id) {
                    q.withdrawn = true;
                }
            }
            Event::QuestionAnswered {
                question_id,
                answered,
            } => {
                if let Some(q) = self.questions.iter_mut().find(|q| &q.id == question_id) {
                    q.answered = *answered;
                }
            }
            Event::ContractSet { text } => self.contract = Some(text.clone()),
            Event::NotePosted { note } => {
                if self.note(&note.id).is_none() {
                    self.notes.push(note.clone());
                }
            }
            Event::NoteEdited {
                note_id,
                kind,
                text,
            } => {
                if let Some(n) = self.note_mut(note_id) {
                    n.kind = *kind;
                    n.text = text.clone();
                }
            }
            Event::NoteDeleted { note_id } => self.notes.retain(|n| &n.id != note_id),
            Event::NoteKept { note_id, kept } => {
                if let Some(n) = self.note_mut(note_id) {
                    n.kept = *kept;
                }
            }
            Event::NoteHidden { note_id, hidden } => {
                if let Some(n) = self.note_mut(note_id) {
                    n.hidden = *hidden;
                }
            }
            Event::ActionAdded { action } => {
                if self.action(&action.id).is_none() {
                    self.plan.push(action.clone());
                }
            }
            Event::ActionEdited {
                action_id,
                text,
                due,
            } => {
                if let Some(a) = self.plan.iter_mut().find(|a| &a.id == action_id) {
                    a.text = text.clone();
                    a.due = due.clone();
                }
            }
            Event::ActionRemoved { action_id } => self.plan.retain(|a| &a.id != action_id),
            Event::ActionMoved { action_id, to } => {
                if let Some(from) = self.plan.iter().position(|a| &a.id == action_id) {
                    let action = self.plan.remove(from);
                    let to = (*to).min(self.plan.len());
                    self.plan.insert(to, action);
                }
            }
            Event::LearningWritten { participant, text } => {
                match self
                    .learnings
                    .iter_mut()
                    .find(|l| &l.participant == participant)
                {
                    Some(l) => l.text = text.clone(),
                    None => self.learnings.push(Learning {
                        participant: participant.clone(),
                        text: text.clone(),
                    }),
                }
            }
            Event::RoundAdvanced { current } => {
                if let Some(round) = &mut self.round {
                    round.current = (*current).min(round.order.len());
                }
                self.floor_follows_round();
            }
            Event::SessionClosed { at } => {
                self.change_step(Step::Closed, *at);
                self.closed_at = Some(*at);
            }
        }
    }

    /// Someone who joins during the closing round gets a turn too: before the first
    /// facilitator still to speak (a group's session may have two: `docs/groups.md`),
    /// else at the end.
    fn join_round(&mut self, newcomer: &Participant) {
        let Some(round) = &mut self.round else {
            return;
        };
        if !newcomer.role.takes_part() || round.order.contains(&newcomer.id) {
            return;
        }
        let participants = &self.participants;
        let is_facilitator = |id: &ParticipantId| {
            participants
                .iter()
                .any(|p| &p.id == id && p.role == Role::Facilitator)
        };
        let facilitator_turn =
            (round.current + 1..round.order.len()).find(|&turn| is_facilitator(&round.order[turn]));
        match facilitator_turn {
            Some(turn) => round.order.insert(turn, newcomer.id.clone()),
            None => round.order.push(newcomer.id.clone()),
        }
    }

    /// In the closing round the round gives the word: whoever's turn it is has the
    /// floor (nobody once everyone has spoken), so the two never disagree.
    fn floor_follows_round(&mut self) {
        if self.step != Step::Closing {
            return;
        }
        if let Some(round) = &self.round {
            self.floor = round.speaker().cloned();
        }
    }

    fn change_step(&mut self, step: Step, at: Millis) {
        if let Some(visit) = self.timeline.last_mut() {
            visit.ended_at.get_or_insert(at);
        }
        self.step = step;
        if step != Step::Closed {
            self.timeline.push(StepVisit {
                step,
                started_at: at,
                ended_at: None,
            });
        }
        self.timer = TimerState::Idle {
            duration_ms: minutes_to_ms(self.durations.minutes(step)),
        };
        self.floor = None;
        if step == Step::Closing {
            if self.round.is_none() {
                self.round = Some(Round {
                    order: self.round_order(),
                    current: 0,
                });
            }
            self.hands.clear();
            self.floor_follows_round();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ParticipantId;
    use crate::state::Language;

    fn joined(id: &str, role: Role) -> Event {
        Event::ParticipantJoined {
            participant: Participant {
                id: ParticipantId::from(id),
                name: id.to_owned(),
                role,
                connected: true,
                charter_accepted: true,
            },
        }
    }

    fn order(state: &RoomState) -> Vec<&str> {
        state
            .round
            .as_ref()
            .map(|r| r.order.iter().map(ParticipantId::as_str).collect())
            .unwrap_or_default()
    }

    #[test]
    fn someone_joining_during_the_round_gets_a_turn_before_the_facilitator() {
        let mut state = RoomState::new("t", Language::Fr, 0);
        state.apply(&joined("fac", Role::Facilitator));
        state.apply(&joined("ana", Role::Consultant));
        state.apply(&Event::ClientPicked {
            participant: "ana".into(),
        });
        state.apply(&joined("ben", Role::Consultant));
        state.apply(&Event::StepChanged {
            step: Step::Closing,
            at: 1,
        });
        assert_eq!(order(&state), ["ana", "ben", "fac"]);
        assert_eq!(
            state.floor,
            Some("ana".into()),
            "the floor follows the round"
        );
        state.apply(&joined("late", Role::Consultant));
        state.apply(&joined("watcher", Role::Observer));
        assert_eq!(order(&state), ["ana", "ben", "late", "fac"]);
        // Once the facilitator has spoken, a newcomer goes last.
        state.apply(&Event::RoundAdvanced { current: 4 });
        assert_eq!(state.floor, None, "nobody speaks once the round is over");
        state.apply(&joined("later", Role::Consultant));
        assert_eq!(state.floor, Some("later".into()));
        assert_eq!(order(&state), ["ana", "ben", "late", "fac", "later"]);
        assert_eq!(
            state
                .round
                .as_ref()
                .and_then(Round::speaker)
                .map(|p| p.as_str()),
            Some("later")
        );
    }

    #[test]
    fn with_two_facilitators_a_latecomer_speaks_before_the_first_still_to_speak() {
        let mut state = RoomState::new("t", Language::Fr, 0);
        state.apply(&joined("fac", Role::Facilitator));
        state.apply(&joined("run", Role::Facilitator));
        state.apply(&joined("ana", Role::Consultant));
        state.apply(&Event::ClientPicked {
            participant: "ana".into(),
        });
        state.apply(&Event::StepChanged {
            step: Step::Closing,
            at: 1,
        });
        assert_eq!(order(&state), ["ana", "fac", "run"]);
        state.apply(&joined("late", Role::Consultant));
        assert_eq!(order(&state), ["ana", "late", "fac", "run"]);
        // The first facilitator has the word, the second is still to speak.
        state.apply(&Event::RoundAdvanced { current: 2 });
        state.apply(&joined("later", Role::Consultant));
        assert_eq!(order(&state), ["ana", "late", "fac", "later", "run"]);
    }

    #[test]
    fn the_closing_round_holds_the_floor_and_lowers_every_hand() {
        let mut state = RoomState::new("t", Language::Fr, 0);
        state.apply(&joined("fac", Role::Facilitator));
        state.apply(&joined("ana", Role::Consultant));
        state.apply(&joined("ben", Role::Consultant));
        state.apply(&Event::ClientPicked {
            participant: "ana".into(),
        });
        state.apply(&Event::StepChanged {
            step: Step::ActionPlan,
            at: 1,
        });
        state.apply(&Event::HandRaised {
            participant: "ben".into(),
            at: 2,
        });
        state.apply(&Event::FloorGiven {
            participant: "fac".into(),
        });
        state.apply(&Event::StepChanged {
            step: Step::Closing,
            at: 3,
        });
        assert!(state.hands.is_empty());
        assert_eq!(state.floor, Some("ana".into()));
        state.apply(&Event::RoundAdvanced { current: 1 });
        assert_eq!(state.floor, Some("ben".into()));
        // Back to the plan and forward again: the round resumes where it was.
        state.apply(&Event::StepChanged {
            step: Step::ActionPlan,
            at: 4,
        });
        assert_eq!(state.floor, None);
        state.apply(&Event::StepChanged {
            step: Step::Closing,
            at: 5,
        });
        assert_eq!(state.floor, Some("ben".into()));
    }
}
