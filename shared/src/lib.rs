//! The protocol and the rules of a co-development session, with no I/O.
//!
//! Everything the server and the browser client must agree on lives here: the wire
//! messages ([`wire`]), what participants may ask for ([`command`]), what happens in a
//! room ([`event`]), the room as everyone sees it ([`state`]) and the two pure functions
//! that run a room: [`decide`](logic::decide) checks a command against the rights of
//! the method (who may do what, at which step) and says which events follow, and
//! [`apply`](state::RoomState::apply) makes an event so. Neither reads a clock, draws a
//! random number or touches a socket, so the server's actor and the client replay the
//! very same code, and the rules can be tested by the hundred without a network.
//!
//! Every word a person reads is here too ([`i18n`], one table per language): the browser
//! client shows them, and the server writes the invite page's first paint with the
//! same words before the client has loaded.
//!
//! One thing is deliberately absent from every public type: who wrote which note.
//! Authorship lives only in [`room::Room`], the server's private wrapper around the
//! public state.

pub mod command;
pub mod event;
pub mod group;
pub mod i18n;
pub mod ids;
pub mod invariants;
pub mod limits;
mod listed;
pub mod liveness;
pub mod logic;
pub mod rejection;
pub mod replica;
pub mod room;
pub mod routing;
pub mod state;
pub mod step;
pub mod tag_first;
pub mod timer;
pub mod wire;

pub use command::Command;
pub use event::Event;
pub use ids::{ActionId, GroupCode, NoteId, ParticipantId, ProposalId, QuestionId, RoomCode};
pub use limits::Limits;
pub use rejection::{ErrorCode, Rejection};
pub use room::Room;
pub use state::RoomState;
pub use step::Step;
pub use timer::{Millis, TimerState};
