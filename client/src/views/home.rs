//! The start page: a facilitator creates a session and gets the two links.

use super::{Language, texts};
use crate::api::{self, Created};
use crate::browser;
use crate::route::{facilitator_path, invite_path};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::i18n::Lang;
use shared::state::Language as SessionLanguage;

#[component]
pub fn Home() -> impl IntoView {
    let t = texts();
    let lang = expect_context::<Language>().0;
    let title = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let created = RwSignal::new(None::<Created>);

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        error.set(None);
        let language = match lang.get_untracked() {
            Lang::Fr => SessionLanguage::Fr,
            Lang::En => SessionLanguage::En,
        };
        let title = title.get_untracked();
        spawn_local(async move {
            match api::create_session(title.trim(), language).await {
                Ok(done) => created.set(Some(done)),
                Err(failed) => {
                    let texts = lang.get_untracked().texts();
                    let message = failed
                        .0
                        .map(|code| texts.error(code))
                        .unwrap_or(texts.error(shared::ErrorCode::Internal));
                    error.set(Some(message.to_owned()));
                }
            }
            busy.set(false);
        });
    };

    view! {
        <super::app::BrandBar/>
        <main class="home">
            <p class="tagline">{move || t().tagline}</p>
            {move || match created.get() {
                None => view! {
                    <form class="card" on:submit=submit data-testid="create-form">
                        <h2>{move || t().create_heading}</h2>
                        <p>{move || t().create_intro}</p>
                        <label for="session-title">{move || t().session_title_label}</label>
                        <input
                            id="session-title"
                            data-testid="session-title"
                            required
                            maxlength="120"
                            placeholder=move || t().session_title_placeholder
                            prop:value=move || title.get()
                            on:input=move |ev| title.set(event_target_value(&ev))
                        />
                        <button type="submit" class="primary" disabled=move || busy.get()>
                            {move || if busy.get() { t().creating } else { t().create_button }}
                        </button>
                        <p class="error" role="alert">{move || error.get()}</p>
                    </form>
                }
                .into_any(),
                Some(done) => view! { <Links created=done/> }.into_any(),
            }}
        </main>
    }
}

/// The invite link and the facilitator's link, each with a copy button.
#[component]
fn Links(created: Created) -> impl IntoView {
    let t = texts();
    let origin = browser::origin();
    let invite = format!("{origin}{}", invite_path(&created.room));
    let own_path = facilitator_path(&created.room, &created.facilitator_key);
    let own = format!("{origin}{own_path}");
    view! {
        <section class="card" data-testid="created">
            <h2>{move || t().created_heading}</h2>
            <CopyField
                label=move || t().invite_link_label
                help=move || t().invite_link_help
                value=invite
                testid="invite-link"
            />
            <CopyField
                label=move || t().facilitator_link_label
                help=move || t().facilitator_link_help
                value=own
                testid="facilitator-link"
            />
            <a class="button primary" href=own_path data-testid="enter-room">
                {move || t().enter_as_facilitator}
            </a>
        </section>
    }
}

#[component]
fn CopyField(
    label: impl Fn() -> &'static str + Copy + Send + Sync + 'static,
    help: impl Fn() -> &'static str + Send + Sync + 'static,
    value: String,
    testid: &'static str,
) -> impl IntoView {
    let t = texts();
    let copied = RwSignal::new(false);
    let to_copy = value.clone();
    view! {
        <div class="copy-field">
            <label for=testid>{label}</label>
            <div class="row">
                <input id=testid data-testid=testid readonly value=value/>
                // The visible word starts the button's name (for speech control), the
                // hidden rest says which link.
                <button
                    type="button"
                    data-testid=format!("copy-{testid}")
                    on:click=move |_| {
                        browser::copy_to_clipboard(&to_copy);
                        copied.set(true);
                    }
                >
                    {move || if copied.get() { t().copied } else { t().copy }}
                    <span class="visually-hidden">{move || format!("{}{}", t().colon, label())}</span>
                </button>
            </div>
            <p class="help">{help}</p>
        </div>
    }
}
