//! `decide`: the rules of the method, as a pure function.
//!
//! Given the room, who is asking, what they ask and the server's time, it either refuses
//! with a typed [`Rejection`] or says which events follow. Checks run in a fixed order
//! so that the same situation always gets the same code: a closed session first, then
//! whether the sender is in the room, then their role, then the step, then the values.
//!
//! A command that asks for what already holds (a hand already raised, a retried post of
//! a note that exists) succeeds with no events: retries after a reconnect are harmless.

mod decider;
mod rights;
pub(crate) mod values;

pub use rights::{check_rights, rights};

use crate::command::Command;
use crate::event::Event;
use crate::ids::ParticipantId;
use crate::limits::Limits;
use crate::rejection::{ErrorCode, Rejection};
use crate::room::Room;
use crate::state::{Participant, Role, RoomState};
use crate::step::Step;
use crate::timer::Millis;
use decider::Decider;
use values::text;

use Role::{Client, Facilitator, Observer};

/// Whether `role` may send `command` at `step`, by the rights alone (its values are
/// checked when it is decided). Screens ask this to show a control only where the
/// server would take it; it is [`check_rights`], the server's own check, answered yes
/// or no. Nothing is allowed in the closed record.
pub fn allowed(role: Role, step: Step, command: &Command) -> bool {
    check_rights(role, step, command).is_ok()
}

/// Whether `actor` may send `command` in `state`, by everything [`decide`] checks
/// before the values: the session is running, `actor` is in the room, and their role
/// may send it at this step. A `false` here is a refusal with `session_closed`,
/// `not_joined`, `forbidden` or `wrong_step`; a `true` means any refusal would be about
/// the command's values.
pub fn may(state: &RoomState, actor: &ParticipantId, command: &Command) -> bool {
    authorise(state, actor, command).is_ok()
}

/// The checks that come before the values, in their fixed order (closed, joined,
/// role, step): the sender's seat when they pass, the refusal's code when not.
fn authorise<'a>(
    state: &'a RoomState,
    actor: &ParticipantId,
    command: &Command,
) -> Result<&'a Participant, ErrorCode> {
    if state.step == Step::Closed {
        return Err(ErrorCode::SessionClosed);
    }
    let me = state.participant(actor).ok_or(ErrorCode::NotJoined)?;
    check_rights(me.role, state.step, command)?;
    Ok(me)
}

/// The refusal [`authorise`] calls for, with its sentence.
fn unauthorised(
    state: &RoomState,
    actor: &ParticipantId,
    command: &Command,
    code: ErrorCode,
) -> Rejection {
    let message = match code {
        ErrorCode::SessionClosed => "the session is closed; its record is read-only".to_owned(),
        ErrorCode::NotJoined => "join the room first".to_owned(),
        ErrorCode::Forbidden => {
            let role = state.participant(actor).map(|p| p.role);
            format!(
                "the {:?} role may not {}",
                role.unwrap_or(Observer),
                command.name()
            )
            .to_lowercase()
        }
        _ => format!("{} is not possible at this step", command.name()),
    };
    Rejection::new(code, message)
}

/// Decide what `actor`'s `command` does to `room` at server time `now`.
pub fn decide(
    room: &Room,
    actor: &ParticipantId,
    command: &Command,
    now: Millis,
    limits: &Limits,
) -> Result<Vec<Event>, Rejection> {
    let state = &room.state;
    let me = authorise(state, actor, command)
        .map_err(|code| unauthorised(state, actor, command, code))?;
    Decider {
        room,
        state,
        me,
        now,
        limits,
    }
    .decide(command)
}

/// Decide whether someone may join as `role` under `name`; the server has made `id`.
pub fn decide_join(
    state: &RoomState,
    id: ParticipantId,
    name: &str,
    role: Role,
    limits: &Limits,
) -> Result<Event, Rejection> {
    joining(state, id, name, role, false, limits)
}

/// Decide whether a member of the room's group may take their seat in a session of
/// the group, under their member `id` and `name`, as `role` (a facilitator or a
/// consultant: `docs/groups.md`). They accepted the charter at the group's level. A
/// group's session may have two facilitators: the group's, and the member named to run
/// it.
pub fn decide_member_join(
    state: &RoomState,
    id: ParticipantId,
    name: &str,
    role: Role,
    limits: &Limits,
) -> Result<Event, Rejection> {
    joining(state, id, name, role, true, limits)
}

/// The checks a newcomer passes, and their joining; a `member` of the room's group
/// has accepted the charter, and may be a second facilitator.
fn joining(
    state: &RoomState,
    id: ParticipantId,
    name: &str,
    role: Role,
    member: bool,
    limits: &Limits,
) -> Result<Event, Rejection> {
    if state.step == Step::Closed {
        return Err(Rejection::new(
            ErrorCode::SessionClosed,
            "the session is closed; only its participants can see the record",
        ));
    }
    if state.participants.len() >= limits.participants {
        return Err(Rejection::new(
            ErrorCode::RoomFull,
            format!("a room holds at most {} participants", limits.participants),
        ));
    }
    match role {
        Client => {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "join as a participant; the facilitator picks the client",
            ));
        }
        Facilitator if !member && state.facilitator().is_some() => {
            return Err(Rejection::new(
                ErrorCode::InvalidValue,
                "the room already has its facilitator",
            ));
        }
        _ => {}
    }
    let name = text(name, limits.name_chars, "name")?;
    Ok(Event::ParticipantJoined {
        participant: Participant {
            id,
            name,
            role,
            connected: true,
            charter_accepted: member,
        },
    })
}
