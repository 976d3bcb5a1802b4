//! A member of a group over a real WebSocket, for tests: the room's test client
//! ([`WsClient`]) for the socket, reading the group's frames
//! ([`GroupServerMessage`]) and the answers both share (`ack`, `rejected`,
//! [`ServerMessage`]). It keeps its copy of the group as a page will, snapshot then
//! events applied with `GroupState::apply`, and fails the test on a skipped or repeated
//! sequence number. Creating a group goes through the HTTP API ([`create_group`]).

use crate::server::TestServer;
use crate::ws::WsClient;
use server::http::GroupCreated;
use shared::group::{GroupCommand, GroupEvent, GroupState, SessionState};
use shared::wire::group::{GroupClientMessage, GroupServerMessage};
use shared::wire::{ClientMessage, PROTOCOL_VERSION, ServerMessage};
use shared::{Command, Step};
use shared::{GroupCode, ParticipantId, ProposalId, Rejection, RoomCode};

/// A frame a connection in a group hears (kept whole: a test reads few).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq)]
pub enum Heard {
    Group(GroupServerMessage),
    Answer(ServerMessage),
}

pub struct GroupClient {
    pub ws: WsClient,
    next_id: u64,
    /// The group as of `seq`, once the first snapshot came.
    pub state: Option<GroupState>,
    pub seq: u64,
    pub you: Option<ParticipantId>,
    /// The member token `group_joined` gave.
    pub token: Option<String>,
    pub your_vote: Option<ProposalId>,
    /// Who has the group's page open, as last heard (snapshot or `group_presence`).
    pub present: Vec<ParticipantId>,
    /// Every event heard, in order.
    pub events: Vec<GroupEvent>,
}

/// Create a group named `name`, with a call link, through `POST /api/groups`; the
/// created group.
pub async fn create_group(server: &TestServer, name: &str) -> GroupCreated {
    create_group_at(server.addr(), name).await
}

/// [`create_group`] on the server at `addr` (a server process, say).
pub async fn create_group_at(addr: std::net::SocketAddr, name: &str) -> GroupCreated {
    let body = serde_json::json!({ "name": name, "call_link": "https://visio.example/abc" });
    let body = body.to_string();
    let answer = crate::server::http(addr, "POST", "/api/groups", Some(&body), &[]).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    serde_json::from_str(&answer.body).expect("a created group")
}

impl GroupClient {
    pub async fn connect(url: &str, label: &str) -> Self {
        GroupClient {
            ws: WsClient::connect(url, label).await,
            next_id: 1,
            state: None,
            seq: 0,
            you: None,
            token: None,
            your_vote: None,
            present: Vec::new(),
            events: Vec::new(),
        }
    }

    /// Connect, send `entering`, and wait until seated.
    async fn enter(url: &str, label: &str, entering: GroupClientMessage) -> Self {
        let mut client = Self::connect(url, label).await;
        client.send(&entering).await;
        loop {
            match client.recv().await {
                Heard::Group(GroupServerMessage::GroupSnapshot { .. }) => return client,
                Heard::Answer(ServerMessage::Rejected { code, message, .. }) => {
                    panic!("{label}: could not enter the group: {code:?} {message}")
                }
                _ => {}
            }
        }
    }

    /// A new member, under `name`.
    pub async fn join(url: &str, group: &str, name: &str) -> Self {
        Self::enter(url, name, join_group(group, name, None)).await
    }

    /// The group's facilitator, with the key.
    pub async fn join_facilitator(url: &str, group: &str, key: &str, name: &str) -> Self {
        Self::enter(url, name, join_group(group, name, Some(key))).await
    }

    /// A member back with their token (another device, a reconnect).
    pub async fn resume(url: &str, group: &str, token: &str, label: &str) -> Self {
        Self::enter(url, label, resume_group(group, token)).await
    }

    pub async fn send(&mut self, message: &GroupClientMessage) {
        let text = serde_json::to_string(message).expect("encode");
        self.ws.send_raw(&text).await;
    }

    /// The next frame other than presence (which is noted, in [`Self::present`]),
    /// applied to the copy of the group.
    pub async fn recv(&mut self) -> Heard {
        loop {
            let heard = self.next_frame().await;
            if !matches!(
                heard,
                Heard::Group(GroupServerMessage::GroupPresence { .. })
            ) {
                return heard;
            }
        }
    }

    /// Read frames until the members with the page open are `expected` (in the group's
    /// order); the frames read are applied, presence or not.
    pub async fn until_present(&mut self, expected: &[&ParticipantId]) {
        while self.present.iter().collect::<Vec<_>>() != expected {
            self.next_frame().await;
        }
    }

    /// The next frame, whatever it is, applied to the copy of the group.
    async fn next_frame(&mut self) -> Heard {
        let label = self.ws.label.clone();
        let text = self
            .ws
            .next_text()
            .await
            .unwrap_or_else(|| panic!("{label}: the connection closed"));
        let heard = match serde_json::from_str::<GroupServerMessage>(&text) {
            Ok(message) => Heard::Group(message),
            Err(_) => Heard::Answer(
                serde_json::from_str(&text)
                    .unwrap_or_else(|e| panic!("{label}: unparsable frame {text}: {e}")),
            ),
        };
        self.ws.raw.push(text);
        if let Heard::Group(message) = &heard {
            self.observe(message.clone());
        }
        heard
    }

    fn observe(&mut self, message: GroupServerMessage) {
        let label = &self.ws.label;
        match message {
            GroupServerMessage::GroupJoined { you, token, .. } => {
                self.you = Some(you);
                self.token = Some(token);
            }
            GroupServerMessage::GroupSnapshot {
                seq,
                state,
                your_vote,
                present,
                ..
            } => {
                self.seq = seq;
                self.state = Some(state);
                self.your_vote = your_vote;
                self.present = present;
            }
            GroupServerMessage::GroupPresence { present } => self.present = present,
            GroupServerMessage::GroupEvent { seq, event } => {
                assert_eq!(seq, self.seq + 1, "{label}: event {seq} after {}", self.seq);
                let state = self.state.as_mut().expect("a snapshot before events");
                state.apply(&event);
                self.seq = seq;
                self.events.push(event);
            }
        }
    }

    /// Number this client's commands from `first` on: a member's ids are theirs across
    /// devices, and an id already answered is answered again, not applied.
    pub fn first_command_id(&mut self, first: u64) {
        self.next_id = first;
    }

    /// Send a command and read until its answer: the group's sequence number after it,
    /// or the refusal.
    pub async fn command(&mut self, command: GroupCommand) -> Result<u64, Rejection> {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&GroupClientMessage::GroupCommand { id, command })
            .await;
        loop {
            match self.recv().await {
                Heard::Answer(ServerMessage::Ack { id: acked, seq }) if acked == id => {
                    return Ok(seq);
                }
                Heard::Answer(ServerMessage::Rejected {
                    id: Some(refused),
                    code,
                    message,
                }) if refused == id => return Err(Rejection::new(code, message)),
                _ => {}
            }
        }
    }

    /// A command that must be accepted; the sequence number after it, caught up to.
    pub async fn ok(&mut self, command: GroupCommand) -> u64 {
        let label = self.ws.label.clone();
        let seq = self
            .command(command.clone())
            .await
            .unwrap_or_else(|r| panic!("{label}: {command:?} refused: {r:?}"));
        self.catch_up(seq).await;
        seq
    }

    /// Read until the copy of the group is at `seq` at least.
    pub async fn catch_up(&mut self, seq: u64) {
        while self.seq < seq {
            self.recv().await;
        }
    }

    pub fn state(&self) -> &GroupState {
        self.state.as_ref().expect("seated in a group")
    }

    pub fn you(&self) -> &ParticipantId {
        self.you.as_ref().expect("seated in a group")
    }

    pub async fn close(self) {
        self.ws.close().await;
    }
}

/// A `join_group` frame.
pub fn join_group(group: &str, name: &str, key: Option<&str>) -> GroupClientMessage {
    GroupClientMessage::JoinGroup {
        protocol_version: PROTOCOL_VERSION,
        group: GroupCode::from(group),
        name: name.to_owned(),
        facilitator_key: key.map(str::to_owned),
    }
}

/// A `resume_group` frame.
pub fn resume_group(group: &str, token: &str) -> GroupClientMessage {
    GroupClientMessage::ResumeGroup {
        protocol_version: PROTOCOL_VERSION,
        group: GroupCode::from(group),
        token: token.to_owned(),
    }
}

/// A `join` of a group's session's room by member token.
pub fn member_join(room: &str, member_token: &str) -> ClientMessage {
    ClientMessage::Join {
        protocol_version: PROTOCOL_VERSION,
        room: RoomCode::from(room),
        name: String::new(),
        observer: false,
        facilitator_key: None,
        member_token: Some(member_token.to_owned()),
    }
}

/// A member entering the room of a session of their group with their member token,
/// seated.
pub async fn enter_session(url: &str, room: &str, member: &GroupClient) -> WsClient {
    let token = member.token.as_deref().expect("a member token");
    WsClient::enter(url, &member.ws.label, member_join(room, token)).await
}

/// Run the room from the welcome to its close: Ana is the client, with a problem and
/// one action; `facilitator` runs it.
pub async fn run_to_close(facilitator: &mut WsClient, ana: &mut WsClient) {
    let ana_id = ana.me().clone();
    facilitator
        .ok(Command::PickClient {
            participant: ana_id,
        })
        .await;
    let to_problem = Command::go_to_step(facilitator.state(), Step::Problem);
    let seq = facilitator.ok(to_problem).await;
    ana.catch_up(seq).await;
    ana.ok(Command::SetProblem {
        title: "Déléguer sans tout reprendre".into(),
        summary: "Not for the group's page.".into(),
    })
    .await;
    let seq = facilitator
        .ok(Command::go_to_step(facilitator.state(), Step::ActionPlan))
        .await;
    ana.catch_up(seq).await;
    ana.ok(Command::AddAction {
        action_id: "a-1".into(),
        text: "Confier le budget à Léa".into(),
        due: None,
    })
    .await;
    facilitator.ok(Command::CloseSession).await;
}

/// Read until the group has recorded session `index` closed.
pub async fn until_closed(member: &mut GroupClient, index: usize) {
    let closed = |member: &GroupClient| {
        let session = member.state().series.get(index);
        session.is_some_and(|session| session.state == SessionState::Closed)
    };
    while !closed(member) {
        member.recv().await;
    }
}
