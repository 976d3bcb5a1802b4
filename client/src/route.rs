//! Which page the address bar asks for.
//!
//! `/` creates a session or a group; `/r/<code>` is a session's room and `/g/<code>` a
//! group's page. The facilitator's links add `#key=<secret>`, and a member's personal
//! link to a group `#member=<token>`: a fragment never reaches the server in HTTP
//! requests or its logs.

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    Home,
    Room {
        code: String,
        facilitator_key: Option<String>,
        /// The group whose session this room is, from the group page's link: the page
        /// enters with the member token it keeps for that group.
        group: Option<String>,
    },
    Group {
        code: String,
        facilitator_key: Option<String>,
        /// A member's token, from their personal link.
        member_token: Option<String>,
    },
}

/// The code after `prefix` in `path`, if the path is exactly that.
fn code_after<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    path.strip_prefix(prefix)
        .map(|rest| rest.trim_end_matches('/'))
        .filter(|code| !code.is_empty() && !code.contains('/'))
}

/// The value of `name=` in a fragment such as `#key=...&x=...`.
fn fragment_value(fragment: &str, name: &str) -> Option<String> {
    fragment
        .trim_start_matches('#')
        .split('&')
        .find_map(|pair| pair.strip_prefix(name)?.strip_prefix('='))
        .filter(|value| !value.is_empty())
        .map(str::to_owned)
}

impl Route {
    /// Read a route from a path and a fragment (with or without its `#`).
    pub fn parse(path: &str, fragment: &str) -> Route {
        if let Some(code) = code_after(path, "/r/") {
            return Route::Room {
                code: code.to_owned(),
                facilitator_key: fragment_value(fragment, "key"),
                group: fragment_value(fragment, "group"),
            };
        }
        if let Some(code) = code_after(path, "/g/") {
            return Route::Group {
                code: code.to_owned(),
                facilitator_key: fragment_value(fragment, "key"),
                member_token: fragment_value(fragment, "member"),
            };
        }
        Route::Home
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

/// The invite link of a group.
pub fn group_path(code: &str) -> String {
    format!("/g/{code}")
}

/// The group facilitator's link.
pub fn group_facilitator_path(code: &str, key: &str) -> String {
    format!("/g/{code}#key={key}")
}

/// The link from a group's page to the room of one of its sessions.
pub fn group_session_path(room: &str, group: &str) -> String {
    format!("/r/{room}#group={group}")
}

/// A member's personal link to their group.
pub fn personal_path(code: &str, token: &str) -> String {
    format!("/g/{code}#member={token}")
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
                facilitator_key: None,
                group: None
            }
        );
        assert_eq!(
            Route::parse("/r/abc23/", "#key=s3cr-t_"),
            Route::Room {
                code: "abc23".into(),
                facilitator_key: Some("s3cr-t_".into()),
                group: None
            }
        );
        let code = "abc23";
        assert_eq!(
            Route::parse(&invite_path(code), "#"),
            Route::Room {
                code: code.into(),
                facilitator_key: None,
                group: None
            }
        );
        let link = facilitator_path(code, "k");
        let (path, fragment) = link.split_once('#').unwrap_or_default();
        assert_eq!(
            Route::parse(path, fragment),
            Route::Room {
                code: code.into(),
                facilitator_key: Some("k".into()),
                group: None
            }
        );
    }

    #[wasm_bindgen_test]
    fn group_links_make_group_routes() {
        let group = |key: Option<&str>, member: Option<&str>| Route::Group {
            code: "g7k2".into(),
            facilitator_key: key.map(Into::into),
            member_token: member.map(Into::into),
        };
        assert_eq!(Route::parse(&group_path("g7k2"), ""), group(None, None));
        assert_eq!(Route::parse("/g/", ""), Route::Home);
        for (link, expected) in [
            (
                group_facilitator_path("g7k2", "k-1"),
                group(Some("k-1"), None),
            ),
            (personal_path("g7k2", "t_2"), group(None, Some("t_2"))),
        ] {
            let (path, fragment) = link.split_once('#').unwrap_or_default();
            assert_eq!(Route::parse(path, fragment), expected, "{link}");
        }
        let session = group_session_path("r9", "g7k2");
        let (path, fragment) = session.split_once('#').unwrap_or_default();
        assert_eq!(
            Route::parse(path, fragment),
            Route::Room {
                code: "r9".into(),
                facilitator_key: None,
                group: Some("g7k2".into())
            }
        );
        // `keyx=` is not `key=`.
        assert_eq!(Route::parse("/g/g7k2", "#keyx=1"), group(None, None));
    }
}
