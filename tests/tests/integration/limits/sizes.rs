//! Bounds on size: a frame over the limit (refused) and over the hard limit (the
//! connection ends, saying why), every text over its length, notes and actions per
//! consultant and per plan, an HTTP body over 4 KiB.

use super::{join_frame, next_refusal, refusal_of, room_carries_on};
use server::Config;
use shared::state::NoteKind;
use shared::{ActionId, Command, ErrorCode, Limits, NoteId, QuestionId, Step};
use tests::cast::{Cast, Who, open_room};
use tests::server::TestServer;
use tests::ws::WsClient;

#[tokio::test]
async fn a_frame_over_the_limit_is_refused_and_the_connection_carries_on() {
    let server = TestServer::start().await;
    let (_, mut fac, [mut eve]) = open_room(&server, "Taille", "Anne", ["Eve"]).await;
    let seq = eve.seq;

    // 20 KiB: over the 16 KiB limit, under the hard one.
    let big = format!(
        r#"{{"type":"command","id":41,"command":{{"type":"write_learning","text":"{}"}}}}"#,
        "x".repeat(20 * 1024)
    );
    eve.send_raw(&big).await;
    assert_eq!(
        next_refusal(&mut eve).await,
        (Some(41), ErrorCode::FrameTooLarge)
    );
    // A binary frame that large is too large before it is anything else.
    eve.send_binary(vec![b'x'; 20 * 1024]).await;
    assert_eq!(
        next_refusal(&mut eve).await,
        (None, ErrorCode::FrameTooLarge)
    );
    // The same connection goes on, and nothing happened in the room.
    let after = eve.ok(Command::RaiseHand).await;
    assert_eq!(after, seq + 1);
    room_carries_on(&mut fac, &mut [&mut eve]).await;
    // Both refusals are counted, like every other.
    let metrics = server.http("GET", "/metrics", None).await.body;
    let counted = metrics.lines().find_map(|line| {
        line.strip_prefix(r#"codev_rejected_commands_total{code="frame_too_large"} "#)
    });
    assert_eq!(counted, Some("2"), "{metrics}");
}

#[tokio::test]
async fn a_frame_over_the_hard_limit_ends_only_that_connection_and_says_why() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let (session, mut fac, [mut eve]) = open_room(&server, "Taille", "Anne", ["Eve"]).await;
    let eve_id = eve.me().clone();
    let token = eve.token.clone().expect("a token");

    eve.send_raw(&"x".repeat(100 * 1024)).await;
    let mut refused = false;
    while let Some(message) = eve.try_recv().await {
        refused |= refusal_of(&message) == Some((None, ErrorCode::FrameTooLarge));
    }
    assert!(refused, "a frame_too_large refusal before the close");
    assert_eq!(eve.closed_with.as_ref().map(|(code, _)| *code), Some(1009));

    // Eve is away, the room goes on, and she can come back.
    assert_eq!(fac.wait_away().await, eve_id);
    room_carries_on(&mut fac, &mut []).await;
    let eve = WsClient::resume(&url, &session.room, &token, "Eve again").await;
    assert_eq!(eve.me(), &eve_id);
}

#[tokio::test]
async fn every_text_over_its_length_is_refused_and_the_room_carries_on() {
    let server = TestServer::start().await;
    let limits = Limits::default();
    let long = |n: usize| "é".repeat(n + 1);

    // The session title, over HTTP.
    let body = serde_json::json!({ "title": long(limits.session_title_chars) }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&body)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("too_long"), "{}", answer.body);

    let session = server.create_session("Longueurs").await;
    let url = server.ws_url();

    // A name, at the door.
    let mut stranger = WsClient::connect(&url, "stranger").await;
    stranger
        .send_raw(&join_frame(&session.room, &long(limits.name_chars), None))
        .await;
    assert_eq!(
        next_refusal(&mut stranger).await,
        (None, ErrorCode::TooLong)
    );

    let mut cast = Cast::at_step(&url, &session, Step::Welcome).await;
    let client = cast.id(Who::Cli);
    cast.fac
        .ok(Command::PickClient {
            participant: client,
        })
        .await;
    // (step, who, the command with a text over its bound, the same within bounds)
    type Case = (Step, Who, Command, Command);
    let cases: Vec<Case> = vec![
        (
            Step::Problem,
            Who::Cli,
            Command::SetProblem {
                title: long(limits.problem_title_chars),
                summary: String::new(),
            },
            Command::SetProblem {
                title: "Titre".into(),
                summary: "é".repeat(limits.problem_summary_chars),
            },
        ),
        (
            Step::Problem,
            Who::Cli,
            Command::SetProblem {
                title: "Titre".into(),
                summary: long(limits.problem_summary_chars),
            },
            Command::SetProblem {
                title: "é".repeat(limits.problem_title_chars),
                summary: String::new(),
            },
        ),
        (
            Step::Clarification,
            Who::Ana,
            Command::PostQuestion {
                question_id: QuestionId::new("q1"),
                text: long(limits.question_chars),
            },
            Command::PostQuestion {
                question_id: QuestionId::new("q1"),
                text: "é".repeat(limits.question_chars),
            },
        ),
        (
            Step::Contract,
            Who::Cli,
            Command::SetContract {
                text: long(limits.contract_chars),
            },
            Command::SetContract {
                text: "é".repeat(limits.contract_chars),
            },
        ),
        (
            Step::Exploration,
            Who::Ana,
            Command::PostNote {
                note_id: NoteId::new("n1"),
                kind: NoteKind::Comment,
                text: long(limits.note_chars),
            },
            Command::PostNote {
                note_id: NoteId::new("n1"),
                kind: NoteKind::Comment,
                text: "é".repeat(limits.note_chars),
            },
        ),
        (
            Step::ActionPlan,
            Who::Cli,
            Command::AddAction {
                action_id: ActionId::new("a1"),
                text: long(limits.action_chars),
                due: None,
            },
            Command::AddAction {
                action_id: ActionId::new("a1"),
                text: "é".repeat(limits.action_chars),
                due: None,
            },
        ),
        (
            Step::Closing,
            Who::Ben,
            Command::WriteLearning {
                text: long(limits.learning_chars),
            },
            Command::WriteLearning {
                text: "é".repeat(limits.learning_chars),
            },
        ),
    ];
    for (step, who, too_long, within) in cases {
        while cast.step().await != step {
            cast.fac.ok(Command::next_step(cast.fac.state())).await;
        }
        let before = cast.catch_up().await;
        let refused = cast.client(who).command(too_long.clone()).await;
        assert_eq!(
            refused.map_err(|r| r.code),
            Err(ErrorCode::TooLong),
            "{too_long:?}"
        );
        assert_eq!(cast.catch_up().await, before, "a refusal changes nothing");
        cast.client(who).ok(within).await;
    }
    // A client-made id over 64 characters.
    cast.fac
        .ok(Command::go_to_step(cast.fac.state(), Step::Exploration))
        .await;
    let refused = cast
        .ana
        .command(Command::PostNote {
            note_id: NoteId::new("n".repeat(65)),
            kind: NoteKind::Comment,
            text: "x".into(),
        })
        .await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::InvalidValue));
    // Minutes over the bound.
    let refused = cast
        .fac
        .command(Command::ExtendTimer { minutes: u32::MAX })
        .await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::TooLong));
    let Cast {
        mut fac,
        mut cli,
        mut obs,
        ..
    } = cast;
    room_carries_on(&mut fac, &mut [&mut cli, &mut obs]).await;
}

#[tokio::test]
async fn notes_and_actions_are_bounded_per_consultant_and_per_plan() {
    let server = TestServer::start_with(Config {
        limits: Limits {
            notes_per_participant: 2,
            actions: 1,
            ..Limits::default()
        },
        ..Config::default()
    })
    .await;
    let session = server.create_session("Nombre").await;
    let mut cast = Cast::at_step(&server.ws_url(), &session, Step::Exploration).await;
    // Ana has one note from the walk; one more is allowed, not a third.
    let post = |id: &str| Command::PostNote {
        note_id: NoteId::new(id),
        kind: NoteKind::Advice,
        text: "Encore une idée".into(),
    };
    cast.ana.ok(post("n2")).await;
    let refused = cast.ana.command(post("n3")).await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::LimitReached));
    // Ben is not concerned; Ana may post again once she deleted one.
    cast.ben.ok(post("n4")).await;
    cast.ana
        .ok(Command::DeleteNote {
            note_id: NoteId::new("n2"),
        })
        .await;
    cast.ana.ok(post("n3")).await;

    cast.fac.ok(Command::next_step(cast.fac.state())).await;
    let add = |id: &str| Command::AddAction {
        action_id: ActionId::new(id),
        text: "Une de plus".into(),
        due: None,
    };
    cast.cli.ok(add("a1")).await;
    let refused = cast.cli.command(add("a2")).await;
    assert_eq!(refused.map_err(|r| r.code), Err(ErrorCode::LimitReached));
    let Cast {
        mut fac,
        mut ana,
        mut ben,
        ..
    } = cast;
    room_carries_on(&mut fac, &mut [&mut ana, &mut ben]).await;
}

#[tokio::test]
async fn an_http_body_over_4_kib_is_refused() {
    let server = TestServer::start().await;
    let body = serde_json::json!({ "title": "x", "padding": "y".repeat(5 * 1024) }).to_string();
    let answer = server.http("POST", "/api/sessions", Some(&body)).await;
    assert_eq!(answer.status, 400);
    assert!(answer.body.contains("malformed"), "{}", answer.body);
    server.assert_rooms_in_memory(0).await;
}
