//! Chrome DevTools Protocol commands through chromedriver (`goog/cdp/execute`), for
//! what WebDriver has no command for: CPU and network throttling, the cache.

use fantoccini::wd::WebDriverCompatibleCommand;

use super::Browser;

impl Browser {
    /// Sends one Chrome DevTools Protocol command to the page (chromedriver's
    /// `goog/cdp/execute`), e.g. `("Emulation.setCPUThrottlingRate", {"rate": 4})`, and
    /// returns its result: throttling, cache and the like have no WebDriver command.
    pub async fn devtools(
        &self,
        command: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, fantoccini::error::CmdError> {
        self.client
            .issue_cmd(DevTools {
                command: command.to_owned(),
                params,
            })
            .await
    }
}

/// A DevTools Protocol command sent through chromedriver (see [`Browser::devtools`]).
#[derive(Debug)]
struct DevTools {
    command: String,
    params: serde_json::Value,
}

impl WebDriverCompatibleCommand for DevTools {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({ "cmd": self.command, "params": self.params });
        (http::Method::POST, Some(body.to_string()))
    }
}
