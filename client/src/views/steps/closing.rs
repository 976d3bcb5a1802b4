//! Step 6, the closing round: whose turn it is and who is next, the facilitator
//! passing the word on, and everyone's learnings.

use super::super::{Room, read, texts};
use super::widgets::Editor;
use crate::double_click::Press;
use leptos::prelude::*;
use shared::Command;
use shared::i18n::fill;

#[component]
pub(super) fn Round() -> impl IntoView {
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
            <Show when=move || room.may(&Command::AdvanceRound { from: 0 }) && !round.get().2>
                <button type="button" class="primary" data-testid="advance-round"
                    on:click=move |ev| room.session.move_cursor(Press::of_click(ev.detail()), Command::advance_round)>
                    {move || t().advance_round} " →"
                </button>
            </Show>
        </section>
    }
}

#[component]
pub(super) fn Learnings() -> impl IntoView {
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
    let writes = room.may_untracked(&Command::WriteLearning {
        text: String::new(),
    });
    let mine = {
        let me = room.me.get_untracked();
        read(room.session, String::new(), |s| {
            me.and_then(|me| s.learning(&me).map(|l| l.text.clone()))
                .unwrap_or_default()
        })
    };
    view! {
        {writes.then(|| view! {
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
