//! How the note load (S1 and S2) is reported: the table of one step, the figures
//! derived from it (CPU shares, CPU per delivery), and the notes after the table.

use crate::load;
use crate::stats::{Row, print_table};

pub fn print_load_rows(o: &Option<load::StepResult>, b: &Option<load::StepResult>) {
    let f =
        |s: &Option<load::StepResult>, get: &dyn Fn(&load::StepResult) -> f64| s.as_ref().map(get);
    let rows = vec![
        Row::new(
            "delivery p50 (ms)",
            f(o, &|s| s.delivery.p50),
            f(b, &|s| s.delivery.p50),
        ),
        Row::new(
            "delivery p90 (ms)",
            f(o, &|s| s.delivery.p90),
            f(b, &|s| s.delivery.p90),
        ),
        Row::new(
            "delivery p99 (ms)",
            f(o, &|s| s.delivery.p99),
            f(b, &|s| s.delivery.p99),
        ),
        Row::new(
            "delivery p99.9 (ms)",
            f(o, &|s| s.delivery.p999),
            f(b, &|s| s.delivery.p999),
        ),
        Row::new(
            "delivery max (ms)",
            f(o, &|s| s.delivery.max),
            f(b, &|s| s.delivery.max),
        ),
        Row::new("ack p50 (ms)", f(o, &|s| s.ack.p50), f(b, &|s| s.ack.p50)),
        Row::new("ack p99 (ms)", f(o, &|s| s.ack.p99), f(b, &|s| s.ack.p99)),
        Row::new("ack max (ms)", f(o, &|s| s.ack.max), f(b, &|s| s.ack.max)),
        Row::new(
            "notes sent",
            f(o, &|s| s.sent as f64),
            f(b, &|s| s.sent as f64),
        )
        .decimals(0),
        Row::new(
            "notes planned",
            f(o, &|s| s.planned as f64),
            f(b, &|s| s.planned as f64),
        )
        .decimals(0),
        Row::new(
            "deliveries expected",
            f(o, &|s| s.expected as f64),
            f(b, &|s| s.expected as f64),
        )
        .decimals(0),
        Row::new(
            "deliveries received",
            f(o, &|s| s.delivered as f64),
            f(b, &|s| s.delivered as f64),
        )
        .decimals(0),
        Row::new("lost", f(o, &|s| s.lost as f64), f(b, &|s| s.lost as f64)).decimals(0),
        Row::new(
            "duplicated",
            f(o, &|s| s.duplicated as f64),
            f(b, &|s| s.duplicated as f64),
        )
        .decimals(0),
        Row::new(
            "deliveries/s",
            f(o, &|s| s.deliveries_per_s),
            f(b, &|s| s.deliveries_per_s),
        )
        .decimals(0),
        Row::new(
            "server CPU (s)",
            f(o, &|s| s.server_cpu_us as f64 / 1e6),
            f(b, &|s| s.server_cpu_us as f64 / 1e6),
        ),
        Row::new(
            "server CPU (% of one core)",
            f(o, &|s| cpu_share(s)),
            f(b, &|s| cpu_share(s)),
        )
        .decimals(0),
        Row::new(
            "server CPU us/delivery",
            f(o, &|s| per_delivery(s)),
            f(b, &|s| per_delivery(s)),
        ),
        Row::new(
            "server peak RSS (MiB)",
            f(o, &|s| s.server_peak_rss_kib as f64 / 1024.0),
            f(b, &|s| s.server_peak_rss_kib as f64 / 1024.0),
        )
        .decimals(1),
        Row::new(
            "bench CPU (s)",
            f(o, &|s| s.bench_cpu_us as f64 / 1e6),
            f(b, &|s| s.bench_cpu_us as f64 / 1e6),
        ),
        Row::new(
            "others' CPU: processes, steal (% of one core)",
            f(o, &|s| other_share(s)),
            f(b, &|s| other_share(s)),
        )
        .decimals(0),
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
