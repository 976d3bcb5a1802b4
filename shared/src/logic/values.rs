//! Checks on the values a command carries (texts, client-made ids, due dates), and the
//! refusal for something that does not exist: small pure helpers `decide` shares.

use crate::ids::is_valid_client_id;
use crate::limits::Limits;
use crate::rejection::{ErrorCode, Rejection};

/// Trim a text and check it is present and within `max` characters.
pub(crate) fn text(value: &str, max: usize, what: &str) -> Result<String, Rejection> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(Rejection::new(
            ErrorCode::EmptyText,
            format!("the {what} is empty"),
        ));
    }
    optional_text(trimmed, max, what)
}

/// Trim a text that may be empty and check its length.
pub(crate) fn optional_text(value: &str, max: usize, what: &str) -> Result<String, Rejection> {
    let trimmed = value.trim();
    if trimmed.chars().count() > max {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            format!("the {what} is longer than {max} characters"),
        ));
    }
    Ok(trimmed.to_owned())
}

/// Check a client-made id.
pub(crate) fn client_id(id: &str, limits: &Limits) -> Result<(), Rejection> {
    if is_valid_client_id(id, limits.id_chars) {
        Ok(())
    } else {
        Err(Rejection::new(
            ErrorCode::InvalidValue,
            format!(
                "ids are 1 to {} characters from A-Z, a-z, 0-9, - and _",
                limits.id_chars
            ),
        ))
    }
}

/// A due date: empty means none; otherwise a real calendar date as `YYYY-MM-DD`.
pub(super) fn due_date(due: &Option<String>) -> Result<Option<String>, Rejection> {
    let Some(raw) = due.as_deref().map(str::trim).filter(|d| !d.is_empty()) else {
        return Ok(None);
    };
    let invalid = || Rejection::new(ErrorCode::InvalidValue, "a due date is YYYY-MM-DD");
    let bytes = raw.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(invalid());
    }
    let number = |range: std::ops::Range<usize>| -> Result<u32, Rejection> {
        let part = &raw[range];
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().map_err(|_| invalid())
        } else {
            Err(invalid())
        }
    };
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return Err(invalid()),
    };
    if year < 1970 || day == 0 || day > days_in_month {
        return Err(invalid());
    }
    Ok(Some(raw.to_owned()))
}

pub(crate) fn not_found(what: &str) -> Rejection {
    Rejection::new(ErrorCode::NotFound, format!("no such {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_dates_must_be_real_calendar_days() {
        assert_eq!(due_date(&None), Ok(None));
        assert_eq!(due_date(&Some("  ".into())), Ok(None));
        assert_eq!(
            due_date(&Some("2024-02-29".into())),
            Ok(Some("2024-02-29".into()))
        );
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-04-31",
            "24-01-01",
            "2024-1-01",
            "2024-01-0a",
        ] {
            assert_eq!(
                due_date(&Some(bad.into())).map_err(|r| r.code),
                Err(ErrorCode::InvalidValue),
                "{bad}"
            );
        }
    }

    #[test]
    fn texts_are_trimmed_and_bounded_in_characters() {
        assert_eq!(text("  hé  ", 2, "x"), Ok("hé".into()));
        assert_eq!(
            text("   ", 2, "x").map_err(|r| r.code),
            Err(ErrorCode::EmptyText)
        );
        assert_eq!(
            text("abc", 2, "x").map_err(|r| r.code),
            Err(ErrorCode::TooLong)
        );
    }
}
