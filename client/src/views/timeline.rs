//! The timeline chart: planned against actual minutes per step, drawn in SVG.
//! The facilitator watches it during the session; the record keeps it.

use super::{Room, local_clock, texts};
use crate::timeline::{self, Row};
use leptos::prelude::*;
use shared::i18n::fill;
use std::time::Duration;

#[component]
pub fn TimelineChart() -> impl IntoView {
    let room = expect_context::<Room>();
    let session = room.session;
    let t = texts();
    let now = local_clock(Duration::from_secs(5));
    let data = Memo::new(move |_| {
        session.replica.with(|r| {
            let server_now = r.server_now(now.get());
            r.state
                .as_ref()
                .map(|s| {
                    (
                        timeline::rows(s, server_now),
                        timeline::minutes_late(s, server_now),
                    )
                })
                .unwrap_or_default()
        })
    });
    view! {
        <details class="panel timeline" data-testid="timeline">
            <summary>
                <h2>{move || t().timeline_heading}</h2>
                {move || {
                    let late = data.get().1;
                    view! {
                        <p class="late" class:behind={late > 0} data-testid="late">
                            {if late > 0 { fill(t().running_late, &[&late.to_string()]) } else { t().on_time.to_owned() }}
                        </p>
                    }
                }}
            </summary>
            {move || view! { <Chart rows=data.get().0/> }}
        </details>
    }
}

/// Width of the chart's drawing, in its own units (the SVG scales to its box).
const WIDTH: f64 = 280.0;
/// Room left after the longest bar for its figure.
const FIGURE_ROOM: f64 = 64.0;
/// Height of one bar, of one step (its name and two bars), and of the legend.
const BAR: f64 = 8.0;
const ROW: f64 = 42.0;
const LEGEND: f64 = 22.0;

/// Two bars per step, labelled: the step's name above them, each bar's minutes at its
/// end, and a legend saying which is planned (outlined) and which actual (filled). A
/// step over its plan is marked "▲" as well as coloured, so the chart never depends on
/// colour alone; the table after it gives the same figures to screen readers.
#[component]
pub fn Chart(rows: Vec<Row>) -> impl IntoView {
    let t = texts();
    let widest = rows
        .iter()
        .map(|r| (u64::from(r.planned_minutes) * 60_000).max(r.actual_ms))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let scale = (WIDTH - FIGURE_ROOM) / widest;
    let height = LEGEND + ROW * rows.len() as f64;
    let minutes = move |ms: u64| fill(t().minutes_short, &[&timeline::minutes(ms)]);
    view! {
        <figure class="chart" data-testid="chart">
            <svg
                viewBox=format!("0 0 {WIDTH} {height}")
                role="img"
                aria-label=move || t().timeline_heading
                class="bars"
            >
                <g class="legend">
                    <rect class="planned" x="0.5" y="4.5" width="14" height=BAR></rect>
                    <text x="20" y="12">{move || t().planned}</text>
                    <rect class="actual" x="90" y="4" width="14" height=BAR></rect>
                    <text x="110" y="12">{move || t().actual}</text>
                </g>
                {rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let top = LEGEND + i as f64 * ROW;
                        let planned_ms = u64::from(row.planned_minutes) * 60_000;
                        let planned = planned_ms as f64 * scale;
                        let actual = row.actual_ms as f64 * scale;
                        let over = row.actual_ms > planned_ms;
                        let step = row.step;
                        let actual_ms = row.actual_ms;
                        view! {
                            <g class="row" class:over=over>
                                <text class="step-name" x="0" y=top + 11.0>{move || t().step_name(step)}</text>
                                <rect class="planned" x="0.5" y=top + 15.5 width=planned.max(1.0) height=BAR></rect>
                                <text class="figure" x=planned + 4.0 y=top + 22.5>{move || minutes(planned_ms)}</text>
                                <rect class="actual" class:over=over x="0" y=top + 26.0 width=actual height=BAR></rect>
                                <text class="figure" x=actual + 4.0 y=top + 33.0>
                                    {move || minutes(actual_ms)} {over.then_some(" ▲")}
                                </text>
                            </g>
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption>
                <table class="figures">
                    <thead>
                        <tr>
                            <th scope="col">{move || t().step_column}</th>
                            <th scope="col">{move || t().planned}</th>
                            <th scope="col">{move || t().actual}</th>
                        </tr>
                    </thead>
                    <tbody>
                        {rows
                            .into_iter()
                            .map(|row| {
                                let over = row.actual_ms > u64::from(row.planned_minutes) * 60_000;
                                view! {
                                    <tr class:over=over>
                                        <th scope="row">{move || t().step_name(row.step)}</th>
                                        <td>{move || fill(t().minutes_short, &[&row.planned_minutes.to_string()])}</td>
                                        <td>
                                            {move || fill(t().minutes_short, &[&timeline::minutes(row.actual_ms)])}
                                            {if over { " ▲" } else { "" }}
                                        </td>
                                    </tr>
                                }
                            })
                            .collect_view()}
                    </tbody>
                </table>
            </figcaption>
        </figure>
    }
}
