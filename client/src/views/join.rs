//! An invite link's page before the person is in: it looks the session up first, so it
//! names the session before asking for a name, and says at once when the link leads
//! nowhere (an unknown code, a closed session) instead of after a name is typed.

use super::app::BrandBar;
use super::fatal::{Fatal, Why};
use super::texts;
use crate::api::{self, ApiFailed, Described};
use crate::browser;
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::ErrorCode;
use shared::replica::Entry;

/// Where the person's name is remembered for the next join form.
const NAME_KEY: &str = "codev.name";

/// What the lookup of the link's code found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Not answered yet.
    Pending,
    /// A session that takes newcomers, and its title.
    Open { title: String },
    /// No way in, whatever the name.
    Dead(Why),
    /// The server could not say now (unreachable, busy, limited): ask for a name
    /// anyway, and let the attempt to join give the reason if there is one.
    Unanswered,
}

impl Lookup {
    pub fn from_answer(answer: Result<Described, ApiFailed>) -> Lookup {
        match answer {
            Ok(Described { title, open: true }) => Lookup::Open { title },
            Ok(Described { title, open: false }) => Lookup::Dead(Why::Closed { title }),
            Err(ApiFailed(Some(ErrorCode::RoomOrKeyInvalid))) => {
                Lookup::Dead(Why::Refused(ErrorCode::RoomOrKeyInvalid))
            }
            Err(_) => Lookup::Unanswered,
        }
    }
}

#[component]
pub fn JoinPage(
    code: String,
    facilitator_key: Option<String>,
    enter: impl Fn(Entry) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let t = texts();
    let lookup = RwSignal::new(Lookup::Pending);
    spawn_local(async move {
        let answer = api::describe_session(&code).await;
        // The page may have moved on meanwhile.
        let _ = lookup.try_set(Lookup::from_answer(answer));
    });
    move || {
        match lookup.get() {
        Lookup::Pending => view! {
            <BrandBar/>
            <main class="home">
                <p class="card loading" role="status" data-testid="join-lookup">
                    {move || t().join_looking_up}
                </p>
            </main>
        }
        .into_any(),
        Lookup::Dead(why) => view! { <Fatal why=why/> }.into_any(),
        Lookup::Open { title } => {
            view! { <JoinForm title=Some(title) facilitator_key=facilitator_key.clone() enter=enter.clone()/> }
                .into_any()
        }
        Lookup::Unanswered => {
            view! { <JoinForm title=None facilitator_key=facilitator_key.clone() enter=enter.clone()/> }
                .into_any()
        }
    }
    }
}

#[component]
fn JoinForm(
    title: Option<String>,
    facilitator_key: Option<String>,
    enter: impl Fn(Entry) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let t = texts();
    let name = RwSignal::new(browser::load(NAME_KEY).unwrap_or_default());
    let observer = RwSignal::new(false);
    let is_facilitator = facilitator_key.is_some();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = name.get_untracked().trim().to_owned();
        if chosen.is_empty() {
            return;
        }
        browser::store(NAME_KEY, &chosen);
        enter(Entry::Join {
            name: chosen,
            observer: observer.get_untracked(),
            facilitator_key: facilitator_key.clone(),
        });
    };
    view! {
        <BrandBar/>
        <main class="home">
            <form class="card" on:submit=submit aria-labelledby="join-heading" data-testid="join-form">
                <h2 id="join-heading">{move || t().join_heading}</h2>
                {title.map(|title| view! {
                    <p class="session-name" data-testid="join-session-title">{title}</p>
                })}
                <p>
                    {move || if is_facilitator { t().facilitator_join_intro } else { t().join_intro }}
                </p>
                <label for="join-name">{move || t().your_name_label}</label>
                <input
                    id="join-name"
                    data-testid="join-name"
                    required
                    maxlength="40"
                    autocomplete="given-name"
                    placeholder=move || t().name_placeholder
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <Show when=move || !is_facilitator>
                    <label class="check">
                        <input
                            type="checkbox"
                            data-testid="join-observer"
                            prop:checked=move || observer.get()
                            on:change=move |ev| observer.set(event_target_checked(&ev))
                        />
                        {move || t().join_as_observer}
                    </label>
                </Show>
                <button type="submit" class="primary" data-testid="join-button">
                    {move || t().join_button}
                </button>
            </form>
        </main>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn the_lookup_names_open_sessions_and_tells_dead_links_at_once() {
        let described = |open| {
            Ok(Described {
                title: "Lundi".into(),
                open,
            })
        };
        assert_eq!(
            Lookup::from_answer(described(true)),
            Lookup::Open {
                title: "Lundi".into()
            }
        );
        assert_eq!(
            Lookup::from_answer(described(false)),
            Lookup::Dead(Why::Closed {
                title: "Lundi".into()
            })
        );
        assert_eq!(
            Lookup::from_answer(Err(ApiFailed(Some(ErrorCode::RoomOrKeyInvalid)))),
            Lookup::Dead(Why::Refused(ErrorCode::RoomOrKeyInvalid))
        );
        // Nothing is known for sure: the form is shown, and joining will tell.
        for unsure in [
            ApiFailed(None),
            ApiFailed(Some(ErrorCode::RateLimited)),
            ApiFailed(Some(ErrorCode::ServerFull)),
            ApiFailed(Some(ErrorCode::Internal)),
        ] {
            assert_eq!(Lookup::from_answer(Err(unsure)), Lookup::Unanswered);
        }
    }
}
