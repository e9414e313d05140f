//! The outbox: inside the transaction of a change, the events it causes (built by
//! [`crate::outgoing::payloads`]) are stored with one pending delivery per outgoing webhook
//! that wants them, so an event is sent if and only if its change committed.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::{Channel, StoredMessage, WebhookTarget};
use crate::outgoing::payloads::{self, WebhookFacts};
use crate::outgoing::{EventKind, NewEvent, Subscription};
use crate::store::db::{Tx, query};
use crate::store::{Role, StoreError};

/// The enabled outgoing webhooks of a community.
pub(crate) async fn subscriptions(
    tx: &mut Tx,
    community_id: Uuid,
) -> Result<Vec<Subscription>, StoreError> {
    Ok(query(
        "SELECT id, events, channel_id, only_webhook_messages, only_mentions, direct_messages
         FROM outgoing_webhooks WHERE community_id = $1 AND enabled = TRUE",
    )
    .bind(community_id)
    .fetch_all(tx)
    .await?)
}

/// Stores `event` with a pending delivery for each of `subs` that wants it, and a direct
/// message to the user it names when one of those asks for it and the community has an IM
/// integration. Nothing is stored when no subscription wants it.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    subs: &[Subscription],
    event: &NewEvent,
) -> Result<(), StoreError> {
    let wanted: Vec<&Subscription> = subs.iter().filter(|s| s.wants(event)).collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let event_id = Uuid::now_v7();
    let now = crate::store::now();
    query(
        "INSERT INTO outgoing_events (id, community_id, kind, payload, created_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(event_id)
    .bind(event.community_id)
    .bind(event.kind.as_str())
    .bind(event.data.to_string())
    .bind(now)
    .execute(&mut *tx)
    .await?;
    for sub in &wanted {
        query(
            "INSERT INTO outgoing_deliveries (id, event_id, community_id, outgoing_webhook_id, kind,
             status, next_attempt_ms, created_at, updated_at)
             VALUES ($1, $2, $3, $4, 'webhook', 'pending', $5, $6, $6)",
        )
        .bind(Uuid::now_v7())
        .bind(event_id)
        .bind(event.community_id)
        .bind(sub.id)
        .bind(now.timestamp_millis())
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    if let Some(user_id) = event.dm_user_id
        && wanted.iter().any(|s| s.direct_messages)
    {
        enqueue_direct_message(tx, event_id, event.community_id, user_id, now).await?;
    }
    Ok(())
}

/// A pending direct message of event `event_id` to `user_id`, if the community has an IM
/// integration.
async fn enqueue_direct_message(
    tx: &mut Tx,
    event_id: Uuid,
    community_id: Uuid,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    query(
        "INSERT INTO outgoing_deliveries (id, event_id, community_id, recipient_user_id, kind,
         status, next_attempt_ms, created_at, updated_at)
         SELECT $1, $2, $3, $4, 'dm', 'pending', $5, $6, $6
         WHERE EXISTS (SELECT 1 FROM im_integrations WHERE community_id = $3)",
    )
    .bind(Uuid::now_v7())
    .bind(event_id)
    .bind(community_id)
    .bind(user_id)
    .bind(now.timestamp_millis())
    .bind(now)
    .execute(tx)
    .await?;
    Ok(())
}

/// Enqueues `message.created` and one `mention.created` per mentioned user for a stored
/// message, given the community's `subs` (read once per post).
pub(crate) async fn enqueue_message_events(
    tx: &mut Tx,
    subs: &[Subscription],
    target: &WebhookTarget,
    message: &StoredMessage,
) -> Result<(), StoreError> {
    if subs.is_empty() {
        return Ok(());
    }
    let channel_name: String = query("SELECT name FROM channels WHERE id = $1")
        .bind(target.channel_id)
        .fetch_scalar(&mut *tx)
        .await?;
    for event in payloads::message_events(target, &channel_name, message) {
        enqueue(tx, subs, &event).await?;
    }
    Ok(())
}

/// The incoming webhook `webhook_id` as its events show it, if it exists.
async fn webhook_facts(tx: &mut Tx, webhook_id: Uuid) -> Result<Option<WebhookFacts>, StoreError> {
    Ok(query(
        "SELECT w.id, w.name, w.description, w.username, w.avatar_url, w.active, w.channel_id,
         c.name AS channel_name, c.community_id
         FROM webhooks w JOIN channels c ON c.id = w.channel_id WHERE w.id = $1",
    )
    .bind(webhook_id)
    .fetch_optional(tx)
    .await?)
}

/// Enqueues the event `build` makes of the incoming webhook `webhook_id` (which must still
/// exist), when its community has outgoing webhooks.
pub(crate) async fn enqueue_webhook_event(
    tx: &mut Tx,
    webhook_id: Uuid,
    build: impl FnOnce(&WebhookFacts) -> NewEvent,
) -> Result<(), StoreError> {
    let Some(facts) = webhook_facts(tx, webhook_id).await? else {
        return Ok(());
    };
    let subs = subscriptions(tx, facts.community_id).await?;
    if !subs.is_empty() {
        enqueue(tx, &subs, &build(&facts)).await?;
    }
    Ok(())
}

/// Enqueues a plain `webhook.*` event (`kind`) about `webhook_id`.
pub(crate) async fn enqueue_webhook_change(
    tx: &mut Tx,
    webhook_id: Uuid,
    kind: EventKind,
) -> Result<(), StoreError> {
    enqueue_webhook_event(tx, webhook_id, |w| payloads::webhook_event(kind, w, None)).await
}

/// Enqueues `member.joined` for `user_id` joining `community_id` as `role`.
pub(crate) async fn enqueue_member_joined(
    tx: &mut Tx,
    community_id: Uuid,
    user_id: Uuid,
    role: Role,
) -> Result<(), StoreError> {
    let subs = subscriptions(tx, community_id).await?;
    if subs.is_empty() {
        return Ok(());
    }
    let (username, display_name): (String, String) =
        query("SELECT username, display_name FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
    let event = payloads::member_joined(community_id, user_id, &username, &display_name, role);
    enqueue(tx, &subs, &event).await
}

/// Enqueues `channel.created` for `channel`.
pub(crate) async fn enqueue_channel_created(
    tx: &mut Tx,
    channel: &Channel,
) -> Result<(), StoreError> {
    let subs = subscriptions(tx, channel.community_id).await?;
    if subs.is_empty() {
        return Ok(());
    }
    enqueue(tx, &subs, &payloads::channel_created(channel)).await
}
