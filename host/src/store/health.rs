//! What operators watch: whether the database answers (readiness), the connection pools'
//! use, and the depth of the queues the workers drain (metrics).

use super::db::query;
use super::{Backend, Store, StoreError};

/// One connection pool's use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolUse {
    /// `read`, `write` (SQLite) or `main` (PostgreSQL).
    pub pool: &'static str,
    /// Connections open and idle.
    pub idle: usize,
    /// Connections open and lent out.
    pub in_use: usize,
    /// Largest size of the pool.
    pub max: u32,
}

/// Work waiting in the database, for every node.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDepths {
    /// Web Push jobs not yet delivered or dropped.
    pub push: i64,
    /// Outgoing deliveries still pending.
    pub outgoing: i64,
}

impl Store {
    /// Whether the database answers a query (every pool on SQLite).
    pub async fn ping(&self) -> Result<(), StoreError> {
        let _: i64 = query("SELECT CAST(1 AS BIGINT)")
            .fetch_scalar(self.read())
            .await?;
        if !self.is_postgres() {
            let _: i64 = query("SELECT CAST(1 AS BIGINT)")
                .fetch_scalar(self.write())
                .await?;
        }
        Ok(())
    }

    /// The use of each connection pool.
    pub fn pool_use(&self) -> Vec<PoolUse> {
        fn of<DB: sqlx::Database>(pool: &'static str, p: &sqlx::Pool<DB>) -> PoolUse {
            let (size, idle) = (p.size() as usize, p.num_idle());
            PoolUse {
                pool,
                idle,
                in_use: size.saturating_sub(idle),
                max: p.options().get_max_connections(),
            }
        }
        match &self.backend {
            Backend::Sqlite { read, write } => vec![of("read", read), of("write", write)],
            Backend::Postgres(pool) => vec![of("main", pool)],
        }
    }

    /// How much work the push and outgoing workers have waiting.
    pub async fn queue_depths(&self) -> Result<QueueDepths, StoreError> {
        let push = query("SELECT COUNT(*) FROM push_jobs")
            .fetch_scalar(self.read())
            .await?;
        let outgoing = query("SELECT COUNT(*) FROM outgoing_deliveries WHERE status = 'pending'")
            .fetch_scalar(self.read())
            .await?;
        Ok(QueueDepths { push, outgoing })
    }
}
