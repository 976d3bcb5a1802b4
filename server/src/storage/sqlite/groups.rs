//! Reading a stored group back (`docs/groups.md`): what it was created with, its
//! members' token digests and its events in order, three indexed reads as for a room;
//! and the groups past retention.

use super::{SqliteStore, key_digest};
use crate::storage::{NewGroup, StoreError, StoredGroup};
use shared::{GroupCode, Millis, RoomCode};
use sqlx::Row;

impl SqliteStore {
    pub(super) async fn load_group_one(
        &self,
        code: &GroupCode,
    ) -> Result<Option<StoredGroup>, StoreError> {
        let Some(row) =
            sqlx::query("SELECT name, created_at, facilitator_key_hash FROM groups WHERE code = ?")
                .bind(code.as_str())
                .fetch_optional(&self.reads)
                .await?
        else {
            return Ok(None);
        };
        let group = NewGroup {
            code: code.clone(),
            name: row.try_get("name")?,
            created_at: row.try_get::<i64, _>("created_at")? as u64,
            facilitator_key: key_digest(&row, "group", code.as_str())?,
        };
        let members = self
            .read_tokens(
                "SELECT member, token_hash FROM group_members WHERE group_code = ?",
                code.as_str(),
                "group",
            )
            .await?;
        let events = self
            .read_events(
                "SELECT seq, at, actor, command_id, event FROM group_events \
                 WHERE group_code = ? ORDER BY seq",
                code.as_str(),
                "group",
            )
            .await?;
        Ok(Some(StoredGroup {
            group,
            members,
            events,
        }))
    }

    /// Groups past retention with their rooms (`Store::expired_groups`): when the last
    /// session closed is read from the group's `session_closed` events.
    pub(super) async fn expired_groups_all(
        &self,
        before: Millis,
        skip: usize,
        limit: usize,
    ) -> Result<Vec<(GroupCode, Vec<RoomCode>)>, StoreError> {
        let count = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        let codes: Vec<String> = sqlx::query_scalar(EXPIRED_GROUPS)
            .bind(before as i64)
            .bind(count(limit))
            .bind(count(skip))
            .fetch_all(&self.reads)
            .await?;
        let mut groups = Vec::with_capacity(codes.len());
        for code in codes {
            let rooms: Vec<String> =
                sqlx::query_scalar("SELECT code FROM rooms WHERE group_code = ? ORDER BY code")
                    .bind(&code)
                    .fetch_all(&self.reads)
                    .await?;
            let rooms = rooms.into_iter().map(RoomCode::new).collect();
            groups.push((GroupCode::new(code), rooms));
        }
        Ok(groups)
    }
}

/// Groups with no room of theirs open, by when they went quiet: their last session's
/// closing, or their creation.
const EXPIRED_GROUPS: &str = "SELECT code FROM ( \
     SELECT g.code AS code, COALESCE( \
       (SELECT MAX(e.at) FROM group_events e WHERE e.group_code = g.code \
          AND json_extract(e.event, '$.type') = 'session_closed'), \
       g.created_at) AS quiet \
     FROM groups g WHERE NOT EXISTS \
       (SELECT 1 FROM rooms r WHERE r.group_code = g.code AND r.closed_at IS NULL) \
   ) WHERE quiet < ? ORDER BY quiet, code LIMIT ? OFFSET ?";

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::secrets::Digest;
    use crate::storage::{Store, StoredEvent, Write};
    use shared::ParticipantId;
    use shared::group::{GroupEvent, GroupRole, Member, Standing};

    fn new_group(code: &str) -> NewGroup {
        NewGroup {
            code: GroupCode::from(code),
            name: format!("Groupe {code}"),
            created_at: 1_780_000_000_000,
            facilitator_key: Digest::of(&format!("key of {code}")),
        }
    }

    fn joined(seq: u64, id: &str, role: GroupRole) -> StoredEvent<GroupEvent> {
        StoredEvent {
            seq,
            at: 1_780_000_000_000 + seq,
            actor: None,
            command_id: None,
            event: GroupEvent::MemberJoined {
                member: Member {
                    id: ParticipantId::from(id),
                    name: id.to_uppercase(),
                    role,
                    charter_accepted: 0,
                    standing: Standing::Active,
                },
            },
        }
    }

    /// What every store must do with a group: keep it whole, all or none, and forget it.
    pub(crate) async fn groups_round_trip_all_or_none_and_are_forgotten(store: &dyn Store) {
        let group = new_group("g1");
        let code = group.code.clone();
        let accepted = StoredEvent {
            seq: 3,
            at: 1_780_000_000_010,
            actor: Some(ParticipantId::from("ana")),
            command_id: Some(7),
            event: GroupEvent::CharterAccepted {
                member: ParticipantId::from("ana"),
                version: 1,
            },
        };
        // The room of the group's first session, linked to it.
        let session = crate::storage::NewRoom {
            call_link: None,
            code: shared::RoomCode::from("s1"),
            title: "G · séance 1 sur 4".into(),
            language: shared::state::Language::En,
            created_at: 2,
            facilitator_key: Digest::of("room key"),
            group: Some(crate::storage::SessionOf {
                group: code.clone(),
                index: 0,
            }),
        };
        let writes = vec![
            Write::CreateGroup(group.clone()),
            Write::AddGroupMember {
                group: code.clone(),
                member: "fanny".into(),
                token: Digest::of("fanny's token"),
            },
            Write::AddGroupMember {
                group: code.clone(),
                member: "ana".into(),
                token: Digest::of("ana's token"),
            },
            Write::AppendGroupEvent {
                group: code.clone(),
                event: joined(1, "fanny", GroupRole::Facilitator),
            },
            Write::AppendGroupEvent {
                group: code.clone(),
                event: joined(2, "ana", GroupRole::Member),
            },
            Write::AppendGroupEvent {
                group: code.clone(),
                event: accepted.clone(),
            },
            // A room may have the same code as a group: they are apart.
            Write::CreateRoom(crate::storage::NewRoom {
                call_link: None,
                code: shared::RoomCode::from("g1"),
                title: "Séance".into(),
                language: shared::state::Language::Fr,
                created_at: 1,
                facilitator_key: Digest::of("room key"),
                group: None,
            }),
            Write::CreateRoom(session.clone()),
        ];
        crate::storage::conformance::commit_and_claim(store, &writes).await;
        let loaded = store
            .load_group(&code)
            .await
            .expect("load")
            .expect("stored");
        assert_eq!(loaded.group, group);
        let mut members = loaded.members.clone();
        members.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            members,
            vec![
                (ParticipantId::from("ana"), Digest::of("ana's token")),
                (ParticipantId::from("fanny"), Digest::of("fanny's token")),
            ]
        );
        assert_eq!(loaded.events.len(), 3);
        assert_eq!(loaded.events[2], accepted);
        let stored_session = store.load_room(&session.code).await.expect("load");
        assert_eq!(stored_session.map(|room| room.room), Some(session.clone()));
        assert!(
            store
                .load_group(&GroupCode::from("nope"))
                .await
                .expect("load")
                .is_none()
        );

        // An event numbered again fails the batch, and nothing of it is kept.
        let gap = vec![
            Write::AddGroupMember {
                group: code.clone(),
                member: "ben".into(),
                token: Digest::of("ben's token"),
            },
            Write::AppendGroupEvent {
                group: code.clone(),
                event: joined(3, "ben", GroupRole::Member),
            },
        ];
        assert!(store.commit(&gap).is_err());
        assert_eq!(store.load_group(&code).await.expect("load"), Some(loaded));

        store
            .commit(&[Write::DeleteGroup {
                group: code.clone(),
            }])
            .expect("delete");
        assert!(store.load_group(&code).await.expect("load").is_none());
        let room = store
            .load_room(&shared::RoomCode::from("g1"))
            .await
            .expect("load");
        assert!(room.is_some(), "the room of the same code stays");
        let session_room = store.load_room(&session.code).await.expect("load");
        assert!(
            session_room.is_none(),
            "the group's session is deleted with it"
        );
    }

    /// A group created at `created_at` whose session 0, if `closed` says so, ran in room
    /// `{code}-s` and closed (`Some(at)`) or not (`None`).
    pub(crate) fn group_with_session(
        code: &str,
        created_at: Millis,
        closed: Option<Option<Millis>>,
    ) -> Vec<Write> {
        let mut group = new_group(code);
        group.created_at = created_at;
        let mut writes = vec![Write::CreateGroup(group)];
        let Some(closed) = closed else {
            return writes;
        };
        let room = RoomCode::new(format!("{code}-s"));
        writes.push(Write::CreateRoom(crate::storage::NewRoom {
            call_link: None,
            code: room.clone(),
            title: "séance".into(),
            language: shared::state::Language::Fr,
            created_at,
            facilitator_key: Digest::of("key"),
            group: Some(crate::storage::SessionOf {
                group: GroupCode::from(code),
                index: 0,
            }),
        }));
        let opened = GroupEvent::SessionOpened {
            index: 0,
            room: room.clone(),
        };
        let mut events = vec![(created_at, opened)];
        if let Some(at) = closed {
            writes.push(Write::AppendEvent {
                room,
                event: StoredEvent {
                    seq: 1,
                    at,
                    actor: None,
                    command_id: None,
                    event: shared::Event::SessionClosed { at },
                },
            });
            events.push((
                at,
                GroupEvent::SessionClosed {
                    index: 0,
                    summary: None,
                },
            ));
        }
        for (seq, (at, event)) in (1..).zip(events) {
            let event = StoredEvent {
                seq,
                at,
                actor: None,
                command_id: None,
                event,
            };
            writes.push(Write::AppendGroupEvent {
                group: GroupCode::from(code),
                event,
            });
        }
        writes
    }

    /// What every store must find past retention: a group quiet since its last session
    /// closed (or since its creation, with none), never one with a session running.
    pub(crate) async fn groups_past_retention_are_the_quiet_ones(store: &dyn Store) {
        let mut writes = group_with_session("never-met", 100, None);
        writes.extend(group_with_session("met", 50, Some(Some(300))));
        writes.extend(group_with_session("running", 10, Some(None)));
        store.commit(&writes).expect("commit");
        let expired = |before| async move {
            let found = store.expired_groups(before, 0, 10).await.expect("query");
            found
                .into_iter()
                .map(|(code, rooms)| {
                    (
                        code.0,
                        rooms.into_iter().map(|room| room.0).collect::<Vec<_>>(),
                    )
                })
                .collect::<Vec<_>>()
        };
        assert!(expired(100).await.is_empty());
        assert_eq!(expired(101).await, [("never-met".to_owned(), vec![])]);
        assert_eq!(
            expired(301).await,
            [
                ("never-met".to_owned(), vec![]),
                ("met".to_owned(), vec!["met-s".to_owned()])
            ]
        );
        let after_one = store.expired_groups(301, 1, 10).await.expect("query");
        assert_eq!(after_one.len(), 1);
        assert_eq!(after_one[0].0, GroupCode::from("met"));
    }

    #[tokio::test]
    async fn the_sqlite_store_keeps_groups_and_deletes_every_row_of_one() {
        let dir = tempfile::tempdir().expect("temp dir");
        let store = SqliteStore::open(dir.path().join("groups.db"))
            .await
            .expect("open");
        groups_round_trip_all_or_none_and_are_forgotten(&store).await;
        for table in ["groups", "group_members", "group_events"] {
            let rows: i64 =
                sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                    .fetch_one(&store.reads)
                    .await
                    .expect("count");
            assert_eq!(rows, 0, "{table}");
        }
        store.close().await;
    }
}
