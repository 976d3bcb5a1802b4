//! The members of a note load: every room seated (and moved to exploration), then one
//! task per member that reads everything and, if a consultant, sends notes on its
//! schedule, timing every copy it receives.

use super::{BOARD_NOTES, MAX_LAG, MemberResult, Plan, StepTally};
use crate::client::{self, Peek, Seated, Socket};
use anyhow::Result;
use futures_util::{SinkExt, StreamExt};
use shared::state::NoteKind;
use shared::wire::ClientMessage;
use shared::{Command, NoteId, Step};
use std::collections::{HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

/// Create `rooms` rooms of `participants` each, seat everyone, and (if asked) move each
/// room to exploration. Member 0 is the facilitator, member 1 the client.
pub(super) async fn setup_rooms(
    addr: SocketAddr,
    rooms: usize,
    participants: usize,
    explore: bool,
    parallelism: usize,
) -> Result<Vec<Vec<Seated>>> {
    let mut set = futures_util::stream::iter(0..rooms)
        .map(|r| setup_room(addr, r, participants, explore))
        .buffered(parallelism.max(1));
    let mut all = Vec::with_capacity(rooms);
    while let Some(room) = set.next().await {
        all.push(room?);
    }
    Ok(all)
}

async fn setup_room(
    addr: SocketAddr,
    r: usize,
    participants: usize,
    explore: bool,
) -> Result<Vec<Seated>> {
    let session = client::create_session(addr, &format!("Bench room {r}")).await?;
    let mut members = Vec::with_capacity(participants);
    members.push(
        client::join(
            addr,
            &session.room,
            "Facilitator",
            Some(&session.facilitator_key),
        )
        .await?,
    );
    for m in 1..participants {
        members.push(client::join(addr, &session.room, &format!("P{m}"), None).await?);
    }
    if explore && participants >= 2 {
        let client_id = members[1].me.clone();
        let facilitator = &mut members[0].socket;
        client::command(
            facilitator,
            1,
            Command::PickClient {
                participant: client_id,
            },
        )
        .await?;
        for (id, from) in (2..=5).zip(Step::MOVABLE) {
            client::command(facilitator, id, Command::NextStep { from }).await?;
        }
    }
    Ok(members)
}

/// One member under load: reads everything, and if a consultant, sends notes on
/// schedule. Returns at the plan's stop time (or when the server ends the connection).
pub(super) async fn member(
    mut socket: Socket,
    index: u32,
    room_size: usize,
    sender: bool,
    plan: Arc<Plan>,
) -> MemberResult {
    let mut result = MemberResult {
        steps: plan.steps.iter().map(|_| StepTally::default()).collect(),
        ..MemberResult::default()
    };
    let others = room_size.saturating_sub(1) as u64;
    // Spread the consultants' sends over the interval, deterministically.
    let phase = (index as u64).wrapping_mul(2_654_435_761) % 1000;
    let mut schedule = sender.then(|| Schedule::new(&plan, phase as f64 / 1000.0));
    let mut pending: VecDeque<(u64, u64, Option<usize>)> = VecDeque::new();
    let mut seq: u32 = 0;
    let mut next_id: u64 = 100;
    let kind = NoteKind::Comment;
    loop {
        let next_send = schedule.as_ref().and_then(Schedule::next);
        let wake = tokio::select! {
            frame = socket.next() => Some(frame),
            _ = sleep_until_opt(next_send) => None,
            _ = tokio::time::sleep_until(plan.stop) => break,
        };
        match wake {
            None => {
                let Some(schedule) = schedule.as_mut() else {
                    continue;
                };
                let Some(step) = schedule.current() else {
                    continue;
                };
                let now = Instant::now();
                result.skipped += schedule.advance(now);
                let sent_us = plan.micros(now);
                let window = plan.step_of(sent_us).filter(|&s| s == step);
                let slot = seq % BOARD_NOTES;
                let note_id = NoteId::new(format!("b{index}n{slot}"));
                let text = client::note_text(index, seq, sent_us, plan.note_len);
                let command = if seq < BOARD_NOTES {
                    Command::PostNote {
                        note_id,
                        kind,
                        text,
                    }
                } else {
                    Command::EditNote {
                        note_id,
                        kind,
                        text,
                    }
                };
                let id = next_id;
                next_id += 1;
                seq += 1;
                let Ok(frame) = serde_json::to_string(&ClientMessage::Command { id, command })
                else {
                    break;
                };
                if socket.send(Message::text(frame)).await.is_err() {
                    result.bye.get_or_insert_with(|| "send failed".to_owned());
                    break;
                }
                pending.push_back((id, sent_us, window));
                if let Some(w) = window {
                    let tally = &mut result.steps[w];
                    tally.sent += 1;
                    tally.expected += others;
                }
            }
            Some(Some(Ok(Message::Text(text)))) => {
                let now_us = plan.micros(Instant::now());
                let Ok(peek) = serde_json::from_str::<Peek>(&text) else {
                    continue;
                };
                match peek.kind.as_ref() {
                    "event" => {
                        let Some((from, number, sent_us)) =
                            peek.note_text().and_then(client::parse_note_text)
                        else {
                            continue;
                        };
                        if from == index {
                            continue;
                        }
                        let Some(w) = plan.step_of(sent_us) else {
                            continue;
                        };
                        let tally = &mut result.steps[w];
                        if tally.seen.insert(((from as u64) << 32) | number as u64) {
                            tally.delivered += 1;
                            tally.latencies.record(now_us.saturating_sub(sent_us));
                        } else {
                            tally.duplicated += 1;
                        }
                    }
                    "ack" | "rejected" => {
                        if peek.kind == "rejected" {
                            result.rejected += 1;
                            if let Some(code) = &peek.code {
                                result.rejected_codes.push(code.to_string());
                            }
                        }
                        let Some(id) = peek.id else { continue };
                        while let Some(&(waiting, sent_us, window)) = pending.front() {
                            if waiting > id {
                                break;
                            }
                            pending.pop_front();
                            if waiting == id
                                && peek.kind == "ack"
                                && let Some(w) = window
                            {
                                result.steps[w].acks.record(now_us.saturating_sub(sent_us));
                            }
                        }
                    }
                    "bye" => {
                        result.bye = Some(
                            peek.reason
                                .as_deref()
                                .unwrap_or("bye without a reason")
                                .to_owned(),
                        );
                        break;
                    }
                    _ => {}
                }
            }
            Some(Some(Ok(Message::Close(_))) | None) => {
                result.bye.get_or_insert_with(|| "closed".to_owned());
                break;
            }
            Some(Some(Err(error))) => {
                result.bye.get_or_insert_with(|| format!("error: {error}"));
                break;
            }
            Some(Some(Ok(_))) => {}
        }
    }
    // Memory: the dedup sets are no longer needed.
    for tally in &mut result.steps {
        tally.seen = HashSet::new();
    }
    result
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// A consultant's send times: step by step, `rate` per second, shifted by a phase.
struct Schedule {
    steps: Vec<(f64, Instant, Instant)>,
    step: usize,
    k: u64,
    phase: f64,
}

impl Schedule {
    fn new(plan: &Plan, phase: f64) -> Self {
        Schedule {
            steps: plan
                .steps
                .iter()
                .map(|s| (s.rate, s.start, s.end))
                .collect(),
            step: 0,
            k: 0,
            phase,
        }
        .settled()
    }

    fn at(&self, step: usize, k: u64) -> Option<Instant> {
        let &(rate, start, _) = self.steps.get(step)?;
        if rate <= 0.0 {
            return None;
        }
        Some(start + Duration::from_secs_f64((self.phase + k as f64) / rate))
    }

    /// Move to the step the next send falls in.
    fn settled(mut self) -> Self {
        while let Some(&(_, _, end)) = self.steps.get(self.step) {
            match self.at(self.step, self.k) {
                Some(at) if at < end => break,
                _ => {
                    self.step += 1;
                    self.k = 0;
                }
            }
        }
        self
    }

    fn current(&self) -> Option<usize> {
        (self.step < self.steps.len()).then_some(self.step)
    }

    fn next(&self) -> Option<Instant> {
        self.at(self.step, self.k)
    }

    /// The send at hand is done; schedule the next. If the sender lags more than
    /// [`MAX_LAG`], skip ahead; returns how many sends were skipped.
    fn advance(&mut self, now: Instant) -> u64 {
        self.k += 1;
        let mut skipped = 0;
        while let Some(at) = self.next() {
            if now.saturating_duration_since(at) <= MAX_LAG {
                break;
            }
            self.k += 1;
            skipped += 1;
        }
        let moved = std::mem::replace(self, Schedule::empty()).settled();
        *self = moved;
        skipped
    }

    fn empty() -> Self {
        Schedule {
            steps: Vec::new(),
            step: 0,
            k: 0,
            phase: 0.0,
        }
    }
}
