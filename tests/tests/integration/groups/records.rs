//! Records and confidentiality: a closed session's record is read by those who took
//! part in it, and only by them, members of its group included; the group's page keeps
//! dates, clients, titles and plans, nothing of a session's content.

use super::sessions::{a_group_of_four, open, run_to_close, until_closed};
use shared::{ErrorCode, Step};
use tests::group_ws::{create_group, enter_session, member_join};
use tests::server::TestServer;
use tests::ws::{WsClient, refusal_code};

#[tokio::test]
async fn a_closed_sessions_record_is_for_those_who_took_part_in_it() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let created = create_group(&server, "Confidentiel").await;
    let (code, key) = (&created.group, &created.facilitator_key);
    let [mut fanny, mut ana, mut ben, mut cleo] = a_group_of_four(&url, code, key).await;
    let room = open(0, &mut fanny, &mut [&mut ana, &mut ben, &mut cleo]).await;
    // Cléo does not come to this session.
    let mut fanny_room = enter_session(&url, &room, &fanny).await;
    let mut ana_room = enter_session(&url, &room, &ana).await;
    run_to_close(&mut fanny_room, &mut ana_room).await;
    until_closed(&mut cleo, 0).await;

    // Ana took part: her member token opens the record, content and all.
    let ana_again = enter_session(&url, &room, &ana).await;
    assert_eq!(ana_again.state().step, Step::Closed);
    let problem = ana_again
        .state()
        .problem
        .clone()
        .expect("the record's problem");
    assert_eq!(problem.summary, "Not for the group's page.");

    // Cléo, a member of the group who was not there, reads nothing of it.
    let cleo_token = cleo.token.clone().expect("a member token");
    let mut knocker = WsClient::connect(&url, "Cléo").await;
    knocker.send(&member_join(&room, &cleo_token)).await;
    let answer = knocker.recv().await;
    assert_eq!(refusal_code(&answer), Some(ErrorCode::SessionClosed));
    assert!(
        !knocker
            .raw
            .iter()
            .any(|frame| frame.contains("Not for the group")),
        "no frame to her carries the record"
    );

    // The group's page keeps the client, the title and the plan: nothing else.
    let page = serde_json::to_string(cleo.state()).expect("encode");
    assert!(page.contains("Déléguer sans tout reprendre"), "{page}");
    assert!(!page.contains("Not for the group's page."), "{page}");
}
