//! Several nodes on one PostgreSQL database: the one connection that `LISTEN`s to what the
//! other nodes announce.
//!
//! Webhook changes: the store announces every change to a webhook with `NOTIFY` from inside
//! the transaction that makes it ([`WEBHOOK_CHANNEL`]), and each node drops the changed
//! webhook from its token cache, so a
//! disabled, deleted or regenerated token stops working on every node at once. While the
//! listening connection is down, the node does not cache at all (changes could be missed), and
//! it starts again from an empty cache once reconnected.
//!
//! The same connection listens for posts of other nodes ([`LIVE_CHANNEL`]) and hands them to
//! live delivery, for notices ([`NOTICES_CHANNEL`]), sent live to the community's managers
//! connected here, and for role changes ([`ROLES_CHANNEL`]), which drop the community from the
//! live hub's cache of managers (off, like the token cache, while the connection is down).

use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgListener, PgPool};
use tokio::sync::mpsc::UnboundedSender;
use uuid::Uuid;

use crate::ingest::Ingest;
use crate::live;
use crate::store::{LIVE_CHANNEL, NOTICES_CHANNEL, ROLES_CHANNEL, WEBHOOK_CHANNEL};

/// Runs the listener until the task is aborted.
pub async fn listen(
    pool: PgPool,
    ingest: Arc<Ingest>,
    hub: Arc<live::Hub>,
    live: UnboundedSender<live::Input>,
) {
    let suspend = || {
        ingest.token_cache().suspend();
        hub.managers().suspend();
    };
    loop {
        match PgListener::connect_with(&pool).await {
            Ok(mut listener) => {
                if let Err(e) = listener
                    .listen_all([
                        WEBHOOK_CHANNEL,
                        LIVE_CHANNEL,
                        ROLES_CHANNEL,
                        NOTICES_CHANNEL,
                    ])
                    .await
                {
                    tracing::error!(error = %e, "cannot LISTEN for webhook changes; caching stays off");
                } else {
                    ingest.token_cache().resume();
                    hub.managers().resume();
                    tracing::info!("listening for webhook changes from other nodes");
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(note)) if note.channel() == LIVE_CHANNEL => {
                                let _ = live.send(live::Input::Remote(note.payload().to_owned()));
                            }
                            Ok(Some(note)) if note.channel() == NOTICES_CHANNEL => {
                                let hub = hub.clone();
                                let payload = note.payload().to_owned();
                                tokio::spawn(async move {
                                    live::remote_notice(&hub, &payload).await;
                                });
                            }
                            Ok(Some(note)) => match Uuid::parse_str(note.payload()) {
                                Ok(id) if note.channel() == ROLES_CHANNEL => {
                                    hub.managers().forget(id)
                                }
                                Ok(id) => ingest.forget_webhook(id),
                                Err(_) => tracing::warn!(
                                    payload = note.payload(),
                                    "ignoring a malformed change notification"
                                ),
                            },
                            Ok(None) => {
                                // The connection was lost; notifications in between are gone.
                                tracing::warn!(
                                    "lost the webhook change feed; caching off until it is back"
                                );
                                suspend();
                                break;
                            }
                            Err(e) => {
                                tracing::error!(error = %e, "webhook change feed failed; caching off until it is back");
                                suspend();
                                break;
                            }
                        }
                    }
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot connect the webhook change listener; retrying")
            }
        }
        suspend();
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
