-- Outgoing event webhooks, their durable outbox and delivery log, per-community IM
-- integrations for direct messages, and notices to users (PostgreSQL). Issue #7.
-- Times the worker compares (next attempt, lease) are Unix milliseconds.

CREATE TABLE outgoing_webhooks (
    id                    UUID PRIMARY KEY,
    community_id          UUID NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    name                  TEXT NOT NULL,
    target                TEXT NOT NULL CHECK (target IN ('slack', 'discord', 'teams', 'dingtalk', 'feishu', 'wecom', 'generic')),
    url                   TEXT NOT NULL,
    secret                TEXT,
    -- JSON array of event names.
    events                TEXT NOT NULL,
    channel_id            UUID REFERENCES channels(id) ON DELETE CASCADE,
    only_webhook_messages BOOLEAN NOT NULL DEFAULT FALSE,
    only_mentions         BOOLEAN NOT NULL DEFAULT FALSE,
    direct_messages       BOOLEAN NOT NULL DEFAULT FALSE,
    enabled               BOOLEAN NOT NULL DEFAULT TRUE,
    consecutive_failures  BIGINT NOT NULL DEFAULT 0,
    disabled_reason       TEXT,
    created_by            UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at            TIMESTAMPTZ NOT NULL,
    updated_at            TIMESTAMPTZ NOT NULL
);
CREATE INDEX outgoing_webhooks_community ON outgoing_webhooks(community_id);

-- One row per event that at least one outgoing webhook wanted, written in the transaction of
-- the change that caused it.
CREATE TABLE outgoing_events (
    id           UUID PRIMARY KEY,
    community_id UUID NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    -- The event's `data` object as JSON.
    payload      TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

-- The outbox: one row per (event, outgoing webhook) or (event, user to message directly).
-- Nodes claim due rows with FOR UPDATE SKIP LOCKED and a lease, so each is sent by one node.
CREATE TABLE outgoing_deliveries (
    id                  UUID PRIMARY KEY,
    event_id            UUID NOT NULL REFERENCES outgoing_events(id) ON DELETE CASCADE,
    community_id        UUID NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
    outgoing_webhook_id UUID REFERENCES outgoing_webhooks(id) ON DELETE CASCADE,
    recipient_user_id   UUID REFERENCES users(id) ON DELETE CASCADE,
    kind                TEXT NOT NULL CHECK (kind IN ('webhook', 'dm')),
    status              TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    attempts            BIGINT NOT NULL DEFAULT 0,
    next_attempt_ms     BIGINT NOT NULL,
    lease_until_ms      BIGINT,
    response_status     BIGINT,
    latency_ms          BIGINT,
    last_error          TEXT,
    created_at          TIMESTAMPTZ NOT NULL,
    updated_at          TIMESTAMPTZ NOT NULL,
    delivered_at        TIMESTAMPTZ
);
CREATE INDEX outgoing_deliveries_due ON outgoing_deliveries(status, next_attempt_ms);
CREATE INDEX outgoing_deliveries_webhook ON outgoing_deliveries(outgoing_webhook_id, id);
CREATE INDEX outgoing_deliveries_community ON outgoing_deliveries(community_id, kind, id);
CREATE INDEX outgoing_deliveries_event ON outgoing_deliveries(event_id);

-- The IM a community's direct messages go through, with its credentials (JSON).
CREATE TABLE im_integrations (
    community_id UUID PRIMARY KEY REFERENCES communities(id) ON DELETE CASCADE,
    provider     TEXT NOT NULL CHECK (provider IN ('slack', 'feishu', 'dingtalk', 'wecom')),
    settings     TEXT NOT NULL,
    base_url     TEXT,
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);

-- Notices to a user that are not about a message (e.g. an outgoing webhook was disabled).
CREATE TABLE notices (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    community_id UUID REFERENCES communities(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    subject_id   UUID,
    text         TEXT NOT NULL,
    read_at      TIMESTAMPTZ,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX notices_user ON notices(user_id, id);
