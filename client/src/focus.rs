//! Keyboard focus that survives a control replacing itself.
//!
//! Lists on the page are rebuilt from the room when it changes: the client's "★ Garder"
//! becomes "Ne plus garder", a card is redrawn with its new state. The button a keyboard
//! user just pressed is then a new element, and the browser drops focus to the page,
//! so the next Tab starts again from the top. Controls that may be rebuilt carry a
//! `data-focus-key` naming what they act on; when the focused one leaves the page and
//! nothing else took focus, focus moves to the element with the same key.

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{Element, Event, HtmlElement, MutationObserver, MutationObserverInit};

/// The attribute naming what a control acts on, the same on its replacement.
pub const FOCUS_KEY: &str = "data-focus-key";

/// Watch focus and the page's changes for as long as the page lives.
pub fn keep_focus_on_rebuilt_controls() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    // The last focused control that has a key, and its key.
    let last: Rc<RefCell<Option<(Element, String)>>> = Rc::default();

    let remember = {
        let last = last.clone();
        Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let keyed = event
                .target()
                .and_then(|target| target.dyn_into::<Element>().ok())
                .and_then(|element| {
                    let key = element.get_attribute(FOCUS_KEY)?;
                    Some((element, key))
                });
            *last.borrow_mut() = keyed;
        })
    };
    let _ = document.add_event_listener_with_callback("focusin", remember.as_ref().unchecked_ref());
    remember.forget();

    let restore = Closure::<dyn FnMut()>::new(move || {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let mut last = last.borrow_mut();
        let Some((element, key)) = last.as_ref() else {
            return;
        };
        if element.is_connected() {
            return;
        }
        let focus_is_lost = document
            .active_element()
            .is_none_or(|active| active.tag_name().eq_ignore_ascii_case("body"));
        if !focus_is_lost {
            *last = None;
            return;
        }
        let selector = format!("[{FOCUS_KEY}=\"{key}\"]");
        match document.query_selector(&selector).ok().flatten() {
            Some(replacement) => {
                if let Some(html) = replacement.dyn_ref::<HtmlElement>() {
                    let _ = html.focus();
                }
                *last = Some((replacement, key.clone()));
            }
            None => *last = None,
        }
    });
    let Ok(observer) = MutationObserver::new(restore.as_ref().unchecked_ref()) else {
        return;
    };
    restore.forget();
    let options = MutationObserverInit::new();
    options.set_child_list(true);
    options.set_subtree(true);
    let _ = observer.observe_with_options(&body, &options);
}
