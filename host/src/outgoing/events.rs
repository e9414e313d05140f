//! The events outgoing webhooks subscribe to, the event the store enqueues, and which
//! subscriptions want it (pure: no I/O).

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

/// An event outgoing webhooks can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// A message was posted.
    MessageCreated,
    /// A message mentioned a user (one event per mentioned user).
    MentionCreated,
    /// An incoming webhook was created.
    WebhookCreated,
    /// An incoming webhook's settings changed.
    WebhookUpdated,
    /// An incoming webhook's token was regenerated.
    WebhookRegenerated,
    /// An incoming webhook was deleted.
    WebhookDeleted,
    /// A plugin failed on an incoming request (kept as a failed delivery).
    DeliveryFailed,
    /// A user joined the community.
    MemberJoined,
    /// A channel was created.
    ChannelCreated,
}

/// Every event, in the order the API lists them.
pub const ALL_EVENTS: [EventKind; 9] = [
    EventKind::MessageCreated,
    EventKind::MentionCreated,
    EventKind::WebhookCreated,
    EventKind::WebhookUpdated,
    EventKind::WebhookRegenerated,
    EventKind::WebhookDeleted,
    EventKind::DeliveryFailed,
    EventKind::MemberJoined,
    EventKind::ChannelCreated,
];

/// The type of the sample event the "test" action sends.
pub const TEST_EVENT: &str = "outgoing_webhook.test";

impl EventKind {
    /// The event's name on the wire (`message.created`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::MessageCreated => "message.created",
            EventKind::MentionCreated => "mention.created",
            EventKind::WebhookCreated => "webhook.created",
            EventKind::WebhookUpdated => "webhook.updated",
            EventKind::WebhookRegenerated => "webhook.regenerated",
            EventKind::WebhookDeleted => "webhook.deleted",
            EventKind::DeliveryFailed => "delivery.failed",
            EventKind::MemberJoined => "member.joined",
            EventKind::ChannelCreated => "channel.created",
        }
    }

    /// Parses a wire name.
    pub fn parse(name: &str) -> Option<Self> {
        ALL_EVENTS.into_iter().find(|k| k.as_str() == name)
    }

    /// What the event means, for the event list.
    pub fn description(self) -> &'static str {
        match self {
            EventKind::MessageCreated => {
                "A message was posted (filters: only webhook messages, only messages with mentions)"
            }
            EventKind::MentionCreated => {
                "A message mentioned a user; one event per user, who can also get a direct message"
            }
            EventKind::WebhookCreated => "An incoming webhook was created",
            EventKind::WebhookUpdated => "An incoming webhook's settings changed",
            EventKind::WebhookRegenerated => "An incoming webhook's token was regenerated",
            EventKind::WebhookDeleted => "An incoming webhook was deleted",
            EventKind::DeliveryFailed => {
                "A plugin failed on an incoming request (the failed delivery can be replayed)"
            }
            EventKind::MemberJoined => "A user joined the community",
            EventKind::ChannelCreated => "A channel was created",
        }
    }
}

impl Serialize for EventKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// An event about to be enqueued, in the transaction of the change that caused it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// What happened.
    pub kind: EventKind,
    /// The community it happened in.
    pub community_id: Uuid,
    /// The channel, for channel-scoped events.
    pub channel_id: Option<Uuid>,
    /// For message events: whether the message came from a webhook.
    pub from_webhook: bool,
    /// For message events: whether the message mentions anyone.
    pub has_mentions: bool,
    /// The user the event names, who gets a direct message where that is enabled.
    pub dm_user_id: Option<Uuid>,
    /// The event's `data` object.
    pub data: Value,
}

impl NewEvent {
    /// An event without message flags or a user to message.
    pub fn new(kind: EventKind, community_id: Uuid, channel_id: Option<Uuid>, data: Value) -> Self {
        Self {
            kind,
            community_id,
            channel_id,
            from_webhook: false,
            has_mentions: false,
            dm_user_id: None,
            data,
        }
    }
}

/// What an enabled outgoing webhook subscribes to.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Subscription {
    /// The outgoing webhook.
    pub id: Uuid,
    /// Its events, as the JSON array text it is stored as.
    pub events: String,
    /// Only events of this channel (community-wide events always pass).
    pub channel_id: Option<Uuid>,
    /// `message.created`/`mention.created`: only messages posted by webhooks.
    pub only_webhook_messages: bool,
    /// `message.created`: only messages that mention someone.
    pub only_mentions: bool,
    /// Whether the users its events name get a direct message.
    pub direct_messages: bool,
}

impl Subscription {
    /// Whether this outgoing webhook wants the event.
    pub fn wants(&self, event: &NewEvent) -> bool {
        let events: Vec<String> = serde_json::from_str(&self.events).unwrap_or_default();
        if !events.iter().any(|e| e == event.kind.as_str()) {
            return false;
        }
        if let (Some(filter), Some(channel)) = (self.channel_id, event.channel_id)
            && filter != channel
        {
            return false;
        }
        let message_event = matches!(
            event.kind,
            EventKind::MessageCreated | EventKind::MentionCreated
        );
        if message_event && self.only_webhook_messages && !event.from_webhook {
            return false;
        }
        if event.kind == EventKind::MessageCreated && self.only_mentions && !event.has_mentions {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(events: &[&str]) -> Subscription {
        Subscription {
            id: Uuid::nil(),
            events: serde_json::to_string(events).unwrap(),
            channel_id: None,
            only_webhook_messages: false,
            only_mentions: false,
            direct_messages: false,
        }
    }

    fn message(channel: Uuid, mentions: bool) -> NewEvent {
        NewEvent {
            from_webhook: true,
            has_mentions: mentions,
            ..NewEvent::new(
                EventKind::MessageCreated,
                Uuid::nil(),
                Some(channel),
                Value::Null,
            )
        }
    }

    #[test]
    fn names_round_trip() {
        for kind in ALL_EVENTS {
            assert_eq!(EventKind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(EventKind::parse("message"), None);
    }

    #[test]
    fn only_subscribed_events_pass() {
        let s = sub(&["channel.created"]);
        assert!(!s.wants(&message(Uuid::now_v7(), false)));
        assert!(sub(&["message.created"]).wants(&message(Uuid::now_v7(), false)));
    }

    #[test]
    fn channel_filter_applies_to_channel_events_only() {
        let general = Uuid::now_v7();
        let s = Subscription {
            channel_id: Some(general),
            ..sub(&["message.created", "member.joined"])
        };
        assert!(s.wants(&message(general, false)));
        assert!(!s.wants(&message(Uuid::now_v7(), false)));
        let joined = NewEvent::new(EventKind::MemberJoined, Uuid::nil(), None, Value::Null);
        assert!(s.wants(&joined));
    }

    #[test]
    fn message_filters() {
        let c = Uuid::now_v7();
        let mentions_only = Subscription {
            only_mentions: true,
            ..sub(&["message.created"])
        };
        assert!(!mentions_only.wants(&message(c, false)));
        assert!(mentions_only.wants(&message(c, true)));
        let webhook_only = Subscription {
            only_webhook_messages: true,
            ..sub(&["message.created"])
        };
        let user_message = NewEvent {
            from_webhook: false,
            ..message(c, false)
        };
        assert!(!webhook_only.wants(&user_message));
        assert!(webhook_only.wants(&message(c, false)));
    }
}
