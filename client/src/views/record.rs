//! The closed session's read-only record, with a Markdown download and a clean print.

use super::timeline::Chart;
use super::{Room, read, texts};
use crate::api;
use crate::browser;
use crate::group_link::{GroupLink, group_key_key};
use crate::session::room_key_key;
use crate::{record, timeline};
use leptos::prelude::*;
use shared::RoomState;
use shared::i18n::fill;
use shared::state::Language;
use shared::state::Role;

/// The record, in the method's order, headed by the session's title: `h1` for the
/// title, `h2` for each part, as in the Markdown download.
#[component]
pub fn RecordView() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let state = Memo::new(move |_| {
        read(room.session, RoomState::new("", Language::Fr, 0), |s| {
            s.clone()
        })
    });
    let download = move |_| {
        let state = state.get_untracked();
        let end = state.closed_at.unwrap_or(state.created_at);
        let md = record::markdown(&state, t(), end);
        browser::download(
            &record::file_name(&state),
            "text/markdown;charset=utf-8",
            &md,
        );
    };
    move || {
        let s = state.get();
        let end = s.closed_at.unwrap_or(s.created_at);
        let name_of = |id| {
            s.participant(id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        };
        let visible: Vec<_> = s.notes.iter().filter(|n| !n.hidden).cloned().collect();
        let kept: Vec<_> = visible.iter().filter(|n| n.kept).cloned().collect();
        let learnings: Vec<_> = s
            .learnings
            .iter()
            .map(|l| (name_of(&l.participant), l.text.clone()))
            .collect();
        let questions: Vec<_> = s
            .questions
            .iter()
            .filter(|q| !q.withdrawn)
            .map(|q| (name_of(&q.author), q.text.clone(), q.answered))
            .collect();
        view! {
            <article class="record" aria-labelledby="record-title" data-testid="record">
                <header class="record-head">
                    <h1 class="record-title" id="record-title">{s.title.clone()}</h1>
                    <p class="record-kicker">{move || t().record_heading}</p>
                    <p class="muted">{move || t().record_intro}</p>
                    <div class="row no-print">
                        <button type="button" class="primary" data-testid="download-record" on:click=download>
                            {move || t().download_markdown}
                        </button>
                        <button type="button" on:click=move |_| browser::print_page()>
                            {move || t().print}
                        </button>
                        <DeleteSession/>
                    </div>
                </header>
                <section>
                    <h2>{move || t().record_problem}</h2>
                    {match s.problem.clone() {
                        Some(p) => view! { <p><strong>{p.title}</strong></p> <p class="prewrap">{p.summary}</p> }.into_any(),
                        None => view! { <p>{move || t().nothing_yet}</p> }.into_any(),
                    }}
                </section>
                <section>
                    <h2>{move || t().questions_heading}</h2>
                    {if questions.is_empty() {
                        view! { <p>{move || t().nothing_yet}</p> }.into_any()
                    } else {
                        view! {
                            <ul data-testid="record-questions">
                                {questions.into_iter().map(|(name, text, answered)| view! {
                                    <li>
                                        <strong>{name}</strong> {move || t().colon} <span class="prewrap">{text}</span>
                                        {answered.then(|| view! { " " <span class="tag">"✓ " {move || t().answered_marker}</span> })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                </section>
                <section>
                    <h2>{move || t().record_contract}</h2>
                    <blockquote class="prewrap">{s.contract.clone().unwrap_or_else(|| t().nothing_yet.to_owned())}</blockquote>
                </section>
                <section>
                    <h2>{move || t().record_notes}</h2>
                    <ul class="notes compact">
                        {visible.into_iter().map(|n| {
                            let kind = n.kind;
                            view! {
                                <li class="note" class:kept=n.kept data-kind=format!("{kind:?}")>
                                    <p class="kind">{move || t().kind_name(kind)} {n.kept.then_some(" ★")}</p>
                                    <p class="prewrap">{n.text}</p>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
                <section>
                    <h2>{move || t().record_kept}</h2>
                    <ul>
                        {kept.into_iter().map(|n| {
                            let kind = n.kind;
                            view! { <li><strong>{move || t().kind_name(kind)}</strong> {move || t().colon} {n.text}</li> }
                        }).collect_view()}
                    </ul>
                </section>
                <section>
                    <h2>{move || t().record_plan}</h2>
                    <ol data-testid="record-plan">
                        {s.plan.iter().cloned().map(|a| view! {
                            <li>{a.text} {a.due.map(|d| format!(" — {}", fill(t().due_on, &[&d])))}</li>
                        }).collect_view()}
                    </ol>
                </section>
                <section>
                    <h2>{move || t().record_learnings}</h2>
                    <ul data-testid="record-learnings">
                        {learnings.into_iter().map(|(name, text)| view! {
                            <li><strong>{name}</strong> {move || t().colon} <span class="prewrap">{text}</span></li>
                        }).collect_view()}
                    </ul>
                </section>
                <section data-testid="record-timeline">
                    <h2>{move || t().timeline_heading}</h2>
                    <Chart rows=timeline::rows(&s, end)/>
                </section>
            </article>
        }
    }
}

/// Delete the session with its record, for its facilitator, whose browser keeps the key
/// (a single session's, from their link; a group's session's, their group's key).
#[component]
fn DeleteSession() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let code = room
        .session
        .replica
        .with_untracked(|r| r.room_code.as_str().to_owned());
    let group = use_context::<GroupLink>().and_then(|group| {
        group
            .group
            .with_untracked(|g| g.as_ref().map(|g| g.code.as_str().to_owned()))
    });
    let group_key = group
        .as_ref()
        .and_then(|group| browser::load(&group_key_key(group)));
    let key = browser::load(&room_key_key(&code)).or(group_key);
    // A group's session lives where its group does (`shared::routing`).
    let route = group.unwrap_or_else(|| code.clone());
    let facilitator = room.is(Role::Facilitator);
    // Why a deletion failed, if one did; a deletion that works ends the page (`bye`).
    let failed = RwSignal::new(None::<shared::ErrorCode>);
    key.filter(|_| facilitator).map(|key| {
        let delete = move |_| {
            if !browser::confirm(t().delete_session_confirm) {
                return;
            }
            let (code, route, key) = (code.clone(), route.clone(), key.clone());
            leptos::task::spawn_local(async move {
                if let Err(error) = api::delete_session(&code, &route, &key).await {
                    failed.set(Some(error.0.unwrap_or(shared::ErrorCode::Internal)));
                }
            });
        };
        view! {
            <button type="button" class="danger" data-testid="delete-session" on:click=delete>
                {move || t().delete_session}
            </button>
            <p class="error" role="alert">{move || failed.get().map(|code| t().error(code))}</p>
        }
    })
}
