//! The page's components, one file per part of the screen.

pub mod app;
mod controls;
mod fatal;
pub(crate) mod group;
mod header;
mod home;
mod join;
pub(crate) mod people;
mod record;
mod room;
mod steps;
mod timeline;

use crate::browser;
use crate::handoff::FirstScreen;
use crate::session::Session;
use leptos::prelude::*;
use shared::i18n::{Lang, Texts};
use shared::logic::allowed;
use shared::state::Role;
use shared::{Command, Millis, ParticipantId, RoomState, Step};
use std::time::Duration;

/// The chosen language, shared by every component.
#[derive(Clone, Copy)]
pub struct Language(pub RwSignal<Lang>);

/// The server's first screen of an invite link's page, read once as the app starts
/// ([`crate::handoff`]), for the one page that takes it over.
#[derive(Clone, Copy)]
pub struct Handoff(StoredValue<Option<FirstScreen>>);

impl Handoff {
    /// Read and remove the server's first screen, if the page has one.
    pub fn from_page() -> Handoff {
        Handoff(StoredValue::new(crate::handoff::take()))
    }

    /// The first screen, for whoever asks first.
    pub fn take(self) -> Option<FirstScreen> {
        self.0.try_update_value(Option::take).flatten()
    }
}

/// The language a session made from this page speaks: the page's.
pub fn session_language(lang: Lang) -> shared::state::Language {
    match lang {
        Lang::Fr => shared::state::Language::Fr,
        Lang::En => shared::state::Language::En,
    }
}

/// The current strings, reactively.
pub fn texts() -> impl Fn() -> &'static Texts + Copy {
    let lang = expect_context::<Language>().0;
    move || lang.get().texts()
}

/// The local time, refreshed `every` so long as the calling component lives.
pub fn local_clock(every: Duration) -> ReadSignal<Millis> {
    let now = RwSignal::new(browser::now_ms());
    let ticker = set_interval_with_handle(move || now.set(browser::now_ms()), every).ok();
    on_cleanup(move || {
        if let Some(ticker) = ticker {
            ticker.clear();
        }
    });
    now.read_only()
}

/// Read something of the room; `default` until the first snapshot.
pub fn read<T>(session: Session, default: T, f: impl FnOnce(&RoomState) -> T) -> T {
    session
        .replica
        .with(|r| r.state.as_ref().map(f))
        .unwrap_or(default)
}

/// Memos of what most components depend on, so they re-render only when it changes.
#[derive(Clone, Copy)]
pub struct Room {
    pub session: Session,
    pub step: Memo<Step>,
    pub me: Memo<Option<ParticipantId>>,
    pub my_role: Memo<Option<Role>>,
}

impl Room {
    pub fn new(session: Session) -> Room {
        let step = Memo::new(move |_| read(session, Step::Welcome, |s| s.step));
        let me = Memo::new(move |_| session.replica.with(|r| r.me.clone()));
        let my_role = Memo::new(move |_| {
            let me = me.get()?;
            read(session, None, |s| s.participant(&me).map(|p| p.role))
        });
        Room {
            session,
            step,
            me,
            my_role,
        }
    }

    pub fn is(&self, role: Role) -> bool {
        self.my_role.get() == Some(role)
    }

    /// Whether this person may send `command` now, by the server's own rights
    /// (`shared::logic::allowed`): a control shows only where the server takes it.
    /// Only the kind of command counts, not its values. Tracks the step and the role.
    pub fn may(&self, command: &Command) -> bool {
        self.my_role
            .get()
            .is_some_and(|role| allowed(role, self.step.get(), command))
    }

    /// [`Room::may`], read once: for what is built once per step (a note's buttons).
    pub fn may_untracked(&self, command: &Command) -> bool {
        self.my_role
            .get_untracked()
            .is_some_and(|role| allowed(role, self.step.get_untracked(), command))
    }

    /// Whether this person runs the session now: the facilitator's controls (steps,
    /// timer, closing) are theirs to use, so their panel and the timeline show.
    pub fn steers(&self) -> bool {
        self.may(&Command::StartTimer) || self.may(&Command::CloseSession)
    }

    /// A participant's name, or an empty string.
    pub fn name_of(&self, id: &ParticipantId) -> String {
        read(self.session, String::new(), |s| {
            s.participant(id)
                .map(|p| p.name.clone())
                .unwrap_or_default()
        })
    }
}
