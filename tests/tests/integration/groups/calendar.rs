//! The series as a calendar file (`GET /api/groups/{code}/series.ics`): for a member's
//! token only, in the language asked, one event per planned session, read back by a
//! calendar parser; an unknown group, a wrong token and no token get one answer.

use icalendar::{Calendar, Component, EventLike};
use shared::group::GroupCommand;
use tests::group_ws::{GroupClient, create_group};
use tests::server::TestServer;

/// 2027-01-11 09:00 UTC, then four weeks apart.
const FIRST: u64 = 1_799_658_000_000;
const FOUR_WEEKS: u64 = 28 * 24 * 3600 * 1000;

#[tokio::test]
async fn a_member_downloads_the_series_as_a_calendar_file() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "Codév des directrices").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let mut fanny = GroupClient::join_facilitator(&url, code, key, "Fanny").await;
    let ana = GroupClient::join(&url, code, "Ana").await;
    let dates: Vec<u64> = (0..4).map(|n| FIRST + n * FOUR_WEEKS).collect();
    fanny
        .ok(GroupCommand::PlanSeries {
            dates: dates.clone(),
        })
        .await;

    let token = ana.token.clone().expect("a member token");
    let bearer = format!("Bearer {token}");
    let path = format!("/api/groups/{code}/series.ics?lang=en");
    let answer = server
        .http_with_headers("GET", &path, None, &[("Authorization", &bearer)])
        .await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let head = answer.head.to_ascii_lowercase();
    assert!(head.contains("content-type: text/calendar"), "{head}");
    assert!(head.contains("cache-control: no-store"), "{head}");
    let calendar: Calendar = answer.body.parse().expect("a calendar");
    let events: Vec<_> = calendar.events().collect();
    assert_eq!(events.len(), 4);
    assert_eq!(
        events[1].get_summary(),
        Some("Codév des directrices · session 2 of 4")
    );
    let page = format!("http://{}/g/{code}", server.addr());
    assert_eq!(events[0].get_url(), Some(page.as_str()));
    assert_eq!(events[0].get_location(), Some("https://visio.example/abc"));

    // French by default.
    let french = server
        .http_with_headers(
            "GET",
            &format!("/api/groups/{code}/series.ics"),
            None,
            &[("Authorization", &bearer)],
        )
        .await;
    assert!(french.body.contains("séance 1 sur 4"), "{}", french.body);

    // One answer for everything that is not a member's token of this group.
    let other = create_group(&server, "Un autre groupe").await;
    let cases = [
        (
            format!("/api/groups/{code}/series.ics"),
            Some("Bearer wrong-token".to_owned()),
        ),
        (format!("/api/groups/{code}/series.ics"), None),
        (
            "/api/groups/nosuchgroup/series.ics".to_owned(),
            Some(bearer.clone()),
        ),
        (
            format!("/api/groups/{}/series.ics", other.group),
            Some(bearer.clone()),
        ),
    ];
    let mut bodies = Vec::new();
    for (path, authorization) in cases {
        let headers: Vec<(&str, &str)> = authorization
            .as_deref()
            .map(|value| vec![("Authorization", value)])
            .unwrap_or_default();
        let refused = server.http_with_headers("GET", &path, None, &headers).await;
        assert_eq!(refused.status, 404, "{path}: {}", refused.body);
        assert!(!refused.body.contains("BEGIN:VCALENDAR"));
        bodies.push(refused.body);
    }
    assert!(
        bodies.windows(2).all(|pair| pair[0] == pair[1]),
        "{bodies:?}"
    );
}
