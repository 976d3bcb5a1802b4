//! The invite link's page, written by the server so that it takes a name at once.
//!
//! On a slow phone the browser client (its wasm module) arrives seconds after the page:
//! on DevTools' "Slow 4G" profile, the HTML is there at about 0.7 s and the module at
//! about 3 s (`docs/benchmarks.md`, "First load"). So `GET /r/{code}` answers the site's
//! `index.html` with the first screen already in it: the session's title and the join
//! form, or the card saying the link leads nowhere, in the visitor's language, with the
//! words of [`shared::i18n`] (the very table the client shows). A person can read and
//! type while the module loads; `boot.js` holds an early submit; the client, once
//! started, takes the form over with what was typed (`client/src/handoff.rs`) and
//! replaces it with its own, identical one. Without a site directory there is no page to
//! write into, and the route is not served.
//!
//! The lookup is guarded exactly like `GET /api/sessions/{code}`: an address with too many
//! failed attempts gets the plain page (and the client's own lookup gets the refusal), and
//! an unknown code counts as a failed attempt, so codes cannot be guessed faster here.
//! Whatever the server cannot say now (server full, storage failing) also gives the plain
//! page, and the client asks again by itself.

use crate::app_state::AppState;
use crate::guard::ClientAddr;
use crate::registry::FindError;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};
use shared::ErrorCode;
use shared::RoomCode;
use shared::i18n::{LANG_COOKIE, Lang, fill};

/// The comment in `index.html` that the first screen replaces.
pub const MARK: &str = "<!--invite-->";

/// What the server found behind an invite link's code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// A session that takes newcomers.
    Open { title: String },
    /// A session closed to newcomers.
    Closed { title: String },
    /// No session has this code.
    Unknown,
}

impl Found {
    /// The value of `data-lookup`, read back by the client.
    fn name(&self) -> &'static str {
        match self {
            Found::Open { .. } => "open",
            Found::Closed { .. } => "closed",
            Found::Unknown => "unknown",
        }
    }

    fn title(&self) -> Option<&str> {
        match self {
            Found::Open { title } | Found::Closed { title } => Some(title),
            Found::Unknown => None,
        }
    }
}

/// `GET /r/{code}`: the site's page with the first screen written in.
pub async fn serve(
    State(state): State<AppState>,
    client: ClientAddr,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(site) = state.config.site.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let template = match super::site::index_html(site).await {
        Ok(template) => template,
        Err(error) => {
            tracing::error!(%error, "the site's index.html cannot be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let page = match look_up(&state, client, code).await {
        Some(found) => write_in(&template, language(&headers), &found),
        None => template.into_owned(),
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            // The page says whether the session is open: never reuse an old copy.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            (
                header::VARY,
                HeaderValue::from_static("Accept-Language, Cookie"),
            ),
        ],
        page,
    )
        .into_response()
}

/// What the code leads to, or `None` where the server cannot say now.
async fn look_up(state: &AppState, client: ClientAddr, code: String) -> Option<Found> {
    state.guard.may_try_entering(client).ok()?;
    match state.registry.describe(&RoomCode::new(code)).await {
        Ok(description) if description.open => Some(Found::Open {
            title: description.title,
        }),
        Ok(description) => Some(Found::Closed {
            title: description.title,
        }),
        Err(FindError::Unknown) => {
            state.guard.entry_failed(client);
            Some(Found::Unknown)
        }
        Err(FindError::ServerFull | FindError::Moved(_)) => None,
        Err(FindError::Storage) => {
            state.guard.entry_failed(client);
            None
        }
    }
}

/// The visitor's language: their earlier choice in the app (its cookie), else their
/// browser's most preferred one, as the app itself decides.
pub fn language(headers: &HeaderMap) -> Lang {
    let chosen = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .find_map(|pair| {
            let (name, value) = pair.trim().split_once('=')?;
            (name == LANG_COOKIE).then(|| Lang::from_tag(value.trim()))
        });
    chosen.unwrap_or_else(|| {
        let accepted = headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        Lang::from_accept_language(accepted)
    })
}

/// `template` (the site's `index.html`) with the first screen for `found` in place of
/// [`MARK`], and the document in `lang`. A template without the mark is returned with
/// only its language set: the client then starts from nothing, as it always can.
pub fn write_in(template: &str, lang: Lang, found: &Found) -> String {
    let screen = first_screen(lang, found).into_string();
    template
        .replacen(
            "<html lang=\"fr\">",
            &format!("<html lang=\"{}\">", lang.tag()),
            1,
        )
        .replacen(MARK, &screen, 1)
}

/// The first screen: the same elements, classes and words as the client's join page
/// (`client/src/views/join.rs`) or its card for a dead link (`fatal.rs`), so that the
/// client's takeover changes nothing a person sees. The language switch is the
/// client's: it appears when the client does.
fn first_screen(lang: Lang, found: &Found) -> Markup {
    let t = lang.texts();
    html! {
        div #invite data-lookup=(found.name()) data-title=[found.title()] {
            header.topbar {
                h1.brand { (t.app_title) }
            }
            main.home {
                @match found {
                    Found::Open { title } => {
                        form.card #invite-form method="dialog" aria-labelledby="join-heading"
                            data-testid="join-form" data-busy-label=(t.status_connecting) {
                            h2 #join-heading { (t.join_heading) }
                            p.session-name data-testid="join-session-title" { (title) }
                            p { (t.join_intro) }
                            label for="join-name" { (t.your_name_label) }
                            input #join-name data-testid="join-name" required maxlength="40"
                                autocomplete="given-name" placeholder=(t.name_placeholder);
                            label.check {
                                input type="checkbox" data-testid="join-observer";
                                (t.join_as_observer)
                            }
                            button.primary type="submit" data-testid="join-button" {
                                (t.join_button)
                            }
                        }
                    }
                    Found::Closed { title } => {
                        (dead_card(t.fatal_heading, &fill(t.session_closed_named, &[title]), t.back_home))
                    }
                    Found::Unknown => {
                        (dead_card(t.fatal_heading, t.error(ErrorCode::RoomOrKeyInvalid), t.back_home))
                    }
                }
            }
        }
    }
}

fn dead_card(heading: &str, reason: &str, back_home: &str) -> Markup {
    html! {
        section.card role="alert" aria-labelledby="fatal-heading" data-testid="fatal" {
            h1 #fatal-heading { (heading) }
            p data-testid="fatal-reason" { (reason) }
            div.row {
                a.button href="/" data-testid="back-home" { (back_home) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEMPLATE: &str = "<!doctype html>\n<html lang=\"fr\">\n<body>\n<!--invite-->\n<script></script>\n</body></html>";

    fn open(title: &str) -> Found {
        Found::Open {
            title: title.to_owned(),
        }
    }

    #[test]
    fn an_open_session_gets_its_title_and_the_join_form_in_the_visitors_language() {
        let page = write_in(TEMPLATE, Lang::En, &open("Monday group"));
        assert!(page.contains("<html lang=\"en\">"), "{page}");
        assert!(page.contains("data-lookup=\"open\""), "{page}");
        assert!(page.contains(">Monday group</p>"), "{page}");
        assert!(page.contains(">Join the session</h2>"), "{page}");
        assert!(page.contains("data-testid=\"join-name\""), "{page}");
        assert!(page.contains("data-busy-label=\"Connecting…\""), "{page}");
        assert!(!page.contains(MARK), "{page}");
        // The rest of the page is untouched, in order.
        assert!(page.find("id=\"invite\"") < page.find("<script>"), "{page}");

        let french = write_in(TEMPLATE, Lang::Fr, &open("Groupe du lundi"));
        assert!(french.contains("<html lang=\"fr\">"), "{french}");
        assert!(french.contains(">Rejoindre la séance</h2>"), "{french}");
    }

    #[test]
    fn a_title_is_text_never_markup() {
        let page = write_in(
            TEMPLATE,
            Lang::Fr,
            &open("<script>alert(1)</script> & \"co\""),
        );
        assert!(!page.contains("<script>alert"), "{page}");
        assert!(
            page.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;co&quot;"),
            "{page}"
        );
    }

    #[test]
    fn a_dead_link_says_so_at_once_without_a_form() {
        let closed = write_in(
            TEMPLATE,
            Lang::En,
            &Found::Closed {
                title: "June".into(),
            },
        );
        assert!(closed.contains("data-lookup=\"closed\""), "{closed}");
        assert!(closed.contains("data-testid=\"fatal\""), "{closed}");
        let reason = fill(Lang::En.texts().session_closed_named, &["June"]);
        assert!(closed.contains(&reason), "{closed}");
        assert!(!closed.contains("join-name"), "{closed}");

        let unknown = write_in(TEMPLATE, Lang::Fr, &Found::Unknown);
        assert!(unknown.contains("data-lookup=\"unknown\""), "{unknown}");
        assert!(!unknown.contains("data-title"), "{unknown}");
        assert!(
            unknown.contains(Lang::Fr.texts().error(ErrorCode::RoomOrKeyInvalid)),
            "{unknown}"
        );
    }

    #[test]
    fn the_language_is_the_apps_choice_else_the_browsers() {
        let mut headers = HeaderMap::new();
        assert_eq!(language(&headers), Lang::Fr);
        headers.insert(
            header::ACCEPT_LANGUAGE,
            HeaderValue::from_static("en-US,en;q=0.9"),
        );
        assert_eq!(language(&headers), Lang::En);
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("other=1; codev_lang=fr"),
        );
        assert_eq!(language(&headers), Lang::Fr);
    }

    #[test]
    fn a_template_without_the_mark_is_served_as_it_is() {
        let page = write_in(
            "<html lang=\"fr\"><body></body></html>",
            Lang::Fr,
            &open("x"),
        );
        assert_eq!(page, "<html lang=\"fr\"><body></body></html>");
    }
}
