//! The room as every participant sees it, and [`RoomState::apply`], the one place where
//! it changes.
//!
//! This is exactly what a snapshot carries. It holds no secret: no resume token, no
//! facilitator key and no note author.

use crate::event::Event;
use crate::ids::{ActionId, NoteId, ParticipantId, QuestionId};
use crate::listed::listed_enum;
use crate::step::Step;
use crate::timer::{Millis, TimerState};
use serde::{Deserialize, Serialize};

/// The interface language chosen by the facilitator for the session's defaults.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Fr,
    En,
}

listed_enum! {
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum Role {
        Facilitator,
        Client,
        Consultant,
        Observer,
    }
}

impl Role {
    /// Observers watch; everyone else takes part (hands, learnings).
    pub fn takes_part(self) -> bool {
        self != Role::Observer
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Participant {
    pub id: ParticipantId,
    pub name: String,
    pub role: Role,
    /// Connected now, or away (dropped, within or past the grace period).
    pub connected: bool,
    pub charter_accepted: bool,
}

listed_enum! {
    /// The six kinds of exploration note.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum NoteKind {
        Comment,
        Reaction,
        Feeling,
        Advice,
        Experience,
        Suggestion,
    }
}

impl NoteKind {}

/// An anonymous sticky note. There is no author field, by design.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Note {
    pub id: NoteId,
    pub kind: NoteKind,
    pub text: String,
    pub posted_at: Millis,
    pub kept: bool,
    pub hidden: bool,
}

/// A clarifying-question card (step 2). Questions are asked aloud, so they are signed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    pub id: QuestionId,
    pub author: ParticipantId,
    pub text: String,
    pub answered: bool,
    /// Withdrawn by its author: no longer shown, but its id stays taken so that a
    /// retried post or withdrawal changes nothing.
    pub withdrawn: bool,
}

/// One action of the client's plan.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub id: ActionId,
    pub text: String,
    /// A calendar date, `YYYY-MM-DD`.
    pub due: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub title: String,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaisedHand {
    pub participant: ParticipantId,
    pub raised_at: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Learning {
    pub participant: ParticipantId,
    pub text: String,
}

/// The closing round: everyone in `order` speaks in turn; `current` is whose turn it
/// is, and equals `order.len()` once the round is over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Round {
    pub order: Vec<ParticipantId>,
    pub current: usize,
}

impl Round {
    pub fn speaker(&self) -> Option<&ParticipantId> {
        self.order.get(self.current)
    }

    pub fn next_speaker(&self) -> Option<&ParticipantId> {
        self.order.get(self.current + 1)
    }

    pub fn is_over(&self) -> bool {
        self.current >= self.order.len()
    }
}

/// One stay in a step, for the session timeline (planned against actual durations).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepVisit {
    pub step: Step,
    pub started_at: Millis,
    pub ended_at: Option<Millis>,
}

/// Planned minutes per step. Defaults follow the method's 3-hour session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Durations {
    pub welcome: u32,
    pub problem: u32,
    pub clarification: u32,
    pub contract: u32,
    pub exploration: u32,
    pub action_plan: u32,
    pub closing: u32,
}

impl Default for Durations {
    fn default() -> Self {
        Durations {
            welcome: 10,
            problem: 15,
            clarification: 20,
            contract: 5,
            exploration: 40,
            action_plan: 15,
            closing: 20,
        }
    }
}

impl Durations {
    /// Planned minutes for a step; the closed record has none.
    pub fn minutes(&self, step: Step) -> u32 {
        match step {
            Step::Welcome => self.welcome,
            Step::Problem => self.problem,
            Step::Clarification => self.clarification,
            Step::Contract => self.contract,
            Step::Exploration => self.exploration,
            Step::ActionPlan => self.action_plan,
            Step::Closing => self.closing,
            Step::Closed => 0,
        }
    }

    fn set(&mut self, step: Step, minutes: u32) {
        let slot = match step {
            Step::Welcome => &mut self.welcome,
            Step::Problem => &mut self.problem,
            Step::Clarification => &mut self.clarification,
            Step::Contract => &mut self.contract,
            Step::Exploration => &mut self.exploration,
            Step::ActionPlan => &mut self.action_plan,
            Step::Closing => &mut self.closing,
            Step::Closed => return,
        };
        *slot = minutes;
    }
}

pub(crate) fn minutes_to_ms(minutes: u32) -> u64 {
    u64::from(minutes) * 60_000
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomState {
    pub title: String,
    pub language: Language,
    pub created_at: Millis,
    pub step: Step,
    /// Everyone who joined, in joining order.
    pub participants: Vec<Participant>,
    pub durations: Durations,
    pub timer: TimerState,
    pub timeline: Vec<StepVisit>,
    /// Raised hands, oldest first: the order in which the floor is given.
    pub hands: Vec<RaisedHand>,
    pub floor: Option<ParticipantId>,
    pub problem: Option<Problem>,
    pub questions: Vec<Question>,
    pub contract: Option<String>,
    pub notes: Vec<Note>,
    pub plan: Vec<Action>,
    pub learnings: Vec<Learning>,
    pub round: Option<Round>,
    pub closed_at: Option<Millis>,
}

impl RoomState {
    /// A new room in the welcome step, created at `now`.
    pub fn new(title: impl Into<String>, language: Language, now: Millis) -> Self {
        let durations = Durations::default();
        RoomState {
            title: title.into(),
            language,
            created_at: now,
            step: Step::Welcome,
            participants: Vec::new(),
            timer: TimerState::Idle {
                duration_ms: minutes_to_ms(durations.minutes(Step::Welcome)),
            },
            durations,
            timeline: vec![StepVisit {
                step: Step::Welcome,
                started_at: now,
                ended_at: None,
            }],
            hands: Vec::new(),
            floor: None,
            problem: None,
            questions: Vec::new(),
            contract: None,
            notes: Vec::new(),
            plan: Vec::new(),
            learnings: Vec::new(),
            round: None,
            closed_at: None,
        }
    }

    pub fn participant(&self, id: &ParticipantId) -> Option<&Participant> {
        self.participants.iter().find(|p| &p.id == id)
    }

    fn participant_mut(&mut self, id: &ParticipantId) -> Option<&mut Participant> {
        self.participants.iter_mut().find(|p| &p.id == id)
    }

    pub fn client(&self) -> Option<&Participant> {
        self.participants.iter().find(|p| p.role == Role::Client)
    }

    pub fn facilitator(&self) -> Option<&Participant> {
        self.participants
            .iter()
            .find(|p| p.role == Role::Facilitator)
    }

    pub fn note(&self, id: &NoteId) -> Option<&Note> {
        self.notes.iter().find(|n| &n.id == id)
    }

    fn note_mut(&mut self, id: &NoteId) -> Option<&mut Note> {
        self.notes.iter_mut().find(|n| &n.id == id)
    }

    pub fn question(&self, id: &QuestionId) -> Option<&Question> {
        self.questions.iter().find(|q| &q.id == id)
    }

    pub fn action(&self, id: &ActionId) -> Option<&Action> {
        self.plan.iter().find(|a| &a.id == id)
    }

    pub fn has_hand_raised(&self, id: &ParticipantId) -> bool {
        self.hands.iter().any(|h| &h.participant == id)
    }

    pub fn learning(&self, id: &ParticipantId) -> Option<&Learning> {
        self.learnings.iter().find(|l| &l.participant == id)
    }

    /// The closing round's speaking order: the client first, then the consultants in
    /// joining order, the facilitator last. Observers do not speak.
    pub fn round_order(&self) -> Vec<ParticipantId> {
        let of_role = |role: Role| {
            self.participants
                .iter()
                .filter(move |p| p.role == role)
                .map(|p| p.id.clone())
        };
        of_role(Role::Client)
            .chain(of_role(Role::Consultant))
            .chain(of_role(Role::Facilitator))
            .collect()
    }

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

    /// Someone who joins during the closing round gets a turn too: before the
    /// facilitator if the facilitator has not spoken yet, else at the end.
    fn join_round(&mut self, newcomer: &Participant) {
        let Some(round) = &mut self.round else {
            return;
        };
        if !newcomer.role.takes_part() || round.order.contains(&newcomer.id) {
            return;
        }
        let facilitator = self
            .participants
            .iter()
            .find(|p| p.role == Role::Facilitator)
            .map(|p| p.id.clone());
        let facilitator_turn = round
            .order
            .iter()
            .position(|id| Some(id) == facilitator.as_ref())
            .filter(|&turn| turn > round.current);
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
