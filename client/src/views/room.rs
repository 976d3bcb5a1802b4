//! A session's page: entering (the join form, or straight back in with a stored token),
//! then the live room laid out for a laptop beside a video call or a phone.

use super::controls::Controls;
use super::fatal::{Fatal, Why};
use super::header::Header;
use super::join::{JoinPage, early_entry};
use super::people::{Floor, FloorBar, Hands, People};
use super::steps::StepPanel;
use super::timeline::TimelineChart;
use super::{Handoff, Room, texts};
use crate::browser;
use crate::group_link::{GroupEntry, GroupLink, group_token_key};
use crate::session::{Session, Status, Toast, room_key_key, token_key};
use leptos::prelude::*;
use shared::Step;
use shared::i18n::fill;
use shared::replica::Entry;

#[component]
pub fn RoomPage(
    code: String,
    facilitator_key: Option<String>,
    group: Option<String>,
) -> impl IntoView {
    let session = RwSignal::new(None::<Session>);
    if let Some(key) = &facilitator_key {
        browser::store(&room_key_key(&code), key);
    }
    // The server's first screen, if it wrote one: taken over by the join form, or
    // dropped when this page goes straight in.
    let first = use_context::<Handoff>().and_then(Handoff::take);
    // A session of a group lives on its group's server (`shared::routing`).
    let route = group.clone().unwrap_or_else(|| code.clone());
    // A session of a group seats its members by the token their group gave them.
    let member = group.and_then(|group| {
        let token = browser::load(&group_token_key(&group))?;
        Some((group, token))
    });
    // Its group's page too, for the welcome step's topics, ballot and follow-up.
    let group_link = member.as_ref().map(|(group, token)| {
        GroupLink::start(
            group,
            GroupEntry::Resume {
                token: token.clone(),
            },
        )
    });
    if let Some(token) = browser::load(&token_key(&code)) {
        session.set(Some(Session::start(&code, &route, Entry::Resume { token })));
    } else if let Some((_, token)) = member {
        session.set(Some(Session::start(&code, &route, Entry::Member { token })));
    } else if let Some(entry) = first
        .as_ref()
        .and_then(|screen| screen.typed.as_ref())
        .and_then(|typed| early_entry(typed, facilitator_key.clone()))
    {
        session.set(Some(Session::start(&code, &route, entry)));
    }
    let first = StoredValue::new(first);
    // The session must belong to this page, not to the join form that starts it: the
    // form is disposed as soon as the session exists.
    let owner = Owner::current();
    move || match session.get() {
        Some(live) => view! { <LiveRoom session=live group=group_link/> }.into_any(),
        None => {
            let code = code.clone();
            let route = route.clone();
            let shown = code.clone();
            let key = facilitator_key.clone();
            let owner = owner.clone();
            let enter = move |entry: Entry| {
                let start = || Session::start(&code, &route, entry);
                let live = match &owner {
                    Some(owner) => owner.with(start),
                    None => start(),
                };
                session.set(Some(live));
            };
            let first = first.try_update_value(Option::take).flatten();
            view! { <JoinPage code=shown facilitator_key=key first=first enter=enter/> }.into_any()
        }
    }
}

#[component]
fn LiveRoom(session: Session, group: Option<GroupLink>) -> impl IntoView {
    let room = Room::new(session);
    provide_context(room);
    provide_context(session);
    if let Some(group) = group {
        provide_context(group);
    }
    let t = texts();
    let has_snapshot = Memo::new(move |_| session.replica.with(|r| r.state.is_some()));
    let failed = Memo::new(move |_| match session.status.get() {
        Status::Failed(code) => Some(Why::Refused(code)),
        Status::Deleted => Some(Why::Deleted),
        _ => None,
    });
    move || {
        if let Some(why) = failed.get() {
            return view! { <Fatal why=why/> }.into_any();
        }
        if !has_snapshot.get() {
            return view! { <Entering/> }.into_any();
        }
        view! {
            <Header/>
            <Toasts/>
            <div class="layout" data-testid="room">
                // The closed record has no floor, hands or controls: nothing live.
                <Show when=move || room.step.get() != Step::Closed>
                    <aside class="side side-top" aria-label=move || t().side_top_label>
                        <Floor/>
                        <Hands/>
                        <Show when=move || room.steers()>
                            <Controls/>
                        </Show>
                    </aside>
                </Show>
                <main class="stage">
                    <StepPanel/>
                </main>
                <aside
                    class="side side-bottom"
                    aria-label=move || {
                        if room.steers() {
                            t().side_bottom_label
                        } else {
                            t().people_heading
                        }
                    }
                >
                    <Show when=move || room.steers()>
                        <TimelineChart/>
                    </Show>
                    <People/>
                </aside>
            </div>
            <Show when=move || room.step.get() != Step::Closed>
                <FloorBar/>
            </Show>
        }
        .into_any()
    }
}

/// Before the room arrives: connecting, or waiting to try again and why.
#[component]
fn Entering() -> impl IntoView {
    let session = expect_context::<Session>();
    let t = texts();
    let waiting = move || match session.status.get() {
        Status::Reconnecting { seconds } => Some(seconds),
        _ => None,
    };
    view! {
        <super::app::BrandBar/>
        <main class="home">
            <div class="card loading" role="status" data-testid="loading">
                {move || {
                    session
                        .entry_deferred
                        .get()
                        .map(|code| view! { <p data-testid="entry-deferred">{t().error(code)}</p> })
                }}
                <p>
                    {move || match waiting() {
                        Some(seconds) => fill(t().status_reconnecting, &[&seconds.to_string()]),
                        None => t().status_connecting.to_owned(),
                    }}
                </p>
                <Show when=move || waiting().is_some()>
                    <button type="button" class="small" on:click=move |_| session.retry_now()>
                        {move || t().retry_now}
                    </button>
                </Show>
            </div>
        </main>
    }
}

/// Refusals and server notices, politely announced, dismissable.
#[component]
fn Toasts() -> impl IntoView {
    let session = expect_context::<Session>();
    let t = texts();
    view! {
        <div class="toasts" role="status" aria-live="polite" data-testid="toasts">
            {move || {
                session
                    .toasts
                    .get()
                    .into_iter()
                    .map(|(id, toast)| {
                        let text = match toast {
                            Toast::Refused(code) => format!("{} {}", t().error_prefix, t().error(code)),
                            Toast::Bye(shared::wire::ByeReason::ShuttingDown) => t().bye_shutting_down.to_owned(),
                            Toast::Bye(shared::wire::ByeReason::SlowConsumer) => t().bye_slow.to_owned(),
                            Toast::Bye(_) => t().bye_deleted.to_owned(),
                        };
                        view! {
                            <div class="toast">
                                <span>{text}</span>
                                <button
                                    type="button"
                                    class="icon"
                                    aria-label=move || t().dismiss
                                    on:click=move |_| session.dismiss(id)
                                >
                                    "×"
                                </button>
                            </div>
                        }
                    })
                    .collect_view()
            }}
        </div>
    }
}
