//! Note load (S1 and S2): R rooms of P participants in exploration, consultants posting
//! notes at a set rate, every copy of every note timed from send to receipt.
//!
//! Each room has one facilitator (joined with the key), one client (picked) and P − 2
//! consultants; the facilitator moves the room to exploration (pick client, next step ×
//! 4) before the load starts. A load is a list of steps, each a rate (notes per second per
//! consultant) held for a warm-up (not measured) and then a measured window. A note's
//! text carries its sender, its number and its send time; every other member of the room
//! records the latency of each copy, and counts copies it got twice. A note sent in a
//! window and not received by the end of the drain is lost.
//!
//! A consultant may have at most 50 notes on the board, so after its first
//! [`BOARD_NOTES`] a consultant rewrites its notes in turn (`edit_note`) instead of posting
//! new ones: to the server a rewrite is the same work (decide, apply, one encoding, fan-out
//! to every member, one persisted event), and it reaches every member as a note event.
//! The acks are timed too: the server sends an ack only once the event is on disk, so the
//! ack latency is what every delivery would cost if fan-out waited for the disk.
//!
//! Every loop is bounded by the step plan's end plus a drain.
//!
//! The members themselves (seating the rooms, one task per member, a consultant's
//! schedule) are in `member`; this module plans the steps, runs them and tallies.

mod member;

use crate::client::{self};
use crate::stats::{Latencies, Summary};
use crate::target::{Target, Usage, machine_busy_us, own_cpu_us};
use anyhow::{Context, Result};
use member::{member, setup_rooms};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// Notes a consultant posts before it starts rewriting them (the server allows 50).
pub const BOARD_NOTES: u32 = 45;

/// How far a sender may fall behind its schedule before it skips sends.
const MAX_LAG: Duration = Duration::from_millis(100);

#[derive(Clone, Debug)]
pub struct LoadSpec {
    pub rooms: usize,
    pub participants: usize,
    /// Notes per second per consultant, one entry per step.
    pub rates: Vec<f64>,
    pub warmup: Duration,
    pub measure: Duration,
    pub drain: Duration,
    pub note_len: usize,
    /// Rooms set up at once.
    pub setup_parallelism: usize,
}

/// The figures of one step.
#[derive(Clone, Debug, Default)]
pub struct StepResult {
    pub rate: f64,
    pub delivery: Summary,
    pub ack: Summary,
    /// Notes sent in the measured window (all consultants).
    pub sent: u64,
    pub planned: u64,
    pub expected: u64,
    pub delivered: u64,
    pub duplicated: u64,
    pub lost: u64,
    pub deliveries_per_s: f64,
    pub server_cpu_us: u64,
    pub server_peak_rss_kib: u64,
    pub bench_cpu_us: u64,
    pub window_s: f64,
    /// From the server's `/metrics` (ours only): commits in the window, writes made
    /// durable, and the summed commit time in seconds.
    pub commits: Option<(f64, f64, f64)>,
    /// CPU time others took during the window: other processes, interrupts, and the
    /// hypervisor running other machines on our cores (steal).
    pub other_cpu_us: u64,
}

#[derive(Clone, Debug, Default)]
pub struct LoadResult {
    pub steps: Vec<StepResult>,
    pub setup_s: f64,
    pub rejected: u64,
    pub rejected_codes: Vec<String>,
    /// Connections the server ended, with its reason.
    pub byes: Vec<String>,
    pub skipped_sends: u64,
    pub server_rss_after_setup_kib: u64,
}

/// One step of the plan, in time.
#[derive(Clone, Debug)]
struct StepPlan {
    rate: f64,
    start: Instant,
    end: Instant,
    /// The measured window, in µs since the epoch.
    window: (u64, u64),
}

struct Plan {
    epoch: Instant,
    steps: Vec<StepPlan>,
    /// When every member stops reading.
    stop: Instant,
    note_len: usize,
}

impl Plan {
    fn micros(&self, at: Instant) -> u64 {
        at.saturating_duration_since(self.epoch).as_micros() as u64
    }

    fn step_of(&self, sent_us: u64) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| sent_us >= s.window.0 && sent_us < s.window.1)
    }
}

#[derive(Default)]
struct StepTally {
    latencies: Latencies,
    acks: Latencies,
    sent: u64,
    expected: u64,
    delivered: u64,
    duplicated: u64,
    seen: HashSet<u64>,
}

#[derive(Default)]
struct MemberResult {
    steps: Vec<StepTally>,
    rejected: u64,
    rejected_codes: Vec<String>,
    bye: Option<String>,
    skipped: u64,
}

/// Set up the rooms, run the steps, and gather the figures.
pub async fn run(target: &Target, spec: &LoadSpec) -> Result<LoadResult> {
    let setup_started = Instant::now();
    let rooms = setup_rooms(
        target.addr,
        spec.rooms,
        spec.participants,
        true,
        spec.setup_parallelism,
    )
    .await?;
    let setup_s = setup_started.elapsed().as_secs_f64();
    let server_rss_after_setup_kib = target.usage()?.rss_kib;

    let epoch = Instant::now();
    let first = epoch + Duration::from_millis(500);
    let per_step = spec.warmup + spec.measure;
    let steps: Vec<StepPlan> = spec
        .rates
        .iter()
        .enumerate()
        .map(|(i, &rate)| {
            let start = first + per_step * i as u32;
            let measured = start + spec.warmup;
            let end = start + per_step;
            StepPlan {
                rate,
                start,
                end,
                window: (
                    measured.duration_since(epoch).as_micros() as u64,
                    end.duration_since(epoch).as_micros() as u64,
                ),
            }
        })
        .collect();
    let load_end = steps.last().map_or(first, |s| s.end);
    let plan = Arc::new(Plan {
        epoch,
        steps,
        stop: load_end + spec.drain,
        note_len: spec.note_len,
    });

    let mut tasks = Vec::new();
    for (r, room) in rooms.into_iter().enumerate() {
        let size = room.len();
        for (m, seated) in room.into_iter().enumerate() {
            let index = (r * spec.participants + m) as u32;
            let sender = m >= 2;
            tasks.push(tokio::spawn(member(
                seated.socket,
                index,
                size,
                sender,
                plan.clone(),
            )));
        }
    }

    // Watch the server over each measured window.
    let mut usage = Vec::new();
    let mut commits = Vec::new();
    let mut machine_busy = Vec::new();
    for step in &plan.steps {
        tokio::time::sleep_until(step.start + spec.warmup).await;
        target.reset_peak();
        let before = (target.usage()?, own_cpu_us());
        let machine_before = machine_busy_us();
        let commits_before = storage_counters(target).await;
        tokio::time::sleep_until(step.end).await;
        let after = (target.usage()?, own_cpu_us());
        let machine = machine_busy_us().saturating_sub(machine_before);
        let commits_after = storage_counters(target).await;
        usage.push((before, after));
        machine_busy.push(machine);
        commits.push(
            commits_before
                .zip(commits_after)
                .map(|(b, a)| (a.0 - b.0, a.1 - b.1, a.2 - b.2)),
        );
    }

    let mut members = Vec::new();
    for task in tasks {
        members.push(task.await.context("a member task failed")?);
    }
    let mut result = gather(
        &plan,
        spec,
        members,
        usage,
        setup_s,
        server_rss_after_setup_kib,
    );
    for ((step, commits), machine) in result.steps.iter_mut().zip(commits).zip(machine_busy) {
        step.commits = commits;
        step.other_cpu_us = machine.saturating_sub(step.server_cpu_us + step.bench_cpu_us);
    }
    Ok(result)
}

/// Commits, writes and summed commit seconds from the server's `/metrics` (the real
/// server has it; the baseline does not).
async fn storage_counters(target: &Target) -> Option<(f64, f64, f64)> {
    if target.kind != crate::target::Kind::Ours {
        return None;
    }
    let text = client::get(target.addr, "/metrics").await.ok()?;
    let value = |name: &str| {
        text.lines().find_map(|line| {
            line.strip_prefix(name)?
                .strip_prefix(' ')?
                .parse::<f64>()
                .ok()
        })
    };
    Some((
        value("codev_storage_commit_seconds_count")?,
        value("codev_storage_writes_total")?,
        value("codev_storage_commit_seconds_sum")?,
    ))
}

fn gather(
    plan: &Plan,
    spec: &LoadSpec,
    members: Vec<MemberResult>,
    usage: Vec<((Usage, u64), (Usage, u64))>,
    setup_s: f64,
    server_rss_after_setup_kib: u64,
) -> LoadResult {
    let consultants = spec.rooms * spec.participants.saturating_sub(2);
    let mut result = LoadResult {
        setup_s,
        server_rss_after_setup_kib,
        ..LoadResult::default()
    };
    let mut tallies: Vec<StepTally> = plan.steps.iter().map(|_| StepTally::default()).collect();
    for member in members {
        result.rejected += member.rejected;
        result.rejected_codes.extend(member.rejected_codes);
        result.skipped_sends += member.skipped;
        if let Some(bye) = member.bye {
            result.byes.push(bye);
        }
        for (total, tally) in tallies.iter_mut().zip(member.steps) {
            total.latencies.merge(tally.latencies);
            total.acks.merge(tally.acks);
            total.sent += tally.sent;
            total.expected += tally.expected;
            total.delivered += tally.delivered;
            total.duplicated += tally.duplicated;
        }
    }
    result.rejected_codes.sort();
    result.rejected_codes.dedup();
    for ((step, mut tally), ((before, bench_before), (after, bench_after))) in
        plan.steps.iter().zip(tallies).zip(usage)
    {
        let window_s = (step.window.1 - step.window.0) as f64 / 1e6;
        result.steps.push(StepResult {
            rate: step.rate,
            delivery: tally.latencies.summary(),
            ack: tally.acks.summary(),
            sent: tally.sent,
            planned: (step.rate * window_s * consultants as f64).round() as u64,
            expected: tally.expected,
            delivered: tally.delivered,
            duplicated: tally.duplicated,
            lost: tally.expected.saturating_sub(tally.delivered),
            deliveries_per_s: tally.delivered as f64 / window_s,
            server_cpu_us: after.cpu_us.saturating_sub(before.cpu_us),
            server_peak_rss_kib: after.hwm_kib,
            bench_cpu_us: bench_after.saturating_sub(bench_before),
            window_s,
            commits: None,
            other_cpu_us: 0,
        });
    }
    result
}
