//! The one file `cargo xtask dist` makes serves everything: copied alone into an empty
//! directory and started there with no `--static-dir`, it serves the site built into it,
//! and a browser creates a session and enters its room.
//!
//! Needs `DIST_BINARY` (set by `cargo xtask test`, which builds it); without it the test
//! fails saying so, rather than skipping.

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use tests::browser::{Browser, ChromeDriver};
use tests::journey::{create_session, join, screenshot_path};
use tests::process::spawn_listening;
use tests::server::{TempDir, client_dist, http};

fn dist_binary() -> PathBuf {
    let binary = std::env::var_os("DIST_BINARY").map(PathBuf::from).expect(
        "DIST_BINARY is not set: run this test through `cargo xtask test`, which builds \
         the one-file server first",
    );
    assert!(
        binary.is_file(),
        "DIST_BINARY={} is no file",
        binary.display()
    );
    binary
}

#[tokio::test]
async fn the_one_file_server_alone_in_an_empty_directory_serves_a_working_session() {
    let host = TempDir::new("dist");
    let copy = host.join("codev-server");
    std::fs::copy(dist_binary(), &copy).expect("copy the binary");

    let mut command = Command::new(&copy);
    command
        .current_dir(host.path())
        .args(["--host", "127.0.0.1", "--port", "0", "--db", "codev.db"])
        .env_remove("STATIC_DIR");
    let (mut server, addr) =
        tokio::task::spawn_blocking(move || spawn_listening(command, Duration::from_secs(30)))
            .await
            .expect("the spawning thread")
            .unwrap_or_else(|error| panic!("{error}"));

    // What it serves is the site `cargo xtask test` built, byte for byte.
    let script = http(addr, "GET", "/pkg/client.js", None, &[]).await;
    assert_eq!(script.status, 200);
    let built = std::fs::read_to_string(client_dist().join("pkg/client.js")).expect("the site");
    assert!(
        script.body == built,
        "the one file serves another build of the site than CLIENT_DIST ({} B against {} B): \
         build both with `cargo xtask test`",
        script.body.len(),
        built.len()
    );
    let wasm = http(
        addr,
        "GET",
        "/pkg/client_bg.wasm",
        None,
        &[("Accept-Encoding", "gzip, deflate, br")],
    )
    .await;
    let head = wasm.head.to_ascii_lowercase();
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("content-type: application/wasm"), "{head}");

    let base = format!("http://{addr}");
    let driver = ChromeDriver::start().await;
    let browser = Browser::new(&driver, 390, 844).await;
    let (own, _invite) =
        create_session(&browser, &base, "Une séance servie d'un seul fichier").await;
    join(&browser, &own, "Anne").await;
    browser.screenshot(screenshot_path("dist-room-phone")).await;
    browser.close().await;

    // Nothing but the binary and its database is there to serve from.
    let mut present: Vec<String> = std::fs::read_dir(host.path())
        .expect("the directory")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !name.starts_with("codev.db"))
        .collect();
    present.sort();
    assert_eq!(present, ["codev-server"]);

    let _ = server.kill();
    let _ = server.wait();
}
