//! How fast this machine's disk makes a small write durable, measured before S1.
//!
//! With `--sync full` (the server's default) no event leaves the server before a flush
//! of the disk has returned, so every delivery's latency contains one flush, often two
//! (the one in flight when the event arrives, then its own). That cost belongs to the
//! disk, not to the code: printed beside S1's figures, it shows how much of a p99 a
//! machine's disk takes, and lets a run on another machine be read against this one.
//!
//! The probe is what a commit asks of the disk at its smallest: overwrite 4 KiB inside a
//! file that already has its blocks (as SQLite's WAL is once it has started over), then
//! `fdatasync`. It runs on the same file system as the server's database, before any
//! load, so it is the disk's best case here.

use crate::stats::{Latencies, Summary};
use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::time::Instant;

/// Bytes per write: one SQLite page.
const BLOCK: usize = 4096;
/// Blocks in the file, written in turn.
const BLOCKS: u64 = 256;

/// Time `samples` flushed 4 KiB overwrites in a scratch file in `dir`, removed after.
pub fn flush_latency(dir: &Path, samples: usize) -> Result<Summary> {
    let path = dir.join("flush-probe.bin");
    let result = probe(&path, samples);
    let _ = std::fs::remove_file(&path);
    result.with_context(|| format!("timing flushes in {}", dir.display()))
}

fn probe(path: &Path, samples: usize) -> Result<Summary> {
    let mut file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .read(true)
        .write(true)
        .open(path)?;
    // Written and flushed once first, so that the timed writes change no block
    // allocation and no file size: data only, like a WAL that has started over.
    let block = [0x5au8; BLOCK];
    for _ in 0..BLOCKS {
        file.write_all(&block)?;
    }
    file.sync_all()?;
    let mut latencies = Latencies::default();
    for i in 0..samples as u64 {
        let started = Instant::now();
        overwrite(&file, &block, (i % BLOCKS) * BLOCK as u64)?;
        latencies.record(started.elapsed().as_micros() as u64);
    }
    Ok(latencies.summary())
}

fn overwrite(file: &File, block: &[u8], offset: u64) -> Result<()> {
    file.write_all_at(block, offset)?;
    file.sync_data()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_times_every_sample_and_cleans_up() {
        let dir = std::env::temp_dir().join(format!("codev-disk-probe-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let summary = flush_latency(&dir, 20).unwrap();
        assert!(!summary.p50.is_nan(), "no sample was timed: {summary:?}");
        assert!(summary.p50 <= summary.p99 && summary.p99 <= summary.max);
        assert!(!dir.join("flush-probe.bin").exists());
        std::fs::remove_dir(&dir).unwrap();
    }
}
