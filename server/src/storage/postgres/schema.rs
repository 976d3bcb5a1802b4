//! The PostgreSQL schema, as versioned migrations embedded in the binary
//! (`server/migrations/postgres/`). Its versions are its own: the first holds all that
//! SQLite reached in five, plus who owns what.

use crate::storage::migrations::Versions;
use sqlx::migrate::Migrator;

/// The schema's versions, oldest first. Never edit one that has shipped: add another.
const MIGRATIONS: &Versions = &[(
    1,
    "rooms groups owners",
    include_str!("../../../migrations/postgres/0001_schema.sql"),
)];

/// The migrations up to `version` (all of them with `i64::MAX`).
pub fn migrator(up_to: i64) -> Migrator {
    crate::storage::migrations::up_to(MIGRATIONS, up_to)
}
