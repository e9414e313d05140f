//! The events a change causes, with their `data` objects: pure functions of what the store
//! read in the change's transaction. The store persists what these return; nothing here does
//! I/O, so the shape of every event is unit-tested here.

use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::events::{EventKind, NewEvent};
use crate::model::{Channel, StoredMessage, WebhookTarget};

/// `message.created` for a stored message, then one `mention.created` per user it mentions
/// (each naming that user, who may get a direct message).
pub fn message_events(
    target: &WebhookTarget,
    channel_name: &str,
    message: &StoredMessage,
) -> Vec<NewEvent> {
    let base = json!({
        "community_id": target.community_id,
        "channel": {"id": target.channel_id, "name": channel_name},
        "message": message,
    });
    let created = NewEvent {
        from_webhook: message.kind == "webhook",
        has_mentions: !message.mentions.is_empty(),
        ..NewEvent::new(
            EventKind::MessageCreated,
            target.community_id,
            Some(target.channel_id),
            base.clone(),
        )
    };
    let mut events = Vec::with_capacity(1 + message.mentions.len());
    for user in &message.mentions {
        let mut data = base.clone();
        data["user"] = json!({
            "id": user.user_id, "username": user.username, "display_name": user.display_name,
        });
        events.push(NewEvent {
            kind: EventKind::MentionCreated,
            dm_user_id: Some(user.user_id),
            data,
            ..created.clone()
        });
    }
    events.insert(0, created);
    events
}

/// An incoming webhook as `webhook.*` and `delivery.failed` events show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct WebhookFacts {
    /// Webhook id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Description.
    pub description: Option<String>,
    /// Default display name.
    pub username: String,
    /// Default avatar.
    pub avatar_url: Option<String>,
    /// Whether it accepts requests.
    pub active: bool,
    /// Its channel.
    pub channel_id: Uuid,
    /// The channel's name.
    pub channel_name: String,
    /// The channel's community.
    pub community_id: Uuid,
}

/// A `webhook.*` or `delivery.failed` event about `webhook`, with `extra` (a key and its
/// value) added to its data.
pub fn webhook_event(
    kind: EventKind,
    webhook: &WebhookFacts,
    extra: Option<(&str, Value)>,
) -> NewEvent {
    let mut data = json!({
        "community_id": webhook.community_id,
        "channel": {"id": webhook.channel_id, "name": webhook.channel_name},
        "webhook": {
            "id": webhook.id, "name": webhook.name, "description": webhook.description,
            "username": webhook.username, "avatar_url": webhook.avatar_url, "active": webhook.active,
        },
    });
    if let Some((key, value)) = extra {
        data[key] = value;
    }
    NewEvent::new(kind, webhook.community_id, Some(webhook.channel_id), data)
}

/// `delivery.failed` for the failed delivery `delivery_id` of `webhook`.
pub fn delivery_failed(
    webhook: &WebhookFacts,
    delivery_id: Uuid,
    error_code: Option<&str>,
    error_message: Option<&str>,
) -> NewEvent {
    let failed = json!({
        "id": delivery_id, "error_code": error_code, "error_message": error_message,
    });
    webhook_event(
        EventKind::DeliveryFailed,
        webhook,
        Some(("delivery", failed)),
    )
}

/// `member.joined` for a user joining a community with `role`.
pub fn member_joined(
    community_id: Uuid,
    user_id: Uuid,
    username: &str,
    display_name: &str,
    role: impl Serialize,
) -> NewEvent {
    let data = json!({
        "community_id": community_id,
        "user": {"id": user_id, "username": username, "display_name": display_name},
        "role": role,
    });
    NewEvent::new(EventKind::MemberJoined, community_id, None, data)
}

/// `channel.created` for a new channel.
pub fn channel_created(channel: &Channel) -> NewEvent {
    let data = json!({
        "community_id": channel.community_id,
        "channel": {"id": channel.id, "name": channel.name},
    });
    NewEvent::new(
        EventKind::ChannelCreated,
        channel.community_id,
        Some(channel.id),
        data,
    )
}

/// The `data` of the sample event the "test" action sends to an outgoing webhook.
pub fn test_event_data(community_id: Uuid, outgoing_webhook_id: Uuid, name: &str) -> Value {
    json!({
        "community_id": community_id,
        "outgoing_webhook": {"id": outgoing_webhook_id, "name": name},
    })
}

/// Why an outgoing webhook is disabled after `failures` consecutive failed deliveries, the
/// last of which failed with `last_error` (kept to 300 characters).
pub fn disabled_reason(failures: i64, last_error: Option<&str>) -> String {
    let last: String = last_error
        .unwrap_or("unknown error")
        .chars()
        .take(300)
        .collect();
    format!("disabled after {failures} consecutive failed deliveries; last error: {last}")
}

/// The notice its community's owners and admins get when outgoing webhook `name` is disabled.
pub fn disabled_notice(name: &str, reason: &str) -> String {
    format!("Outgoing webhook \"{name}\" was {reason}")
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::model::{MentionedUser, Sender, WebhookRef};

    fn target() -> WebhookTarget {
        WebhookTarget {
            id: Uuid::now_v7(),
            channel_id: Uuid::now_v7(),
            community_id: Uuid::now_v7(),
            name: "ci".into(),
            username: "CI".into(),
            avatar_url: None,
            plugin: None,
            plugin_config: "{}".into(),
        }
    }

    fn message(target: &WebhookTarget, mentions: Vec<MentionedUser>) -> StoredMessage {
        StoredMessage {
            id: Uuid::now_v7(),
            channel_id: target.channel_id,
            kind: "webhook".into(),
            content: "hi".into(),
            content_html: "<p>hi</p>".into(),
            e2ee: false,
            sender: Sender {
                user_id: None,
                display_name: "CI".into(),
                avatar_url: None,
            },
            webhook: Some(WebhookRef {
                id: target.id,
                name: target.name.clone(),
            }),
            mentions,
            created_at: Utc::now(),
            edited_at: None,
        }
    }

    #[test]
    fn a_message_without_mentions_is_one_event() {
        let t = target();
        let m = message(&t, Vec::new());
        let events = message_events(&t, "general", &m);
        assert_eq!(events.len(), 1);
        let e = &events[0];
        assert_eq!(e.kind, EventKind::MessageCreated);
        assert!(e.from_webhook && !e.has_mentions && e.dm_user_id.is_none());
        assert_eq!(e.channel_id, Some(t.channel_id));
        assert_eq!(e.data["channel"]["name"], "general");
        assert_eq!(e.data["message"]["id"], json!(m.id));
        assert_eq!(e.data["community_id"], json!(t.community_id));
    }

    #[test]
    fn each_mention_is_an_event_naming_its_user() {
        let t = target();
        let users: Vec<MentionedUser> = ["ann", "bob"]
            .into_iter()
            .map(|name| MentionedUser {
                user_id: Uuid::now_v7(),
                username: name.into(),
                display_name: name.to_uppercase(),
            })
            .collect();
        let events = message_events(&t, "general", &message(&t, users.clone()));
        assert_eq!(events.len(), 3);
        assert!(events[0].has_mentions);
        for (event, user) in events[1..].iter().zip(&users) {
            assert_eq!(event.kind, EventKind::MentionCreated);
            assert_eq!(event.dm_user_id, Some(user.user_id));
            assert_eq!(event.data["user"]["username"], user.username.as_str());
            assert_eq!(event.data["message"], events[0].data["message"]);
        }
    }

    #[test]
    fn delivery_failed_carries_the_webhook_and_the_delivery() {
        let facts = WebhookFacts {
            id: Uuid::now_v7(),
            name: "gh".into(),
            description: None,
            username: "GitHub".into(),
            avatar_url: None,
            active: true,
            channel_id: Uuid::now_v7(),
            channel_name: "dev".into(),
            community_id: Uuid::now_v7(),
        };
        let id = Uuid::now_v7();
        let e = delivery_failed(&facts, id, Some("plugin_trap"), Some("boom"));
        assert_eq!(e.kind, EventKind::DeliveryFailed);
        assert_eq!(e.data["webhook"]["name"], "gh");
        assert_eq!(e.data["channel"]["name"], "dev");
        assert_eq!(e.data["delivery"]["id"], json!(id));
        assert_eq!(e.data["delivery"]["error_code"], "plugin_trap");
        let plain = webhook_event(EventKind::WebhookUpdated, &facts, None);
        assert!(plain.data.get("delivery").is_none());
    }

    #[test]
    fn member_and_channel_events() {
        let community = Uuid::now_v7();
        let e = member_joined(community, Uuid::nil(), "ann", "Ann", "member");
        assert_eq!(e.kind, EventKind::MemberJoined);
        assert_eq!(e.channel_id, None);
        assert_eq!(e.data["role"], "member");
        assert_eq!(e.data["user"]["display_name"], "Ann");
        let channel = Channel {
            id: Uuid::now_v7(),
            community_id: community,
            name: "ops".into(),
            created_at: Utc::now(),
        };
        let e = channel_created(&channel);
        assert_eq!(e.channel_id, Some(channel.id));
        assert_eq!(e.data["channel"]["name"], "ops");
    }

    #[test]
    fn the_disabled_notice_keeps_300_characters_of_the_error() {
        let reason = disabled_reason(5, Some(&"x".repeat(400)));
        assert!(reason.starts_with("disabled after 5 consecutive failed deliveries; last error: "));
        assert_eq!(reason.matches('x').count(), 300);
        assert_eq!(
            disabled_reason(3, None),
            "disabled after 3 consecutive failed deliveries; last error: unknown error"
        );
        assert_eq!(
            disabled_notice("alerts", &reason[..8]),
            "Outgoing webhook \"alerts\" was disabled"
        );
    }
}
