//! A whole co-development session over real WebSockets: a facilitator, a client and
//! four consultants (and an observer) walk the six steps, and every screen is checked.

use shared::state::{NoteKind, Role};
use shared::wire::ServerMessage;
use shared::{ActionId, Command, ErrorCode, NoteId, QuestionId, Step, TimerState};
use tests::cast::open_room;
use tests::server::TestServer;
use tests::ws::WsClient;

/// Everyone's copy of the room reaches `seq`.
async fn all_catch_up(clients: &mut [&mut WsClient], seq: u64) {
    for client in clients.iter_mut() {
        client.catch_up(seq).await;
    }
}

/// Post the note `id` of `kind` saying `text`.
fn post_note(id: &str, kind: NoteKind, text: &str) -> Command {
    Command::PostNote {
        note_id: NoteId::from(id),
        kind,
        text: text.into(),
    }
}

#[tokio::test]
async fn a_whole_session_reaches_every_screen_the_same() {
    let server = TestServer::start().await;
    let url = server.ws_url();
    let (session, mut fac, [mut cli, mut c1, mut c2, mut c3, mut c4]) = open_room(
        &server,
        "Séance de mars",
        "Anne",
        ["Claire", "Bruno", "Chloé", "David", "Emma"],
    )
    .await;
    let mut obs = WsClient::join(&url, &session.room, "Olivier", true).await;

    assert_eq!(
        fac.state().facilitator().map(|p| p.name.as_str()),
        Some("Anne")
    );
    assert_eq!(
        obs.state().participant(obs.me()).map(|p| p.role),
        Some(Role::Observer)
    );
    assert_eq!(
        c1.state().participant(c1.me()).map(|p| p.role),
        Some(Role::Consultant)
    );

    // Welcome: the charter, then the client. Nobody leaves the welcome without a client.
    for who in [
        &mut fac, &mut cli, &mut c1, &mut c2, &mut c3, &mut c4, &mut obs,
    ] {
        who.ok(Command::AcceptCharter).await;
    }
    let refused = fac
        .command(Command::next_step(fac.state()))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::NoClient);
    let client_id = cli.me().clone();
    let refused = c1
        .command(Command::PickClient {
            participant: c1.me().clone(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    fac.ok(Command::PickClient {
        participant: client_id.clone(),
    })
    .await;

    // A consultant cannot move the step; the facilitator can.
    let refused = c2
        .command(Command::next_step(c2.state()))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let seq = fac.ok(Command::next_step(fac.state())).await;
    {
        let mut everyone = [
            &mut fac, &mut cli, &mut c1, &mut c2, &mut c3, &mut c4, &mut obs,
        ];
        all_catch_up(&mut everyone, seq).await;
        for who in everyone.iter() {
            assert_eq!(who.state().step, Step::Problem, "{}", who.label);
            assert!(who.state().participants.iter().all(|p| p.charter_accepted));
            assert_eq!(who.state().client().map(|p| &p.id), Some(&client_id));
        }
    }

    // Step 1: the client writes the problem; consultants may not.
    let refused = c1
        .command(Command::SetProblem {
            title: "x".into(),
            summary: String::new(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    cli.ok(Command::SetProblem {
        title: "Une équipe qui ne se parle plus".into(),
        summary: "Depuis la réorganisation, deux services s'évitent.".into(),
    })
    .await;
    fac.ok(Command::StartTimer).await;
    let seq = fac.ok(Command::next_step(fac.state())).await;

    // Step 2: hands and questions. Everyone sees the same queue and the same deadline.
    c3.ok(Command::RaiseHand).await;
    c1.ok(Command::RaiseHand).await;
    c2.ok(Command::RaiseHand).await;
    c2.ok(Command::LowerHand).await;
    c2.ok(Command::RaiseHand).await;
    let refused = obs.command(Command::RaiseHand).await.unwrap_err();
    assert_eq!(refused.code, ErrorCode::Forbidden);
    let seq = fac.ok(Command::StartTimer).await.max(seq);
    let expected_queue = vec![c3.me().clone(), c1.me().clone(), c2.me().clone()];
    let mut deadlines = Vec::new();
    {
        let mut everyone = [
            &mut fac, &mut cli, &mut c1, &mut c2, &mut c3, &mut c4, &mut obs,
        ];
        all_catch_up(&mut everyone, seq).await;
        for who in everyone.iter() {
            let queue: Vec<_> = who
                .state()
                .hands
                .iter()
                .map(|h| h.participant.clone())
                .collect();
            assert_eq!(
                queue, expected_queue,
                "{} sees the queue in raising order",
                who.label
            );
            assert_eq!(who.state().step, Step::Clarification);
            deadlines.push(who.state().timer.clone());
        }
    }
    assert!(matches!(deadlines[0], TimerState::Running { .. }));
    assert!(
        deadlines.iter().all(|d| d == &deadlines[0]),
        "one deadline for all: {deadlines:?}"
    );

    let first = fac.state().hands[0].participant.clone();
    fac.ok(Command::give_floor(fac.state(), first.clone()))
        .await;
    c3.ok(Command::PostQuestion {
        question_id: QuestionId::from("q-1"),
        text: "Depuis quand exactement ?".into(),
    })
    .await;
    cli.ok(Command::MarkAnswered {
        question_id: QuestionId::from("q-1"),
        answered: true,
    })
    .await;
    let take = Command::take_floor(fac.state()).expect("someone has the floor");
    let seq = fac.ok(take).await;
    c2.catch_up(seq).await;
    assert_eq!(c2.state().floor, None);
    assert_eq!(
        c2.state().hands.len(),
        2,
        "the speaker's hand went down with the floor"
    );
    assert!(c2.state().questions[0].answered);

    // Step 3: the contract.
    fac.ok(Command::next_step(fac.state())).await;
    cli.ok(Command::SetContract {
        text: "Ce que j'attends de vous : des pistes concrètes.".into(),
    })
    .await;

    // Step 4: anonymous notes.
    let refused = c1
        .command(post_note("n-early", NoteKind::Advice, "trop tôt"))
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::WrongStep);
    fac.ok(Command::next_step(fac.state())).await;
    let mut authored = Vec::new();
    for (i, who) in [&mut c1, &mut c2, &mut c3, &mut c4].into_iter().enumerate() {
        let note_id = NoteId::new(format!("note-{i}-x7f"));
        who.ok(Command::PostNote {
            note_id: note_id.clone(),
            kind: NoteKind::ALL[i],
            text: format!("Idée numéro {i}"),
        })
        .await;
        authored.push((who.me().clone(), note_id));
    }
    let refused = cli
        .command(post_note("n-cli", NoteKind::Comment, "moi"))
        .await
        .unwrap_err();
    assert_eq!(
        refused.code,
        ErrorCode::Forbidden,
        "the client listens during exploration"
    );
    let refused = c2
        .command(Command::EditNote {
            note_id: authored[0].1.clone(),
            kind: NoteKind::Comment,
            text: "pris".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::NotAuthor);
    c1.ok(Command::EditNote {
        note_id: authored[0].1.clone(),
        kind: NoteKind::Comment,
        text: "Idée revue".into(),
    })
    .await;
    cli.ok(Command::KeepNote {
        note_id: authored[1].1.clone(),
        kept: true,
    })
    .await;
    let seq = fac
        .ok(Command::HideNote {
            note_id: authored[3].1.clone(),
            hidden: true,
        })
        .await;
    {
        let mut everyone = [
            &mut fac, &mut cli, &mut c1, &mut c2, &mut c3, &mut c4, &mut obs,
        ];
        all_catch_up(&mut everyone, seq).await;
        for who in everyone.iter() {
            let notes = &who.state().notes;
            assert_eq!(notes.len(), 4, "{} sees every note", who.label);
            assert_eq!(notes[0].text, "Idée revue");
            assert!(notes[1].kept && notes[3].hidden);
        }
    }
    // Only authors are told which notes are theirs, and no frame names an author.
    assert_eq!(c1.my_notes, vec![authored[0].1.clone()]);
    assert_eq!(c4.my_notes, vec![authored[3].1.clone()]);
    assert!(fac.my_notes.is_empty() && cli.my_notes.is_empty());
    for who in [&fac, &cli, &obs] {
        for frame in who.raw.iter().filter(|f| f.contains("note_posted")) {
            for (author, _) in &authored {
                assert!(
                    !frame.contains(author.as_str()),
                    "{} saw an author in {frame}",
                    who.label
                );
            }
        }
    }

    // Step 5: the action plan.
    fac.ok(Command::next_step(fac.state())).await;
    for (id, text) in [
        ("a1", "Inviter les deux chefs"),
        ("a2", "Écrire le compte rendu"),
    ] {
        cli.ok(Command::AddAction {
            action_id: ActionId::from(id),
            text: text.into(),
            due: Some("2026-12-15".into()),
        })
        .await;
    }
    cli.ok(Command::MoveAction {
        action_id: ActionId::from("a2"),
        to: 0,
    })
    .await;
    let refused = cli
        .command(Command::AddAction {
            action_id: ActionId::from("a3"),
            text: "x".into(),
            due: Some("15/12/2026".into()),
        })
        .await
        .unwrap_err();
    assert_eq!(refused.code, ErrorCode::InvalidValue);

    // Step 6: the closing round, client first and facilitator last.
    let seq = fac.ok(Command::next_step(fac.state())).await;
    obs.catch_up(seq).await;
    let round = obs
        .state()
        .round
        .clone()
        .expect("a round starts with the closing step");
    assert_eq!(round.order.first(), Some(&client_id));
    assert_eq!(round.order.last(), Some(fac.me()));
    assert_eq!(round.order.len(), 6, "observers do not speak in the round");
    for who in [&mut cli, &mut c1, &mut c2, &mut c3, &mut c4, &mut fac] {
        let text = format!("J'ai appris beaucoup — {}", who.label);
        who.ok(Command::WriteLearning { text }).await;
    }
    for turn in 0..round.order.len() {
        fac.ok(Command::AdvanceRound { from: turn }).await;
    }
    let past_the_end = Command::AdvanceRound {
        from: round.order.len(),
    };
    assert_eq!(
        fac.command(past_the_end).await.unwrap_err().code,
        ErrorCode::RoundOver
    );

    // Closing: a read-only record for all.
    let seq = fac.ok(Command::CloseSession).await;
    {
        let mut everyone = [
            &mut fac, &mut cli, &mut c1, &mut c2, &mut c3, &mut c4, &mut obs,
        ];
        all_catch_up(&mut everyone, seq).await;
        for who in everyone.iter() {
            let state = who.state();
            assert_eq!(state.step, Step::Closed);
            assert_eq!(
                state.plan.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
                ["a2", "a1"]
            );
            assert_eq!(state.learnings.len(), 6);
            assert!(state.timeline.iter().all(|visit| visit.ended_at.is_some()));
        }
    }
    assert_eq!(
        c1.command(Command::RaiseHand).await.unwrap_err().code,
        ErrorCode::SessionClosed
    );

    // Every copy built from events equals a fresh snapshot of the server's room.
    let built = c3.state().clone();
    c3.send(&shared::wire::ClientMessage::Sync).await;
    loop {
        if let ServerMessage::Snapshot {
            state, your_notes, ..
        } = c3.recv().await
        {
            assert_eq!(
                state, built,
                "events replayed by the client rebuild the server's room"
            );
            assert_eq!(your_notes, vec![authored[2].1.clone()]);
            break;
        }
    }
}
