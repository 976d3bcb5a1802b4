//! A group's series as an iCalendar file (RFC 5545): one event per planned session, so
//! that each member adds the whole series to their own calendar in one step, without an
//! account or an e-mail. Each event names the group and the session's number, lasts the
//! method's three hours, and carries the group page's address (and the call's, if the
//! group has one) as its link and in its description.
//!
//! Event ids are stable across downloads (a second download updates the events instead
//! of doubling them) and say nothing of the group's code, which is a secret: they are
//! made from its digest.

use chrono::{DateTime, Utc};
use icalendar::{Calendar, Component, Event, EventLike};
use sha2::{Digest, Sha256};
use shared::group::GroupState;
use shared::i18n::{Lang, fill};
use shared::timer::Millis;

/// How long a session lasts in members' calendars: the method's "about three hours".
pub const SESSION_LENGTH_MS: Millis = 3 * 60 * 60 * 1000;

/// The series of `group` as the text of an `.ics` file, in `lang`; `page` is the group
/// page's address, `now` the moment the file is made (its events' `DTSTAMP`).
pub fn series_ics(group: &GroupState, page: &str, lang: Lang, now: Millis) -> String {
    let texts = lang.texts();
    let stamp = utc(now);
    let digest = Sha256::digest(group.code.as_str().as_bytes());
    let id_base: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    let count = group.series.len().to_string();
    let mut description = fill(texts.series_event_page, &[page]);
    if let Some(call) = &group.call_link {
        description.push('\n');
        description.push_str(&fill(texts.series_event_call, &[call]));
    }
    let mut calendar = Calendar::new();
    calendar.name(&group.name);
    for (index, session) in group.series.iter().enumerate() {
        let number = (index + 1).to_string();
        let mut event = Event::new();
        event
            .uid(&format!("{id_base}-{number}@codev"))
            .timestamp(stamp)
            .summary(&fill(
                texts.series_event_title,
                &[&group.name, &number, &count],
            ))
            .starts(utc(session.at))
            .ends(utc(session.at.saturating_add(SESSION_LENGTH_MS)))
            .description(&description)
            .url(page);
        if let Some(call) = &group.call_link {
            event.location(call);
        }
        calendar.push(event.done());
    }
    calendar.done().to_string()
}

/// A moment in the protocol's milliseconds as a UTC date and time (the epoch itself
/// for one out of range, which no validated date is).
fn utc(at: Millis) -> DateTime<Utc> {
    i64::try_from(at)
        .ok()
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use icalendar::{CalendarDateTime, DatePerhapsTime};
    use shared::group::{PlannedSession, SessionState};
    use shared::ids::GroupCode;

    /// 2027-01-11 09:00 UTC, then a month apart.
    const FIRST: Millis = 1_799_658_000_000;
    const MONTH: Millis = 28 * 24 * 60 * 60 * 1000;

    fn group(call: Option<&str>, sessions: usize) -> GroupState {
        let mut group = GroupState::new(
            GroupCode::new("grp-secret-code"),
            "Groupe du lundi; «\u{a0}managers\u{a0}», promo 3".into(),
            0,
        );
        group.call_link = call.map(str::to_owned);
        group.series = (0..sessions)
            .map(|index| PlannedSession {
                at: FIRST + index as Millis * MONTH,
                state: SessionState::Planned,
                room: None,
                facilitator: None,
                summary: None,
            })
            .collect();
        group
    }

    fn start_of(event: &Event) -> DateTime<Utc> {
        match event.get_start() {
            Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(at))) => at,
            other => panic!("a start in UTC, not {other:?}"),
        }
    }

    #[test]
    fn each_planned_session_is_an_event_a_calendar_reads_back() {
        let page = "https://codev.example.org/g/grp-secret-code";
        let text = series_ics(
            &group(Some("https://visio.example.org/lundi"), 5),
            page,
            Lang::Fr,
            FIRST - MONTH,
        );
        let calendar: Calendar = text.parse().expect("a calendar");
        let events: Vec<&Event> = calendar.events().collect();
        assert_eq!(events.len(), 5);
        for (index, event) in events.iter().enumerate() {
            let start = start_of(event);
            assert_eq!(
                start.timestamp_millis() as Millis,
                FIRST + index as Millis * MONTH
            );
            match event.get_end() {
                Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(end))) => {
                    assert_eq!((end - start).num_hours(), 3);
                }
                other => panic!("an end in UTC, not {other:?}"),
            }
            assert_eq!(
                event.get_summary(),
                Some(
                    format!(
                        "Groupe du lundi; «\u{a0}managers\u{a0}», promo 3 · séance {} sur 5",
                        index + 1
                    )
                    .as_str()
                )
            );
            assert_eq!(event.get_url(), Some(page));
            assert_eq!(
                event.get_location(),
                Some("https://visio.example.org/lundi")
            );
            let description = event.get_description().expect("a description");
            assert!(description.contains(page), "{description}");
            assert!(description.contains("La visio"), "{description}");
            assert_eq!(
                event
                    .get_timestamp()
                    .map(|at| at.timestamp_millis() as Millis),
                Some(FIRST - MONTH)
            );
        }
    }

    #[test]
    fn event_ids_are_stable_distinct_and_keep_the_group_code_secret() {
        let text = |now| series_ics(&group(None, 3), "https://x/g/c", Lang::En, now);
        let ids = |text: &str| -> Vec<String> {
            let calendar: Calendar = text.parse().expect("a calendar");
            calendar
                .events()
                .map(|event| event.get_uid().expect("a UID").to_owned())
                .collect()
        };
        let first = ids(&text(FIRST));
        assert_eq!(
            first,
            ids(&text(FIRST + MONTH)),
            "a new download, the same ids"
        );
        assert_eq!(first.len(), 3);
        assert!(first[0] != first[1] && first[1] != first[2]);
        for id in &first {
            assert!(!id.contains("grp-secret-code"), "{id}");
        }
        let calendar: Calendar = text(FIRST).parse().expect("a calendar");
        let event = calendar.events().next().expect("an event");
        assert_eq!(event.get_location(), None);
        assert_eq!(
            event.get_summary(),
            Some("Groupe du lundi; «\u{a0}managers\u{a0}», promo 3 · session 1 of 3")
        );
    }

    #[test]
    fn a_series_without_dates_yet_is_an_empty_calendar() {
        let calendar: Calendar = series_ics(&group(None, 0), "https://x/g/c", Lang::Fr, FIRST)
            .parse()
            .expect("a calendar");
        assert_eq!(calendar.events().count(), 0);
    }
}
