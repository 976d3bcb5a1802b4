//! The group facilitator's settings: the group's name, its call link and its charter.
//! A changed charter asks every member to accept it again at their next visit.

use super::super::texts;
use crate::group_link::{GroupLink, group_key_key};
use crate::{api, browser};
use leptos::prelude::*;
use shared::group::GroupCommand;

#[component]
pub fn Settings() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let (name, call, charter) = link.group.with_untracked(|group| {
        group.as_ref().map_or_else(Default::default, |g| {
            (
                g.name.clone(),
                g.call_link.clone().unwrap_or_default(),
                g.charter.clone().unwrap_or_default(),
            )
        })
    });
    let name = RwSignal::new(name);
    let call = RwSignal::new(call);
    let charter = RwSignal::new(charter);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some((was_details, was_charter)) = link.group.with_untracked(|group| {
            group
                .as_ref()
                .map(|g| ((g.name.clone(), g.call_link.clone()), g.charter.clone()))
        }) else {
            return;
        };
        let details = (
            name.get_untracked().trim().to_owned(),
            Some(call.get_untracked().trim().to_owned()).filter(|link| !link.is_empty()),
        );
        if details != was_details {
            link.submit(GroupCommand::SetDetails {
                name: details.0,
                call_link: details.1,
            });
        }
        let text = Some(charter.get_untracked().trim().to_owned()).filter(|text| !text.is_empty());
        if text != was_charter {
            link.submit(GroupCommand::SetCharter { text });
        }
    };
    view! {
        <form class="card" on:submit=save data-testid="group-settings" aria-labelledby="settings-heading">
            <h3 id="settings-heading">{move || t().group_settings_heading}</h3>
            <label for="settings-name">{move || t().group_name_label}</label>
            <input id="settings-name" data-testid="settings-name" required maxlength="120"
                prop:value=move || name.get()
                on:input=move |ev| name.set(event_target_value(&ev))/>
            <label for="settings-call">{move || t().call_link_label}</label>
            <input id="settings-call" data-testid="settings-call" type="url" maxlength="500"
                placeholder="https://"
                prop:value=move || call.get()
                on:input=move |ev| call.set(event_target_value(&ev))/>
            <label for="settings-charter">{move || t().group_charter_label}</label>
            <textarea id="settings-charter" data-testid="settings-charter" rows="4" maxlength="4000"
                aria-describedby="settings-charter-help"
                prop:value=move || charter.get()
                on:input=move |ev| charter.set(event_target_value(&ev))></textarea>
            <p class="help" id="settings-charter-help">{move || t().charter_change_note}</p>
            <button type="submit" class="primary" data-testid="settings-save">{move || t().save}</button>
            <DeleteGroup/>
        </form>
    }
}

/// Delete the group with every session of it, for the group's facilitator whose browser
/// keeps the group's key (it came with their link).
#[component]
fn DeleteGroup() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let code = link
        .group
        .with_untracked(|g| g.as_ref().map(|g| g.code.as_str().to_owned()))
        .unwrap_or_default();
    let key = browser::load(&group_key_key(&code));
    key.map(|key| {
        let delete = move |_| {
            if !browser::confirm(t().delete_group_confirm) {
                return;
            }
            let (code, key) = (code.clone(), key.clone());
            leptos::task::spawn_local(async move {
                if let Err(failed) = api::delete_group(&code, &key).await {
                    link.refused
                        .set(Some(failed.0.unwrap_or(shared::ErrorCode::Internal)));
                }
            });
        };
        view! {
            <button type="button" class="danger" data-testid="delete-group" on:click=delete>
                {move || t().delete_group}
            </button>
        }
    })
}
