//! Capacity (S3) and join storm (S4): many participants, few messages.
//!
//! S3 seats N participants, idle, in rooms of K and reports the server's memory per
//! connection: (peak RSS with them connected − RSS before they came) / N, both with the
//! rooms counted (RSS before the rooms were created) and without (RSS after the rooms
//! were created, before anyone joined).
//!
//! S4 creates the rooms first, then starts N joins spread evenly over a second and
//! reports, for each participant, the time from opening its connection to holding its
//! snapshot, and the time from the first join to the last snapshot.

use crate::client::{self, Seated};
use crate::stats::{Latencies, Summary};
use crate::target::{Target, own_cpu_us};
use anyhow::{Context, Result};
use futures_util::StreamExt;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Clone, Debug)]
pub struct IdleSpec {
    pub participants: usize,
    pub room_size: usize,
    pub parallelism: usize,
    /// How long everyone stays connected and idle before memory is read.
    pub settle: Duration,
}

#[derive(Clone, Debug, Default)]
pub struct IdleResult {
    pub connections: usize,
    pub rooms: usize,
    pub rss_start_kib: u64,
    pub rss_rooms_kib: u64,
    pub rss_connected_kib: u64,
    pub peak_kib: u64,
    pub join_s: f64,
    pub server_cpu_us: u64,
}

impl IdleResult {
    /// KiB per connection, rooms included.
    pub fn per_connection_kib(&self) -> f64 {
        self.peak_kib.saturating_sub(self.rss_start_kib) as f64 / self.connections.max(1) as f64
    }

    /// KiB per connection, the rooms' own memory left out.
    pub fn per_connection_without_rooms_kib(&self) -> f64 {
        self.peak_kib.saturating_sub(self.rss_rooms_kib) as f64 / self.connections.max(1) as f64
    }
}

pub async fn capacity(target: &Target, spec: &IdleSpec) -> Result<IdleResult> {
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = target.usage()?;
    target.reset_peak();
    let room_size = spec.room_size.max(1);
    let rooms = spec.participants.div_ceil(room_size);
    let sessions = create_rooms(target, rooms, spec.parallelism).await?;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let after_rooms = target.usage()?;

    let joining = Instant::now();
    let addr = target.addr;
    let mut seats = futures_util::stream::iter(0..spec.participants)
        .map(|i| {
            let session = sessions[i / room_size].clone();
            async move {
                let key = (i % room_size == 0).then_some(session.facilitator_key.as_str());
                client::join(addr, &session.room, &format!("P{}", i % room_size), key).await
            }
        })
        .buffer_unordered(spec.parallelism.max(1));
    let mut connected: Vec<Seated> = Vec::with_capacity(spec.participants);
    while let Some(seated) = seats.next().await {
        connected.push(seated.with_context(|| format!("join #{}", connected.len()))?);
    }
    let join_s = joining.elapsed().as_secs_f64();
    tokio::time::sleep(spec.settle).await;
    let end = target.usage()?;
    let result = IdleResult {
        connections: connected.len(),
        rooms,
        rss_start_kib: start.rss_kib,
        rss_rooms_kib: after_rooms.rss_kib,
        rss_connected_kib: end.rss_kib,
        peak_kib: end.hwm_kib.max(end.rss_kib),
        join_s,
        server_cpu_us: end.cpu_us.saturating_sub(start.cpu_us),
    };
    drop(connected);
    Ok(result)
}

async fn create_rooms(
    target: &Target,
    rooms: usize,
    parallelism: usize,
) -> Result<Vec<client::SessionCreated>> {
    let addr = target.addr;
    let mut created = futures_util::stream::iter(0..rooms)
        .map(|r| async move { client::create_session(addr, &format!("Bench room {r}")).await })
        .buffered(parallelism.max(1));
    let mut sessions = Vec::with_capacity(rooms);
    while let Some(session) = created.next().await {
        sessions.push(session?);
    }
    Ok(sessions)
}

#[derive(Clone, Debug)]
pub struct StormSpec {
    pub participants: usize,
    pub room_size: usize,
    /// The joins start evenly over this long.
    pub spread: Duration,
}

#[derive(Clone, Debug, Default)]
pub struct StormResult {
    pub joined: usize,
    pub failed: usize,
    /// Connection opened → snapshot held, per participant.
    pub join: Summary,
    /// First join started → last snapshot held, in seconds.
    pub all_s: f64,
    pub server_cpu_us: u64,
    pub bench_cpu_us: u64,
}

pub async fn storm(target: &Target, spec: &StormSpec) -> Result<StormResult> {
    let room_size = spec.room_size.max(1);
    let rooms = spec.participants.div_ceil(room_size);
    let sessions = create_rooms(target, rooms, 16).await?;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = target.usage()?;
    let bench_before = own_cpu_us();
    let t0 = Instant::now() + Duration::from_millis(200);
    let n = spec.participants.max(1);
    let addr = target.addr;
    let mut tasks = Vec::with_capacity(n);
    for i in 0..n {
        // Interleave the rooms, so that each room's joins are spread too.
        let session = sessions[i % rooms].clone();
        let at = t0 + spec.spread.mul_f64(i as f64 / n as f64);
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(at).await;
            let started = Instant::now();
            let seated = tokio::time::timeout(
                Duration::from_secs(30),
                client::join(addr, &session.room, &format!("S{i}"), None),
            )
            .await;
            let done = Instant::now();
            match seated {
                Ok(Ok(seated)) => Ok((started, done, seated)),
                Ok(Err(error)) => Err(error),
                Err(_) => Err(anyhow::anyhow!("join timed out")),
            }
        }));
    }
    let mut latencies = Latencies::default();
    let mut last = t0;
    let mut joined = Vec::with_capacity(n);
    let mut failed = 0;
    for task in tasks {
        match task.await? {
            Ok((started, done, seated)) => {
                latencies.record((done - started).as_micros() as u64);
                last = last.max(done);
                joined.push(seated);
            }
            Err(error) => {
                if failed == 0 {
                    eprintln!("bench: a join failed: {error:#}");
                }
                failed += 1;
            }
        }
    }
    let after = target.usage()?;
    let result = StormResult {
        joined: joined.len(),
        failed,
        join: latencies.summary(),
        all_s: (last - t0).as_secs_f64(),
        server_cpu_us: after.cpu_us.saturating_sub(before.cpu_us),
        bench_cpu_us: own_cpu_us().saturating_sub(bench_before),
    };
    drop(joined);
    Ok(result)
}
