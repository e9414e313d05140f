//! The registry of live connections on this node, and bounded fan-out to them.
//!
//! Each connection has a bounded queue. Fan-out never waits: an event that does not fit in a
//! connection's queue means the client fell behind, so the connection is dropped from the
//! registry and told to close; the client resumes from the messages API. Memory per connection
//! is therefore bounded by the queue length times the (shared) event size.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use axum::extract::ws::Utf8Bytes;
use tokio::sync::{Notify, mpsc};
use uuid::Uuid;

use super::managers::Managers;
use crate::store::Store;

/// One serialized event, shared by every connection it goes to.
#[derive(Debug)]
pub struct LiveEvent {
    /// `message.created` or `notification.created`.
    pub kind: &'static str,
    /// The message or notification id (the SSE event id).
    pub id: Uuid,
    /// `{"type": kind, "data": ...}`.
    pub json: Utf8Bytes,
}

/// Shared between a registered connection and its task.
#[derive(Debug, Default)]
struct ConnState {
    lagged: AtomicBool,
    kill: Notify,
}

#[derive(Debug, Clone)]
struct Conn {
    id: u64,
    user_id: Uuid,
    tx: mpsc::Sender<Arc<LiveEvent>>,
    state: Arc<ConnState>,
}

#[derive(Debug, Default)]
struct Registry {
    /// WebSocket connections by user.
    users: HashMap<Uuid, Vec<Conn>>,
    /// SSE streams by channel.
    channels: HashMap<Uuid, Vec<Conn>>,
}

/// What a subscription yields next.
#[derive(Debug)]
pub enum Connection {
    /// An event to send.
    Event(Arc<LiveEvent>),
    /// The client fell behind and must be disconnected.
    Lagged,
    /// The server is shutting down: say goodbye and end the connection.
    Closing,
}

/// The live connections of this node.
#[derive(Debug)]
pub struct Hub {
    store: Store,
    buffer: usize,
    next_id: AtomicU64,
    registry: Mutex<Registry>,
    /// Serializes presence writes, so the last write always has the current count.
    presence: tokio::sync::Mutex<()>,
    /// Becomes `true` when the server shuts down: every connection ends, so a graceful
    /// shutdown is not held open by endless SSE responses.
    closing: tokio::sync::watch::Sender<bool>,
    /// The owners and admins of each community, for the studio's events.
    managers: Managers,
}

/// A registered connection; dropping it unregisters it.
#[derive(Debug)]
pub struct Subscription {
    hub: Arc<Hub>,
    id: u64,
    user_id: Uuid,
    channel: Option<Uuid>,
    rx: mpsc::Receiver<Arc<LiveEvent>>,
    state: Arc<ConnState>,
    closing: tokio::sync::watch::Receiver<bool>,
}

impl Hub {
    /// A hub whose connections each queue at most `buffer` events.
    pub fn new(store: Store, buffer: usize) -> Arc<Self> {
        // With several nodes, the cache of managers waits for the change feed (`cluster`).
        let single_node = store.postgres_pool().is_none();
        Arc::new(Self {
            managers: Managers::new(single_node),
            store,
            buffer: buffer.max(1),
            next_id: AtomicU64::new(1),
            registry: Mutex::default(),
            presence: tokio::sync::Mutex::new(()),
            closing: tokio::sync::watch::Sender::new(false),
        })
    }

    /// Ends every live connection (at shutdown): WebSocket clients get close code 1001, SSE
    /// streams end.
    pub fn close_all(&self) {
        self.closing.send_replace(true);
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // A panic while holding the lock leaves the maps consistent (no partial updates).
        self.registry.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(self: &Arc<Self>, user_id: Uuid, channel: Option<Uuid>) -> Subscription {
        let (tx, rx) = mpsc::channel(self.buffer);
        let state = Arc::new(ConnState::default());
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let conn = Conn {
            id,
            user_id,
            tx,
            state: state.clone(),
        };
        let mut registry = self.registry();
        match channel {
            Some(channel) => registry.channels.entry(channel).or_default().push(conn),
            None => registry.users.entry(user_id).or_default().push(conn),
        }
        Subscription {
            hub: self.clone(),
            id,
            user_id,
            channel,
            rx,
            state,
            closing: self.closing.subscribe(),
        }
    }

    /// Registers a WebSocket connection of `user_id`; the user is online (on every node) when
    /// this returns.
    pub async fn connect_user(self: &Arc<Self>, user_id: Uuid) -> Subscription {
        let subscription = self.register(user_id, None);
        self.sync_presence(user_id).await;
        subscription
    }

    /// Registers an SSE stream of `channel_id` for `user_id`.
    pub fn watch_channel(self: &Arc<Self>, channel_id: Uuid, user_id: Uuid) -> Subscription {
        self.register(user_id, Some(channel_id))
    }

    /// Writes this node's connection count of `user_id` to the presence table.
    async fn sync_presence(&self, user_id: Uuid) {
        let _serial = self.presence.lock().await;
        let count = self.registry().users.get(&user_id).map_or(0, Vec::len);
        if let Err(e) = self.store.set_presence(user_id, count).await {
            tracing::error!(error = %e, %user_id, "cannot record presence");
        }
    }

    /// Whether any connection is registered.
    pub fn has_connections(&self) -> bool {
        let registry = self.registry();
        !registry.users.is_empty() || !registry.channels.is_empty()
    }

    /// Whether any WebSocket connection is registered.
    pub fn has_users(&self) -> bool {
        !self.registry().users.is_empty()
    }

    /// Whether an SSE stream watches `channel_id`.
    pub fn watches_channel(&self, channel_id: Uuid) -> bool {
        self.registry().channels.contains_key(&channel_id)
    }

    /// (users connected by WebSocket, WebSocket connections, SSE streams) on this node.
    pub fn stats(&self) -> (usize, usize, usize) {
        let registry = self.registry();
        (
            registry.users.len(),
            registry.users.values().map(Vec::len).sum(),
            registry.channels.values().map(Vec::len).sum(),
        )
    }

    /// Sends a `message.created` event to the WebSocket connections of `members` and to the
    /// channel's SSE streams of users who are still members.
    pub fn message_created(&self, channel_id: Uuid, members: &[Uuid], event: Arc<LiveEvent>) {
        let mut dead = Vec::new();
        let mut registry = self.registry();
        for user in members {
            if let Some(conns) = registry.users.get(user) {
                offer(conns, &event, &mut dead);
            }
        }
        if let Some(streams) = registry.channels.get(&channel_id) {
            let members: HashSet<&Uuid> = members.iter().collect();
            let allowed: Vec<Conn> = streams
                .iter()
                .filter(|c| members.contains(&c.user_id))
                .cloned()
                .collect();
            offer(&allowed, &event, &mut dead);
        }
        remove(&mut registry, &dead);
    }

    /// Sends an event to the WebSocket connections of the owners and admins of
    /// `community_id`. Whom to tell comes from a cache that every role change clears, so an
    /// event costs no query unless the community's roles changed since the last one.
    pub async fn to_managers(&self, community_id: Uuid, event: Arc<LiveEvent>) {
        if !self.has_users() {
            return;
        }
        match self.managers.of(&self.store, community_id).await {
            Ok(managers) => {
                for user in managers.iter() {
                    self.to_user(*user, event.clone());
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, kind = event.kind, "cannot find whom to tell live")
            }
        }
    }

    /// This node's id among the nodes sharing the database.
    pub fn node_id(&self) -> Uuid {
        self.store.node_id()
    }

    /// The cache of each community's managers, for the role change hook and the change feed.
    pub fn managers(&self) -> &Managers {
        &self.managers
    }

    /// Sends an event to every WebSocket connection of `user_id`.
    pub fn to_user(&self, user_id: Uuid, event: Arc<LiveEvent>) {
        let mut dead = Vec::new();
        let mut registry = self.registry();
        if let Some(conns) = registry.users.get(&user_id) {
            offer(conns, &event, &mut dead);
        }
        remove(&mut registry, &dead);
    }
}

/// Queues `event` on each connection without waiting; collects the ones that are full (told to
/// close) or gone.
fn offer(conns: &[Conn], event: &Arc<LiveEvent>, dead: &mut Vec<u64>) {
    for conn in conns {
        match conn.tx.try_send(event.clone()) {
            Ok(()) => {}
            Err(mpsc::error::TrySendError::Full(_)) => {
                conn.state.lagged.store(true, Ordering::Release);
                conn.state.kill.notify_one();
                dead.push(conn.id);
            }
            Err(mpsc::error::TrySendError::Closed(_)) => dead.push(conn.id),
        }
    }
}

fn remove(registry: &mut Registry, ids: &[u64]) {
    if ids.is_empty() {
        return;
    }
    for map in [&mut registry.users, &mut registry.channels] {
        map.retain(|_, conns| {
            conns.retain(|c| !ids.contains(&c.id));
            !conns.is_empty()
        });
    }
}

impl Subscription {
    /// The next event, `Lagged` once the client fell behind, or `Closing` at shutdown.
    /// Cancel-safe.
    pub async fn next(&mut self) -> Connection {
        if self.lagged() {
            return Connection::Lagged;
        }
        if *self.closing.borrow() {
            return Connection::Closing;
        }
        tokio::select! {
            biased;
            _ = self.closing.changed() => Connection::Closing,
            () = self.state.kill.notified() => Connection::Lagged,
            event = self.rx.recv() => match event {
                Some(event) => Connection::Event(event),
                None => Connection::Lagged,
            },
        }
    }

    /// Completes when the client fell behind: race it against a slow socket write.
    pub async fn lagging(&self) {
        if !self.lagged() {
            self.state.kill.notified().await;
        }
    }

    /// Whether the client fell behind.
    pub fn lagged(&self) -> bool {
        self.state.lagged.load(Ordering::Acquire)
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        {
            let mut registry = self.hub.registry();
            remove(&mut registry, &[self.id]);
        }
        if self.channel.is_none() {
            let hub = self.hub.clone();
            let user_id = self.user_id;
            if let Ok(runtime) = tokio::runtime::Handle::try_current() {
                runtime.spawn(async move { hub.sync_presence(user_id).await });
            }
        }
    }
}
