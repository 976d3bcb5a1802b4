//! Who may do what in a group: the table of rights by role, before any value is looked
//! at. Two more rules need the group's state and are checked in [`super::decide`]: a
//! session's named facilitator may open it, and only a session's client follows up its
//! plan; a proposal is withdrawn by its author only.

use super::GroupCommand;
use crate::listed::listed_enum;
use serde::{Deserialize, Serialize};

listed_enum! {
    /// A member's part in the group. Anyone else is an outsider and gets nothing.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum GroupRole {
        /// Holds the group's key: plans the series, opens sessions, runs them.
        Facilitator,
        /// One of the peers; each is client once over the series.
        Member,
    }
}

use GroupRole::{Facilitator, Member};

/// The roles that may send `command`.
pub fn group_rights(command: &GroupCommand) -> &'static [GroupRole] {
    use GroupCommand::*;
    match command {
        AcceptCharter { .. } => &[Facilitator, Member],
        SetDetails { .. }
        | SetCharter { .. }
        | PlanSeries { .. }
        | NameSessionFacilitator { .. }
        | PickTopic { .. }
        | RemoveMember { .. } => &[Facilitator],
        // A member named to run the session opens it too (checked in `decide`).
        OpenSession { .. } => &[Facilitator, Member],
        ProposeTopic { .. } | WithdrawTopic { .. } | Vote { .. } => &[Member],
        SetFollowUp { .. } | Leave => &[Member],
    }
}
