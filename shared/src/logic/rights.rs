//! The method's table of rights: which roles may send each command, and at which
//! steps. `decide` refuses by exactly this table, and screens ask it too.

use crate::command::Command;
use crate::rejection::ErrorCode;
use crate::state::Role;
use crate::step::Step;

use Role::{Client, Consultant, Facilitator, Observer};

/// Every step where the session is running (all but the closed record).
const RUNNING: &[Step] = &Step::MOVABLE;
/// Roles that take part (everyone but observers).
const PARTICIPANTS: &[Role] = &[Facilitator, Client, Consultant];
/// Roles that raise a hand to ask for the floor: the facilitator gives it, observers
/// watch.
const HAND_RAISERS: &[Role] = &[Client, Consultant];
/// Steps where the facilitator gives the floor from the queue of raised hands; in the
/// closing round the round itself gives the word.
const FLOOR_STEPS: &[Step] = Step::MOVABLE.split_last().expect("steps").1;

/// What a command may do: the roles allowed to send it and the steps where it is allowed.
/// This is the method's table of rights (`docs/method.md`, "Rules the server enforces").
pub fn rights(command: &Command) -> (&'static [Role], &'static [Step]) {
    use Command::*;
    match command {
        AcceptCharter => (&[Facilitator, Client, Consultant, Observer], RUNNING),
        PickClient { .. } => (&[Facilitator], &[Step::Welcome]),
        NextStep { .. } | PreviousStep { .. } | GoToStep { .. } | SetDuration { .. } => {
            (&[Facilitator], RUNNING)
        }
        StartTimer | PauseTimer | ExtendTimer { .. } => (&[Facilitator], RUNNING),
        // The facilitator gives the floor and has no queue to join; in the closing
        // round the round gives the word, so nobody queues and the floor follows it.
        RaiseHand | LowerHand => (HAND_RAISERS, FLOOR_STEPS),
        GiveFloor { .. } | TakeFloor { .. } => (&[Facilitator], FLOOR_STEPS),
        SetProblem { .. } => (&[Client], &[Step::Problem]),
        PostQuestion { .. } | WithdrawQuestion { .. } => (&[Consultant], &[Step::Clarification]),
        MarkAnswered { .. } => (&[Client, Facilitator], &[Step::Clarification]),
        SetContract { .. } => (&[Client], &[Step::Contract]),
        PostNote { .. } | EditNote { .. } | DeleteNote { .. } => {
            (&[Consultant], &[Step::Exploration])
        }
        KeepNote { .. } => (&[Client], &[Step::Exploration]),
        // Notes are on screen from exploration on.
        HideNote { .. } => (
            &[Facilitator],
            &[Step::Exploration, Step::ActionPlan, Step::Closing],
        ),
        AddAction { .. } | EditAction { .. } | RemoveAction { .. } | MoveAction { .. } => {
            (&[Client], &[Step::ActionPlan])
        }
        WriteLearning { .. } => (PARTICIPANTS, &[Step::Closing]),
        AdvanceRound { .. } => (&[Facilitator], &[Step::Closing]),
        CloseSession => (&[Facilitator], RUNNING),
    }
}

/// The rights alone: whether `role` may send `command` at `step`, or the code the
/// server refuses it with, checked in this order: the role (`forbidden`), then the
/// step (`wrong_step`). The command's values are not looked at. [`decide`](super::decide)
/// refuses with exactly this, so what a screen is told by [`allowed`](super::allowed) is
/// what the server says.
pub fn check_rights(role: Role, step: Step, command: &Command) -> Result<(), ErrorCode> {
    let (roles, steps) = rights(command);
    if !roles.contains(&role) {
        Err(ErrorCode::Forbidden)
    } else if !steps.contains(&step) {
        Err(ErrorCode::WrongStep)
    } else {
        Ok(())
    }
}
