//! Waiting for the page: every wait is bounded by [`PATIENCE`] (or a patience given),
//! wakes on the page's own DOM changes rather than polling on a timer, and fails the
//! test with what it waited for and what the page looked like.

use std::time::Duration;

use fantoccini::Locator;
use fantoccini::elements::Element;

use super::{Browser, PATIENCE};

/// Counts the page's DOM changes (putting an observer on the page the first time) and
/// returns the count. Each change also wakes the scripts waiting in [`AWAIT_CHANGE`].
const COUNT_CHANGES: &str = r#"
if (!window.__changes) {
  const changes = { count: 0, waiting: [] };
  window.__changes = changes;
  new MutationObserver(() => {
    changes.count += 1;
    const waiting = changes.waiting;
    changes.waiting = [];
    waiting.forEach((wake) => wake());
  }).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
}
return window.__changes.count;
"#;

/// Resolves `true` once the page's DOM changes after `arguments[0]` changes (at once if
/// it has, or if this is a new page), `false` after `arguments[1]` milliseconds.
const AWAIT_CHANGE: &str = r#"
const [seen, patience, done] = [arguments[0], arguments[1], arguments[arguments.length - 1]];
const changes = window.__changes;
if (!changes || changes.count !== seen) { done(true); return; }
const timer = setTimeout(() => done(false), patience);
changes.waiting.push(() => { clearTimeout(timer); done(true); });
"#;

impl Browser {
    /// Waits until an element matches `css`, and returns it.
    pub async fn wait_for(&self, css: &str) -> Element {
        self.wait_for_within(css, PATIENCE).await
    }

    /// Waits until the element matching `css` has exactly the text `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> Element {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        let mut last = None;
        loop {
            let seen = self.page_changes().await;
            if let Ok(element) = self.client.find(Locator::Css(css)).await {
                match element.text().await {
                    Ok(text) if text == expected => return element,
                    Ok(text) => last = Some(text),
                    Err(_) => {}
                }
            }
            if !self.next_change(seen, deadline).await {
                panic!(
                    "waited {PATIENCE:?} for `{css}` to read {expected:?}; last seen: {last:?}\n{}",
                    self.describe_page().await
                );
            }
        }
    }

    /// Waits until the form field matching `css` holds `expected` (a field's value is
    /// no change of the document, so the page is asked to watch it, frame by frame).
    pub async fn wait_for_value(&self, css: &str, expected: &str) {
        let args = vec![
            css.into(),
            expected.into(),
            (PATIENCE.as_millis() as u64).into(),
        ];
        let held = self
            .client
            .execute_async(AWAIT_VALUE, args)
            .await
            .ok()
            .and_then(|held| held.as_str().map(str::to_owned));
        if held.as_deref() != Some(expected) {
            panic!(
                "waited {PATIENCE:?} for `{css}` to hold {expected:?}; it holds {held:?}\n{}",
                self.describe_page().await
            );
        }
    }

    /// Waits until exactly `n` elements match `css`.
    pub async fn wait_for_count(&self, css: &str, n: usize) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let seen = self.page_changes().await;
            let found = self
                .client
                .find_all(Locator::Css(css))
                .await
                .map(|all| all.len())
                .unwrap_or(0);
            if found == n {
                return;
            }
            if !self.next_change(seen, deadline).await {
                panic!(
                    "waited {PATIENCE:?} for {n} × `{css}`, saw {found}\n{}",
                    self.describe_page().await
                );
            }
        }
    }

    /// Waits until the element matching `css` contains `part` in its text.
    pub async fn wait_for_part(&self, css: &str, part: &str) {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let seen = self.page_changes().await;
            let text = match self.client.find(Locator::Css(css)).await {
                Ok(element) => element.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if text.contains(part) {
                return;
            }
            if !self.next_change(seen, deadline).await {
                panic!(
                    "waited {PATIENCE:?} for `{css}` to contain {part:?}; it reads {text:?}\n{}",
                    self.describe_page().await
                );
            }
        }
    }

    /// How many times the page's DOM has changed so far, counted by an observer put on
    /// the page the first time (a new page starts again from 0).
    async fn page_changes(&self) -> u64 {
        self.client
            .execute(COUNT_CHANGES, Vec::new())
            .await
            .ok()
            .and_then(|count| count.as_u64())
            .unwrap_or(0)
    }

    /// Waits for the page's DOM to change after `seen` changes (at once if it already
    /// has, or if the page was replaced). `false` once `deadline` passes first.
    async fn next_change(&self, seen: u64, deadline: tokio::time::Instant) -> bool {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        if left.is_zero() {
            return false;
        }
        let args = vec![seen.into(), (left.as_millis() as u64).into()];
        match self.client.execute_async(AWAIT_CHANGE, args).await {
            Ok(changed) => changed.as_bool().unwrap_or(true),
            // The page went away under the script (a navigation): it changed.
            Err(_) => tokio::time::Instant::now() < deadline,
        }
    }

    /// Waits up to `patience` (longer than [`PATIENCE`]: for what the page does on its
    /// own timers, such as noticing a silent network) until an element matches `css`.
    pub async fn wait_for_within(&self, css: &str, patience: Duration) -> Element {
        match self
            .client
            .wait()
            .at_most(patience)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(element) => element,
            Err(e) => panic!(
                "waited {patience:?} for `{css}` in vain ({e})\n{}",
                self.describe_page().await
            ),
        }
    }
}

/// Resolves with the value of the field `arguments[0]` once it is `arguments[1]`, or with
/// whatever it holds after `arguments[2]` milliseconds; checked at every frame.
const AWAIT_VALUE: &str = "const [css, expected, patience, done] = arguments;\
    const until = performance.now() + patience;\
    const look = () => {\
        const field = document.querySelector(css);\
        const value = field ? field.value : null;\
        if (value === expected || performance.now() > until) { done(value); }\
        else { requestAnimationFrame(look); }\
    };\
    look();";
