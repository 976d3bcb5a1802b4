//! What the middle of the screen shows at each step, for each role: one file per step,
//! this one choosing between them.
//!
//! A step's panel is built when the step (or the person's role) changes, not on every
//! event, so text being typed in an editor survives other people's activity.

mod action_plan;
mod clarification;
mod closing;
mod contract;
mod exploration;
mod problem;
mod welcome;
mod widgets;

use super::record::RecordView;
use super::{Room, texts};
use action_plan::{ActionPlan, KeptNotes};
use clarification::Questions;
use closing::{Learnings, Round};
use contract::ContractStep;
use exploration::{Composer, NoteComposer, NotesBoard};
use leptos::prelude::*;
use problem::ProblemStep;
use shared::state::{NoteKind, Role};
use shared::{Command, Step};
use welcome::Welcome;
use widgets::{PinnedContract, ProblemView};

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
                let editable = room.may(&Command::SetProblem {
                    title: String::new(),
                    summary: String::new(),
                });
                view! { <ProblemStep editable/> }.into_any()
            }
            Step::Clarification => view! { <ProblemView/> <Questions/> }.into_any(),
            Step::Contract => {
                let editable = room.may(&Command::SetContract {
                    text: String::new(),
                });
                view! { <ContractStep editable/> }.into_any()
            }
            Step::Exploration => {
                provide_context(Composer {
                    kind: RwSignal::new(NoteKind::Comment),
                    text: RwSignal::new(String::new()),
                    editing: RwSignal::new(None),
                });
                view! {
                    <PinnedContract/>
                    <Show when=move || room.may(&Composer::post())>
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
