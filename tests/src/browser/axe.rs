//! Accessibility checks with axe-core: injected into the page from `AXE_CORE` (set by
//! `cargo xtask test`), run on the current screen, and every violation, whatever its
//! impact, fails the test.

use std::path::PathBuf;
use std::sync::OnceLock;
use std::{env, fs};

use super::Browser;

/// Runs axe-core on the whole document and resolves with its violations (every rule
/// axe enables by default: WCAG A and AA, and its best practices), as JSON.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ["violations"] })
  .then((results) => done(JSON.stringify(results.violations.map((v) => ({
    id: v.id,
    impact: v.impact,
    help: v.help,
    targets: v.nodes.map((node) => JSON.stringify(node.target)),
    summaries: v.nodes.map((node) => node.failureSummary || ""),
  })))))
  .catch((error) => done(JSON.stringify({ error: String(error) })));
"#;

/// One rule axe-core found broken on a screen, with every element that breaks it.
#[derive(Debug, serde::Deserialize)]
pub struct Violation {
    /// The rule, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// What the rule asks, in a sentence.
    pub help: String,
    /// The CSS selectors of the offending elements.
    pub targets: Vec<String>,
    /// Why each element fails, in axe's words.
    pub summaries: Vec<String>,
}

/// The source of `axe.min.js`, read once from `AXE_CORE`. Panics with what to do when
/// it is missing: accessibility checks fail, never skip.
fn axe_source() -> &'static str {
    static SOURCE: OnceLock<String> = OnceLock::new();
    SOURCE.get_or_init(|| {
        let path = env::var_os("AXE_CORE").map(PathBuf::from).expect(
            "AXE_CORE is not set: run the browser tests through `cargo xtask test`, which \
             installs axe-core from the npm registry and says where it is",
        );
        fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "AXE_CORE={} cannot be read ({e}): run the browser tests through `cargo xtask test`",
                path.display()
            )
        })
    })
}

impl Browser {
    /// The accessibility violations axe-core finds on the current screen. axe is
    /// injected into the page the first time (and again after a navigation).
    pub async fn axe_violations(&self) -> Vec<Violation> {
        let loaded = self
            .client
            .execute("return typeof window.axe === 'object';", Vec::new())
            .await
            .ok()
            .and_then(|loaded| loaded.as_bool())
            .unwrap_or(false);
        if !loaded {
            let inject = format!("{}\nreturn typeof window.axe;", axe_source());
            let kind = self
                .client
                .execute(&inject, Vec::new())
                .await
                .unwrap_or_else(|e| panic!("could not inject axe-core into the page: {e}"));
            assert_eq!(kind, "object", "axe-core did not load in the page");
        }
        let answer = self
            .client
            .execute_async(RUN_AXE, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("axe-core did not run: {e}"));
        let json = answer.as_str().unwrap_or_default();
        serde_json::from_str(json).unwrap_or_else(|e| {
            panic!("axe-core's answer is not a list of violations ({e}): {json}")
        })
    }

    /// Fails the test if axe-core finds any accessibility violation, of any impact, on
    /// the current screen, naming the screen, each rule, its impact and the elements.
    pub async fn assert_accessible(&self, screen: &str) {
        let violations = self.axe_violations().await;
        if violations.is_empty() {
            return;
        }
        panic!(
            "axe-core finds {} violation(s) on the screen `{screen}`:\n{}",
            violations.len(),
            describe_violations(&violations)
        );
    }
}

/// Fails the test if axe-core finds any violation on any of these screens (a browser and
/// the screen's name), listing every one of them, screen by screen.
pub async fn assert_screens_accessible(screens: &[(&Browser, String)]) {
    let mut report = String::new();
    for (browser, screen) in screens {
        let violations = browser.axe_violations().await;
        if !violations.is_empty() {
            report.push_str(&format!(
                "on the screen `{screen}`:\n{}",
                describe_violations(&violations)
            ));
        }
    }
    assert!(report.is_empty(), "axe-core finds violations\n{report}");
}

/// One line per rule and one per element, for failure messages.
pub fn describe_violations(violations: &[Violation]) -> String {
    let mut out = String::new();
    for violation in violations {
        out.push_str(&format!(
            "- {} ({}): {}\n",
            violation.id,
            violation.impact.as_deref().unwrap_or("no impact given"),
            violation.help
        ));
        for (target, summary) in violation.targets.iter().zip(&violation.summaries) {
            let summary = summary.replace('\n', " ");
            out.push_str(&format!("    {target}: {summary}\n"));
        }
    }
    out
}
