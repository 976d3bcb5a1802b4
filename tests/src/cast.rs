//! A cast of five over real WebSockets, and a room walked to any step with them.
//!
//! The same room the table tests of `shared` build in memory (`shared/tests/common`),
//! built here through a real server: Fanny facilitates, Claude is picked as the client,
//! Ana and Ben are consultants (each the author of one question card and one note),
//! Olga observes. Tests that need "a realistic room at step N" over the wire start here.
//!
//! Tests that need only a few people in a fresh room open it with [`open_room`], in one line:
//! a session created, its facilitator seated with the key, the others joined in order.

use crate::server::{SessionCreated, TestServer};
use crate::ws::WsClient;
use shared::state::{NoteKind, Role};
use shared::{ActionId, Command, NoteId, ParticipantId, QuestionId, Step};

/// Ana's question card and note; Ben's; the plan's two actions.
pub const Q_ANA: &str = "q-ana";
pub const Q_BEN: &str = "q-ben";
pub const N_ANA: &str = "n-ana";
pub const N_BEN: &str = "n-ben";
pub const A_ONE: &str = "a-one";
pub const A_TWO: &str = "a-two";

/// Open a room for a test in one line: create a session titled `title` on `server`, seat
/// `facilitator` with the key, then join `participants` in order (as participants, not
/// observers), each waiting until seated. Returns the session (its code and key), the
/// facilitator's client and the others', in the order given.
///
/// ```ignore
/// let (session, mut fac, [mut bruno, eve]) = open_room(&server, "Débit", "Anne", ["Bruno", "Eve"]).await;
/// ```
pub async fn open_room<const N: usize>(
    server: &TestServer,
    title: &str,
    facilitator: &str,
    participants: [&str; N],
) -> (SessionCreated, WsClient, [WsClient; N]) {
    let session = server.create_session(title).await;
    let url = server.ws_url();
    let fac = seat_facilitator(server, &session, facilitator).await;
    let mut joined = Vec::with_capacity(N);
    for name in participants {
        joined.push(WsClient::join(&url, &session.room, name, false).await);
    }
    let Ok(joined) = <[WsClient; N]>::try_from(joined) else {
        unreachable!("one client per name")
    };
    (session, fac, joined)
}

/// Seat `name` as the facilitator of `session` on `server`, with the session's key.
pub async fn seat_facilitator(
    server: &TestServer,
    session: &SessionCreated,
    name: &str,
) -> WsClient {
    WsClient::join_facilitator(
        &server.ws_url(),
        &session.room,
        &session.facilitator_key,
        name,
    )
    .await
}

/// Anne, seated as the facilitator of `session` on `server`, closes it; her client,
/// still connected to the closed session.
pub async fn closed_by_anne(server: &TestServer, session: &SessionCreated) -> WsClient {
    let mut fac = seat_facilitator(server, session, "Anne").await;
    fac.ok(Command::CloseSession).await;
    fac
}

pub struct Cast {
    pub room: String,
    pub fac: WsClient,
    pub cli: WsClient,
    pub ana: WsClient,
    pub ben: WsClient,
    pub obs: WsClient,
}

/// Who acts in each role in the tests: the consultant is always Ana.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Who {
    Fac,
    Cli,
    Ana,
    Ben,
    Obs,
}

impl Who {
    pub fn for_role(role: Role) -> Who {
        match role {
            Role::Facilitator => Who::Fac,
            Role::Client => Who::Cli,
            Role::Consultant => Who::Ana,
            Role::Observer => Who::Obs,
        }
    }
}

impl Cast {
    /// Everyone joined, in the welcome, nobody picked, no charter accepted.
    pub async fn join(url: &str, session: &SessionCreated) -> Cast {
        let room = session.room.clone();
        let fac = WsClient::join_facilitator(url, &room, &session.facilitator_key, "Fanny").await;
        let cli = WsClient::join(url, &room, "Claude", false).await;
        let ana = WsClient::join(url, &room, "Ana", false).await;
        let ben = WsClient::join(url, &room, "Ben", false).await;
        let obs = WsClient::join(url, &room, "Olga", true).await;
        Cast {
            room,
            fac,
            cli,
            ana,
            ben,
            obs,
        }
    }

    /// A realistic room at `target`: the client picked and everything the earlier
    /// steps produce (problem, cards, contract, one note by each consultant, two
    /// actions, the closing round). `Step::Closed` walks everything, then closes.
    pub async fn at_step(url: &str, session: &SessionCreated, target: Step) -> Cast {
        Cast::walked(url, session, target, 1).await
    }

    /// Like [`at_step`](Self::at_step), with `notes_each` notes by each consultant in
    /// the exploration ([`N_ANA`] and [`N_BEN`] first, then `n-ana-2`, `n-ben-2`…).
    pub async fn walked(
        url: &str,
        session: &SessionCreated,
        target: Step,
        notes_each: usize,
    ) -> Cast {
        let mut cast = Cast::join(url, session).await;
        let client = cast.id(Who::Cli);
        cast.fac
            .ok(Command::PickClient {
                participant: client,
            })
            .await;
        for step in Step::MOVABLE.into_iter().skip(1) {
            if cast.step().await == target {
                break;
            }
            cast.fac.ok(Command::next_step(cast.fac.state())).await;
            match step {
                Step::Problem => {
                    cast.cli
                        .ok(Command::SetProblem {
                            title: "Déléguer sans tout reprendre".into(),
                            summary: "Mon équipe grandit et je reprends tout.".into(),
                        })
                        .await;
                }
                Step::Clarification => {
                    for (who, id) in [(Who::Ana, Q_ANA), (Who::Ben, Q_BEN)] {
                        cast.client(who)
                            .ok(Command::PostQuestion {
                                question_id: QuestionId::new(id),
                                text: "Depuis quand ?".into(),
                            })
                            .await;
                    }
                }
                Step::Contract => {
                    cast.cli
                        .ok(Command::SetContract {
                            text: "Ce que j'attends de vous : des pistes concrètes.".into(),
                        })
                        .await;
                }
                Step::Exploration => {
                    for n in 1..=notes_each {
                        for (who, id, kind) in [
                            (Who::Ana, N_ANA, NoteKind::Advice),
                            (Who::Ben, N_BEN, NoteKind::Feeling),
                        ] {
                            let id = if n == 1 {
                                id.to_owned()
                            } else {
                                format!("{id}-{n}")
                            };
                            cast.client(who)
                                .ok(Command::PostNote {
                                    note_id: NoteId::new(&id),
                                    kind,
                                    text: "Essaie de déléguer un dossier entier.".into(),
                                })
                                .await;
                        }
                    }
                }
                Step::ActionPlan => {
                    cast.cli
                        .ok(Command::AddAction {
                            action_id: ActionId::new(A_ONE),
                            text: "Choisir un dossier à déléguer".into(),
                            due: None,
                        })
                        .await;
                    cast.cli
                        .ok(Command::AddAction {
                            action_id: ActionId::new(A_TWO),
                            text: "En parler à l'équipe".into(),
                            due: Some("2030-01-31".into()),
                        })
                        .await;
                }
                _ => {}
            }
        }
        if target == Step::Closed {
            cast.fac.ok(Command::CloseSession).await;
        }
        assert_eq!(cast.step().await, target);
        cast
    }

    pub fn client(&mut self, who: Who) -> &mut WsClient {
        match who {
            Who::Fac => &mut self.fac,
            Who::Cli => &mut self.cli,
            Who::Ana => &mut self.ana,
            Who::Ben => &mut self.ben,
            Who::Obs => &mut self.obs,
        }
    }

    pub fn id(&self, who: Who) -> ParticipantId {
        let client = match who {
            Who::Fac => &self.fac,
            Who::Cli => &self.cli,
            Who::Ana => &self.ana,
            Who::Ben => &self.ben,
            Who::Obs => &self.obs,
        };
        client.me().clone()
    }

    pub fn everyone(&mut self) -> [&mut WsClient; 5] {
        [
            &mut self.fac,
            &mut self.cli,
            &mut self.ana,
            &mut self.ben,
            &mut self.obs,
        ]
    }

    /// The step as the facilitator's page sees it, once it has caught up with every
    /// other page's view of the room.
    pub async fn step(&mut self) -> Step {
        self.catch_up().await;
        self.fac.state().step
    }

    /// Everyone's copy of the room reaches the latest sequence number any of them saw.
    pub async fn catch_up(&mut self) -> u64 {
        let seq = self.everyone().iter().map(|c| c.seq).max().unwrap_or(0);
        for client in self.everyone() {
            client.catch_up(seq).await;
        }
        seq
    }
}
