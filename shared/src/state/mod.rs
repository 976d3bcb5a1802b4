//! The room as every participant sees it, and [`RoomState::apply`], the one place where
//! it changes.
//!
//! This is exactly what a snapshot carries. It holds no secret: no resume token, no
//! facilitator key and no note author.

mod apply;
mod content;
mod floor;
mod participants;
mod timing;

pub use content::{Action, Learning, Note, NoteKind, Problem, Question};
pub use floor::{RaisedHand, Round};
pub use participants::{Participant, Role};
pub(crate) use timing::minutes_to_ms;
pub use timing::{Durations, StepVisit};

use crate::ids::{ActionId, NoteId, ParticipantId, QuestionId};
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
    /// A single session's video-call link, given when it was created ("Rejoindre la
    /// visio"); left out of the JSON when there is none. A group's session shows its
    /// group's instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_link: Option<String>,
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
            call_link: None,
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
}
