//! The protocol's one rule for optional fields (`docs/protocol.md`, Conventions): a
//! client may leave an optional field out or send it as `null`, both meaning its
//! default; a wrong type is still `malformed`.

use shared::Command;
use shared::wire::ClientMessage;

fn client(json: &str) -> ClientMessage {
    serde_json::from_str(json).unwrap_or_else(|error| panic!("{json}: {error}"))
}

fn command(json: &str) -> Command {
    serde_json::from_str(json).unwrap_or_else(|error| panic!("{json}: {error}"))
}

fn join(fields: &str) -> (bool, Option<String>) {
    let json = format!(r#"{{"type":"join","protocol_version":1,"room":"r","name":"Ana"{fields}}}"#);
    match client(&json) {
        ClientMessage::Join {
            observer,
            facilitator_key,
            ..
        } => (observer, facilitator_key),
        other => panic!("{json}: {other:?}"),
    }
}

#[test]
fn join_observer_and_facilitator_key_may_be_left_out_or_null() {
    assert_eq!(join(""), (false, None));
    assert_eq!(
        join(r#","observer":null,"facilitator_key":null"#),
        (false, None)
    );
    assert_eq!(
        join(r#","observer":true,"facilitator_key":"k""#),
        (true, Some("k".to_owned()))
    );
    let wrong = r#"{"type":"join","protocol_version":1,"room":"r","name":"A","observer":"yes"}"#;
    assert!(serde_json::from_str::<ClientMessage>(wrong).is_err());
}

#[test]
fn a_problem_summary_may_be_empty_left_out_or_null() {
    let empty = Command::SetProblem {
        title: "T".into(),
        summary: String::new(),
    };
    for json in [
        r#"{"type":"set_problem","title":"T","summary":""}"#,
        r#"{"type":"set_problem","title":"T"}"#,
        r#"{"type":"set_problem","title":"T","summary":null}"#,
    ] {
        assert_eq!(command(json), empty, "{json}");
    }
    // The title is required.
    assert!(serde_json::from_str::<Command>(r#"{"type":"set_problem","summary":"S"}"#).is_err());
    assert!(
        serde_json::from_str::<Command>(r#"{"type":"set_problem","title":null,"summary":"S"}"#)
            .is_err()
    );
}

#[test]
fn an_action_due_date_may_be_left_out_or_null() {
    for kind in ["add_action", "edit_action"] {
        for due in ["", r#","due":null"#] {
            let json = format!(r#"{{"type":"{kind}","action_id":"a","text":"x"{due}}}"#);
            match command(&json) {
                Command::AddAction { due, .. } | Command::EditAction { due, .. } => {
                    assert_eq!(due, None, "{json}")
                }
                other => panic!("{json}: {other:?}"),
            }
        }
    }
}
