//! Live delivery's storage: who is online (WebSocket presence per node), channel membership
//! for fan-out, and the cross-node announcement of posted messages.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::db::{Tx, query};
use super::messages::{NOTIFICATION_SELECT, NotificationRow, notification_from_row};
use super::{Change, DeletedMessage, Posted, Store, StoreError, UserNotification};

/// How long a node's presence rows count without a heartbeat: a node that stopped without
/// cleaning up stops making its users look online after this.
pub const PRESENCE_TTL: Duration = Duration::from_secs(90);

/// How often a node refreshes its presence rows.
pub const PRESENCE_HEARTBEAT: Duration = Duration::from_secs(30);

/// The `NOTIFY` payload announcing a post to the other nodes: ids only, since a payload is
/// limited to 8000 bytes; the receivers read the rows.
#[derive(Debug, Serialize, Deserialize)]
pub struct RemotePosted {
    /// The announcing node (which delivers locally itself and ignores its own notice).
    pub node: Uuid,
    /// The posted messages, in order.
    pub messages: Vec<Uuid>,
    /// Whether the messages were created or edited.
    #[serde(default)]
    pub change: Change,
    /// For an edit, the notifications it created (the message's older ones were announced
    /// before); `None` for a post, whose notifications are all new.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notifications: Option<Vec<Uuid>>,
    /// Deleted messages (their rows are gone, so the ids and channels travel here).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub deleted: Vec<DeletedMessage>,
}

impl RemotePosted {
    /// The payload for `posted`, from `node`.
    pub fn payload(node: Uuid, posted: &Posted) -> String {
        serde_json::to_string(&RemotePosted {
            node,
            messages: posted.messages.iter().map(|m| m.id).collect(),
            change: posted.change,
            notifications: (posted.change == Change::Updated).then(|| {
                posted
                    .notifications
                    .iter()
                    .map(|n| n.notification.id)
                    .collect()
            }),
            deleted: posted.deleted.clone(),
        })
        .unwrap_or_default()
    }
}
/// Announces `posted` to the other nodes, inside `tx`: on PostgreSQL a `NOTIFY` on
/// [`LIVE_CHANNEL`](super::LIVE_CHANNEL), delivered at commit; nothing on SQLite (one node).
pub(crate) async fn notify_remote(
    tx: &mut Tx,
    node: Uuid,
    posted: &Posted,
) -> Result<(), StoreError> {
    if tx.is_postgres() {
        query("SELECT pg_notify($1, $2)")
            .bind(super::LIVE_CHANNEL)
            .bind(RemotePosted::payload(node, posted))
            .execute(tx)
            .await?;
    }
    Ok(())
}

/// The oldest heartbeat that still counts as online.
pub(crate) fn presence_cutoff() -> chrono::DateTime<chrono::Utc> {
    super::now() - chrono::Duration::from_std(PRESENCE_TTL).unwrap_or_default()
}

impl Store {
    /// Reads back what another node announced: the messages with their mentions and the
    /// notifications they created (for an edit, only those it lists), and its deletions.
    pub async fn load_posted(&self, remote: RemotePosted) -> Result<Posted, StoreError> {
        let message_ids = &remote.messages;
        let messages = self.messages_by_ids(message_ids).await?;
        if messages.is_empty() {
            return Ok(Posted {
                deleted: remote.deleted,
                ..Posted::default()
            });
        }
        let rows: Vec<NotificationRow> =
            query(format!("{NOTIFICATION_SELECT} WHERE n.message_id IN ("))
                .push_list(message_ids)
                .push(") ORDER BY n.id")
                .fetch_all(self.read())
                .await?;
        let notifications = rows
            .into_iter()
            .filter(|row| {
                remote
                    .notifications
                    .as_ref()
                    .is_none_or(|only| only.contains(&row.0))
            })
            .map(|row| UserNotification {
                user_id: row.8,
                notification: notification_from_row(row),
            })
            .collect();
        Ok(Posted {
            messages,
            notifications,
            change: remote.change,
            deleted: remote.deleted,
        })
    }

    /// The ids of a channel's members.
    pub async fn channel_member_ids(&self, channel_id: Uuid) -> Result<Vec<Uuid>, StoreError> {
        Ok(
            query("SELECT user_id FROM channel_members WHERE channel_id = $1")
                .bind(channel_id)
                .fetch_scalars(self.read())
                .await?,
        )
    }

    /// Records that `user_id` now has `connections` open WebSocket connections on this node
    /// (zero removes the row).
    pub async fn set_presence(&self, user_id: Uuid, connections: usize) -> Result<(), StoreError> {
        if connections == 0 {
            query("DELETE FROM live_presence WHERE node_id = $1 AND user_id = $2")
                .bind(self.node_id)
                .bind(user_id)
                .execute(self.write())
                .await?;
        } else {
            query(
                    "INSERT INTO live_presence (node_id, user_id, connections, seen_at) VALUES ($1, $2, $3, $4)
                     ON CONFLICT (node_id, user_id) DO UPDATE SET connections = $3, seen_at = $4",
                )
                .bind(self.node_id)
                .bind(user_id)
                .bind(connections as i64)
                .bind(super::now())
                .execute(self.write())
                .await?;
        };
        Ok(())
    }

    /// Refreshes this node's presence rows and removes rows of nodes whose heartbeat stopped.
    pub async fn presence_heartbeat(&self) -> Result<(), StoreError> {
        query("UPDATE live_presence SET seen_at = $2 WHERE node_id = $1")
            .bind(self.node_id)
            .bind(super::now())
            .execute(self.write())
            .await?;
        query("DELETE FROM live_presence WHERE seen_at < $1")
            .bind(presence_cutoff())
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Removes this node's presence rows (at shutdown, when its connections close).
    pub async fn clear_presence(&self) -> Result<(), StoreError> {
        query("DELETE FROM live_presence WHERE node_id = $1")
            .bind(self.node_id)
            .execute(self.write())
            .await?;
        Ok(())
    }

    /// Whether `user_id` has an open WebSocket connection on any node.
    pub async fn is_online(&self, user_id: Uuid) -> Result<bool, StoreError> {
        let n: i64 =
            query("SELECT COUNT(*) FROM live_presence WHERE user_id = $1 AND seen_at >= $2")
                .bind(user_id)
                .bind(presence_cutoff())
                .fetch_scalar(self.read())
                .await?;
        Ok(n > 0)
    }
}
