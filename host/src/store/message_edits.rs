//! A webhook's own messages after posting: read back, edit and delete (Discord's
//! `/api/webhooks/{id}/{token}/messages/{message_id}`). An edit re-resolves mentions and
//! notifies only users the message did not notify before.

use uuid::Uuid;

use super::db::query;
use super::messages::{MESSAGE_COLUMNS, MessageRow, mention_notification, resolve_mentions};
use super::{
    Change, DeletedMessage, NewMessage, Posted, Store, StoreError, StoredMessage, WebhookTarget,
};
use super::{live, push};
use crate::mentions;

/// A webhook message with the source its sender's format gave it.
#[derive(Debug, Clone)]
pub struct WebhookMessage {
    /// The message as the messages API shows it.
    pub message: StoredMessage,
    /// The message in its sender's format (JSON text), if it was posted in one.
    pub format_source: Option<String>,
}

impl Store {
    /// A message posted through `webhook_id`. `NotFound` for any other message (another
    /// webhook's, a user's, or none).
    pub async fn webhook_message(
        &self,
        webhook_id: Uuid,
        message_id: Uuid,
    ) -> Result<WebhookMessage, StoreError> {
        let found: Option<(Option<String>,)> = query(
                "SELECT format_source FROM messages WHERE id = $1 AND webhook_id = $2 AND kind = 'webhook'",
            )
            .bind(message_id)
            .bind(webhook_id)
            .fetch_optional(self.read())
            .await?;
        let (format_source,) = found.ok_or(StoreError::NotFound)?;
        let message = self
            .messages_by_ids(&[message_id])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        Ok(WebhookMessage {
            message,
            format_source,
        })
    }

    /// Replaces the content of a message posted through `target` and marks it edited, in one
    /// transaction: its mentions are resolved again, and users it mentions for the first time
    /// are notified (users notified for it before are not notified again). `NotFound` when the
    /// message is not the webhook's.
    pub async fn edit_webhook_message(
        &self,
        target: &WebhookTarget,
        message_id: Uuid,
        edit: &NewMessage,
    ) -> Result<WebhookMessage, StoreError> {
        let mut tx = self.begin().await?;
        let row: Option<MessageRow> = query(format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND webhook_id = $2 AND kind = 'webhook'"
        ))
        .bind(message_id)
        .bind(target.id)
        .fetch_optional(&mut tx)
        .await?;
        let mut row = row.ok_or(StoreError::NotFound)?;
        let now = super::now();
        query("UPDATE messages SET content = $2, format_source = $3, edited_at = $4 WHERE id = $1")
            .bind(message_id)
            .bind(&edit.content)
            .bind(&edit.format_source)
            .bind(now)
            .execute(&mut tx)
            .await?;
        row.content = edit.content.clone();
        row.edited_at = Some(now);
        let mut mentioned =
            resolve_mentions(&mut tx, target, &mentions::parse(&edit.content)).await?;
        mentioned.retain(|u| edit.mentions.allows(u.user_id));
        let notified: Vec<Uuid> = query("SELECT user_id FROM notifications WHERE message_id = $1")
            .bind(message_id)
            .fetch_scalars(&mut tx)
            .await?;
        query("DELETE FROM message_mentions WHERE message_id = $1")
            .bind(message_id)
            .execute(&mut tx)
            .await?;
        let mut posted = Posted {
            change: Change::Updated,
            ..Posted::default()
        };
        for (position, user) in mentioned.iter().enumerate() {
            query(
                "INSERT INTO message_mentions (message_id, user_id, position) VALUES ($1, $2, $3)",
            )
            .bind(message_id)
            .bind(user.user_id)
            .bind(position as i64)
            .execute(&mut tx)
            .await?;
            if notified.contains(&user.user_id) {
                continue;
            }
            let notification = mention_notification(&row, user.user_id, now);
            query(
                "INSERT INTO notifications (id, user_id, kind, message_id, channel_id, created_at)
                 VALUES ($1, $2, 'mention', $3, $4, $5)",
            )
            .bind(notification.notification.id)
            .bind(user.user_id)
            .bind(message_id)
            .bind(row.channel_id)
            .bind(now)
            .execute(&mut tx)
            .await?;
            posted.notifications.push(notification);
        }
        push::enqueue_push_jobs(&mut tx, &posted.notifications, now).await?;
        posted.messages.push(row.into_message(mentioned));
        live::notify_remote(&mut tx, self.node_id, &posted).await?;
        tx.commit().await?;
        let message = self.published(posted).pop().ok_or(StoreError::NotFound)?;
        Ok(WebhookMessage {
            message,
            format_source: edit.format_source.clone(),
        })
    }

    /// Deletes a message posted through `webhook_id` (its mentions and notifications go with
    /// it). `NotFound` when the message is not the webhook's.
    pub async fn delete_webhook_message(
        &self,
        webhook_id: Uuid,
        message_id: Uuid,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin().await?;
        let channel_id: Option<Uuid> = query(
            "DELETE FROM messages WHERE id = $1 AND webhook_id = $2 AND kind = 'webhook' RETURNING channel_id",
        )
        .bind(message_id)
        .bind(webhook_id)
        .fetch_optional_scalar(&mut tx)
        .await?;
        let channel_id = channel_id.ok_or(StoreError::NotFound)?;
        let posted = Posted {
            deleted: vec![DeletedMessage {
                id: message_id,
                channel_id,
            }],
            ..Posted::default()
        };
        live::notify_remote(&mut tx, self.node_id, &posted).await?;
        tx.commit().await?;
        self.published(posted);
        Ok(())
    }
}
