//! The database's schema, as versioned migrations embedded in the binary
//! (`server/migrations/`): a newer server migrates an older file forward at start.

use crate::storage::migrations::Versions;
use sqlx::migrate::Migrator;

/// The schema's versions, oldest first. Never edit one that has shipped: add another.
const MIGRATIONS: &Versions = &[
    (
        1,
        "rooms seats events",
        include_str!("../../../migrations/0001_rooms_seats_events.sql"),
    ),
    (
        2,
        "closed at",
        include_str!("../../../migrations/0002_closed_at.sql"),
    ),
    (
        3,
        "groups",
        include_str!("../../../migrations/0003_groups.sql"),
    ),
    (
        4,
        "group sessions",
        include_str!("../../../migrations/0004_group_sessions.sql"),
    ),
    (
        5,
        "room call link",
        include_str!("../../../migrations/0005_room_call_link.sql"),
    ),
];

/// The migrations up to `version` (all of them with `i64::MAX`).
pub fn migrator(up_to: i64) -> Migrator {
    crate::storage::migrations::up_to(MIGRATIONS, up_to)
}

/// The latest schema version this build knows.
pub fn schema_version() -> i64 {
    MIGRATIONS.last().map_or(0, |(version, _, _)| *version)
}
