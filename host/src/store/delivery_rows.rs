//! Writing delivery records in bulk: the group-commit writer stores the successful deliveries
//! of a whole batch with a few multi-row `INSERT`s (one statement for a lone record), and keeps
//! only the newest N that are not failures with one ranged `DELETE` per webhook and batch.

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::StoreError;
use super::db::{Tx, query};
use super::deliveries::NewDelivery;

/// A delivery record about to be stored: the delivery, its id and the messages it posted.
pub(crate) struct NewDeliveryRow<'d> {
    /// The record's id.
    pub(crate) id: Uuid,
    /// What to store.
    pub(crate) delivery: &'d NewDelivery,
    /// The messages it posted (empty for a delivery that posted nothing).
    pub(crate) message_ids: Vec<Uuid>,
}

/// The most delivery rows one `INSERT` carries, largest first (see [`insert_deliveries`]).
const INSERT_CHUNKS: [usize; 3] = [16, 4, 1];

/// Bound values per delivery row.
const COLUMNS: usize = 16;

/// Inserts `rows` with as few statements as the chunk sizes allow, at time `now`.
/// Credential-bearing headers (`Authorization`, `Cookie`, `X-Gitlab-Token`, ...) are stored
/// redacted.
pub(crate) async fn insert_deliveries(
    tx: &mut Tx,
    rows: &[NewDeliveryRow<'_>],
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let mut rest = rows;
    while !rest.is_empty() {
        let (i, n) = INSERT_CHUNKS
            .into_iter()
            .enumerate()
            .find(|&(_, c)| c <= rest.len())
            .unwrap_or((INSERT_CHUNKS.len() - 1, 1));
        let (chunk, tail) = rest.split_at(n);
        let mut q = query(insert_sql(i));
        for row in chunk {
            let d = row.delivery;
            q = q
                .bind(row.id)
                .bind(d.webhook_id)
                .bind(d.status)
                .bind(d.request.method.as_str())
                .bind(d.request.path.as_str())
                .bind(d.request.query.as_str())
                .bind(
                    serde_json::to_string(&crate::secrets::redact_headers(&d.request.headers))
                        .unwrap_or_default(),
                )
                // A slice, not the `Vec`: bound by reference, the body is not copied here.
                .bind(&d.request.body[..])
                .bind(d.error_code.as_deref())
                .bind(d.error_message.as_deref())
                .bind(d.reason.as_deref())
                .bind(d.plugin_log.as_str())
                .bind(serde_json::to_string(&row.message_ids).unwrap_or_default())
                .bind(d.duration_us)
                .bind(d.peak_memory_bytes)
                .bind(now);
        }
        q.execute(&mut *tx).await?;
        rest = tail;
    }
    Ok(())
}

/// The `INSERT INTO deliveries` text for the chunk size `INSERT_CHUNKS[chunk]`, built once.
fn insert_sql(chunk: usize) -> &'static str {
    static TEXTS: [OnceLock<String>; INSERT_CHUNKS.len()] =
        [const { OnceLock::new() }; INSERT_CHUNKS.len()];
    TEXTS[chunk].get_or_init(|| {
        let mut sql = String::from(
            "INSERT INTO deliveries (id, webhook_id, status, method, path, query, headers, body,
             error_code, error_message, reason, plugin_log, message_ids,
             duration_us, peak_memory_bytes, created_at) VALUES ",
        );
        for r in 0..INSERT_CHUNKS[chunk] {
            sql.push_str(if r > 0 { ", (" } else { "(" });
            let row: Vec<String> = (1..=COLUMNS)
                .map(|c| format!("${}", r * COLUMNS + c))
                .collect();
            sql.push_str(&row.join(", "));
            sql.push(')');
        }
        sql
    })
}

/// Keeps the newest `keep` deliveries of a webhook that are not failures, inside `tx`
/// (failures are always kept).
///
/// One ranged `DELETE` through the `(webhook_id, status, id)` index: the subquery finds the
/// newest record past the `keep` newest, and every older one goes. It reads about `keep`
/// index entries plus the rows it deletes, and deletes nothing when there are no more than
/// `keep`, so running it once per webhook and batch costs little next to the inserts.
pub(crate) async fn prune(tx: &mut Tx, webhook_id: Uuid, keep: u32) -> Result<(), StoreError> {
    query(
        "DELETE FROM deliveries WHERE webhook_id = $1
         AND status IN ('succeeded', 'skipped', 'ignored')
         AND id <= (SELECT id FROM deliveries
             WHERE webhook_id = $1 AND status IN ('succeeded', 'skipped', 'ignored')
             ORDER BY id DESC LIMIT 1 OFFSET $2)",
    )
    .bind(webhook_id)
    .bind(i64::from(keep))
    .execute(tx)
    .await?;
    Ok(())
}
