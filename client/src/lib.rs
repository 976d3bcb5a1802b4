//! The browser client of the co-development app: Leptos, client-side rendered, compiled
//! to WebAssembly.
//!
//! The page keeps a copy of its room in [`shared::replica::Replica`] (a snapshot plus
//! events applied with `shared`'s own `apply`), connected by [`session`]; the
//! [`views`] only read that copy and submit commands. Everything a person reads comes
//! from [`shared::i18n`], one table per language. `cargo xtask` builds it with wasm-bindgen into
//! `pkg/client.js` + `pkg/client_bg.wasm` beside `index.html`.

pub mod api;
pub mod browser;
pub mod double_click;
pub mod focus;
pub mod group_link;
pub mod group_record;
pub mod handoff;
pub mod link;
pub mod record;
pub mod route;
pub mod session;
pub mod timeline;
pub mod views;

#[cfg(test)]
mod state_tests;

pub use views::app::App;

use wasm_bindgen::prelude::wasm_bindgen;

/// Entry point called by the wasm-bindgen glue once the module is instantiated.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(App);
    focus::keep_focus_on_rebuilt_controls();
}

// Unit tests of this crate run in headless Chromium (see `cargo xtask test`), so they can
// touch the DOM.
#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);
