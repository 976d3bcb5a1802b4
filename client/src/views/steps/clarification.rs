//! Step 2, clarifying questions: consultants post question cards, the client (or the
//! facilitator) marks them answered; cards not yet sent show where they will live.

use super::super::{Room, texts};
use super::widgets::Editor;
use crate::browser;
use leptos::prelude::*;
use shared::state::Question;
use shared::{Command, QuestionId};

#[component]
pub(super) fn Questions() -> impl IntoView {
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
            <Show when=move || room.may(&Command::PostQuestion { question_id: QuestionId::from(""), text: String::new() })>
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
    let mark = Command::MarkAnswered {
        question_id: id_mark.clone(),
        answered: !answered,
    };
    let can_mark = move || !pending && room.may(&mark);
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
