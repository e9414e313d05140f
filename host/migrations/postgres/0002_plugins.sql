-- Transformer plugins, their attachment to webhooks, and deliveries (PostgreSQL).

-- Component bytes by SHA-256, shared by every plugin row with the same content; stored in the
-- database so that every node can load them.
CREATE TABLE plugin_blobs (
    sha256 BYTEA PRIMARY KEY,
    bytes  BYTEA NOT NULL
);

CREATE TABLE plugins (
    id           UUID PRIMARY KEY,
    -- NULL for built-in plugins, which every community can attach.
    community_id UUID REFERENCES communities(id) ON DELETE CASCADE,
    name         TEXT NOT NULL,
    version      TEXT NOT NULL,
    sha256       BYTEA NOT NULL,
    size         BIGINT NOT NULL,
    builtin      BOOLEAN NOT NULL DEFAULT FALSE,
    created_by   UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    CONSTRAINT plugins_name_version UNIQUE NULLS NOT DISTINCT (community_id, name, version)
);

ALTER TABLE webhooks ADD COLUMN plugin_id UUID REFERENCES plugins(id);
ALTER TABLE webhooks ADD COLUMN plugin_config TEXT;

-- Raw requests a plugin handled: every failure, and the most recent successes per webhook.
CREATE TABLE deliveries (
    id            UUID PRIMARY KEY,
    webhook_id    UUID NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    status        TEXT NOT NULL CHECK (status IN ('succeeded', 'skipped', 'ignored', 'failed', 'replayed')),
    method        TEXT NOT NULL,
    path          TEXT NOT NULL,
    query         TEXT NOT NULL,
    headers       TEXT NOT NULL,
    body          BYTEA NOT NULL,
    error_code    TEXT,
    error_message TEXT,
    reason        TEXT,
    plugin_log    TEXT NOT NULL DEFAULT '',
    message_ids   TEXT NOT NULL DEFAULT '[]',
    duration_us   BIGINT NOT NULL DEFAULT 0,
    created_at    TIMESTAMPTZ NOT NULL,
    replayed_at   TIMESTAMPTZ
);
CREATE INDEX deliveries_webhook ON deliveries(webhook_id, status, id);

-- Host-wide secrets (e.g. the key that authenticates the compiled-plugin cache).
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value BYTEA NOT NULL
);
