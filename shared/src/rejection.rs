//! Typed refusals: a `code` for programs and a sentence for people.
//!
//! The sentence is English; clients show their own translation of the code.

use crate::listed::listed_enum;
use serde::{Deserialize, Serialize};
use std::fmt;

listed_enum! {
    /// Why a message was refused. The wire form is the snake_case name.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[serde(rename_all = "snake_case")]
    pub enum ErrorCode {
        /// The frame is not JSON, or not a message of this protocol.
        Malformed,
        /// The client speaks another protocol version.
        UnsupportedVersion,
        /// A command came before join or resume.
        NotJoined,
        /// Join or resume on a connection that already joined.
        AlreadyJoined,
        /// No such room, or a wrong key or token (deliberately indistinguishable).
        RoomOrKeyInvalid,
        /// The room has as many participants as it may hold.
        RoomFull,
        /// The server holds as many rooms as it may.
        ServerFull,
        /// The session is closed: its record is read-only.
        SessionClosed,
        /// This role may not do that.
        Forbidden,
        /// Not at this step.
        WrongStep,
        /// Only the author of a note or card may change it.
        NotAuthor,
        /// The named participant, note, card or action does not exist.
        NotFound,
        /// The id is already used by something else.
        IdTaken,
        /// A text is empty where it must not be.
        EmptyText,
        /// A text or number is outside its bounds.
        TooLong,
        /// A value has the wrong shape (an id, a date, a step).
        InvalidValue,
        /// A per-participant or per-room count would be exceeded.
        LimitReached,
        /// No client has been picked yet.
        NoClient,
        /// The step cannot move that way.
        NoSuchStep,
        /// The facilitator has hidden that note: it cannot be kept.
        NoteHidden,
        /// Everyone has spoken in the closing round.
        RoundOver,
        /// The cursor the command moves (the step, the floor, the round's turn) is no
        /// longer where the command says it moves from: a repeated or late command
        /// (a double click) changes nothing.
        Stale,
        /// Too many commands too fast.
        RateLimited,
        /// The frame is larger than the server accepts.
        FrameTooLarge,
        /// Something went wrong on the server; the command was not applied.
        Internal,
    }
}

/// A refused command or message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct Rejection {
    pub code: ErrorCode,
    pub message: String,
}

impl Rejection {
    pub fn new(code: ErrorCode, message: impl fmt::Display) -> Self {
        Rejection {
            code,
            message: message.to_string(),
        }
    }
}
