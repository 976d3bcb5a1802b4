//! Taking over the invite page's first screen, which the server wrote.
//!
//! An invite link's page arrives with its first screen already in it
//! (`server/src/http/invite_page.rs`): the session's title and the join form, or the card
//! saying the link is dead. A person may have typed a name, ticked "observer", or even
//! sent the form (which `boot.js` holds) before this module was loaded. The app reads
//! all of that once, as it starts, removes the server's screen and shows its own in the
//! same place, so nothing typed is lost and the lookup the server already did is not
//! asked again.

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlInputElement};

/// What the server found behind the link's code (`data-lookup` on `#invite`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    Open { title: String },
    Closed { title: String },
    Unknown,
}

/// What the person did on the server's join form before the app took it over.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Typed {
    pub name: String,
    pub observer: bool,
    /// The name field had the keyboard focus.
    pub focused: bool,
    /// The form was sent (held by `boot.js` until now).
    pub submitted: bool,
}

/// The server's first screen, as the app found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FirstScreen {
    pub found: Found,
    /// Present with the join form, that is when the session is open.
    pub typed: Option<Typed>,
}

/// The id of the element the server writes the first screen in.
pub const ROOT_ID: &str = "invite";

/// Read the server's first screen and remove it from the page; `None` when the page
/// has none (any page but an invite link's, or a server that could not say).
pub fn take() -> Option<FirstScreen> {
    let document = web_sys::window()?.document()?;
    let root = document.get_element_by_id(ROOT_ID)?;
    let screen = read(&root, document.active_element().as_ref());
    root.remove();
    screen
}

/// What `root` (the server's `#invite`) says, with `focused` the page's focused element.
pub fn read(root: &Element, focused: Option<&Element>) -> Option<FirstScreen> {
    let title = root.get_attribute("data-title").unwrap_or_default();
    let found = match root.get_attribute("data-lookup")?.as_str() {
        "open" => Found::Open { title },
        "closed" => Found::Closed { title },
        "unknown" => Found::Unknown,
        _ => return None,
    };
    let input = |test_id: &str| {
        root.query_selector(&format!("[data-testid={test_id}]"))
            .ok()
            .flatten()
            .and_then(|element| element.dyn_into::<HtmlInputElement>().ok())
    };
    let typed = input("join-name").map(|name| Typed {
        name: name.value(),
        observer: input("join-observer").is_some_and(|observer| observer.checked()),
        focused: focused.is_some_and(|element| name.is_same_node(Some(element))),
        submitted: root
            .query_selector("form[data-submitted]")
            .ok()
            .flatten()
            .is_some(),
    });
    Some(FirstScreen { found, typed })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    /// A first screen as the server writes it (the elements `read` looks at).
    fn server_screen(lookup: &str, form: bool) -> Element {
        let document = web_sys::window().unwrap().document().unwrap();
        let root = document.create_element("div").unwrap();
        root.set_id(ROOT_ID);
        root.set_attribute("data-lookup", lookup).unwrap();
        root.set_attribute("data-title", "Lundi").unwrap();
        if form {
            root.set_inner_html(
                "<form id=\"invite-form\" method=\"dialog\">\
                 <input data-testid=\"join-name\">\
                 <input type=\"checkbox\" data-testid=\"join-observer\">\
                 <button type=\"submit\">Rejoindre</button></form>",
            );
        }
        document.body().unwrap().append_child(&root).unwrap();
        root
    }

    fn input(root: &Element, test_id: &str) -> HtmlInputElement {
        root.query_selector(&format!("[data-testid={test_id}]"))
            .unwrap()
            .unwrap()
            .dyn_into()
            .unwrap()
    }

    #[wasm_bindgen_test]
    fn what_was_typed_before_the_app_came_is_taken_over_and_the_screen_removed() {
        let root = server_screen("open", true);
        input(&root, "join-name").set_value("Bastien");
        input(&root, "join-observer").set_checked(true);
        input(&root, "join-name").focus().unwrap();
        root.query_selector("form")
            .unwrap()
            .unwrap()
            .set_attribute("data-submitted", "true")
            .unwrap();

        let screen = take().expect("the server's screen is read");
        assert_eq!(
            screen,
            FirstScreen {
                found: Found::Open {
                    title: "Lundi".into()
                },
                typed: Some(Typed {
                    name: "Bastien".into(),
                    observer: true,
                    focused: true,
                    submitted: true,
                }),
            }
        );
        assert!(!root.is_connected(), "the server's screen is gone");
        assert_eq!(take(), None, "taken once");
    }

    #[wasm_bindgen_test]
    fn an_untouched_form_gives_nothing_typed() {
        let root = server_screen("open", true);
        let screen = read(&root, None).unwrap();
        assert_eq!(screen.typed, Some(Typed::default()));
        root.remove();
    }

    #[wasm_bindgen_test]
    fn a_dead_link_is_read_as_such_and_anything_else_is_ignored() {
        let closed = server_screen("closed", false);
        assert_eq!(
            read(&closed, None).map(|screen| screen.found),
            Some(Found::Closed {
                title: "Lundi".into()
            })
        );
        closed.remove();
        let unknown = server_screen("unknown", false);
        assert_eq!(
            read(&unknown, None),
            Some(FirstScreen {
                found: Found::Unknown,
                typed: None
            })
        );
        unknown.remove();
        let strange = server_screen("maybe", false);
        assert_eq!(read(&strange, None), None);
        strange.remove();
    }
}
