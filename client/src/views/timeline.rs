//! The timeline chart: planned against actual minutes per step, drawn in SVG.
//! The facilitator watches it during the session; the record keeps it.

use super::{Room, local_clock, texts};
use crate::i18n::fill;
use crate::timeline::{self, Row};
use leptos::prelude::*;
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

/// Two bars per step: planned (outline) and actual (filled), on one scale. Each row
/// also carries its figures in text, so the chart never depends on colour alone.
#[component]
pub fn Chart(rows: Vec<Row>) -> impl IntoView {
    let t = texts();
    let widest = rows
        .iter()
        .map(|r| (u64::from(r.planned_minutes) * 60_000).max(r.actual_ms))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let bar_height = 10.0;
    let row_height = 2.0 * bar_height + 8.0;
    let height = row_height * rows.len() as f64;
    view! {
        <figure class="chart">
            <svg
                viewBox=format!("0 0 100 {height}")
                preserveAspectRatio="none"
                role="img"
                aria-label=move || t().timeline_heading
                class="bars"
            >
                {rows
                    .iter()
                    .enumerate()
                    .map(|(i, row)| {
                        let y = i as f64 * row_height;
                        let planned = u64::from(row.planned_minutes) as f64 * 60_000.0 / widest * 100.0;
                        let actual = row.actual_ms as f64 / widest * 100.0;
                        let over = row.actual_ms > u64::from(row.planned_minutes) * 60_000;
                        view! {
                            <rect class="planned" x="0" y=y width=planned height=bar_height></rect>
                            <rect class="actual" class:over=over x="0" y=y + bar_height + 2.0 width=actual height=bar_height></rect>
                        }
                    })
                    .collect_view()}
            </svg>
            <figcaption>
                <table class="figures">
                    <thead>
                        <tr>
                            <th scope="col"></th>
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
