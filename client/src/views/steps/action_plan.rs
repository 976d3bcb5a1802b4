//! Step 5, the action plan: the client writes actions (with optional due dates) drawn
//! from the notes they kept, which are listed beside it.

use super::super::{Room, read, texts};
use crate::browser;
use leptos::prelude::*;
use shared::i18n::fill;
use shared::state::{Action, Role};
use shared::{ActionId, Command};

#[component]
pub(super) fn KeptNotes() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let kept = Memo::new(move |_| {
        read(room.session, Vec::new(), |s| {
            s.notes
                .iter()
                .filter(|n| n.kept)
                .cloned()
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="card" aria-labelledby="kept-heading" data-testid="kept-notes">
            <h2 id="kept-heading">"★ " {move || t().kept_notes_heading}</h2>
            {move || {
                let list = kept.get();
                if list.is_empty() {
                    return view! { <p class="muted">{move || t().no_kept_notes}</p> }.into_any();
                }
                view! {
                    <ul class="notes compact">
                        {list.into_iter().map(|n| {
                            let kind = n.kind;
                            // Kept, then hidden: it stays in the list, marked, without
                            // its text (the facilitator alone still reads it).
                            let text = if n.hidden && !room.is(Role::Facilitator) {
                                view! { <p class="muted">{move || t().kept_hidden_note}</p> }.into_any()
                            } else if n.hidden {
                                view! {
                                    <p class="prewrap">{n.text}</p>
                                    <p class="meta"><span class="tag">{move || t().kept_hidden_note}</span></p>
                                }.into_any()
                            } else {
                                view! { <p class="prewrap">{n.text}</p> }.into_any()
                            };
                            view! {
                                <li class="note" class:hidden=n.hidden data-kind=format!("{kind:?}") data-testid="kept-note">
                                    <p class="kind">{move || t().kind_name(kind)}</p>
                                    {text}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
pub(super) fn ActionPlan() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    // The plan, then the actions this page added that are not acknowledged yet.
    let plan = Memo::new(move |_| {
        room.session.replica.with(|r| {
            let Some(s) = r.state.as_ref() else {
                return Vec::new();
            };
            let mut plan: Vec<(Action, bool)> = s.plan.iter().map(|a| (a.clone(), false)).collect();
            plan.extend(r.pending().filter_map(|command| match command {
                Command::AddAction {
                    action_id,
                    text,
                    due,
                } if s.action(action_id).is_none() => Some((
                    Action {
                        id: action_id.clone(),
                        text: text.trim().to_owned(),
                        due: due.clone().filter(|d| !d.trim().is_empty()),
                    },
                    true,
                )),
                _ => None,
            }));
            plan
        })
    });
    let text = RwSignal::new(String::new());
    let due = RwSignal::new(String::new());
    let editing = RwSignal::new(None::<ActionId>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = text.get_untracked();
        if body.trim().is_empty() {
            return;
        }
        let due_date = Some(due.get_untracked()).filter(|d| !d.trim().is_empty());
        room.session.submit(match editing.get_untracked() {
            Some(action_id) => Command::EditAction {
                action_id,
                text: body,
                due: due_date,
            },
            None => Command::AddAction {
                action_id: ActionId::new(browser::random_id()),
                text: body,
                due: due_date,
            },
        });
        text.set(String::new());
        due.set(String::new());
        editing.set(None);
    };
    // The form and each action's buttons show where the server takes what they send.
    let writes_plan = room.may(&Command::AddAction {
        action_id: ActionId::from(""),
        text: String::new(),
        due: None,
    });
    let changes_plan = room.may(&Command::EditAction {
        action_id: ActionId::from(""),
        text: String::new(),
        due: None,
    });
    view! {
        <section class="card" aria-labelledby="plan-heading" data-testid="plan">
            <h2 id="plan-heading">{move || t().plan_heading}</h2>
            {writes_plan.then(|| view! {
                <form class="editor" on:submit=submit data-testid="action-form">
                    <label for="action-text">{move || t().action_label}</label>
                    <input id="action-text" data-testid="action-text" maxlength="500"
                        prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
                    <label for="action-due">{move || t().due_label}</label>
                    <input id="action-due" type="date" data-testid="action-due"
                        prop:value=move || due.get() on:input=move |ev| due.set(event_target_value(&ev))/>
                    <div class="row">
                        <button type="submit" class="primary" data-testid="add-action">
                            {move || if editing.get().is_some() { t().save } else { t().add_action }}
                        </button>
                        <Show when=move || editing.get().is_some()>
                            <button type="button" on:click=move |_| {
                                editing.set(None);
                                text.set(String::new());
                                due.set(String::new());
                            }>{move || t().cancel}</button>
                        </Show>
                    </div>
                </form>
            })}
            {move || {
                let list = plan.get();
                if list.is_empty() {
                    return view! { <p class="muted">{move || t().no_actions}</p> }.into_any();
                }
                let last = list.iter().filter(|(_, pending)| !pending).count().saturating_sub(1);
                view! {
                    <ol class="plan" data-testid="actions">
                        {list.into_iter().enumerate().map(|(i, (action, pending))| view! {
                            <ActionItem action=action index=i last=last editable=changes_plan && !pending pending=pending
                                text=text due=due editing=editing/>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn ActionItem(
    action: Action,
    index: usize,
    last: usize,
    editable: bool,
    /// Added from this page and not acknowledged yet.
    pending: bool,
    text: RwSignal<String>,
    due: RwSignal<String>,
    editing: RwSignal<Option<ActionId>>,
) -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let id = action.id.clone();
    let due_label = action
        .due
        .clone()
        .map(|d| fill(t().due_on, &[&t().date(&d)]));
    let controls = editable.then(|| {
        let (id_up, id_down, id_edit, id_remove) = (id.clone(), id.clone(), id.clone(), id.clone());
        let (body, date) = (action.text.clone(), action.due.clone().unwrap_or_default());
        view! {
            <div class="row">
                <button type="button" class="small" aria-label=move || t().move_up disabled=index == 0
                    on:click=move |_| room.session.submit(Command::MoveAction { action_id: id_up.clone(), to: index.saturating_sub(1) })>"↑"</button>
                <button type="button" class="small" aria-label=move || t().move_down disabled=index == last
                    on:click=move |_| room.session.submit(Command::MoveAction { action_id: id_down.clone(), to: index + 1 })>"↓"</button>
                <button type="button" class="small" on:click=move |_| {
                    text.set(body.clone());
                    due.set(date.clone());
                    editing.set(Some(id_edit.clone()));
                }>{move || t().edit}</button>
                <button type="button" class="small" on:click=move |_| room.session.submit(Command::RemoveAction { action_id: id_remove.clone() })>
                    {move || t().remove}
                </button>
            </div>
        }
    });
    view! {
        <li class="action" class:pending-item=pending data-testid="action">
            <span class="prewrap">{action.text.clone()}</span>
            {due_label.map(|d| view! { <span class="meta">" — " {d}</span> })}
            {pending.then(|| view! { <span class="tag pending" data-testid="not-sent">{move || t().not_sent_yet}</span> })}
            {controls}
        </li>
    }
}
