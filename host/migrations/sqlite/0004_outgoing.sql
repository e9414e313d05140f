-- Outgoing event webhooks, their durable outbox and delivery log, per-community IM
-- integrations for direct messages, and notices to users (SQLite). Issue #7.
-- Times the worker compares (next attempt, lease) are Unix milliseconds.

CREATE TABLE outgoing_webhooks (
    id                    BLOB PRIMARY KEY NOT NULL,
    community_id          BLOB NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    name                  TEXT NOT NULL,
    target                TEXT NOT NULL CHECK (target IN ('slack', 'discord', 'teams', 'dingtalk', 'feishu', 'wecom', 'generic')),
    url                   TEXT NOT NULL,
    secret                TEXT,
    -- JSON array of event names.
    events                TEXT NOT NULL,
    channel_id            BLOB REFERENCES channels(id) ON DELETE CASCADE,
    only_webhook_messages INTEGER NOT NULL DEFAULT 0,
    only_mentions         INTEGER NOT NULL DEFAULT 0,
    direct_messages       INTEGER NOT NULL DEFAULT 0,
    enabled               INTEGER NOT NULL DEFAULT 1,
    consecutive_failures  INTEGER NOT NULL DEFAULT 0,
    disabled_reason       TEXT,
    created_by            BLOB REFERENCES users(id) ON DELETE SET NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL
);
CREATE INDEX outgoing_webhooks_community ON outgoing_webhooks(community_id);

-- One row per event that at least one outgoing webhook wanted, written in the transaction of
-- the change that caused it.
CREATE TABLE outgoing_events (
    id           BLOB PRIMARY KEY NOT NULL,
    community_id BLOB NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    -- The event's `data` object as JSON.
    payload      TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

-- The outbox: one row per (event, outgoing webhook) or (event, user to message directly).
CREATE TABLE outgoing_deliveries (
    id                  BLOB PRIMARY KEY NOT NULL,
    event_id            BLOB NOT NULL REFERENCES outgoing_events(id) ON DELETE CASCADE,
    community_id        BLOB NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    outgoing_webhook_id BLOB REFERENCES outgoing_webhooks(id) ON DELETE CASCADE,
    recipient_user_id   BLOB REFERENCES users(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('webhook', 'dm')),
    status              TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_ms     INTEGER NOT NULL,
    lease_until_ms      INTEGER,
    response_status     INTEGER,
    latency_ms          INTEGER,
    last_error          TEXT,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    delivered_at        TEXT
);
CREATE INDEX outgoing_deliveries_due ON outgoing_deliveries(status, next_attempt_ms);
CREATE INDEX outgoing_deliveries_webhook ON outgoing_deliveries(outgoing_webhook_id, id);
CREATE INDEX outgoing_deliveries_community ON outgoing_deliveries(community_id, kind, id);
CREATE INDEX outgoing_deliveries_event ON outgoing_deliveries(event_id);

-- The IM a community's direct messages go through, with its credentials (JSON).
CREATE TABLE im_integrations (
    community_id BLOB PRIMARY KEY NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    provider     TEXT NOT NULL CHECK (provider IN ('slack', 'feishu', 'dingtalk', 'wecom')),
    settings     TEXT NOT NULL,
    base_url     TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

-- Notices to a user that are not about a message (e.g. an outgoing webhook was disabled).
CREATE TABLE notices (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    community_id BLOB REFERENCES communities(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    subject_id   BLOB,
    text         TEXT NOT NULL,
    read_at      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX notices_user ON notices(user_id, id);
