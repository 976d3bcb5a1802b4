//! What a new group is made with: its name, and its optional call link and charter, each
//! checked against the bounds of [`Limits`] as the commands that change them later are
//! (`POST /api/groups`, `docs/protocol.md`).

use super::GroupEvent;
use crate::limits::Limits;
use crate::logic::values::{optional_text, text};
use crate::rejection::{ErrorCode, Rejection};

/// A new group's details, checked: its name, and the events that give it what it was
/// created with beyond the name (its call link, its own charter), to apply and store
/// as its first events.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewGroupDetails {
    pub name: String,
    pub events: Vec<GroupEvent>,
}

/// Check what a group is created with.
pub fn decide_create(
    name: &str,
    link: Option<&str>,
    charter: Option<&str>,
    limits: &Limits,
) -> Result<NewGroupDetails, Rejection> {
    let name = text(name, limits.group_name_chars, "group's name")?;
    let mut events = Vec::new();
    if let Some(link) = call_link(link, limits)? {
        events.push(GroupEvent::DetailsSet {
            name: name.clone(),
            call_link: Some(link),
        });
    }
    if let Some(charter) = charter {
        events.push(GroupEvent::CharterSet {
            // The charter it starts with is its first version, as the default is.
            text: Some(text(charter, limits.charter_chars, "charter")?),
            version: 1,
        });
    }
    Ok(NewGroupDetails { name, events })
}

/// A video-call link, a group's or a single session's: empty means none; otherwise an
/// `https://` address without spaces, within its length.
pub fn call_link(link: Option<&str>, limits: &Limits) -> Result<Option<String>, Rejection> {
    let link = optional_text(link.unwrap_or(""), limits.call_link_chars, "link")?;
    if link.is_empty() {
        return Ok(None);
    }
    let well_formed = link.len() > "https://".len()
        && link.starts_with("https://")
        && !link.chars().any(char::is_whitespace);
    if !well_formed {
        return Err(Rejection::new(
            ErrorCode::InvalidValue,
            "the call link is an https:// address",
        ));
    }
    Ok(Some(link))
}
