//! Test support shared by the integration and browser tests.
//!
//! `server` starts a real server on `127.0.0.1:0` in the test's own runtime;
//! `process` starts a server binary as a child process (for tests and the bench alike);
//! `ws` is a small protocol-speaking WebSocket client built on tokio-tungstenite;
//! `browser` drives headless Chromium through chromedriver (WebDriver);
//! `proxy` sits between a browser and the server to cut its network on demand;
//! `group_ws` is the same client in a group, on the group's frames;
//! `cast` walks a room of five to any step over real WebSockets;
//! `journey` is what a person does through the UI, for the browser tests;
//! `nginx` runs Debian's nginx with the block `docs/deploy.md` documents;
//! `postgres` makes a scratch database on the test PostgreSQL server;
//! `page` is a page as the web client runs it, without the browser, for many at once;
//! `cluster` drives the cluster `cargo xtask cluster up` started.

pub mod browser;
pub mod cast;
pub mod cluster;
pub mod group_ws;
pub mod journey;
pub mod nginx;
pub mod page;
pub mod postgres;
pub mod process;
pub mod proxy;
pub mod server;
pub mod ws;
