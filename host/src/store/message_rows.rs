//! Writing webhook messages in bulk: their rows are prepared (mentions resolved), inserted with
//! multi-row `INSERT`s, and then what follows each (mentions, notifications, outgoing events,
//! Web Push jobs, the `NOTIFY` to other nodes) is stored. Used by the group-commit writer for a
//! whole batch and by [`super::messages::insert_messages`] for one post.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use super::db::{Tx, query};
use super::messages::NewMessage;
use super::messages::{MessageRow, Posted, mention_notification, resolve_mentions};
use super::{live, outgoing, push};
use crate::mentions;
use crate::model::{MentionedUser, WebhookTarget};

/// A webhook message about to be stored: its row, the users it mentions (resolved), and its
/// sender's format.
pub(crate) struct Prepared<'m> {
    row: MessageRow,
    mentions: Vec<MentionedUser>,
    format_source: Option<&'m str>,
}

/// Builds the rows of `messages` and resolves their mentions (a query only for a message
/// that mentions someone).
pub(crate) async fn prepare_messages<'m>(
    tx: &mut Tx,
    target: &WebhookTarget,
    messages: &'m [NewMessage],
    now: DateTime<Utc>,
) -> Result<Vec<Prepared<'m>>, StoreError> {
    let mut prepared = Vec::with_capacity(messages.len());
    for msg in messages {
        let parsed = mentions::parse(&msg.content);
        let mut mentioned = if parsed.is_empty() {
            Vec::new()
        } else {
            resolve_mentions(tx, target, &parsed).await?
        };
        mentioned.retain(|u| msg.mentions.allows(u.user_id));
        prepared.push(Prepared {
            row: MessageRow::webhook(target, msg, now),
            mentions: mentioned,
            format_source: msg.format_source.as_deref(),
        });
    }
    Ok(prepared)
}

/// The most message rows one `INSERT` carries, largest first: a batch is cut into statements
/// of these sizes, so a handful of statement texts (each prepared once per connection) serve
/// every batch size.
const INSERT_CHUNKS: [usize; 4] = [64, 16, 4, 1];

/// Inserts the message rows of `prepared` with as few statements as the chunk sizes allow.
pub(crate) async fn insert_rows(tx: &mut Tx, prepared: &[&Prepared<'_>]) -> Result<(), StoreError> {
    let mut rest = prepared;
    while !rest.is_empty() {
        let n = INSERT_CHUNKS
            .into_iter()
            .find(|&c| c <= rest.len())
            .unwrap_or(1);
        let (chunk, tail) = rest.split_at(n);
        let mut q = query(insert_sql(n));
        for p in chunk {
            let row = &p.row;
            q = q
                .bind(row.id)
                .bind(row.channel_id)
                .bind(row.kind.as_str())
                .bind(row.webhook_id)
                .bind(row.webhook_name.as_deref())
                .bind(row.display_name.as_str())
                .bind(row.avatar_url.as_deref())
                .bind(row.content.as_str())
                .bind(row.created_at)
                .bind(p.format_source);
        }
        q.execute(&mut *tx).await?;
        rest = tail;
    }
    Ok(())
}

/// The `INSERT INTO messages ... VALUES` text with `rows` tuples of webhook-message
/// placeholders, for each chunk size of [`INSERT_CHUNKS`]: built once, not per batch.
fn insert_sql(rows: usize) -> &'static str {
    static TEXTS: [OnceLock<String>; INSERT_CHUNKS.len()] =
        [const { OnceLock::new() }; INSERT_CHUNKS.len()];
    let chunk = INSERT_CHUNKS
        .iter()
        .position(|&c| c == rows)
        .expect("a chunk size");
    TEXTS[chunk].get_or_init(|| build_insert_sql(rows))
}

fn build_insert_sql(rows: usize) -> String {
    const COLUMNS: usize = 10;
    let mut sql = String::from(
        "INSERT INTO messages (id, channel_id, kind, sender_user_id, webhook_id, webhook_name,
         display_name, avatar_url, content, e2ee, created_at, format_source) VALUES ",
    );
    for r in 0..rows {
        let p = |i: usize| r * COLUMNS + i;
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push_str(&format!(
            "(${}, ${}, ${}, NULL, ${}, ${}, ${}, ${}, ${}, FALSE, ${}, ${})",
            p(1),
            p(2),
            p(3),
            p(4),
            p(5),
            p(6),
            p(7),
            p(8),
            p(9),
            p(10)
        ));
    }
    sql
}

/// Stores what follows the rows [`insert_rows`] inserted: their mentions and notifications,
/// outgoing events (for `subscriptions`, the community's enabled outgoing webhooks), Web Push
/// jobs and, on PostgreSQL, the `NOTIFY` to the other nodes.
pub(crate) async fn finish_messages(
    tx: &mut Tx,
    node_id: Uuid,
    target: &WebhookTarget,
    subscriptions: &[crate::outgoing::Subscription],
    prepared: Vec<Prepared<'_>>,
    now: DateTime<Utc>,
) -> Result<Posted, StoreError> {
    let mut posted = Posted::default();
    for Prepared { row, mentions, .. } in prepared {
        for (position, user) in mentions.iter().enumerate() {
            query(
                "INSERT INTO message_mentions (message_id, user_id, position) VALUES ($1, $2, $3)",
            )
            .bind(row.id)
            .bind(user.user_id)
            .bind(position as i64)
            .execute(&mut *tx)
            .await?;
            let notification = mention_notification(&row, user.user_id, now);
            query(
                "INSERT INTO notifications (id, user_id, kind, message_id, channel_id, created_at)
                 VALUES ($1, $2, 'mention', $3, $4, $5)",
            )
            .bind(notification.notification.id)
            .bind(user.user_id)
            .bind(row.id)
            .bind(row.channel_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            posted.notifications.push(notification);
        }
        let message = row.into_message(mentions);
        outgoing::outbox::enqueue_message_events(tx, subscriptions, target, &message).await?;
        posted.messages.push(message);
    }
    push::enqueue_push_jobs(tx, &posted.notifications, now).await?;
    live::notify_remote(tx, node_id, &posted).await?;
    Ok(posted)
}
