//! Step 4, exploration: consultants write anonymous notes of six kinds on a board the
//! whole group sees; the client keeps some, the facilitator may hide one. The board
//! stays in sight in the action plan.

use super::super::{Room, texts};
use crate::browser;
use leptos::prelude::*;
use shared::state::{Note, NoteKind, Role};
use shared::{Command, NoteId};

/// Where a consultant writes a note, or rewrites one of their own.
#[derive(Clone, Copy)]
pub(super) struct Composer {
    pub(super) kind: RwSignal<NoteKind>,
    pub(super) text: RwSignal<String>,
    pub(super) editing: RwSignal<Option<NoteId>>,
}

impl Composer {
    /// What the composer sends (its values aside), to ask whether it shows.
    pub(super) fn post() -> Command {
        Command::PostNote {
            note_id: NoteId::from(""),
            kind: NoteKind::Comment,
            text: String::new(),
        }
    }
}

#[component]
pub(super) fn NoteComposer() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let composer = expect_context::<Composer>();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = composer.text.get_untracked();
        if text.trim().is_empty() {
            return;
        }
        let kind = composer.kind.get_untracked();
        let command = match composer.editing.get_untracked() {
            Some(note_id) => Command::EditNote {
                note_id,
                kind,
                text,
            },
            None => Command::PostNote {
                note_id: NoteId::new(browser::random_id()),
                kind,
                text,
            },
        };
        room.session.submit(command);
        composer.text.set(String::new());
        composer.editing.set(None);
    };
    view! {
        <form class="card composer" on:submit=submit data-testid="note-composer">
            <h2>{move || if composer.editing.get().is_some() { t().editing_note } else { t().note_text_label }}</h2>
            <p class="help">{move || t().anonymous_hint}</p>
            <fieldset class="kinds">
                <legend>{move || t().note_kind_label}</legend>
                {NoteKind::ALL
                    .into_iter()
                    .map(|kind| view! {
                        <label class="kind" data-kind=format!("{kind:?}")>
                            <input
                                type="radio"
                                name="note-kind"
                                data-testid=format!("kind-{kind:?}")
                                prop:checked=move || composer.kind.get() == kind
                                on:change=move |_| composer.kind.set(kind)
                            />
                            {move || t().kind_name(kind)}
                        </label>
                    })
                    .collect_view()}
            </fieldset>
            <label for="note-text" class="visually-hidden">{move || t().note_text_label}</label>
            <textarea
                id="note-text"
                data-testid="note-text"
                maxlength="1000"
                rows="3"
                prop:value=move || composer.text.get()
                on:input=move |ev| composer.text.set(event_target_value(&ev))
            ></textarea>
            <div class="row">
                <button type="submit" class="primary" data-testid="post-note">
                    {move || if composer.editing.get().is_some() { t().save } else { t().post_note }}
                </button>
                <Show when=move || composer.editing.get().is_some()>
                    <button type="button" on:click=move |_| {
                        composer.editing.set(None);
                        composer.text.set(String::new());
                    }>{move || t().cancel}</button>
                </Show>
            </div>
        </form>
    }
}

#[component]
pub(super) fn NotesBoard() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    // Each note with whether it is this person's own (told by the server to them alone),
    // then the notes this page posted that the server has not acknowledged yet (written
    // offline, say): shown where they will live, marked as not sent.
    let notes = Memo::new(move |_| {
        room.session.replica.with(|r| {
            let Some(s) = r.state.as_ref() else {
                return Vec::new();
            };
            let mut notes: Vec<(Note, bool)> = s
                .notes
                .iter()
                .map(|n| (n.clone(), r.my_notes.contains(&n.id)))
                .collect();
            let pending: Vec<Note> = r
                .pending()
                .filter_map(|command| match command {
                    Command::PostNote {
                        note_id,
                        kind,
                        text,
                    } if s.note(note_id).is_none() => Some(Note {
                        id: note_id.clone(),
                        kind: *kind,
                        text: text.trim().to_owned(),
                        posted_at: 0,
                        kept: false,
                        hidden: false,
                    }),
                    _ => None,
                })
                .collect();
            notes.extend(pending.into_iter().map(|note| (note, true)));
            notes
        })
    });
    let unsent = Memo::new(move |_| {
        room.session.replica.with(|r| {
            r.pending()
                .filter_map(|command| match command {
                    Command::PostNote { note_id, .. } => Some(note_id.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        })
    });
    view! {
        <section class="board" aria-labelledby="notes-heading">
            <h2 id="notes-heading">{move || t().notes_heading} " (" {move || notes.get().len()} ")"</h2>
            {move || {
                let list = notes.get();
                // Redrawn when an acknowledgement clears a "not sent" mark, too.
                let unsent = unsent.get();
                if list.is_empty() {
                    return view! { <p class="muted">{move || t().no_notes}</p> }.into_any();
                }
                view! {
                    <ul class="notes" data-testid="notes" aria-live="polite">
                        {list.into_iter().map(|(note, mine)| {
                            let pending = unsent.contains(&note.id);
                            view! { <NoteCard note=note mine=mine pending=pending/> }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn NoteCard(
    note: Note,
    mine: bool,
    /// Posted from this page and not acknowledged yet.
    #[prop(optional)]
    pending: bool,
) -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    // The facilitator alone still reads a hidden note (a rule of what is shown, not of
    // who may act).
    let is_fac = room.my_role.get_untracked() == Some(Role::Facilitator);
    let shown_text = (!note.hidden || is_fac).then(|| note.text.clone());
    let kind = note.kind;
    let id = note.id.clone();
    let kept = note.kept;
    let hidden = note.hidden;
    let edit_text = note.text.clone();
    // Each button shows where the server takes the command it sends.
    let edit = Command::EditNote {
        note_id: id.clone(),
        kind,
        text: edit_text.clone(),
    };
    let delete = Command::DeleteNote {
        note_id: id.clone(),
    };
    let keep = Command::KeepNote {
        note_id: id.clone(),
        kept: !kept,
    };
    let hide = Command::HideNote {
        note_id: id.clone(),
        hidden: !hidden,
    };
    let actions = {
        let mut buttons = Vec::new();
        // Only the author changes a note, once the server has it.
        if mine && !pending && room.may_untracked(&edit) {
            let composer = use_context::<Composer>();
            let id_edit = id.clone();
            buttons.push(
                view! {
                    <button type="button" class="small" data-testid="edit-note" on:click=move |_| {
                        if let Some(c) = composer {
                            c.kind.set(kind);
                            c.text.set(edit_text.clone());
                            c.editing.set(Some(id_edit.clone()));
                        }
                    }>{move || t().edit}</button>
                }
                .into_any(),
            );
        }
        if mine && !pending && room.may_untracked(&delete) {
            buttons.push(
                view! {
                    <button type="button" class="small" data-testid="delete-note"
                        on:click=move |_| room.session.submit(delete.clone())>
                        {move || t().delete}
                    </button>
                }
                .into_any(),
            );
        }
        // A hidden note cannot be kept; one kept before it was hidden can be let go.
        if room.may_untracked(&keep) && (kept || !hidden) {
            buttons.push(view! {
                <button type="button" class="small" data-testid="keep-note" aria-pressed=kept.to_string()
                    data-focus-key=format!("keep-{id}")
                    on:click=move |_| room.session.submit(keep.clone())>
                    {move || if kept { t().unkeep.to_owned() } else { format!("★ {}", t().keep) }}
                </button>
            }.into_any());
        }
        if room.may_untracked(&hide) {
            buttons.push(
                view! {
                    <button type="button" class="small" data-testid="hide-note"
                        data-focus-key=format!("hide-{id}")
                        on:click=move |_| room.session.submit(hide.clone())>
                        {move || if hidden { t().unhide } else { t().hide }}
                    </button>
                }
                .into_any(),
            );
        }
        buttons
    };
    view! {
        <li class="note" class:kept=kept class:hidden=hidden class:mine=mine class:pending-item=pending
            data-kind=format!("{kind:?}") data-testid="note" data-pending=pending.to_string()>
            <p class="kind">{move || t().kind_name(kind)}</p>
            {match shown_text {
                Some(text) => view! { <p class="prewrap text" data-testid="note-text-shown">{text}</p> }.into_any(),
                None => view! { <p class="muted">{move || t().hidden_note}</p> }.into_any(),
            }}
            <p class="meta">
                {mine.then(|| view! { <span class="tag mine" data-testid="mine">{move || t().mine_marker}</span> })}
                {pending.then(|| view! { <span class="tag pending" data-testid="not-sent">{move || t().not_sent_yet}</span> })}
                {kept.then(|| view! { <span class="tag">"★ " {move || t().kept_marker}</span> })}
                {(hidden && is_fac).then(|| view! { <span class="tag">{move || t().hidden_note}</span> })}
            </p>
            <div class="row">{actions}</div>
        </li>
    }
}
