-- Live delivery: who is connected, Web Push subscriptions and the durable push queue (PostgreSQL).

-- Open WebSocket connections per node and user; a row whose seen_at is older than the
-- presence TTL belongs to a node that stopped without saying so, and counts as offline.
CREATE TABLE live_presence (
    node_id     UUID NOT NULL,
    user_id     UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    connections BIGINT NOT NULL,
    seen_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (node_id, user_id)
);
CREATE INDEX live_presence_user ON live_presence(user_id, seen_at);

-- A browser's push subscription (the PushSubscription the Push API gave it).
CREATE TABLE push_subscriptions (
    id         UUID PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    endpoint   TEXT NOT NULL UNIQUE,
    p256dh     BYTEA NOT NULL,
    auth       BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX push_subscriptions_user ON push_subscriptions(user_id);

-- One Web Push message to one subscription, enqueued in the transaction that stored the
-- mention; deleted once the push service accepted it (or the subscription is gone).
CREATE TABLE push_jobs (
    id              UUID PRIMARY KEY,
    subscription_id UUID NOT NULL REFERENCES push_subscriptions(id) ON DELETE CASCADE,
    notification_id UUID NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
    payload         TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMPTZ NOT NULL,
    locked_until    TIMESTAMPTZ,
    last_error      TEXT,
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX push_jobs_due ON push_jobs(next_attempt_at);
