//! Who speaks: the queue of raised hands and the closing round's turns.

use crate::ids::ParticipantId;
use crate::timer::Millis;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RaisedHand {
    pub participant: ParticipantId,
    pub raised_at: Millis,
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
