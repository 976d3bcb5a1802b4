//! Versioned migrations embedded in the binary, as sqlx runs them: each store lists its
//! own (`sqlite::schema`, `postgres::schema`), in the same shape.

use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AssertSqlSafe, SqlSafeStr};

/// A store's schema versions, oldest first: (version, description, SQL). Never edit one
/// that has shipped: add another.
pub type Versions = [(i64, &'static str, &'static str)];

/// The migrator for `versions` up to `up_to` (all of them with `i64::MAX`).
pub fn up_to(versions: &Versions, up_to: i64) -> Migrator {
    Migrator::with_migrations(
        versions
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
