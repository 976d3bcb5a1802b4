//! Why a lookup of the registry failed, and what each failure tells whoever asked: each
//! error turns into the protocol's [`Rejection`] here, once, so that the WebSocket's
//! `rejected` frame and the HTTP API's error body say the same thing with the same code.

use crate::storage::NodeName;
use shared::{ErrorCode, Rejection};

/// Why a session could not be created.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CreateError {
    #[error("this server holds as many sessions as it may")]
    ServerFull,
    #[error("the server is stopping")]
    Stopping,
    #[error("the sessions' storage cannot be read")]
    Storage,
}

/// Why a room could not be found.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FindError {
    /// No such room (or it is being deleted).
    #[error("no session with this code")]
    Unknown,
    /// The room is stored, but the server holds as many rooms in memory as it may.
    #[error("this server holds as many sessions as it may; try again in a while")]
    ServerFull,
    /// The store could not be read, or holds the room in a form this server cannot
    /// replay (logged).
    #[error("this session cannot be opened right now")]
    Storage,
    /// Another live node of the cluster holds it (`docs/cluster.md`).
    #[error("another server serves this session")]
    Moved(NodeName),
}

/// Why a session could not be deleted. Deliberately one answer for an unknown room and
/// a wrong key.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DeleteError {
    #[error("no session with this code, or a wrong key")]
    RoomOrKeyInvalid,
    #[error("the server is stopping")]
    Stopping,
    #[error("this session cannot be opened right now")]
    Unavailable,
}

impl From<CreateError> for Rejection {
    fn from(error: CreateError) -> Self {
        let code = match error {
            CreateError::ServerFull => ErrorCode::ServerFull,
            CreateError::Stopping | CreateError::Storage => ErrorCode::Internal,
        };
        Rejection::new(code, error)
    }
}

impl From<FindError> for Rejection {
    fn from(error: FindError) -> Self {
        let code = match error {
            FindError::Unknown => ErrorCode::RoomOrKeyInvalid,
            FindError::ServerFull => ErrorCode::ServerFull,
            // Never sent as a refusal: a connection is told `bye` `moved` instead.
            FindError::Storage | FindError::Moved(_) => ErrorCode::Internal,
        };
        Rejection::new(code, error)
    }
}

impl From<DeleteError> for Rejection {
    fn from(error: DeleteError) -> Self {
        let code = match error {
            DeleteError::RoomOrKeyInvalid => ErrorCode::RoomOrKeyInvalid,
            DeleteError::Stopping | DeleteError::Unavailable => ErrorCode::Internal,
        };
        Rejection::new(code, error)
    }
}
