//! How the note load (S1 and S2) is reported: the table of one step, the figures
//! derived from it (CPU shares, CPU per delivery), and the notes after the table.

use crate::load;
use crate::stats::{compare, print_table};

pub fn print_load_rows(o: &Option<load::StepResult>, b: &Option<load::StepResult>) {
    let row = compare(o, b);
    let rows = vec![
        row("delivery p50 (ms)", |s| s.delivery.p50),
        row("delivery p90 (ms)", |s| s.delivery.p90),
        row("delivery p99 (ms)", |s| s.delivery.p99),
        row("delivery p99.9 (ms)", |s| s.delivery.p999),
        row("delivery max (ms)", |s| s.delivery.max),
        row("ack p50 (ms)", |s| s.ack.p50),
        row("ack p99 (ms)", |s| s.ack.p99),
        row("ack max (ms)", |s| s.ack.max),
        row("notes sent", |s| s.sent as f64).decimals(0),
        row("notes planned", |s| s.planned as f64).decimals(0),
        row("deliveries expected", |s| s.expected as f64).decimals(0),
        row("deliveries received", |s| s.delivered as f64).decimals(0),
        row("lost", |s| s.lost as f64).decimals(0),
        row("duplicated", |s| s.duplicated as f64).decimals(0),
        row("deliveries/s", |s| s.deliveries_per_s).decimals(0),
        row("server CPU (s)", |s| s.server_cpu_us as f64 / 1e6),
        row("server CPU (% of one core)", cpu_share).decimals(0),
        row("server CPU us/delivery", per_delivery),
        row("server peak RSS (MiB)", |s| {
            s.server_peak_rss_kib as f64 / 1024.0
        })
        .decimals(1),
        row("bench CPU (s)", |s| s.bench_cpu_us as f64 / 1e6),
        row("others' CPU: processes, steal (% of one core)", other_share).decimals(0),
    ];
    print_table(&rows);
}

pub fn cpu_share(s: &load::StepResult) -> f64 {
    s.server_cpu_us as f64 / 1e6 / s.window_s * 100.0
}

pub fn other_share(s: &load::StepResult) -> f64 {
    s.other_cpu_us as f64 / 1e6 / s.window_s * 100.0
}

pub fn bench_share(s: &load::StepResult) -> f64 {
    s.bench_cpu_us as f64 / 1e6 / s.window_s * 100.0
}

pub fn per_delivery(s: &load::StepResult) -> f64 {
    if s.delivered == 0 {
        f64::NAN
    } else {
        s.server_cpu_us as f64 / s.delivered as f64
    }
}

pub fn print_commits(steps: &[load::StepResult]) {
    for s in steps {
        if let Some((commits, writes, seconds)) = s.commits
            && commits > 0.0
        {
            println!(
                "  ours at {} notes/s: {:.0} commits/s, {:.1} writes per commit, {:.2} ms per commit on average",
                s.rate,
                commits / s.window_s,
                writes / commits,
                seconds / commits * 1000.0
            );
        }
    }
}

pub fn print_load_notes(ours: &Option<load::LoadResult>, base: &Option<load::LoadResult>) {
    if let Some(ours) = ours {
        print_commits(&ours.steps);
    }
    for (label, result) in [("ours", ours), ("baseline", base)] {
        let Some(r) = result else { continue };
        println!(
            "  {label}: setup {:.1} s, RSS after setup {:.1} MiB, rejected {}{}, connections ended by the server {}{}, sends skipped (bench behind schedule) {}",
            r.setup_s,
            r.server_rss_after_setup_kib as f64 / 1024.0,
            r.rejected,
            if r.rejected_codes.is_empty() {
                String::new()
            } else {
                format!(" {:?}", r.rejected_codes)
            },
            r.byes.len(),
            match r.byes.first() {
                Some(first) => format!(" (first: {first})"),
                None => String::new(),
            },
            r.skipped_sends
        );
    }
}
