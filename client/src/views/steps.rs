//! What the middle of the screen shows at each step, for each role.
//!
//! A step's panel is built when the step (or the person's role) changes, not on every
//! event, so text being typed in an editor survives other people's activity.

use super::record::RecordView;
use super::{Room, read, texts};
use crate::browser;
use crate::double_click::Press;
use crate::route::invite_path;
use leptos::prelude::*;
use shared::i18n::fill;
use shared::state::{Action, Note, NoteKind, Question, Role};
use shared::{ActionId, Command, NoteId, QuestionId, Step};

#[component]
pub fn StepPanel() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    move || {
        let step = room.step.get();
        let role = room.my_role.get();
        let body = match step {
            Step::Welcome => view! { <Welcome/> }.into_any(),
            Step::Problem => {
                view! { <ProblemStep editable=role == Some(Role::Client)/> }.into_any()
            }
            Step::Clarification => view! { <ProblemView/> <Questions/> }.into_any(),
            Step::Contract => {
                view! { <ContractStep editable=role == Some(Role::Client)/> }.into_any()
            }
            Step::Exploration => {
                provide_context(Composer {
                    kind: RwSignal::new(NoteKind::Comment),
                    text: RwSignal::new(String::new()),
                    editing: RwSignal::new(None),
                });
                view! {
                    <PinnedContract/>
                    <Show when=move || room.is(Role::Consultant)>
                        <NoteComposer/>
                    </Show>
                    <NotesBoard/>
                }
                .into_any()
            }
            // Every note stays in sight below the kept ones (and the facilitator can
            // still hide one).
            Step::ActionPlan => {
                view! { <PinnedContract/> <ActionPlan/> <KeptNotes/> <NotesBoard/> }.into_any()
            }
            Step::Closing => view! { <Round/> <Learnings/> }.into_any(),
            Step::Closed => return view! { <RecordView/> }.into_any(),
        };
        view! {
            <section class="step-panel" data-step=format!("{step:?}")>
                <p class="guide" data-testid="step-guide">
                    {move || if role == Some(Role::Client) { t().client_step_guide(step) } else { t().step_guide(step) }}
                </p>
                {body}
            </section>
        }
        .into_any()
    }
}

/// A text editor with a save button, seeded once from the room.
#[component]
fn Editor(
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
fn Welcome() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
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
            when=move || room.is(Role::Facilitator)
            fallback=move || view! {
                <article class="card">
                    <h2>{move || t().pick_client_label}</h2>
                    <p data-testid="client-name">{move || client.get().unwrap_or_else(|| t().no_client_yet.to_owned())}</p>
                </article>
            }
        >
            <WelcomeChecklist/>
        </Show>
        <Show when=move || room.is(Role::Facilitator)>
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
                            let label = format!("{}{}{}", name, t().colon, t().pick_client_button);
                            view! {
                                <li>
                                    <span class="name">{name}</span>
                                    {(!is_client).then(|| view! {
                                        <button type="button" class="small" data-testid="welcome-pick-client"
                                            aria-label=label
                                            on:click=move |_| room.session.submit(Command::PickClient { participant: id.clone() })>
                                            {move || t().pick_client_button}
                                        </button>
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

#[component]
fn ProblemView() -> impl IntoView {
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

#[component]
fn ProblemStep(editable: bool) -> impl IntoView {
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

#[component]
fn Questions() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    // The cards on the board, then this page's own not yet acknowledged (false, true).
    let questions = Memo::new(move |_| {
        room.session.replica.with(|r| {
            let (Some(s), Some(me)) = (r.state.as_ref(), r.me.as_ref()) else {
                return Vec::new();
            };
            let mut list: Vec<(Question, bool)> = s
                .questions
                .iter()
                .filter(|q| !q.withdrawn)
                .map(|q| (q.clone(), false))
                .collect();
            list.extend(r.pending().filter_map(|command| match command {
                Command::PostQuestion { question_id, text }
                    if s.question(question_id).is_none() =>
                {
                    Some((
                        Question {
                            id: question_id.clone(),
                            author: me.clone(),
                            text: text.trim().to_owned(),
                            answered: false,
                            withdrawn: false,
                        },
                        true,
                    ))
                }
                _ => None,
            }));
            list
        })
    });
    view! {
        <section class="card" aria-labelledby="questions-heading">
            <h2 id="questions-heading">{move || t().questions_heading}</h2>
            <Show when=move || room.is(Role::Consultant)>
                <Editor
                    label=t().question_label
                    testid="question"
                    initial=String::new()
                    max=500
                    clear_on_save=true
                    button=|t| t.post_question
                    on_save=move |text| room.session.submit(Command::PostQuestion {
                        question_id: QuestionId::new(browser::random_id()),
                        text,
                    })
                />
            </Show>
            {move || {
                let list = questions.get();
                if list.is_empty() {
                    return view! { <p class="muted">{move || t().no_questions}</p> }.into_any();
                }
                view! {
                    <ul class="cards" data-testid="questions">
                        {list.into_iter().map(|(q, pending)| view! { <QuestionCard question=q pending=pending/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn QuestionCard(
    question: Question,
    /// Posted from this page and not acknowledged yet.
    pending: bool,
) -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let mine = room.me.get_untracked().as_ref() == Some(&question.author);
    let author = room.name_of(&question.author);
    let id = question.id.clone();
    let id_mark = question.id.clone();
    let answered = question.answered;
    let can_mark = move || !pending && (room.is(Role::Client) || room.is(Role::Facilitator));
    let mine = mine && !pending;
    view! {
        <li class="question" class:answered=answered class:pending-item=pending data-testid="question-card">
            <p class="prewrap">{question.text.clone()}</p>
            <p class="meta">
                {author}
                {answered.then(|| view! { <span class="tag">"✓ " {move || t().answered_marker}</span> })}
                {pending.then(|| view! { <span class="tag pending" data-testid="not-sent">{move || t().not_sent_yet}</span> })}
            </p>
            <div class="row">
                <Show when=can_mark>
                    <button type="button" class="small" data-focus-key=format!("answer-{}", id_mark) on:click={
                        let id = id_mark.clone();
                        move |_| room.session.submit(Command::MarkAnswered { question_id: id.clone(), answered: !answered })
                    }>
                        {move || if answered { t().mark_unanswered } else { t().mark_answered }}
                    </button>
                </Show>
                {mine.then(|| {
                    let id = id.clone();
                    view! {
                        <button type="button" class="small" on:click=move |_| room.session.submit(Command::WithdrawQuestion { question_id: id.clone() })>
                            {move || t().withdraw}
                        </button>
                    }
                })}
            </div>
        </li>
    }
}

#[component]
fn ContractStep(editable: bool) -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let editor = editable.then(|| {
        let current = read(room.session, String::new(), |s| {
            s.contract.clone().unwrap_or_default()
        });
        view! {
            <div class="card">
                <Editor
                    label=t().contract_label
                    testid="contract-input"
                    initial=current
                    max=2000
                    multiline=true
                    on_save=move |text| room.session.submit(Command::SetContract { text })
                />
            </div>
        }
    });
    view! {
        <ProblemView/>
        {editor}
        <PinnedContract/>
    }
}

/// The contract, stated by the client, kept in sight while the group works on it.
#[component]
pub fn PinnedContract() -> impl IntoView {
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

/// Where a consultant writes a note, or rewrites one of their own.
#[derive(Clone, Copy)]
struct Composer {
    kind: RwSignal<NoteKind>,
    text: RwSignal<String>,
    editing: RwSignal<Option<NoteId>>,
}

#[component]
fn NoteComposer() -> impl IntoView {
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
fn NotesBoard() -> impl IntoView {
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
    let step = room.step.get_untracked();
    let role = room.my_role.get_untracked();
    let is_fac = role == Some(Role::Facilitator);
    let shown_text = (!note.hidden || is_fac).then(|| note.text.clone());
    let kind = note.kind;
    let id = note.id.clone();
    let kept = note.kept;
    let hidden = note.hidden;
    let edit_text = note.text.clone();
    let actions = {
        let mut buttons = Vec::new();
        if mine && !pending && step == Step::Exploration && role == Some(Role::Consultant) {
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
            let id_delete = id.clone();
            buttons.push(view! {
                <button type="button" class="small" data-testid="delete-note"
                    on:click=move |_| room.session.submit(Command::DeleteNote { note_id: id_delete.clone() })>
                    {move || t().delete}
                </button>
            }.into_any());
        }
        // A hidden note cannot be kept; one kept before it was hidden can be let go.
        if role == Some(Role::Client) && step == Step::Exploration && (kept || !hidden) {
            let id_keep = id.clone();
            buttons.push(view! {
                <button type="button" class="small" data-testid="keep-note" aria-pressed=kept.to_string()
                    data-focus-key=format!("keep-{id}")
                    on:click=move |_| room.session.submit(Command::KeepNote { note_id: id_keep.clone(), kept: !kept })>
                    {move || if kept { t().unkeep.to_owned() } else { format!("★ {}", t().keep) }}
                </button>
            }.into_any());
        }
        if is_fac && matches!(step, Step::Exploration | Step::ActionPlan | Step::Closing) {
            let id_hide = id.clone();
            buttons.push(view! {
                <button type="button" class="small" data-testid="hide-note"
                    data-focus-key=format!("hide-{id}")
                    on:click=move |_| room.session.submit(Command::HideNote { note_id: id_hide.clone(), hidden: !hidden })>
                    {move || if hidden { t().unhide } else { t().hide }}
                </button>
            }.into_any());
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

#[component]
fn KeptNotes() -> impl IntoView {
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
fn ActionPlan() -> impl IntoView {
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
    let is_client = room.is(Role::Client);
    view! {
        <section class="card" aria-labelledby="plan-heading" data-testid="plan">
            <h2 id="plan-heading">{move || t().plan_heading}</h2>
            {is_client.then(|| view! {
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
                            <ActionItem action=action index=i last=last editable=is_client && !pending pending=pending
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

#[component]
fn Round() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let my_turn = Memo::new(move |_| {
        let me = room.me.get();
        read(room.session, false, |s| {
            s.round
                .as_ref()
                .and_then(|r| r.speaker())
                .is_some_and(|p| Some(p) == me.as_ref())
        })
    });
    let round = Memo::new(move |_| {
        read(room.session, (None, None, false), |s| match &s.round {
            Some(r) => (
                r.speaker()
                    .and_then(|p| s.participant(p))
                    .map(|p| p.name.clone()),
                r.next_speaker()
                    .and_then(|p| s.participant(p))
                    .map(|p| p.name.clone()),
                r.is_over(),
            ),
            None => (None, None, true),
        })
    });
    view! {
        <section class="card round" aria-labelledby="round-heading" data-testid="round">
            <h2 id="round-heading">{move || t().round_heading}</h2>
            <div aria-live="polite">
                {move || {
                    let (now, next, over) = round.get();
                    if over {
                        return view! { <p class="done" data-testid="round-over">"✓ " {move || t().round_over}</p> }.into_any();
                    }
                    view! {
                        {my_turn.get().then(|| view! { <p class="your-turn" data-testid="your-turn-round">{move || t().your_turn_round}</p> })}
                        <p class="speaker" data-testid="round-speaker">{fill(t().speaking_now, &[&now.unwrap_or_default()])}</p>
                        {next.map(|n| view! { <p class="muted" data-testid="round-next">{fill(t().next_up, &[&n])}</p> })}
                    }.into_any()
                }}
            </div>
            <Show when=move || room.is(Role::Facilitator) && !round.get().2>
                <button type="button" class="primary" data-testid="advance-round"
                    on:click=move |ev| room.session.move_cursor(Press::of_click(ev.detail()), Command::advance_round)>
                    {move || t().advance_round} " →"
                </button>
            </Show>
        </section>
    }
}

#[component]
fn Learnings() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let learnings = Memo::new(move |_| {
        read(room.session, Vec::new(), |s| {
            s.learnings
                .iter()
                .map(|l| {
                    let name = s
                        .participant(&l.participant)
                        .map(|p| p.name.clone())
                        .unwrap_or_default();
                    (name, l.text.clone())
                })
                .collect::<Vec<_>>()
        })
    });
    let takes_part = room.my_role.get_untracked().is_some_and(Role::takes_part);
    let mine = {
        let me = room.me.get_untracked();
        read(room.session, String::new(), |s| {
            me.and_then(|me| s.learning(&me).map(|l| l.text.clone()))
                .unwrap_or_default()
        })
    };
    view! {
        {takes_part.then(|| view! {
            <div class="card">
                <Editor
                    label=t().learning_label
                    testid="learning"
                    initial=mine
                    max=2000
                    multiline=true
                    on_save=move |text| room.session.submit(Command::WriteLearning { text })
                />
            </div>
        })}
        <section class="card" aria-labelledby="learnings-heading" data-testid="learnings">
            <h2 id="learnings-heading">{move || t().learnings_heading}</h2>
            {move || {
                let list = learnings.get();
                if list.is_empty() {
                    return view! { <p class="muted">{move || t().no_learnings}</p> }.into_any();
                }
                view! {
                    <ul class="learnings">
                        {list.into_iter().map(|(name, text)| view! {
                            <li><strong>{name}</strong> {move || t().colon} <span class="prewrap">{text}</span></li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
