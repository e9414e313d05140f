//! Live events of the plugin studio: a `delivery.recorded` event (a plugin delivery was stored
//! or settled by a replay) and a `notice.created` event, sent over `/api/ws` to the owners and
//! admins of the webhook's community, so the deliveries list and the notices update without a
//! reload. Sent after the store call returned; a lost event only delays the page until its
//! next load.

use serde_json::json;
use uuid::Uuid;

use super::AppState;
use crate::store::DeliveryStatus;

/// Tells the managers of `community_id` that delivery `delivery_id` of webhook `webhook_id`
/// now has `status`.
pub async fn delivery_recorded(
    state: &AppState,
    community_id: Uuid,
    webhook_id: Uuid,
    delivery_id: Uuid,
    status: DeliveryStatus,
) {
    let data = json!({
        "id": delivery_id,
        "webhook_id": webhook_id,
        "status": status,
    });
    to_managers(state, community_id, "delivery.recorded", delivery_id, &data).await;
}

/// Tells the managers of `community_id` that they have a new notice about `subject_id`.
pub async fn notice_created(state: &AppState, community_id: Uuid, subject_id: Uuid, text: &str) {
    let data = json!({ "community_id": community_id, "subject_id": subject_id, "text": text });
    to_managers(state, community_id, "notice.created", subject_id, &data).await;
}

async fn to_managers(
    state: &AppState,
    community_id: Uuid,
    kind: &'static str,
    id: Uuid,
    data: &serde_json::Value,
) {
    if !state.live.has_users() {
        return;
    }
    match state.store.managers_of(community_id).await {
        Ok(managers) => {
            let event = crate::live::event(kind, id, data);
            for user in managers {
                state.live.to_user(user, event.clone());
            }
        }
        Err(e) => tracing::warn!(error = %e, "cannot announce {kind} live"),
    }
}
