//! A scratch database on the PostgreSQL server the tests share, one per test.
//!
//! `cargo xtask test` starts a throwaway PostgreSQL server on loopback and names it in
//! `CODEV_TEST_POSTGRES` (`cargo xtask postgres` starts one by hand). Each test gets a
//! database of its own, so tests run side by side and never see each other's rows; the
//! server is thrown away whole at the end, with them.

use sqlx::Connection;
use sqlx::postgres::PgConnection;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the test PostgreSQL server is given.
pub const ENV: &str = "CODEV_TEST_POSTGRES";

/// The URL of the test server's maintenance database.
pub fn server_url() -> String {
    std::env::var(ENV).unwrap_or_else(|_| {
        panic!(
            "{ENV} is not set: run the tests with `cargo xtask test`, or start a server \
             with `cargo xtask postgres` and export what it prints"
        )
    })
}

/// Create an empty database named after `label` and answer its URL.
pub async fn scratch_database(label: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let server = server_url();
    let name = format!(
        "t_{}_{}_{}",
        label
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(30)
            .collect::<String>()
            .to_ascii_lowercase(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let mut admin = PgConnection::connect(&server)
        .await
        .unwrap_or_else(|error| panic!("the test PostgreSQL server at {server}: {error}"));
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|error| panic!("creating database {name}: {error}"));
    let _ = admin.close().await;
    with_database(&server, &name)
}

/// `server` (a URL ending in a database name) with the database `name` instead.
fn with_database(server: &str, name: &str) -> String {
    let mut url = url::Url::parse(server).unwrap_or_else(|error| panic!("{ENV}: {error}"));
    url.set_path(name);
    url.to_string()
}

/// A server node's store on the database at `url`, named `name`, counting into
/// `metrics`, with a lease of a minute that is renewed only when the test says so
/// (`PostgresStore::renew_lease`): a test decides when a lease lapses.
pub async fn node(
    url: &str,
    name: &str,
    metrics: std::sync::Arc<server::metrics::Metrics>,
) -> server::storage::PostgresStore {
    use server::storage::postgres::{NodeSettings, PostgresOptions};
    server::storage::PostgresStore::open(PostgresOptions {
        url: url.to_owned(),
        node: NodeSettings {
            name: name.to_owned(),
            address: "127.0.0.1:0".to_owned(),
            lease: std::time::Duration::from_secs(60),
            renew_every: None,
        },
        metrics,
        schema: i64::MAX,
    })
    .await
    .unwrap_or_else(|error| panic!("a PostgreSQL store on {url}: {error}"))
}

/// End the lease of the node `id` now, as if it had gone silent long enough ago.
pub async fn lapse(url: &str, id: &str) {
    let mut connection = PgConnection::connect(url)
        .await
        .unwrap_or_else(|error| panic!("{url}: {error}"));
    sqlx::query("UPDATE nodes SET lease_until = now() - interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&mut connection)
        .await
        .unwrap_or_else(|error| panic!("lapsing the lease of {id}: {error}"));
}
