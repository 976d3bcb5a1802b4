//! The root component: picks the language and the page for the address.

use super::group::GroupPage;
use super::home::Home;
use super::room::RoomPage;
use super::{Handoff, Language};
use crate::browser;
use crate::route::Route;
use leptos::prelude::*;
use shared::i18n::Lang;

/// Where the person's language choice is remembered.
const LANG_KEY: &str = "codev.lang";

/// The language to start in: the person's earlier choice, else the browser's.
fn initial_language() -> Lang {
    browser::load(LANG_KEY)
        .map(|tag| Lang::from_tag(&tag))
        .unwrap_or_else(|| Lang::from_tag(&browser::preferred_language()))
}

#[component]
pub fn App() -> impl IntoView {
    let lang = RwSignal::new(initial_language());
    provide_context(Language(lang));
    // Taken before anything is drawn: the server's screen goes as the app's comes.
    provide_context(Handoff::from_page());
    // Keep the document's language right for screen readers and hyphenation.
    Effect::new(move |_| {
        let tag = lang.get().tag();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tag);
        }
        browser::store(LANG_KEY, tag);
        browser::remember_language_for_server(tag);
    });
    let page = match Route::current() {
        Route::Home => view! { <Home/> }.into_any(),
        Route::Room {
            code,
            facilitator_key,
            group,
        } => view! { <RoomPage code=code facilitator_key=facilitator_key group=group/> }.into_any(),
        Route::Group {
            code,
            facilitator_key,
            member_token,
        } => view! {
            <GroupPage code=code facilitator_key=facilitator_key member_token=member_token/>
        }
        .into_any(),
    };
    view! { <div class="app" data-testid="app">{page}</div> }
}

/// Switch between French and English.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let lang = expect_context::<Language>().0;
    let t = super::texts();
    view! {
        <label class="language">
            <span class="visually-hidden">{move || t().language_label}</span>
            <select
                data-testid="language"
                on:change=move |ev| lang.set(Lang::from_tag(&event_target_value(&ev)))
                prop:value=move || lang.get().tag()
            >
                {Lang::ALL
                    .into_iter()
                    .map(|l| view! { <option value=l.tag()>{l.native_name()}</option> })
                    .collect_view()}
            </select>
        </label>
    }
}

/// The top bar of the pages outside a room: the app's name and the language switch.
#[component]
pub fn BrandBar() -> impl IntoView {
    let t = super::texts();
    view! {
        <header class="topbar">
            <h1 class="brand">{move || t().app_title}</h1>
            <LanguageSwitch/>
        </header>
    }
}
