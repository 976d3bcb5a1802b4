//! Enums that list their own variants, so no list of them is written out by hand.
//!
//! `Step::ALL`, `Role::ALL`, `NoteKind::ALL`, `ErrorCode::ALL` and `Command::NAMES` used
//! to be typed out beside their enums, and a variant added to the enum but not to the
//! list was silently missing from the table of rights, the translations' checks and the
//! fuzzer. Here the enum and its list come out of one macro call, so they cannot differ.
//! Macros rather than a derive crate: nothing to download, nothing more in the wasm.

/// Define a fieldless enum and `pub const ALL: [Self; N]`, its variants in order.
macro_rules! listed_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$variant_meta])* $variant, )*
        }

        impl $name {
            /// Every variant, in the order of the enum's definition.
            pub const ALL: [$name; [$(stringify!($variant)),*].len()] = [$($name::$variant),*];
        }
    };
}

/// Define the `Command` enum, tagged by `type`, with each variant's wire name written
/// once: serde's tag, `Command::name` and `Command::NAMES` all come from it.
macro_rules! command_enum {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$variant_meta:meta])*
                $variant:ident $({ $($fields:tt)* })? = $wire:literal
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[serde(tag = "type")]
        $vis enum $name {
            $(
                $(#[$variant_meta])*
                #[serde(rename = $wire)]
                $variant $({ $($fields)* })?,
            )*
        }

        impl $name {
            /// The wire name of every command, in the order of the enum's definition.
            pub const NAMES: [&'static str; [$($wire),*].len()] = [$($wire),*];

            /// The wire name of the command, for logs and metrics (never its content).
            pub fn name(&self) -> &'static str {
                match self {
                    $( $name::$variant { .. } => $wire, )*
                }
            }
        }
    };
}

pub(crate) use command_enum;
pub(crate) use listed_enum;

#[cfg(test)]
mod tests {
    use crate::state::{NoteKind, Role};
    use crate::{Command, ErrorCode, Step};
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use std::collections::BTreeSet;
    use std::fmt::Debug;

    /// Each variant once, and each one's serde name read back as itself.
    fn every_variant_once<T: Serialize + DeserializeOwned + PartialEq + Debug>(all: &[T]) {
        let names: BTreeSet<String> = all
            .iter()
            .map(|v| serde_json::to_string(v).expect("serializes"))
            .collect();
        assert_eq!(names.len(), all.len(), "a variant is listed twice: {all:?}");
        for variant in all {
            let text = serde_json::to_string(variant).expect("serializes");
            let back: T = serde_json::from_str(&text).expect("reads back");
            assert_eq!(&back, variant);
        }
    }

    #[test]
    fn every_list_holds_each_variant_once() {
        every_variant_once(&Step::ALL);
        every_variant_once(&Role::ALL);
        every_variant_once(&NoteKind::ALL);
        every_variant_once(&ErrorCode::ALL);
        // The macro makes each list from the enum; these lengths only say what the
        // enums hold today, so that a change to them is seen here.
        assert_eq!(
            (Step::ALL.len(), Role::ALL.len(), NoteKind::ALL.len()),
            (8, 4, 6)
        );
        assert_eq!(ErrorCode::ALL.len(), 25);
        assert_eq!(Command::NAMES.len(), 30);
    }

    #[test]
    fn the_movable_steps_are_all_but_the_closed_record() {
        assert_eq!(Step::ALL.last(), Some(&Step::Closed));
        assert_eq!(&Step::MOVABLE[..], &Step::ALL[..Step::ALL.len() - 1]);
    }

    #[test]
    fn command_names_are_serdes_tags() {
        let names: BTreeSet<_> = Command::NAMES.into_iter().collect();
        assert_eq!(names.len(), Command::NAMES.len(), "a name is used twice");
        for name in Command::NAMES {
            // A known tag: whatever is refused is a missing field, never the tag.
            if let Err(error) =
                serde_json::from_value::<Command>(serde_json::json!({ "type": name }))
            {
                assert!(
                    !error.to_string().contains("unknown variant"),
                    "{name}: {error}"
                );
            }
        }
        let charter: Command = serde_json::from_str(r#"{"type":"accept_charter"}"#).unwrap();
        assert_eq!(charter.name(), "accept_charter");
        assert_eq!(
            serde_json::to_value(Command::RaiseHand).unwrap()["type"],
            "raise_hand"
        );
        assert!(serde_json::from_str::<Command>(r#"{"type":"AcceptCharter"}"#).is_err());
    }
}
