//! A session's page: entering (the join form, or straight back in with a stored token),
//! then the live room laid out for a laptop beside a video call or a phone.

use super::controls::Controls;
use super::header::Header;
use super::people::{Floor, FloorBar, Hands, People};
use super::steps::StepPanel;
use super::timeline::TimelineChart;
use super::{Room, texts};
use crate::browser;
use crate::i18n::fill;
use crate::session::{Session, Status, Toast, token_key};
use leptos::prelude::*;
use shared::Step;
use shared::replica::Entry;
use shared::state::Role;

/// Where the person's name is remembered for the next join form.
const NAME_KEY: &str = "codev.name";

#[component]
pub fn RoomPage(code: String, facilitator_key: Option<String>) -> impl IntoView {
    let session = RwSignal::new(None::<Session>);
    if let Some(token) = browser::load(&token_key(&code)) {
        session.set(Some(Session::start(&code, Entry::Resume { token })));
    }
    // The session must belong to this page, not to the join form that starts it: the
    // form is disposed as soon as the session exists.
    let owner = Owner::current();
    move || match session.get() {
        Some(live) => view! { <LiveRoom session=live/> }.into_any(),
        None => {
            let code = code.clone();
            let key = facilitator_key.clone();
            let owner = owner.clone();
            let enter = move |entry: Entry| {
                let start = || Session::start(&code, entry);
                let live = match &owner {
                    Some(owner) => owner.with(start),
                    None => start(),
                };
                session.set(Some(live));
            };
            view! { <JoinForm facilitator_key=key enter=enter/> }.into_any()
        }
    }
}

#[component]
fn JoinForm(
    facilitator_key: Option<String>,
    enter: impl Fn(Entry) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let t = texts();
    let name = RwSignal::new(browser::load(NAME_KEY).unwrap_or_default());
    let observer = RwSignal::new(false);
    let is_facilitator = facilitator_key.is_some();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = name.get_untracked().trim().to_owned();
        if chosen.is_empty() {
            return;
        }
        browser::store(NAME_KEY, &chosen);
        enter(Entry::Join {
            name: chosen,
            observer: observer.get_untracked(),
            facilitator_key: facilitator_key.clone(),
        });
    };
    view! {
        <super::app::BrandBar/>
        <main class="home">
            <form class="card" on:submit=submit data-testid="join-form">
                <h2>{move || t().join_heading}</h2>
                <p>
                    {move || if is_facilitator { t().facilitator_join_intro } else { t().join_intro }}
                </p>
                <label for="join-name">{move || t().your_name_label}</label>
                <input
                    id="join-name"
                    data-testid="join-name"
                    required
                    maxlength="40"
                    autocomplete="given-name"
                    placeholder=move || t().name_placeholder
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <Show when=move || !is_facilitator>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="join-observer"
                            prop:checked=move || observer.get()
                            on:change=move |ev| observer.set(event_target_checked(&ev))
                        />
                        {move || t().join_as_observer}
                    </label>
                </Show>
                <button type="submit" class="primary" data-testid="join-button">
                    {move || t().join_button}
                </button>
            </form>
        </main>
    }
}

#[component]
fn LiveRoom(session: Session) -> impl IntoView {
    let room = Room::new(session);
    provide_context(room);
    provide_context(session);
    let t = texts();
    let has_snapshot = Memo::new(move |_| session.replica.with(|r| r.state.is_some()));
    let failed = Memo::new(move |_| match session.status.get() {
        Status::Failed(code) => Some(t().error(code)),
        Status::Deleted => Some(t().bye_deleted),
        _ => None,
    });
    move || {
        if let Some(message) = failed.get() {
            return view! { <Fatal message=message/> }.into_any();
        }
        if !has_snapshot.get() {
            return view! { <Entering/> }.into_any();
        }
        view! {
            <Header/>
            <Toasts/>
            <div class="layout" data-testid="room">
                <aside class="side side-top">
                    <Floor/>
                    <Hands/>
                    <Show when=move || room.is(Role::Facilitator) && room.step.get() != Step::Closed>
                        <Controls/>
                    </Show>
                </aside>
                <main class="stage">
                    <StepPanel/>
                </main>
                <aside class="side side-bottom">
                    <Show when=move || room.is(Role::Facilitator) && room.step.get() != Step::Closed>
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

#[component]
fn Fatal(message: &'static str) -> impl IntoView {
    let t = texts();
    view! {
        <main class="home">
            <section class="card" role="alert" data-testid="fatal">
                <h2>{move || t().fatal_heading}</h2>
                <p>{message}</p>
                <div class="row">
                    <button type="button" on:click=move |_| {
                        let _ = window().location().reload();
                    }>{move || t().retry_now}</button>
                    <a class="button" href="/">{move || t().back_home}</a>
                </div>
            </section>
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
