//! Unit tests of store behaviour that the HTTP layer cannot pin down deterministically (races,
//! hooks), on a SQLite file. The store's own suite on both backends is `host/tests/store.rs`.

use std::sync::{Arc, Mutex};

use uuid::Uuid;

use super::*;

/// A store on a fresh SQLite file, with a user, a community, a channel and a webhook.
async fn fixture() -> (tempfile::TempDir, Store, Webhook) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&StoreOptions::new(
        dir.path().join("db.sqlite").display().to_string(),
    ))
    .await
    .unwrap();
    let user = store
        .create_user(NewUser {
            username: "ann".into(),
            email: "ann@example.com".into(),
            display_name: "Ann".into(),
            password_hash: String::new(),
        })
        .await
        .unwrap();
    let community = store.create_community("c", user.id).await.unwrap();
    let channel = store
        .create_channel(community.id, "general", user.id)
        .await
        .unwrap();
    let webhook = store
        .create_webhook(NewWebhook {
            channel_id: channel.id,
            name: "ci".into(),
            description: None,
            username: "CI".into(),
            avatar_url: None,
            token_hash: [7; 32],
            created_by: user.id,
        })
        .await
        .unwrap();
    (dir, store, webhook)
}

async fn failed_delivery(store: &Store, webhook_id: Uuid) -> Uuid {
    let delivery = NewDelivery {
        webhook_id,
        status: DeliveryStatus::Failed,
        request: RawRequest {
            method: "POST".into(),
            path: String::new(),
            query: String::new(),
            headers: Vec::new(),
            body: b"{}".to_vec(),
        },
        error_code: Some("plugin_trap".into()),
        error_message: Some("boom".into()),
        reason: None,
        plugin_log: String::new(),
        duration_us: 1,
        peak_memory_bytes: Some(65536),
    };
    store.record_delivery(delivery, 10).await.unwrap()
}

#[tokio::test]
async fn only_the_first_of_two_racing_replays_settles_a_delivery() {
    let (_dir, store, webhook) = fixture().await;
    let id = failed_delivery(&store, webhook.id).await;
    store
        .settle_failed_delivery(id, DeliveryStatus::Skipped, "not this branch", "")
        .await
        .unwrap();
    let second = store
        .settle_failed_delivery(id, DeliveryStatus::Ignored, "other", "")
        .await;
    assert!(
        matches!(second, Err(StoreError::Conflict { field: "status" })),
        "{second:?}"
    );
    let again = store.update_failed_delivery(id, "x", "y", "").await;
    assert!(
        matches!(again, Err(StoreError::Conflict { .. })),
        "{again:?}"
    );
    let stored = store.delivery(id).await.unwrap();
    assert_eq!(stored.status, DeliveryStatus::Skipped);
    assert_eq!(stored.reason.as_deref(), Some("not this branch"));
}

#[tokio::test]
async fn every_webhook_change_reaches_the_change_hook() {
    let (_dir, store, webhook) = fixture().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    store.on_webhook_changed({
        let seen = seen.clone();
        move |id| seen.lock().unwrap().push(id)
    });
    store
        .update_webhook(
            webhook.id,
            WebhookPatch {
                active: Some(false),
                ..WebhookPatch::default()
            },
        )
        .await
        .unwrap();
    store.set_webhook_token(webhook.id, [9; 32]).await.unwrap();
    store.delete_webhook(webhook.id).await.unwrap();
    assert_eq!(*seen.lock().unwrap(), vec![webhook.id; 3]);
}

fn note(content: &str) -> NewMessage {
    NewMessage {
        content: content.into(),
        username: None,
        avatar_url: None,
        mentions: crate::mentions::MentionFilter::All,
        format_source: None,
    }
}

fn post_job(target: &WebhookTarget, content: &str) -> batch::PostJob {
    batch::PostJob {
        target: target.clone(),
        messages: vec![note(content)],
        delivery: None,
    }
}

async fn stored_contents(store: &Store, channel_id: Uuid) -> Vec<String> {
    let mut contents: Vec<String> = store
        .channel_messages(channel_id, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.content)
        .collect();
    contents.sort();
    contents
}

#[tokio::test]
async fn a_batch_with_one_failing_post_commits_and_answers_the_others() {
    let (_dir, store, webhook) = fixture().await;
    let target = store.webhook_target(&[7; 32]).await.unwrap().unwrap();
    // A channel that does not exist (deleted meanwhile): its message breaks a foreign key.
    let vanished = WebhookTarget {
        channel_id: Uuid::now_v7(),
        ..target.clone()
    };
    let jobs = vec![
        post_job(&target, "first"),
        post_job(&vanished, "lost"),
        post_job(&target, "third"),
    ];
    let results = batch::write_batch(&store, jobs)
        .await
        .expect("the batch commits");
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok(), "first post answered ok");
    assert!(
        matches!(&results[1], Err(StoreError::Database(_))),
        "the failing post gets its own error"
    );
    assert!(results[2].is_ok(), "third post answered ok");
    assert_eq!(
        stored_contents(&store, webhook.channel_id).await,
        ["first", "third"]
    );
    // The statistics folded into the batch count the committed posts only.
    let webhook = store.webhook(webhook.id).await.unwrap();
    assert_eq!(webhook.messages_posted, 2);
}

#[tokio::test]
async fn posts_queued_together_share_a_commit_and_a_failure_stays_alone() {
    let (_dir, store, webhook) = fixture().await;
    let target = store.webhook_target(&[7; 32]).await.unwrap().unwrap();
    let vanished = WebhookTarget {
        channel_id: Uuid::now_v7(),
        ..target.clone()
    };
    // On this single-threaded test runtime all three are queued before the writer runs, so
    // they form one batch.
    let (a, b, c) = ([note("a")], [note("b")], [note("c")]);
    let (a, b, c) = tokio::join!(
        store.post_webhook_messages(&target, &a),
        store.post_webhook_messages(&vanished, &b),
        store.post_webhook_messages(&target, &c),
    );
    assert_eq!(a.unwrap()[0].content, "a");
    assert!(b.is_err(), "{b:?}");
    assert_eq!(c.unwrap()[0].content, "c");
    assert_eq!(
        stored_contents(&store, webhook.channel_id).await,
        ["a", "c"]
    );
}

/// A plugin's post of `content` with its successful delivery (the body is `content` too).
fn plugin_job(target: &WebhookTarget, content: &str, keep: u32) -> batch::PostJob {
    let delivery = NewDelivery {
        webhook_id: target.id,
        status: DeliveryStatus::Succeeded,
        request: RawRequest {
            method: "POST".into(),
            path: "/github".into(),
            query: String::new(),
            headers: vec![
                ("x-github-event".into(), "push".into()),
                ("authorization".into(), "Bearer hunter2".into()),
            ],
            body: content.as_bytes().to_vec(),
        },
        error_code: None,
        error_message: None,
        reason: None,
        plugin_log: format!("log of {content}"),
        duration_us: 7,
        peak_memory_bytes: Some(65536),
    };
    batch::PostJob {
        delivery: Some((delivery, keep)),
        ..post_job(target, content)
    }
}

/// The bodies of a webhook's deliveries, newest first.
async fn delivery_bodies(store: &Store, webhook_id: Uuid) -> Vec<String> {
    store
        .deliveries_of(webhook_id, None, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|d| String::from_utf8(d.request.body).unwrap())
        .collect()
}

#[tokio::test]
async fn past_keep_successes_exactly_the_newest_are_kept_and_failures_stay() {
    let (_dir, store, webhook) = fixture().await;
    let target = store.webhook_target(&[7; 32]).await.unwrap().unwrap();
    let failed = failed_delivery(&store, webhook.id).await;
    let keep = 3;
    // A first batch under the limit, then one of 21 (multi-row inserts of 16, 4 and 1).
    let first: Vec<_> = ["a", "b"].map(|c| plugin_job(&target, c, keep)).into();
    for result in batch::write_batch(&store, first).await.unwrap() {
        result.unwrap();
    }
    assert_eq!(delivery_bodies(&store, webhook.id).await, ["b", "a", "{}"]);
    let second: Vec<_> = (0..21)
        .map(|i| plugin_job(&target, &format!("p{i:02}"), keep))
        .collect();
    let written: Vec<_> = batch::write_batch(&store, second)
        .await
        .unwrap()
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        delivery_bodies(&store, webhook.id).await,
        ["p20", "p19", "p18", "{}"],
        "the newest {keep} successes and the failure"
    );
    let newest = written.last().unwrap();
    let record = store.delivery(newest.delivery_id.unwrap()).await.unwrap();
    assert_eq!(record.status, DeliveryStatus::Succeeded);
    assert_eq!(record.message_ids, [newest.posted.messages[0].id]);
    assert_eq!(record.plugin_log, "log of p20");
    assert_eq!(
        record.request.headers,
        [
            ("x-github-event".to_owned(), "push".to_owned()),
            ("authorization".to_owned(), "[redacted]".to_owned()),
        ],
        "credentials are stored redacted"
    );
    assert_eq!(store.delivery(failed).await.unwrap().id, failed);
}

#[tokio::test]
async fn a_batch_with_a_failing_post_still_records_every_committed_delivery() {
    let (_dir, store, webhook) = fixture().await;
    let target = store.webhook_target(&[7; 32]).await.unwrap().unwrap();
    let vanished = WebhookTarget {
        channel_id: Uuid::now_v7(),
        ..target.clone()
    };
    let jobs = vec![
        plugin_job(&target, "one", 50),
        plugin_job(&vanished, "lost", 50),
        post_job(&target, "native"),
        plugin_job(&target, "two", 50),
    ];
    let results = batch::write_batch(&store, jobs).await.unwrap();
    assert!(
        matches!(&results[1], Err(StoreError::Database(_))),
        "the failing post gets its own error"
    );
    let committed: Vec<&batch::Written> = [0, 2, 3]
        .map(|i| results[i].as_ref().expect("committed"))
        .into();
    assert!(committed[1].delivery_id.is_none(), "a native post has none");
    for (written, body) in [(committed[0], "one"), (committed[2], "two")] {
        let record = store
            .delivery(written.delivery_id.expect("a delivery id"))
            .await
            .unwrap();
        assert_eq!(record.request.body, body.as_bytes());
        assert_eq!(record.message_ids, [written.posted.messages[0].id]);
    }
    assert_eq!(delivery_bodies(&store, webhook.id).await, ["two", "one"]);
    assert_eq!(
        stored_contents(&store, webhook.channel_id).await,
        ["native", "one", "two"]
    );
}
