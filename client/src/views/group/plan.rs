//! The group facilitator's planner: how many sessions, and the date and time of each
//! one not opened yet, proposed a month apart and each one editable.

use super::super::texts;
use crate::browser;
use crate::group_link::GroupLink;
use leptos::prelude::*;
use shared::group::{GroupCommand, SessionState};
use shared::i18n::fill;

/// Sessions in a series when nothing is planned yet: the method's four to six.
const DEFAULT_SESSIONS: usize = 5;
/// The most sessions a series may have (`shared::Limits::series_sessions`).
const MOST_SESSIONS: usize = 12;

/// The dates of the sessions not opened yet, as `datetime-local` values, and how many
/// sessions are opened already.
fn planned(link: GroupLink) -> (usize, Vec<String>) {
    link.group.with_untracked(|group| {
        let Some(group) = group else {
            return (0, Vec::new());
        };
        let opened = group
            .series
            .iter()
            .filter(|s| s.state != SessionState::Planned)
            .count();
        let dates = group.series[opened..]
            .iter()
            .map(|s| browser::datetime_local(s.at))
            .collect();
        (opened, dates)
    })
}

/// `count` dates a month apart from `first` (a `datetime-local` value).
fn spread(first: &str, count: usize) -> Vec<String> {
    let Some(start) = browser::parse_datetime_local(first) else {
        return vec![first.to_owned(); count.min(1)];
    };
    (0..count)
        .map(|month| browser::datetime_local(browser::months_later(start, month as u32)))
        .collect()
}

/// A week from now at 9:00, local time: a first date to start from.
fn next_week() -> String {
    let in_a_week = browser::datetime_local(browser::now_ms() + 7 * 24 * 3600 * 1000);
    let day = in_a_week
        .split_once('T')
        .map_or(in_a_week.as_str(), |(day, _)| day);
    format!("{day}T09:00")
}

#[component]
pub fn Planner() -> impl IntoView {
    let link = expect_context::<GroupLink>();
    let t = texts();
    let (opened, existing) = planned(link);
    let dates = RwSignal::new(if existing.is_empty() && opened == 0 {
        spread(&next_week(), DEFAULT_SESSIONS)
    } else {
        existing
    });
    let saved_at = RwSignal::new(None::<u64>);
    let count = move || opened + dates.with(Vec::len);
    let set_count = move |wanted: usize| {
        dates.update(|dates| {
            let wanted = wanted.saturating_sub(opened).max(1);
            if wanted < dates.len() {
                dates.truncate(wanted);
            }
            while dates.len() < wanted {
                let next = dates
                    .last()
                    .and_then(|last| browser::parse_datetime_local(last))
                    .map(|last| browser::datetime_local(browser::months_later(last, 1)))
                    .unwrap_or_else(next_week);
                dates.push(next);
            }
        });
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen: Option<Vec<u64>> = dates
            .get_untracked()
            .iter()
            .map(|value| browser::parse_datetime_local(value))
            .collect();
        if let Some(chosen) = chosen {
            saved_at.set(Some(link.accepted.get_untracked() + 1));
            link.submit(GroupCommand::PlanSeries { dates: chosen });
        }
    };
    let saved = move || saved_at.get().is_some_and(|at| link.accepted.get() >= at);
    view! {
        <form class="card planner" on:submit=save data-testid="planner" aria-labelledby="planner-heading">
            <h3 id="planner-heading">{move || t().series_plan_heading}</h3>
            <div class="row">
                <label for="plan-count">{move || t().plan_count_label}</label>
                <select
                    id="plan-count"
                    data-testid="plan-count"
                    prop:value=move || count().to_string()
                    on:change=move |ev| {
                        if let Ok(n) = event_target_value(&ev).parse() {
                            set_count(n);
                        }
                    }
                >
                    {(opened.max(1)..=MOST_SESSIONS)
                        .map(|n| view! { <option value=n.to_string()>{n}</option> })
                        .collect_view()}
                </select>
                <button type="button" class="small" data-testid="plan-spread" on:click=move |_| {
                    let first = dates.with_untracked(|d| d.first().cloned()).unwrap_or_else(next_week);
                    let n = dates.with_untracked(Vec::len);
                    dates.set(spread(&first, n));
                }>{move || t().plan_spread}</button>
            </div>
            <ol class="plan-dates" start=(opened + 1).to_string()>
                {move || {
                    dates
                        .get()
                        .into_iter()
                        .enumerate()
                        .map(|(index, value)| {
                            let number = opened + index + 1;
                            let id = format!("plan-date-{number}");
                            view! {
                                <li>
                                    <label for=id.clone()>
                                        {move || fill(t().plan_date_label, &[&number.to_string()])}
                                    </label>
                                    <input
                                        id=id
                                        type="datetime-local"
                                        required
                                        data-testid="plan-date"
                                        prop:value=value
                                        on:change=move |ev| {
                                            let value = event_target_value(&ev);
                                            dates.update(|dates| {
                                                if let Some(slot) = dates.get_mut(index) {
                                                    *slot = value;
                                                }
                                            });
                                        }
                                    />
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ol>
            <button type="submit" class="primary" data-testid="plan-save">{move || t().plan_save}</button>
            <Show when=saved>
                <p class="muted" role="status" data-testid="plan-saved">{move || t().plan_saved}</p>
            </Show>
        </form>
    }
}
