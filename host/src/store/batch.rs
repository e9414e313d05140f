//! Group commit: the one writer task that takes the posts of every request waiting at that
//! moment and commits them in one transaction, so many requests share one fsync.
//!
//! A batch is first written all together: the outgoing subscriptions are read once per
//! community, the messages of every post and the records of its plugin's successful deliveries
//! go in a few multi-row `INSERT`s, and the usage statistics are folded into one `UPDATE` per
//! webhook, with the "newest N successful deliveries" prune (one ranged `DELETE`) once per
//! webhook. Should any statement fail (a constraint, a webhook
//! deleted meanwhile), that transaction is rolled back and the batch is written again with each
//! post inside its own `SAVEPOINT`: the failing post is rolled back alone and answered with its
//! error, and the others of its batch still commit. Every request is answered only after the
//! commit that holds its rows; when the commit itself fails, every post of the batch is
//! answered with that failure and none is published.
//!
//! Under light load nothing waits: the writer takes what is queued and commits it. Only when a
//! batch is already forming (more than one post queued) does it wait up to
//! `--write-batch-wait-us` for more, up to `--write-batch-max` posts.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::db::{Tx, query};
use super::deliveries::insert_delivery;
use super::delivery_rows::{NewDeliveryRow, insert_deliveries, prune};
use super::message_rows::{finish_messages, insert_rows, prepare_messages};
use super::messages::{Posted, insert_messages};
use super::outgoing::outbox;
use super::{NewDelivery, NewMessage, Store, StoreError, StoredMessage, WebhookTarget};
use crate::outgoing::Subscription;

/// The batching flags (part of [`super::StoreOptions`]).
#[derive(Debug, Clone, clap::Args)]
pub struct BatchOptions {
    /// Most posts committed in one transaction by the group-commit writer.
    #[arg(
        id = "WRITE_BATCH_MAX",
        long = "write-batch-max",
        env = "WASMHOOK_WRITE_BATCH_MAX",
        default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub max: u32,
    /// Longest the writer waits for more posts once a batch is already forming, in
    /// microseconds (0: never wait; a lone post never waits).
    #[arg(
        id = "WRITE_BATCH_WAIT_US",
        long = "write-batch-wait-us",
        env = "WASMHOOK_WRITE_BATCH_WAIT_US",
        value_parser = micros,
        default_value = "200"
    )]
    pub wait: Duration,
}

fn micros(s: &str) -> Result<Duration, String> {
    s.trim()
        .parse::<u64>()
        .map(Duration::from_micros)
        .map_err(|e| format!("{s:?} is not a number of microseconds: {e}"))
}

/// One post to commit: webhook messages and, for a plugin's success, its delivery record.
#[derive(Debug)]
pub(crate) struct PostJob {
    /// The webhook.
    pub(crate) target: WebhookTarget,
    /// The validated messages.
    pub(crate) messages: Vec<NewMessage>,
    /// A plugin's successful delivery and how many non-failed deliveries to keep.
    pub(crate) delivery: Option<(NewDelivery, u32)>,
}

/// What a post stored, before the commit.
pub(crate) struct Written {
    /// The post, to publish once committed.
    pub(crate) posted: Posted,
    /// The delivery record's id, for a plugin's post.
    pub(crate) delivery_id: Option<Uuid>,
}

/// What a committed post answers: its published messages and its delivery record's id.
pub(crate) type Answer = (Vec<StoredMessage>, Option<Uuid>);

/// A post waiting for the writer, with where its answer goes.
struct Queued {
    job: PostJob,
    reply: oneshot::Sender<Result<Answer, StoreError>>,
}

/// The handle through which requests queue their posts. Cheap to clone.
#[derive(Clone, Debug)]
pub(crate) struct Writer {
    queue: mpsc::UnboundedSender<Queued>,
}

impl Writer {
    /// Starts the writer task on `store`'s backend.
    pub(crate) fn start(store: Store, options: BatchOptions) -> Writer {
        let (queue, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(store, options, rx));
        Writer { queue }
    }

    /// Queues a post and waits for the commit that holds it.
    pub(crate) async fn post(&self, job: PostJob) -> Result<Answer, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Queued { job, reply })
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?;
        answer
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolClosed))?
    }
}

/// The writer loop: ends when every [`Writer`] handle is gone.
async fn run(store: Store, options: BatchOptions, mut rx: mpsc::UnboundedReceiver<Queued>) {
    let max = options.max.max(1) as usize;
    let mut batch: Vec<Queued> = Vec::with_capacity(max);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < max {
            match rx.try_recv() {
                Ok(next) => batch.push(next),
                Err(_) => break,
            }
        }
        if batch.len() > 1 && batch.len() < max && !options.wait.is_zero() {
            let deadline = tokio::time::Instant::now() + options.wait;
            while batch.len() < max {
                match tokio::time::timeout_at(deadline, rx.recv()).await {
                    Ok(Some(next)) => batch.push(next),
                    _ => break,
                }
            }
        }
        // In a task of its own, so that a panic fails this batch (its requests are answered
        // with an error, its transaction rolls back) and not the writer.
        let committing = tokio::spawn(commit_batch(store.clone(), std::mem::take(&mut batch)));
        if let Err(panic) = committing.await {
            tracing::error!("group commit panicked: {panic}");
        }
    }
}

/// Commits one batch and answers each of its posts.
async fn commit_batch(store: Store, batch: Vec<Queued>) {
    let (jobs, replies): (Vec<PostJob>, Vec<_>) =
        batch.into_iter().map(|q| (q.job, q.reply)).unzip();
    match write_batch(&store, jobs).await {
        Ok(results) => {
            for (result, reply) in results.into_iter().zip(replies) {
                let answer =
                    result.map(|written| (store.published(written.posted), written.delivery_id));
                // The request may have gone away (client disconnected): its rows stay.
                let _ = reply.send(answer);
            }
        }
        Err(failure) => {
            tracing::error!("group commit failed: {failure}");
            for reply in replies {
                let _ = reply.send(Err(failure.for_each()));
            }
        }
    }
}

/// Why a whole batch failed: told to every post in it.
#[derive(Debug)]
pub(crate) struct BatchFailure {
    unavailable: bool,
    message: String,
}

impl std::fmt::Display for BatchFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl From<StoreError> for BatchFailure {
    fn from(err: StoreError) -> Self {
        BatchFailure {
            unavailable: err.is_unavailable(),
            message: err.to_string(),
        }
    }
}

impl From<sqlx::Error> for BatchFailure {
    fn from(err: sqlx::Error) -> Self {
        StoreError::Database(err).into()
    }
}

impl BatchFailure {
    /// The error one post of the failed batch is answered with: 503 when the database could
    /// not be reached, else a plain failure (500). Nothing of the batch was committed.
    fn for_each(&self) -> StoreError {
        if self.unavailable {
            StoreError::Database(sqlx::Error::PoolClosed)
        } else {
            StoreError::BatchRolledBack(self.message.clone())
        }
    }
}

/// Writes `jobs` in one transaction and returns each post's outcome once committed, or why the
/// whole batch failed.
///
/// First all together: one multi-row `INSERT` for the messages of every post, the outgoing
/// subscriptions read once per community. Should any statement fail, that transaction is
/// rolled back and the batch is written again with each post in its own savepoint
/// ([`write_each`]), so only the failing post is refused.
pub(crate) async fn write_batch(
    store: &Store,
    jobs: Vec<PostJob>,
) -> Result<Vec<Result<Written, StoreError>>, BatchFailure> {
    let mut tx = store.begin().await?;
    match write_together(&mut tx, store.node_id, &jobs).await {
        Ok(written) => {
            fold_statistics(&mut tx, jobs.iter()).await?;
            tx.commit().await?;
            Ok(written.into_iter().map(Ok).collect())
        }
        Err(err) if jobs.len() == 1 => {
            // Dropping the transaction rolls it back.
            drop(tx);
            Ok(vec![Err(err)])
        }
        Err(err) => {
            drop(tx);
            tracing::debug!(posts = jobs.len(), "batch retried post by post: {err}");
            write_each(store, jobs).await
        }
    }
}

/// Writes every post of a batch with statements shared across posts.
async fn write_together(
    tx: &mut Tx,
    node_id: Uuid,
    jobs: &[PostJob],
) -> Result<Vec<Written>, StoreError> {
    let now = super::now();
    let mut subscriptions: HashMap<Uuid, Vec<Subscription>> = HashMap::new();
    let mut prepared = Vec::with_capacity(jobs.len());
    for job in jobs {
        let community = job.target.community_id;
        if let Entry::Vacant(entry) = subscriptions.entry(community) {
            entry.insert(outbox::subscriptions(tx, community).await?);
        }
        prepared.push(prepare_messages(tx, &job.target, &job.messages, now).await?);
    }
    insert_rows(tx, &prepared.iter().flatten().collect::<Vec<_>>()).await?;
    let mut written = Vec::with_capacity(jobs.len());
    let mut deliveries = Vec::new();
    for (job, prepared) in jobs.iter().zip(prepared) {
        let subs = subscriptions
            .get(&job.target.community_id)
            .map_or(&[][..], Vec::as_slice);
        let posted = finish_messages(tx, node_id, &job.target, subs, prepared, now).await?;
        let delivery_id = job.delivery.as_ref().map(|(delivery, _)| {
            let row = NewDeliveryRow {
                id: Uuid::now_v7(),
                delivery,
                message_ids: posted.messages.iter().map(|m| m.id).collect(),
            };
            let id = row.id;
            deliveries.push(row);
            id
        });
        written.push(Written {
            posted,
            delivery_id,
        });
    }
    insert_deliveries(tx, &deliveries, now).await?;
    Ok(written)
}

/// Writes `jobs` in one transaction, each in its own savepoint: a post that fails is rolled
/// back alone and answered with its error.
async fn write_each(
    store: &Store,
    jobs: Vec<PostJob>,
) -> Result<Vec<Result<Written, StoreError>>, BatchFailure> {
    let mut tx = store.begin().await?;
    let mut results = Vec::with_capacity(jobs.len());
    for job in &jobs {
        query("SAVEPOINT post").execute(&mut tx).await?;
        match write_one(&mut tx, store.node_id, job).await {
            Ok(written) => {
                query("RELEASE SAVEPOINT post").execute(&mut tx).await?;
                results.push(Ok(written));
            }
            Err(err) => {
                // A failed statement leaves the transaction usable once rolled back to the
                // savepoint; if even that fails, the batch is lost and every post is told.
                query("ROLLBACK TO SAVEPOINT post").execute(&mut tx).await?;
                query("RELEASE SAVEPOINT post").execute(&mut tx).await?;
                results.push(Err(err));
            }
        }
    }
    let committed = jobs
        .iter()
        .zip(&results)
        .filter(|(_, r)| r.is_ok())
        .map(|(job, _)| job);
    fold_statistics(&mut tx, committed).await?;
    tx.commit().await?;
    Ok(results)
}

/// The usage statistics of the committed posts, one `UPDATE` per webhook, and the "newest N
/// successful deliveries" prune, once per webhook.
async fn fold_statistics<'j>(
    tx: &mut Tx,
    committed: impl Iterator<Item = &'j PostJob>,
) -> Result<(), StoreError> {
    let now = super::now();
    let mut usage: HashMap<Uuid, i64> = HashMap::new();
    let mut prunes: HashMap<Uuid, u32> = HashMap::new();
    for job in committed {
        *usage.entry(job.target.id).or_default() += job.messages.len() as i64;
        if let Some((delivery, keep)) = &job.delivery {
            prunes.insert(delivery.webhook_id, *keep);
        }
    }
    for (webhook_id, posted) in usage {
        count_usage(tx, webhook_id, posted, now).await?;
    }
    for (webhook_id, keep) in prunes {
        prune(tx, webhook_id, keep).await?;
    }
    Ok(())
}

/// One post, inside the batch's transaction (usage statistics are counted by the batch).
async fn write_one(tx: &mut Tx, node_id: Uuid, job: &PostJob) -> Result<Written, StoreError> {
    let posted = insert_messages(tx, node_id, &job.target, &job.messages).await?;
    with_delivery(tx, job, posted).await
}

/// Records a plugin post's delivery, naming the messages of `posted`.
async fn with_delivery(tx: &mut Tx, job: &PostJob, posted: Posted) -> Result<Written, StoreError> {
    let delivery_id = match &job.delivery {
        Some((delivery, _)) => {
            let ids: Vec<Uuid> = posted.messages.iter().map(|m| m.id).collect();
            Some(insert_delivery(tx, delivery, &ids).await?)
        }
        None => None,
    };
    Ok(Written {
        posted,
        delivery_id,
    })
}

/// Counts `posted` messages in a webhook's statistics.
pub(crate) async fn count_usage(
    tx: &mut Tx,
    webhook_id: Uuid,
    posted: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), StoreError> {
    query("UPDATE webhooks SET messages_posted = messages_posted + $2, last_used_at = $3 WHERE id = $1")
        .bind(webhook_id)
        .bind(posted)
        .bind(now)
        .execute(tx)
        .await?;
    Ok(())
}

impl Store {
    /// Commits a post through the group-commit writer and answers once it is committed.
    pub(crate) async fn commit_post(&self, job: PostJob) -> Result<Answer, StoreError> {
        if let Some(writer) = &self.writer {
            return writer.post(job).await;
        }
        // The writer's own copy of the store: a batch of one.
        let written = write_batch(self, vec![job])
            .await
            .map_err(|failure| failure.for_each())?
            .pop()
            .ok_or(StoreError::NotFound)??;
        Ok((self.published(written.posted), written.delivery_id))
    }
}
