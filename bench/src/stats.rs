//! Latency samples and their percentiles, and the side-by-side table every scenario
//! prints (our figure, the baseline's, their ratio).

/// Latencies in microseconds. Kept whole and sorted once: a few million samples at most,
/// and exact percentiles beat a histogram's buckets at this size.
#[derive(Clone, Debug, Default)]
pub struct Latencies(Vec<u32>);

/// The percentiles a report shows, in milliseconds.
#[derive(Clone, Copy, Debug, Default)]
pub struct Summary {
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub p999: f64,
    pub max: f64,
}

impl Latencies {
    pub fn record(&mut self, micros: u64) {
        self.0.push(micros.min(u32::MAX as u64) as u32);
    }

    pub fn merge(&mut self, other: Latencies) {
        self.0.extend(other.0);
    }

    pub fn summary(&mut self) -> Summary {
        self.0.sort_unstable();
        let n = self.0.len();
        let at = |q: f64| {
            if n == 0 {
                return f64::NAN;
            }
            // Nearest rank.
            let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
            self.0[rank - 1] as f64 / 1000.0
        };
        Summary {
            p50: at(0.50),
            p90: at(0.90),
            p99: at(0.99),
            p999: at(0.999),
            max: at(1.0),
        }
    }
}

/// One line of a comparison: a figure for us and, if measured, for the baseline.
pub struct Row {
    pub name: String,
    pub ours: Option<f64>,
    pub baseline: Option<f64>,
    pub decimals: usize,
}

impl Row {
    pub fn new(name: impl Into<String>, ours: Option<f64>, baseline: Option<f64>) -> Self {
        Row {
            name: name.into(),
            ours,
            baseline,
            decimals: 2,
        }
    }

    pub fn decimals(mut self, decimals: usize) -> Self {
        self.decimals = decimals;
        self
    }
}

/// Rows that read one figure from each side's result, where there is one: `let row =
/// compare(&ours, &baseline);` then `row("joined", |r| r.joined as f64)`.
pub fn compare<'a, T>(
    ours: &'a Option<T>,
    baseline: &'a Option<T>,
) -> impl Fn(&str, fn(&T) -> f64) -> Row + 'a {
    move |name, get| Row::new(name, ours.as_ref().map(get), baseline.as_ref().map(get))
}

/// Print rows as `name | ours | baseline | ours/baseline`.
pub fn print_table(rows: &[Row]) {
    let width = rows
        .iter()
        .map(|r| r.name.len())
        .max()
        .unwrap_or(10)
        .max(10);
    println!(
        "  {:<width$} {:>12} {:>12} {:>8}",
        "", "ours", "baseline", "ratio"
    );
    for row in rows {
        let cell = |value: Option<f64>| match value {
            Some(v) if v.is_finite() => format!("{v:.*}", row.decimals),
            Some(_) => "-".to_owned(),
            None => "".to_owned(),
        };
        let ratio = match (row.ours, row.baseline) {
            (Some(o), Some(b)) if b != 0.0 && o.is_finite() && b.is_finite() => {
                format!("{:.2}", o / b)
            }
            _ => String::new(),
        };
        println!(
            "  {:<width$} {:>12} {:>12} {:>8}",
            row.name,
            cell(row.ours),
            cell(row.baseline),
            ratio
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let mut l = Latencies::default();
        for us in 1..=1000 {
            l.record(us * 1000);
        }
        let s = l.summary();
        assert_eq!(s.p50, 500.0);
        assert_eq!(s.p99, 990.0);
        assert_eq!(s.p999, 999.0);
        assert_eq!(s.max, 1000.0);
    }
}
