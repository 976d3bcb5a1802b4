//! The session's record as Markdown, for the client to download and keep.
//!
//! Built from the room state alone, so it holds exactly what every participant saw:
//! notes without authors, and hidden notes left out.

use crate::timeline::{self, Row};
use shared::RoomState;
use shared::i18n::{Texts, fill};
use shared::timer::Millis;

/// A file name for the record: the session title made safe for file systems.
pub fn file_name(state: &RoomState) -> String {
    markdown_file_name(&state.title)
}

/// `title` made safe for file systems, as a Markdown file's name.
pub fn markdown_file_name(title: &str) -> String {
    let slug: String = title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        "codev.md".to_owned()
    } else {
        format!("{slug}.md")
    }
}

/// Keep user text from being read as Markdown structure.
pub(crate) fn plain(text: &str) -> String {
    text.lines()
        .map(|line| {
            let escaped: String = line
                .chars()
                .flat_map(|c| match c {
                    '\\' | '`' | '*' | '_' | '#' | '[' | ']' | '<' | '>' | '|' => {
                        vec!['\\', c]
                    }
                    c => vec![c],
                })
                .collect();
            escaped
        })
        .collect::<Vec<_>>()
        .join("  \n")
}

/// The whole record.
pub fn markdown(state: &RoomState, texts: &Texts, now: Millis) -> String {
    let mut md = String::new();
    let name_of = |id: &shared::ParticipantId| {
        state
            .participant(id)
            .map(|p| plain(&p.name))
            .unwrap_or_default()
    };
    md.push_str(&format!("# {}\n\n", plain(&state.title)));

    md.push_str(&format!("## {}\n\n", texts.record_problem));
    match &state.problem {
        Some(problem) => md.push_str(&format!(
            "**{}**\n\n{}\n\n",
            plain(&problem.title),
            plain(&problem.summary)
        )),
        None => md.push_str(&format!("{}\n\n", texts.nothing_yet)),
    }

    md.push_str(&format!("## {}\n\n", texts.questions_heading));
    let questions: Vec<_> = state.questions.iter().filter(|q| !q.withdrawn).collect();
    if questions.is_empty() {
        md.push_str(&format!("{}\n\n", texts.nothing_yet));
    }
    for question in &questions {
        let answered = if question.answered {
            format!(" ({})", texts.answered_marker)
        } else {
            String::new()
        };
        md.push_str(&format!(
            "- **{}**{}{}{answered}\n",
            name_of(&question.author),
            texts.colon,
            plain(&question.text)
        ));
    }
    if !questions.is_empty() {
        md.push('\n');
    }

    md.push_str(&format!("## {}\n\n", texts.record_contract));
    match &state.contract {
        Some(contract) => md.push_str(&format!("> {}\n\n", plain(contract))),
        None => md.push_str(&format!("{}\n\n", texts.nothing_yet)),
    }

    let visible: Vec<_> = state.notes.iter().filter(|n| !n.hidden).collect();
    md.push_str(&format!("## {}\n\n", texts.record_notes));
    if visible.is_empty() {
        md.push_str(&format!("{}\n\n", texts.nothing_yet));
    }
    for note in &visible {
        let kept = if note.kept {
            format!(" ({})", texts.kept_marker)
        } else {
            String::new()
        };
        md.push_str(&format!(
            "- **{}**{kept}{}{}\n",
            texts.kind_name(note.kind),
            texts.colon,
            plain(&note.text)
        ));
    }
    md.push('\n');

    md.push_str(&format!("## {}\n\n", texts.record_kept));
    let kept: Vec<_> = visible.iter().filter(|n| n.kept).collect();
    if kept.is_empty() {
        md.push_str(&format!("{}\n\n", texts.nothing_yet));
    }
    for note in kept {
        md.push_str(&format!(
            "- **{}**{}{}\n",
            texts.kind_name(note.kind),
            texts.colon,
            plain(&note.text)
        ));
    }
    md.push('\n');

    md.push_str(&format!("## {}\n\n", texts.record_plan));
    if state.plan.is_empty() {
        md.push_str(&format!("{}\n\n", texts.nothing_yet));
    }
    for (i, action) in state.plan.iter().enumerate() {
        let due = action
            .due
            .as_deref()
            .map(|d| format!(" — {}", fill(texts.due_on, &[d])))
            .unwrap_or_default();
        md.push_str(&format!("{}. {}{due}\n", i + 1, plain(&action.text)));
    }
    md.push('\n');

    md.push_str(&format!("## {}\n\n", texts.record_learnings));
    if state.learnings.is_empty() {
        md.push_str(&format!("{}\n\n", texts.nothing_yet));
    }
    for learning in &state.learnings {
        md.push_str(&format!(
            "- **{}**{}{}\n",
            name_of(&learning.participant),
            texts.colon,
            plain(&learning.text)
        ));
    }
    md.push('\n');

    md.push_str(&format!("## {}\n\n", texts.timeline_heading));
    md.push_str(&format!(
        "| {} | {} | {} |\n|---|---|---|\n",
        texts.step_column, texts.planned, texts.actual
    ));
    for Row {
        step,
        planned_minutes,
        actual_ms,
    } in timeline::rows(state, now)
    {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            texts.step_name(step),
            fill(texts.minutes_short, &[&planned_minutes.to_string()]),
            fill(texts.minutes_short, &[&timeline::minutes(actual_ms)]),
        ));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::i18n::Lang;
    use shared::state::{Language, Note, NoteKind, Participant, Question, Role};
    use shared::{Event, NoteId, ParticipantId, QuestionId, Step};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn note(id: &str, text: &str, kept: bool, hidden: bool) -> Note {
        Note {
            id: NoteId::from(id),
            kind: NoteKind::Advice,
            text: text.into(),
            posted_at: 0,
            kept,
            hidden,
        }
    }

    #[wasm_bindgen_test]
    fn the_record_has_every_part_and_leaves_hidden_notes_out() {
        let mut state = RoomState::new("Séance: mars/2026", Language::Fr, 0);
        state.apply(&Event::ProblemSet {
            title: "Équipe".into(),
            summary: "Deux *services*".into(),
        });
        state.apply(&Event::ContractSet {
            text: "Des pistes".into(),
        });
        state.apply(&Event::NotePosted {
            note: note("a", "Parler", true, false),
        });
        state.apply(&Event::NotePosted {
            note: note("b", "Insulte", false, true),
        });
        state.apply(&Event::StepChanged {
            step: Step::Problem,
            at: 60_000,
        });
        let md = markdown(&state, Lang::Fr.texts(), 120_000);
        assert!(md.starts_with("# Séance: mars/2026\n"));
        assert!(md.contains("**Équipe**"));
        assert!(
            md.contains("Deux \\*services\\*"),
            "user text is escaped: {md}"
        );
        assert!(md.contains("> Des pistes"));
        assert!(md.contains("**Conseil** (gardé)\u{a0}: Parler"));
        assert!(!md.contains("Insulte"), "hidden notes are left out");
        assert!(md.contains("| Accueil | 10 min | 1 min |"), "{md}");
        assert_eq!(file_name(&state), "Séance-mars-2026.md");
    }

    #[wasm_bindgen_test]
    fn the_record_keeps_the_clarifying_questions_but_not_withdrawn_ones() {
        let mut state = RoomState::new("Séance", Language::Fr, 0);
        let bruno = ParticipantId::from("p-bruno");
        state.apply(&Event::ParticipantJoined {
            participant: Participant {
                id: bruno.clone(),
                name: "Bruno".into(),
                role: Role::Consultant,
                connected: true,
                charter_accepted: true,
            },
        });
        for (id, text) in [
            ("q1", "Depuis quand ?"),
            ("q2", "Qui décide *vraiment* ?"),
            ("q3", "Question retirée"),
        ] {
            state.apply(&Event::QuestionPosted {
                question: Question {
                    id: QuestionId::from(id),
                    author: bruno.clone(),
                    text: text.into(),
                    answered: false,
                    withdrawn: false,
                },
            });
        }
        state.apply(&Event::QuestionAnswered {
            question_id: QuestionId::from("q1"),
            answered: true,
        });
        state.apply(&Event::QuestionWithdrawn {
            question_id: QuestionId::from("q3"),
        });
        let texts = Lang::Fr.texts();
        let md = markdown(&state, texts, 0);
        let section = md
            .split("## ")
            .find(|s| s.starts_with("Questions de clarification"))
            .unwrap_or_else(|| panic!("no questions section:\n{md}"));
        let colon = texts.colon;
        assert!(
            section.contains(&format!("- **Bruno**{colon}Depuis quand ? (répondue)\n")),
            "{section}"
        );
        assert!(
            section.contains(&format!("- **Bruno**{colon}Qui décide \\*vraiment\\* ?\n")),
            "{section}"
        );
        assert!(
            !md.contains("Question retirée"),
            "withdrawn questions are left out"
        );
        // In the method's order: after the problem, before the contract.
        let at = |heading: &str| md.find(heading).unwrap_or(usize::MAX);
        assert!(at("## Problématique") < at("## Questions de clarification"));
        assert!(at("## Questions de clarification") < at("## Contrat"));
    }
}
