//! The integration and browser tests, as one test binary.
//!
//! Each module was its own file in `tests/tests/`, and so its own binary linking the whole
//! server; one binary links it once. Test paths are `module::test_name`, so a filter on a
//! module's name still selects its tests (`cargo xtask test -- browser` runs the
//! `browser_*` modules). Two tests stay binaries of their own because each installs
//! something process-wide: `anonymity.rs` (the global tracing subscriber whose every line
//! it checks) and `fuzz/` (a panic hook that counts every panic in the process).

mod bad_input;
mod browser_controls;
mod browser_dist;
mod browser_entry;
mod browser_group;
mod browser_group_ballot;
mod browser_group_series;
mod browser_recovery;
mod browser_session;
mod browser_smoke;
mod browser_upgrade;
mod call_link;
mod cluster;
mod cursors;
mod database_size;
mod durability;
mod groups;
mod idle_rooms;
mod invite_page;
mod limits;
mod metrics;
mod nginx;
mod presence;
mod retention;
mod rights_over_the_wire;
mod session;
mod session_lookup;
mod slow_consumer;
mod web_security;
