//! The start page: a facilitator creates a single session, or a group for a series of
//! sessions, and gets the links to share and to keep.

use super::{Language, texts};
use crate::api::{self, ApiFailed, Created, GroupCreated};
use crate::browser;
use crate::route::{facilitator_path, group_facilitator_path, group_path, invite_path};
use leptos::prelude::*;
use leptos::task::spawn_local;
use shared::i18n::{Lang, Texts};

#[component]
pub fn Home() -> impl IntoView {
    let t = texts();
    let lang = expect_context::<Language>().0;
    let title = RwSignal::new(String::new());
    let call_link = RwSignal::new(String::new());
    let making = Making::<Created>::new();
    let Making {
        busy,
        error,
        made: created,
    } = making;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let language = super::session_language(lang.get_untracked());
        let (title, call_link) = (title.get_untracked(), call_link.get_untracked());
        making.send(lang, async move {
            api::create_session(title.trim(), language, &call_link).await
        });
    };

    view! {
        <super::app::BrandBar/>
        <main class="home">
            <p class="tagline">{move || t().tagline}</p>
            {move || match created.get() {
                None => view! {
                    <div class="ways">
                    <form class="card" on:submit=submit data-testid="create-form">
                        <h2>{move || t().home_single}</h2>
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
                        <CallLinkField id="session-call-link" value=call_link help=|t| t.session_call_link_help/>
                        <button type="submit" class="primary" disabled=move || busy.get()>
                            {move || if busy.get() { t().creating } else { t().create_button }}
                        </button>
                        <p class="error" role="alert">{move || error.get()}</p>
                    </form>
                    <CreateGroup/>
                    </div>
                }
                .into_any(),
                Some(done) => view! {
                    <Links
                        made=Made::Session
                        invite_path=invite_path(&done.room)
                        own_path=facilitator_path(&done.room, &done.facilitator_key)
                    />
                }
                .into_any(),
            }}
        </main>
    }
}

/// A creation on the start page: whether its request is on its way, why the last one
/// failed, and what it made.
struct Making<T: Send + Sync + 'static> {
    busy: RwSignal<bool>,
    error: RwSignal<Option<String>>,
    made: RwSignal<Option<T>>,
}

impl<T: Send + Sync + 'static> Clone for Making<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Making<T> {}

impl<T: Send + Sync + 'static> Making<T> {
    fn new() -> Self {
        Making {
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
            made: RwSignal::new(None),
        }
    }

    /// Send `request`, unless one is already on its way (a double click); its refusal
    /// is said in the page's language.
    fn send(
        self,
        lang: RwSignal<Lang>,
        request: impl std::future::Future<Output = Result<T, ApiFailed>> + 'static,
    ) {
        if self.busy.get_untracked() {
            return;
        }
        self.busy.set(true);
        self.error.set(None);
        spawn_local(async move {
            match request.await {
                Ok(done) => self.made.set(Some(done)),
                Err(failed) => self.error.set(Some(failure(lang.get_untracked(), failed))),
            }
            self.busy.set(false);
        });
    }
}

/// What to say when the API refused or could not be reached.
fn failure(lang: Lang, failed: ApiFailed) -> String {
    let texts = lang.texts();
    texts
        .error(failed.0.unwrap_or(shared::ErrorCode::Internal))
        .to_owned()
}

/// The form that creates a group, then the group's two links.
#[component]
fn CreateGroup() -> impl IntoView {
    let t = texts();
    let lang = expect_context::<Language>().0;
    let name = RwSignal::new(String::new());
    let call_link = RwSignal::new(String::new());
    let making = Making::<GroupCreated>::new();
    let Making {
        busy,
        error,
        made: created,
    } = making;
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (name, call_link) = (name.get_untracked(), call_link.get_untracked());
        making.send(lang, async move {
            api::create_group(name.trim(), &call_link).await
        });
    };
    move || match created.get() {
        Some(done) => view! {
            <Links
                made=Made::Group
                invite_path=group_path(&done.group)
                own_path=group_facilitator_path(&done.group, &done.facilitator_key)
            />
        }
        .into_any(),
        None => view! {
            <form class="card" on:submit=submit data-testid="create-group-form">
                <h2>{move || t().home_group}</h2>
                <p>{move || t().create_group_intro}</p>
                <label for="group-name">{move || t().group_name_label}</label>
                <input
                    id="group-name"
                    data-testid="group-name"
                    required
                    maxlength="120"
                    placeholder=move || t().group_name_placeholder
                    prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev))
                />
                <CallLinkField id="group-call-link" value=call_link help=|t| t.call_link_help/>
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || if busy.get() { t().creating } else { t().create_group_button }}
                </button>
                <p class="error" role="alert">{move || error.get()}</p>
            </form>
        }
        .into_any(),
    }
}

/// The optional video-call link of what is being made, with its help; `id` is also its
/// test id.
#[component]
fn CallLinkField(
    id: &'static str,
    value: RwSignal<String>,
    help: fn(&'static Texts) -> &'static str,
) -> impl IntoView {
    let t = texts();
    let help_id = format!("{id}-help");
    view! {
        <label for=id>{move || t().call_link_label}</label>
        <input
            id=id
            data-testid=id
            type="url"
            maxlength="500"
            placeholder="https://"
            aria-describedby=help_id.clone()
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        />
        <p class="help" id=help_id>{move || help(t())}</p>
    }
}

/// What was just made: a single session or a group.
#[derive(Clone, Copy)]
enum Made {
    Session,
    Group,
}

/// The words of a made thing's card.
struct Words {
    heading: &'static str,
    invite_label: &'static str,
    invite_help: &'static str,
    own_label: &'static str,
    own_help: &'static str,
    enter: &'static str,
}

impl Made {
    fn words(self, t: &'static Texts) -> Words {
        match self {
            Made::Session => Words {
                heading: t.created_heading,
                invite_label: t.invite_link_label,
                invite_help: t.invite_link_help,
                own_label: t.facilitator_link_label,
                own_help: t.facilitator_link_help,
                enter: t.enter_as_facilitator,
            },
            Made::Group => Words {
                heading: t.group_created_heading,
                invite_label: t.group_invite_label,
                invite_help: t.group_invite_help,
                own_label: t.group_key_label,
                own_help: t.group_key_help,
                enter: t.open_group,
            },
        }
    }

    /// The card's, the two links' and the way in's test ids.
    fn testids(self) -> [&'static str; 4] {
        match self {
            Made::Session => ["created", "invite-link", "facilitator-link", "enter-room"],
            Made::Group => [
                "group-created",
                "group-invite-link",
                "group-facilitator-link",
                "open-group",
            ],
        }
    }
}

/// A new session's or group's invite link and its facilitator's link, each with a copy
/// button, and the way in.
#[component]
fn Links(made: Made, invite_path: String, own_path: String) -> impl IntoView {
    let t = texts();
    let words = move || made.words(t());
    let origin = browser::origin();
    let [card, invite_id, own_id, enter_id] = made.testids();
    view! {
        <section class="card" data-testid=card>
            <h2>{move || words().heading}</h2>
            <CopyField
                label=move || words().invite_label
                help=move || words().invite_help
                value=format!("{origin}{invite_path}")
                testid=invite_id
            />
            <CopyField
                label=move || words().own_label
                help=move || words().own_help
                value=format!("{origin}{own_path}")
                testid=own_id
            />
            <a class="button primary" href=own_path data-testid=enter_id>
                {move || words().enter}
            </a>
        </section>
    }
}

#[component]
pub fn CopyField(
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
