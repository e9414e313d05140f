-- Transformer plugins, their attachment to webhooks, and deliveries (SQLite).

-- Component bytes by SHA-256, shared by every plugin row with the same content.
CREATE TABLE plugin_blobs (
    sha256 BLOB PRIMARY KEY NOT NULL,
    bytes  BLOB NOT NULL
);

CREATE TABLE plugins (
    id           BLOB PRIMARY KEY NOT NULL,
    -- NULL for built-in plugins, which every community can attach.
    community_id BLOB REFERENCES communities(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    sha256       BLOB NOT NULL,
    size         INTEGER NOT NULL,
    builtin      INTEGER NOT NULL DEFAULT 0,
    created_by   BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at   TEXT NOT NULL
);
CREATE UNIQUE INDEX plugins_name_version ON plugins(COALESCE(community_id, X''), name, version);

ALTER TABLE webhooks ADD COLUMN plugin_id BLOB REFERENCES plugins(id);
ALTER TABLE webhooks ADD COLUMN plugin_config TEXT;

-- Raw requests a plugin handled: every failure, and the most recent successes per webhook.
CREATE TABLE deliveries (
    id            BLOB PRIMARY KEY NOT NULL,
    webhook_id    BLOB NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('succeeded', 'skipped', 'ignored', 'failed', 'replayed')),
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    query         TEXT NOT NULL,
    headers       TEXT NOT NULL,
    body          BLOB NOT NULL,
    error_code    TEXT,
    error_message TEXT,
    reason        TEXT,
    plugin_log    TEXT NOT NULL DEFAULT '',
    message_ids   TEXT NOT NULL DEFAULT '[]',
    duration_us   INTEGER NOT NULL DEFAULT 0,
    created_at    TEXT NOT NULL,
    replayed_at   TEXT
);
CREATE INDEX deliveries_webhook ON deliveries(webhook_id, status, id);

-- Host-wide secrets (e.g. the key that authenticates the compiled-plugin cache).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY NOT NULL,
    value BLOB NOT NULL
);
