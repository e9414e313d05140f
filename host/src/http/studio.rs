//! Live events of the plugin studio: a `delivery.recorded` event (a plugin delivery was stored
//! or settled by a replay), sent over `/api/ws` to the owners and admins of the webhook's
//! community, so the deliveries list updates without a reload. Sent after the store call
//! returned; a lost event only delays the page until its next load. Whom to tell comes from the
//! live hub's cache of managers, so a delivery costs no query. (`notice.created` is sent by the
//! store's notice hook, wherever a notice is made.)

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
    if !state.live.has_users() {
        return;
    }
    let data = json!({
        "id": delivery_id,
        "webhook_id": webhook_id,
        "status": status,
    });
    let event = crate::live::event("delivery.recorded", delivery_id, &data);
    state.live.to_managers(community_id, event).await;
}
