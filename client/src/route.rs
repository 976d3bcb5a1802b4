//! Which page the address bar asks for.
//!
//! `/` creates a session; `/r/<code>` is a session's room. The facilitator's link adds
//! `#key=<secret>`: a fragment never reaches the server in HTTP requests or its logs.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Home,
    Room {
        code: String,
        facilitator_key: Option<String>,
    },
}

impl Route {
    /// Read a route from a path and a fragment (with or without its `#`).
    pub fn parse(path: &str, fragment: &str) -> Route {
        let code = path
            .strip_prefix("/r/")
            .map(|rest| rest.trim_end_matches('/'))
            .filter(|code| !code.is_empty() && !code.contains('/'));
        match code {
            Some(code) => Route::Room {
                code: code.to_owned(),
                facilitator_key: fragment
                    .trim_start_matches('#')
                    .split('&')
                    .find_map(|pair| pair.strip_prefix("key="))
                    .filter(|key| !key.is_empty())
                    .map(str::to_owned),
            },
            None => Route::Home,
        }
    }

    /// The route of the current page.
    pub fn current() -> Route {
        let location = web_sys::window().map(|w| w.location());
        let path = location
            .as_ref()
            .and_then(|l| l.pathname().ok())
            .unwrap_or_default();
        let hash = location.and_then(|l| l.hash().ok()).unwrap_or_default();
        Route::parse(&path, &hash)
    }
}

/// The invite link of a room.
pub fn invite_path(code: &str) -> String {
    format!("/r/{code}")
}

/// The facilitator's link of a room.
pub fn facilitator_path(code: &str, key: &str) -> String {
    format!("/r/{code}#key={key}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn paths_and_fragments_make_routes() {
        assert_eq!(Route::parse("/", ""), Route::Home);
        assert_eq!(Route::parse("/r/", ""), Route::Home);
        assert_eq!(Route::parse("/r/a/b", ""), Route::Home);
        assert_eq!(
            Route::parse("/r/abc23", ""),
            Route::Room {
                code: "abc23".into(),
                facilitator_key: None
            }
        );
        assert_eq!(
            Route::parse("/r/abc23/", "#key=s3cr-t_"),
            Route::Room {
                code: "abc23".into(),
                facilitator_key: Some("s3cr-t_".into())
            }
        );
        let code = "abc23";
        assert_eq!(
            Route::parse(&invite_path(code), "#"),
            Route::Room {
                code: code.into(),
                facilitator_key: None
            }
        );
        let link = facilitator_path(code, "k");
        let (path, fragment) = link.split_once('#').unwrap_or_default();
        assert_eq!(
            Route::parse(path, fragment),
            Route::Room {
                code: code.into(),
                facilitator_key: Some("k".into())
            }
        );
    }
}
