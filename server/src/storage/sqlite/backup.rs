//! A consistent copy of the database while the server runs (`server backup --to FILE`).
//!
//! SQLite's `VACUUM INTO` writes a fresh, compact database holding one snapshot of the
//! source: a read transaction, so in WAL mode the server's writer goes on committing
//! meanwhile and the copy holds exactly what was committed when it began. Everything
//! acknowledged to anyone before the backup started is committed (nothing is
//! acknowledged before it is durable), so it is in the copy. The copy is checked with
//! `PRAGMA integrity_check` before this returns.

use super::StoreError;
use rusqlite::{Connection, OpenFlags};
use std::path::Path;
use std::time::Duration;

/// Copy the database at `db` into a new file `to` (which must not exist yet).
pub fn backup(db: &Path, to: &Path) -> Result<(), StoreError> {
    if !db.exists() {
        return Err(StoreError::Corrupt(format!(
            "no database at {}",
            db.display()
        )));
    }
    if to.exists() {
        return Err(StoreError::Corrupt(format!(
            "{} exists already: a backup is written to a new file",
            to.display()
        )));
    }
    let source = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    source.busy_timeout(Duration::from_secs(10))?;
    let target = to
        .to_str()
        .ok_or_else(|| StoreError::Corrupt(format!("{} is not UTF-8", to.display())))?;
    source.execute("VACUUM INTO ?1", [target])?;
    let copy = Connection::open_with_flags(to, OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let verdict: String = copy.query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
    if verdict != "ok" {
        return Err(StoreError::Corrupt(format!(
            "the copy failed its integrity check: {verdict}"
        )));
    }
    Ok(())
}
