-- The call pipeline: calls and their idempotency keys, tenants' call limits and price lists,
-- the orchestrators' liveness, and CDRs partitioned by month.

ALTER TABLE tenants
    -- NULL means: the platform's defaults (IRISX_TENANT_MAX_CALLS / IRISX_TENANT_CPS).
    ADD COLUMN max_concurrent_calls integer CHECK (max_concurrent_calls > 0),
    ADD COLUMN calls_per_second     integer CHECK (calls_per_second > 0);

-- What a tenant pays per destination prefix (the carrier's rate deck is what the platform pays).
CREATE TABLE tenant_prices (
    tenant_id           uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    prefix              text NOT NULL CHECK (prefix ~ '^[0-9]{0,15}$'),
    price_micros        bigint NOT NULL CHECK (price_micros >= 0),
    increment_first     integer NOT NULL DEFAULT 60 CHECK (increment_first BETWEEN 1 AND 3600),
    increment_next      integer NOT NULL DEFAULT 60 CHECK (increment_next BETWEEN 1 AND 3600),
    PRIMARY KEY (tenant_id, prefix)
);

CREATE TABLE calls (
    id                  uuid PRIMARY KEY,
    tenant_id           uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    direction           text NOT NULL CHECK (direction IN ('outbound', 'inbound')),
    status              text NOT NULL CHECK (status IN ('queued', 'initiated', 'ringing', 'answered',
                            'completed', 'busy', 'no-answer', 'failed', 'canceled')),
    to_uri              text NOT NULL,
    from_uri            text NOT NULL,
    application         jsonb,
    answer_url          text,
    status_callback     text,
    timeout_s           integer NOT NULL CHECK (timeout_s BETWEEN 1 AND 600),
    max_duration_s      integer NOT NULL CHECK (max_duration_s BETWEEN 1 AND 86400),
    metadata            jsonb NOT NULL DEFAULT '{}'::jsonb,
    -- Idempotency-Key of the request that created it, and a hash of that request's body.
    idempotency_key     text,
    request_hash        bytea,
    -- Routing and execution.
    orchestrator_id     uuid,
    media_server        text,
    carrier_id          uuid REFERENCES carriers (id) ON DELETE SET NULL,
    leg_id              uuid,
    attempts            integer NOT NULL DEFAULT 0,
    verb_index          integer NOT NULL DEFAULT 0,
    hangup_requested    boolean NOT NULL DEFAULT false,
    -- Outcome.
    hangup_cause        text,
    sip_status          integer,
    reason              text,
    duration_s          integer,
    created_at          timestamptz NOT NULL DEFAULT now(),
    initiated_at        timestamptz,
    ringing_at          timestamptz,
    answered_at         timestamptz,
    ended_at            timestamptz,
    updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_tenant_idx ON calls (tenant_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX calls_idempotency_key ON calls (tenant_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
-- Live calls: concurrency limits and recovery scan these only.
CREATE INDEX calls_live_idx ON calls (tenant_id)
    WHERE status IN ('queued', 'initiated', 'ringing', 'answered');

-- Orchestrator processes and when each was last seen; calls of one not seen for a while are
-- adopted by another.
CREATE TABLE orchestrators (
    id                  uuid PRIMARY KEY,
    started_at          timestamptz NOT NULL DEFAULT now(),
    seen_at             timestamptz NOT NULL DEFAULT now()
);

-- One row per call leg, whatever created it. Partitioned by the month the leg started;
-- partitions are created ahead by the cdr worker, and the default partition catches anything
-- outside them so that no record is ever refused.
CREATE TABLE cdr (
    leg_id              text NOT NULL,
    started_at          timestamptz NOT NULL,
    tenant_id           uuid,
    call_id             uuid,
    direction           text NOT NULL,
    from_uri            text NOT NULL DEFAULT '',
    to_uri              text NOT NULL DEFAULT '',
    carrier_id          uuid,
    answered_at         timestamptz,
    ended_at            timestamptz NOT NULL,
    duration_s          integer NOT NULL,
    billsec             integer NOT NULL,
    hangup_cause        text NOT NULL,
    sip_status          integer,
    cost_micros         bigint,
    price_micros        bigint,
    media_server        text NOT NULL,
    published           boolean NOT NULL DEFAULT false,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (leg_id, started_at)
) PARTITION BY RANGE (started_at);
CREATE TABLE cdr_default PARTITION OF cdr DEFAULT;
CREATE INDEX cdr_tenant_idx ON cdr (tenant_id, started_at DESC, leg_id DESC);
CREATE INDEX cdr_call_idx ON cdr (call_id);
CREATE INDEX cdr_unpublished_idx ON cdr (created_at) WHERE NOT published;

-- Creates the monthly partitions from last month to `months_ahead` months from now (those
-- that do not exist yet). A month whose rows already sit in the default partition is skipped
-- (PostgreSQL refuses it) rather than failing the caller.
CREATE FUNCTION irisx_ensure_cdr_partitions(months_ahead integer) RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    m date;
    created integer := 0;
    part text;
BEGIN
    FOR i IN -1..months_ahead LOOP
        m := (date_trunc('month', now() AT TIME ZONE 'UTC') + make_interval(months => i))::date;
        part := format('cdr_%s', to_char(m, 'YYYY_MM'));
        IF to_regclass(part) IS NULL THEN
            BEGIN
                EXECUTE format(
                    'CREATE TABLE %I PARTITION OF cdr FOR VALUES FROM (%L) TO (%L)',
                    part, m::timestamp AT TIME ZONE 'UTC',
                    (m + interval '1 month')::timestamp AT TIME ZONE 'UTC');
                created := created + 1;
            EXCEPTION WHEN check_violation OR invalid_object_definition THEN
                RAISE WARNING 'cdr partition % not created: %', part, SQLERRM;
            END;
        END IF;
    END LOOP;
    RETURN created;
END $$;

SELECT irisx_ensure_cdr_partitions(3);
