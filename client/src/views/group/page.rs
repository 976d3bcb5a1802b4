//! The group's page as every member sees it, live: the group's name and call, its
//! members, the series of sessions and, for the group's facilitator, the planner
//! ([`super::plan`]); each member's personal link, and leaving.

use super::super::app::BrandBar;
use super::super::home::CopyField;
use super::super::texts;
use super::plan::Planner;
use super::settings::Settings;
use crate::group_link::GroupLink;
use crate::link::Status;
use crate::record::markdown_file_name;
use crate::route::{group_session_path, personal_path};
use crate::{api, browser, group_record};
use leptos::prelude::*;
use shared::ParticipantId;
use shared::group::{GroupCommand, GroupRole, GroupState, SessionState, Standing};
use shared::i18n::{Texts, fill};

/// What this member is in the group (`None` until the group is read, or once they
/// left).
fn my_role(link: GroupLink) -> Option<GroupRole> {
    link.with_me(|_, me| (me.standing == Standing::Active).then_some(me.role))
        .flatten()
}

/// A session's date and time, written out in local time.
pub fn when(t: &Texts, at: u64) -> String {
    let local = browser::datetime_local(at);
    let (date, time) = local.split_once('T').unwrap_or((&local, ""));
    format!("{} · {time}", t.date(date))
}

#[component]
pub fn GroupView() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let name = move || link.group.with(|g| g.as_ref().map(|g| g.name.clone()));
    let call = move || {
        link.group
            .with(|g| g.as_ref().and_then(|g| g.call_link.clone()))
    };
    let role = Memo::new(move |_| my_role(link));
    let gone = move || link.with_me(|_, me| me.standing != Standing::Active) == Some(true);
    view! {
        <BrandBar/>
        <main class="group" data-testid="group-page">
            <header class="card group-head">
                <h2 data-testid="group-title">{name}</h2>
                {move || call().map(|href| view! {
                    <a class="button primary" href=href target="_blank" rel="noopener noreferrer"
                        data-testid="call-link">{move || t().call_link_button}</a>
                })}
                <Connection/>
            </header>
            <Show when=gone>
                <p class="card notice" role="status" data-testid="left-group">{move || t().left_group}</p>
            </Show>
            {move || link.refused.get().map(|code| view! {
                <p class="error" role="alert" data-testid="group-refused">{t().error(code)}</p>
            })}
            <SessionDoor/>
            <div class="group-columns">
                <Series/>
                <Members/>
            </div>
            <super::FollowUps/>
            <super::Topics/>
            <Show when=move || role.get() == Some(GroupRole::Facilitator)>
                <Planner/>
                <Settings/>
            </Show>
            <Show when=move || role.get().is_some()>
                <PersonalLink/>
            </Show>
            <Show when=move || role.get() == Some(GroupRole::Member)>
                <button type="button" class="small" data-testid="leave-group" on:click=move |_| {
                    if window().confirm_with_message(t().leave_group_confirm).unwrap_or(false) {
                        link.submit(GroupCommand::Leave);
                    }
                }>{move || t().leave_group}</button>
            </Show>
        </main>
    }
}

/// The way into the session under way, for every member; or, when none is, the
/// button that opens the next one, for whoever may open it (the group's facilitator,
/// or the member named to run it).
#[component]
fn SessionDoor() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let lang = expect_context::<super::super::Language>().0;
    let t = texts();
    let door = Memo::new(move |_| {
        let me = link.me.get();
        let steers = my_role(link) == Some(GroupRole::Facilitator);
        link.group.with(|group| {
            let group = group.as_ref()?;
            if let Some(live) = group.live_session() {
                let room = group.series[live].room.clone()?;
                return Some(Door::Enter(group_session_path(
                    room.as_str(),
                    group.code.as_str(),
                )));
            }
            let next = group
                .series
                .iter()
                .position(|s| s.state == SessionState::Planned)?;
            let named = me.is_some() && group.series[next].facilitator == me;
            (steers || named).then_some(Door::Open(next))
        })
    });
    move || match door.get() {
        Some(Door::Enter(path)) => view! {
            <a class="button primary session-door" href=path data-testid="enter-session">
                {move || t().session_started}
            </a>
        }
        .into_any(),
        Some(Door::Open(index)) => {
            let open = move |_| {
                link.submit(GroupCommand::OpenSession {
                    index: index as u32,
                    language: super::super::session_language(lang.get_untracked()),
                });
            };
            view! {
                <button type="button" class="primary session-door" data-testid="open-session" on:click=open>
                    {move || fill(t().open_session_numbered, &[&(index + 1).to_string()])}
                </button>
            }
            .into_any()
        }
        None => ().into_any(),
    }
}

/// What [`SessionDoor`] shows.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Door {
    /// The room of the session under way, by its link from this group.
    Enter(String),
    /// The next session, to open.
    Open(usize),
}

/// Whether the group is live here, and how long until the next attempt if not.
#[component]
fn Connection() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    move || match link.status.get() {
        Status::Reconnecting { seconds } => view! {
            <p class="muted" role="status" data-testid="group-connection" data-state="reconnecting">
                {fill(t().status_reconnecting, &[&seconds.to_string()])}
                " "
                <button type="button" class="small" on:click=move |_| link.retry_now()>
                    {move || t().retry_now}
                </button>
            </p>
        }
        .into_any(),
        Status::Connecting => view! {
            <p class="muted" role="status" data-testid="group-connection" data-state="connecting">
                {t().status_connecting}
            </p>
        }
        .into_any(),
        _ => view! { <span data-testid="group-connection" data-state="live" hidden></span> }
            .into_any(),
    }
}

/// The members still in the group, the group's facilitator first.
#[component]
fn Members() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let members = Memo::new(move |_| {
        link.group.with(|group| {
            let Some(group) = group else {
                return Vec::new();
            };
            let mut members: Vec<_> = group
                .members
                .iter()
                .filter(|m| m.standing == Standing::Active)
                .map(|m| (m.id.clone(), m.name.clone(), m.role))
                .collect();
            members.sort_by_key(|(_, _, role)| *role != GroupRole::Facilitator);
            members
        })
    });
    view! {
        <section class="card" aria-labelledby="members-heading" data-testid="group-members">
            <h3 id="members-heading">{move || t().members_heading}</h3>
            <ul class="people">
                {move || {
                    let me = link.me.get();
                    let steers = my_role(link) == Some(GroupRole::Facilitator);
                    let present = link.present.get();
                    let not_yet: Vec<ParticipantId> = link.group.with(|g| {
                        g.as_ref()
                            .map(|g| g.not_yet_client().into_iter().cloned().collect())
                            .unwrap_or_default()
                    });
                    members
                        .get()
                        .into_iter()
                        .map(|(id, name, role)| {
                            let you = (Some(&id) == me.as_ref()).then(|| t().you_suffix);
                            let facilitator = (role == GroupRole::Facilitator)
                                .then(|| format!(" · {}", t().group_facilitator_role));
                            let removable = steers && role == GroupRole::Member;
                            let online = present.contains(&id);
                            let waiting = not_yet.contains(&id);
                            let asked = name.clone();
                            let remove = move |_| {
                                let question = fill(t().remove_member_confirm, &[&asked]);
                                if window().confirm_with_message(&question).unwrap_or(false) {
                                    link.submit(GroupCommand::RemoveMember { member: id.clone() });
                                }
                            };
                            view! {
                                <li data-testid="group-member" data-online=online.to_string()>{name}{you}
                                    <span class="muted">{facilitator}</span>
                                    {online.then(|| view! { <span class="pill live">{move || t().online}</span> })}
                                    {waiting.then(|| view! {
                                        <span class="tag" data-testid="member-not-yet-client">{move || t().not_yet_client}</span>
                                    })}
                                    {removable.then(|| view! {
                                        <button type="button" class="small" data-testid="remove-member"
                                            on:click=remove>{move || t().remove}</button>
                                    })}
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
        </section>
    }
}

/// The planned sessions, with their date and state.
#[component]
fn Series() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let sessions = Memo::new(move |_| {
        link.group.with(|group| {
            group
                .as_ref()
                .map(|g: &GroupState| {
                    g.series
                        .iter()
                        .map(|s| {
                            // A closed session's client and problem title.
                            let kept = s.summary.as_ref().map(|kept| {
                                let client = g.member(&kept.client).map(|m| m.name.clone());
                                (client.unwrap_or_default(), kept.problem_title.clone())
                            });
                            (s.at, s.state, s.facilitator.clone(), kept)
                        })
                        .collect()
                })
                .unwrap_or_else(Vec::new)
        })
    });
    view! {
        <section class="card" aria-labelledby="series-heading" data-testid="group-series">
            <h3 id="series-heading">{move || t().series_heading}</h3>
            {move || {
                let all = sessions.get();
                if all.is_empty() {
                    return view! { <p class="muted" data-testid="no-sessions">{t().no_sessions_planned}</p> }
                        .into_any();
                }
                view! {
                    <div class="row">
                        <CalendarButton/>
                        <button type="button" class="small" data-testid="download-series" on:click=move |_| {
                            let texts = t();
                            link.group.with_untracked(|group| {
                                if let Some(group) = group {
                                    let md = group_record::markdown(group, texts, |at| when(texts, at));
                                    browser::download(&markdown_file_name(&group.name), "text/markdown", &md);
                                }
                            });
                        }>{move || t().download_series}</button>
                    </div>
                    <ol class="series">
                        {all
                            .into_iter()
                            .enumerate()
                            .map(|(index, (at, state, runner, kept))| {
                                let state_name = match state {
                                    SessionState::Planned => t().session_planned,
                                    SessionState::Live => t().session_live,
                                    SessionState::Closed => t().session_ended,
                                };
                                view! {
                                    <li data-testid="series-session" data-state=match state { SessionState::Planned => "planned", SessionState::Live => "live", SessionState::Closed => "closed" }>
                                        <strong>{fill(t().session_numbered, &[&(index + 1).to_string()])}</strong>
                                        " · "
                                        <span data-testid="series-date">{when(t(), at)}</span>
                                        " · "
                                        <span class="muted">{state_name}</span>
                                        {kept.map(|(client, title)| view! {
                                            <span data-testid="series-kept">
                                                " · "{fill(t().client_named, &[&client])}" · "{fill(t().quoted, &[&title])}
                                            </span>
                                        })}
                                        <RunBy index=index state=state runner=runner/>
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ol>
                }
                .into_any()
            }}
        </section>
    }
}

/// Who runs a session: a member the group's facilitator named (chosen here by the
/// group's facilitator, for a session not opened yet), or the group's facilitator.
#[component]
fn RunBy(index: usize, state: SessionState, runner: Option<ParticipantId>) -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    // Tracked: a member joining or leaving changes the choice.
    let members = move || -> Vec<(ParticipantId, String)> {
        link.group.with(|group| {
            group.as_ref().map_or_else(Vec::new, |g| {
                g.members
                    .iter()
                    .filter(|m| m.standing == Standing::Active && m.role == GroupRole::Member)
                    .map(|m| (m.id.clone(), m.name.clone()))
                    .collect()
            })
        })
    };
    let named = runner.as_ref().and_then(|id| {
        members()
            .into_iter()
            .find(|(m, _)| m == id)
            .map(|(_, name)| name)
    });
    let choosing = state == SessionState::Planned && my_role(link) == Some(GroupRole::Facilitator);
    if !choosing {
        return named
            .map(|name| view! { <span class="muted">" · "{move || t().session_run_by}" "{name}</span> })
            .into_any();
    }
    let id = format!("run-by-{index}");
    let current = runner.map(|id| id.as_str().to_owned()).unwrap_or_default();
    let nobody = current.is_empty();
    let choose = move |ev: leptos::ev::Event| {
        let chosen = event_target_value(&ev);
        let member = (!chosen.is_empty()).then(|| ParticipantId::new(chosen));
        link.submit(GroupCommand::NameSessionFacilitator {
            index: index as u32,
            member,
        });
    };
    view! {
        <div class="row">
            <label for=id.clone()>{move || t().session_run_by}</label>
            <select id=id data-testid="run-by" on:change=choose>
                <option value="" selected=nobody>{move || t().group_facilitator_role}</option>
                {move || {
                    members()
                        .into_iter()
                        .map(|(id, name)| {
                            let value = id.as_str().to_owned();
                            let selected = value == current;
                            view! { <option value=value selected=selected>{name}</option> }
                        })
                        .collect_view()
                }}
            </select>
        </div>
    }
    .into_any()
}

/// Download the series as a calendar file, to add every session to one's own calendar.
#[component]
fn CalendarButton() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let lang = expect_context::<super::super::Language>().0;
    let t = texts();
    let download = move |_| {
        let code = link
            .group
            .with_untracked(|g| g.as_ref().map(|g| g.code.as_str().to_owned()));
        let (Some(code), Some(token)) = (code, link.token.get_untracked()) else {
            return;
        };
        let tag = lang.get_untracked().tag();
        leptos::task::spawn_local(async move {
            match api::series_calendar(&code, &token, tag).await {
                Ok(text) => browser::download("codev-series.ics", "text/calendar", &text),
                Err(failed) => link
                    .refused
                    .set(Some(failed.0.unwrap_or(shared::ErrorCode::Internal))),
            }
        });
    };
    view! {
        <button type="button" class="small" data-testid="download-calendar" on:click=download>
            {move || t().download_calendar}
        </button>
    }
}

/// This member's own link to the group, for another device.
#[component]
fn PersonalLink() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let code = move || {
        link.group
            .with(|g| g.as_ref().map(|g| g.code.as_str().to_owned()))
    };
    move || {
        let (Some(code), Some(token)) = (code(), link.token.get()) else {
            return ().into_any();
        };
        let value = format!("{}{}", browser::origin(), personal_path(&code, &token));
        view! {
            <section class="card">
                <CopyField
                    label=move || t().personal_link_label
                    help=move || t().personal_link_help
                    value=value
                    testid="personal-link"
                />
            </section>
        }
        .into_any()
    }
}
