-- Hosted applications: a named set of verbs, or the customer's endpoint that returns them,
-- which calls refer to by id (`POST /v1/calls {"application_id": …}`), with a default
-- status callback for those calls.
CREATE TABLE applications (
    id              uuid PRIMARY KEY,
    tenant_id       uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    application     jsonb,
    answer_url      text,
    status_callback text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT applications_one_source CHECK ((application IS NULL) <> (answer_url IS NULL))
);
CREATE UNIQUE INDEX applications_name_key ON applications (tenant_id, lower(name));
CREATE INDEX applications_tenant_idx ON applications (tenant_id, created_at DESC, id DESC);

-- Which application a call ran (its verbs are copied into the call when it is accepted).
ALTER TABLE calls ADD COLUMN application_id uuid REFERENCES applications (id) ON DELETE SET NULL;
CREATE INDEX calls_application_idx ON calls (application_id) WHERE application_id IS NOT NULL;
