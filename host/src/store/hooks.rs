//! What the store tells this node after a commit, through hooks the server sets once at start:
//! the id of every webhook it changed (the token cache drops it), the notices it created (sent
//! live as `notice.created`) and the communities whose roles changed (the live hub's cache of
//! each community's managers drops them). Other nodes learn of webhook and role changes through
//! PostgreSQL `NOTIFY` (see `cluster`).

use std::sync::OnceLock;

use uuid::Uuid;

use super::Store;

/// Notices a commit created: one per owner and admin of the community, all alike.
#[derive(Debug, Clone)]
pub struct NoticesCreated {
    /// The community concerned.
    pub community_id: Uuid,
    /// Kind, e.g. `outgoing_webhook.disabled`.
    pub kind: String,
    /// The object concerned.
    pub subject_id: Uuid,
    /// What happened.
    pub text: String,
    /// Who got one.
    pub user_ids: Vec<Uuid>,
}

type IdHook = Box<dyn Fn(Uuid) + Send + Sync>;
type NoticeHook = Box<dyn Fn(&NoticesCreated) + Send + Sync>;

/// The hooks, each set at most once.
#[derive(Default)]
pub(super) struct Hooks {
    webhook_changed: OnceLock<IdHook>,
    notices_created: OnceLock<NoticeHook>,
    roles_changed: OnceLock<IdHook>,
}

fn set_once<T>(cell: &OnceLock<T>, hook: T, what: &str) {
    if cell.set(hook).is_err() {
        tracing::warn!("{what} hook already set; keeping the first");
    }
}

impl Store {
    /// Calls `hook` with the id of every webhook this node changes, right after the commit
    /// (the token cache drops it); other nodes learn of it through
    /// [`WEBHOOK_CHANNEL`](super::WEBHOOK_CHANNEL). Set once.
    pub fn on_webhook_changed(&self, hook: impl Fn(Uuid) + Send + Sync + 'static) {
        let hook: IdHook = Box::new(hook);
        set_once(&self.hooks.webhook_changed, hook, "webhook change");
    }

    /// Calls `hook` with the notices of every commit on this node that created some, right
    /// after the commit. Set once.
    pub fn on_notices_created(&self, hook: impl Fn(&NoticesCreated) + Send + Sync + 'static) {
        let hook: NoticeHook = Box::new(hook);
        set_once(&self.hooks.notices_created, hook, "notice");
    }

    /// Calls `hook` with the id of every community whose members' roles this node changes,
    /// right after the commit; other nodes learn of it through
    /// [`ROLES_CHANNEL`](super::ROLES_CHANNEL). Set once.
    pub fn on_roles_changed(&self, hook: impl Fn(Uuid) + Send + Sync + 'static) {
        let hook: IdHook = Box::new(hook);
        set_once(&self.hooks.roles_changed, hook, "role change");
    }

    /// Tells this node's change hook that webhook `id` changed.
    pub(crate) fn webhook_changed(&self, id: Uuid) {
        if let Some(hook) = self.hooks.webhook_changed.get() {
            hook(id);
        }
    }

    /// Tells this node's notice hook about committed notices (none when nobody got one).
    pub(crate) fn notices_created(&self, notices: &NoticesCreated) {
        if notices.user_ids.is_empty() {
            return;
        }
        if let Some(hook) = self.hooks.notices_created.get() {
            hook(notices);
        }
    }

    /// Tells this node's role hook that the roles of community `id` changed.
    pub(crate) fn roles_changed(&self, id: Uuid) {
        if let Some(hook) = self.hooks.roles_changed.get() {
            hook(id);
        }
    }
}
