//! Pieces more than one step shows: the text editor with its save button, the
//! problem as the client stated it, and the contract pinned while the group works on it.

use super::super::{Room, read, texts};
use leptos::prelude::*;
use shared::state::Role;

/// A text editor with a save button, seeded once from the room.
#[component]
pub(super) fn Editor(
    label: &'static str,
    testid: &'static str,
    initial: String,
    max: usize,
    #[prop(optional)] multiline: bool,
    /// Empty the field once saved (for things posted one after another).
    #[prop(optional)]
    clear_on_save: bool,
    /// The button's text, when "Save" is not the right word.
    #[prop(optional)]
    button: Option<fn(&'static shared::i18n::Texts) -> &'static str>,
    on_save: impl Fn(String) + Send + Sync + 'static,
) -> impl IntoView {
    let t = texts();
    let draft = RwSignal::new(initial);
    let id = format!("editor-{testid}");
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = draft.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        on_save(text);
        if clear_on_save {
            draft.set(String::new());
        }
    };
    let button_text = move || button.map_or(t().save, |pick| pick(t()));
    let field = if multiline {
        view! {
            <textarea
                id=id.clone()
                data-testid=testid
                maxlength=max.to_string()
                rows="4"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
            ></textarea>
        }
        .into_any()
    } else {
        view! {
            <input
                id=id.clone()
                data-testid=testid
                maxlength=max.to_string()
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
            />
        }
        .into_any()
    };
    view! {
        <form class="editor" on:submit=submit>
            <label for=id>{label}</label>
            {field}
            <button type="submit" class="primary" data-testid=format!("{testid}-save")>{button_text}</button>
        </form>
    }
}

#[component]
pub(super) fn ProblemView() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let problem = Memo::new(move |_| read(room.session, None, |s| s.problem.clone()));
    view! {
        <article class="card problem" data-testid="problem">
            <h2>{move || t().problem_heading}</h2>
            {move || match problem.get() {
                Some(p) => view! {
                    <h3 data-testid="problem-title">{p.title}</h3>
                    <p class="prewrap" data-testid="problem-summary">{p.summary}</p>
                }.into_any(),
                None => view! {
                    <p class="muted">
                        {move || if room.is(Role::Client) { t().problem_waiting_yours } else { t().problem_waiting }}
                    </p>
                }.into_any(),
            }}
        </article>
    }
}

/// The contract, stated by the client, kept in sight while the group works on it.
#[component]
pub(super) fn PinnedContract() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let contract = Memo::new(move |_| read(room.session, None, |s| s.contract.clone()));
    view! {
        <aside class="card contract" aria-labelledby="contract-heading" data-testid="contract">
            <h2 id="contract-heading">{move || t().contract_heading}</h2>
            {move || match contract.get() {
                Some(text) => view! {
                    <blockquote>
                        <span class="prefix">{move || t().contract_prefix}</span>
                        " "
                        <span class="prewrap" data-testid="contract-text">{text}</span>
                    </blockquote>
                }.into_any(),
                None => view! {
                    <p class="muted">
                        {move || if room.is(Role::Client) { t().contract_waiting_yours } else { t().contract_waiting }}
                    </p>
                }.into_any(),
            }}
        </aside>
    }
}
