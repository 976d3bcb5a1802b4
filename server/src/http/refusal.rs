//! One shape for every error the HTTP API answers: the protocol's own [`Rejection`]
//! (`{"code": ..., "message": ...}`, as a `rejected` frame carries it), with the HTTP
//! status derived from its code in one table ([`status_of`]). Handlers and extractors
//! refuse by returning a [`Refused`]; none picks a status or writes a body by hand.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use shared::{ErrorCode, Rejection};

/// A refusal of the HTTP API.
#[derive(Debug)]
pub struct Refused(pub Rejection);

impl Refused {
    pub fn new(code: ErrorCode, message: impl std::fmt::Display) -> Self {
        Refused(Rejection::new(code, message))
    }
}

impl From<Rejection> for Refused {
    fn from(rejection: Rejection) -> Self {
        Refused(rejection)
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        (status_of(self.0.code), Json(self.0)).into_response()
    }
}

/// The HTTP status that says what a code says. Every code is named, so that a new one
/// has to be given its status here.
pub fn status_of(code: ErrorCode) -> StatusCode {
    use ErrorCode::*;
    match code {
        Malformed | UnsupportedVersion | EmptyText | TooLong | InvalidValue => {
            StatusCode::BAD_REQUEST
        }
        // Deliberately the same answer for "no such session" and "wrong key".
        RoomOrKeyInvalid | NotFound => StatusCode::NOT_FOUND,
        Forbidden | NotAuthor => StatusCode::FORBIDDEN,
        RateLimited => StatusCode::TOO_MANY_REQUESTS,
        FrameTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        // Refused for now; a later try may get through.
        ServerFull | Internal => StatusCode::SERVICE_UNAVAILABLE,
        // The state of the session is what refuses.
        NotJoined | AlreadyJoined | RoomFull | SessionClosed | WrongStep | IdTaken
        | LimitReached | NoClient | NoSuchStep | NoteHidden | RoundOver | Stale => {
            StatusCode::CONFLICT
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_refusal_answers_the_rejection_with_the_status_of_its_code() {
        let response =
            Refused::new(ErrorCode::RoomOrKeyInvalid, "no session with this code").into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        let body = axum::body::to_bytes(response.into_body(), 4096)
            .await
            .expect("a body");
        let read: Rejection = serde_json::from_slice(&body).expect("a rejection");
        assert_eq!(
            read,
            Rejection::new(ErrorCode::RoomOrKeyInvalid, "no session with this code")
        );
    }

    #[test]
    fn refusals_for_now_are_503_and_floods_429() {
        assert_eq!(
            status_of(ErrorCode::ServerFull),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status_of(ErrorCode::Internal),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status_of(ErrorCode::RateLimited),
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(status_of(ErrorCode::Forbidden), StatusCode::FORBIDDEN);
        assert_eq!(status_of(ErrorCode::TooLong), StatusCode::BAD_REQUEST);
    }
}
