//! Step 0, the welcome: the charter everyone accepts, and for the facilitator the
//! checklist (charters, picking the client) and the invite link.

use super::super::group::{FollowUps, Topics};
use super::super::people::PickClient;
use super::super::{Room, read, texts};
use crate::browser;
use crate::group_link::GroupLink;
use crate::route::invite_path;
use leptos::prelude::*;
use shared::i18n::fill;
use shared::state::Role;
use shared::{Command, ParticipantId};

#[component]
pub(super) fn Welcome() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let in_group = use_context::<GroupLink>().is_some();
    let accepted = Memo::new(move |_| {
        let me = room.me.get();
        read(room.session, false, |s| {
            me.and_then(|me| s.participant(&me).map(|p| p.charter_accepted))
                .unwrap_or(false)
        })
    });
    let client =
        Memo::new(move |_| read(room.session, None, |s| s.client().map(|p| p.name.clone())));
    let invite = room
        .session
        .replica
        .with_untracked(|r| format!("{}{}", browser::origin(), invite_path(r.room_code.as_str())));
    view! {
        <article class="card charter" data-testid="charter">
            <h2>{move || t().charter_heading}</h2>
            <p>{move || t().charter_text}</p>
            {move || if accepted.get() {
                view! { <p class="done">"✓ " {move || t().charter_accepted}</p> }.into_any()
            } else {
                view! {
                    <button type="button" class="primary" data-testid="accept-charter"
                        on:click=move |_| room.session.submit(Command::AcceptCharter)>
                        {move || t().accept_charter}
                    </button>
                }.into_any()
            }}
        </article>
        <Show
            when=move || room.may(&Command::PickClient { participant: ParticipantId::from("") })
            fallback=move || view! {
                <article class="card">
                    <h2>{move || t().pick_client_label}</h2>
                    <p data-testid="client-name">{move || client.get().unwrap_or_else(|| t().no_client_yet.to_owned())}</p>
                </article>
            }
        >
            <WelcomeChecklist/>
        </Show>
        // A group's session: the earlier plans' follow-up, and the topics and their
        // ballot, from the group's own page.
        {in_group.then(|| view! { <FollowUps/> <Topics/> })}
        // The invite link is for whoever runs the session (a group's members come in
        // from their group's page instead).
        <Show when=move || room.steers() && !in_group>
            <article class="card">
                <label for="invite">{move || t().invite_link_label}</label>
                <div class="row">
                    <input id="invite" readonly value=invite.clone() data-testid="room-invite-link"/>
                    <button type="button" on:click={
                        let invite = invite.clone();
                        move |_| browser::copy_to_clipboard(&invite)
                    }>{move || t().copy}</button>
                </div>
                <p class="help">{move || t().invite_link_help}</p>
            </article>
        </Show>
    }
}

/// What the facilitator does in the welcome, in order: everyone accepts the charter,
/// the facilitator picks the client (right here), then moves on to step 1.
#[component]
fn WelcomeChecklist() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let charters = Memo::new(move |_| {
        read(room.session, (0, 0), |s| {
            let accepted = s.participants.iter().filter(|p| p.charter_accepted).count();
            (accepted, s.participants.len())
        })
    });
    let consultants = Memo::new(move |_| {
        read(room.session, Vec::new(), |s| {
            s.participants
                .iter()
                .filter(|p| matches!(p.role, Role::Consultant | Role::Client))
                .map(|p| (p.id.clone(), p.name.clone(), p.role == Role::Client))
                .collect::<Vec<_>>()
        })
    });
    let client =
        Memo::new(move |_| read(room.session, None, |s| s.client().map(|p| p.name.clone())));
    view! {
        <article class="card checklist" data-testid="welcome-checklist">
            <h2>{move || t().welcome_todo_heading}</h2>
            <ol>
                <li class:done-step=move || { let (a, n) = charters.get(); a == n }>
                    <span data-testid="charter-progress">
                        {move || {
                            let (accepted, all) = charters.get();
                            fill(t().charter_progress, &[&accepted.to_string(), &all.to_string()])
                        }}
                    </span>
                </li>
                <li class:done-step=move || client.get().is_some()>
                    {move || match client.get() {
                        Some(name) => view! {
                            <span>{move || t().pick_client_label} {move || t().colon} <strong data-testid="client-name">{name}</strong></span>
                        }.into_any(),
                        None => view! { <span>{move || t().welcome_pick_hint}</span> }.into_any(),
                    }}
                    <ul class="pick-list">
                        {move || consultants.get().into_iter().map(|(id, name, is_client)| {
                            view! {
                                <li>
                                    <span class="name">{name.clone()}</span>
                                    {(!is_client).then(|| view! {
                                        <PickClient id=id name=name testid="welcome-pick-client"/>
                                    })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </li>
                <li>{move || t().welcome_next_hint}</li>
            </ol>
        </article>
    }
}
