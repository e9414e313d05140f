//! Live delivery: committed posts reach connected clients as events.
//!
//! Every post committed on this node arrives through the store's post sink; posts of other
//! nodes arrive as PostgreSQL notifications (ids only) and are read back. One task turns them
//! into events, in commit order, and fans each out to the connections registered in the
//! [`Hub`]: `message.created`, `message.updated` and `message.deleted` to WebSocket connections
//! of the channel's members and to the channel's SSE streams, `notification.created` to the
//! mentioned user's WebSocket connections. The plugin studio's events go to a community's
//! owners and admins (`notice.created` as the store commits a notice; `delivery.recorded`
//! from `http`), whom the hub knows from a cache that role changes clear ([`Managers`]).

mod hub;
mod managers;

use std::sync::Arc;

use serde::Serialize;
use tokio::sync::mpsc;
use uuid::Uuid;

pub use hub::{Connection, Hub, LiveEvent, Subscription};
pub use managers::Managers;

use crate::store::{Change, NoticesCreated, Posted, RemoteNotice, RemotePosted, Store};

/// What the fan-out task consumes.
#[derive(Debug)]
pub enum Input {
    /// A post committed on this node.
    Local(Posted),
    /// A `NOTIFY` payload from another node.
    Remote(String),
}

/// The JSON envelope every event has: `{"type": "...", "data": {...}}`.
#[derive(Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(rename = "type")]
    kind: &'a str,
    data: &'a T,
}

/// Serializes an event once; every connection then shares the bytes.
pub fn event<T: Serialize>(kind: &'static str, id: Uuid, data: &T) -> Arc<LiveEvent> {
    let json = serde_json::to_string(&Envelope { kind, data }).unwrap_or_default();
    Arc::new(LiveEvent {
        kind,
        id,
        json: json.into(),
    })
}

/// The `notice.created` event.
fn notice_event(community_id: Uuid, kind: &str, subject_id: Uuid, text: &str) -> Arc<LiveEvent> {
    let data = serde_json::json!({
        "community_id": community_id,
        "kind": kind,
        "subject_id": subject_id,
        "text": text,
    });
    event("notice.created", subject_id, &data)
}

/// Sends `notice.created` to the WebSocket connections of everyone who just got a notice on
/// this node.
pub fn notices_created(hub: &Hub, notices: &NoticesCreated) {
    let event = notice_event(
        notices.community_id,
        &notices.kind,
        notices.subject_id,
        &notices.text,
    );
    for user in &notices.user_ids {
        hub.to_user(*user, event.clone());
    }
}

/// Sends `notice.created` for a notice another node announced (a `NOTIFY` payload) to this
/// node's connections of the community's owners and admins; ignores this node's own.
pub async fn remote_notice(hub: &Hub, payload: &str) {
    match serde_json::from_str::<RemoteNotice>(payload) {
        Ok(notice) if notice.node == hub.node_id() => {}
        Ok(n) => {
            let event = notice_event(n.community_id, &n.kind, n.subject_id, &n.text);
            hub.to_managers(n.community_id, event).await;
        }
        Err(_) => tracing::warn!(payload, "ignoring a malformed notice notification"),
    }
}

/// Runs the fan-out task until every sender of `inputs` is gone.
pub async fn run(hub: Arc<Hub>, store: Store, mut inputs: mpsc::UnboundedReceiver<Input>) {
    while let Some(input) = inputs.recv().await {
        let posted = match input {
            Input::Local(posted) => posted,
            Input::Remote(payload) => match serde_json::from_str::<RemotePosted>(&payload) {
                Ok(remote) if remote.node == store.node_id() => continue,
                Ok(remote) => {
                    if !hub.has_connections() {
                        continue;
                    }
                    match store.load_posted(remote).await {
                        Ok(posted) => posted,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot read another node's post for live delivery");
                            continue;
                        }
                    }
                }
                Err(_) => {
                    tracing::warn!(payload, "ignoring a malformed live notification");
                    continue;
                }
            },
        };
        if let Err(e) = deliver(&hub, &store, &posted).await {
            tracing::error!(error = %e, "live delivery failed; clients resume from the messages API");
        }
    }
}

/// Fans one post out.
async fn deliver(
    hub: &Hub,
    store: &Store,
    posted: &Posted,
) -> Result<(), crate::store::StoreError> {
    let kind = match posted.change {
        Change::Created => "message.created",
        Change::Updated => "message.updated",
    };
    let events = posted
        .messages
        .iter()
        .map(|m| (m.channel_id, event(kind, m.id, m)))
        .chain(
            posted
                .deleted
                .iter()
                .map(|d| (d.channel_id, event("message.deleted", d.id, d))),
        );
    let mut members: Option<(Uuid, Vec<Uuid>)> = None;
    for (channel_id, event) in events {
        if !hub.watches_channel(channel_id) && !hub.has_users() {
            continue;
        }
        if members.as_ref().is_none_or(|(c, _)| *c != channel_id) {
            members = Some((channel_id, store.channel_member_ids(channel_id).await?));
        }
        let (_, ids) = members.as_ref().expect("just set");
        hub.message_created(channel_id, ids, event);
    }
    for n in &posted.notifications {
        hub.to_user(
            n.user_id,
            event("notification.created", n.notification.id, &n.notification),
        );
    }
    Ok(())
}
