//! The facilitator's controls: steps, timer, planned durations, closing.
//! Shown only to the facilitator; the server refuses these commands from anyone else.

use super::{Room, read, texts};
use crate::browser;
use crate::double_click::Press;
use leptos::prelude::*;
use shared::{Command, RoomState, Step, TimerState};

/// How many people taking part have not accepted the charter yet.
pub fn charters_pending(state: &RoomState) -> usize {
    state
        .participants
        .iter()
        .filter(|p| !p.charter_accepted)
        .count()
}

#[component]
pub fn Controls() -> impl IntoView {
    let room = expect_context::<Room>();
    let session = room.session;
    let t = texts();
    let timer = Memo::new(move |_| {
        read(session, TimerState::Idle { duration_ms: 0 }, |s| {
            s.timer.clone()
        })
    });
    let running = Memo::new(move |_| timer.get().is_running());
    let planned = Memo::new(move |_| {
        let step = room.step.get();
        read(session, 0, |s| s.durations.minutes(step))
    });
    let minutes = RwSignal::new(String::new());
    Effect::new(move |_| minutes.set(planned.get().to_string()));
    view! {
        <section class="panel controls" aria-labelledby="controls-heading" data-testid="controls">
            <h2 id="controls-heading">{move || t().controls_heading}</h2>
            <div class="row">
                <button
                    type="button"
                    data-testid="previous-step"
                    disabled=move || room.step.get() == Step::Welcome
                    on:click=move |ev| session.move_cursor(Press::of_click(ev.detail()), |s| Some(Command::previous_step(s)))
                >
                    "← " {move || t().previous_step}
                </button>
                <button
                    type="button"
                    class="primary"
                    data-testid="next-step"
                    disabled=move || room.step.get() == Step::Closing
                    on:click=move |ev| {
                        // Leaving the welcome before everyone accepted the charter: ask.
                        let waiting = read(session, 0, charters_pending);
                        if room.step.get_untracked() == Step::Welcome
                            && waiting > 0
                            && !browser::confirm(&t().count(waiting, t().leave_welcome_confirm_one, t().leave_welcome_confirm_other))
                        {
                            return;
                        }
                        session.move_cursor(Press::of_click(ev.detail()), |s| Some(Command::next_step(s)))
                    }
                >
                    {move || t().next_step} " →"
                </button>
            </div>
            <label class="stacked">
                <span>{move || t().jump_to}</span>
                <select
                    data-testid="jump-step"
                    prop:value=move || room.step.get().number().to_string()
                    on:change=move |ev| {
                        let chosen = event_target_value(&ev).parse::<usize>().ok();
                        if let Some(step) = chosen.and_then(|i| Step::MOVABLE.get(i)) {
                            session.move_cursor(Press::Deliberate, |s| Some(Command::go_to_step(s, *step)));
                        }
                    }
                >
                    {Step::MOVABLE
                        .iter()
                        .map(|step| {
                            let step = *step;
                            view! {
                                <option value=step.number().to_string()>
                                    {move || format!("{}. {}", step.number(), t().step_name(step))}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
            </label>
            <div class="row">
                // One button that changes its word, not two that replace each other, so
                // keyboard focus stays on it.
                <button
                    type="button"
                    class:primary=move || !running.get()
                    data-testid=move || if running.get() { "pause-timer" } else { "start-timer" }
                    on:click=move |_| {
                        session.submit(if running.get_untracked() { Command::PauseTimer } else { Command::StartTimer })
                    }
                >
                    {move || match timer.get() {
                        TimerState::Running { .. } => t().pause_timer.to_owned(),
                        TimerState::Paused { .. } => format!("▶ {}", t().resume_timer),
                        TimerState::Idle { .. } => format!("▶ {}", t().start_timer),
                    }}
                </button>
                <button type="button" data-testid="extend-1" on:click=move |_| session.submit(Command::ExtendTimer { minutes: 1 })>
                    {move || t().extend_one}
                </button>
                <button type="button" data-testid="extend-5" on:click=move |_| session.submit(Command::ExtendTimer { minutes: 5 })>
                    {move || t().extend_five}
                </button>
            </div>
            <form
                class="row"
                on:submit=move |ev: leptos::ev::SubmitEvent| {
                    ev.prevent_default();
                    if let Ok(value) = minutes.get_untracked().trim().parse::<u32>() {
                        session.submit(Command::SetDuration { step: room.step.get_untracked(), minutes: value });
                    }
                }
            >
                <label class="stacked">
                    <span>{move || t().planned_minutes_label}</span>
                    <input
                        type="number"
                        min="1"
                        max="240"
                        inputmode="numeric"
                        data-testid="planned-minutes"
                        prop:value=move || minutes.get()
                        on:input=move |ev| minutes.set(event_target_value(&ev))
                    />
                </label>
                <button type="submit">{move || t().set_duration}</button>
            </form>
            <button
                type="button"
                class="danger"
                data-testid="close-session"
                on:click=move |_| {
                    if browser::confirm(t().close_confirm) {
                        session.submit(Command::CloseSession);
                    }
                }
            >
                {move || t().close_session}
            </button>
        </section>
    }
}
