//! Retries and shared cursors: a retried command changes nothing, the hand queue keeps
//! its order, and commands that move the step, the floor or the round name where they
//! move from. Also: a hidden note cannot be kept.

use super::*;

#[test]
fn retried_commands_change_nothing() {
    let mut s = Simulation::joined();
    s.must(ANA, Command::AcceptCharter);
    assert_eq!(s.send(ANA, Command::AcceptCharter), Ok(vec![]));
    s.must(ANA, Command::RaiseHand);
    assert_eq!(s.send(ANA, Command::RaiseHand), Ok(vec![]));
    s.must(ANA, Command::LowerHand);
    assert_eq!(s.send(ANA, Command::LowerHand), Ok(vec![]));

    let mut s = Simulation::at_step(Step::ActionPlan);
    let remove = Command::RemoveAction {
        action_id: aid(A_ONE),
    };
    s.must(CLI, remove.clone());
    assert_eq!(s.send(CLI, remove), Ok(vec![]));
    let add = Command::AddAction {
        action_id: aid(A_TWO),
        text: "En parler à l'équipe".into(),
        due: Some("2030-01-31".into()),
    };
    assert_eq!(s.send(CLI, add), Ok(vec![]));
}

#[test]
fn the_hand_queue_is_ordered_by_time_of_raising() {
    let mut s = Simulation::at_step(Step::Clarification);
    for who in [BEN, CLI, ANA] {
        s.must(who, Command::RaiseHand);
    }
    let queue = |s: &Simulation| -> Vec<_> {
        s.room
            .state
            .hands
            .iter()
            .map(|h| h.participant.clone())
            .collect()
    };
    assert_eq!(queue(&s), vec![pid(BEN), pid(CLI), pid(ANA)]);
    s.must(FAC, s.give_floor(CLI));
    assert_eq!(queue(&s), vec![pid(BEN), pid(ANA)]);
    assert_eq!(s.room.state.floor, Some(pid(CLI)));
    s.must(BEN, Command::LowerHand);
    assert_eq!(queue(&s), vec![pid(ANA)]);
    // The facilitator gives the floor and observers watch: neither queues.
    for who in [FAC, OBS] {
        assert_eq!(
            code(&s.send(who, Command::RaiseHand)),
            Some(ErrorCode::Forbidden)
        );
    }
}

#[test]
fn whoever_has_the_floor_does_not_also_queue() {
    let mut s = Simulation::at_step(Step::Exploration);
    s.must(ANA, Command::RaiseHand);
    s.must(FAC, s.give_floor(ANA));
    assert!(s.room.state.hands.is_empty());
    // Already speaking: raising a hand asks for what already holds.
    assert_eq!(s.send(ANA, Command::RaiseHand), Ok(vec![]));
    assert_eq!(invariants::check(&s.room), Ok(()));
    // Once the floor is taken back, the hand goes up again.
    s.must(FAC, s.take_floor());
    s.must(ANA, Command::RaiseHand);
    assert!(s.room.state.has_hand_raised(&pid(ANA)));
}

#[test]
fn a_step_command_names_the_step_it_leaves_so_a_double_click_moves_once() {
    let mut s = Simulation::at_step(Step::Problem);
    let click = s.next_step();
    s.must(FAC, click.clone());
    assert_eq!(s.room.state.step, Step::Clarification);
    // The same click again, or a second one made before the first was seen.
    let before = s.room.clone();
    assert_eq!(code(&s.send(FAC, click)), Some(ErrorCode::Stale));
    assert_eq!(
        code(&s.send(
            FAC,
            Command::GoToStep {
                step: Step::Exploration,
                from: Step::Problem,
            }
        )),
        Some(ErrorCode::Stale)
    );
    assert_eq!(
        code(&s.send(
            FAC,
            Command::PreviousStep {
                from: Step::Problem
            }
        )),
        Some(ErrorCode::Stale)
    );
    assert_eq!(s.room, before, "stale commands change nothing");
    // Rights still come first: a consultant's stale command is forbidden.
    assert_eq!(
        code(&s.send(
            ANA,
            Command::NextStep {
                from: Step::Problem
            }
        )),
        Some(ErrorCode::Forbidden)
    );
    s.must(FAC, s.previous_step());
    assert_eq!(s.room.state.step, Step::Problem);
}

#[test]
fn floor_and_round_commands_name_where_they_move_from() {
    let mut s = Simulation::at_step(Step::Clarification);
    let give_ana = s.give_floor(ANA);
    s.must(FAC, give_ana.clone());
    assert_eq!(code(&s.send(FAC, give_ana)), Some(ErrorCode::Stale));
    // Given to Ben by someone who still saw nobody speaking: stale.
    assert_eq!(
        code(&s.send(
            FAC,
            Command::GiveFloor {
                participant: pid(BEN),
                from: None,
            }
        )),
        Some(ErrorCode::Stale)
    );
    let take = s.take_floor();
    s.must(FAC, take.clone());
    assert_eq!(s.room.state.floor, None);
    assert_eq!(code(&s.send(FAC, take)), Some(ErrorCode::Stale));

    let mut s = Simulation::at_step(Step::Closing);
    let pass = s.advance_round();
    s.must(FAC, pass.clone());
    assert_eq!(s.room.state.round.as_ref().map(|r| r.current), Some(1));
    assert_eq!(code(&s.send(FAC, pass)), Some(ErrorCode::Stale));
    assert_eq!(s.room.state.round.as_ref().map(|r| r.current), Some(1));
    // In the round, the floor is whoever's turn it is, and only the round moves it.
    assert_eq!(s.room.state.floor, Some(pid(ANA)));
    assert_eq!(
        code(&s.send(FAC, s.give_floor(BEN))),
        Some(ErrorCode::WrongStep)
    );
}

#[test]
fn a_hidden_note_cannot_be_kept_and_one_kept_before_stays_kept() {
    let mut s = Simulation::at_step(Step::Exploration);
    let keep = |id: &str, kept: bool| Command::KeepNote {
        note_id: nid(id),
        kept,
    };
    let hide = |id: &str, hidden: bool| Command::HideNote {
        note_id: nid(id),
        hidden,
    };
    s.must(FAC, hide(N_ANA, true));
    assert_eq!(
        code(&s.send(CLI, keep(N_ANA, true))),
        Some(ErrorCode::NoteHidden)
    );
    assert!(!s.room.state.note(&nid(N_ANA)).unwrap().kept);
    // Kept, then hidden: still kept; the client may let it go, not keep it again.
    s.must(CLI, keep(N_BEN, true));
    s.must(FAC, hide(N_BEN, true));
    assert!(s.room.state.note(&nid(N_BEN)).unwrap().kept);
    assert_eq!(s.send(CLI, keep(N_BEN, true)), Ok(vec![]));
    s.must(CLI, keep(N_BEN, false));
    assert_eq!(
        code(&s.send(CLI, keep(N_BEN, true))),
        Some(ErrorCode::NoteHidden)
    );
    // Shown again, it can be kept again.
    s.must(FAC, hide(N_BEN, false));
    s.must(CLI, keep(N_BEN, true));
}
