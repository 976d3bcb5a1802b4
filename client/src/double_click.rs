//! One move per gesture for the controls that move a shared cursor.
//!
//! "Next step", "give the floor" and "pass the word on" move something for the whole
//! group. People double-click buttons out of habit, often slowly. The protocol already
//! makes a repeated command harmless when both clicks leave before the first one's
//! effect arrives (each names where it moves from, and the second is refused as
//! `stale`); but a slow second click, made after the room has moved, names the new
//! place and would move the group again. So a click of the same control within
//! [`DOUBLE_CLICK_MS`] of the last press is taken as part of the same gesture and
//! dropped. Keys are not held back: nobody double-presses Enter out of habit, and a
//! keyboard user passing the word round after round means each press.

use shared::{Command, Millis};

/// The usual double-click interval of desktop systems.
pub const DOUBLE_CLICK_MS: Millis = 500;

/// The control a cursor command comes from: its name, and whom or where it aims at.
fn control(command: &Command) -> Option<(&'static str, String)> {
    let target = match command {
        Command::GiveFloor { participant, .. } => participant.as_str().to_owned(),
        Command::GoToStep { step, .. } => step.number().to_string(),
        other if other.moves_a_cursor() => String::new(),
        _ => return None,
    };
    Some((command.name(), target))
}

/// How a control was pressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Press {
    /// A mouse click or a tap (a click event whose `detail`, its click count, is 1 or
    /// more).
    Pointer,
    /// The keyboard, or a choice in a list.
    Deliberate,
}

impl Press {
    /// The press behind a click event, from its click count (0 for the keyboard).
    pub fn of_click(detail: i32) -> Press {
        if detail > 0 {
            Press::Pointer
        } else {
            Press::Deliberate
        }
    }
}

/// The last cursor control pressed, and when.
#[derive(Clone, Debug, Default)]
pub struct DoubleClickGuard {
    last: Option<((&'static str, String), Millis)>,
}

impl DoubleClickGuard {
    /// Whether `command`, pressed at `now` by `press`, should go out; remembers the
    /// press if so. Commands that move no cursor always go out.
    pub fn allows(&mut self, command: &Command, press: Press, now: Millis) -> bool {
        let Some(pressed) = control(command) else {
            return true;
        };
        if let Some((last, at)) = &self.last
            && press == Press::Pointer
            && *last == pressed
            && now.saturating_sub(*at) < DOUBLE_CLICK_MS
        {
            return false;
        }
        self.last = Some((pressed, now));
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::Step;
    use wasm_bindgen_test::wasm_bindgen_test;

    fn next(from: Step) -> Command {
        Command::NextStep { from }
    }

    #[wasm_bindgen_test]
    fn a_second_press_within_half_a_second_is_the_same_gesture() {
        let mut guard = DoubleClickGuard::default();
        assert!(guard.allows(&next(Step::Problem), Press::Pointer, 1_000));
        // The room moved at 1,250 ms; the slow second click names the new step.
        assert!(!guard.allows(&next(Step::Clarification), Press::Pointer, 1_450));
        assert!(guard.allows(
            &next(Step::Clarification),
            Press::Pointer,
            1_000 + DOUBLE_CLICK_MS
        ));
    }

    #[wasm_bindgen_test]
    fn other_controls_and_other_commands_are_not_held_back() {
        let mut guard = DoubleClickGuard::default();
        assert!(guard.allows(&next(Step::Problem), Press::Pointer, 0));
        assert!(guard.allows(
            &Command::PreviousStep {
                from: Step::Clarification
            },
            Press::Pointer,
            100
        ));
        let give = |who: &str| Command::GiveFloor {
            participant: who.into(),
            from: None,
        };
        assert!(guard.allows(&give("ana"), Press::Pointer, 200));
        assert!(
            guard.allows(&give("ben"), Press::Pointer, 300),
            "another person's button"
        );
        assert!(!guard.allows(&give("ben"), Press::Pointer, 400));
        assert!(guard.allows(&Command::RaiseHand, Press::Pointer, 410));
        assert!(
            guard.allows(&Command::RaiseHand, Press::Pointer, 420),
            "not a cursor: the server dedups"
        );
    }

    #[wasm_bindgen_test]
    fn keys_are_never_held_back() {
        let mut guard = DoubleClickGuard::default();
        let pass = |from| Command::AdvanceRound { from };
        assert!(guard.allows(&pass(0), Press::Deliberate, 0));
        assert!(guard.allows(&pass(1), Press::Deliberate, 100));
        // A click right after a key press is a new gesture's second half only if it
        // comes within the interval: it is held back.
        assert!(!guard.allows(&pass(2), Press::Pointer, 200));
        assert_eq!(Press::of_click(0), Press::Deliberate);
        assert_eq!(Press::of_click(2), Press::Pointer);
    }
}
