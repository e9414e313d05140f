//! Messages, their resolved mentions, and mention notifications.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::db::{Tx, query};
use super::message_rows as rows;
use super::outgoing;
use super::{Store, StoreError};
use crate::mentions::{self, Mention};
use crate::model::{MentionedUser, Sender, StoredMessage, WebhookRef, WebhookTarget};

/// A validated message to post through a webhook.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Message text, stored exactly as sent.
    pub content: String,
    /// Display-name override.
    pub username: Option<String>,
    /// Avatar override.
    pub avatar_url: Option<String>,
    /// Which resolved mentions count (all, unless the sender's format restricted them).
    pub mentions: mentions::MentionFilter,
    /// The message in its sender's format (JSON), for format APIs that answer with it
    /// (Discord's message object); `None` for native posts.
    pub format_source: Option<String>,
}

/// A mention notification.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Notification {
    /// Notification id.
    pub id: Uuid,
    /// Always `mention` for now.
    pub kind: String,
    /// Whether the user has read it.
    pub read: bool,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// The message that mentioned the user.
    pub message: NotificationMessage,
}

/// The part of a message a notification shows.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NotificationMessage {
    /// Message id.
    pub id: Uuid,
    /// Channel id.
    pub channel_id: Uuid,
    /// Message text.
    pub content: String,
    /// Sender's display name.
    pub sender_display_name: String,
}

/// A notification and the user it is for.
#[derive(Debug, Clone, Serialize)]
pub struct UserNotification {
    /// The user notified.
    pub user_id: Uuid,
    /// The notification, as the notifications API shows it.
    pub notification: Notification,
}

/// What one committed post stored: its messages and the notifications their mentions created.
#[derive(Debug, Clone, Default)]
pub struct Posted {
    /// The stored messages, in order.
    pub messages: Vec<StoredMessage>,
    /// One notification per mentioned user per message.
    pub notifications: Vec<UserNotification>,
    /// Whether `messages` were created (a post) or changed (an edit).
    pub change: Change,
    /// Messages deleted.
    pub deleted: Vec<DeletedMessage>,
}

/// What happened to the messages of a [`Posted`]: the live event they become.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Change {
    /// Posted (`message.created`).
    #[default]
    Created,
    /// Edited (`message.updated`).
    Updated,
}

/// A deleted message: what a `message.deleted` event says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DeletedMessage {
    /// The message id.
    pub id: Uuid,
    /// Its channel.
    pub channel_id: Uuid,
}

/// The `messages` columns a [`MessageRow`] reads.
pub(crate) const MESSAGE_COLUMNS: &str = "id, channel_id, kind, sender_user_id, webhook_id, webhook_name, display_name, avatar_url, content, e2ee, created_at, edited_at";

/// (message id, user id, username, display name) of a stored mention.
type MentionRow = (Uuid, Uuid, String, String);

pub(crate) type NotificationRow = (
    Uuid,
    String,
    Option<DateTime<Utc>>,
    DateTime<Utc>,
    Uuid,
    Uuid,
    String,
    String,
    Uuid,
);

#[derive(sqlx::FromRow)]
pub(crate) struct MessageRow {
    pub(crate) id: Uuid,
    pub(crate) channel_id: Uuid,
    pub(crate) kind: String,
    pub(crate) sender_user_id: Option<Uuid>,
    pub(crate) webhook_id: Option<Uuid>,
    pub(crate) webhook_name: Option<String>,
    pub(crate) display_name: String,
    pub(crate) avatar_url: Option<String>,
    pub(crate) content: String,
    pub(crate) e2ee: bool,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) edited_at: Option<DateTime<Utc>>,
}

impl MessageRow {
    pub(crate) fn into_message(self, mentions: Vec<MentionedUser>) -> StoredMessage {
        StoredMessage {
            id: self.id,
            channel_id: self.channel_id,
            kind: self.kind,
            content_html: crate::markdown::render(&self.content, &mentions),
            content: self.content,
            e2ee: self.e2ee,
            sender: Sender {
                user_id: self.sender_user_id,
                display_name: self.display_name,
                avatar_url: self.avatar_url,
            },
            webhook: self
                .webhook_id
                .zip(self.webhook_name)
                .map(|(id, name)| WebhookRef { id, name }),
            mentions,
            created_at: self.created_at,
            edited_at: self.edited_at,
        }
    }
}

/// Looks parsed mentions up (emails among the community's members, usernames among the
/// channel's members) and applies the selection rules.
pub(crate) async fn resolve_mentions(
    tx: &mut Tx,
    target: &WebhookTarget,
    parsed: &[Mention],
) -> Result<Vec<MentionedUser>, StoreError> {
    let emails: Vec<&str> = parsed
        .iter()
        .filter_map(|m| match m {
            Mention::Email(e) => Some(e.as_str()),
            Mention::Username(_) => None,
        })
        .collect();
    let usernames: Vec<&str> = parsed
        .iter()
        .filter_map(|m| match m {
            Mention::Username(u) => Some(u.as_str()),
            Mention::Email(_) => None,
        })
        .collect();
    let mut by_email: HashMap<String, MentionedUser> = HashMap::new();
    if !emails.is_empty() {
        let rows: Vec<(String, Uuid, String, String)> = query(
            "SELECT u.email_lower, u.id, u.username, u.display_name FROM users u
             JOIN community_members m ON m.user_id = u.id
             WHERE m.community_id = $1 AND u.email_lower IN (",
        )
        .bind(target.community_id)
        .push_list(emails)
        .push(")")
        .fetch_all(&mut *tx)
        .await?;
        for (email, user_id, username, display_name) in rows {
            let user = MentionedUser {
                user_id,
                username,
                display_name,
            };
            by_email.insert(email, user);
        }
    }
    let mut by_username: HashMap<String, MentionedUser> = HashMap::new();
    if !usernames.is_empty() {
        let rows: Vec<MentionedUser> = query(
            "SELECT u.id AS user_id, u.username, u.display_name FROM users u
             JOIN channel_members cm ON cm.user_id = u.id
             WHERE cm.channel_id = $1 AND u.username IN (",
        )
        .bind(target.channel_id)
        .push_list(usernames)
        .push(")")
        .fetch_all(&mut *tx)
        .await?;
        for user in rows {
            by_username.insert(user.username.clone(), user);
        }
    }
    Ok(mentions::select(
        parsed,
        |m| match m {
            Mention::Email(e) => by_email.get(e).cloned(),
            Mention::Username(u) => by_username.get(u).cloned(),
        },
        |u| u.user_id,
    ))
}

/// Inserts webhook messages with their mentions and notifications, and counts them in the
/// webhook's statistics, inside `tx`: [`insert_messages`] and the statistics.
pub(crate) async fn insert_webhook_messages(
    tx: &mut Tx,
    node_id: Uuid,
    target: &WebhookTarget,
    messages: &[NewMessage],
) -> Result<Posted, StoreError> {
    let posted = insert_messages(tx, node_id, target, messages).await?;
    super::batch::count_usage(tx, target.id, messages.len() as i64, super::now()).await?;
    Ok(posted)
}

/// Inserts webhook messages with their mentions and notifications inside `tx` (the caller
/// counts them in the webhook's statistics). The outgoing events of the posts and the Web Push
/// jobs of offline mentioned users are enqueued in the same transaction, and on PostgreSQL a
/// `NOTIFY` (delivered at commit) tells the other nodes. Returns the [`Posted`] messages, which
/// the caller hands to [`Store::published`] once committed.
pub(crate) async fn insert_messages(
    tx: &mut Tx,
    node_id: Uuid,
    target: &WebhookTarget,
    messages: &[NewMessage],
) -> Result<Posted, StoreError> {
    let now = super::now();
    let subscriptions = outgoing::outbox::subscriptions(tx, target.community_id).await?;
    let prepared = rows::prepare_messages(tx, target, messages, now).await?;
    rows::insert_rows(tx, &prepared.iter().collect::<Vec<_>>()).await?;
    rows::finish_messages(tx, node_id, target, &subscriptions, prepared, now).await
}

/// A notification as read back by [`NOTIFICATION_SELECT`].
pub(crate) fn notification_from_row(row: NotificationRow) -> Notification {
    let (
        id,
        kind,
        read_at,
        created_at,
        message_id,
        channel_id,
        content,
        sender_display_name,
        _user,
    ) = row;
    Notification {
        id,
        kind,
        read: read_at.is_some(),
        created_at,
        message: NotificationMessage {
            id: message_id,
            channel_id,
            content,
            sender_display_name,
        },
    }
}

/// Selects a [`NotificationRow`] from `notifications n JOIN messages m`.
pub(crate) const NOTIFICATION_SELECT: &str = "SELECT n.id, n.kind, n.read_at, n.created_at, m.id, m.channel_id, m.content, m.display_name, n.user_id
                                              FROM notifications n JOIN messages m ON m.id = n.message_id";

/// The notification a mention of `user_id` in `row` creates.
pub(crate) fn mention_notification(
    row: &MessageRow,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> UserNotification {
    UserNotification {
        user_id,
        notification: Notification {
            id: Uuid::now_v7(),
            kind: "mention".into(),
            read: false,
            created_at: now,
            message: NotificationMessage {
                id: row.id,
                channel_id: row.channel_id,
                content: row.content.clone(),
                sender_display_name: row.display_name.clone(),
            },
        },
    }
}

impl MessageRow {
    /// The row of a webhook message about to be stored.
    pub(crate) fn webhook(target: &WebhookTarget, msg: &NewMessage, now: DateTime<Utc>) -> Self {
        MessageRow {
            id: Uuid::now_v7(),
            channel_id: target.channel_id,
            kind: "webhook".into(),
            sender_user_id: None,
            webhook_id: Some(target.id),
            webhook_name: Some(target.name.clone()),
            display_name: msg
                .username
                .clone()
                .unwrap_or_else(|| target.username.clone()),
            avatar_url: msg.avatar_url.clone().or_else(|| target.avatar_url.clone()),
            content: msg.content.clone(),
            e2ee: false,
            created_at: now,
            edited_at: None,
        }
    }
}

impl Store {
    /// Stores webhook messages, their mentions and notifications and the webhook's usage
    /// statistics, through the group-commit writer (one transaction shared with the posts
    /// queued at the same moment); answers once they are committed.
    pub async fn post_webhook_messages(
        &self,
        target: &WebhookTarget,
        messages: &[NewMessage],
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let job = super::batch::PostJob {
            target: target.clone(),
            messages: messages.to_vec(),
            delivery: None,
        };
        Ok(self.commit_post(job).await?.0)
    }

    /// Resolves the mentions of `content` as posting it through `target` would, storing nothing.
    pub async fn preview_mentions(
        &self,
        target: &WebhookTarget,
        content: &str,
    ) -> Result<Vec<MentionedUser>, StoreError> {
        let parsed = mentions::parse(content);
        if parsed.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = self.begin_read().await?;
        resolve_mentions(&mut tx, target, &parsed).await
    }

    /// A page of a channel's messages, newest first, strictly older than `before` if given.
    pub async fn channel_messages(
        &self,
        channel_id: Uuid,
        before: Option<Uuid>,
        limit: u32,
    ) -> Result<Vec<StoredMessage>, StoreError> {
        let rows: Vec<MessageRow> = query(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages
             WHERE channel_id = $1 AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        ))
        .bind(channel_id)
        .bind(before)
        .bind(i64::from(limit))
        .fetch_all(self.read())
        .await?;
        self.with_mentions(rows).await
    }

    /// Messages by id, in the order of `ids` (unknown ids are left out).
    pub async fn messages_by_ids(&self, ids: &[Uuid]) -> Result<Vec<StoredMessage>, StoreError> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut rows: Vec<MessageRow> = query(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ("
        ))
        .push_list(ids)
        .push(")")
        .fetch_all(self.read())
        .await?;
        rows.sort_by_key(|row| ids.iter().position(|id| *id == row.id));
        self.with_mentions(rows).await
    }

    /// Attaches each message's mentions, in order of appearance.
    async fn with_mentions(&self, rows: Vec<MessageRow>) -> Result<Vec<StoredMessage>, StoreError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mention_rows: Vec<MentionRow> = query(
            "SELECT mm.message_id, u.id AS user_id, u.username, u.display_name FROM message_mentions mm
             JOIN users u ON u.id = mm.user_id WHERE mm.message_id IN (",
        )
        .push_list(rows.iter().map(|row| row.id))
        .push(") ORDER BY mm.message_id, mm.position")
        .fetch_all(self.read())
        .await?;
        let mut by_message: HashMap<Uuid, Vec<MentionedUser>> = HashMap::new();
        for (message_id, user_id, username, display_name) in mention_rows {
            by_message
                .entry(message_id)
                .or_default()
                .push(MentionedUser {
                    user_id,
                    username,
                    display_name,
                });
        }
        Ok(rows
            .into_iter()
            .map(|row| {
                let mentions = by_message.remove(&row.id).unwrap_or_default();
                row.into_message(mentions)
            })
            .collect())
    }

    /// A user's notifications, newest first.
    pub async fn notifications_of(
        &self,
        user_id: Uuid,
        limit: u32,
    ) -> Result<Vec<Notification>, StoreError> {
        let rows: Vec<NotificationRow> = query(format!(
            "{NOTIFICATION_SELECT} WHERE n.user_id = $1 ORDER BY n.id DESC LIMIT $2"
        ))
        .bind(user_id)
        .bind(i64::from(limit))
        .fetch_all(self.read())
        .await?;
        Ok(rows.into_iter().map(notification_from_row).collect())
    }

    /// Marks one of the user's notifications read. `NotFound` when it is not theirs.
    pub async fn mark_notification_read(&self, user_id: Uuid, id: Uuid) -> Result<(), StoreError> {
        let done = query("UPDATE notifications SET read_at = COALESCE(read_at, $3) WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id)
                .bind(super::now())
                .execute(self.write())
                .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}
