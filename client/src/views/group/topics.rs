//! Topics proposed for the sessions to come, and the secret ballot on them while a
//! session runs: any member proposes (a title, one optional line) and withdraws their
//! own; while a session is under way each member may vote for one (and change or take
//! back their vote), everyone sees the counts and nobody who voted for what; the group's
//! facilitator picks the session's topic. Shown on the group's page and in the
//! session's welcome step.

use super::super::texts;
use crate::browser;
use crate::group_link::GroupLink;
use leptos::prelude::*;
use shared::ProposalId;
use shared::group::{GroupCommand, GroupRole, Proposal};
use shared::i18n::fill;

#[component]
pub fn Topics() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let open = Memo::new(move |_| {
        link.group.with(|group| {
            group.as_ref().map_or_else(Vec::new, |g| {
                g.proposals
                    .iter()
                    .filter(|p| !p.withdrawn && p.picked_for.is_none())
                    .cloned()
                    .collect::<Vec<Proposal>>()
            })
        })
    });
    let role = Memo::new(move |_| link.with_me(|_, me| me.role));
    let live = Memo::new(move |_| {
        link.group
            .with(|g| g.as_ref().and_then(|g| g.live_session()))
    });
    view! {
        <section class="card" aria-labelledby="topics-heading" data-testid="topics">
            <h3 id="topics-heading">{move || t().topics_heading}</h3>
            <Show when=move || live.get().is_some()>
                <p class="help">{move || t().ballot_note}</p>
            </Show>
            {move || {
                let all = open.get();
                if all.is_empty() {
                    return view! { <p class="muted">{t().no_proposals}</p> }.into_any();
                }
                let me = link.me.get();
                let mine = link.your_vote.get();
                let role = role.get();
                let live = live.get();
                view! {
                    <ul class="topics">
                        {all
                            .into_iter()
                            .map(|proposal| {
                                let author = link
                                    .group
                                    .with_untracked(|g| g.as_ref().and_then(|g| g.member(&proposal.author)).map(|m| m.name.clone()))
                                    .unwrap_or_default();
                                let chosen = mine.as_ref() == Some(&proposal.id);
                                let own = me.as_ref() == Some(&proposal.author);
                                let id = proposal.id.clone();
                                view! {
                                    <li data-testid="topic" data-chosen=chosen.to_string()>
                                        <strong>{proposal.title.clone()}</strong>
                                        {(!proposal.line.is_empty()).then(|| view! { <span>" — "{proposal.line.clone()}</span> })}
                                        <span class="muted">" · "{fill(t().proposed_by, &[&author])}</span>
                                        {live.map(|_| view! {
                                            <span class="pill" data-testid="votes">
                                                {t().count(proposal.votes as usize, t().vote_one, t().vote_other)}
                                            </span>
                                        })}
                                        {chosen.then(|| view! { <span class="pill live">{t().your_choice}</span> })}
                                        <TopicActions id=id own=own chosen=chosen role=role live=live/>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                }
                .into_any()
            }}
            <Show when=move || role.get() == Some(GroupRole::Member)>
                <Propose/>
            </Show>
        </section>
    }
}

/// What this member may do with one proposal: vote or take the vote back (a member,
/// while a session runs), withdraw it (its author), pick it (the group's facilitator,
/// while a session runs).
#[component]
fn TopicActions(
    id: ProposalId,
    own: bool,
    chosen: bool,
    role: Option<GroupRole>,
    live: Option<usize>,
) -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let member = role == Some(GroupRole::Member);
    let steers = role == Some(GroupRole::Facilitator);
    let (vote_id, withdraw_id, pick_id) = (id.clone(), id.clone(), id);
    view! {
        {(member && live.is_some()).then(|| {
            let vote = move |_| {
                let proposal_id = (!chosen).then(|| vote_id.clone());
                link.submit(GroupCommand::Vote { proposal_id });
            };
            view! {
                <button type="button" class="small" data-testid="vote" on:click=vote>
                    {move || if chosen { t().unvote_button } else { t().vote_button }}
                </button>
            }
        })}
        {own.then(|| view! {
            <button type="button" class="small" data-testid="withdraw-topic" on:click=move |_| {
                link.submit(GroupCommand::WithdrawTopic { proposal_id: withdraw_id.clone() });
            }>{move || t().withdraw}</button>
        })}
        {live.filter(|_| steers).map(|index| view! {
            <button type="button" class="small primary" data-testid="pick-topic" on:click=move |_| {
                link.submit(GroupCommand::PickTopic { index: index as u32, proposal_id: pick_id.clone() });
            }>{move || t().pick_topic}</button>
        })}
    }
}

/// A member proposes a topic: a title and one optional line.
#[component]
fn Propose() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let title = RwSignal::new(String::new());
    let line = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = title.get_untracked().trim().to_owned();
        if typed.is_empty() {
            return;
        }
        link.submit(GroupCommand::ProposeTopic {
            proposal_id: ProposalId::new(browser::random_id()),
            title: typed,
            line: line.get_untracked().trim().to_owned(),
        });
        title.set(String::new());
        line.set(String::new());
    };
    view! {
        <form on:submit=submit data-testid="propose-form">
            <h4>{move || t().propose_heading}</h4>
            <label for="proposal-title">{move || t().proposal_title_label}</label>
            <input id="proposal-title" data-testid="proposal-title" required maxlength="120"
                prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
            <label for="proposal-line">{move || t().proposal_line_label}</label>
            <input id="proposal-line" data-testid="proposal-line" maxlength="300"
                prop:value=move || line.get() on:input=move |ev| line.set(event_target_value(&ev))/>
            <button type="submit" data-testid="propose">{move || t().propose_button}</button>
        </form>
    }
}
