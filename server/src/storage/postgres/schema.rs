//! The PostgreSQL schema, as versioned migrations embedded in the binary
//! (`server/migrations/postgres/`). Its versions are its own: the first holds all that
//! SQLite reached in five, plus who owns what.

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

/// The schema's versions, oldest first. Never edit one that has shipped: add another.
const MIGRATIONS: &[(i64, &str, &str)] = &[(
    1,
    "rooms groups owners",
    include_str!("../../../migrations/postgres/0001_schema.sql"),
)];

/// The migrations up to `version` (all of them with `i64::MAX`).
pub fn migrator(up_to: i64) -> Migrator {
    Migrator::with_migrations(
        MIGRATIONS
            .iter()
            .filter(|(version, _, _)| *version <= up_to)
            .map(|(version, description, sql)| {
                Migration::new(
                    *version,
                    (*description).into(),
                    MigrationType::Simple,
                    AssertSqlSafe(*sql).into_sql_str(),
                    false,
                )
            })
            .collect(),
    )
}
