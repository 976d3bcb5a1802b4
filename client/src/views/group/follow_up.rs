//! Back to the action plans (the "retour sur le plan d'action" that opens a session):
//! each closed session's plan, and where each action stands; a past client marks each
//! of their own actions done, in progress or dropped, with an optional word, and the
//! group sees it live. Shown on the group's page and in the session's welcome step.

use super::super::texts;
use crate::group_link::GroupLink;
use leptos::prelude::*;
use shared::group::{ActionStatus, FollowedAction, GroupCommand};
use shared::i18n::{Texts, fill};
use shared::{ActionId, ParticipantId};

/// The three answers, in the order offered.
const STATUSES: [ActionStatus; 3] = [
    ActionStatus::Done,
    ActionStatus::InProgress,
    ActionStatus::Dropped,
];

fn status_name(t: &Texts, status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Done => t.follow_done,
        ActionStatus::InProgress => t.follow_in_progress,
        ActionStatus::Dropped => t.follow_dropped,
    }
}

/// A closed session's plan, as the follow-up shows it.
#[derive(Clone, PartialEq)]
struct Plan {
    index: usize,
    client: ParticipantId,
    client_name: String,
    title: String,
    actions: Vec<FollowedAction>,
}

#[component]
pub fn FollowUps() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let plans = Memo::new(move |_| {
        link.group.with(|group| {
            let Some(group) = group else {
                return Vec::new();
            };
            group
                .series
                .iter()
                .enumerate()
                .filter_map(|(index, session)| {
                    let summary = session.summary.as_ref()?;
                    Some(Plan {
                        index,
                        client: summary.client.clone(),
                        client_name: group
                            .member(&summary.client)
                            .map(|m| m.name.clone())
                            .unwrap_or_default(),
                        title: summary.problem_title.clone(),
                        actions: summary.plan.clone(),
                    })
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <Show when=move || !plans.with(Vec::is_empty)>
            <section class="card" aria-labelledby="follow-ups-heading" data-testid="follow-ups">
                <h3 id="follow-ups-heading">{move || t().follow_ups_heading}</h3>
                {move || {
                    let me = link.me.get();
                    plans
                        .get()
                        .into_iter()
                        .map(|plan| {
                            let mine = me.as_ref() == Some(&plan.client);
                            let heading = format!(
                                "{} · {} · {}",
                                fill(t().session_numbered, &[&(plan.index + 1).to_string()]),
                                plan.client_name,
                                fill(t().quoted, &[&plan.title])
                            );
                            view! {
                                <h4>{heading}</h4>
                                <ul class="follow-ups">
                                    {plan
                                        .actions
                                        .into_iter()
                                        .map(|followed| view! {
                                            <FollowedLine index=plan.index followed=followed mine=mine/>
                                        })
                                        .collect_view()}
                                </ul>
                            }
                        })
                        .collect_view()
                }}
            </section>
        </Show>
    }
}

/// One action: where it stands, and for its client the means to say so.
#[component]
fn FollowedLine(index: usize, followed: FollowedAction, mine: bool) -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let status = followed.follow_up.as_ref().map(|f| f.status);
    let said = move || match &followed.follow_up {
        Some(f) if f.word.is_empty() => status_name(t(), f.status).to_owned(),
        Some(f) => format!("{}{}{}", status_name(t(), f.status), t().colon, f.word),
        None => t().follow_none.to_owned(),
    };
    let action_id: ActionId = followed.action.id.clone();
    let word = RwSignal::new(String::new());
    let chosen = RwSignal::new(status.unwrap_or(ActionStatus::Done));
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        link.submit(GroupCommand::SetFollowUp {
            index: index as u32,
            action_id: action_id.clone(),
            status: chosen.get_untracked(),
            word: word.get_untracked().trim().to_owned(),
        });
    };
    let id = format!("follow-{index}-{}", followed.action.id.as_str());
    view! {
        <li data-testid="followed-action">
            <span>{followed.action.text.clone()}</span>
            " — "
            <span class="muted" data-testid="follow-up">{said}</span>
            {mine.then(|| view! {
                <form class="row" on:submit=save data-testid="follow-up-form">
                    <label class="visually-hidden" for=id.clone()>{move || t().follow_status_label}</label>
                    <select id=id data-testid="follow-status" on:change=move |ev| {
                        let picked = event_target_value(&ev);
                        if let Some(status) = picked.parse::<usize>().ok().and_then(|n| STATUSES.get(n)) {
                            chosen.set(*status);
                        }
                    }>
                        {STATUSES
                            .into_iter()
                            .enumerate()
                            .map(|(n, s)| view! {
                                <option value=n.to_string() selected=status == Some(s)>{move || status_name(t(), s)}</option>
                            })
                            .collect_view()}
                    </select>
                    <input data-testid="follow-word" maxlength="200" aria-label=move || t().follow_word_label
                        placeholder=move || t().follow_word_label
                        prop:value=move || word.get() on:input=move |ev| word.set(event_target_value(&ev))/>
                    <button type="submit" class="small" data-testid="follow-save">{move || t().save}</button>
                </form>
            })}
        </li>
    }
}
