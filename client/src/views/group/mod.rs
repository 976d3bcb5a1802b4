//! A group's page (`/g/<code>`): entering once (a name and the charter, or straight back
//! in with the member token kept in this browser or brought by a personal link), then
//! the live page every member shares ([`page`]).

mod follow_up;
mod page;
mod plan;
mod settings;
mod topics;

pub use follow_up::FollowUps;
pub use topics::Topics;

use super::app::BrandBar;
use super::fatal::{Fatal, Why};
use super::texts;
use crate::browser;
use crate::group_link::{GroupEntry, GroupLink, group_token_key};
use crate::link::Status;
use leptos::prelude::*;
use shared::group::GroupCommand;

#[component]
pub fn GroupPage(
    code: String,
    facilitator_key: Option<String>,
    member_token: Option<String>,
) -> impl IntoView {
    let link = RwSignal::new(None::<GroupLink>);
    // The key opens the group's controls; kept for what only it may do (deleting).
    if let Some(key) = &facilitator_key {
        browser::store(&crate::group_link::group_key_key(&code), key);
    }
    // A personal link's token is kept, then taken out of the address bar, so that the
    // address shown (and copied) is the group's invite link.
    if let Some(token) = &member_token {
        browser::store(&group_token_key(&code), token);
        browser::replace_address(&crate::route::group_path(&code));
    }
    if let Some(token) = browser::load(&group_token_key(&code)) {
        link.set(Some(GroupLink::start(&code, GroupEntry::Resume { token })));
    }
    let owner = Owner::current();
    move || match link.get() {
        Some(live) => view! { <LiveGroup link=live/> }.into_any(),
        None => {
            let code = code.clone();
            let key = facilitator_key.clone();
            let owner = owner.clone();
            let enter = move |name: String| {
                let entry = GroupEntry::Join {
                    name,
                    facilitator_key: key.clone(),
                };
                let start = || GroupLink::start(&code, entry);
                let live = match &owner {
                    Some(owner) => owner.with(start),
                    None => start(),
                };
                link.set(Some(live));
            };
            view! { <JoinGroup enter=enter/> }.into_any()
        }
    }
}

/// The join form: the name the group will know, once for the whole series. The group's
/// charter follows, on the group's page ([`CharterGate`]).
#[component]
fn JoinGroup(enter: impl Fn(String) + Clone + Send + Sync + 'static) -> impl IntoView {
    let t = texts();
    let name = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = name.get_untracked().trim().to_owned();
        if !typed.is_empty() {
            enter(typed);
        }
    };
    view! {
        <BrandBar/>
        <main class="home">
            <form class="card" on:submit=submit data-testid="join-group-form">
                <h2>{move || t().join_group_heading}</h2>
                <p>{move || t().join_group_intro}</p>
                <label for="member-name">{move || t().your_name_label}</label>
                <input
                    id="member-name"
                    data-testid="member-name"
                    required
                    maxlength="40"
                    autocomplete="name"
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <button type="submit" class="primary" data-testid="join-group-button">
                    {move || t().join_group_heading}
                </button>
            </form>
        </main>
    }
}

/// The group once entering has begun: the page, or why it cannot be shown.
#[component]
fn LiveGroup(link: GroupLink) -> impl IntoView {
    provide_context(link);
    let t = texts();
    let read = Memo::new(move |_| link.group.with(Option::is_some));
    // Memos, so that the page is drawn again only when what it shows changes, not at
    // every event of the group (a form being filled would be lost).
    let gated = Memo::new(move |_| charter_to_accept(link).is_some());
    let failed = Memo::new(move |_| match link.status.get() {
        Status::Failed(code) => Some(Why::Refused(code)),
        Status::Deleted => Some(Why::GroupDeleted),
        _ => None,
    });
    move || {
        if let Some(why) = failed.get() {
            return view! { <Fatal why=why/> }.into_any();
        }
        if !read.get() {
            return view! {
                <BrandBar/>
                <main class="home">
                    <div class="card loading" role="status" data-testid="loading">
                        {move || t().status_connecting}
                    </div>
                </main>
            }
            .into_any();
        }
        if gated.get() {
            return view! { <CharterGate/> }.into_any();
        }
        view! { <page::GroupView/> }.into_any()
    }
}

/// The charter version this member has yet to accept, if any: a new member's, or a
/// changed text's.
fn charter_to_accept(link: GroupLink) -> Option<u32> {
    link.with_me(|group, me| {
        (me.charter_accepted < group.charter_version).then_some(group.charter_version)
    })
    .flatten()
}

/// The group's charter, to read and accept before the group's page opens.
#[component]
fn CharterGate() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let text = move || {
        link.group
            .with(|group| group.as_ref().and_then(|g| g.charter.clone()))
            .unwrap_or_else(|| t().charter_text.to_owned())
    };
    let changed = move || link.with_me(|_, me| me.charter_accepted > 0) == Some(true);
    let accept = move |_| {
        if let Some(version) = link
            .group
            .with_untracked(|g| g.as_ref().map(|g| g.charter_version))
        {
            link.submit(GroupCommand::AcceptCharter { version });
        }
    };
    view! {
        <BrandBar/>
        <main class="home">
            <section class="card charter" aria-labelledby="group-charter-heading" data-testid="group-charter">
                <h2 id="group-charter-heading">{move || t().charter_heading}</h2>
                <Show when=changed>
                    <p class="notice">{move || t().charter_changed}</p>
                </Show>
                <p data-testid="group-charter-text">{text}</p>
                <button type="button" class="primary" data-testid="accept-group-charter" on:click=accept>
                    {move || t().accept_charter}
                </button>
            </section>
        </main>
    }
}
