//! A group's series as Markdown, for members to download and keep: the sessions' dates
//! and states, each closed session's client and problem title, and each action plan with
//! its follow-up. Built from the group's state alone, which holds nothing more: no
//! session's notes, questions or contract (those stay in each session's own record).

use crate::record::plain;
use shared::group::{ActionStatus, GroupState, SessionState};
use shared::i18n::{Texts, fill};

/// The words for where an action stands.
fn status(texts: &Texts, status: ActionStatus) -> &'static str {
    match status {
        ActionStatus::Done => texts.follow_done,
        ActionStatus::InProgress => texts.follow_in_progress,
        ActionStatus::Dropped => texts.follow_dropped,
    }
}

/// The summary; `when` writes a session's date and time.
pub fn markdown(group: &GroupState, texts: &Texts, when: impl Fn(u64) -> String) -> String {
    let name_of = |id| group.member(id).map(|m| plain(&m.name)).unwrap_or_default();
    let mut md = format!(
        "# {}\n\n## {}\n\n",
        plain(&group.name),
        texts.series_heading
    );
    if group.series.is_empty() {
        md.push_str(&format!("{}\n\n", texts.no_sessions_planned));
    }
    for (index, session) in group.series.iter().enumerate() {
        let state = match session.state {
            SessionState::Planned => texts.session_planned,
            SessionState::Live => texts.session_live,
            SessionState::Closed => texts.session_ended,
        };
        md.push_str(&format!("{}. {} · {state}", index + 1, when(session.at)));
        if let Some(summary) = &session.summary {
            md.push_str(&format!(
                " · {} · {}",
                fill(texts.client_named, &[&name_of(&summary.client)]),
                fill(texts.quoted, &[&plain(&summary.problem_title)])
            ));
        }
        md.push('\n');
    }
    let closed: Vec<_> = group
        .series
        .iter()
        .enumerate()
        .filter_map(|(index, session)| session.summary.as_ref().map(|s| (index, s)))
        .collect();
    if !closed.is_empty() {
        md.push_str(&format!("\n## {}\n", texts.plans_heading));
    }
    for (index, summary) in closed {
        md.push_str(&format!(
            "\n### {} · {} · {}\n\n",
            fill(texts.session_numbered, &[&(index + 1).to_string()]),
            name_of(&summary.client),
            fill(texts.quoted, &[&plain(&summary.problem_title)])
        ));
        if summary.plan.is_empty() {
            md.push_str(&format!("{}\n", texts.nothing_yet));
        }
        for followed in &summary.plan {
            let due = followed
                .action
                .due
                .as_deref()
                .map(|due| format!(" ({})", fill(texts.due_on, &[&texts.date(due)])))
                .unwrap_or_default();
            let follow_up = match &followed.follow_up {
                Some(follow_up) if follow_up.word.trim().is_empty() => {
                    status(texts, follow_up.status).to_owned()
                }
                Some(follow_up) => format!(
                    "{}{}{}",
                    status(texts, follow_up.status),
                    texts.colon,
                    plain(&follow_up.word)
                ),
                None => texts.follow_none.to_owned(),
            };
            md.push_str(&format!(
                "- {}{due} — {follow_up}\n",
                plain(&followed.action.text)
            ));
        }
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::group::{
        FollowUp, FollowedAction, GroupRole, Member, PlannedSession, SessionSummary, Standing,
    };
    use shared::i18n::Lang;
    use shared::state::Action;
    use shared::{ActionId, GroupCode, ParticipantId};
    use wasm_bindgen_test::wasm_bindgen_test;

    fn member(id: &str, name: &str) -> Member {
        Member {
            id: ParticipantId::new(id),
            name: name.into(),
            role: GroupRole::Member,
            charter_accepted: 1,
            standing: Standing::Active,
        }
    }

    fn action(
        id: &str,
        text: &str,
        due: Option<&str>,
        follow_up: Option<FollowUp>,
    ) -> FollowedAction {
        FollowedAction {
            action: Action {
                id: ActionId::new(id),
                text: text.into(),
                due: due.map(Into::into),
            },
            follow_up,
        }
    }

    #[wasm_bindgen_test]
    fn the_summary_has_each_session_its_client_and_each_plan_with_its_follow_up() {
        let mut group = GroupState::new(GroupCode::new("g"), "Codév *du* lundi".into(), 0);
        group.members = vec![member("ana", "Ana"), member("bruno", "Bruno")];
        let session = |at, state, summary| PlannedSession {
            at,
            state,
            room: None,
            facilitator: None,
            summary,
        };
        group.series = vec![
            session(
                1,
                SessionState::Closed,
                Some(SessionSummary {
                    client: ParticipantId::new("ana"),
                    problem_title: "Déléguer".into(),
                    plan: vec![
                        action(
                            "a1",
                            "Lister ce que je délègue",
                            Some("2027-02-01"),
                            Some(FollowUp {
                                status: ActionStatus::Done,
                                word: String::new(),
                            }),
                        ),
                        action(
                            "a2",
                            "En parler à l'équipe",
                            None,
                            Some(FollowUp {
                                status: ActionStatus::InProgress,
                                word: "une réunion sur deux".into(),
                            }),
                        ),
                        action("a3", "Tout refaire", None, None),
                    ],
                }),
            ),
            session(2, SessionState::Planned, None),
        ];
        let md = markdown(&group, Lang::Fr.texts(), |at| format!("jour {at}"));
        assert!(md.starts_with("# Codév \\*du\\* lundi\n"), "{md}");
        assert!(
            md.contains("1. jour 1 · terminée · client·e\u{a0}: Ana · «\u{a0}Déléguer\u{a0}»\n"),
            "{md}"
        );
        assert!(md.contains("2. jour 2 · prévue\n"), "{md}");
        assert!(
            md.contains("### Séance 1 · Ana · «\u{a0}Déléguer\u{a0}»"),
            "{md}"
        );
        assert!(
            md.contains("- Lister ce que je délègue (pour le 1er\u{a0}février\u{a0}2027) — fait\n"),
            "{md}"
        );
        assert!(
            md.contains("- En parler à l'équipe — en cours\u{a0}: une réunion sur deux\n"),
            "{md}"
        );
        assert!(
            md.contains("- Tout refaire — pas encore de suivi\n"),
            "{md}"
        );
        assert!(!md.contains("Bruno"), "nobody else's name: {md}");
    }
}
