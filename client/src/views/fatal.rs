//! The card a page ends on when it cannot go into a session: why, and only the ways on
//! that can help. A "retry" is offered only where trying again can change the answer;
//! an unknown link, a closed or deleted session, a full room or an outdated page would
//! answer the same way every time.

use super::app::BrandBar;
use super::texts;
use leptos::prelude::*;
use shared::ErrorCode;
use shared::i18n::fill;

/// Why the page cannot go in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Why {
    /// The server refused the entry for good.
    Refused(ErrorCode),
    /// The session closed to newcomers, named by its title.
    Closed { title: String },
    /// The facilitator deleted the session.
    Deleted,
    /// The group's facilitator deleted the group.
    GroupDeleted,
}

impl Why {
    /// Whether trying again can help. After a refused name (empty, too long) the page
    /// starts again on the join form, so it can; for the rest nothing changes.
    pub fn retry_can_help(&self) -> bool {
        match self {
            Why::Refused(code) => !matches!(
                code,
                ErrorCode::RoomOrKeyInvalid
                    | ErrorCode::SessionClosed
                    | ErrorCode::UnsupportedVersion
                    | ErrorCode::RoomFull
            ),
            Why::Closed { .. } | Why::Deleted | Why::GroupDeleted => false,
        }
    }
}

#[component]
pub fn Fatal(why: Why) -> impl IntoView {
    let t = texts();
    let retry = why.retry_can_help();
    let message = move || match &why {
        Why::Refused(code) => t().error(*code).to_owned(),
        Why::Closed { title } => fill(t().session_closed_named, &[title]),
        Why::Deleted => t().bye_deleted.to_owned(),
        Why::GroupDeleted => t().group_deleted.to_owned(),
    };
    view! {
        <BrandBar/>
        <main class="home">
            <section class="card" role="alert" aria-labelledby="fatal-heading" data-testid="fatal">
                <h1 id="fatal-heading">{move || t().fatal_heading}</h1>
                <p data-testid="fatal-reason">{message}</p>
                <div class="row">
                    {retry.then(|| view! {
                        <button type="button" data-testid="retry" on:click=move |_| {
                            let _ = window().location().reload();
                        }>{move || t().retry_now}</button>
                    })}
                    <a class="button" href="/" data-testid="back-home">{move || t().back_home}</a>
                </div>
            </section>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn retry_is_offered_only_where_it_can_change_the_answer() {
        for permanent in [
            Why::Refused(ErrorCode::RoomOrKeyInvalid),
            Why::Refused(ErrorCode::SessionClosed),
            Why::Refused(ErrorCode::UnsupportedVersion),
            Why::Refused(ErrorCode::RoomFull),
            Why::Closed {
                title: "Lundi".into(),
            },
            Why::Deleted,
            Why::GroupDeleted,
        ] {
            assert!(!permanent.retry_can_help(), "{permanent:?}");
        }
        // A refused name: the page comes back to the join form.
        for name in [
            ErrorCode::EmptyText,
            ErrorCode::TooLong,
            ErrorCode::InvalidValue,
        ] {
            assert!(Why::Refused(name).retry_can_help(), "{name:?}");
        }
    }
}
