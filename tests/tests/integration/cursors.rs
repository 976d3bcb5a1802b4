//! The step, the floor and the round's turn move once per gesture, over the wire.
//!
//! A facilitator's double click sends the same "next step" twice before the first one's
//! effect reaches the page: both name the step they leave, so the second finds the
//! room elsewhere and is refused as `stale`, changing nothing for anyone. The same holds
//! for giving or taking back the floor and for passing the word on in the round.

use shared::wire::{ClientMessage, ServerMessage};
use shared::{Command, ErrorCode, Step};
use tests::cast::{Cast, Who};
use tests::server::TestServer;
use tests::ws::WsClient;

/// Send `command` twice back to back, as a double click does (command ids `base` and
/// `base + 1`, unused so far), and read both answers.
async fn twice(
    client: &mut WsClient,
    base: u64,
    command: Command,
) -> (Result<u64, ErrorCode>, Result<u64, ErrorCode>) {
    for id in [base, base + 1] {
        client
            .send(&ClientMessage::Command {
                id,
                command: command.clone(),
            })
            .await;
    }
    let mut answers = [None, None];
    while answers.iter().any(Option::is_none) {
        match client.recv().await {
            ServerMessage::Ack { id, seq } if id == base || id == base + 1 => {
                answers[(id - base) as usize] = Some(Ok(seq));
            }
            ServerMessage::Rejected {
                id: Some(id), code, ..
            } if id == base || id == base + 1 => answers[(id - base) as usize] = Some(Err(code)),
            _ => {}
        }
    }
    // Later commands of this client count on from past both.
    client.first_command_id(base + 1_000);
    let [first, second] = answers.map(Option::unwrap);
    (first, second)
}

#[tokio::test]
async fn a_repeated_next_step_moves_the_group_once() {
    let server = TestServer::start().await;
    let session = server.create_session("Double clic").await;
    let mut cast = Cast::at_step(&server.ws_url(), &session, Step::Problem).await;
    let click = Command::next_step(cast.fac.state());
    let (first, second) = twice(&mut cast.fac, 7000, click).await;
    let seq = first.expect("the first click moves the group");
    assert_eq!(second, Err(ErrorCode::Stale));
    for who in [Who::Cli, Who::Ana, Who::Obs] {
        cast.client(who).catch_up(seq).await;
    }
    // A later command shows that nothing else happened in between.
    let after = cast.fac.ok(Command::ExtendTimer { minutes: 1 }).await;
    assert_eq!(after, seq + 1, "the stale click made no event");
    for who in [Who::Cli, Who::Ana, Who::Obs] {
        let client = cast.client(who);
        client.catch_up(after).await;
        assert_eq!(client.state().step, Step::Clarification);
    }
    // A jump or a step back from the step left behind is stale too.
    for stale in [
        Command::GoToStep {
            step: Step::Exploration,
            from: Step::Problem,
        },
        Command::PreviousStep {
            from: Step::Problem,
        },
    ] {
        let refused = cast.fac.command(stale).await.unwrap_err();
        assert_eq!(refused.code, ErrorCode::Stale, "{}", refused.message);
    }
}

#[tokio::test]
async fn the_floor_and_the_round_move_once_per_gesture() {
    let server = TestServer::start().await;
    let session = server.create_session("Parole").await;
    let mut cast = Cast::at_step(&server.ws_url(), &session, Step::Clarification).await;
    let ana = cast.id(Who::Ana);
    let give = Command::give_floor(cast.fac.state(), ana.clone());
    let (first, second) = twice(&mut cast.fac, 9000, give).await;
    assert!(first.is_ok());
    assert_eq!(second, Err(ErrorCode::Stale));
    assert_eq!(cast.fac.state().floor, Some(ana.clone()));
    let take = Command::take_floor(cast.fac.state()).expect("Ana has the floor");
    let (first, second) = twice(&mut cast.fac, 11000, take).await;
    assert!(first.is_ok());
    assert_eq!(second, Err(ErrorCode::Stale));
    assert_eq!(cast.fac.state().floor, None);

    // The closing round: the floor is whoever's turn it is.
    let seq = cast
        .fac
        .ok(Command::go_to_step(cast.fac.state(), Step::Closing))
        .await;
    cast.ana.catch_up(seq).await;
    let round = cast.ana.state().round.clone().expect("the round starts");
    assert_eq!(cast.ana.state().floor.as_ref(), round.speaker());
    let pass = Command::advance_round(cast.fac.state()).expect("a round");
    let (first, second) = twice(&mut cast.fac, 13000, pass).await;
    let seq = first.expect("the word passes on");
    assert_eq!(second, Err(ErrorCode::Stale));
    cast.ana.catch_up(seq).await;
    let state = cast.ana.state();
    let round = state.round.as_ref().expect("the round");
    assert_eq!(round.current, 1, "passed on once");
    assert_eq!(state.floor.as_ref(), round.speaker());
    // Nobody raises a hand in the round, and only the round gives the word.
    let refused = cast.ana.command(Command::RaiseHand).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::WrongStep);
    let refused = cast
        .fac
        .command(Command::give_floor(cast.fac.state(), ana))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::WrongStep);
}
