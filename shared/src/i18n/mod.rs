//! Every string the user reads, one table per language.
//!
//! Each language lives in its own file (`fr.rs`, `en.rs`) as one [`Texts`] value, so a
//! translator edits one place, and a string missing from a language is a compile error
//! rather than a blank on screen. French is the default language. Templates mark where
//! a value goes with `{}`; [`fill`] puts the values in.

mod en;
mod fr;

use crate::state::{NoteKind, Role};
use crate::{ErrorCode, Step};

/// The cookie in which the browser client keeps the person's choice of language, so
/// that pages the server writes (an invite link's first screen) start in it too.
pub const LANG_COOKIE: &str = "codev_lang";

/// A language the UI is translated into.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Lang {
    #[default]
    Fr,
    En,
}

impl Lang {
    /// Every supported language, default first.
    pub const ALL: [Lang; 2] = [Lang::Fr, Lang::En];

    /// The language for a BCP 47 tag such as `en-GB`, matching on the primary subtag.
    /// Anything unsupported falls back to the default, French.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        Lang::ALL
            .into_iter()
            .find(|lang| lang.tag().eq_ignore_ascii_case(primary))
            .unwrap_or_default()
    }

    /// The language for an HTTP `Accept-Language` header, chosen as the browser chooses
    /// for the page: its most preferred language (the highest `q`, the first of equals),
    /// read by [`Lang::from_tag`]. So the page the server writes is in the language the
    /// app itself starts in when nothing was chosen before (`navigator.language`).
    pub fn from_accept_language(header: &str) -> Lang {
        let mut best: Option<(&str, f32)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or_default().trim();
            if tag.is_empty() || tag == "*" {
                continue;
            }
            let weight = parts
                .filter_map(|param| param.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if weight > 0.0 && best.is_none_or(|(_, top)| weight > top) {
                best = Some((tag, weight));
            }
        }
        best.map(|(tag, _)| Lang::from_tag(tag)).unwrap_or_default()
    }

    /// The BCP 47 tag, for the `lang` attribute.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    /// The language's own name, for the language switch.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Fr => "Français",
            Lang::En => "English",
        }
    }

    /// The strings of this language.
    pub fn texts(self) -> &'static Texts {
        match self {
            Lang::Fr => &fr::TEXTS,
            Lang::En => &en::TEXTS,
        }
    }
}

/// Put `values` in place of the `{}` marks of `template`, in order.
pub fn fill(template: &str, values: &[&str]) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut values = values.iter();
    let mut parts = template.split("{}");
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    for part in parts {
        out.push_str(values.next().copied().unwrap_or(""));
        out.push_str(part);
    }
    out
}

macro_rules! texts {
    ($($(#[$doc:meta])* $field:ident),* $(,)?) => {
        /// The UI strings of one language.
        #[derive(Debug)]
        pub struct Texts {
            $($(#[$doc])* pub $field: &'static str,)*
            /// Step names, in [`Step::ALL`] order.
            pub step_names: [&'static str; 8],
            /// What each step is for and its rule, in a sentence or two.
            pub step_guides: [&'static str; 8],
            /// The same, addressed to the client, whose work most steps are.
            pub client_step_guides: [&'static str; 8],
            /// Month names, January first, for dates written out.
            pub month_names: [&'static str; 12],
            /// Whether a count of 0 takes the singular ("0 action" in French, "0
            /// actions" in English).
            pub zero_is_singular: bool,
            /// Role names, in [`Role::ALL`] order.
            pub role_names: [&'static str; 4],
            /// Note kinds, in [`NoteKind::ALL`] order.
            pub kind_names: [&'static str; 6],
            /// Error messages, by code.
            pub errors: fn(ErrorCode) -> &'static str,
        }

        impl Texts {
            /// Every plain string with its key, for checks that must cover the table.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                let mut all = vec![$((stringify!($field), self.$field)),*];
                all.extend(self.step_names.iter().map(|t| ("step_names", *t)));
                all.extend(self.step_guides.iter().map(|t| ("step_guides", *t)));
                all.extend(self.client_step_guides.iter().map(|t| ("client_step_guides", *t)));
                all.extend(self.month_names.iter().map(|t| ("month_names", *t)));
                all.extend(self.role_names.iter().map(|t| ("role_names", *t)));
                all.extend(self.kind_names.iter().map(|t| ("kind_names", *t)));
                all
            }
        }
    };
}

texts! {
    app_title, tagline, language_label,
    // Home: creating a session.
    create_heading, create_intro, session_title_label, session_title_placeholder,
    create_button, creating, created_heading, invite_link_label, invite_link_help,
    facilitator_link_label, facilitator_link_help, copy, copied, enter_as_facilitator,
    // Joining.
    join_heading, join_intro, your_name_label, name_placeholder, join_as_observer,
    join_button, facilitator_join_intro,
    // Connection.
    status_connecting, status_live, status_reconnecting,
    /// `{}` pending commands, singular and plural ([`Texts::count`]).
    status_waiting_one, status_waiting_other,
    status_unconfirmed_one, status_unconfirmed_other,
    fatal_heading, back_home, retry_now, bye_shutting_down, bye_slow, bye_deleted,
    // Header and timer.
    step_number, timer_label, timer_over, timer_paused, timer_not_started,
    // Facilitator controls.
    controls_heading, previous_step, next_step, jump_to, start_timer, pause_timer,
    resume_timer, extend_one, extend_five, close_session, close_confirm,
    leave_welcome_confirm_one, leave_welcome_confirm_other,
    planned_minutes_label, set_duration,
    // People, hands and the floor.
    people_heading, present, away, you_marker, charter_ok, charter_pending,
    pick_client_label, pick_client_button, no_client_yet,
    hands_heading, raise_hand, lower_hand, no_hands, give_floor, take_floor,
    floor_label, nobody_has_floor, hand_position, your_turn, your_turn_round,
    floor_bar_label,
    jump_to_controls,
    // The facilitator's welcome checklist.
    welcome_todo_heading, charter_progress, welcome_pick_hint,
    welcome_next_hint,
    // Charter.
    charter_heading, charter_text, accept_charter, charter_accepted,
    // Problem.
    problem_heading, problem_title_label, problem_summary_label, save, problem_waiting,
    problem_waiting_yours,
    // Clarification.
    questions_heading, question_label, post_question, withdraw, mark_answered,
    mark_unanswered, answered_marker, no_questions,
    // Contract.
    contract_heading, contract_label, contract_prefix, contract_waiting,
    contract_waiting_yours,
    // Exploration.
    notes_heading, note_kind_label, note_text_label, post_note, mine_marker, edit,
    delete, cancel, keep, unkeep, kept_marker, hide, unhide, hidden_note, no_notes,
    anonymous_hint, editing_note, not_sent_yet, kept_hidden_note,
    // Action plan.
    plan_heading, action_label, due_label, add_action, move_up, move_down, remove,
    kept_notes_heading, no_kept_notes, no_actions, due_on,
    /// A date written out: `{d}` the day, `{m}` the month's name, `{y}` the year.
    date_format, first_of_month,
    // Closing round.
    round_heading, speaking_now, next_up, round_over, advance_round, learning_label,
    write_learning, learnings_heading, no_learnings,
    // The record.
    record_heading, record_intro, download_markdown, print, timeline_heading, planned,
    actual, minutes_short, running_late, on_time, record_problem, record_contract,
    record_notes, record_kept, record_plan, record_learnings, nothing_yet,
    // Errors.
    error_prefix, dismiss,
    // The invite page's lookup, the room's side columns, the timeline's step column.
    join_looking_up, session_closed_named, side_top_label, side_bottom_label, step_column,
    /// Between a label and its value: " : " in French, ": " in English.
    colon,
    // A group's series as a calendar file: each session's title (group, number, count),
    // and its description (the group page's address, the call's).
    series_event_title, series_event_page, series_event_call, download_calendar, online, session_call_link_help,
    delete_group, delete_group_confirm, group_deleted, delete_session, delete_session_confirm,
    /// A title quoted in a sentence: « … » in French, “…” in English.
    quoted, not_yet_client, already_client_confirm,
    topics_heading, no_proposals, propose_heading, proposal_title_label, proposal_line_label, propose_button, proposed_by, vote_button, unvote_button,
    vote_one, vote_other, your_choice, ballot_note, pick_topic, picked_topic, follow_ups_heading, follow_status_label, follow_word_label,
    open_session_numbered, session_started,
    follow_done, follow_in_progress, follow_dropped, follow_none, plans_heading, client_named, download_series,
    remove_member_confirm, session_run_by, group_settings_heading, group_charter_label, charter_change_note,
    // Groups: the start page's two ways, creating and joining a group, the group page.
    home_single, home_group, create_group_intro, group_name_label, group_name_placeholder,
    call_link_label, call_link_help, create_group_button, group_created_heading,
    group_invite_label, group_invite_help, group_key_label, group_key_help, open_group,
    join_group_heading, join_group_intro, call_link_button, members_heading, you_suffix,
    group_facilitator_role, series_heading, no_sessions_planned, session_numbered,
    session_planned, session_live, session_ended, series_plan_heading, plan_count_label,
    plan_first_label, plan_spread, plan_date_label, plan_save, plan_saved,
    personal_link_label, personal_link_help, charter_changed, leave_group,
    leave_group_confirm, left_group,
}

impl Texts {
    pub fn step_name(&self, step: Step) -> &'static str {
        self.step_names[step as usize]
    }

    pub fn step_guide(&self, step: Step) -> &'static str {
        self.step_guides[step as usize]
    }

    /// The step's guide as the client reads it: addressed to them.
    pub fn client_step_guide(&self, step: Step) -> &'static str {
        self.client_step_guides[step as usize]
    }

    /// `one` or `other` filled with `n`, by the language's plural rule.
    pub fn count(&self, n: usize, one: &str, other: &str) -> String {
        let singular = n == 1 || (n == 0 && self.zero_is_singular);
        fill(if singular { one } else { other }, &[&n.to_string()])
    }

    /// A `YYYY-MM-DD` date written out in this language, with non-breaking spaces so
    /// it never breaks across lines; anything else is shown as it is.
    pub fn date(&self, iso: &str) -> String {
        let mut parts = iso.splitn(3, '-').map(str::parse::<u32>);
        let (Some(Ok(year)), Some(Ok(month)), Some(Ok(day))) =
            (parts.next(), parts.next(), parts.next())
        else {
            return iso.to_owned();
        };
        let Some(month_name) = month
            .checked_sub(1)
            .and_then(|m| self.month_names.get(m as usize))
        else {
            return iso.to_owned();
        };
        let day = if day == 1 {
            self.first_of_month.to_owned()
        } else {
            day.to_string()
        };
        self.date_format
            .replace("{d}", &day)
            .replace("{m}", month_name)
            .replace("{y}", &year.to_string())
    }

    pub fn role_name(&self, role: Role) -> &'static str {
        self.role_names[Role::ALL.iter().position(|r| *r == role).unwrap_or(0)]
    }

    pub fn kind_name(&self, kind: NoteKind) -> &'static str {
        self.kind_names[NoteKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)]
    }

    pub fn error(&self, code: ErrorCode) -> &'static str {
        (self.errors)(code)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn french_is_the_default() {
        assert_eq!(Lang::default(), Lang::Fr);
        assert_eq!(Lang::ALL[0], Lang::default());
    }

    #[test]
    fn accept_language_picks_the_most_preferred_language() {
        assert_eq!(
            Lang::from_accept_language("en-GB,en;q=0.9,fr;q=0.8"),
            Lang::En
        );
        assert_eq!(
            Lang::from_accept_language("fr-FR,fr;q=0.9,en;q=0.8"),
            Lang::Fr
        );
        assert_eq!(Lang::from_accept_language("de;q=0.5, en;q=0.9"), Lang::En);
        // The most preferred is unsupported: the default, as in the app.
        assert_eq!(Lang::from_accept_language("de-DE,en;q=0.5"), Lang::Fr);
        assert_eq!(Lang::from_accept_language("*, en;q=0.1"), Lang::En);
        assert_eq!(Lang::from_accept_language("en;q=0"), Lang::Fr);
        assert_eq!(Lang::from_accept_language(""), Lang::Fr);
        assert_eq!(Lang::from_accept_language(";;,q=x"), Lang::Fr);
    }

    #[test]
    fn tags_pick_the_language_by_primary_subtag() {
        assert_eq!(Lang::from_tag("fr-CA"), Lang::Fr);
        assert_eq!(Lang::from_tag("EN-gb"), Lang::En);
        assert_eq!(Lang::from_tag("en_US"), Lang::En);
        assert_eq!(Lang::from_tag("de-DE"), Lang::Fr);
        assert_eq!(Lang::from_tag(""), Lang::Fr);
    }

    #[test]
    fn every_language_fills_every_string_with_the_same_marks() {
        let french = Lang::Fr.texts().entries();
        for lang in Lang::ALL {
            let entries = lang.texts().entries();
            assert_eq!(entries.len(), french.len());
            for ((key, text), (_, fr)) in entries.iter().zip(&french) {
                assert!(!text.trim().is_empty(), "{lang:?} leaves `{key}` empty");
                assert_eq!(
                    text.matches("{}").count(),
                    fr.matches("{}").count(),
                    "{lang:?} `{key}` has other placeholders than French"
                );
            }
        }
    }

    #[test]
    fn every_error_code_has_a_message_in_every_language() {
        for lang in Lang::ALL {
            for code in ErrorCode::ALL {
                assert!(!lang.texts().error(code).is_empty(), "{lang:?} {code:?}");
            }
        }
        assert_ne!(
            Lang::Fr.texts().error(ErrorCode::Forbidden),
            Lang::En.texts().error(ErrorCode::Forbidden)
        );
    }

    #[test]
    fn counts_take_each_languages_plural_form() {
        let (fr, en) = (Lang::Fr.texts(), Lang::En.texts());
        let waiting = |t: &Texts, n| t.count(n, t.status_waiting_one, t.status_waiting_other);
        assert_eq!(waiting(fr, 0), "0\u{a0}action en attente d'envoi");
        assert_eq!(waiting(fr, 1), "1\u{a0}action en attente d'envoi");
        assert_eq!(waiting(fr, 2), "2\u{a0}actions en attente d'envoi");
        assert_eq!(waiting(en, 0), "0 actions waiting to be sent");
        assert_eq!(waiting(en, 1), "1 action waiting to be sent");
        for lang in Lang::ALL {
            for (key, text) in lang.texts().entries() {
                assert!(
                    !text.contains("(s)"),
                    "{lang:?} `{key}` writes a plural as (s)"
                );
            }
        }
    }

    #[test]
    fn dates_are_written_out_in_each_language() {
        let (fr, en) = (Lang::Fr.texts(), Lang::En.texts());
        assert_eq!(fr.date("2027-01-15"), "15\u{a0}janvier\u{a0}2027");
        assert_eq!(fr.date("2027-03-01"), "1er\u{a0}mars\u{a0}2027");
        assert_eq!(en.date("2027-01-15"), "January\u{a0}15, 2027");
        assert_eq!(en.date("2027-03-01"), "March\u{a0}1, 2027");
        assert_eq!(fr.date("bientôt"), "bientôt");
        assert_eq!(fr.date("2027-13-01"), "2027-13-01");
    }

    /// French puts a non-breaking space before `:`, `;`, `!`, `?` and inside « »,
    /// so that they never start a line on a narrow screen.
    #[test]
    fn french_punctuation_keeps_its_non_breaking_spaces() {
        for (key, text) in Lang::Fr.texts().entries() {
            let chars: Vec<char> = text.chars().collect();
            for (i, c) in chars.iter().enumerate() {
                let before = i.checked_sub(1).map(|j| chars[j]);
                let after = chars.get(i + 1);
                let tall = matches!(c, ':' | ';' | '!' | '?' | '»');
                assert!(
                    !(tall && before == Some(' ')),
                    "`{key}`: a breaking space before {c:?} in {text:?}"
                );
                assert!(
                    !(*c == '«' && after == Some(&' ')),
                    "`{key}`: a breaking space after « in {text:?}"
                );
            }
        }
        assert_eq!(Lang::Fr.texts().colon, "\u{a0}: ");
    }

    #[test]
    fn fill_puts_values_in_order() {
        assert_eq!(fill("Étape {} sur {}", &["2", "6"]), "Étape 2 sur 6");
        assert_eq!(fill("no marks", &["x"]), "no marks");
        assert_eq!(fill("{} left", &[]), " left");
    }
}
