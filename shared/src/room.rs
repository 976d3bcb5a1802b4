//! The server's whole view of a room: the public state plus who wrote which note.
//!
//! Authorship is needed to let an author, and only them, edit or delete a note, and to
//! tell a returning author which notes are theirs. It never leaves this struct except
//! towards the author's own connections.

use crate::event::Event;
use crate::ids::{NoteId, ParticipantId};
use crate::state::RoomState;
use std::collections::HashMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Room {
    pub state: RoomState,
    /// Every note id ever posted, with its author. Entries outlive deleted notes, so a
    /// retried post of a deleted note is recognised instead of posted again.
    authors: HashMap<NoteId, ParticipantId>,
    /// How many notes on the board each author has, kept by [`Room::apply`]: the limit
    /// on notes is checked at every post, and counting them over the whole board there
    /// was a tenth of the server's time in the load test (`docs/benchmarks.md`).
    on_board: HashMap<ParticipantId, usize>,
}

impl Room {
    pub fn new(state: RoomState) -> Self {
        Room {
            state,
            authors: HashMap::new(),
            on_board: HashMap::new(),
        }
    }

    /// Give back the room their collections reserved while growing (a room rebuilt from
    /// its log keeps up to twice what it holds otherwise; the server calls this once a
    /// stored room is loaded).
    pub fn shrink_to_fit(&mut self) {
        self.authors.shrink_to_fit();
        self.on_board.shrink_to_fit();
        let state = &mut self.state;
        state.participants.shrink_to_fit();
        state.timeline.shrink_to_fit();
        state.hands.shrink_to_fit();
        state.questions.shrink_to_fit();
        state.notes.shrink_to_fit();
        state.plan.shrink_to_fit();
        state.learnings.shrink_to_fit();
    }

    /// Who posted this note id, if it was ever posted.
    pub fn author_of(&self, note: &NoteId) -> Option<&ParticipantId> {
        self.authors.get(note)
    }

    /// How many notes on the board `participant` wrote (without listing them: this is
    /// checked at every posted note).
    pub fn count_notes_by(&self, participant: &ParticipantId) -> usize {
        self.on_board.get(participant).copied().unwrap_or(0)
    }

    /// The notes on the board written by `participant`, in board order.
    pub fn notes_by(&self, participant: &ParticipantId) -> Vec<NoteId> {
        self.state
            .notes
            .iter()
            .filter(|n| self.authors.get(&n.id) == Some(participant))
            .map(|n| n.id.clone())
            .collect()
    }

    /// Apply an event caused by `actor` (who sent the command, if anyone did).
    pub fn apply(&mut self, event: &Event, actor: Option<&ParticipantId>) {
        if let (Event::NotePosted { note }, Some(author)) = (event, actor) {
            self.authors
                .entry(note.id.clone())
                .or_insert_with(|| author.clone());
        }
        let notes_before = self.state.notes.len();
        self.state.apply(event);
        let notes_after = self.state.notes.len();
        // Whose note came or went, if one did.
        let changed = match event {
            Event::NotePosted { note } if notes_after > notes_before => Some(&note.id),
            Event::NoteDeleted { note_id } if notes_after < notes_before => Some(note_id),
            _ => None,
        };
        if let Some(author) = changed.and_then(|note| self.authors.get(note)) {
            let count = self.on_board.entry(author.clone()).or_default();
            if notes_after > notes_before {
                *count += 1;
            } else {
                *count = count.saturating_sub(1);
            }
        }
    }
}
