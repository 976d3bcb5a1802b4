//! Acting on the page as a person does: reading, clicking (once or twice), typing,
//! pressing Enter, looking at what has focus and what fits on the first screen, and
//! screenshots.

use std::fs;
use std::path::Path;
use std::time::Duration;

use super::Browser;

/// How long after its previous gesture a simulated double click starts: more than the
/// page's double-click interval (500 ms), as a person's next gesture would.
pub const GESTURE_GAP: Duration = Duration::from_millis(600);

impl Browser {
    /// The visible text of the element matching `css` (waiting for it to exist).
    pub async fn text(&self, css: &str) -> String {
        let element = self.wait_for(css).await;
        element
            .text()
            .await
            .unwrap_or_else(|e| panic!("could not read the text of `{css}`: {e}"))
    }

    /// Clicks the element matching `css` (waiting for it to exist), after scrolling it
    /// to the middle of the window as a person would, clear of sticky bars.
    pub async fn click(&self, css: &str) {
        let element = self.wait_for_in_the_middle(css).await;
        element
            .click()
            .await
            .unwrap_or_else(|e| panic!("could not click `{css}`: {e}"));
    }

    /// Waits for the element matching `css` and scrolls it to the middle of the window
    /// as a person would, clear of sticky bars (a failed scroll is not an error).
    async fn wait_for_in_the_middle(&self, css: &str) -> fantoccini::elements::Element {
        let element = self.wait_for(css).await;
        let _ = self
            .client
            .execute(
                "arguments[0].scrollIntoView({block: 'center', inline: 'center'});",
                vec![serde_json::to_value(&element).unwrap_or_default()],
            )
            .await;
        element
    }

    /// Types `text` into the element matching `css` (waiting for it to exist).
    pub async fn type_into(&self, css: &str, text: &str) {
        let element = self.wait_for(css).await;
        element
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("could not type into `{css}`: {e}"));
    }

    /// Saves a PNG screenshot of the viewport to `path`, creating its directory.
    pub async fn screenshot(&self, path: impl AsRef<Path>) {
        let path = path.as_ref();
        let png = self
            .client
            .screenshot()
            .await
            .unwrap_or_else(|e| panic!("could not take a screenshot: {e}"));
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir)
                .unwrap_or_else(|e| panic!("could not create {}: {e}", dir.display()));
        }
        fs::write(path, png).unwrap_or_else(|e| panic!("could not write {}: {e}", path.display()));
    }

    /// Clicks the element matching `css` twice with a real mouse, `between` apart, as a
    /// person's double click (a fast one at zero, a slow one at a few hundred ms).
    ///
    /// The gesture starts [`GESTURE_GAP`] after the mouse reaches the element: the page
    /// takes presses of one control within 500 ms as one gesture
    /// (`client/src/double_click.rs`), and a test that goes fast could otherwise press
    /// again within that time of its previous gesture, which no person does.
    pub async fn double_click(&self, css: &str, between: Duration) {
        use fantoccini::actions::{InputSource, MOUSE_BUTTON_LEFT, MouseActions, PointerAction};
        let element = self.wait_for_in_the_middle(css).await;
        let press = || {
            [
                PointerAction::Down {
                    button: MOUSE_BUTTON_LEFT,
                },
                PointerAction::Up {
                    button: MOUSE_BUTTON_LEFT,
                },
            ]
        };
        let mut mouse = MouseActions::new("mouse".into())
            .then(PointerAction::MoveToElement {
                element,
                duration: None,
                x: 0.0,
                y: 0.0,
            })
            .then(PointerAction::Pause {
                duration: GESTURE_GAP,
            });
        for action in press() {
            mouse = mouse.then(action);
        }
        mouse = mouse.then(PointerAction::Pause { duration: between });
        for action in press() {
            mouse = mouse.then(action);
        }
        self.client
            .perform_actions(mouse)
            .await
            .unwrap_or_else(|e| panic!("could not double-click `{css}`: {e}"));
        let _ = self.client.release_actions().await;
    }

    /// Presses Enter on the element matching `css`: keyboard focus goes to it first,
    /// as when a keyboard user tabs to a button and activates it.
    pub async fn press_enter(&self, css: &str) {
        let element = self.wait_for(css).await;
        element
            .send_keys("\u{E007}")
            .await
            .unwrap_or_else(|e| panic!("could not press Enter on `{css}`: {e}"));
    }

    /// An attribute of the element that has keyboard focus (none if the page has it).
    pub async fn focused_attribute(&self, attribute: &str) -> Option<String> {
        self.client
            .execute(
                "const active = document.activeElement;
                 return active && active !== document.body ? active.getAttribute(arguments[0]) : null;",
                vec![attribute.into()],
            )
            .await
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
    }

    /// Whether the whole element matching `css` is inside the first screen of the page,
    /// without scrolling, and above the element matching `bar` (a bar fixed to the
    /// bottom of the screen), if there is one.
    pub async fn is_on_first_screen(&self, css: &str, bar: &str) -> bool {
        let element = self.wait_for(css).await;
        self.client
            .execute(
                "window.scrollTo(0, 0);
                 const box = arguments[0].getBoundingClientRect();
                 const bar = document.querySelector(arguments[1]);
                 const limit = bar ? bar.getBoundingClientRect().top : window.innerHeight;
                 return box.top >= 0 && box.bottom <= limit;",
                vec![
                    serde_json::to_value(&element).unwrap_or_default(),
                    bar.into(),
                ],
            )
            .await
            .ok()
            .and_then(|value| value.as_bool())
            .unwrap_or(false)
    }
}
