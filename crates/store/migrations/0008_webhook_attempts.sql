-- Every status-callback delivery attempt, so a customer can see why a callback did not arrive
-- (GET /v1/calls/{id}/webhooks). Kept 30 days (the webhook worker prunes older rows hourly).
CREATE TABLE webhook_attempts (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id    uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    call_id      uuid NOT NULL,
    event_id     text NOT NULL,
    event_type   text NOT NULL,
    url          text NOT NULL,
    attempt      integer NOT NULL,
    -- delivered (2xx), gone (410), retrying, dropped (the last attempt failed), refused
    -- (the URL was not allowed).
    outcome      text NOT NULL CHECK (outcome IN ('delivered', 'gone', 'retrying', 'dropped', 'refused')),
    status_code  integer,
    error        text,
    duration_ms  integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_attempts_call_idx ON webhook_attempts (call_id, id);
CREATE INDEX webhook_attempts_created_idx ON webhook_attempts (created_at);
