//! Who is in the room: the roles of the method and each participant's seat.

use crate::ids::ParticipantId;
use crate::listed::listed_enum;
use serde::{Deserialize, Serialize};

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
