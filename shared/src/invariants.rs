//! What must hold of every room, whatever commands it received.
//!
//! Property tests call [`check`] after every step; a broken invariant is a bug in
//! `decide` or `apply`. What a client sees of a room (a snapshot's [`RoomState`], without
//! the private authorship) is checked by [`check_state`], and [`check_bounds`] checks that
//! every text and count in it is within the limits; the fuzz test over the wire uses
//! both on the snapshot a fresh connection receives.

use crate::ids::is_valid_client_id;
use crate::limits::Limits;
use crate::room::Room;
use crate::state::{Role, RoomState};
use crate::step::Step;
use std::collections::HashSet;
use std::hash::Hash;

fn unique<T: Eq + Hash>(items: impl IntoIterator<Item = T>) -> bool {
    let mut seen = HashSet::new();
    items.into_iter().all(|item| seen.insert(item))
}

/// Check every invariant; the error says which one broke.
pub fn check(room: &Room) -> Result<(), String> {
    check_state(&room.state)?;
    if room
        .state
        .notes
        .iter()
        .any(|n| room.author_of(&n.id).is_none())
    {
        return Err("every note has an author in the private state".to_owned());
    }
    for author in room
        .state
        .notes
        .iter()
        .filter_map(|n| room.author_of(&n.id))
    {
        let counted = room
            .state
            .notes
            .iter()
            .filter(|n| room.author_of(&n.id) == Some(author))
            .count();
        if room.count_notes_by(author) != counted {
            return Err(format!(
                "{author} has {counted} notes on the board, counted {}",
                room.count_notes_by(author)
            ));
        }
    }
    Ok(())
}

/// Check every invariant that the public state alone can show.
pub fn check_state(s: &RoomState) -> Result<(), String> {
    let fail = |what: &str| Err(what.to_owned());
    if !unique(s.participants.iter().map(|p| &p.id)) {
        return fail("participant ids are unique");
    }
    let count = |role| s.participants.iter().filter(|p| p.role == role).count();
    if count(Role::Facilitator) > 1 || count(Role::Client) > 1 {
        return fail("at most one facilitator and one client");
    }
    if !unique(s.hands.iter().map(|h| &h.participant)) {
        return fail("a hand is raised at most once");
    }
    if s.hands.iter().any(|h| {
        !s.participant(&h.participant)
            .is_some_and(|p| p.role.takes_part())
    }) {
        return fail("raised hands belong to participants who take part");
    }
    if s.hands.windows(2).any(|w| w[0].raised_at > w[1].raised_at) {
        return fail("the hand queue is ordered by time of raising");
    }
    if let Some(floor) = &s.floor {
        if s.participant(floor).is_none() {
            return fail("the floor belongs to a participant");
        }
        if s.has_hand_raised(floor) {
            return fail("whoever has the floor is not also in the queue");
        }
    }
    if !unique(s.notes.iter().map(|n| &n.id))
        || !unique(s.questions.iter().map(|q| &q.id))
        || !unique(s.plan.iter().map(|a| &a.id))
    {
        return fail("note, question and action ids are unique");
    }
    if s.notes.iter().any(|n| n.text.trim().is_empty()) {
        return fail("notes are never empty");
    }
    if !unique(s.learnings.iter().map(|l| &l.participant)) {
        return fail("one learning per participant");
    }
    if let Some(round) = &s.round
        && round.current > round.order.len()
    {
        return fail("the round's turn is within its order");
    }
    if (s.step == Step::Closed) != s.closed_at.is_some() {
        return fail("a room is closed exactly when it has a closing time");
    }
    let open_visits = s.timeline.iter().filter(|v| v.ended_at.is_none()).count();
    let expected_open = usize::from(s.step != Step::Closed);
    if open_visits != expected_open {
        return fail("only the current step's visit is open");
    }
    if s.step != Step::Closed && s.timeline.last().map(|v| v.step) != Some(s.step) {
        return fail("the timeline ends with the current step");
    }
    if s.timeline
        .iter()
        .any(|v| v.ended_at.is_some_and(|end| end < v.started_at))
    {
        return fail("a step never ends before it starts");
    }
    Ok(())
}

/// Check that everything in the state is within `limits`: whatever was sent, no text is
/// longer and no list is longer than the rules allow.
pub fn check_bounds(s: &RoomState, limits: &Limits) -> Result<(), String> {
    let chars = |text: &str| text.chars().count();
    let fail = |what: &str| Err(format!("within bounds: {what}"));
    if s.participants.len() > limits.participants {
        return fail("participants per room");
    }
    if s.participants
        .iter()
        .any(|p| chars(&p.name) > limits.name_chars)
    {
        return fail("names");
    }
    if let Some(problem) = &s.problem
        && (chars(&problem.title) > limits.problem_title_chars
            || chars(&problem.summary) > limits.problem_summary_chars)
    {
        return fail("the problem");
    }
    if s.contract
        .as_deref()
        .is_some_and(|c| chars(c) > limits.contract_chars)
    {
        return fail("the contract");
    }
    if s.questions
        .iter()
        .any(|q| chars(&q.text) > limits.question_chars)
    {
        return fail("question cards");
    }
    if s.notes.iter().any(|n| chars(&n.text) > limits.note_chars) {
        return fail("notes");
    }
    if s.notes.len() > s.participants.len() * limits.notes_per_participant {
        return fail("notes per participant");
    }
    if s.plan.len() > limits.actions || s.plan.iter().any(|a| chars(&a.text) > limits.action_chars)
    {
        return fail("the action plan");
    }
    if s.learnings
        .iter()
        .any(|l| chars(&l.text) > limits.learning_chars)
    {
        return fail("learnings");
    }
    let ids = s
        .notes
        .iter()
        .map(|n| n.id.as_str())
        .chain(s.questions.iter().map(|q| q.id.as_str()))
        .chain(s.plan.iter().map(|a| a.id.as_str()));
    if ids
        .into_iter()
        .any(|id| !is_valid_client_id(id, limits.id_chars))
    {
        return fail("client-made ids");
    }
    Ok(())
}
