//! The bar at the top of the room: session title, current step, the step timer and the
//! connection's state. Readable at a glance beside a video call.

use super::app::LanguageSwitch;
use super::{Room, local_clock, read, texts};
use crate::group_link::GroupLink;
use crate::session::Status;
use leptos::prelude::*;
use shared::i18n::fill;
use shared::{Step, TimerState};
use std::time::Duration;

/// `m:ss` for a number of milliseconds (rounded up, so 0:00 means time is up).
pub fn clock(ms: u64) -> String {
    let seconds = ms.div_ceil(1000);
    format!("{}:{:02}", seconds / 60, seconds % 60)
}

#[component]
pub fn Header() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let title = Memo::new(move |_| read(room.session, String::new(), |s| s.title.clone()));
    // Its own video call, or its group's.
    let group = use_context::<GroupLink>();
    let call_link = move || {
        read(room.session, None, |s| s.call_link.clone()).or_else(|| {
            group.and_then(|group| {
                group
                    .group
                    .with(|g| g.as_ref().and_then(|g| g.call_link.clone()))
            })
        })
    };
    let step_label = move || {
        let step = room.step.get();
        if step == Step::Closed {
            t().step_name(step).to_owned()
        } else {
            format!(
                "{} · {}",
                fill(t().step_number, &[&step.number().to_string()]),
                t().step_name(step)
            )
        }
    };
    view! {
        <header class="topbar room-bar">
            <div class="titles">
                <p class="session-title">{move || title.get()}</p>
                <h1 class="step" data-testid="step">{step_label}</h1>
            </div>
            {move || call_link().map(|href| view! {
                <a class="button small" href=href target="_blank" rel="noopener noreferrer"
                    data-testid="room-call-link">{move || t().call_link_button}</a>
            })}
            <Show when=move || room.step.get() != Step::Closed>
                <Timer/>
                <ConnectionState/>
            </Show>
            <LanguageSwitch/>
        </header>
    }
}

#[component]
fn Timer() -> impl IntoView {
    let room = expect_context::<Room>();
    let t = texts();
    let now = local_clock(Duration::from_millis(250));
    let timer = Memo::new(move |_| {
        read(room.session, TimerState::Idle { duration_ms: 0 }, |s| {
            s.timer.clone()
        })
    });
    let remaining = Memo::new(move |_| {
        let server_now = room.session.replica.with(|r| r.server_now(now.get()));
        timer.get().remaining_ms(server_now)
    });
    let shown = move || {
        let left = remaining.get();
        if left < 0 {
            fill(t().timer_over, &[&clock(left.unsigned_abs())])
        } else {
            clock(left as u64)
        }
    };
    let state_word = move || match timer.get() {
        TimerState::Running { .. } => "",
        TimerState::Paused { .. } => t().timer_paused,
        TimerState::Idle { .. } => t().timer_not_started,
    };
    // Announced to screen readers once a minute, not every second.
    let announced = Memo::new(move |_| {
        let left = remaining.get();
        let minutes = if left < 0 {
            -(((-left) / 60_000) + 1)
        } else {
            left / 60_000
        };
        (minutes, timer.get().is_running())
    });
    view! {
        <div
            class="timer"
            class:over=move || remaining.get() < 0
            class:running=move || timer.get().is_running()
            data-testid="timer"
        >
            <span class="label">{move || t().timer_label}</span>
            <span class="time" aria-hidden="true">{shown}</span>
            <span class="state">{state_word}</span>
            <span class="visually-hidden" aria-live="polite">
                {move || {
                    let (minutes, _) = announced.get();
                    let whole = fill(t().minutes_short, &[&minutes.unsigned_abs().to_string()]);
                    if minutes < 0 {
                        fill(t().timer_over, &[&whole])
                    } else {
                        format!("{}{}{} {}", t().timer_label, t().colon, whole, state_word())
                    }
                }}
            </span>
        </div>
    }
}

#[component]
fn ConnectionState() -> impl IntoView {
    let room = expect_context::<Room>();
    let session = room.session;
    let t = texts();
    let pending = Memo::new(move |_| session.replica.with(|r| r.pending().count()));
    let now = local_clock(Duration::from_millis(500));
    // Said only while the link is proven alive (the server was heard after the command
    // left): then the server, not the network, is slow to save.
    let unanswered_too_long = Memo::new(move |_| {
        let now = now.get();
        let waited = session.replica.with(|r| r.unanswered_for(now));
        session.status.get() == Status::Live
            && session
                .liveness
                .with_value(|link| link.server_is_slow(now, waited))
    });
    view! {
        <div class="connection" role="status" data-testid="connection">
            {move || match session.status.get() {
                Status::Live => view! {
                    <span class="pill live" data-state="live">"● " {move || t().status_live}</span>
                }
                .into_any(),
                Status::Reconnecting { seconds } => view! {
                    <span class="pill reconnecting" data-state="reconnecting">
                        "↻ " {move || fill(t().status_reconnecting, &[&seconds.to_string()])}
                    </span>
                    <button type="button" class="small" on:click=move |_| session.retry_now()>
                        {move || t().retry_now}
                    </button>
                }
                .into_any(),
                _ => view! {
                    <span class="pill connecting" data-state="connecting">
                        "… " {move || t().status_connecting}
                    </span>
                }
                .into_any(),
            }}
            <Show when=move || { pending.get() > 0 && session.status.get() != Status::Live }>
                <span class="pending">
                    {move || t().count(pending.get(), t().status_waiting_one, t().status_waiting_other)}
                </span>
            </Show>
            <Show when=move || unanswered_too_long.get()>
                <span class="pending unconfirmed" data-testid="unconfirmed">
                    {move || t().count(pending.get(), t().status_unconfirmed_one, t().status_unconfirmed_other)}
                </span>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::clock;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn clock_shows_minutes_and_seconds_rounded_up() {
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(1), "0:01");
        assert_eq!(clock(59_001), "1:00");
        assert_eq!(clock(15 * 60_000), "15:00");
    }
}
