//! The storage layer's own tests, through the public `wasmhook::store::Store` API, each on both
//! backends (`sqlite::*` always; `postgres::*` in the PostgreSQL pass, see `support`), and a
//! schema-parity test between the SQLite and PostgreSQL migrations.

mod support;

use std::collections::BTreeMap;

use chrono::{Duration, Utc};
use uuid::Uuid;
use wasmhook::mentions::MentionFilter;
use wasmhook::outgoing::Target;
use wasmhook::store::{
    Channel, Community, DeliveryStatus, NewDelivery, NewMessage, NewUser, NewWebhook,
    OutgoingSettings, RawRequest, Role, Store, StoreError, User, Webhook, WebhookPatch,
    WebhookTarget,
};

use support::{Column, TestDb};

/// Runs each named `async fn(TestDb)` on a fresh SQLite file (`sqlite::name`) and on a fresh
/// PostgreSQL database (`postgres::name`, ignored unless the PostgreSQL pass runs it).
macro_rules! on_both_backends {
    ($($test:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $test() {
                    super::$test(super::support::TestDb::sqlite().await).await;
                }
            )+
        }

        mod postgres {
            $(
                #[tokio::test]
                #[ignore = "needs PostgreSQL: run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
                async fn $test() {
                    super::$test(super::support::TestDb::postgres().await).await;
                }
            )+
        }
    };
}

on_both_backends!(
    users_are_unique_by_username_and_email,
    communities_and_channels_keep_roles_and_members,
    webhooks_are_created_changed_and_deleted,
    posting_resolves_mentions_and_notifies,
    deliveries_are_pruned_and_replayed_once,
    posts_enqueue_outgoing_events_for_the_subscribers,
    sessions_and_setup_links_expire_and_are_used_once,
);

/// A token hash (or any 32-byte value) made of one repeated byte.
fn hash(byte: u8) -> [u8; 32] {
    [byte; 32]
}

async fn user(store: &Store, name: &str) -> User {
    store
        .create_user(NewUser {
            username: name.to_owned(),
            email: format!("{name}@example.com"),
            display_name: format!("{name} Display"),
            password_hash: format!("hash of {name}"),
        })
        .await
        .expect("create user")
}

fn text(content: &str) -> NewMessage {
    NewMessage {
        content: content.to_owned(),
        username: None,
        avatar_url: None,
        mentions: MentionFilter::All,
        format_source: None,
    }
}

/// `ada` owning community `Ops` with channel `general` and webhook `ci` (token `hash(1)`).
struct World {
    ada: User,
    community: Community,
    channel: Channel,
    hook: Webhook,
    target: WebhookTarget,
}

async fn world(store: &Store) -> World {
    let ada = user(store, "ada").await;
    let community = store.create_community("Ops", ada.id).await.unwrap();
    let channel = store
        .create_channel(community.id, "general", ada.id)
        .await
        .unwrap();
    let hook = store
        .create_webhook(NewWebhook {
            channel_id: channel.id,
            name: "ci".into(),
            description: None,
            username: "CI".into(),
            avatar_url: None,
            token_hash: hash(1),
            created_by: ada.id,
        })
        .await
        .unwrap();
    let target = store
        .webhook_target(&hash(1))
        .await
        .unwrap()
        .expect("target");
    World {
        ada,
        community,
        channel,
        hook,
        target,
    }
}

async fn users_are_unique_by_username_and_email(db: TestDb) {
    let store = &db.store;
    assert_eq!(store.count_users().await.unwrap(), 0);
    let ada = user(store, "ada").await;
    assert_eq!(store.count_users().await.unwrap(), 1);
    let found = store.user(ada.id).await.unwrap();
    assert_eq!(
        (
            found.username.as_str(),
            found.email.as_str(),
            found.created_at
        ),
        ("ada", "ada@example.com", ada.created_at)
    );
    assert!(!found.push_enabled);
    assert!(matches!(
        store.user(Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));

    // Usernames are case-sensitive and unique; emails are unique case-insensitively.
    let taken = |username: &str, email: &str| NewUser {
        username: username.into(),
        email: email.into(),
        display_name: "x".into(),
        password_hash: "x".into(),
    };
    let err = store.create_user(taken("ada", "other@example.com")).await;
    assert!(matches!(
        err,
        Err(StoreError::Conflict { field: "username" })
    ));
    let err = store.create_user(taken("ada2", "ADA@Example.COM")).await;
    assert!(matches!(err, Err(StoreError::Conflict { field: "email" })));
    store
        .create_user(taken("Ada", "ada.l@example.com"))
        .await
        .unwrap();
    assert_eq!(store.count_users().await.unwrap(), 2);

    // Login by exact username or by email in any case, with the password hash.
    let (by_name, hash_of) = store.user_for_login("ada").await.unwrap().unwrap();
    assert_eq!((by_name.id, hash_of.as_str()), (ada.id, "hash of ada"));
    let (by_email, _) = store
        .user_for_login("ADA@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_email.id, ada.id);
    assert!(store.user_for_login("nobody").await.unwrap().is_none());

    // API tokens are found by their hash only.
    store.insert_api_token(ada.id, &hash(7)).await.unwrap();
    let owner = store.user_by_api_token(&hash(7)).await.unwrap().unwrap();
    assert_eq!(owner.id, ada.id);
    assert!(store.user_by_api_token(&hash(8)).await.unwrap().is_none());

    assert!(
        store
            .set_push_enabled(ada.id, true)
            .await
            .unwrap()
            .push_enabled
    );
    assert!(store.user(ada.id).await.unwrap().push_enabled);
}

async fn communities_and_channels_keep_roles_and_members(db: TestDb) {
    let store = &db.store;
    let ada = user(store, "ada").await;
    let bob = user(store, "bob").await;
    let ops = store.create_community("Ops", ada.id).await.unwrap();
    assert_eq!(ops.role, Role::Owner);
    let listed = store.communities_of(ada.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(
        (listed[0].id, listed[0].name.as_str(), listed[0].role),
        (ops.id, "Ops", Role::Owner)
    );
    assert!(store.communities_of(bob.id).await.unwrap().is_empty());

    // Adding a member, then changing the role of the existing membership.
    assert_eq!(store.role_in(ops.id, bob.id).await.unwrap(), None);
    assert!(!store.manages_any_community(bob.id).await.unwrap());
    store
        .set_community_member(ops.id, bob.id, Role::Member)
        .await
        .unwrap();
    assert_eq!(
        store.role_in(ops.id, bob.id).await.unwrap(),
        Some(Role::Member)
    );
    assert!(!store.manages_any_community(bob.id).await.unwrap());
    store
        .set_community_member(ops.id, bob.id, Role::Admin)
        .await
        .unwrap();
    assert_eq!(
        store.role_in(ops.id, bob.id).await.unwrap(),
        Some(Role::Admin)
    );
    assert!(store.manages_any_community(bob.id).await.unwrap());

    // Channel names are unique within a community, not across communities.
    let general = store
        .create_channel(ops.id, "general", ada.id)
        .await
        .unwrap();
    let err = store.create_channel(ops.id, "general", bob.id).await;
    assert!(matches!(err, Err(StoreError::Conflict { field: "name" })));
    let dev = store.create_community("Dev", bob.id).await.unwrap();
    store
        .create_channel(dev.id, "general", bob.id)
        .await
        .unwrap();
    let random = store
        .create_channel(ops.id, "random", ada.id)
        .await
        .unwrap();
    let names: Vec<String> = store
        .channels_of(ops.id)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, ["general", "random"]);
    let found = store.channel(general.id).await.unwrap();
    assert_eq!(
        (found.community_id, found.name.as_str(), found.created_at),
        (ops.id, "general", general.created_at)
    );
    assert!(matches!(
        store.channel(Uuid::now_v7()).await,
        Err(StoreError::NotFound)
    ));

    // The creator is a member; adding a member twice is a no-op.
    assert!(store.is_channel_member(general.id, ada.id).await.unwrap());
    assert!(!store.is_channel_member(general.id, bob.id).await.unwrap());
    store.add_channel_member(general.id, bob.id).await.unwrap();
    store.add_channel_member(general.id, bob.id).await.unwrap();
    assert!(store.is_channel_member(general.id, bob.id).await.unwrap());

    let members = store.community_members(ops.id).await.unwrap();
    let summary: Vec<(String, Role, usize)> = members
        .iter()
        .map(|m| (m.user.username.clone(), m.role, m.channel_ids.len()))
        .collect();
    assert_eq!(
        summary,
        [
            ("ada".into(), Role::Owner, 2),
            ("bob".into(), Role::Admin, 1)
        ]
    );
    assert!(members[0].channel_ids.contains(&random.id));
}

async fn webhooks_are_created_changed_and_deleted(db: TestDb) {
    let store = &db.store;
    let w = world(store).await;
    assert_eq!(
        (
            w.hook.name.as_str(),
            w.hook.username.as_str(),
            w.hook.active
        ),
        ("ci", "CI", true)
    );
    assert_eq!((w.hook.messages_posted, w.hook.failures), (0, 0));
    assert_eq!(w.hook.community_id, w.community.id);
    assert_eq!(w.hook.created_by, w.ada.id);
    assert_eq!(
        (w.target.id, w.target.channel_id, w.target.community_id),
        (w.hook.id, w.channel.id, w.community.id)
    );
    assert_eq!(w.target.plugin_config, "{}");
    assert!(w.target.plugin.is_none());

    // A partial update changes only what it names; `Some(None)` clears.
    let changed = store
        .update_webhook(
            w.hook.id,
            WebhookPatch {
                name: Some("deploys".into()),
                description: Some(Some("from CI".into())),
                avatar_url: Some(Some("https://example.com/a.png".into())),
                ..WebhookPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        (
            changed.name.as_str(),
            changed.description.as_deref(),
            changed.username.as_str()
        ),
        ("deploys", Some("from CI"), "CI")
    );
    let cleared = store
        .update_webhook(
            w.hook.id,
            WebhookPatch {
                avatar_url: Some(None),
                ..WebhookPatch::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(cleared.avatar_url, None);
    assert_eq!(cleared.description.as_deref(), Some("from CI"));

    // A disabled webhook's token finds nothing; a new token replaces the old one at once.
    store
        .update_webhook(
            w.hook.id,
            WebhookPatch {
                active: Some(false),
                ..WebhookPatch::default()
            },
        )
        .await
        .unwrap();
    assert!(store.webhook_target(&hash(1)).await.unwrap().is_none());
    store
        .update_webhook(
            w.hook.id,
            WebhookPatch {
                active: Some(true),
                ..WebhookPatch::default()
            },
        )
        .await
        .unwrap();
    store.set_webhook_token(w.hook.id, hash(2)).await.unwrap();
    assert!(store.webhook_target(&hash(1)).await.unwrap().is_none());
    let target = store.webhook_target(&hash(2)).await.unwrap().unwrap();
    assert_eq!(target.name, "deploys");

    let listed = store.webhooks_of(w.channel.id).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, w.hook.id);

    store.delete_webhook(w.hook.id).await.unwrap();
    assert!(matches!(
        store.webhook(w.hook.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.webhook_target(&hash(2)).await.unwrap().is_none());
    assert!(matches!(
        store.delete_webhook(w.hook.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store
            .update_webhook(w.hook.id, WebhookPatch::default())
            .await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.set_webhook_token(w.hook.id, hash(3)).await,
        Err(StoreError::NotFound)
    ));
    assert!(store.webhooks_of(w.channel.id).await.unwrap().is_empty());
}

async fn posting_resolves_mentions_and_notifies(db: TestDb) {
    let store = &db.store;
    let w = world(store).await;
    let (sink, mut posted) = tokio::sync::mpsc::unbounded_channel();
    store.set_post_sink(sink);
    // bob is in the channel, carol only in the community, dave in neither.
    let bob = user(store, "bob").await;
    let carol = user(store, "carol").await;
    let dave = user(store, "dave").await;
    for member in [&bob, &carol] {
        store
            .set_community_member(w.community.id, member.id, Role::Member)
            .await
            .unwrap();
    }
    store
        .add_channel_member(w.channel.id, bob.id)
        .await
        .unwrap();

    let content = "deployed @bob <@carol@example.com> @dave @everyone @nobody @bob";
    let mut overridden = text("second");
    overridden.username = Some("Deployer".into());
    overridden.avatar_url = Some("https://example.com/d.png".into());
    let stored = store
        .post_webhook_messages(&w.target, &[text(content), overridden])
        .await
        .unwrap();
    assert_eq!(stored.len(), 2);
    let first = &stored[0];
    assert_eq!(
        (first.kind.as_str(), first.content.as_str(), first.e2ee),
        ("webhook", content, false)
    );
    assert_eq!(first.channel_id, w.channel.id);
    assert_eq!(first.sender.display_name, "CI");
    assert_eq!(first.webhook.as_ref().map(|r| r.id), Some(w.hook.id));
    // Usernames resolve among the channel's members, emails among the community's; each user
    // once, in order of appearance.
    let mentioned: Vec<&str> = first.mentions.iter().map(|m| m.username.as_str()).collect();
    assert_eq!(mentioned, ["bob", "carol"]);
    assert!(stored[1].mentions.is_empty());
    assert_eq!(
        (
            stored[1].sender.display_name.as_str(),
            stored[1].sender.avatar_url.as_deref()
        ),
        ("Deployer", Some("https://example.com/d.png"))
    );

    // One notification per mentioned user, stored and handed to the live sink.
    let live = posted.try_recv().expect("the post reached the sink");
    assert_eq!(live.messages.len(), 2);
    let mut notified: Vec<Uuid> = live.notifications.iter().map(|n| n.user_id).collect();
    notified.sort();
    let mut expected = vec![bob.id, carol.id];
    expected.sort();
    assert_eq!(notified, expected);
    let bobs = store.notifications_of(bob.id, 10).await.unwrap();
    assert_eq!(bobs.len(), 1);
    assert_eq!(
        (bobs[0].kind.as_str(), bobs[0].read, bobs[0].message.id),
        ("mention", false, first.id)
    );
    assert_eq!(store.notifications_of(carol.id, 10).await.unwrap().len(), 1);
    assert!(
        store
            .notifications_of(dave.id, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(matches!(
        store.mark_notification_read(carol.id, bobs[0].id).await,
        Err(StoreError::NotFound)
    ));
    store
        .mark_notification_read(bob.id, bobs[0].id)
        .await
        .unwrap();
    assert!(store.notifications_of(bob.id, 10).await.unwrap()[0].read);

    // A filter keeps only the users the sender's format allowed.
    let mut only_carol = text("again @bob <@carol@example.com>");
    only_carol.mentions = MentionFilter::Only(vec![carol.id]);
    let again = store
        .post_webhook_messages(&w.target, &[only_carol])
        .await
        .unwrap();
    let mentioned: Vec<Uuid> = again[0].mentions.iter().map(|m| m.user_id).collect();
    assert_eq!(mentioned, [carol.id]);
    assert_eq!(store.notifications_of(bob.id, 10).await.unwrap().len(), 1);
    assert_eq!(store.notifications_of(carol.id, 10).await.unwrap().len(), 2);

    // Reads: newest first, pages, by id in the order asked, with their mentions.
    let page = store
        .channel_messages(w.channel.id, None, 10)
        .await
        .unwrap();
    let order: Vec<Uuid> = page.iter().map(|m| m.id).collect();
    assert_eq!(order, [again[0].id, stored[1].id, first.id]);
    let older = store
        .channel_messages(w.channel.id, Some(stored[1].id), 10)
        .await
        .unwrap();
    assert_eq!(older.len(), 1);
    assert_eq!(older[0].mentions, first.mentions);
    let by_id = store
        .messages_by_ids(&[first.id, again[0].id, Uuid::now_v7()])
        .await
        .unwrap();
    let order: Vec<Uuid> = by_id.iter().map(|m| m.id).collect();
    assert_eq!(order, [first.id, again[0].id]);

    // The webhook's usage statistics count every message.
    let hook = store.webhook(w.hook.id).await.unwrap();
    assert_eq!(hook.messages_posted, 3);
    assert!(hook.last_used_at.is_some());
}

fn delivery(webhook_id: Uuid, status: DeliveryStatus, body: &str) -> NewDelivery {
    NewDelivery {
        webhook_id,
        status,
        request: RawRequest {
            method: "POST".into(),
            path: "/github".into(),
            query: "a=1".into(),
            headers: vec![("x-github-event".into(), "push".into())],
            body: body.as_bytes().to_vec(),
        },
        error_code: (status == DeliveryStatus::Failed).then(|| "plugin_trap".into()),
        error_message: (status == DeliveryStatus::Failed).then(|| "trapped".into()),
        reason: (status == DeliveryStatus::Skipped).then(|| "ping".into()),
        plugin_log: format!("log of {body}"),
        duration_us: 1234,
        peak_memory_bytes: Some(131072),
    }
}

async fn deliveries_are_pruned_and_replayed_once(db: TestDb) {
    let store = &db.store;
    let w = world(store).await;
    let id = w.hook.id;
    let failed = store
        .record_delivery(delivery(id, DeliveryStatus::Failed, "f1"), 2)
        .await
        .unwrap();
    let got = store.delivery(failed).await.unwrap();
    assert_eq!(got.status, DeliveryStatus::Failed);
    assert_eq!(
        (
            got.request.method.as_str(),
            got.request.path.as_str(),
            got.request.query.as_str()
        ),
        ("POST", "/github", "a=1")
    );
    assert_eq!(
        got.request.headers,
        [("x-github-event".to_owned(), "push".to_owned())]
    );
    assert_eq!(got.request.body, b"f1");
    assert_eq!(
        (got.error_code.as_deref(), got.error_message.as_deref()),
        (Some("plugin_trap"), Some("trapped"))
    );
    assert_eq!(
        (
            got.plugin_log.as_str(),
            got.duration_us,
            got.peak_memory_bytes
        ),
        ("log of f1", 1234, Some(131072))
    );
    assert!(got.message_ids.is_empty() && got.replayed_at.is_none());
    assert_eq!(store.webhook(id).await.unwrap().failures, 1);

    // Only the newest `keep` deliveries that are not failures are kept.
    let mut skipped = Vec::new();
    for body in ["s1", "s2", "s3"] {
        let d = store
            .record_delivery(delivery(id, DeliveryStatus::Skipped, body), 2)
            .await
            .unwrap();
        skipped.push(d);
    }
    let (messages, succeeded) = store
        .post_plugin_messages(
            &w.target,
            &[text("from the plugin")],
            delivery(id, DeliveryStatus::Succeeded, "ok"),
            2,
        )
        .await
        .unwrap();
    let kept: Vec<Uuid> = store
        .deliveries_of(id, None, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.id)
        .collect();
    assert_eq!(kept, [succeeded, skipped[2], failed]);
    assert_eq!(
        store.delivery(succeeded).await.unwrap().message_ids,
        [messages[0].id]
    );
    let only_failed = store
        .deliveries_of(id, Some(DeliveryStatus::Failed), 50)
        .await
        .unwrap();
    assert_eq!(only_failed.len(), 1);
    assert_eq!(only_failed[0].id, failed);

    // A replay posts and marks the delivery replayed; a second replay of it is a conflict
    // and posts nothing.
    let replayed = store
        .post_replay(failed, &w.target, &[text("replayed")], "replay log")
        .await
        .unwrap();
    let got = store.delivery(failed).await.unwrap();
    assert_eq!(got.status, DeliveryStatus::Replayed);
    assert_eq!(got.message_ids, [replayed[0].id]);
    assert_eq!(got.plugin_log, "replay log");
    assert!(got.replayed_at.is_some());
    let again = store
        .post_replay(failed, &w.target, &[text("twice")], "")
        .await;
    assert!(matches!(
        again,
        Err(StoreError::Conflict { field: "status" })
    ));
    let contents: Vec<String> = store
        .channel_messages(w.channel.id, None, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    assert_eq!(contents, ["replayed", "from the plugin"]);

    // A replay the plugin skips settles the delivery; one that fails again updates the error
    // and leaves it failed. Neither changes a delivery that is no longer failed.
    let second = store
        .record_delivery(delivery(id, DeliveryStatus::Failed, "f2"), 2)
        .await
        .unwrap();
    store
        .update_failed_delivery(second, "plugin_timeout", "too slow", "log 2")
        .await
        .unwrap();
    let got = store.delivery(second).await.unwrap();
    assert_eq!(
        (
            got.status,
            got.error_code.as_deref(),
            got.plugin_log.as_str()
        ),
        (DeliveryStatus::Failed, Some("plugin_timeout"), "log 2")
    );
    store
        .settle_failed_delivery(second, DeliveryStatus::Skipped, "ping", "log 3")
        .await
        .unwrap();
    let got = store.delivery(second).await.unwrap();
    assert_eq!(
        (got.status, got.reason.as_deref(), got.plugin_log.as_str()),
        (DeliveryStatus::Skipped, Some("ping"), "log 3")
    );
    assert!(got.replayed_at.is_some());
    // Whether these report the conflict is up to the caller's contract; the rows must not
    // change.
    let _ = store
        .settle_failed_delivery(failed, DeliveryStatus::Ignored, "late", "late log")
        .await;
    let _ = store
        .update_failed_delivery(failed, "late", "late", "late log")
        .await;
    let got = store.delivery(failed).await.unwrap();
    assert_eq!(
        (got.status, got.plugin_log.as_str()),
        (DeliveryStatus::Replayed, "replay log")
    );
    assert_eq!(store.webhook(id).await.unwrap().failures, 2);
}

fn outgoing(name: &str, events: &[&str]) -> OutgoingSettings {
    OutgoingSettings {
        name: name.into(),
        target: Target::Generic,
        url: "https://hooks.example.com/in".into(),
        secret: Some("whsec_test".into()),
        events: events.iter().map(|e| (*e).to_owned()).collect(),
        channel_id: None,
        only_webhook_messages: false,
        only_mentions: false,
        direct_messages: false,
        enabled: true,
    }
}

async fn posts_enqueue_outgoing_events_for_the_subscribers(db: TestDb) {
    let store = &db.store;
    let w = world(store).await;
    let bob = user(store, "bob").await;
    store
        .set_community_member(w.community.id, bob.id, Role::Member)
        .await
        .unwrap();
    store
        .add_channel_member(w.channel.id, bob.id)
        .await
        .unwrap();
    let messages = &["message.created", "mention.created"];
    let all = store
        .create_outgoing_webhook(w.community.id, w.ada.id, &outgoing("all", messages))
        .await
        .unwrap();
    assert!(all.has_secret && all.enabled);
    assert_eq!(all.events, messages);
    let mut disabled = outgoing("disabled", messages);
    disabled.enabled = false;
    let disabled = store
        .create_outgoing_webhook(w.community.id, w.ada.id, &disabled)
        .await
        .unwrap();
    let mut elsewhere = outgoing("elsewhere", messages);
    let random = store
        .create_channel(w.community.id, "random", w.ada.id)
        .await
        .unwrap();
    elsewhere.channel_id = Some(random.id);
    let elsewhere = store
        .create_outgoing_webhook(w.community.id, w.ada.id, &elsewhere)
        .await
        .unwrap();
    let mut mentions_only = outgoing("mentions", &["message.created"]);
    mentions_only.only_mentions = true;
    let mentions_only = store
        .create_outgoing_webhook(w.community.id, w.ada.id, &mentions_only)
        .await
        .unwrap();
    let listed: Vec<String> = store
        .outgoing_webhooks_of(w.community.id)
        .await
        .unwrap()
        .into_iter()
        .map(|o| o.name)
        .collect();
    assert_eq!(listed, ["all", "disabled", "elsewhere", "mentions"]);

    let event_types = |id: Uuid| async move {
        let mut types: Vec<String> = store
            .outgoing_deliveries_of(id, None, 50)
            .await
            .unwrap()
            .into_iter()
            .map(|d| d.event_type)
            .collect();
        types.sort();
        types
    };
    store
        .post_webhook_messages(&w.target, &[text("no mentions")])
        .await
        .unwrap();
    assert_eq!(event_types(all.id).await, ["message.created"]);
    assert!(event_types(mentions_only.id).await.is_empty());
    store
        .post_webhook_messages(&w.target, &[text("hi @bob")])
        .await
        .unwrap();
    assert_eq!(
        event_types(all.id).await,
        ["mention.created", "message.created", "message.created"]
    );
    assert_eq!(event_types(mentions_only.id).await, ["message.created"]);
    assert!(event_types(disabled.id).await.is_empty());
    assert!(event_types(elsewhere.id).await.is_empty());

    // Pending deliveries are claimed once per lease, counting the attempt.
    let pending = store
        .outgoing_deliveries_of(all.id, Some("pending"), 50)
        .await
        .unwrap();
    assert_eq!(pending.len(), 3);
    assert!(
        pending
            .iter()
            .all(|d| d.attempts == 0 && d.kind == "webhook")
    );
    let now_ms = Utc::now().timestamp_millis() + 1_000;
    let mut claimed = store
        .claim_outgoing(now_ms, now_ms + 60_000, 50)
        .await
        .unwrap();
    claimed.sort();
    let mut expected: Vec<Uuid> = store
        .outgoing_deliveries_of(all.id, None, 50)
        .await
        .unwrap()
        .into_iter()
        .chain(
            store
                .outgoing_deliveries_of(mentions_only.id, None, 50)
                .await
                .unwrap(),
        )
        .map(|d| d.id)
        .collect();
    expected.sort();
    assert_eq!(claimed, expected);
    assert!(
        store
            .claim_outgoing(now_ms, now_ms + 60_000, 50)
            .await
            .unwrap()
            .is_empty()
    );
    let job = store.outgoing_job(claimed[0]).await.unwrap();
    assert_eq!(job.attempts, 1);
    assert_eq!(job.webhook_id.is_some(), job.url.is_some());
    let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap();
    assert_eq!(payload["channel"]["name"], "general");

    // Settings are replaced as a whole; deleting removes the webhook.
    let mut renamed = outgoing("renamed", &["channel.created"]);
    renamed.secret = None;
    let updated = store
        .update_outgoing_webhook(all.id, &renamed)
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_str(), updated.has_secret),
        ("renamed", false)
    );
    store.delete_outgoing_webhook(all.id).await.unwrap();
    assert!(matches!(
        store.outgoing_webhook(all.id).await,
        Err(StoreError::NotFound)
    ));
    assert!(matches!(
        store.delete_outgoing_webhook(all.id).await,
        Err(StoreError::NotFound)
    ));
}

async fn sessions_and_setup_links_expire_and_are_used_once(db: TestDb) {
    let store = &db.store;
    let ada = user(store, "ada").await;
    let later = Utc::now() + Duration::hours(1);
    store
        .create_session(ada.id, &hash(1), "csrf-1", later)
        .await
        .unwrap();
    store
        .create_session(ada.id, &hash(2), "csrf-2", later)
        .await
        .unwrap();
    store
        .create_session(
            ada.id,
            &hash(3),
            "csrf-3",
            Utc::now() - Duration::seconds(1),
        )
        .await
        .unwrap();
    let (user, csrf) = store.session_user(&hash(1)).await.unwrap().unwrap();
    assert_eq!((user.id, csrf.as_str()), (ada.id, "csrf-1"));
    assert!(store.session_user(&hash(3)).await.unwrap().is_none());
    assert!(store.session_user(&hash(9)).await.unwrap().is_none());
    store.delete_session(&hash(2)).await.unwrap();
    assert!(store.session_user(&hash(2)).await.unwrap().is_none());

    // A password change ends every other session and voids setup links.
    store
        .create_session(ada.id, &hash(4), "csrf-4", later)
        .await
        .unwrap();
    store
        .replace_setup_token(ada.id, &hash(5), later)
        .await
        .unwrap();
    store
        .set_password(ada.id, "new hash", Some(&hash(1)))
        .await
        .unwrap();
    assert!(store.session_user(&hash(1)).await.unwrap().is_some());
    assert!(store.session_user(&hash(4)).await.unwrap().is_none());
    assert_eq!(store.consume_setup_token(&hash(5)).await.unwrap(), None);
    let (_, new_hash) = store.user_for_login("ada").await.unwrap().unwrap();
    assert_eq!(new_hash, "new hash");

    // Users without a known password; a setup link replaces the earlier one and works once.
    assert!(store.users_awaiting_password().await.unwrap().is_empty());
    store.mark_password_unset(ada.id).await.unwrap();
    let waiting: Vec<Uuid> = store
        .users_awaiting_password()
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(waiting, [ada.id]);
    store
        .replace_setup_token(ada.id, &hash(6), later)
        .await
        .unwrap();
    store
        .replace_setup_token(ada.id, &hash(7), later)
        .await
        .unwrap();
    assert_eq!(store.consume_setup_token(&hash(6)).await.unwrap(), None);
    assert_eq!(
        store.consume_setup_token(&hash(7)).await.unwrap(),
        Some(ada.id)
    );
    assert_eq!(store.consume_setup_token(&hash(7)).await.unwrap(), None);
    store
        .replace_setup_token(ada.id, &hash(8), Utc::now() - Duration::seconds(1))
        .await
        .unwrap();
    assert_eq!(store.consume_setup_token(&hash(8)).await.unwrap(), None);
    store.set_password(ada.id, "newer", None).await.unwrap();
    assert!(store.users_awaiting_password().await.unwrap().is_empty());
    assert!(store.session_user(&hash(1)).await.unwrap().is_none());
}

/// Columns whose type family differs between the backends on purpose: (table, column, SQLite
/// family, PostgreSQL family). Empty: every column stores the same kind of value on both.
const DELIBERATE_DIFFERENCES: &[(&str, &str, &str, &str)] = &[];

#[tokio::test]
#[ignore = "needs PostgreSQL: run with WASMHOOK_TEST_POSTGRES_URL and --include-ignored"]
async fn postgres_schema_matches_sqlite_after_migrations() {
    let sqlite = TestDb::sqlite().await.schema().await;
    let postgres = TestDb::postgres().await.schema().await;
    assert!(
        sqlite.len() > 10,
        "the migrations made the tables: {sqlite:?}"
    );
    let tables = |schema: &BTreeMap<String, BTreeMap<String, Column>>| -> Vec<String> {
        schema.keys().cloned().collect()
    };
    assert_eq!(tables(&sqlite), tables(&postgres), "the same tables");
    let mut differences = Vec::new();
    for (table, columns) in &sqlite {
        let other = &postgres[table];
        let names = |c: &BTreeMap<String, Column>| c.keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(columns), names(other), "the columns of {table}");
        for (name, column) in columns {
            let pg = &other[name];
            assert_eq!(
                column.nullable, pg.nullable,
                "{table}.{name} is nullable on one backend only"
            );
            if column.family != pg.family {
                differences.push((
                    table.as_str(),
                    name.as_str(),
                    column.family.as_str(),
                    pg.family.as_str(),
                ));
            }
        }
    }
    assert_eq!(
        differences, DELIBERATE_DIFFERENCES,
        "type families differ (add deliberate ones to DELIBERATE_DIFFERENCES)"
    );
}
