//! Step 3: the client states the help they want; it stays pinned in steps 4 and 5.

use super::super::{Room, read, texts};
use super::widgets::{Editor, PinnedContract, ProblemView};
use leptos::prelude::*;
use shared::Command;

#[component]
pub(super) fn ContractStep(editable: bool) -> impl IntoView {
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
