//! What the server logs, and what it never does, at any level.
//!
//! The server's own log lines name rooms and participants but never who wrote a note
//! (the room actor leaves the sender out of every note command's line), never a key or a
//! token (digests do not even print), and never the text anyone wrote. The WebSocket
//! library, though, prints every frame it reads or writes at `trace` level, and frames
//! carry facilitator keys, resume tokens and note texts. So whatever `RUST_LOG` asks
//! for, the filter built here keeps `tungstenite` and `tokio_tungstenite` at `debug` at
//! most: an operator who turns everything up still gets no secret and no authorship.
//! `tests/tests/anonymity.rs` runs a whole session under this filter at `trace` and
//! checks every line.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::Directive;

/// Crates whose `trace` output carries frame payloads.
const FRAME_PRINTERS: [&str; 2] = ["tungstenite", "tokio_tungstenite"];

/// The filter for `directives` (the syntax of `RUST_LOG`; `info` if empty or invalid),
/// with the frame printers capped at `debug`.
pub fn filter(directives: &str) -> EnvFilter {
    let base = EnvFilter::try_new(directives).unwrap_or_else(|_| EnvFilter::new("info"));
    FRAME_PRINTERS.iter().fold(base, |filter, target| {
        match format!("{target}=debug").parse::<Directive>() {
            Ok(cap) => filter.add_directive(cap),
            Err(_) => filter,
        }
    })
}

/// The filter from `RUST_LOG`, `info` by default.
pub fn filter_from_env() -> EnvFilter {
    filter(&std::env::var("RUST_LOG").unwrap_or_else(|_| "info".to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_payloads_stay_out_whatever_is_asked() {
        for asked in ["trace", "tungstenite=trace,trace", "", "nonsense=="] {
            let shown = filter(asked).to_string();
            assert!(shown.contains("tungstenite=debug"), "{asked}: {shown}");
            assert!(!shown.contains("tungstenite=trace"), "{asked}: {shown}");
        }
    }
}
