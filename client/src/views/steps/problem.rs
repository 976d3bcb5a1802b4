//! Step 1: the client writes the problem's title and summary; everyone else reads it.

use super::super::{Room, read, texts};
use super::widgets::ProblemView;
use crate::group_link::GroupLink;
use leptos::prelude::*;
use shared::Command;

#[component]
pub(super) fn ProblemStep(editable: bool) -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    if !editable {
        return view! { <ProblemView/> }.into_any();
    }
    let current = read(room.session, None, |s| s.problem.clone());
    let title = RwSignal::new(
        current
            .as_ref()
            .map(|p| p.title.clone())
            .unwrap_or_default(),
    );
    // In a group's session, the topic picked for it is the title to start from, as soon
    // as the group says which it is (its page is another connection, which may speak
    // after the room), unless something is typed already.
    if let Some(group) = use_context::<GroupLink>() {
        let picked = Memo::new(move |_| {
            group.group.with(|g| {
                let g = g.as_ref()?;
                let live = g.live_session()?;
                g.proposals
                    .iter()
                    .find(|p| p.picked_for == Some(live as u32))
                    .map(|p| p.title.clone())
            })
        });
        Effect::new(move |_| {
            if let Some(topic) = picked.get()
                && title.with_untracked(String::is_empty)
            {
                title.set(topic);
            }
        });
    }
    let summary = RwSignal::new(current.map(|p| p.summary).unwrap_or_default());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        room.session.submit(Command::SetProblem {
            title: title.get_untracked(),
            summary: summary.get_untracked(),
        });
    };
    view! {
        <form class="card editor" on:submit=submit>
            <h2>{move || t().problem_heading}</h2>
            <label for="problem-title">{move || t().problem_title_label}</label>
            <input id="problem-title" data-testid="problem-title-input" maxlength="120" required
                prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev))/>
            <label for="problem-summary">{move || t().problem_summary_label}</label>
            <textarea id="problem-summary" data-testid="problem-summary-input" maxlength="4000" rows="6"
                prop:value=move || summary.get() on:input=move |ev| summary.set(event_target_value(&ev))></textarea>
            <button type="submit" class="primary" data-testid="problem-save">{move || t().save}</button>
        </form>
        <ProblemView/>
    }
    .into_any()
}
