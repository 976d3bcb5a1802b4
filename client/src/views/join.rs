//! An invite link's page before the person is in: it names the session before asking
//! for a name, and says at once when the link leads nowhere (an unknown code, a closed
//! session) instead of after a name is typed. The server usually wrote that first screen
//! already ([`crate::handoff`]): then it is taken over as it stands, with what was typed;
//! otherwise the page looks the session up itself.

use super::app::BrandBar;
use super::fatal::{Fatal, Why};
use super::texts;
use crate::api::{self, ApiFailed, Described};
use crate::browser;
use crate::handoff::{FirstScreen, Found, Typed};
use leptos::html::Input;
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

    /// What the server found when it wrote the page.
    pub fn from_found(found: Found) -> Lookup {
        match found {
            Found::Open { title } => Lookup::Open { title },
            Found::Closed { title } => Lookup::Dead(Why::Closed { title }),
            Found::Unknown => Lookup::Dead(Why::Refused(ErrorCode::RoomOrKeyInvalid)),
        }
    }
}

/// The entry a form sent before the app had loaded asks for, if it was sent with a
/// name: the page goes straight in, as if the app's own form had been sent.
pub fn early_entry(typed: &Typed, facilitator_key: Option<String>) -> Option<Entry> {
    let name = typed.name.trim();
    if !typed.submitted || name.is_empty() {
        return None;
    }
    browser::store(NAME_KEY, name);
    Some(Entry::Join {
        name: name.to_owned(),
        // The facilitator's form has no observer box: the server's page cannot tell a
        // facilitator's link (the key is in the part after `#`) and shows it.
        observer: typed.observer && facilitator_key.is_none(),
        facilitator_key,
    })
}

#[component]
pub fn JoinPage(
    code: String,
    facilitator_key: Option<String>,
    /// The server's first screen, when it wrote one.
    first: Option<FirstScreen>,
    enter: impl Fn(Entry) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let t = texts();
    let (lookup, typed) = match first {
        Some(FirstScreen { found, typed }) => (Lookup::from_found(found), typed),
        None => (Lookup::Pending, None),
    };
    let asked = lookup == Lookup::Pending;
    let lookup = RwSignal::new(lookup);
    if asked {
        spawn_local(async move {
            let answer = api::describe_session(&code).await;
            // The page may have moved on meanwhile.
            let _ = lookup.try_set(Lookup::from_answer(answer));
        });
    }
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
            view! { <JoinForm title=Some(title) facilitator_key=facilitator_key.clone() typed=typed.clone() enter=enter.clone()/> }
                .into_any()
        }
        Lookup::Unanswered => {
            view! { <JoinForm title=None facilitator_key=facilitator_key.clone() typed=None enter=enter.clone()/> }
                .into_any()
        }
    }
    }
}

#[component]
fn JoinForm(
    title: Option<String>,
    facilitator_key: Option<String>,
    /// What was typed on the server's form, taken over.
    typed: Option<Typed>,
    enter: impl Fn(Entry) + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let t = texts();
    let typed = typed.unwrap_or_default();
    let remembered = || browser::load(NAME_KEY).unwrap_or_default();
    let name = RwSignal::new(if typed.name.is_empty() {
        remembered()
    } else {
        typed.name.clone()
    });
    let observer = RwSignal::new(typed.observer);
    let name_field = NodeRef::<Input>::new();
    if typed.focused {
        // The person was typing in the server's field: keep the keyboard where it was.
        // An effect runs in a microtask once the field is in the page, before the
        // browser handles the next key.
        Effect::new(move |_| {
            if let Some(field) = name_field.get() {
                let _ = field.focus();
                let end = field.value().chars().count() as u32;
                let _ = field.set_selection_range(end, end);
            }
        });
    }
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
                    node_ref=name_field
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
    fn the_servers_finding_is_the_same_lookup_as_the_apis() {
        assert_eq!(
            Lookup::from_found(Found::Open {
                title: "Lundi".into()
            }),
            Lookup::from_answer(Ok(Described {
                title: "Lundi".into(),
                open: true
            }))
        );
        assert_eq!(
            Lookup::from_found(Found::Closed {
                title: "Lundi".into()
            }),
            Lookup::from_answer(Ok(Described {
                title: "Lundi".into(),
                open: false
            }))
        );
        assert_eq!(
            Lookup::from_found(Found::Unknown),
            Lookup::from_answer(Err(ApiFailed(Some(ErrorCode::RoomOrKeyInvalid))))
        );
    }

    #[wasm_bindgen_test]
    fn a_form_sent_before_the_app_came_enters_with_its_name() {
        let sent = Typed {
            name: "  Bastien ".into(),
            observer: true,
            focused: true,
            submitted: true,
        };
        assert_eq!(
            early_entry(&sent, None),
            Some(Entry::Join {
                name: "Bastien".into(),
                observer: true,
                facilitator_key: None,
            })
        );
        // A facilitator's link has no observer box in the app: the tick does not count.
        assert_eq!(
            early_entry(&sent, Some("key".into())),
            Some(Entry::Join {
                name: "Bastien".into(),
                observer: false,
                facilitator_key: Some("key".into()),
            })
        );
        let unsent = Typed {
            submitted: false,
            ..sent.clone()
        };
        assert_eq!(early_entry(&unsent, None), None);
        let nameless = Typed {
            name: "  ".into(),
            ..sent
        };
        assert_eq!(early_entry(&nameless, None), None);
    }

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
